import type { FormInstance } from 'antd';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/client';
import { errorText as translateError } from '../i18n';

/**
 * Whether loading what a page's address names failed because it does not exist: a 404 (e.g.
 * `channel_not_found` for /connections/999999), or a 400 `validation_failed` about one of the
 * address's parameters (a malformed id such as /connections/abc). Such pages show "not found",
 * not "提交的内容有误" with a retry that cannot help.
 */
export function isNotFoundError(error: unknown, params: readonly string[]): boolean {
  if (!isApiError(error)) return false;
  if (error.statusCode === 404) return true;
  return (
    error.statusCode === 400 &&
    error.code === 'validation_failed' &&
    error.details.length > 0 &&
    error.details.every((detail) => params.includes(Array.isArray(detail.path) ? detail.path.join('.') : detail.path))
  );
}

/**
 * Text for any thrown error: `errors.<code>` (core's catalogue, or a plugin's
 * `plugin.<id>.errors.<code>`) with the error's params when we have it, else the server's
 * (already localized) message.
 */
export function useErrorText(): (error: unknown) => string {
  const { t } = useTranslation();
  return useCallback(
    (error: unknown) => {
      if (isApiError(error)) {
        return translateError(error.code, error.params, error.message) ?? t('errors.unknown_error');
      }
      return t('errors.unknown_error');
    },
    [t],
  );
}

/**
 * Puts the server's field errors (`details: [{path, code}]`) and the codes that belong to a
 * single field (`fieldByCode`, e.g. `email_taken` → `email`) on the form. Returns whether any
 * field error was shown.
 */
export function useApplyFieldErrors(): (
  form: FormInstance | undefined,
  error: unknown,
  fieldByCode?: Record<string, string>,
) => boolean {
  const { t } = useTranslation();
  const errorText = useErrorText();
  return useCallback(
    (form, error, fieldByCode = {}) => {
      if (!form || !isApiError(error)) return false;
      // Fields with a value and registered fields left empty.
      const known = new Set([
        ...Object.keys(form.getFieldsValue(true) as object),
        ...Object.keys(form.getFieldsValue() as object),
      ]);
      const fields = new Map<string, string>();
      const field = fieldByCode[error.code];
      if (field) fields.set(field, errorText(error));
      for (const detail of error.details) {
        const path = Array.isArray(detail.path) ? detail.path : String(detail.path).split('.');
        const name = String(path[path.length - 1] ?? '');
        if (!known.has(name) || fields.has(name)) continue;
        // The error's own code: its params and the server's message apply; else our text or a generic one.
        const own = detail.code === error.code;
        const text = own ? translateError(detail.code, error.params, error.message) : translateError(detail.code);
        fields.set(name, text ?? t('validation.fieldInvalid'));
      }
      if (fields.size > 0) form.setFields([...fields].map(([name, text]) => ({ name, errors: [text] })));
      return fields.size > 0;
    },
    [t, errorText],
  );
}
