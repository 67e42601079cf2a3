import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Checkbox, Divider, Modal, Select, Skeleton, Space, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { contactExportKeys, contactExportsApi, type ExportableField } from '../../../api/contact-exports';
import { LoadErrorAlert } from '../../../components/LoadErrorAlert';
import { useTaskSubmitted } from '../../../notifications/useTaskSubmitted';
import { formatNumber } from '../../../utils/format';
import { useErrorText } from '../../../utils/errors';

const groups: ExportableField['group'][] = ['system', 'custom', 'readOnly'];
/** Ticked when the dialog opens: what operators export most. */
const DEFAULT_FIELDS = ['name', 'mobilePhone', 'email'];

/**
 * 更多操作 → 导出用户 (seed §1.4.4, §1.4.5, §1.4.12.2 ③): choose fields (masked ones cannot be
 * exported and are shown so), optionally the OpenID/UnionID of an official account and the
 * external_id of a custom channel; exports the identified contacts matching the list's filter.
 */
export function ExportContactsModal({
  close,
  filter,
  groupId,
}: {
  close: () => void;
  filter?: unknown;
  /** 群组详情 → 导出用户: the group's members only (the server adds the group to the filter). */
  groupId?: string;
}) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const taskSubmitted = useTaskSubmitted();
  const queryClient = useQueryClient();
  const options = useQuery({ queryKey: contactExportKeys.options, queryFn: contactExportsApi.options });
  const [chosen, setChosen] = useState<string[] | null>(null);
  const [withWechat, setWithWechat] = useState(false);
  const [wechatChannelId, setWechatChannelId] = useState<string>();
  const [withCustom, setWithCustom] = useState(false);
  const [customChannelId, setCustomChannelId] = useState<string>();
  const [missingChannel, setMissingChannel] = useState(false);

  const fields = useMemo(() => options.data?.fields ?? [], [options.data]);
  const exportable = fields.filter((f) => !f.masked).map((f) => f.key);
  const selected = chosen ?? DEFAULT_FIELDS.filter((key) => exportable.includes(key));
  const labelOf = (key: string) => fields.find((f) => f.key === key)?.label ?? key;

  const start = useMutation({
    mutationFn: () =>
      (groupId
        ? (body: Parameters<typeof contactExportsApi.start>[0]) => contactExportsApi.startForGroup(groupId, body)
        : contactExportsApi.start)({
        fields: selected,
        ...(filter ? { filter } : {}),
        wechatChannelId: withWechat ? (wechatChannelId ?? null) : null,
        customChannelId: withCustom ? (customChannelId ?? null) : null,
      }),
    onSuccess: (started) => {
      void queryClient.invalidateQueries({ queryKey: contactExportKeys.all });
      taskSubmitted(started.taskId);
      if (started.excludedFields.length > 0)
        message.warning({
          content: (
            <span data-testid="contact-export-excluded">
              {t('contacts.export.excluded', { fields: started.excludedFields.map(labelOf).join('、') })}
            </span>
          ),
        });
      close();
    },
  });

  const submit = () => {
    if ((withWechat && !wechatChannelId) || (withCustom && !customChannelId)) {
      setMissingChannel(true);
      return;
    }
    setMissingChannel(false);
    start.mutate();
  };

  const toggle = (key: string, on: boolean) =>
    setChosen(
      on ? [...selected, key].sort((a, b) => exportable.indexOf(a) - exportable.indexOf(b)) : selected.filter((k) => k !== key),
    );

  return (
    <Modal
      open
      width={720}
      title={t('contacts.export.title')}
      okText={t('contacts.export.start')}
      onOk={submit}
      onCancel={close}
      confirmLoading={start.isPending}
      okButtonProps={{ disabled: options.isPending || !!options.error, 'data-testid': 'contact-export-submit' } as never}
      data-testid="contact-export-modal"
    >
      <Space direction="vertical" size={12} style={{ width: '100%' }}>
        <Alert
          type="info"
          showIcon
          data-testid="contact-export-scope"
          message={filter ? t('contacts.export.scopeFiltered') : t('contacts.export.scopeAll')}
          description={t('contacts.export.rules', {
            max: formatNumber(options.data?.maxRows ?? 100_000, i18n.language),
          })}
        />
        <LoadErrorAlert error={options.error} onRetry={() => void options.refetch()} testId="contact-export-options-error" />
        {start.error && <Alert type="error" showIcon message={errorText(start.error)} data-testid="contact-export-error" />}
        {options.isPending ? (
          <Skeleton active />
        ) : (
          <>
            <Space>
              <Checkbox
                checked={selected.length === exportable.length && exportable.length > 0}
                indeterminate={selected.length > 0 && selected.length < exportable.length}
                onChange={(e) => setChosen(e.target.checked ? exportable : [])}
                data-testid="contact-export-all"
              >
                {t('contacts.export.selectAll')}
              </Checkbox>
              <Typography.Text type="secondary">{t('contacts.export.selected', { count: selected.length })}</Typography.Text>
            </Space>
            {groups.map((group) => {
              const inGroup = fields.filter((f) => f.group === group);
              if (inGroup.length === 0) return null;
              return (
                <div key={group}>
                  <Divider orientation="left" plain style={{ margin: '4px 0 8px' }}>
                    {t(`contacts.export.groups.${group}`)}
                  </Divider>
                  <Space size={[16, 8]} wrap>
                    {inGroup.map((field) => (
                      <Checkbox
                        key={field.key}
                        disabled={field.masked}
                        checked={!field.masked && selected.includes(field.key)}
                        onChange={(e) => toggle(field.key, e.target.checked)}
                        data-testid={`contact-export-field-${field.key}`}
                      >
                        {field.label}
                        {field.masked && (
                          <Tag style={{ marginInlineStart: 4 }} data-testid={`contact-export-masked-${field.key}`}>
                            {t('contacts.export.masked')}
                          </Tag>
                        )}
                      </Checkbox>
                    ))}
                  </Space>
                </div>
              );
            })}
            <Divider orientation="left" plain style={{ margin: '4px 0 8px' }}>
              {t('contacts.export.groups.ids')}
            </Divider>
            <Space direction="vertical" style={{ width: '100%' }}>
              <Space wrap>
                <Checkbox
                  checked={withWechat}
                  disabled={(options.data?.wechatChannels.length ?? 0) === 0}
                  onChange={(e) => setWithWechat(e.target.checked)}
                  data-testid="contact-export-wechat"
                >
                  {t('contacts.export.wechat')}
                </Checkbox>
                {withWechat && (
                  <Select
                    style={{ minWidth: 220 }}
                    placeholder={t('contacts.export.wechatPlaceholder')}
                    value={wechatChannelId}
                    onChange={setWechatChannelId}
                    options={options.data?.wechatChannels.map((c) => ({ value: c.id, label: c.name }))}
                    status={missingChannel && !wechatChannelId ? 'error' : undefined}
                    data-testid="contact-export-wechat-channel"
                  />
                )}
              </Space>
              <Space wrap>
                <Checkbox
                  checked={withCustom}
                  disabled={(options.data?.customChannels.length ?? 0) === 0}
                  onChange={(e) => setWithCustom(e.target.checked)}
                  data-testid="contact-export-custom"
                >
                  {t('contacts.export.custom')}
                </Checkbox>
                {withCustom && (
                  <Select
                    style={{ minWidth: 220 }}
                    placeholder={t('contacts.export.customPlaceholder')}
                    value={customChannelId}
                    onChange={setCustomChannelId}
                    options={options.data?.customChannels.map((c) => ({ value: c.id, label: c.name }))}
                    status={missingChannel && !customChannelId ? 'error' : undefined}
                    data-testid="contact-export-custom-channel"
                  />
                )}
              </Space>
              {missingChannel && (
                <Typography.Text type="danger" data-testid="contact-export-channel-missing">
                  {t('contacts.export.channelMissing')}
                </Typography.Text>
              )}
            </Space>
          </>
        )}
      </Space>
    </Modal>
  );
}
