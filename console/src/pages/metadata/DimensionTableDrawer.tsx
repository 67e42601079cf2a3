import { DrawerForm, type ProFormInstance, ProFormSelect, ProFormText } from '@ant-design/pro-components';
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Flex, Form, Input, Radio, Select, Space, Tag, Tooltip, theme } from 'antd';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import {
  dimensionFieldTypes,
  IDENTIFIER,
  METADATA_ID_MAX,
  METADATA_NAME_MAX,
  metadataApi,
  metadataKeys,
  useEventProperties,
  type DimensionTable,
  type DimensionTableChange,
  type MetadataTarget,
} from '../../api/metadata';
import { matchOption } from '../../components/conditions/PropertySelect';
import { testId } from '../../utils/test-id';
import { AddRowButton, RemoveRowButton, useDrawerFormProps } from './scaffold';
import { propertyTypeText, useReportFormError } from './shared';

interface FieldRow {
  code: string;
  name: string;
  type: string;
  saved: boolean;
}

interface DimensionValues {
  code: string;
  name: string;
  /** `event:<code>` or `contact:<key>`. */
  link: string;
  fields: FieldRow[];
  /** The index of the primary key's row (codes of new rows may still change). */
  primaryIndex: number | undefined;
}

const linkValue = (target: MetadataTarget, property: string) => `${target}:${property}`;
function parseLink(value: string): { linkTarget: MetadataTarget; linkProperty: string } {
  const at = value.indexOf(':');
  return { linkTarget: value.slice(0, at) as MetadataTarget, linkProperty: value.slice(at + 1) };
}

/** Whether the primary key is fixed: the table holds data, or is loading or clearing it (§1.10.13.3.1). */
export function primaryKeyLocked(table: DimensionTable | null): boolean {
  return table !== null && (table.status !== 'empty' || table.rowCount > 0);
}

/** The primary key's form value: chosen by the radios of the rows; this item only carries its errors. */
function PrimaryKeyValue(_: { value?: number; onChange?: (value: number) => void }) {
  return null;
}

/** 维度表字段: add only (saved rows fixed, new rows removable); the primary key is one radio per row. */
function FieldsEditor({ locked }: { locked: boolean }) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const form = Form.useFormInstance<DimensionValues>();
  const rows = (Form.useWatch('fields', form) ?? []) as FieldRow[];
  const lockedText = t('metadata.dimensionTables.form.fields.primaryLocked');
  const idRules = [
    { required: true, whitespace: true, message: t('metadata.dimensionTables.form.fields.codeRequired') },
    { pattern: IDENTIFIER, message: t('metadata.dimensionTables.form.code.invalid') },
    ({ getFieldValue }: { getFieldValue: (name: string) => unknown }) => ({
      validator: (_: unknown, value: string | undefined) => {
        const codes = ((getFieldValue('fields') as FieldRow[] | undefined) ?? []).map((row) => row.code?.trim());
        return value && codes.filter((code) => code === value.trim()).length > 1
          ? Promise.reject(new Error(t('metadata.dimensionTables.form.fields.duplicate')))
          : Promise.resolve();
      },
    }),
  ];

  return (
    <Form.Item
      label={t('metadata.dimensionTables.form.fields.label')}
      extra={t('metadata.dimensionTables.form.fields.extra')}
      required
    >
      {locked && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: token.marginXS }}
          message={lockedText}
          data-testid="dimension-primary-locked"
        />
      )}
      <Form.List
        name="fields"
        rules={[
          {
            validator: async (_, value: FieldRow[] | undefined) => {
              if (!value || value.length === 0) throw new Error(t('metadata.dimensionTables.form.fields.min'));
            },
          },
        ]}
      >
        {(fields, { add, remove }, { errors }) => (
          <Flex vertical gap={token.marginXS} data-testid="dimension-fields">
            {fields.map((field) => {
              const row = rows[field.name];
              const saved = row?.saved === true;
              const prefix = `dimension-field-${field.name}`;
              const radio = (
                <Form.Item noStyle shouldUpdate={(before, after) => before.primaryIndex !== after.primaryIndex}>
                  {({ getFieldValue }) => (
                    <Radio
                      checked={getFieldValue('primaryIndex') === field.name}
                      disabled={locked}
                      onChange={() => form.setFieldsValue({ primaryIndex: field.name })}
                      data-testid={`${prefix}-primary`}
                    >
                      {t('metadata.dimensionTables.form.fields.primary')}
                    </Radio>
                  )}
                </Form.Item>
              );
              return (
                <Space key={field.key} align="start" wrap data-testid={prefix}>
                  <Form.Item name={[field.name, 'code']} rules={saved ? [] : idRules} style={{ marginBottom: 0 }}>
                    <Input
                      disabled={saved}
                      maxLength={METADATA_ID_MAX}
                      placeholder={t('metadata.dimensionTables.form.fields.code')}
                      aria-label={t('metadata.dimensionTables.form.fields.code')}
                      data-testid={`${prefix}-code`}
                      style={{ width: 150 }}
                    />
                  </Form.Item>
                  <Form.Item
                    name={[field.name, 'name']}
                    rules={
                      saved
                        ? []
                        : [{ required: true, whitespace: true, message: t('metadata.dimensionTables.form.fields.nameRequired') }]
                    }
                    style={{ marginBottom: 0 }}
                  >
                    <Input
                      disabled={saved}
                      maxLength={METADATA_NAME_MAX}
                      placeholder={t('metadata.dimensionTables.form.fields.name')}
                      aria-label={t('metadata.dimensionTables.form.fields.name')}
                      data-testid={`${prefix}-name`}
                      style={{ width: 150 }}
                    />
                  </Form.Item>
                  <Form.Item name={[field.name, 'type']} style={{ marginBottom: 0 }}>
                    <Select<string>
                      disabled={saved}
                      options={dimensionFieldTypes.map((type) => ({ value: type, label: propertyTypeText(t, type) }))}
                      aria-label={t('metadata.dimensionTables.form.fields.type')}
                      data-testid={`${prefix}-type`}
                      popupMatchSelectWidth={false}
                      style={{ width: 130 }}
                    />
                  </Form.Item>
                  <div style={{ paddingTop: 5 }}>{locked ? <Tooltip title={lockedText}>{radio}</Tooltip> : radio}</div>
                  {saved ? (
                    <Tag style={{ marginTop: 5 }} data-testid={`${prefix}-saved`}>
                      {t('metadata.saved')}
                    </Tag>
                  ) : (
                    <RemoveRowButton
                      onClick={() => {
                        const primaryIndex = form.getFieldValue('primaryIndex') as number | undefined;
                        remove(field.name);
                        if (primaryIndex === field.name) form.setFieldsValue({ primaryIndex: undefined });
                        else if (primaryIndex !== undefined && primaryIndex > field.name)
                          form.setFieldsValue({ primaryIndex: primaryIndex - 1 });
                      }}
                      testId={`${prefix}-remove`}
                    />
                  )}
                </Space>
              );
            })}
            <Form.ErrorList errors={errors} />
            <div>
              <AddRowButton
                onClick={() => add({ code: '', name: '', type: 'string', saved: false } satisfies FieldRow)}
                testId="dimension-field-add"
              >
                {t('metadata.dimensionTables.form.fields.add')}
              </AddRowButton>
            </div>
          </Flex>
        )}
      </Form.List>
      {/* Outside the list: names inside a Form.List are relative to it. */}
      <Form.Item
        name="primaryIndex"
        style={{ marginBottom: 0 }}
        rules={[{ required: true, message: t('metadata.dimensionTables.form.fields.primaryRequired') }]}
      >
        <PrimaryKeyValue />
      </Form.Item>
    </Form.Item>
  );
}

/**
 * 新建 / 编辑 a dimension table (§1.10.13.3.1): ID (fixed once saved), name, linked property (an
 * event or contact property), fields (add only) and the primary key (changeable only while empty).
 * Mounted while open.
 */
export function DimensionTableDrawer({
  table,
  onClose,
  onSaved,
}: {
  table: DimensionTable | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formRef = useRef<ProFormInstance<DimensionValues>>(undefined);
  const reportError = useReportFormError();
  const formProps = useDrawerFormProps({
    editing: table !== null,
    onClose,
    drawerTestId: 'dimension-table-drawer',
    submitTestId: 'dimension-table-submit',
  });
  const eventProperties = useEventProperties();
  const catalogue = useQuery({ queryKey: metadataKeys.catalogue, queryFn: metadataApi.catalogue });
  const locked = primaryKeyLocked(table);

  const eventOptions = (eventProperties.data ?? []).map((property) => ({
    value: linkValue('event', property.code),
    label: `${property.name}（${property.code}）`,
  }));
  const contactOptions = (catalogue.data?.contactProperties ?? [])
    .filter((property) => property.source !== 'dynamicDate')
    .map((property) => ({ value: linkValue('contact', property.key), label: `${property.name}（${property.key}）` }));
  const current = table && linkValue(table.linkTarget, table.linkProperty);
  const known = new Set([...eventOptions, ...contactOptions].map((option) => option.value));
  const linkOptions = [
    ...(current && !known.has(current)
      ? [{ label: t(`metadata.targets.${table.linkTarget}`), options: [{ value: current, label: table.linkPropertyName }] }]
      : []),
    { label: t('metadata.dimensionTables.form.link.eventGroup'), options: eventOptions },
    { label: t('metadata.dimensionTables.form.link.contactGroup'), options: contactOptions },
  ].filter((group) => group.options.length > 0);

  const initialValues: Partial<DimensionValues> = table
    ? {
        code: table.code,
        name: table.name,
        link: linkValue(table.linkTarget, table.linkProperty),
        fields: table.fields.map((field) => ({ code: field.code, name: field.name, type: field.type, saved: true })),
        primaryIndex: Math.max(
          0,
          table.fields.findIndex((field) => field.code === table.primaryField),
        ),
      }
    : { fields: [{ code: '', name: '', type: 'string', saved: false }], primaryIndex: 0 };

  return (
    <DrawerForm<DimensionValues>
      {...formProps}
      title={table ? t('metadata.dimensionTables.edit.title') : t('metadata.dimensionTables.create.title')}
      width={760}
      formRef={formRef}
      initialValues={initialValues}
      onFinish={async (values) => {
        const fields = (values.fields ?? []).map((row) => ({ code: row.code.trim(), name: row.name.trim(), type: row.type }));
        const primaryField = values.primaryIndex === undefined ? '' : (fields[values.primaryIndex]?.code ?? '');
        const link = parseLink(values.link);
        try {
          if (table) {
            const change: DimensionTableChange = {};
            if (values.name.trim() !== table.name) change.name = values.name.trim();
            if (link.linkTarget !== table.linkTarget || link.linkProperty !== table.linkProperty) Object.assign(change, link);
            if (fields.length > table.fields.length) change.fields = fields;
            if (!locked && primaryField !== table.primaryField) change.primaryField = primaryField;
            if (Object.keys(change).length > 0) await metadataApi.updateDimensionTable(table.id, change);
          } else {
            await metadataApi.createDimensionTable({
              code: values.code.trim(),
              name: values.name.trim(),
              ...link,
              fields,
              primaryField,
            });
          }
          message.success(table ? t('metadata.dimensionTables.edit.success') : t('metadata.dimensionTables.create.success'));
          onSaved();
          return true;
        } catch (error) {
          reportError(formRef.current, error, {
            mapPath: (path) =>
              path[0] === 'linkProperty' || path[0] === 'linkTarget'
                ? ['link']
                : path[0] === 'primaryField'
                  ? ['primaryIndex']
                  : path,
          });
          return false;
        }
      }}
    >
      <ProFormText
        name="code"
        label={t('metadata.dimensionTables.form.code.label')}
        placeholder={t('metadata.dimensionTables.form.code.placeholder')}
        extra={t('metadata.dimensionTables.form.code.extra')}
        disabled={table !== null}
        fieldProps={{ maxLength: METADATA_ID_MAX, ...testId('dimension-table-code') }}
        rules={
          table
            ? []
            : [
                { required: true, whitespace: true, message: t('metadata.dimensionTables.form.code.required') },
                { pattern: IDENTIFIER, message: t('metadata.dimensionTables.form.code.invalid') },
                {
                  validator: (_: unknown, value: string | undefined) =>
                    value?.startsWith('s_')
                      ? Promise.reject(new Error(t('metadata.dimensionTables.form.code.invalid')))
                      : Promise.resolve(),
                },
              ]
        }
      />
      <ProFormText
        name="name"
        label={t('metadata.dimensionTables.form.name.label')}
        placeholder={t('metadata.dimensionTables.form.name.placeholder')}
        fieldProps={{ maxLength: METADATA_NAME_MAX, showCount: true, ...testId('dimension-table-name') }}
        rules={[{ required: true, whitespace: true, message: t('metadata.dimensionTables.form.name.required') }]}
      />
      <ProFormSelect<string>
        name="link"
        label={t('metadata.dimensionTables.form.link.label')}
        placeholder={t('metadata.dimensionTables.form.link.placeholder')}
        extra={t('metadata.dimensionTables.form.link.extra')}
        options={linkOptions}
        fieldProps={{
          showSearch: true,
          filterOption: matchOption,
          loading: eventProperties.isPending || catalogue.isPending,
          ...testId('dimension-table-link'),
        }}
        rules={[{ required: true, message: t('metadata.dimensionTables.form.link.required') }]}
      />
      <FieldsEditor locked={locked} />
    </DrawerForm>
  );
}
