import { ModalForm, type ProFormInstance, ProFormText } from '@ant-design/pro-components';
import { App, Typography } from 'antd';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { changePassword } from '../api/auth';
import { isApiError } from '../api/client';
import { useApplyFieldErrors, useErrorText } from '../utils/errors';
import { testId } from '../utils/test-id';

/** The server's rule (core/src/lib/password.ts): at least 8 characters with letters and digits. */
export const NEW_PASSWORD_MIN = 8;

interface ChangePasswordValues {
  currentPassword: string;
  newPassword: string;
  confirmPassword: string;
}

/** Whether the server refused the current password (a field error on `currentPassword`, whatever its code). */
function isWrongCurrentPassword(error: unknown): boolean {
  return (
    isApiError(error) &&
    error.statusCode === 400 &&
    error.details.some((detail) => (Array.isArray(detail.path) ? detail.path.join('.') : detail.path) === 'currentPassword')
  );
}

/** 修改密码 from the staff menu: mounted only while open. The other sessions of the caller are signed out. */
export function ChangePasswordModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const applyFieldErrors = useApplyFieldErrors();
  const formRef = useRef<ProFormInstance<ChangePasswordValues>>(undefined);

  return (
    <ModalForm<ChangePasswordValues>
      open
      title={t('account.password.title')}
      width={480}
      formRef={formRef}
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
      submitter={{
        searchConfig: { submitText: t('account.password.submit'), resetText: t('common.cancel') },
        submitButtonProps: testId('change-password-submit'),
      }}
      onFinish={async ({ currentPassword, newPassword }) => {
        try {
          await changePassword({ currentPassword, newPassword });
          message.success(t('account.password.success'));
          return true;
        } catch (error) {
          if (isWrongCurrentPassword(error)) {
            formRef.current?.setFields([{ name: 'currentPassword', errors: [t('account.password.current.wrong')] }]);
          } else if (!applyFieldErrors(formRef.current, error)) {
            message.error(errorText(error));
          }
          return false;
        }
      }}
    >
      <Typography.Paragraph type="secondary" data-testid="change-password-modal">
        {t('account.password.description')}
      </Typography.Paragraph>
      <ProFormText.Password
        name="currentPassword"
        label={t('account.password.current.label')}
        fieldProps={{ autoComplete: 'current-password', ...testId('change-password-current') }}
        rules={[{ required: true, message: t('account.password.current.required') }]}
      />
      <ProFormText.Password
        name="newPassword"
        label={t('account.password.new.label')}
        placeholder={t('account.password.new.placeholder', { min: NEW_PASSWORD_MIN })}
        fieldProps={{ autoComplete: 'new-password', ...testId('change-password-new') }}
        rules={[
          { required: true, message: t('account.password.new.required') },
          { min: NEW_PASSWORD_MIN, message: t('account.password.new.weak', { min: NEW_PASSWORD_MIN }) },
          { pattern: /(?=.*[A-Za-z])(?=.*[0-9])/, message: t('account.password.new.weak', { min: NEW_PASSWORD_MIN }) },
        ]}
      />
      <ProFormText.Password
        name="confirmPassword"
        label={t('account.password.confirm.label')}
        dependencies={['newPassword']}
        fieldProps={{ autoComplete: 'new-password', ...testId('change-password-confirm') }}
        rules={[
          { required: true, message: t('account.password.confirm.required') },
          ({ getFieldValue }) => ({
            validator: (_, value) =>
              !value || getFieldValue('newPassword') === value
                ? Promise.resolve()
                : Promise.reject(new Error(t('account.password.confirm.mismatch'))),
          }),
        ]}
      />
    </ModalForm>
  );
}
