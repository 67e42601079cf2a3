import { ModalForm, type ProFormInstance, ProFormText } from '@ant-design/pro-components';
import { App, Typography } from 'antd';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { type StaffMember, staffApi } from '../../../api/staff';
import { NEW_PASSWORD_MIN } from '../../../layouts/ChangePasswordModal';
import { testId } from '../../../utils/test-id';
import { useReportFormError } from '../../metadata/shared';

interface PasswordValues {
  password: string;
  confirm: string;
}

/** 修改密码 of a staff member by super staff: every session of theirs ends. Mounted while open. */
export function StaffPasswordModal({ member, onClose }: { member: StaffMember; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formRef = useRef<ProFormInstance<PasswordValues>>(undefined);
  const reportError = useReportFormError();
  return (
    <ModalForm<PasswordValues>
      open
      title={t('staff.password.title', { name: member.name })}
      width={480}
      formRef={formRef}
      modalProps={{ destroyOnHidden: true }}
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
      submitter={{
        searchConfig: { submitText: t('common.save'), resetText: t('common.cancel') },
        submitButtonProps: testId('staff-password-submit'),
      }}
      onFinish={async ({ password }) => {
        try {
          await staffApi.resetPassword(member.id, password);
          message.success(t('staff.password.success'));
          return true;
        } catch (error) {
          reportError(formRef.current, error);
          return false;
        }
      }}
    >
      <Typography.Paragraph type="secondary" data-testid="staff-password-modal">
        {t('staff.password.description')}
      </Typography.Paragraph>
      <ProFormText.Password
        name="password"
        label={t('staff.password.label')}
        placeholder={t('staff.form.password.placeholder', { min: NEW_PASSWORD_MIN })}
        fieldProps={{ autoComplete: 'new-password', ...testId('staff-password-new') }}
        rules={[
          { required: true, message: t('staff.form.password.required') },
          { min: NEW_PASSWORD_MIN, message: t('staff.form.password.weak', { min: NEW_PASSWORD_MIN }) },
        ]}
      />
      <ProFormText.Password
        name="confirm"
        label={t('staff.password.confirm')}
        dependencies={['password']}
        fieldProps={{ autoComplete: 'new-password', ...testId('staff-password-confirm') }}
        rules={[
          { required: true, message: t('staff.password.confirmRequired') },
          ({ getFieldValue }) => ({
            validator: (_, value: string | undefined) =>
              !value || value === getFieldValue('password')
                ? Promise.resolve()
                : Promise.reject(new Error(t('staff.password.mismatch'))),
          }),
        ]}
      />
    </ModalForm>
  );
}
