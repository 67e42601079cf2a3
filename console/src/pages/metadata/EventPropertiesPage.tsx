import { ListEmpty } from '../../components/ListEmpty';
import { CheckOutlined } from '@ant-design/icons';
import { ModalForm, type ProColumns, type ProFormInstance, ProFormSelect, ProFormText } from '@ant-design/pro-components';
import { useQueryClient } from '@tanstack/react-query';
import { App, Tag, Typography } from 'antd';
import { useRef, useState } from 'react';
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
import { useSession } from '../../session/session';
import { formatDateTime } from '../../utils/format';
import { useLocalized } from '../../utils/localized';
import { testId } from '../../utils/test-id';
import { propertyTypeText, useCanManageMetadata, usePropertyIdRules, useReportFormError } from './shared';
import {
  actionsColumn,
  codeColumn,
  ConfirmLink,
  CreateButton,
  MetadataPage,
  MetadataTable,
  tabMenu,
  useModalFormProps,
  useRowAction,
} from './scaffold';

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
  const formProps = useModalFormProps({ editing: property !== null, onClose, submitTestId: 'event-property-submit' });
  return (
    <ModalForm<PropertyValues>
      {...formProps}
      title={property ? t('metadata.eventProperties.edit.title') : t('metadata.eventProperties.create.title')}
      width={520}
      formRef={formRef}
      initialValues={
        property
          ? { code: property.code, name: property.name, type: property.type as CustomPropertyType }
          : { type: 'string' as const }
      }
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
  const [searchParams, setSearchParams] = useSearchParams();
  const requested = searchParams.get('source');
  const source: PropertySource = sources.includes(requested as PropertySource) ? (requested as PropertySource) : 'custom';
  const list = useEventProperties();
  const properties = (list.data ?? []).filter((property) => property.source === source);
  const [editing, setEditing] = useState<EventProperty | 'new' | null>(null);

  const refresh = () => void queryClient.invalidateQueries({ queryKey: metadataKeys.all });

  const runRowAction = useRowAction(refresh);
  const remove = (property: EventProperty) =>
    runRowAction(() => metadataApi.deleteEventProperty(property.id), t('metadata.deleted'));

  const columns: ProColumns<EventProperty>[] = [
    codeColumn<EventProperty>(t('metadata.eventProperties.columns.code'), 'code', 'event-property-code-cell'),
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
    actionsColumn<EventProperty>(
      t,
      (_, property) => [
        <Typography.Link key="edit" onClick={() => setEditing(property)} data-testid="event-property-edit">
          {t('common.edit')}
        </Typography.Link>,
        <ConfirmLink
          key="delete"
          title={t('metadata.eventProperties.remove.title', { code: property.code })}
          description={t('metadata.eventProperties.remove.description')}
          confirmTestId={`event-property-delete-confirm-${property.code}`}
          onConfirm={() => remove(property)}
          testId="event-property-delete"
        />,
      ],
      !canManage || source !== 'custom',
    ),
  ];

  return (
    <MetadataPage
      testId="event-properties-page"
      title={t('metadata.eventProperties.title')}
      description={t('metadata.eventProperties.description')}
      canManage={canManage}
      list={list}
      loadErrorTestId="event-properties-load-error"
    >
      <MetadataTable<EventProperty>
        list={list}
        columns={columns}
        dataSource={properties}
        rowTestId={(property) => `event-property-row-${property.code}`}
        toolbar={tabMenu({
          activeKey: source,
          keys: sources,
          label: (key) => t(`metadata.sources.${key}`),
          tabTestId: (key) => `event-properties-tab-${key}`,
          onChange: (key) => setSearchParams(key === 'custom' ? {} : { source: key }, { replace: true }),
        })}
        toolBarRender={() => [
          canManage && source === 'custom' && (
            <CreateButton key="create" onClick={() => setEditing('new')} testId="event-properties-create">
              {t('metadata.eventProperties.create.button')}
            </CreateButton>
          ),
        ]}
        loadFailedTestId="event-properties-load-failed"
        empty={
          source === 'custom' ? (
            <ListEmpty
              title={t('metadata.eventProperties.empty.title')}
              description={t('metadata.eventProperties.empty.description')}
              testId="event-properties-empty"
            />
          ) : (
            <ListEmpty title={t('metadata.eventProperties.empty.other')} testId="event-properties-empty" />
          )
        }
      />
      {editing !== null && (
        <PropertyModal property={editing === 'new' ? null : editing} onClose={() => setEditing(null)} onSaved={refresh} />
      )}
    </MetadataPage>
  );
}
