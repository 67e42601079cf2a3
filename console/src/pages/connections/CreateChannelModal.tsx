import { ApiOutlined, PlusOutlined } from '@ant-design/icons';
import { ModalForm, ProForm, ProFormDependency, type ProFormInstance, ProFormText } from '@ant-design/pro-components';
import { useQueryClient } from '@tanstack/react-query';
import { App, Button, Divider, Radio, Space, Tag, theme, Tooltip, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import {
  CHANNEL_KEY_MAX,
  CHANNEL_NAME_MAX,
  channelQueryKey,
  channelsQueryKey,
  createChannel,
  testNewChannelSettings,
} from '../../api/channels';
import { isApiError } from '../../api/client';
import { homeQueryKey } from '../../api/home';
import type { ChannelTestResult, ChannelType, SettingsSchema } from '../../api/types';
import { SettingsFields } from '../../components/settings-form/SettingsFields';
import { applySettingsErrors, createSettingsPayload, type SettingsValues } from '../../components/settings-form/settings-values';
import { useApplyFieldErrors, useErrorText } from '../../utils/errors';
import { useLocalized } from '../../utils/localized';
import { testId } from '../../utils/test-id';
import { TestResultAlert, useSettingsErrorText } from './ChannelSettings';

interface NewChannelValues {
  type: string;
  name: string;
  channelKey?: string;
  /** The type's settings form (ADR 0039), when it has one. */
  settings?: SettingsValues;
}

/** Server codes that belong to one field of the form (besides the `details` it sends). */
const fieldByCode: Record<string, Exclude<keyof NewChannelValues, 'settings'>> = {
  channel_key_required: 'channelKey',
  channel_key_taken: 'channelKey',
  channel_type_unknown: 'type',
  channel_type_not_manual: 'type',
};

/** The channel types as a vertical radio list; types without `manual` are disabled and say why. */
function TypeChoice({ types, value, onChange }: { types: ChannelType[]; value?: string; onChange?: (value: string) => void }) {
  const { t } = useTranslation();
  const text = useLocalized();
  const { token } = theme.useToken();
  return (
    <Radio.Group value={value} onChange={(event) => onChange?.(event.target.value as string)} style={{ width: '100%' }}>
      <Space direction="vertical" style={{ width: '100%' }} size={token.marginXS}>
        {types.map((type) => {
          const option = (
            <Radio value={type.type} disabled={!type.manual} data-testid={`channel-type-option-${type.type}`}>
              <Typography.Text disabled={!type.manual}>{text(type.name)}</Typography.Text>
              {!type.manual && <Tag style={{ marginInlineStart: token.marginXS }}>{t('connections.types.authorized')}</Tag>}
              {type.description && (
                <Typography.Paragraph type="secondary" style={{ marginBottom: 0, fontSize: token.fontSizeSM }}>
                  {text(type.description)}
                </Typography.Paragraph>
              )}
            </Radio>
          );
          return type.manual ? (
            <div key={type.type}>{option}</div>
          ) : (
            <Tooltip key={type.type} title={t('connections.create.type.authorizedOnly')} placement="right">
              {/* A wrapper: disabled elements get no mouse events for the tooltip. */}
              <div style={{ display: 'inline-block' }}>{option}</div>
            </Tooltip>
          );
        })}
      </Space>
    </Radio.Group>
  );
}

/** Toolbar "创建连接": type → name → key (generated when blank, if the type can) → its detail page. */
export function CreateChannelButton({ types, preferredType }: { types: ChannelType[]; preferredType?: string }) {
  const { t } = useTranslation();
  const text = useLocalized();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const applyFieldErrors = useApplyFieldErrors();
  const formRef = useRef<ProFormInstance<NewChannelValues>>(undefined);
  const settingsErrorText = useSettingsErrorText();
  const [testing, setTesting] = useState(false);
  const [testResult, setTestResult] = useState<ChannelTestResult | null>(null);
  const schemaOf = (type: string | undefined): SettingsSchema | null =>
    types.find((candidate) => candidate.type === type)?.settingsSchema ?? null;

  /** Shows the server's refusal on the fields it names (settings included), else as a message. */
  const showError = (error: unknown) => {
    const form = formRef.current;
    if (isApiError(error) && applySettingsErrors(form, error, ['settings'], settingsErrorText)) return;
    if (!applyFieldErrors(form, error, fieldByCode)) message.error(errorText(error));
  };

  /** 测试连接 before creating: the settings as the form holds them. */
  const testSettings = async (type: string, schema: SettingsSchema) => {
    const form = formRef.current;
    if (!form) return;
    try {
      await form.validateFields(Object.keys(schema.properties ?? {}).map((key) => ['settings', key]));
    } catch {
      return; // The form shows what is wrong.
    }
    setTesting(true);
    setTestResult(null);
    try {
      const settings = (form.getFieldValue('settings') ?? {}) as SettingsValues;
      setTestResult(await testNewChannelSettings(type, createSettingsPayload(schema, settings)));
    } catch (error) {
      showError(error);
    } finally {
      setTesting(false);
    }
  };

  const manualTypes = types.filter((type) => type.manual);
  const initialType =
    manualTypes.find((type) => type.type === preferredType)?.type ??
    manualTypes.find((type) => type.type === 'custom')?.type ??
    manualTypes[0]?.type;

  return (
    <ModalForm<NewChannelValues>
      title={t('connections.create.title')}
      width={560}
      formRef={formRef}
      layout="vertical"
      initialValues={{ type: initialType, name: '', channelKey: '' }}
      // Unmounting the form on close clears what was typed.
      modalProps={{ destroyOnHidden: true }}
      trigger={
        <Button type="primary" icon={<PlusOutlined />} disabled={manualTypes.length === 0} data-testid="connections-create">
          {t('connections.create.button')}
        </Button>
      }
      submitter={{
        searchConfig: { submitText: t('common.create'), resetText: t('common.cancel') },
        submitButtonProps: testId('channel-form-submit'),
      }}
      onOpenChange={() => setTestResult(null)}
      onValuesChange={() => setTestResult(null)}
      onFinish={async ({ type, name, channelKey, settings }) => {
        const schema = schemaOf(type);
        try {
          const created = await createChannel({
            type,
            name: name.trim(),
            channelKey: channelKey?.trim() || undefined,
            ...(schema ? { settings: createSettingsPayload(schema, settings) } : {}),
          });
          queryClient.setQueryData(channelQueryKey(created.id), created);
          void queryClient.invalidateQueries({ queryKey: channelsQueryKey });
          void queryClient.invalidateQueries({ queryKey: homeQueryKey });
          message.success(t('connections.create.success'));
          navigate(`/connections/${created.id}`);
          return true;
        } catch (error) {
          showError(error);
          return false;
        }
      }}
    >
      <ProForm.Item
        name="type"
        label={t('connections.create.type.label')}
        rules={[{ required: true, message: t('connections.create.type.required') }]}
      >
        <TypeChoice types={types} />
      </ProForm.Item>
      <ProFormText
        name="name"
        label={t('connections.create.name.label')}
        placeholder={t('connections.create.name.placeholder')}
        fieldProps={{ maxLength: CHANNEL_NAME_MAX, showCount: true, ...testId('channel-name-input') }}
        rules={[
          { required: true, whitespace: true, message: t('connections.create.name.required') },
          { max: CHANNEL_NAME_MAX, message: t('connections.create.name.max', { max: CHANNEL_NAME_MAX }) },
        ]}
      />
      <ProFormDependency name={['type']}>
        {({ type }: Partial<NewChannelValues>) => {
          const manual = types.find((candidate) => candidate.type === type)?.manual;
          if (!manual) return null;
          const label = text(manual.keyLabel);
          return (
            <ProFormText
              // A new field per type: its rules and label change with it.
              key={type}
              name="channelKey"
              label={label}
              extra={manual.keyHelp ? text(manual.keyHelp) : undefined}
              placeholder={
                manual.keyGenerated
                  ? t('connections.create.key.generatedPlaceholder')
                  : t('connections.create.key.placeholder', { label })
              }
              fieldProps={{ maxLength: CHANNEL_KEY_MAX, style: { fontFamily: 'monospace' }, ...testId('channel-key-input') }}
              rules={[
                { required: !manual.keyGenerated, whitespace: true, message: t('connections.create.key.required', { label }) },
                { max: CHANNEL_KEY_MAX, message: t('connections.create.key.max', { label, max: CHANNEL_KEY_MAX }) },
              ]}
            />
          );
        }}
      </ProFormDependency>
      <ProFormDependency name={['type']}>
        {({ type }: Partial<NewChannelValues>) => {
          const channelType = types.find((candidate) => candidate.type === type);
          const schema = channelType?.settingsSchema;
          if (!channelType || !schema) return null;
          return (
            // A new set of fields per type: their names, rules and defaults change with it.
            <div key={channelType.type} data-testid="channel-create-settings">
              <Divider orientation="left" plain>
                {t('connections.settings.title')}
              </Divider>
              {testResult && <TestResultAlert result={testResult} onClose={() => setTestResult(null)} />}
              <SettingsFields schema={schema} namePrefix={['settings']} />
              {channelType.testable && (
                <Button
                  icon={<ApiOutlined />}
                  loading={testing}
                  onClick={() => void testSettings(channelType.type, schema)}
                  data-testid="channel-settings-test"
                >
                  {t('connections.settings.test')}
                </Button>
              )}
            </div>
          );
        }}
      </ProFormDependency>
    </ModalForm>
  );
}
