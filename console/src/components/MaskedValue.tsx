import { LockOutlined } from '@ant-design/icons';
import { Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';

/**
 * What the server sends instead of a masked contact value (联系人字段加密, seed §1.11.4.7: 显示“***”).
 * Staff holding 联系人不脱敏 (and super staff) get the value itself.
 */
export const MASKED_VALUE = '***';

export const isMaskedValue = (value: unknown): value is typeof MASKED_VALUE => value === MASKED_VALUE;

/**
 * A contact value as every page shows it: a masked one as `***` with a lock and a hint, the same
 * everywhere; any other value as its text (empty for null).
 */
export function MaskedValue({ value, testId }: { value: string | null | undefined; testId?: string }) {
  const { t } = useTranslation();
  if (!isMaskedValue(value)) return <span data-testid={testId}>{value ?? ''}</span>;
  return (
    <Tooltip title={t('masking.maskedHint')}>
      <Typography.Text type="secondary" data-testid={testId} data-masked="true">
        <LockOutlined style={{ marginInlineEnd: 4, fontSize: 12 }} />
        {MASKED_VALUE}
      </Typography.Text>
    </Tooltip>
  );
}
