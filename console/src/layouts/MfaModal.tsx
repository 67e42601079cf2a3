import { ProForm, type ProFormInstance, ProFormText } from '@ant-design/pro-components';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Descriptions, Modal, Spin, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { getMfaStatus, mfaStatusQueryKey, regenerateRecoveryCodes } from '../api/auth';
import { isApiError } from '../api/client';
import { LoadErrorAlert } from '../components/LoadErrorAlert';
import { RecoveryCodes } from '../components/RecoveryCodes';
import { useErrorText } from '../utils/errors';
import { testId } from '../utils/test-id';

/**
 * 多因素验证 from the staff menu: the signed-in staff member's MFA state and, once a device is
 * bound, new recovery codes (needs a current code). Super staff switch MFA on and off for staff.
 */
export function MfaModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const formRef = useRef<ProFormInstance<{ code: string }>>(undefined);
  const [codes, setCodes] = useState<string[] | null>(null);
  const status = useQuery({ queryKey: mfaStatusQueryKey, queryFn: getMfaStatus });

  const regenerate = async ({ code }: { code: string }) => {
    try {
      const result = await regenerateRecoveryCodes(code.trim());
      setCodes(result.recoveryCodes);
      message.success(t('account.mfa.regenerate.success'));
      await queryClient.invalidateQueries({ queryKey: mfaStatusQueryKey });
    } catch (error) {
      if (isApiError(error, 'mfa_code_invalid')) formRef.current?.setFields([{ name: 'code', errors: [errorText(error)] }]);
      else message.error(errorText(error));
    }
  };

  const data = status.data;
  return (
    <Modal
      open
      title={t('account.mfa.title')}
      width={520}
      onCancel={onClose}
      footer={
        <Button onClick={onClose} {...testId('mfa-modal-close')}>
          {t('account.mfa.close')}
        </Button>
      }
    >
      <div data-testid="mfa-modal">
        {status.isPending && <Spin />}
        {status.error && (
          <LoadErrorAlert error={status.error} onRetry={() => void status.refetch()} testId="mfa-modal-load-error" />
        )}
        {data && (
          <>
            <Descriptions column={1} size="small" style={{ marginBottom: 16 }}>
              <Descriptions.Item label={t('account.mfa.status')}>
                <span data-testid="mfa-modal-status">
                  {!data.enabled ? t('account.mfa.off') : data.bound ? t('account.mfa.bound') : t('account.mfa.unbound')}
                </span>
              </Descriptions.Item>
              {data.bound && (
                <Descriptions.Item label={t('account.mfa.codesLeft')}>
                  <span data-testid="mfa-modal-codes-left">
                    {t('account.mfa.codesLeftValue', { count: data.recoveryCodesLeft })}
                  </span>
                </Descriptions.Item>
              )}
            </Descriptions>
            {!data.enabled && <Typography.Paragraph type="secondary">{t('account.mfa.offHint')}</Typography.Paragraph>}
            {data.enabled && !data.bound && (
              <Typography.Paragraph type="secondary">{t('account.mfa.unboundHint')}</Typography.Paragraph>
            )}
            {data.bound && codes === null && (
              <>
                <Typography.Title level={5}>{t('account.mfa.regenerate.title')}</Typography.Title>
                <Typography.Paragraph type="secondary">{t('account.mfa.regenerate.description')}</Typography.Paragraph>
                <ProForm<{ code: string }>
                  formRef={formRef}
                  layout="inline"
                  onFinish={regenerate}
                  submitter={{
                    searchConfig: { submitText: t('account.mfa.regenerate.submit') },
                    resetButtonProps: { style: { display: 'none' } },
                    submitButtonProps: testId('mfa-regenerate-submit'),
                  }}
                >
                  <ProFormText
                    name="code"
                    placeholder={t('login.mfa.code.placeholder')}
                    fieldProps={{
                      inputMode: 'numeric',
                      autoComplete: 'one-time-code',
                      maxLength: 7,
                      ...testId('mfa-regenerate-code'),
                    }}
                    rules={[
                      { required: true, message: t('login.mfa.code.required') },
                      { pattern: /^\s*\d{3}\s?\d{3}\s*$/, message: t('login.mfa.code.invalid') },
                    ]}
                  />
                </ProForm>
              </>
            )}
            {codes !== null && (
              <>
                <Alert type="warning" showIcon message={t('account.mfa.newCodes')} style={{ marginBottom: 16 }} />
                <RecoveryCodes codes={codes} />
              </>
            )}
          </>
        )}
      </div>
    </Modal>
  );
}
