/**
 * The operation log's shapes (操作日志, seed §1.11.4.8). A row says who (a staff id) did what (an
 * object type and an operation) to which object (its id), when, and from which client address —
 * with a detail of ids, counts, flags and codes. Never personal data of contacts, and never a
 * staff member's name, email or phone: names are joined at read time (the console asks
 * GET /api/v1/staff; the export asks the staff directory).
 */

/** A value of an operation's detail: an id, a count, a flag, a code, or a list of ids. */
export type OperationDetailValue = string | number | boolean | null | readonly (string | number)[];

/**
 * What an operation adds to its row, e.g. `{ mergedId: '42', candidateId: '7' }` or
 * `{ type: 'custom', rows: 1200 }`. Keys are camelCase. Keys ending in `Id`/`Ids` hold ids (letters,
 * digits, `_ . : -`); other strings are codes that start with a letter — so a name (spaces, CJK),
 * an email (`@`) or a phone number (digits only, `+`) is refused when recorded.
 */
export type OperationDetail = Readonly<Record<string, OperationDetailValue>>;

/** One operation to record. */
export interface OperationEntry {
  /** A declared object type (`staff`, `role`, `channel`, `journey`, `contact`…). */
  objectType: string;
  /** A declared operation of that object type (`create`, `login`, `merge`…). */
  operation: string;
  /** The object's id, when the operation has one. */
  objectId?: string | null;
  detail?: OperationDetail;
  /** The staff member's client address (`clientIp(request)`), for the security log. */
  ip?: string | null;
}

/** A row as the API returns it. */
export interface OperationLogItem {
  id: string;
  staffId: string;
  objectType: string;
  operation: string;
  objectId: string | null;
  detail: OperationDetail | null;
  ip: string | null;
  at: number;
}

export interface OperationLogRow {
  id: number | string;
  tenant_id: number | string;
  staff_id: number | string;
  object_type: string;
  operation: string;
  object_id: string | null;
  detail: string | null;
  ip: string | null;
  at: number | string;
}

/** Filters of the list and the export; `from`/`to` are epoch ms, `[from, to)`. */
export interface OperationLogFilter {
  staffId?: string;
  objectType?: string;
  operation?: string;
  from?: number;
  to?: number;
}

/** Staff names by id, for exports (the staff module provides it). */
export interface StaffDirectory {
  names(tenantId: string): Promise<ReadonlyMap<string, string>>;
}

export const operationLogLimits = {
  /** Keys of one detail. */
  detailKeys: 20,
  /** Items of one list value. */
  detailListItems: 100,
  /** Characters of an id or a code. */
  tokenLength: 64,
  /** Rows of one export (the newest first). */
  exportRows: 100_000,
  /** Rows of one list page. */
  pageMax: 100,
  pageDefault: 20,
};

/** Thrown when code records an undeclared operation or a detail that could hold personal data: a bug, not bad input. */
export class OperationLogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperationLogError';
  }
}

const KEY = /^[a-z][A-Za-z0-9]{0,31}$/;
const ID_KEY = /Ids?$/;
/** An id: letters, digits and `_ . : -` (a BIGINT id, a ChannelID `udc_…`). */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
/** A code: the same characters, starting with a letter (`custom`, `csv`, `candidate_accepted`). */
const CODE = /^[A-Za-z][A-Za-z0-9_.:-]*$/;

function tokenProblem(key: string, value: string): string | undefined {
  if (value.length > operationLogLimits.tokenLength) return `"${key}" is longer than ${operationLogLimits.tokenLength}`;
  if (ID_KEY.test(key)) return ID.test(value) ? undefined : `"${key}" is not an id`;
  return CODE.test(value) ? undefined : `"${key}" is not a code (letters, digits, _ . : -, starting with a letter)`;
}

/** Why `detail` may not be stored (something that is not an id, count, flag or code), or undefined. */
export function detailProblem(detail: unknown): string | undefined {
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return 'the detail is not an object';
  const entries = Object.entries(detail as Record<string, unknown>);
  if (entries.length > operationLogLimits.detailKeys) return `the detail has more than ${operationLogLimits.detailKeys} keys`;
  for (const [key, value] of entries) {
    if (!KEY.test(key)) return `key "${key}" is not camelCase`;
    if (value === null || typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return `"${key}" is not a finite number`;
      continue;
    }
    if (typeof value === 'string') {
      const problem = tokenProblem(key, value);
      if (problem) return problem;
      continue;
    }
    if (Array.isArray(value)) {
      if (!ID_KEY.test(key)) return `"${key}" is a list, and only ids (keys ending in Ids) may be listed`;
      if (value.length > operationLogLimits.detailListItems)
        return `"${key}" lists more than ${operationLogLimits.detailListItems} items`;
      for (const item of value as unknown[]) {
        if (typeof item === 'number' && Number.isSafeInteger(item)) continue;
        if (typeof item !== 'string') return `"${key}" lists something that is not an id`;
        const problem = tokenProblem(key, item);
        if (problem) return problem;
      }
      continue;
    }
    return `"${key}" is neither an id, a number, a flag nor a code`;
  }
  return undefined;
}

/** Why `objectId` may not be stored, or undefined. */
export function objectIdProblem(objectId: unknown): string | undefined {
  if (objectId === undefined || objectId === null) return undefined;
  if (typeof objectId !== 'string' || objectId.length > operationLogLimits.tokenLength || !ID.test(objectId))
    return 'objectId is not an id';
  return undefined;
}

export function toOperationLogItem(row: OperationLogRow): OperationLogItem {
  return {
    id: String(row.id),
    staffId: String(row.staff_id),
    objectType: row.object_type,
    operation: row.operation,
    objectId: row.object_id,
    detail: row.detail ? (JSON.parse(row.detail) as OperationDetail) : null,
    ip: row.ip,
    at: Number(row.at),
  };
}
