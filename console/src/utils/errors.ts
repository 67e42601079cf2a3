import type { FormInstance } from 'antd';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/client';
import { hasMessage } from '../i18n';

/** Text for any thrown error: `errors.<code>` when we have it, else the server's message. */
export function useErrorText(): (error: unknown) => string {
  const { t } = useTranslation();
  return useCallback(
    (error: unknown) => {
      if (isApiError(error)) {
        const key = `errors.${error.code}`;
        if (hasMessage(key)) return t(key);
        return error.message || t('errors.unknown_error');
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
      const known = new Set(Object.keys(form.getFieldsValue(true) as object));
      const fields: { name: string; errors: string[] }[] = [];
      const field = fieldByCode[error.code];
      if (field) fields.push({ name: field, errors: [errorText(error)] });
      for (const detail of error.details) {
        const path = Array.isArray(detail.path) ? detail.path : String(detail.path).split('.');
        const name = String(path[path.length - 1] ?? '');
        if (!known.has(name)) continue;
        const key = `errors.${detail.code}`;
        fields.push({ name, errors: [hasMessage(key) ? t(key) : t('validation.fieldInvalid')] });
      }
      if (fields.length > 0) form.setFields(fields);
      return fields.length > 0;
    },
    [t, errorText],
  );
}
