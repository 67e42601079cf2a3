import { ApiOutlined } from '@ant-design/icons';
import { ProCard } from '@ant-design/pro-components';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { channelQueryKey, testChannelSettings, updateChannelSettings } from '../../api/channels';
import { isApiError } from '../../api/client';
import type { ChannelDetail, ChannelTestResult, ChannelType, SettingsSchema } from '../../api/types';
import { SettingsFields } from '../../components/settings-form/SettingsFields';
import {
  applySettingsErrors,
  initialSettingsValues,
  patchSettingsPayload,
  settingsErrorKey,
  type SettingsValues,
} from '../../components/settings-form/settings-values';
import { hasMessage } from '../../i18n';
import { useErrorText } from '../../utils/errors';

/** The text of a joi code the server answered for one settings field. */
export function useSettingsErrorText(): (code: string) => string {
  const { t } = useTranslation();
  return (code) => {
    const key = settingsErrorKey(code);
    return hasMessage(key) ? (t(key) as string) : t('validation.fieldInvalid');
  };
}

/** 测试连接's answer under the form: 连接成功, or 连接失败 with the connector's reason. */
export function TestResultAlert({ result, onClose }: { result: ChannelTestResult; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert
      type={result.ok ? 'success' : 'error'}
      showIcon
      closable
      onClose={onClose}
      message={result.ok ? t('connections.settings.testOk') : t('connections.settings.testFailed')}
      description={result.ok ? undefined : <span data-testid="channel-settings-test-message">{result.message}</span>}
      style={{ marginBottom: 16 }}
      data-testid="channel-settings-test-result"
      data-ok={result.ok ? 'true' : 'false'}
    />
  );
}

/**
 * 连接设置 on a channel's page (ADR 0039): the type's settings form with the stored non-secret
 * values; secrets show 已设置 and stay as they are unless typed again or cleared. 测试连接 tries
 * the form as it is, unsaved changes included.
 */
export function ChannelSettingsCard({ channel, type }: { channel: ChannelDetail; type: ChannelType }) {
  const schema = type.settingsSchema as SettingsSchema;
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const settingsErrorText = useSettingsErrorText();
  const [form] = Form.useForm<SettingsValues>();
  const [cleared, setCleared] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<ChannelTestResult | null>(null);

  const fail = (error: unknown) => {
    if (!(isApiError(error) && applySettingsErrors(form, error, [], settingsErrorText))) message.error(errorText(error));
  };

  const values = async () => patchSettingsPayload(schema, await form.validateFields(), cleared);

  const save = async () => {
    let payload: SettingsValues;
    try {
      payload = await values();
    } catch {
      return; // The form shows what is wrong.
    }
    setSaving(true);
    try {
      const saved = await updateChannelSettings(channel.id, payload);
      queryClient.setQueryData(channelQueryKey(channel.id), saved);
      // Typed secrets are stored now: the form shows them as 已设置 again, blank.
      form.setFieldsValue(initialSettingsValues(schema, saved.settings) as Parameters<typeof form.setFieldsValue>[0]);
      form.resetFields(Object.keys(schema.properties ?? {}).filter((key) => schema.properties?.[key]?.['x-secret']));
      setCleared([]);
      message.success(t('connections.settings.saved'));
    } catch (error) {
      fail(error);
    } finally {
      setSaving(false);
    }
  };

  const test = async () => {
    let payload: SettingsValues;
    try {
      payload = await values();
    } catch {
      return;
    }
    setTesting(true);
    setResult(null);
    try {
      setResult(await testChannelSettings(channel.id, payload));
    } catch (error) {
      fail(error);
    } finally {
      setTesting(false);
    }
  };

  return (
    <ProCard
      title={t('connections.settings.title')}
      style={{ marginBottom: 16 }}
      data-testid="channel-settings"
      extra={
        <Space>
          {type.testable && (
            <Button icon={<ApiOutlined />} loading={testing} onClick={() => void test()} data-testid="channel-settings-test">
              {t('connections.settings.test')}
            </Button>
          )}
          <Button type="primary" loading={saving} onClick={() => void save()} data-testid="channel-settings-save">
            {t('connections.settings.save')}
          </Button>
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">{t('connections.settings.description')}</Typography.Paragraph>
      {result && <TestResultAlert result={result} onClose={() => setResult(null)} />}
      <Form
        form={form}
        layout="vertical"
        style={{ maxWidth: 640 }}
        initialValues={initialSettingsValues(schema, channel.settings)}
        onValuesChange={() => setResult(null)}
      >
        <SettingsFields
          schema={schema}
          secretsSet={channel.secretsSet}
          cleared={cleared}
          onToggleClear={(field) => {
            form.setFieldValue(field, undefined);
            setCleared((current) => (current.includes(field) ? current.filter((f) => f !== field) : [...current, field]));
          }}
        />
      </Form>
    </ProCard>
  );
}
