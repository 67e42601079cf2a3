import { PlusOutlined } from '@ant-design/icons';
import { ModalForm, type ProFormInstance, ProFormText } from '@ant-design/pro-components';
import { App, Button } from 'antd';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { APP_NAME_MAX, createApp, updateApp } from '../../../api/apps';
import type { AppWithSecret, PrivateApp } from '../../../api/types';
import { useApplyFieldErrors, useErrorText } from '../../../utils/errors';
import { testId } from '../../../utils/test-id';

interface AppNameValues {
  name: string;
}

function AppNameField() {
  const { t } = useTranslation();
  return (
    <ProFormText
      name="name"
      label={t('apps.form.name.label')}
      placeholder={t('apps.form.name.placeholder')}
      fieldProps={{ maxLength: APP_NAME_MAX, showCount: true, ...testId('app-name-input') }}
      rules={[
        { required: true, whitespace: true, message: t('apps.form.name.required') },
        { max: APP_NAME_MAX, message: t('apps.form.name.max', { max: APP_NAME_MAX }) },
      ]}
    />
  );
}

/** A name form's server error: as a toast, and on the field when the server says which. */
function useReportFormError() {
  const errorText = useErrorText();
  const applyFieldErrors = useApplyFieldErrors();
  const { message } = App.useApp();
  return (form: ProFormInstance | undefined, error: unknown) => {
    message.error(errorText(error));
    applyFieldErrors(form, error);
  };
}

/** Toolbar "新建": name → POST /api/v1/apps → the secret is revealed by the caller. */
export function CreateAppButton({ onCreated }: { onCreated: (result: AppWithSecret) => void }) {
  const { t } = useTranslation();
  const formRef = useRef<ProFormInstance<AppNameValues>>(undefined);
  const reportError = useReportFormError();
  return (
    <ModalForm<AppNameValues>
      title={t('apps.create.title')}
      width={480}
      formRef={formRef}
      // Unmounting the form on close clears what was typed.
      modalProps={{ destroyOnHidden: true }}
      trigger={
        <Button type="primary" icon={<PlusOutlined />} data-testid="apps-create">
          {t('apps.create.button')}
        </Button>
      }
      submitter={{
        searchConfig: { submitText: t('common.create'), resetText: t('common.cancel') },
        submitButtonProps: testId('app-form-submit'),
      }}
      onFinish={async ({ name }) => {
        try {
          onCreated(await createApp(name.trim()));
          return true;
        } catch (error) {
          reportError(formRef.current, error);
          return false;
        }
      }}
    >
      <AppNameField />
    </ModalForm>
  );
}

/** 编辑名称: mounted only while an app is being renamed. */
export function RenameAppModal({
  app,
  onClose,
  onRenamed,
}: {
  app: PrivateApp;
  onClose: () => void;
  onRenamed: (app: PrivateApp) => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formRef = useRef<ProFormInstance<AppNameValues>>(undefined);
  const reportError = useReportFormError();
  return (
    <ModalForm<AppNameValues>
      open
      title={t('apps.rename.title')}
      width={480}
      formRef={formRef}
      initialValues={{ name: app.name }}
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
      submitter={{
        searchConfig: { submitText: t('common.save'), resetText: t('common.cancel') },
        submitButtonProps: testId('app-form-submit'),
      }}
      onFinish={async ({ name }) => {
        try {
          const updated = await updateApp(app.id, { name: name.trim() });
          message.success(t('apps.rename.success'));
          onRenamed(updated);
          return true;
        } catch (error) {
          reportError(formRef.current, error);
          return false;
        }
      }}
    >
      <AppNameField />
    </ModalForm>
  );
}
