import { Alert, Button, Descriptions, Modal, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { AppWithSecret } from '../../../api/types';

export interface RevealedSecret {
  kind: 'created' | 'reset';
  result: AppWithSecret;
}

/** Shows a new appSecret once; it cannot be fetched again. */
export function AppSecretModal({ revealed, onClose }: { revealed: RevealedSecret | null; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal
      open={revealed !== null}
      title={revealed?.kind === 'reset' ? t('apps.secret.resetTitle') : t('apps.secret.createdTitle')}
      width={600}
      maskClosable={false}
      keyboard={false}
      onCancel={onClose}
      footer={
        <Button type="primary" onClick={onClose} data-testid="app-secret-done">
          {t('apps.secret.done')}
        </Button>
      }
    >
      {revealed && (
        <div data-testid="app-secret-modal">
          <Alert type="warning" showIcon message={t('apps.secret.warning')} style={{ marginBottom: 16 }} />
          <Descriptions
            column={1}
            bordered
            size="small"
            items={[
              {
                key: 'appKey',
                label: t('apps.columns.appKey'),
                children: (
                  <Typography.Text code copyable data-testid="app-secret-key">
                    {revealed.result.app.appKey}
                  </Typography.Text>
                ),
              },
              {
                key: 'appSecret',
                label: t('apps.secret.appSecret'),
                children: (
                  <Typography.Text code copyable data-testid="app-secret-value">
                    {revealed.result.appSecret}
                  </Typography.Text>
                ),
              },
            ]}
          />
          <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0 }}>
            {t('apps.secret.hint')}
          </Typography.Paragraph>
        </div>
      )}
    </Modal>
  );
}
