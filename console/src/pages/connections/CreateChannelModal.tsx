import { PlusOutlined } from '@ant-design/icons';
import { ModalForm, ProForm, ProFormDependency, type ProFormInstance, ProFormText } from '@ant-design/pro-components';
import { useQueryClient } from '@tanstack/react-query';
import { App, Button, Radio, Space, Tag, theme, Tooltip, Typography } from 'antd';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { CHANNEL_KEY_MAX, CHANNEL_NAME_MAX, channelQueryKey, channelsQueryKey, createChannel } from '../../api/channels';
import { homeQueryKey } from '../../api/home';
import type { ChannelType } from '../../api/types';
import { useApplyFieldErrors, useErrorText } from '../../utils/errors';
import { useLocalized } from '../../utils/localized';
import { testId } from '../../utils/test-id';

interface NewChannelValues {
  type: string;
  name: string;
  channelKey?: string;
}

/** Server codes that belong to one field of the form (besides the `details` it sends). */
const fieldByCode: Record<string, keyof NewChannelValues> = {
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
      onFinish={async ({ type, name, channelKey }) => {
        try {
          const created = await createChannel({ type, name: name.trim(), channelKey: channelKey?.trim() || undefined });
          queryClient.setQueryData(channelQueryKey(created.id), created);
          void queryClient.invalidateQueries({ queryKey: channelsQueryKey });
          void queryClient.invalidateQueries({ queryKey: homeQueryKey });
          message.success(t('connections.create.success'));
          navigate(`/connections/${created.id}`);
          return true;
        } catch (error) {
          if (!applyFieldErrors(formRef.current, error, fieldByCode)) message.error(errorText(error));
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
    </ModalForm>
  );
}
