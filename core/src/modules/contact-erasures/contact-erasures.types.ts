import { EXTERNAL_ID, WECHAT_CHANNEL_TYPE, WECHAT_OPEN_ID, WECHAT_UNION_ID } from '../contacts/contacts.types.js';

/** The task that erases the ids of one request (operator-started: it reaches the notification center). */
export const ERASE_TASK = 'contact-erasures.erase';

/** The custom channel type (the custom-channel plugin's): its users are erased by external_id (§2.2.6). */
export const CUSTOM_CHANNEL_TYPE = 'custom';

export type ErasureKind = 'customChannelData' | 'wechatGdpr';

/**
 * What can be erased in which channel type, by which ids, and under which operation of the
 * operation log: a custom channel's users by external_id (删除用户数据, §2.2.6); an official
 * account's fans by OpenID or UnionID (删除微信GDPR数据, §1.9.1.3.18).
 */
export const erasureTargets: Readonly<
  Record<string, { kind: ErasureKind; idTypes: readonly string[]; operation: 'customChannelDataDelete' | 'wechatGdprDelete' }>
> = {
  [CUSTOM_CHANNEL_TYPE]: { kind: 'customChannelData', idTypes: [EXTERNAL_ID], operation: 'customChannelDataDelete' },
  [WECHAT_CHANNEL_TYPE]: { kind: 'wechatGdpr', idTypes: [WECHAT_OPEN_ID, WECHAT_UNION_ID], operation: 'wechatGdprDelete' },
};

export const erasureLimits = {
  /** Ids of one TXT file (one per line); a bigger list is split into several files. */
  fileIds: 10_000,
  /** Bytes of one TXT file: 10,000 ids of the longest length fit. */
  fileBytes: 2 * 1024 * 1024,
  /** The longest id (the channel account's column). */
  idLength: 191,
  /** Ids erased per step of the task (one OLAP deletion and one inbox / quarantine pass each). */
  chunk: 200,
} as const;

export type ErasureStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type ErasureItemState = 'pending' | 'erasing' | 'deleted' | 'not_found';

export interface ContactErasureRow {
  id: number | string;
  tenant_id: number | string;
  channel_id: number | string;
  kind: ErasureKind;
  source: 'single' | 'file';
  status: ErasureStatus;
  total: number;
  deleted: number;
  not_found: number;
  task_id: number | string | null;
  file_id: number | string | null;
  created_by: number | string | null;
  created_at: number | string;
  finished_at: number | string | null;
}

export interface ContactErasureItemRow {
  id: number | string;
  tenant_id: number | string;
  erasure_id: number | string;
  user_id: string;
  state: ErasureItemState;
  contact_id: number | string | null;
  accounts: string | null;
  done_at: number | string | null;
}

/** A request as the API answers it. */
export interface ContactErasure {
  id: string;
  channelId: string;
  kind: ErasureKind;
  source: 'single' | 'file';
  status: ErasureStatus;
  total: number;
  deleted: number;
  notFound: number;
  taskId: string | null;
  fileId: string | null;
  createdBy: string | null;
  createdAt: number;
  finishedAt: number | null;
}

export function toErasure(row: ContactErasureRow): ContactErasure {
  return {
    id: String(row.id),
    channelId: String(row.channel_id),
    kind: row.kind,
    source: row.source,
    status: row.status,
    total: Number(row.total),
    deleted: Number(row.deleted),
    notFound: Number(row.not_found),
    taskId: row.task_id === null ? null : String(row.task_id),
    fileId: row.file_id === null ? null : String(row.file_id),
    createdBy: row.created_by === null ? null : String(row.created_by),
    createdAt: Number(row.created_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}
