import { ModalForm, ProFormDependency, type ProFormInstance, ProFormRadio, ProFormText } from '@ant-design/pro-components';
import { useQueryClient } from '@tanstack/react-query';
import { channelQueryKey, testId, useApplyFieldErrors, useErrorText } from '@huiliu/console/sdk';
import { App } from 'antd';
import { type ReactElement, useRef } from 'react';
import {
  APP_NAME_MAX,
  type AppChanges,
  type AppPlatform,
  appsQueryKey,
  createApp,
  type CustomApp,
  identifierField,
  identifierOf,
  type IdentifierField,
  platforms,
  updateApp,
} from './api';
import { useT } from './i18n';
import { useStoreApp } from './shared';

type AppValues = { platform: AppPlatform; name: string } & Partial<Record<IdentifierField, string>>;

/** The platform's identifier field: domain / Bundle ID / package name, with its example and help. */
function IdentifierInput({ platform }: { platform: AppPlatform }) {
  const { t } = useT();
  const field = identifierField[platform];
  return (
    <ProFormText
      // One field per platform: switching platforms shows the other field, with its own rules.
      key={field}
      name={field}
      label={t(`identifiers.${platform}`)}
      placeholder={t(`form.${field}.placeholder`)}
      extra={t(`form.${field}.extra`)}
      fieldProps={{ style: { fontFamily: 'monospace' }, ...testId(`custom-app-${field}-input`) }}
      rules={[{ required: true, whitespace: true, message: t(`form.${field}.required`) }]}
    />
  );
}

/**
 * 添加应用 (platform → name + domain / Bundle ID / package name) or 编辑 an app (name and
 * identifier; the platform stays). Server errors land on their field.
 */
export function AppFormModal(
  props:
    | { mode: 'create'; channelId: string; platform: AppPlatform; trigger: ReactElement; onCreated: (app: CustomApp) => void }
    | { mode: 'edit'; app: CustomApp; onClose: () => void },
) {
  const { t } = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const applyFieldErrors = useApplyFieldErrors();
  const storeApp = useStoreApp();
  const formRef = useRef<ProFormInstance<AppValues>>(undefined);
  const editing = props.mode === 'edit' ? props.app : null;

  const submit = async (values: AppValues) => {
    const field = identifierField[values.platform];
    const identifier = values[field]?.trim() ?? '';
    try {
      if (props.mode === 'create') {
        const created = await createApp(props.channelId, {
          platform: values.platform,
          name: values.name.trim(),
          [field]: identifier,
        });
        void queryClient.invalidateQueries({ queryKey: appsQueryKey(props.channelId) });
        // A new app is enabled: the channel can no longer be deleted.
        void queryClient.invalidateQueries({ queryKey: channelQueryKey(props.channelId) });
        message.success(t('form.created'));
        props.onCreated(created);
      } else {
        const changes: AppChanges = { name: values.name.trim() };
        // Only a changed identifier is sent (it is validated and normalized again).
        if (identifier !== identifierOf(props.app)) changes[field] = identifier;
        storeApp(await updateApp(props.app.id, changes));
        message.success(t('form.saved'));
      }
      return true;
    } catch (error) {
      if (!applyFieldErrors(formRef.current, error)) message.error(errorText(error));
      return false;
    }
  };

  return (
    <ModalForm<AppValues>
      title={editing ? t('form.editTitle') : t('form.createTitle')}
      width={520}
      layout="vertical"
      formRef={formRef}
      modalProps={{ destroyOnHidden: true }}
      {...(props.mode === 'create'
        ? { trigger: props.trigger, initialValues: { platform: props.platform, name: '' } }
        : {
            open: true,
            onOpenChange: (open: boolean) => {
              if (!open) props.onClose();
            },
            initialValues: {
              platform: props.app.platform,
              name: props.app.name,
              [identifierField[props.app.platform]]: identifierOf(props.app),
            },
          })}
      submitter={{
        searchConfig: { submitText: editing ? t('common.save') : t('common.add'), resetText: t('common.cancel') },
        submitButtonProps: testId('custom-app-submit'),
      }}
      onFinish={submit}
    >
      <ProFormRadio.Group
        name="platform"
        label={t('form.platform.label')}
        radioType="button"
        disabled={editing !== null}
        options={platforms.map((platform) => ({
          value: platform,
          label: <span data-testid={`custom-app-platform-${platform}`}>{t(`platforms.${platform}`)}</span>,
        }))}
      />
      <ProFormText
        name="name"
        label={t('form.name.label')}
        placeholder={t('form.name.placeholder')}
        fieldProps={{ maxLength: APP_NAME_MAX, showCount: true, ...testId('custom-app-name-input') }}
        rules={[
          { required: true, whitespace: true, message: t('form.name.required') },
          { max: APP_NAME_MAX, message: t('form.name.max', { max: APP_NAME_MAX }) },
        ]}
      />
      <ProFormDependency name={['platform']}>
        {({ platform }: Partial<AppValues>) => <IdentifierInput platform={platform ?? 'web'} />}
      </ProFormDependency>
    </ModalForm>
  );
}
