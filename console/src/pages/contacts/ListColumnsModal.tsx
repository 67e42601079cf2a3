import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Checkbox, Divider, Modal, Skeleton, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CONTACT_LIST_COLUMNS_MAX, contactListApi, contactListKeys, type ContactListColumn } from '../../api/contact-list';
import { useErrorText } from '../../utils/errors';
import { useLocalized } from '../../utils/localized';
import type { ContactActionContext } from './contact-actions';

const sections = ['system', 'property', 'custom'] as const;

/**
 * 更多操作 → 定制显示列 (seed §1.4.2): the user properties this staff member's list shows, saved for
 * them alone (用户-编辑). Columns keep the order of the picker: system fields, system properties,
 * custom fields.
 */
export function ListColumnsModal({ close, reload }: Pick<ContactActionContext, 'close' | 'reload'>) {
  const { t } = useTranslation();
  const localized = useLocalized();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const client = useQueryClient();
  const setting = useQuery({ queryKey: contactListKeys.columns, queryFn: contactListApi.columns });
  const [chosen, setChosen] = useState<string[]>([]);
  useEffect(() => {
    if (setting.data) setChosen(setting.data.columns);
  }, [setting.data]);
  const save = useMutation({
    mutationFn: (columns: string[]) => contactListApi.saveColumns(columns),
    onSuccess: (saved) => {
      client.setQueryData(contactListKeys.columns, saved);
      void message.success(t('contacts.list.columnsModal.saved'));
      reload();
      close();
    },
  });
  const available = setting.data?.available ?? [];
  const ordered = (keys: string[]) => available.map((c) => c.key).filter((key) => keys.includes(key));
  const label = (column: ContactListColumn) => (
    <span data-testid={`contacts-column-${column.key}`}>
      {localized(column.name)}
      {column.masked && <Typography.Text type="secondary"> {t('contacts.list.columnsModal.masked')}</Typography.Text>}
    </span>
  );

  return (
    <Modal
      open
      width={720}
      title={t('contacts.list.columnsModal.title')}
      okText={t('contacts.list.columnsModal.save')}
      onOk={() => save.mutate(ordered(chosen))}
      okButtonProps={{
        disabled: chosen.length === 0 || chosen.length > CONTACT_LIST_COLUMNS_MAX,
        loading: save.isPending,
        ...({ 'data-testid': 'contacts-columns-save' } as Record<string, string>),
      }}
      onCancel={close}
      data-testid="contacts-columns-modal"
    >
      <Typography.Paragraph type="secondary">
        {t('contacts.list.columnsModal.description', { max: CONTACT_LIST_COLUMNS_MAX })}
      </Typography.Paragraph>
      {setting.isPending && <Skeleton active />}
      {(setting.error || save.error) && (
        <Alert type="error" showIcon message={errorText(setting.error ?? save.error)} style={{ marginBottom: 12 }} />
      )}
      <Checkbox.Group value={chosen} onChange={(values) => setChosen(values as string[])} style={{ display: 'block' }}>
        {sections.map((source) => {
          const columns = available.filter((c) => c.source === source);
          if (columns.length === 0) return null;
          return (
            <div key={source}>
              <Divider orientation="left" plain style={{ marginTop: 8 }}>
                {t(`contacts.list.columnsModal.sections.${source}`)}
              </Divider>
              <Space wrap size={[16, 8]}>
                {columns.map((column) => (
                  <Checkbox key={column.key} value={column.key}>
                    {label(column)}
                  </Checkbox>
                ))}
              </Space>
            </div>
          );
        })}
      </Checkbox.Group>
    </Modal>
  );
}
