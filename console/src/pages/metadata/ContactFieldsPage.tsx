import { ListEmpty } from '../../components/ListEmpty';
import { ModalForm, type ProColumns, type ProFormInstance, ProFormSelect, ProFormText } from '@ant-design/pro-components';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Tag, Tooltip, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  ANNIVERSARY_LIMIT,
  contactFieldTypes,
  METADATA_NAME_MAX,
  metadataApi,
  metadataKeys,
  useContactFields,
  type ContactField,
  type ContactFieldType,
} from '../../api/metadata';
import { useSession } from '../../session/session';
import { useErrorText } from '../../utils/errors';
import { formatDateTime } from '../../utils/format';
import { testId } from '../../utils/test-id';
import { actionsColumn, codeColumn, CreateButton, MetadataPage, MetadataTable, useModalFormProps } from './scaffold';
import { useCanManageMetadata, useReportFormError } from './shared';

interface FieldValues {
  name: string;
  type: ContactFieldType;
}

/** 新建 / 编辑 a custom field: name and type; the type is fixed once saved. Mounted while open. */
function ContactFieldModal({
  field,
  fields,
  onClose,
  onSaved,
}: {
  field: ContactField | null;
  fields: ContactField[];
  onClose: () => void;
  onSaved: (field: ContactField) => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formRef = useRef<ProFormInstance<FieldValues>>(undefined);
  const reportError = useReportFormError();
  const anniversaries = fields.filter((candidate) => candidate.type === 'anniversary').length;
  const formProps = useModalFormProps({ editing: field !== null, onClose, submitTestId: 'contact-field-submit' });
  return (
    <ModalForm<FieldValues>
      {...formProps}
      title={field ? t('metadata.contactFields.edit.title') : t('metadata.contactFields.create.title')}
      width={520}
      formRef={formRef}
      initialValues={field ? { name: field.name, type: field.type } : { type: 'string' }}
      onFinish={async ({ name, type }) => {
        try {
          const saved = field
            ? await metadataApi.renameContactField(field.id, name.trim())
            : await metadataApi.createContactField({ name: name.trim(), type });
          message.success(field ? t('metadata.contactFields.edit.success') : t('metadata.contactFields.create.success'));
          onSaved(saved);
          return true;
        } catch (error) {
          reportError(formRef.current, error, {
            fieldByCode: {
              metadata_anniversary_limit: 'type',
              metadata_name_taken: 'name',
              metadata_contact_field_limit: 'name',
            },
          });
          return false;
        }
      }}
    >
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 16 }}
        message={t('metadata.contactFields.form.hint', { max: ANNIVERSARY_LIMIT, count: anniversaries })}
        data-testid="contact-field-hint"
      />
      <ProFormText
        name="name"
        label={t('metadata.contactFields.form.name.label')}
        placeholder={t('metadata.contactFields.form.name.placeholder')}
        fieldProps={{ maxLength: METADATA_NAME_MAX, showCount: true, ...testId('contact-field-name') }}
        rules={[{ required: true, whitespace: true, message: t('metadata.contactFields.form.name.required') }]}
      />
      <ProFormSelect<ContactFieldType>
        name="type"
        label={t('metadata.contactFields.form.type.label')}
        disabled={field !== null}
        extra={field ? t('metadata.contactFields.form.type.immutable') : undefined}
        options={contactFieldTypes.map((type) => ({ value: type, label: t(`metadata.contactFields.types.${type}`) }))}
        fieldProps={{ allowClear: false, ...testId('contact-field-type') }}
        rules={[{ required: true, message: t('metadata.contactFields.form.type.required') }]}
      />
    </ModalForm>
  );
}

/** 自定义字段 (§1.10.7): the contact custom fields in their order; create, rename, move up/down. */
export default function ContactFieldsPage() {
  const { t } = useTranslation();
  const session = useSession();
  const canManage = useCanManageMetadata();
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const list = useContactFields();
  const fields = list.data ?? [];
  const [editing, setEditing] = useState<ContactField | 'new' | null>(null);
  const [moving, setMoving] = useState<string | null>(null);

  const refresh = () => void queryClient.invalidateQueries({ queryKey: metadataKeys.contactFields });

  const move = async (field: ContactField, direction: 'up' | 'down') => {
    setMoving(field.id);
    try {
      queryClient.setQueryData(metadataKeys.contactFields, await metadataApi.moveContactField(field.id, direction));
    } catch (error) {
      message.error(errorText(error));
      refresh();
    } finally {
      setMoving(null);
    }
  };

  const columns: ProColumns<ContactField>[] = [
    codeColumn<ContactField>(t('metadata.contactFields.columns.key'), 'key', 'contact-field-key', { width: 120 }),
    {
      title: t('metadata.contactFields.columns.name'),
      dataIndex: 'name',
      ellipsis: true,
      render: (_, field) => <span data-testid="contact-field-name-cell">{field.name}</span>,
    },
    {
      title: t('metadata.contactFields.columns.type'),
      dataIndex: 'type',
      width: 120,
      render: (_, field) => <Tag data-testid="contact-field-type-cell">{t(`metadata.contactFields.types.${field.type}`)}</Tag>,
    },
    {
      title: t('metadata.contactFields.columns.createdAt'),
      dataIndex: 'createdAt',
      width: 170,
      render: (_, field) => formatDateTime(field.createdAt, session.tenant.timeZone),
    },
    actionsColumn<ContactField>(
      t,
      (_, field, index) => {
        const first = index === 0;
        const last = index === fields.length - 1;
        const busy = moving !== null;
        return [
          <Typography.Link key="edit" onClick={() => setEditing(field)} data-testid="contact-field-edit">
            {t('common.edit')}
          </Typography.Link>,
          <Tooltip key="up" title={first ? t('metadata.contactFields.move.first') : undefined}>
            <Typography.Link
              disabled={first || busy}
              aria-disabled={first || busy}
              onClick={() => void move(field, 'up')}
              data-testid="contact-field-up"
            >
              {t('metadata.contactFields.move.up')}
            </Typography.Link>
          </Tooltip>,
          <Tooltip key="down" title={last ? t('metadata.contactFields.move.last') : undefined}>
            <Typography.Link
              disabled={last || busy}
              aria-disabled={last || busy}
              onClick={() => void move(field, 'down')}
              data-testid="contact-field-down"
            >
              {t('metadata.contactFields.move.down')}
            </Typography.Link>
          </Tooltip>,
        ];
      },
      !canManage,
    ),
  ];

  return (
    <MetadataPage
      testId="contact-fields-page"
      title={t('metadata.contactFields.title')}
      description={t('metadata.contactFields.description')}
      canManage={canManage}
      list={list}
      loadErrorTestId="contact-fields-load-error"
    >
      <MetadataTable<ContactField>
        list={list}
        columns={columns}
        dataSource={fields}
        pagination={false}
        options={{ reload: () => void list.refetch(), density: false }}
        rowTestId={(field) => `contact-field-row-${field.key}`}
        toolBarRender={() => [
          canManage && (
            <CreateButton key="create" onClick={() => setEditing('new')} testId="contact-fields-create">
              {t('metadata.contactFields.create.button')}
            </CreateButton>
          ),
        ]}
        loadFailedTestId="contact-fields-load-failed"
        empty={
          <ListEmpty
            title={t('metadata.contactFields.empty.title')}
            description={t('metadata.contactFields.empty.description')}
            testId="contact-fields-empty"
          />
        }
      />
      {editing !== null && (
        <ContactFieldModal
          field={editing === 'new' ? null : editing}
          fields={fields}
          onClose={() => setEditing(null)}
          onSaved={refresh}
        />
      )}
    </MetadataPage>
  );
}
