import { CheckOutlined, PlusOutlined } from '@ant-design/icons';
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
import { App, Button, Popconfirm, Tag, Typography } from 'antd';
import { type HTMLAttributes, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import {
  customPropertyTypes,
  METADATA_ID_MAX,
  METADATA_NAME_MAX,
  metadataApi,
  metadataKeys,
  sdkKinds,
  useEventProperties,
  type CustomPropertyType,
  type EventProperty,
  type PropertySource,
} from '../../api/metadata';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { useSession } from '../../session/session';
import { useErrorText } from '../../utils/errors';
import { formatDateTime } from '../../utils/format';
import { useLocalized } from '../../utils/localized';
import { testId } from '../../utils/test-id';
import {
  MetadataEmpty,
  propertyTypeText,
  useCanManageMetadata,
  usePropertyIdRules,
  useReportFormError,
  ViewOnlyNotice,
} from './shared';

const sources: PropertySource[] = ['custom', 'system', 'sdk'];

interface PropertyValues {
  code: string;
  name: string;
  type: CustomPropertyType;
}

/** 新建 / 编辑 a custom property: ID and type are fixed once saved. Mounted while open. */
function PropertyModal({
  property,
  onClose,
  onSaved,
}: {
  property: EventProperty | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formRef = useRef<ProFormInstance<PropertyValues>>(undefined);
  const reportError = useReportFormError();
  const idRules = usePropertyIdRules();
  return (
    <ModalForm<PropertyValues>
      open
      title={property ? t('metadata.eventProperties.edit.title') : t('metadata.eventProperties.create.title')}
      width={520}
      formRef={formRef}
      initialValues={
        property
          ? { code: property.code, name: property.name, type: property.type as CustomPropertyType }
          : { type: 'string' as const }
      }
      modalProps={{ destroyOnHidden: true }}
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
      submitter={{
        searchConfig: { submitText: property ? t('common.save') : t('common.create'), resetText: t('common.cancel') },
        submitButtonProps: testId('event-property-submit'),
      }}
      onFinish={async ({ code, name, type }) => {
        try {
          if (property) await metadataApi.renameEventProperty(property.id, name.trim());
          else await metadataApi.createEventProperty({ code: code.trim(), name: name.trim(), type });
          message.success(property ? t('metadata.eventProperties.edit.success') : t('metadata.eventProperties.create.success'));
          onSaved();
          return true;
        } catch (error) {
          reportError(formRef.current, error);
          return false;
        }
      }}
    >
      <ProFormText
        name="code"
        label={t('metadata.eventProperties.form.code.label')}
        placeholder={t('metadata.eventProperties.form.code.placeholder')}
        extra={property ? t('metadata.eventProperties.form.type.immutable') : t('metadata.eventProperties.form.code.extra')}
        disabled={property !== null}
        fieldProps={{ maxLength: METADATA_ID_MAX, ...testId('event-property-code') }}
        rules={property ? [] : idRules}
      />
      <ProFormText
        name="name"
        label={t('metadata.eventProperties.form.name.label')}
        placeholder={t('metadata.eventProperties.form.name.placeholder')}
        fieldProps={{ maxLength: METADATA_NAME_MAX, showCount: true, ...testId('event-property-name') }}
        rules={[{ required: true, whitespace: true, message: t('metadata.eventProperties.form.name.required') }]}
      />
      <ProFormSelect<CustomPropertyType>
        name="type"
        label={t('metadata.eventProperties.form.type.label')}
        disabled={property !== null}
        options={customPropertyTypes.map((type) => ({ value: type, label: propertyTypeText(t, type) }))}
        fieldProps={{ allowClear: false, ...testId('event-property-type') }}
        rules={[{ required: true, message: t('metadata.eventProperties.form.type.required') }]}
      />
    </ModalForm>
  );
}

/** 事件属性 (§1.10.8): 自定义属性 / 系统预置属性 / SDK预置属性; custom ones are created, renamed, deleted. */
export default function EventPropertiesPage() {
  const { t } = useTranslation();
  const session = useSession();
  const text = useLocalized();
  const canManage = useCanManageMetadata();
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [searchParams, setSearchParams] = useSearchParams();
  const requested = searchParams.get('source');
  const source: PropertySource = sources.includes(requested as PropertySource) ? (requested as PropertySource) : 'custom';
  const list = useEventProperties();
  const properties = (list.data ?? []).filter((property) => property.source === source);
  const [editing, setEditing] = useState<EventProperty | 'new' | null>(null);

  const refresh = () => void queryClient.invalidateQueries({ queryKey: metadataKeys.all });

  const remove = async (property: EventProperty) => {
    try {
      await metadataApi.deleteEventProperty(property.id);
      message.success(t('metadata.deleted'));
    } catch (error) {
      message.error(errorText(error));
    }
    refresh();
  };

  const columns: ProColumns<EventProperty>[] = [
    {
      title: t('metadata.eventProperties.columns.code'),
      dataIndex: 'code',
      render: (_, property) => (
        <Typography.Text code data-testid="event-property-code-cell">
          {property.code}
        </Typography.Text>
      ),
    },
    {
      title: t('metadata.eventProperties.columns.name'),
      dataIndex: 'name',
      ellipsis: true,
      render: (_, property) => (
        <span data-testid="event-property-name-cell">{property.source === 'custom' ? property.name : text(property.names)}</span>
      ),
    },
    {
      title: t('metadata.eventProperties.columns.type'),
      dataIndex: 'type',
      render: (_, property) => <span data-testid="event-property-type-cell">{propertyTypeText(t, property.type)}</span>,
    },
    {
      title: t('metadata.eventProperties.columns.source'),
      dataIndex: 'source',
      render: (_, property) => <Tag>{t(`metadata.sources.${property.source}`)}</Tag>,
    },
    ...sdkKinds.map((kind): ProColumns<EventProperty> => ({
      title: t(`metadata.eventProperties.sdks.${kind}`),
      key: `sdk-${kind}`,
      align: 'center',
      width: 90,
      hideInTable: source !== 'sdk',
      render: (_, property) =>
        property.collectedBy?.includes(kind) ? (
          <CheckOutlined aria-label={t('metadata.collected')} style={{ color: '#52c41a' }} data-testid={`sdk-flag-${kind}-yes`} />
        ) : (
          <Typography.Text type="secondary" aria-label={t('metadata.notCollected')} data-testid={`sdk-flag-${kind}-no`}>
            {t('metadata.none')}
          </Typography.Text>
        ),
    })),
    {
      title: t('metadata.eventProperties.columns.createdAt'),
      dataIndex: 'createdAt',
      width: 170,
      hideInTable: source !== 'custom',
      render: (_, property) => formatDateTime(property.createdAt, session.tenant.timeZone),
    },
    {
      title: t('common.actions'),
      valueType: 'option',
      key: 'actions',
      fixed: 'right',
      hideInTable: !canManage || source !== 'custom',
      onCell: () => ({ style: { whiteSpace: 'nowrap' } }),
      render: (_, property) => [
        <Typography.Link key="edit" onClick={() => setEditing(property)} data-testid="event-property-edit">
          {t('common.edit')}
        </Typography.Link>,
        <Popconfirm
          key="delete"
          title={t('metadata.eventProperties.remove.title', { code: property.code })}
          description={t('metadata.eventProperties.remove.description')}
          okText={t('metadata.delete')}
          okButtonProps={{ danger: true, ...testId(`event-property-delete-confirm-${property.code}`) }}
          cancelText={t('common.cancel')}
          onConfirm={() => remove(property)}
        >
          <Typography.Link type="danger" data-testid="event-property-delete">
            {t('metadata.delete')}
          </Typography.Link>
        </Popconfirm>,
      ],
    },
  ];

  return (
    <div data-testid="event-properties-page">
      <PageContainer title={t('metadata.eventProperties.title')} content={t('metadata.eventProperties.description')}>
        <ViewOnlyNotice canManage={canManage} />
        <LoadErrorAlert error={list.error} onRetry={() => void list.refetch()} testId="event-properties-load-error" />
        <ProTable<EventProperty>
          rowKey="id"
          columns={columns}
          dataSource={properties}
          loading={list.isPending || list.isFetching}
          search={false}
          cardBordered
          scroll={{ x: 'max-content' }}
          pagination={{ defaultPageSize: 50, showSizeChanger: true, pageSizeOptions: [20, 50, 100] }}
          options={{ reload: () => void list.refetch() }}
          onRow={(property) => testId(`event-property-row-${property.code}`) as HTMLAttributes<HTMLElement>}
          toolbar={{
            menu: {
              type: 'tab',
              activeKey: source,
              items: sources.map((key) => ({
                key,
                label: <span data-testid={`event-properties-tab-${key}`}>{t(`metadata.sources.${key}`)}</span>,
              })),
              onChange: (key) => setSearchParams(key === 'custom' ? {} : { source: String(key) }, { replace: true }),
            },
          }}
          toolBarRender={() => [
            canManage && source === 'custom' && (
              <Button
                key="create"
                type="primary"
                icon={<PlusOutlined />}
                onClick={() => setEditing('new')}
                data-testid="event-properties-create"
              >
                {t('metadata.eventProperties.create.button')}
              </Button>
            ),
          ]}
          locale={{
            emptyText: list.error ? (
              <MetadataEmpty title={t('common.loadFailed')} testId="event-properties-load-failed" />
            ) : source === 'custom' ? (
              <MetadataEmpty
                title={t('metadata.eventProperties.empty.title')}
                description={t('metadata.eventProperties.empty.description')}
                testId="event-properties-empty"
              />
            ) : (
              <MetadataEmpty title={t('metadata.eventProperties.empty.other')} testId="event-properties-empty" />
            ),
          }}
        />
        {editing !== null && (
          <PropertyModal property={editing === 'new' ? null : editing} onClose={() => setEditing(null)} onSaved={refresh} />
        )}
      </PageContainer>
    </div>
  );
}
