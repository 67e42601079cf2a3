import type { FormInstance } from 'antd';
import { Alert, App } from 'antd';
import type { TFunction } from 'i18next';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../api/client';
import { IDENTIFIER } from '../../api/metadata';
import { errorText as translateError } from '../../i18n';
import { hasPermission, useSession } from '../../session/session';
import { useErrorText } from '../../utils/errors';

/** Every role views metadata (元数据-查看); changes need 元数据-管理 (the server enforces it too). */
export function useCanManageMetadata(): boolean {
  return hasPermission(useSession(), 'metadata.manage');
}

/** "你可以查看元数据…" above a page for staff without 元数据-管理. */
export function ViewOnlyNotice({ canManage }: { canManage: boolean }) {
  const { t } = useTranslation();
  if (canManage) return null;
  return (
    <Alert type="info" showIcon message={t('metadata.viewOnly')} style={{ marginBottom: 16 }} data-testid="metadata-view-only" />
  );
}

const propertyTypeKeys = ['string', 'number', 'integer', 'bool', 'date', 'datetime'] as const;

/** 字符串 / 数字 / 整数 / 布尔 / 日期 … of a property type (`string[]` → 字符串数组; unknown types as they are). */
export function propertyTypeText(t: TFunction, type: string): string {
  if (type === 'string[]') return t('metadata.propertyTypes.strings');
  return (propertyTypeKeys as readonly string[]).includes(type)
    ? t(`metadata.propertyTypes.${type as (typeof propertyTypeKeys)[number]}`)
    : type;
}

/** `subEvents.0.code` → `['subEvents', 0, 'code']` (antd's name path). */
export function namePathOf(path: string | Array<string | number>): Array<string | number> {
  const segments = Array.isArray(path) ? path.map(String) : String(path).split('.');
  return segments.filter((segment) => segment !== '').map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

function hasField(form: FormInstance, name: Array<string | number>): boolean {
  if (name.length === 0) return false;
  if (name.length === 1) {
    const key = String(name[0]);
    return key in (form.getFieldsValue() as object) || key in (form.getFieldsValue(true) as object);
  }
  // A row of a Form.List: the row object exists and has the key (rows start with every key set).
  const parent = form.getFieldValue(name.slice(0, -1)) as unknown;
  return typeof parent === 'object' && parent !== null && String(name[name.length - 1]) in parent;
}

/**
 * Puts a server error on the form's fields, nested ones included (`properties.0.code` → that row's
 * input), and the codes meant for one field (`fieldByCode`). `mapPath` may rename a path first.
 * Toasts the error when no field shows it. Returns whether a field shows it.
 */
export function useReportFormError(): (
  form: FormInstance | undefined,
  error: unknown,
  options?: { fieldByCode?: Record<string, string>; mapPath?: (path: Array<string | number>) => Array<string | number> },
) => boolean {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  return useCallback(
    (form, error, options = {}) => {
      const fields = new Map<string, { name: Array<string | number>; errors: string[] }>();
      if (form && isApiError(error)) {
        const put = (name: Array<string | number>, text: string) => {
          if (!hasField(form, name)) return;
          const key = name.join('.');
          const current = fields.get(key);
          if (current) {
            if (!current.errors.includes(text)) current.errors.push(text);
          } else fields.set(key, { name, errors: [text] });
        };
        for (const detail of error.details) {
          const name = (options.mapPath ?? ((path) => path))(namePathOf(detail.path));
          const own = detail.code === error.code;
          const serverMessage = detail.message;
          const text = own
            ? translateError(detail.code, error.params, error.message)
            : (translateError(detail.code, {}, serverMessage) ?? serverMessage);
          put(name, text ?? t('validation.fieldInvalid'));
        }
        const field = options.fieldByCode?.[error.code];
        if (field && fields.size === 0) put([field], errorText(error));
        if (fields.size > 0) form.setFields([...fields.values()]);
      }
      if (fields.size === 0) message.error(errorText(error));
      return fields.size > 0;
    },
    [t, message, errorText],
  );
}

/** 属性ID rules the server checks too (a clear message before sending). */
export function usePropertyIdRules() {
  const { t } = useTranslation();
  return [
    { required: true, whitespace: true, message: t('metadata.eventProperties.form.code.required') },
    { pattern: IDENTIFIER, message: t('metadata.eventProperties.form.code.invalid') },
    {
      validator: (_: unknown, value: string | undefined) =>
        value?.startsWith('s_') ? Promise.reject(new Error(t('metadata.eventProperties.form.code.reserved'))) : Promise.resolve(),
    },
  ];
}
