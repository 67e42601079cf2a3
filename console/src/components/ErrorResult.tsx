import { Button, Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/client';
import { useErrorText } from '../utils/errors';

/** The error state of a page or section: the server's message and a retry button. */
export function ErrorResult({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const requestId = isApiError(error) ? error.requestId : undefined;
  return (
    <Result
      status="error"
      title={t('common.loadFailed')}
      subTitle={
        <>
          <div data-testid="error-message">{errorText(error)}</div>
          {requestId && <div style={{ fontSize: 12, marginTop: 4 }}>{t('common.requestId', { id: requestId })}</div>}
        </>
      }
      extra={
        onRetry && (
          <Button type="primary" onClick={onRetry}>
            {t('common.retry')}
          </Button>
        )
      }
    />
  );
}
