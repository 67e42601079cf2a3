import { KeyOutlined, SafetyOutlined } from '@ant-design/icons';
import { LoginForm, type ProFormInstance, ProFormText } from '@ant-design/pro-components';
import { Alert, Button, Space, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { bindMfa, verifyMfa } from '../../api/auth';
import { isApiError } from '../../api/client';
import type { MfaChallenge, Session } from '../../api/types';
import { RecoveryCodes } from '../../components/RecoveryCodes';
import { useErrorText } from '../../utils/errors';
import { testId } from '../../utils/test-id';

/** Where a login with MFA on stands after the password: a code to give, a device to bind, or the recovery codes to save. */
export type MfaStep =
  | { kind: 'verify'; challenge: string }
  | { kind: 'bind'; challenge: string; secret: string; qrDataUrl: string }
  | { kind: 'codes'; session: Session; recoveryCodes: string[] };

export function mfaStepOf(challenge: MfaChallenge): MfaStep {
  return challenge.mfa === 'setup'
    ? { kind: 'bind', challenge: challenge.challenge, secret: challenge.secret, qrDataUrl: challenge.qrDataUrl }
    : { kind: 'verify', challenge: challenge.challenge };
}

/** Authenticator apps show `123 456`: spaces are fine. */
const SIX_DIGITS = /^\s*\d{3}\s?\d{3}\s*$/;

export interface MfaStepProps {
  step: MfaStep;
  /** The session is open: into the console. */
  onSession(session: Session): void;
  /** The device is bound: show the recovery codes before going in. */
  onBound(session: Session, recoveryCodes: string[]): void;
  /** Back to the password (the challenge expired, died, or the user asked); `error` to show there. */
  onRestart(error?: unknown): void;
}

/** The login's second step (seed §1.11.4.5.4): a code, the binding of a new device, or the recovery codes. */
export function MfaStepForm(props: MfaStepProps) {
  const { step } = props;
  if (step.kind === 'codes') return <RecoveryCodesStep step={step} onSession={props.onSession} />;
  return <CodeStep {...props} step={step} />;
}

interface CodeValues {
  code?: string;
  recoveryCode?: string;
}

function CodeStep({ step, onSession, onBound, onRestart }: MfaStepProps & { step: Exclude<MfaStep, { kind: 'codes' }> }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const formRef = useRef<ProFormInstance<CodeValues>>(undefined);
  const [useRecovery, setUseRecovery] = useState(false);
  const [secretShown, setSecretShown] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const binding = step.kind === 'bind';

  const onFinish = async (values: CodeValues) => {
    setError(null);
    const code = (useRecovery ? values.recoveryCode : values.code)?.trim() ?? '';
    try {
      if (binding) {
        const bound = await bindMfa({ challenge: step.challenge, code });
        const { recoveryCodes, ...session } = bound;
        onBound(session, recoveryCodes);
      } else {
        onSession(await verifyMfa({ challenge: step.challenge, code }));
      }
      return true;
    } catch (caught) {
      if (isApiError(caught, 'mfa_challenge_invalid')) {
        onRestart(caught);
      } else if (isApiError(caught, 'mfa_code_invalid')) {
        formRef.current?.setFields([{ name: useRecovery ? 'recoveryCode' : 'code', errors: [errorText(caught)] }]);
      } else {
        setError(caught);
      }
      return false;
    }
  };

  return (
    <LoginForm<CodeValues>
      logo="/logo.svg"
      title={t('app.brand')}
      subTitle={binding ? t('login.mfa.bind.subtitle') : t('login.mfa.verify.subtitle')}
      formRef={formRef}
      onFinish={onFinish}
      submitter={{
        searchConfig: { submitText: binding ? t('login.mfa.bind.submit') : t('login.mfa.verify.submit') },
        submitButtonProps: testId('mfa-submit'),
      }}
      actions={
        <Button type="link" block onClick={() => onRestart()} {...testId('mfa-back')}>
          {t('login.mfa.back')}
        </Button>
      }
    >
      {error !== null && (
        <Alert type="error" showIcon message={errorText(error)} style={{ marginBottom: 16 }} data-testid="mfa-error" />
      )}
      {step.kind === 'bind' ? (
        <div data-testid="mfa-bind">
          <Typography.Paragraph>{t('login.mfa.bind.intro')}</Typography.Paragraph>
          <ol style={{ paddingInlineStart: 20 }}>
            <li>{t('login.mfa.bind.step1')}</li>
            <li>{t('login.mfa.bind.step2')}</li>
            <li>{t('login.mfa.bind.step3')}</li>
          </ol>
          <div style={{ textAlign: 'center', marginBottom: 8 }}>
            <img src={step.qrDataUrl} alt={t('login.mfa.bind.qrAlt')} width={200} height={200} data-testid="mfa-qr" />
          </div>
          <div style={{ textAlign: 'center', marginBottom: 16 }}>
            {secretShown ? (
              <Space direction="vertical" size={4}>
                <Typography.Text type="secondary">{t('login.mfa.bind.secretHint')}</Typography.Text>
                <Typography.Text code copyable={{ text: step.secret }} data-testid="mfa-secret">
                  {step.secret.replace(/(.{4})(?=.)/g, '$1 ')}
                </Typography.Text>
              </Space>
            ) : (
              <Button type="link" icon={<KeyOutlined />} onClick={() => setSecretShown(true)} {...testId('mfa-show-secret')}>
                {t('login.mfa.bind.showSecret')}
              </Button>
            )}
          </div>
        </div>
      ) : (
        <Typography.Paragraph data-testid="mfa-verify">
          {useRecovery ? t('login.mfa.verify.recoveryDescription') : t('login.mfa.verify.description')}
        </Typography.Paragraph>
      )}
      {useRecovery ? (
        <ProFormText
          name="recoveryCode"
          placeholder={t('login.mfa.verify.recoveryPlaceholder')}
          fieldProps={{
            size: 'large',
            prefix: <KeyOutlined />,
            autoComplete: 'off',
            autoFocus: true,
            ...testId('mfa-recovery-code'),
          }}
          rules={[{ required: true, whitespace: true, message: t('login.mfa.verify.recoveryRequired') }]}
        />
      ) : (
        <ProFormText
          name="code"
          placeholder={t('login.mfa.code.placeholder')}
          fieldProps={{
            size: 'large',
            prefix: <SafetyOutlined />,
            inputMode: 'numeric',
            autoComplete: 'one-time-code',
            maxLength: 7,
            autoFocus: !binding,
            ...testId('mfa-code'),
          }}
          rules={[
            { required: true, message: t('login.mfa.code.required') },
            { pattern: SIX_DIGITS, message: t('login.mfa.code.invalid') },
          ]}
        />
      )}
      {!binding && (
        <div style={{ marginBottom: 16, textAlign: 'right' }}>
          <Button type="link" size="small" onClick={() => setUseRecovery(!useRecovery)} {...testId('mfa-toggle-recovery')}>
            {useRecovery ? t('login.mfa.verify.useCode') : t('login.mfa.verify.useRecovery')}
          </Button>
        </div>
      )}
    </LoginForm>
  );
}

function RecoveryCodesStep({
  step,
  onSession,
}: {
  step: Extract<MfaStep, { kind: 'codes' }>;
  onSession(session: Session): void;
}) {
  const { t } = useTranslation();
  return (
    <LoginForm
      logo="/logo.svg"
      title={t('app.brand')}
      subTitle={t('login.mfa.codes.subtitle')}
      onFinish={async () => {
        onSession(step.session);
        return true;
      }}
      submitter={{
        searchConfig: { submitText: t('login.mfa.codes.continue') },
        submitButtonProps: testId('mfa-codes-continue'),
      }}
    >
      <Alert type="warning" showIcon message={t('login.mfa.codes.description')} style={{ marginBottom: 16 }} />
      <RecoveryCodes codes={step.recoveryCodes} />
      <div style={{ height: 16 }} />
    </LoginForm>
  );
}
