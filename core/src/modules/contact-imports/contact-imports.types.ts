/**
 * The shared xlsx format of contact imports, exports and batch edits (contract of issue 18, ADR
 * 0033) and the limits of 用户导入 (seed §1.4.3). Pure data: the piscina worker imports it too.
 */

export { CONTACT_SHEET, EXPORT_MARKER, META_SHEET, TEMPLATE_MARKER } from '../contacts/xlsx-format.js';

/**
 * Columns a failure file adds after the data columns (原行号, 失败原因): an import or batch edit of
 * that file ignores them, so the fixed rows can be uploaded again as they are.
 */
export const ROW_KEY = '_row';
export const REASONS_KEY = '_reasons';

export const contactImportLimits = {
  /** 每次导入最多不超过 2W 的用户数 (§1.4.3.1). */
  rows: 20_000,
  /** The uploaded xlsx (20,000 rows of every field stay far below). */
  fileBytes: 20 * 1024 * 1024,
  /** A custom string field's longest value (identify's limit). */
  customStringMax: 1024,
} as const;

export const IMPORT_TASK = 'contactImports.import';
export const BATCH_EDIT_TASK = 'contactImports.batchEdit';
/** One import (or batch edit) at a time per tenant (SPEC §2: a second fails with `import_running`). */
export const IMPORT_MUTEX = 'contacts.import';

export type ImportKind = 'import' | 'batchEdit';
export type ImportStatus = 'queued' | 'done' | 'failed';

/** How a column's cells are checked and converted. */
export type SheetFieldKind =
  | 'text'
  | 'name'
  | 'mobile'
  | 'homePhone'
  | 'email'
  | 'gender'
  | 'date'
  | 'integer'
  | 'decimal'
  /** Batch edit: the row's contact. */
  | 'contactId'
  /** Batch edit: an export's read-only column (ids, times, utm) — ignored. */
  | 'readonly';

/** A column the sheet may hold: its key (`name`, `mobilePhone`, `attr3`, `contactId`…), label and checks. */
export interface SheetField {
  key: string;
  /** The header label (zh-CN display name). */
  label: string;
  /** Other labels the same column may carry (its en-US name): a header naming another column's label is a reordering. */
  aliases?: string[];
  kind: SheetFieldKind;
  /** Longest value kept. */
  max?: number;
}

/** One reason a row failed: a message code of core/src/server/messages.ts and the column it is about. */
export interface RowProblem {
  code: string;
  key?: string;
}

/** One data row as read: its row number in the sheet, its cells as text, the converted values and problems. */
export interface ParsedRow {
  row: number;
  /** Each column's cell as the operator wrote it (text), for the failure file. */
  cells: string[];
  /** Converted values of the writable columns (null: blank). */
  values: Record<string, string | number | null>;
  problems: RowProblem[];
  /** Batch edit: the contact the row names. */
  contactId?: string;
}

export type ParsedSheet =
  | { ok: false; code: string; params?: Record<string, string | number> }
  | { ok: true; keys: string[]; labels: string[]; rows: ParsedRow[] };

/** What the failure file holds of one row: its cells and reasons (already in the requester's language). */
export interface FailureRow {
  row: number;
  cells: string[];
  reasons: string[];
}

/** Batch edit's read-only export columns (contract): ignored when the file is uploaded again. */
export function isReadOnlyExportKey(key: string): boolean {
  return (
    /^(firstSeenAt|lastActiveAt|createdAt|updatedAt)$/.test(key) ||
    /^utm\.(source|medium|campaign|content|term)$/.test(key) ||
    /^(wechat\.openId|wechat\.unionId|externalId)@[1-9][0-9]*$/.test(key)
  );
}

/**
 * What the groups module will plug in (§1.4.6 "同时可选择将这批用户加入到静态标签组"): adds the
 * contacts a batch edit updated to a static group of the tenant. Until groups exist no sink is
 * registered and a batch edit naming a group is refused (`contact_batch_edit_group_unavailable`).
 */
export interface StaticGroupSink {
  /** Throws a NotFoundError for a group the tenant does not have or that is not static. */
  check(tenantId: string, groupId: string): Promise<void>;
  add(tenantId: string, groupId: string, contactIds: readonly string[]): Promise<void>;
}
