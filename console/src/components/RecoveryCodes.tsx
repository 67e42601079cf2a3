import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';

/** MFA recovery codes, shown once (after binding or regenerating), with a button that copies them all. */
export function RecoveryCodes({ codes }: { codes: string[] }) {
  const { t } = useTranslation();
  return (
    <div data-testid="mfa-recovery-codes">
      <ul
        style={{
          display: 'grid',
          gridTemplateColumns: '1fr 1fr',
          gap: '4px 16px',
          listStyle: 'none',
          padding: 0,
          margin: '0 0 8px',
          fontFamily: 'monospace',
          fontSize: 15,
        }}
      >
        {codes.map((code) => (
          <li key={code} data-testid="mfa-recovery-code">
            {code}
          </li>
        ))}
      </ul>
      <Typography.Text
        copyable={{
          text: codes.join('\n'),
          tooltips: [t('login.mfa.codes.copy'), t('common.copied')],
        }}
        data-testid="mfa-recovery-codes-copy"
      >
        {t('login.mfa.codes.copy')}
      </Typography.Text>
    </div>
  );
}
