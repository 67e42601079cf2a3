import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Checkbox, Input, Radio, Skeleton, Space, Switch, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  DEFAULT_EXCLUDED_VALUES,
  dedupeApi,
  dedupeFields,
  dedupeKeys,
  EXCLUDED_VALUE_LENGTH,
  EXCLUDED_VALUES_MAX,
  type DedupeSettings,
  type DedupeSettingsInput,
} from '../../api/dedupe';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { useErrorText } from '../../utils/errors';

/** As the server compares them: trimmed, case-insensitively. */
const normal = (value: string) => value.trim().toLowerCase();

const sameRules = (a: DedupeSettingsInput, b: DedupeSettingsInput) =>
  a.mode === b.mode &&
  a.autoMerge === b.autoMerge &&
  a.fields.join() === b.fields.join() &&
  a.excludedValues.length === b.excludedValues.length &&
  a.excludedValues.every((value, i) => value === b.excludedValues[i]);

/**
 * 查重规则 (seed §1.4.7): 手机号码 / 证件号 / 邮箱, 任意其一相同 or 均相同, the excluded values as
 * tags, and 自动合并 — all saved together with 保存 (the automatic merge runs only once saved).
 */
export function DedupeRules() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: dedupeKeys.settings, queryFn: dedupeApi.settings });
  const [draft, setDraft] = useState<DedupeSettingsInput | null>(null);
  const [input, setInput] = useState('');
  const [inputError, setInputError] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<unknown>(null);

  useEffect(() => {
    if (settings.data) {
      const { fields, mode, excludedValues, autoMerge } = settings.data;
      setDraft({ fields, mode, excludedValues, autoMerge });
    }
  }, [settings.data]);

  const save = useMutation({
    mutationFn: (input: DedupeSettingsInput) => dedupeApi.saveSettings(input),
    onSuccess: (result: DedupeSettings) => {
      setSaveError(null);
      queryClient.setQueryData(dedupeKeys.settings, result);
      message.success(t('contacts.dedupe.rules.saved'));
    },
    onError: (error) => setSaveError(error),
  });

  if (!draft || !settings.data)
    return (
      <Card title={t('contacts.dedupe.rules.title')}>
        <LoadErrorAlert error={settings.error} onRetry={() => void settings.refetch()} testId="dedupe-rules-load-error" />
        {settings.isPending && <Skeleton active paragraph={{ rows: 3 }} />}
      </Card>
    );

  const update = (change: Partial<DedupeSettingsInput>) => setDraft({ ...draft, ...change });
  const add = () => {
    const value = input.trim();
    if (value === '') return;
    if (draft.excludedValues.some((existing) => normal(existing) === normal(value)))
      return setInputError(t('contacts.dedupe.rules.duplicate', { value }));
    if (value.length > EXCLUDED_VALUE_LENGTH)
      return setInputError(t('contacts.dedupe.rules.tooLong', { max: EXCLUDED_VALUE_LENGTH }));
    if (draft.excludedValues.length >= EXCLUDED_VALUES_MAX)
      return setInputError(t('contacts.dedupe.rules.tooMany', { max: EXCLUDED_VALUES_MAX }));
    update({ excludedValues: [...draft.excludedValues, value] });
    setInput('');
    setInputError(null);
  };
  const { fields, mode, excludedValues, autoMerge } = settings.data;
  const changed = !sameRules(draft, { fields, mode, excludedValues, autoMerge });

  return (
    <Card title={t('contacts.dedupe.rules.title')} data-testid="dedupe-rules">
      <Space direction="vertical" size={16} style={{ width: '100%' }}>
        <div>
          <Typography.Text strong>{t('contacts.dedupe.rules.mode')}</Typography.Text>
          <div style={{ marginTop: 8 }}>
            <Radio.Group value={draft.mode} onChange={(event) => update({ mode: event.target.value })} data-testid="dedupe-mode">
              <Space direction="vertical" size={4}>
                <Radio value="any" data-testid="dedupe-mode-any">
                  {t('contacts.dedupe.rules.any')}
                </Radio>
                <Radio value="all" data-testid="dedupe-mode-all">
                  {t('contacts.dedupe.rules.all')}
                </Radio>
              </Space>
            </Radio.Group>
          </div>
        </div>
        <div>
          <Typography.Text strong>{t('contacts.dedupe.rules.fields')}</Typography.Text>
          <div style={{ marginTop: 8 }}>
            <Checkbox.Group
              value={draft.fields}
              onChange={(values) => update({ fields: dedupeFields.filter((field) => values.includes(field)) })}
              options={dedupeFields.map((field) => ({
                value: field,
                label: <span data-testid={`dedupe-field-${field}`}>{t(`contacts.dedupe.fields.${field}`)}</span>,
              }))}
            />
          </div>
          {draft.fields.length === 0 && (
            <Typography.Text type="danger" data-testid="dedupe-fields-required">
              {t('contacts.dedupe.rules.fieldsRequired')}
            </Typography.Text>
          )}
        </div>
        <div>
          <Typography.Text strong>{t('contacts.dedupe.rules.excluded')}</Typography.Text>
          <Typography.Paragraph type="secondary" style={{ margin: '4px 0 8px' }}>
            {t('contacts.dedupe.rules.excludedHelp')}
          </Typography.Paragraph>
          <Space size={[8, 8]} wrap data-testid="dedupe-excluded-values">
            {draft.excludedValues.length === 0 && (
              <Typography.Text type="secondary">{t('contacts.dedupe.rules.none')}</Typography.Text>
            )}
            {draft.excludedValues.map((value) => (
              <Tag
                key={value}
                closable
                onClose={(event) => {
                  event.preventDefault();
                  update({ excludedValues: draft.excludedValues.filter((existing) => existing !== value) });
                }}
                data-testid="dedupe-excluded-value"
                data-value={value}
              >
                {value}
              </Tag>
            ))}
          </Space>
          <Space style={{ marginTop: 8 }} wrap>
            <Space.Compact style={{ width: 280 }}>
              <Input
                value={input}
                status={inputError ? 'error' : undefined}
                placeholder={t('contacts.dedupe.rules.placeholder')}
                onChange={(event) => {
                  setInput(event.target.value);
                  setInputError(null);
                }}
                onPressEnter={add}
                data-testid="dedupe-excluded-input"
              />
              <Button icon={<PlusOutlined />} onClick={add} data-testid="dedupe-excluded-add">
                {t('contacts.dedupe.rules.add')}
              </Button>
            </Space.Compact>
            <Button
              type="link"
              onClick={() => update({ excludedValues: [...DEFAULT_EXCLUDED_VALUES] })}
              data-testid="dedupe-excluded-restore"
            >
              {t('contacts.dedupe.rules.restoreDefaults')}
            </Button>
          </Space>
          {inputError && (
            <div>
              <Typography.Text type="danger" data-testid="dedupe-excluded-error">
                {inputError}
              </Typography.Text>
            </div>
          )}
        </div>
        <Space align="center">
          <Switch checked={draft.autoMerge} onChange={(autoMerge) => update({ autoMerge })} data-testid="dedupe-auto" />
          <Typography.Text>{t('contacts.dedupe.rules.auto')}</Typography.Text>
        </Space>
        <Typography.Text type="secondary">{t('contacts.dedupe.rules.autoHelp')}</Typography.Text>
        {saveError !== null && (
          <Alert type="error" showIcon message={errorText(saveError)} data-testid="dedupe-rules-save-error" />
        )}
        {changed && (
          <Typography.Text type="warning" data-testid="dedupe-rules-unsaved">
            {t('contacts.dedupe.rules.unsaved')}
          </Typography.Text>
        )}
        <Button
          type="primary"
          disabled={!changed || draft.fields.length === 0}
          loading={save.isPending}
          onClick={() => save.mutate(draft)}
          data-testid="dedupe-rules-save"
        >
          {t('common.save')}
        </Button>
      </Space>
    </Card>
  );
}
