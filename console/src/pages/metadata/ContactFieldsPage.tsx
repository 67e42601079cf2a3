import { PlusOutlined } from '@ant-design/icons';
import {
  ModalForm,
  PageContainer,
  type ProColumns,
  type ProFormInstance,
  ProFormSelect,
  ProFormText,
  ProTable,
} from '@ant-design/pro-components';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Tag, Tooltip, Typography } from 'antd';
import { type HTMLAttributes, useRef, useState } from 'react';
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
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { useSession } from '../../session/session';
import { useErrorText } from '../../utils/errors';
import { formatDateTime } from '../../utils/format';
import { testId } from '../../utils/test-id';
import { MetadataEmpty, useCanManageMetadata, useReportFormError, ViewOnlyNotice } from './shared';

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
  return (
    <ModalForm<FieldValues>
      open
      title={field ? t('metadata.contactFields.edit.title') : t('metadata.contactFields.create.title')}
      width={520}
      formRef={formRef}
      initialValues={field ? { name: field.name, type: field.type } : { type: 'string' }}
      modalProps={{ destroyOnHidden: true }}
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
      submitter={{
        searchConfig: { submitText: field ? t('common.save') : t('common.create'), resetText: t('common.cancel') },
        submitButtonProps: testId('contact-field-submit'),
      }}
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
    {
      title: t('metadata.contactFields.columns.key'),
      dataIndex: 'key',
      width: 120,
      render: (_, field) => (
        <Typography.Text code data-testid="contact-field-key">
          {field.key}
        </Typography.Text>
      ),
    },
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
    {
      title: t('common.actions'),
      valueType: 'option',
      key: 'actions',
      fixed: 'right',
      hideInTable: !canManage,
      onCell: () => ({ style: { whiteSpace: 'nowrap' } }),
      render: (_, field, index) => {
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
    },
  ];

  return (
    <div data-testid="contact-fields-page">
      <PageContainer title={t('metadata.contactFields.title')} content={t('metadata.contactFields.description')}>
        <ViewOnlyNotice canManage={canManage} />
        <LoadErrorAlert error={list.error} onRetry={() => void list.refetch()} testId="contact-fields-load-error" />
        <ProTable<ContactField>
          rowKey="id"
          columns={columns}
          dataSource={fields}
          loading={list.isPending || list.isFetching}
          search={false}
          cardBordered
          scroll={{ x: 'max-content' }}
          pagination={false}
          options={{ reload: () => void list.refetch(), density: false }}
          onRow={(field) => testId(`contact-field-row-${field.key}`) as HTMLAttributes<HTMLElement>}
          toolBarRender={() => [
            canManage && (
              <Button
                key="create"
                type="primary"
                icon={<PlusOutlined />}
                onClick={() => setEditing('new')}
                data-testid="contact-fields-create"
              >
                {t('metadata.contactFields.create.button')}
              </Button>
            ),
          ]}
          locale={{
            emptyText: list.error ? (
              <MetadataEmpty title={t('common.loadFailed')} testId="contact-fields-load-failed" />
            ) : (
              <MetadataEmpty
                title={t('metadata.contactFields.empty.title')}
                description={t('metadata.contactFields.empty.description')}
                testId="contact-fields-empty"
              />
            ),
          }}
        />
        {editing !== null && (
          <ContactFieldModal
            field={editing === 'new' ? null : editing}
            fields={fields}
            onClose={() => setEditing(null)}
            onSaved={refresh}
          />
        )}
      </PageContainer>
    </div>
  );
}
