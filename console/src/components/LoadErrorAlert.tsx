import { Alert, Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { useErrorText } from '../utils/errors';

/** "加载失败" above a list whose (re)load failed: the server's reason and a retry button. */
export function LoadErrorAlert({ error, onRetry, testId }: { error: unknown; onRetry: () => void; testId: string }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  if (error === null || error === undefined || error === false) return null;
  return (
    <Alert
      type="error"
      showIcon
      message={t('common.loadFailed')}
      description={errorText(error)}
      action={<Button onClick={onRetry}>{t('common.retry')}</Button>}
      style={{ marginBottom: 16 }}
      data-testid={testId}
    />
  );
}
