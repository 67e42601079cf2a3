import { PageContainer } from '@ant-design/pro-components';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Descriptions, Form, Input, Select, Skeleton, Switch, Table, Tag, Typography } from 'antd';
import type { HTMLAttributes } from 'react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { maskingApi, maskingKeys, type FieldMask, type MobileEncryption } from '../../../api/masking';
import { LoadErrorAlert } from '../../../components/LoadErrorAlert';
import { MASKED_VALUE } from '../../../components/MaskedValue';
import { useApplyFieldErrors, useErrorText } from '../../../utils/errors';
import { formatDateTime } from '../../../utils/format';
import { useLocalized } from '../../../utils/localized';
import { testId } from '../../../utils/test-id';
import { useSession } from '../../../session/session';

type Choice = 'none' | 'masked';

/** 选择需要脱敏的字段: every system and custom field with its 加密 select (不加密 / 脱敏). */
function FieldMasksCard() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const localized = useLocalized();
  const timeZone = useSession().tenant.timeZone;
  const queryClient = useQueryClient();
  const fields = useQuery({ queryKey: maskingKeys.fields, queryFn: maskingApi.fields });
  const [saving, setSaving] = useState<string | null>(null);

  const save = useMutation({
    mutationFn: ({ field, masked }: { field: FieldMask; masked: boolean }) => maskingApi.setMasked(field.key, masked),
    onMutate: ({ field }) => setSaving(field.key),
    onSuccess: (saved) => {
      queryClient.setQueryData<FieldMask[]>(maskingKeys.fields, (list) =>
        list?.map((field) => (field.key === saved.key ? saved : field)),
      );
      message.success(
        t(saved.masked ? 'masking.fields.savedMasked' : 'masking.fields.savedClear', { name: localized(saved.name) }),
      );
    },
    onError: (error) => {
      message.error(errorText(error));
      void fields.refetch();
    },
    onSettled: () => setSaving(null),
  });

  const masked = (fields.data ?? []).filter((field) => field.masked).length;
  return (
    <Card
      title={t('masking.fields.title')}
      extra={
        <Typography.Text type="secondary" data-testid="field-masks-count" data-count={masked}>
          {t('masking.fields.count', { count: masked })}
        </Typography.Text>
      }
      style={{ marginBottom: 16 }}
    >
      <LoadErrorAlert error={fields.error} onRetry={() => void fields.refetch()} testId="field-masks-load-error" />
      <Table<FieldMask>
        rowKey="key"
        size="middle"
        loading={fields.isPending}
        dataSource={fields.data ?? []}
        pagination={false}
        scroll={{ x: 'max-content' }}
        onRow={(field) => testId(`field-mask-row-${field.key}`) as HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: t('masking.fields.columns.name'),
            dataIndex: 'name',
            render: (_, field) => <span data-testid="field-mask-name">{localized(field.name)}</span>,
          },
          {
            title: t('masking.fields.columns.key'),
            dataIndex: 'key',
            render: (key: string) => <Typography.Text code>{key}</Typography.Text>,
          },
          {
            title: t('masking.fields.columns.source'),
            dataIndex: 'source',
            render: (source: FieldMask['source']) => (
              <Tag color={source === 'system' ? 'blue' : 'default'}>{t(`masking.fields.source.${source}`)}</Tag>
            ),
          },
          {
            title: t('masking.fields.columns.masking'),
            dataIndex: 'masked',
            width: 160,
            render: (_, field) => (
              <Select<Choice>
                style={{ width: 120 }}
                value={field.masked ? 'masked' : 'none'}
                loading={saving === field.key}
                disabled={saving !== null}
                onChange={(choice) => save.mutate({ field, masked: choice === 'masked' })}
                data-testid={`field-mask-select-${field.key}`}
                data-value={field.masked ? 'masked' : 'none'}
                options={(['none', 'masked'] as const).map((choice) => ({
                  value: choice,
                  label: (
                    <span data-testid={`field-mask-option-${field.key}-${choice}`}>{t(`masking.fields.choice.${choice}`)}</span>
                  ),
                }))}
              />
            ),
          },
          {
            title: t('masking.fields.columns.updatedAt'),
            dataIndex: 'updatedAt',
            render: (_, field) =>
              field.updatedAt === null ? (
                <Typography.Text type="secondary">—</Typography.Text>
              ) : (
                formatDateTime(field.updatedAt, timeZone)
              ),
          },
        ]}
      />
    </Card>
  );
}

interface EncryptionValues {
  enabled: boolean;
  publicKeyPem: string;
}

/** 手机号 RSA 加密: on/off and the customer's public key (never a private key: Huiliu never decrypts). */
function MobileEncryptionCard() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const applyFieldErrors = useApplyFieldErrors();
  const timeZone = useSession().tenant.timeZone;
  const queryClient = useQueryClient();
  const [form] = Form.useForm<EncryptionValues>();
  const setting = useQuery({ queryKey: maskingKeys.mobileEncryption, queryFn: maskingApi.mobileEncryption });
  const enabled = Form.useWatch('enabled', form);

  useEffect(() => {
    if (setting.data) form.setFieldsValue({ enabled: setting.data.enabled, publicKeyPem: setting.data.publicKeyPem ?? '' });
  }, [setting.data, form]);

  const save = useMutation({
    mutationFn: (values: EncryptionValues) =>
      maskingApi.saveMobileEncryption({ enabled: values.enabled, publicKeyPem: values.publicKeyPem.trim() || null }),
    onSuccess: (saved: MobileEncryption) => {
      queryClient.setQueryData(maskingKeys.mobileEncryption, saved);
      message.success(t(saved.enabled ? 'masking.rsa.savedOn' : 'masking.rsa.savedOff'));
    },
    onError: (error) => {
      if (!applyFieldErrors(form, error)) message.error(errorText(error));
    },
  });

  const current = setting.data;
  return (
    <Card title={t('masking.rsa.title')} data-testid="mobile-encryption">
      <Typography.Paragraph type="secondary">{t('masking.rsa.description')}</Typography.Paragraph>
      <LoadErrorAlert error={setting.error} onRetry={() => void setting.refetch()} testId="mobile-encryption-load-error" />
      {setting.isPending ? (
        <Skeleton active />
      ) : (
        <Form<EncryptionValues>
          form={form}
          layout="vertical"
          style={{ maxWidth: 720 }}
          initialValues={{ enabled: false, publicKeyPem: '' }}
          onFinish={(values) => save.mutate(values)}
        >
          <Form.Item name="enabled" label={t('masking.rsa.enabled')} valuePropName="checked">
            <Switch data-testid="mobile-encryption-enabled" />
          </Form.Item>
          <Form.Item
            name="publicKeyPem"
            label={t('masking.rsa.publicKey')}
            extra={t('masking.rsa.publicKeyHint')}
            rules={[{ required: enabled === true, whitespace: true, message: t('masking.rsa.publicKeyRequired') }]}
          >
            <Input.TextArea
              rows={6}
              spellCheck={false}
              placeholder="-----BEGIN PUBLIC KEY-----"
              style={{ fontFamily: 'monospace' }}
              data-testid="mobile-encryption-key"
            />
          </Form.Item>
          {current?.fingerprint && (
            <Descriptions size="small" column={1} style={{ marginBottom: 16 }} data-testid="mobile-encryption-current">
              <Descriptions.Item label={t('masking.rsa.keyBits')}>{current.keyBits}</Descriptions.Item>
              <Descriptions.Item label={t('masking.rsa.fingerprint')}>
                <Typography.Text code copyable style={{ wordBreak: 'break-all' }}>
                  {current.fingerprint}
                </Typography.Text>
              </Descriptions.Item>
              {current.updatedAt !== null && (
                <Descriptions.Item label={t('masking.rsa.updatedAt')}>
                  {formatDateTime(current.updatedAt, timeZone)}
                </Descriptions.Item>
              )}
            </Descriptions>
          )}
          <Button type="primary" htmlType="submit" loading={save.isPending} data-testid="mobile-encryption-save">
            {t('common.save')}
          </Button>
        </Form>
      )}
    </Card>
  );
}

/**
 * 设置 → 高级设置 → 联系人字段加密 (seed §1.11.4.7), super staff only: which contact fields normal
 * staff see as `***`, and RSA-encrypted mobiles (§1.11.4.7.6).
 */
export default function FieldMaskingPage() {
  const { t } = useTranslation();
  return (
    <div data-testid="field-masking-page">
      <PageContainer title={t('masking.title')} content={t('masking.description')}>
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 16 }}
          message={t('masking.rules.title')}
          description={
            <ul style={{ margin: 0, paddingInlineStart: 20 }}>
              <li>{t('masking.rules.who', { masked: MASKED_VALUE })}</li>
              <li>{t('masking.rules.edit')}</li>
              <li>{t('masking.rules.export')}</li>
              <li>{t('masking.rules.api')}</li>
            </ul>
          }
        />
        <FieldMasksCard />
        <MobileEncryptionCard />
      </PageContainer>
    </div>
  );
}
