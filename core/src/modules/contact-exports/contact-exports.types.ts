import type { ConditionTree } from '../conditions/condition.types.js';
import { contactTraitFields, type ContactTraitKey } from '../contacts/contacts.types.js';
import { systemFieldNames } from '../masking/masking.types.js';

/** The xlsx format exports share with the import template and batch edit (contacts/xlsx-format.ts). */
export {
  CONTACT_SHEET as EXPORT_SHEET,
  META_SHEET as KEYS_SHEET,
  EXPORT_MARKER,
  CONTACT_ID_KEY,
} from '../contacts/xlsx-format.js';

/** The system properties an export may add (read-only: batch edit never writes them). */
export const readOnlyFields = [
  { key: 'firstSeenAt', column: 'first_seen_at', label: '首次出现时间', labelEn: 'First seen' },
  { key: 'lastActiveAt', column: 'last_active_at', label: '最后一次活跃时间', labelEn: 'Last active' },
  { key: 'createdAt', column: 'created_at', label: '创建时间', labelEn: 'Created' },
  { key: 'updatedAt', column: 'updated_at', label: '更新时间', labelEn: 'Updated' },
  { key: 'utm.source', column: 'utm_source', label: '创建来源', labelEn: 'Created source' },
  { key: 'utm.medium', column: 'utm_medium', label: '创建媒介', labelEn: 'Created medium' },
  { key: 'utm.campaign', column: 'utm_campaign', label: '创建活动', labelEn: 'Created campaign' },
  { key: 'utm.content', column: 'utm_content', label: '创建内容', labelEn: 'Created content' },
  { key: 'utm.term', column: 'utm_term', label: '创建关键字', labelEn: 'Created term' },
] as const;

/** The instants among them (written in the tenant's time zone, `YYYY-MM-DD HH:mm:ss`). */
export const timeFieldKeys: ReadonlySet<string> = new Set(['firstSeenAt', 'lastActiveAt', 'createdAt', 'updatedAt']);

/** System fields: the identify keys (姓名, 手机号码 …) with their OLAP column. */
export const systemExportFields: readonly { key: ContactTraitKey; label: string; labelEn: string }[] = contactTraitFields.map(
  (field) => ({ key: field.key, label: systemFieldNames[field.key]['zh-CN'], labelEn: systemFieldNames[field.key]['en-US'] }),
);

/** The id columns of one channel: `wechat.openId@<channelId>`, `wechat.unionId@<channelId>`, `externalId@<channelId>`. */
export const channelColumnKey = (idType: string, channelId: string) => `${idType}@${channelId}`;

/** Limits of one export (seed §1.4: 每次最多导出10万). */
export interface ContactExportLimits {
  /** Identified contacts one export may hold; a filter matching more is refused. */
  maxRows: number;
  /** Contacts read and written per step (one OLAP read, one accounts read). */
  chunkSize: number;
}

export const defaultExportLimits: ContactExportLimits = { maxRows: 100_000, chunkSize: 5_000 };

export type ContactExportStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** What an operator asks for (POST /api/v1/console/contact-exports). */
export interface ContactExportRequest {
  /** System keys (`name`, `mobilePhone`…), custom `attr<seq>`, read-only `firstSeenAt`… `utm.term`. */
  fields: string[];
  /** The list's filter; absent or null: every identified contact. */
  filter?: ConditionTree | null;
  /** 导出微信公众号OpenID、UnionID: the official account whose ids to add. */
  wechatChannelId?: string | null;
  /** external_id of one custom channel. */
  customChannelId?: string | null;
}

/** A column of the file: its key (in `_huiliu`) and its label (row 1 of `用户`). */
export interface ExportColumn {
  key: string;
  label: string;
}

/** What the task is given (stored with it). */
export interface ContactExportPayload {
  exportId: string;
  columns: ExportColumn[];
  filter: ConditionTree | null;
  wechatChannelId: string | null;
  customChannelId: string | null;
  /** The caller sees clear text (super staff, 联系人不脱敏): masked fields are kept. */
  isClear: boolean;
}

/** An export as the 导出任务列表 shows it. */
export interface ContactExport {
  id: string;
  taskId: string;
  createdBy: string | null;
  status: ContactExportStatus;
  /** The column keys, `contactId` first. */
  columns: string[];
  /** Masked fields asked for but left out (the caller does not see them in clear text). */
  excludedFields: string[];
  filtered: boolean;
  wechatChannelId: string | null;
  customChannelId: string | null;
  /** Contacts written (once succeeded). */
  rowCount: number | null;
  fileId: string | null;
  errorCode: string | null;
  /** When the file is (or was) deleted: 3 days after it was written. */
  expiresAt: number | null;
  expired: boolean;
  createdAt: number;
  finishedAt: number | null;
}

export interface ContactExportRow {
  id: number | string;
  tenant_id: number | string;
  task_id: number | string;
  created_by: number | string | null;
  status: ContactExportStatus;
  columns: string;
  excluded_fields: string;
  filter: string | null;
  wechat_channel_id: number | string | null;
  custom_channel_id: number | string | null;
  row_count: number | string | null;
  file_id: number | string | null;
  error_code: string | null;
  expires_at: number | string | null;
  finished_at: number | string | null;
  created_at: number | string;
}

const idOrNull = (value: number | string | null) => (value === null ? null : String(value));
const numOrNull = (value: number | string | null) => (value === null ? null : Number(value));

export function toContactExport(row: ContactExportRow, now = Date.now()): ContactExport {
  const expiresAt = numOrNull(row.expires_at);
  return {
    id: String(row.id),
    taskId: String(row.task_id),
    createdBy: idOrNull(row.created_by),
    status: row.status,
    columns: (JSON.parse(row.columns) as ExportColumn[]).map((c) => c.key),
    excludedFields: JSON.parse(row.excluded_fields) as string[],
    filtered: row.filter !== null,
    wechatChannelId: idOrNull(row.wechat_channel_id),
    customChannelId: idOrNull(row.custom_channel_id),
    rowCount: numOrNull(row.row_count),
    fileId: idOrNull(row.file_id),
    errorCode: row.error_code,
    expiresAt,
    expired: expiresAt !== null && expiresAt <= now,
    createdAt: Number(row.created_at),
    finishedAt: numOrNull(row.finished_at),
  };
}
