import type { ContactImport, ContactImportKind } from '@huiliu/core/api-types';
import { api } from './client';

// 用户导入 / 批量编辑用户 (console): /api/v1/console/contact-imports (core/src/modules/contact-imports).

export type { ContactImport, ContactImportKind };

/** 每次导入最多不超过 2W 的用户数 (§1.4.3.1); the server also refuses files above 20 MB. */
export const CONTACT_IMPORT_MAX_ROWS = 20_000;
export const CONTACT_IMPORT_MAX_BYTES = 20 * 1024 * 1024;

/** The template download (a same-origin link: the session cookie goes along). */
export const CONTACT_IMPORT_TEMPLATE_URL = '/api/v1/console/contact-imports/template';

export const contactImportsKeys = {
  one: (id: string) => ['contact-imports', id] as const,
};

export const contactImportsApi = {
  /** `groupId`: 批量编辑 only — the static group the edited contacts also join. */
  upload: (kind: ContactImportKind, file: File, groupId?: string) => {
    const form = new FormData();
    form.append('file', file);
    if (groupId) form.append('groupId', groupId);
    return api.upload<ContactImport>(
      kind === 'import' ? '/api/v1/console/contact-imports' : '/api/v1/console/contact-imports/batch-edits',
      form,
    );
  },
  get: (id: string) => api.get<ContactImport>(`/api/v1/console/contact-imports/${encodeURIComponent(id)}`),
};
