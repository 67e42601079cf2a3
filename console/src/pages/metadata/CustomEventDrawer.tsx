import { DrawerForm, type ProFormInstance, ProFormSelect, ProFormText, ProFormTextArea } from '@ant-design/pro-components';
import { Alert, App, Flex, Form, Input, Select, Space, Tag, Tooltip, Typography, theme } from 'antd';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useChannelTypes } from '../../api/channels';
import {
  customPropertyTypes,
  IDENTIFIER,
  METADATA_DESCRIPTION_MAX,
  METADATA_ID_MAX,
  METADATA_NAME_MAX,
  metadataApi,
  useAllChannels,
  useEventProperties,
  type CustomEventInput,
  type CustomPropertyType,
  type EventPropertyInput,
  type EventType,
} from '../../api/metadata';
import { matchOption } from '../../components/conditions/PropertySelect';
import { testId } from '../../utils/test-id';
import { AddRowButton, RemoveRowButton, useDrawerFormProps } from './scaffold';
import { propertyTypeText, usePropertyIdRules, useReportFormError } from './shared';

interface SubEventRow {
  code: string;
  name: string;
  saved: boolean;
}

interface PropertyRow {
  /** `existing`: a system (s_) or custom property picked by code; `new`: a custom one defined here. */
  mode: 'existing' | 'new';
  code: string | undefined;
  name: string | undefined;
  type: CustomPropertyType | string | undefined;
  saved: boolean;
}

interface EventValues {
  channelId: string;
  code: string;
  name: string;
  description?: string;
  subEvents: SubEventRow[];
  properties: PropertyRow[];
}

const propertyInput = (row: PropertyRow): EventPropertyInput =>
  row.mode === 'new' && !row.saved
    ? { code: (row.code ?? '').trim(), name: (row.name ?? '').trim(), type: row.type as CustomPropertyType }
    : { code: row.code ?? '' };

/** The custom event's sub-events: saved ones are fixed; new rows can be removed before saving. */
function SubEventsEditor() {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const idRules = [
    { required: true, whitespace: true, message: t('metadata.events.form.subEvents.codeRequired') },
    { pattern: IDENTIFIER, message: t('metadata.events.form.code.invalid') },
  ];
  return (
    <Form.Item label={t('metadata.events.form.subEvents.label')} extra={t('metadata.events.form.subEvents.extra')}>
      <Form.List name="subEvents">
        {(rows, { add, remove }, { errors }) => (
          <Flex vertical gap={token.marginXS} data-testid="sub-events">
            {rows.map((row) => (
              <Form.Item noStyle key={row.key} shouldUpdate>
                {({ getFieldValue }) => {
                  const saved = getFieldValue(['subEvents', row.name, 'saved']) === true;
                  return (
                    <Space align="start" data-testid={`sub-event-${row.name}`}>
                      <Form.Item name={[row.name, 'code']} rules={saved ? [] : idRules} style={{ marginBottom: 0 }}>
                        <Input
                          disabled={saved}
                          maxLength={METADATA_ID_MAX}
                          placeholder={t('metadata.events.form.subEvents.code')}
                          aria-label={t('metadata.events.form.subEvents.code')}
                          data-testid={`sub-event-${row.name}-code`}
                        />
                      </Form.Item>
                      <Form.Item
                        name={[row.name, 'name']}
                        rules={[{ required: true, whitespace: true, message: t('metadata.events.form.subEvents.nameRequired') }]}
                        style={{ marginBottom: 0 }}
                      >
                        <Input
                          disabled={saved}
                          maxLength={METADATA_NAME_MAX}
                          placeholder={t('metadata.events.form.subEvents.name')}
                          aria-label={t('metadata.events.form.subEvents.name')}
                          data-testid={`sub-event-${row.name}-name`}
                        />
                      </Form.Item>
                      {saved ? (
                        <Tooltip title={t('metadata.events.form.properties.saved')}>
                          <Tag style={{ marginTop: 5 }} data-testid={`sub-event-${row.name}-saved`}>
                            {t('metadata.saved')}
                          </Tag>
                        </Tooltip>
                      ) : (
                        <RemoveRowButton onClick={() => remove(row.name)} testId={`sub-event-${row.name}-remove`} />
                      )}
                    </Space>
                  );
                }}
              </Form.Item>
            ))}
            <Form.ErrorList errors={errors} />
            <div>
              <AddRowButton
                onClick={() => add({ code: '', name: '', saved: false } satisfies SubEventRow)}
                testId="sub-event-add"
              >
                {t('metadata.events.form.subEvents.add')}
              </AddRowButton>
            </div>
          </Flex>
        )}
      </Form.List>
    </Form.Item>
  );
}

/**
 * The extended properties: each row picks an existing property (system s_ or custom, searchable)
 * or defines a new custom one inline (ID, display name, type). Saved rows cannot be removed.
 */
function PropertiesEditor() {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const form = Form.useFormInstance<EventValues>();
  const rows = (Form.useWatch('properties', form) ?? []) as PropertyRow[];
  const catalogue = useEventProperties();
  const idRules = usePropertyIdRules();
  const chosen = new Set(rows.map((row) => row.code).filter(Boolean));
  const candidates = (catalogue.data ?? []).filter((property) => property.source !== 'sdk');
  const options = (current: string | undefined) =>
    (['system', 'custom'] as const)
      .map((source) => ({
        label: t(`metadata.sources.${source}`),
        title: t(`metadata.sources.${source}`),
        options: candidates
          .filter((property) => property.source === source && (property.code === current || !chosen.has(property.code)))
          .map((property) => ({
            value: property.code,
            label: `${property.code} · ${property.name}（${propertyTypeText(t, property.type)}）`,
          })),
      }))
      .filter((group) => group.options.length > 0);

  return (
    <Form.Item label={t('metadata.events.form.properties.label')} extra={t('metadata.events.form.properties.extra')}>
      <Form.List name="properties">
        {(fields, { add, remove }, { errors }) => (
          <Flex vertical gap={token.marginXS} data-testid="event-properties-editor">
            {fields.map((field) => {
              const row = rows[field.name];
              const saved = row?.saved === true;
              const prefix = `event-property-row-${field.name}`;
              if (saved) {
                return (
                  <Space key={field.key} data-testid={prefix}>
                    <Typography.Text code data-testid={`${prefix}-code`}>
                      {row?.code}
                    </Typography.Text>
                    <span>{row?.name}</span>
                    <Typography.Text type="secondary">{propertyTypeText(t, String(row?.type ?? ''))}</Typography.Text>
                    <Tooltip title={t('metadata.events.form.properties.saved')}>
                      <Tag data-testid={`${prefix}-saved`}>{t('metadata.saved')}</Tag>
                    </Tooltip>
                  </Space>
                );
              }
              return (
                <Space key={field.key} align="start" wrap data-testid={prefix}>
                  {row?.mode === 'new' ? (
                    <>
                      <Tag color="blue" style={{ marginTop: 5 }}>
                        {t('metadata.events.form.properties.new')}
                      </Tag>
                      <Form.Item name={[field.name, 'code']} rules={idRules} style={{ marginBottom: 0 }}>
                        <Input
                          maxLength={METADATA_ID_MAX}
                          placeholder={t('metadata.events.form.properties.code')}
                          aria-label={t('metadata.events.form.properties.code')}
                          data-testid={`${prefix}-code`}
                          style={{ width: 160 }}
                        />
                      </Form.Item>
                      <Form.Item
                        name={[field.name, 'name']}
                        rules={[{ required: true, whitespace: true, message: t('metadata.events.form.properties.nameRequired') }]}
                        style={{ marginBottom: 0 }}
                      >
                        <Input
                          maxLength={METADATA_NAME_MAX}
                          placeholder={t('metadata.events.form.properties.name')}
                          aria-label={t('metadata.events.form.properties.name')}
                          data-testid={`${prefix}-name`}
                          style={{ width: 160 }}
                        />
                      </Form.Item>
                      <Form.Item
                        name={[field.name, 'type']}
                        rules={[{ required: true, message: t('metadata.events.form.properties.typeRequired') }]}
                        style={{ marginBottom: 0 }}
                      >
                        <Select<CustomPropertyType>
                          options={customPropertyTypes.map((type) => ({ value: type, label: propertyTypeText(t, type) }))}
                          aria-label={t('metadata.events.form.properties.type')}
                          data-testid={`${prefix}-type`}
                          popupMatchSelectWidth={false}
                          style={{ width: 130 }}
                        />
                      </Form.Item>
                    </>
                  ) : (
                    <Form.Item
                      name={[field.name, 'code']}
                      rules={[{ required: true, message: t('metadata.events.form.properties.existingRequired') }]}
                      style={{ marginBottom: 0 }}
                    >
                      <Select<string>
                        showSearch
                        filterOption={matchOption}
                        loading={catalogue.isPending}
                        options={options(row?.code)}
                        placeholder={t('metadata.events.form.properties.existing')}
                        aria-label={t('metadata.events.form.properties.existing')}
                        data-testid={`${prefix}-select`}
                        popupMatchSelectWidth={false}
                        style={{ width: 360 }}
                      />
                    </Form.Item>
                  )}
                  <RemoveRowButton onClick={() => remove(field.name)} testId={`${prefix}-remove`} />
                </Space>
              );
            })}
            <Form.ErrorList errors={errors} />
            <Space>
              <AddRowButton
                onClick={() =>
                  add({ mode: 'existing', code: undefined, name: undefined, type: undefined, saved: false } satisfies PropertyRow)
                }
                testId="event-property-add-existing"
              >
                {t('metadata.events.form.properties.addExisting')}
              </AddRowButton>
              <AddRowButton
                onClick={() => add({ mode: 'new', code: '', name: '', type: 'string', saved: false } satisfies PropertyRow)}
                testId="event-property-add-new"
              >
                {t('metadata.events.form.properties.addNew')}
              </AddRowButton>
            </Space>
          </Flex>
        )}
      </Form.List>
    </Form.Item>
  );
}

/**
 * 新建 / 编辑 a custom event (§1.10.9.4): 所属连接 and 事件ID are fixed once saved; sub-events and
 * extended properties are add only. Mounted while open.
 */
export function CustomEventDrawer({
  event,
  onClose,
  onSaved,
}: {
  event: EventType | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formRef = useRef<ProFormInstance<EventValues>>(undefined);
  const reportError = useReportFormError();
  const formProps = useDrawerFormProps({
    editing: event !== null,
    onClose,
    drawerTestId: 'custom-event-drawer',
    submitTestId: 'custom-event-submit',
  });
  const channels = useAllChannels();
  const types = useChannelTypes();
  const ownerTypes = new Set((types.data?.items ?? []).filter((type) => type.customEvents).map((type) => type.type));
  const owners = (channels.data ?? []).filter((channel) => ownerTypes.has(channel.type) || channel.id === event?.channelId);
  const loadingOwners = channels.isPending || types.isPending;

  const initialValues: Partial<EventValues> = event
    ? {
        channelId: event.channelId ?? undefined,
        code: event.code,
        name: event.name,
        description: event.description ?? undefined,
        subEvents: event.subEvents.map((sub) => ({ code: sub.code, name: sub.name, saved: true })),
        properties: event.properties.map((property) => ({
          mode: 'existing' as const,
          code: property.code,
          name: property.name,
          type: property.type,
          saved: true,
        })),
      }
    : { subEvents: [], properties: [] };

  return (
    <DrawerForm<EventValues>
      {...formProps}
      title={event ? t('metadata.events.edit.title') : t('metadata.events.create.title')}
      width={760}
      formRef={formRef}
      initialValues={initialValues}
      onFinish={async (values) => {
        const subEvents = (values.subEvents ?? []).map((sub) => ({ code: sub.code.trim(), name: sub.name.trim() }));
        const properties = (values.properties ?? []).map(propertyInput);
        const description = values.description?.trim() || null;
        try {
          if (event?.id) {
            await metadataApi.updateCustomEvent(event.id, { name: values.name.trim(), description, subEvents, properties });
          } else {
            const body: CustomEventInput = {
              channelId: values.channelId,
              code: values.code.trim(),
              name: values.name.trim(),
              description,
              subEvents,
              properties,
            };
            await metadataApi.createCustomEvent(body);
          }
          message.success(event ? t('metadata.events.edit.success') : t('metadata.events.create.success'));
          onSaved();
          return true;
        } catch (error) {
          reportError(formRef.current, error);
          return false;
        }
      }}
    >
      {!event && !loadingOwners && owners.length === 0 && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          message={t('metadata.events.form.channel.none')}
          data-testid="custom-event-no-channel"
        />
      )}
      <ProFormSelect<string>
        name="channelId"
        label={t('metadata.events.form.channel.label')}
        placeholder={t('metadata.events.form.channel.placeholder')}
        extra={t('metadata.events.form.channel.extra')}
        disabled={event !== null}
        options={owners.map((channel) => ({ value: channel.id, label: channel.name }))}
        fieldProps={{ loading: loadingOwners, showSearch: true, filterOption: matchOption, ...testId('custom-event-channel') }}
        rules={[{ required: true, message: t('metadata.events.form.channel.required') }]}
      />
      <ProFormText
        name="code"
        label={t('metadata.events.form.code.label')}
        placeholder={t('metadata.events.form.code.placeholder')}
        extra={t('metadata.events.form.code.extra')}
        disabled={event !== null}
        fieldProps={{ maxLength: METADATA_ID_MAX, ...testId('custom-event-code') }}
        rules={
          event
            ? []
            : [
                { required: true, whitespace: true, message: t('metadata.events.form.code.required') },
                { pattern: IDENTIFIER, message: t('metadata.events.form.code.invalid') },
              ]
        }
      />
      <ProFormText
        name="name"
        label={t('metadata.events.form.name.label')}
        placeholder={t('metadata.events.form.name.placeholder')}
        fieldProps={{ maxLength: METADATA_NAME_MAX, showCount: true, ...testId('custom-event-name') }}
        rules={[{ required: true, whitespace: true, message: t('metadata.events.form.name.required') }]}
      />
      <ProFormTextArea
        name="description"
        label={t('metadata.events.form.description.label')}
        placeholder={t('metadata.events.form.description.placeholder')}
        fieldProps={{ maxLength: METADATA_DESCRIPTION_MAX, showCount: true, rows: 2, ...testId('custom-event-description') }}
      />
      <SubEventsEditor />
      <PropertiesEditor />
    </DrawerForm>
  );
}
