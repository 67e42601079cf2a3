import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Input, Skeleton, Space, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  BLOCKED_VALUE_LENGTH,
  BLOCKED_VALUES_MAX,
  contactsApi,
  contactsKeys,
  DEFAULT_BLOCKED_VALUES,
  type IdentitySettings,
} from '../../api/contacts';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { useErrorText } from '../../utils/errors';
import { useCanMerge } from './merge-parts';

/** As the server compares them: trimmed, case-insensitively. */
const normal = (value: string) => value.trim().toLowerCase();

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((value, i) => value === b[i]);

/**
 * 设置 → 过滤条件 (seed §1.4.7): the values that never match anyone, as an editable tag list; saved
 * as a whole. Staff without 用户-合并用户 see the list only.
 */
export function IdentitySettingsTab() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const canMerge = useCanMerge();
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: contactsKeys.identitySettings, queryFn: contactsApi.identitySettings });
  const saved = settings.data?.blockedValues;
  const [values, setValues] = useState<string[] | null>(null);
  const [input, setInput] = useState('');
  const [inputError, setInputError] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<unknown>(null);

  // The list as loaded (and as saved) until edited.
  useEffect(() => {
    if (saved !== undefined) setValues(saved);
  }, [saved]);

  const save = useMutation({
    mutationFn: (blockedValues: string[]) => contactsApi.saveIdentitySettings({ blockedValues }),
    onSuccess: (result: IdentitySettings) => {
      setSaveError(null);
      queryClient.setQueryData(contactsKeys.identitySettings, result);
      message.success(t('contacts.merges.settings.saved'));
    },
    onError: (error) => setSaveError(error),
  });

  const current = values ?? saved ?? [];
  const add = () => {
    const value = input.trim();
    if (value === '') return;
    if (current.some((existing) => normal(existing) === normal(value))) {
      setInputError(t('contacts.merges.settings.duplicate', { value }));
      return;
    }
    if (value.length > BLOCKED_VALUE_LENGTH) {
      setInputError(t('contacts.merges.settings.tooLong', { max: BLOCKED_VALUE_LENGTH }));
      return;
    }
    if (current.length >= BLOCKED_VALUES_MAX) {
      setInputError(t('contacts.merges.settings.tooMany', { max: BLOCKED_VALUES_MAX }));
      return;
    }
    setValues([...current, value]);
    setInput('');
    setInputError(null);
  };
  const remove = (value: string) => setValues(current.filter((existing) => existing !== value));
  const changed = saved !== undefined && !sameList(current, saved);

  return (
    <div data-testid="identity-settings">
      <LoadErrorAlert error={settings.error} onRetry={() => void settings.refetch()} testId="identity-settings-load-error" />
      <Card title={t('contacts.merges.settings.title')}>
        <Typography.Paragraph type="secondary" style={{ maxWidth: 720 }}>
          {t('contacts.merges.settings.description')}
        </Typography.Paragraph>
        <Typography.Paragraph type="secondary">{t('contacts.merges.settings.defaults')}</Typography.Paragraph>
        {!canMerge && (
          <Alert
            type="info"
            showIcon
            message={t('contacts.merges.settings.noPermission')}
            style={{ marginBottom: 16 }}
            data-testid="identity-settings-view-only"
          />
        )}
        {settings.isPending ? (
          <Skeleton active paragraph={{ rows: 1 }} />
        ) : (
          <Space direction="vertical" size={16} style={{ width: '100%' }}>
            <Space size={[8, 8]} wrap data-testid="blocked-values">
              {current.length === 0 && (
                <Typography.Text type="secondary" data-testid="blocked-values-none">
                  {t('contacts.merges.settings.none')}
                </Typography.Text>
              )}
              {current.map((value) => (
                <Tag
                  key={value}
                  closable={canMerge}
                  onClose={(event) => {
                    event.preventDefault();
                    remove(value);
                  }}
                  style={{ fontSize: 14, padding: '2px 8px', marginInlineEnd: 0 }}
                  data-testid="blocked-value"
                  data-value={value}
                >
                  {value}
                </Tag>
              ))}
            </Space>
            {canMerge && (
              <>
                <Space direction="vertical" size={4}>
                  <Space.Compact style={{ width: 320 }}>
                    <Input
                      value={input}
                      maxLength={BLOCKED_VALUE_LENGTH + 1}
                      status={inputError ? 'error' : undefined}
                      placeholder={t('contacts.merges.settings.placeholder')}
                      onChange={(event) => {
                        setInput(event.target.value);
                        setInputError(null);
                      }}
                      onPressEnter={add}
                      data-testid="blocked-value-input"
                    />
                    <Button icon={<PlusOutlined />} onClick={add} data-testid="blocked-value-add">
                      {t('contacts.merges.settings.add')}
                    </Button>
                  </Space.Compact>
                  {inputError && (
                    <Typography.Text type="danger" data-testid="blocked-value-error">
                      {inputError}
                    </Typography.Text>
                  )}
                </Space>
                {saveError !== null && (
                  <Alert type="error" showIcon message={errorText(saveError)} data-testid="identity-settings-save-error" />
                )}
                <Space>
                  <Button
                    type="primary"
                    disabled={!changed}
                    loading={save.isPending}
                    onClick={() => save.mutate(current)}
                    data-testid="identity-settings-save"
                  >
                    {t('common.save')}
                  </Button>
                  <Button
                    disabled={sameList(current, DEFAULT_BLOCKED_VALUES)}
                    onClick={() => {
                      setValues([...DEFAULT_BLOCKED_VALUES]);
                      setInputError(null);
                    }}
                    data-testid="identity-settings-restore"
                  >
                    {t('contacts.merges.settings.restoreDefaults')}
                  </Button>
                </Space>
              </>
            )}
          </Space>
        )}
      </Card>
    </div>
  );
}
