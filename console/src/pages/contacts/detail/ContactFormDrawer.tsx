import {
  DrawerForm,
  ProFormDigit,
  ProFormSelect,
  ProFormText,
  ProFormTextArea,
  type ProFormInstance,
} from '@ant-design/pro-components';
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Divider, Skeleton } from 'antd';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { contactDetailApi, contactDetailKeys, type ContactDetail, type ContactValues } from '../../../api/contact-detail';
import { useContactFields, type ContactField } from '../../../api/metadata';
import { LoadErrorAlert } from '../../../components/LoadErrorAlert';
import { testId } from '../../../utils/test-id';
import { useReportFormError } from '../../metadata/shared';

/** The system fields in identify's order (seed §2.1.3), as the forms show them. */
export const systemFieldKeys = [
  'name',
  'nickname',
  'gender',
  'birthday',
  'mobilePhone',
  'email',
  'avatar',
  'company',
  'department',
  'title',
  'industry',
  'homePhone',
  'idCard',
  'postalCode',
  'country',
  'state',
  'city',
  'street',
  'website',
  'comment',
] as const;
export type SystemFieldKey = (typeof systemFieldKeys)[number];

export const genders = ['male', 'female', 'unknown'] as const;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const blank = (value: unknown) => value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

/** The form's values as the API takes them: create sends only what was typed; edit sends every field (blank = null). */
function toPayload(values: ContactValues, fields: readonly ContactField[], editing: boolean): ContactValues {
  const out: ContactValues = {};
  for (const key of systemFieldKeys) {
    const value = values[key];
    if (!blank(value)) out[key] = typeof value === 'string' ? value.trim() : value;
    else if (editing) out[key] = null;
  }
  const props: Record<string, unknown> = {};
  const given = values.props ?? {};
  for (const field of fields) {
    const value = given[field.key];
    if (!blank(value)) props[field.key] = typeof value === 'string' ? value.trim() : value;
    else if (editing) props[field.key] = null;
  }
  if (Object.keys(props).length > 0) out.props = props;
  return out;
}

/**
 * 新建用户 / 编辑用户 (seed §1.4.1, §1.11.4.7.5): system fields and the tenant's custom fields, checked
 * by the server as identify checks them (its field codes show on the fields). Editing starts from
 * the edit form's values, where masked fields are blank: left blank they keep their value, a typed
 * value replaces it (and shows masked again).
 */
export function ContactFormDrawer({
  contactId,
  onClose,
  onSaved,
}: {
  /** Edit this contact; undefined creates one. */
  contactId?: string;
  onClose: () => void;
  onSaved: (contact: ContactDetail) => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formRef = useRef<ProFormInstance<ContactValues>>(undefined);
  const reportError = useReportFormError();
  const editing = contactId !== undefined;
  const fields = useContactFields();
  const form = useQuery({
    queryKey: contactDetailKeys.form(contactId ?? ''),
    queryFn: () => contactDetailApi.form(contactId!),
    enabled: editing,
    gcTime: 0,
  });
  const masked = new Set(form.data?.maskedFields ?? []);
  const loading = fields.isPending || (editing && form.isPending);
  const error = fields.error ?? (editing ? form.error : null);
  const customFields = fields.data ?? [];
  const placeholder = (key: string, fallback?: string) =>
    masked.has(key) ? t('contacts.detail.form.maskedPlaceholder') : fallback;
  const dateRule = { pattern: DATE, message: t('contacts.detail.form.birthdayPlaceholder') };

  return (
    <DrawerForm<ContactValues>
      open
      title={editing ? t('contacts.detail.form.editTitle') : t('contacts.detail.form.createTitle')}
      width={520}
      formRef={formRef}
      drawerProps={{ destroyOnHidden: true, ...testId('contact-form-drawer') }}
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
      submitter={{
        searchConfig: { submitText: editing ? t('common.save') : t('common.create'), resetText: t('common.cancel') },
        submitButtonProps: { disabled: loading || Boolean(error), ...testId('contact-form-submit') },
      }}
      initialValues={form.data?.profile}
      key={form.data ? 'loaded' : 'loading'}
      onFinish={async (values) => {
        const payload = toPayload(values, customFields, editing);
        try {
          const saved = editing ? await contactDetailApi.update(contactId, payload) : await contactDetailApi.create(payload);
          message.success(editing ? t('contacts.detail.form.saved') : t('contacts.detail.form.created'));
          onSaved(saved);
          return true;
        } catch (failure) {
          reportError(formRef.current, failure, { fieldByCode: { contact_empty: 'name' } });
          return false;
        }
      }}
    >
      <LoadErrorAlert
        error={error}
        onRetry={() => void (fields.error ? fields.refetch() : form.refetch())}
        testId="contact-form-error"
      />
      {loading ? (
        <Skeleton active />
      ) : (
        <>
          <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t('contacts.detail.form.identifiedHint')} />
          {systemFieldKeys.map((key) => {
            const label = t(`contacts.detail.fields.${key}`);
            const common = { key, name: key, label };
            if (key === 'gender')
              return (
                <ProFormSelect
                  {...common}
                  options={genders.map((gender) => ({ value: gender, label: t(`contacts.detail.genders.${gender}`) }))}
                  placeholder={placeholder(key)}
                  fieldProps={{ allowClear: true, ...testId(`contact-form-${key}`) }}
                />
              );
            if (key === 'comment')
              return (
                <ProFormTextArea
                  {...common}
                  placeholder={placeholder(key)}
                  fieldProps={{ maxLength: 1024, ...testId(`contact-form-${key}`) }}
                />
              );
            return (
              <ProFormText
                {...common}
                placeholder={placeholder(key, key === 'birthday' ? t('contacts.detail.form.birthdayPlaceholder') : undefined)}
                rules={key === 'birthday' ? [dateRule] : undefined}
                fieldProps={testId(`contact-form-${key}`)}
              />
            );
          })}
          {customFields.length > 0 && <Divider plain>{t('contacts.detail.form.customFields')}</Divider>}
          {customFields.map((field) => {
            const common = { key: field.key, name: ['props', field.key], label: field.name };
            if (field.type === 'integer' || field.type === 'decimal')
              return (
                <ProFormDigit
                  {...common}
                  placeholder={placeholder(field.key)}
                  fieldProps={{ precision: field.type === 'integer' ? 0 : undefined, ...testId(`contact-form-${field.key}`) }}
                />
              );
            return (
              <ProFormText
                {...common}
                placeholder={placeholder(
                  field.key,
                  field.type === 'string' ? undefined : t('contacts.detail.form.birthdayPlaceholder'),
                )}
                rules={field.type === 'string' ? undefined : [dateRule]}
                fieldProps={testId(`contact-form-${field.key}`)}
              />
            );
          })}
        </>
      )}
    </DrawerForm>
  );
}
