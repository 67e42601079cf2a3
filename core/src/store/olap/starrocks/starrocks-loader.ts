import type { OlapRelationDefinition } from '../../../kernel/contributions.js';
import type { ZonedClock } from '../../../lib/zoned-clock.js';
import { wellFormedText } from '../../../lib/well-formed.js';
import type { OlapContactRow, OlapEventRow, OlapId, OlapLoadBatch } from '../analytics-engine.js';
import type { OlapColumnType } from '../dialect.js';
import { OlapInputError } from '../errors.js';
import { BATCH_ID, toId } from '../duckdb/duckdb-loader.js';
import { contactSystemFields, pluginRelationTable, propertyColumn, tables } from '../physical-schema.js';
import type { OlapTenantDeclaration } from '../declaration.js';
import { coerce, MISMATCH, parseDateOnly, type ColumnValue } from '../values.js';
import { streamLoadJson } from './stream-load.js';

/**
 * Turns a load batch into the JSON rows Stream Load sends (format json, strip_outer_array), with the
 * same checks and the same conversions as the DuckDB loader (values.ts): a declared property that
 * cannot be converted without loss is NULL and its raw value goes to `extra`. Everything is converted
 * before anything is sent, so a malformed row refuses the whole batch with nothing written.
 *
 * Values in the JSON: DATETIME as `YYYY-MM-DD HH:MM:SS.mmm` (UTC wall clock; milliseconds kept from
 * StarRocks 3.3.5, DATETIME.md), DATE as `YYYY-MM-DD`, BIGINT as a JSON number when it is exact in one
 * (|n| ≤ 2^53, every OLTP id) and as a decimal string otherwise, ARRAY as a JSON array, and the JSON
 * column `extra` as a JSON object (not its text).
 */

export interface LoaderState {
  declaration: OlapTenantDeclaration;
  clock: ZonedClock;
  /** Physical columns per table with their types (undefined: a column the engine does not type). */
  columns: Map<string, { name: string; type: OlapColumnType | undefined }[]>;
  pluginRelations: readonly OlapRelationDefinition[];
}

export type JsonRow = Record<string, unknown>;

/**
 * StarRocks refuses a JSON Stream Load body over `streaming_load_max_mb` (100 MB by default,
 * loading/StreamLoad.md), and a refused batch could never load: rows go out in parts of at most this
 * many bytes of JSON.
 */
export const LOAD_PART_BYTES = 64 * 1024 * 1024;

/** One Stream Load's rows and their JSON body (serialized once: sizing it is serializing it). */
export interface LoadPart {
  rows: JsonRow[];
  json: string;
}

/**
 * Rows cut, in order, into parts of at most `maxRows` rows and `maxBytes` bytes of JSON (a row larger
 * than `maxBytes` alone is a part). The same rows always give the same parts, so a retried batch sends
 * every part again under the same label.
 */
export function loadParts(rows: readonly JsonRow[], maxBytes: number, maxRows = Number.POSITIVE_INFINITY): LoadPart[] {
  const parts: LoadPart[] = [];
  let part: JsonRow[] = [];
  let texts: string[] = [];
  let bytes = 2; // the brackets of the array
  const close = () => {
    parts.push({ rows: part, json: `[${texts.join(',')}]` });
    part = [];
    texts = [];
    bytes = 2;
  };
  for (const row of rows) {
    const text = streamLoadJson([row]).slice(1, -1);
    const size = Buffer.byteLength(text) + 1; // the row and its comma
    if (part.length > 0 && (bytes + size > maxBytes || part.length >= maxRows)) close();
    part.push(row);
    texts.push(text);
    bytes += size;
  }
  if (part.length > 0) close();
  return parts;
}

/** One Stream Load of the batch: its table, rows and headers (the label is `<batchId>-<labelSuffix>`). */
export interface PreparedLoad {
  table: string;
  labelSuffix: string;
  rows: JsonRow[];
  columns?: string[];
  partialUpdate?: 'row';
}

export interface PreparedBatch {
  events: number;
  contacts: number;
  typeMismatches: number;
  /** The alias changes, validated (resolved against the stored aliases by the engine). */
  aliases: { from: bigint; to: bigint }[];
  /** In load order: contact upserts, contact deletions, events, plugin relations (aliases go first, see the engine). */
  loads: PreparedLoad[];
}

const DAY_MS = 86_400_000;
/** StarRocks' DATE / DATETIME range (data-types/date-types/DATE.md, DATETIME.md): 0000-01-01 … 9999-12-31 23:59:59. */
const MIN_INSTANT_MS = -62_167_219_200_000;
const MAX_INSTANT_MS = 253_402_300_799_999;
/** The DDL's VARCHAR(65533): StarRocks counts bytes. */
const VARCHAR_MAX_BYTES = 65_533;

/**
 * `coerce` (values.ts) and then what StarRocks' columns can hold (review R23-3, R23-4): a value DuckDB
 * would keep but StarRocks cannot — a string over VARCHAR(65533), an instant outside years 0000–9999 —
 * is a MISMATCH (NULL, the raw value kept in `extra`). Sent as it is, StarRocks' Stream Load (strict
 * mode off, its default) would store NULL silently for a "field length overflow" or a failed conversion
 * (loading/strict_mode.md), and `new Date(…).toISOString()` throws beyond ±8.64e15 ms.
 */
export function coerceForStarRocks(value: unknown, type: OlapColumnType, clock: ZonedClock): ColumnValue | typeof MISMATCH {
  const converted = coerce(value, type, clock);
  if (converted === MISMATCH || converted === null) return converted;
  switch (type) {
    case 'varchar':
      return Buffer.byteLength(converted as string) > VARCHAR_MAX_BYTES ? MISMATCH : converted;
    case 'varchar[]':
      return (converted as string[]).some((item) => Buffer.byteLength(item) > VARCHAR_MAX_BYTES) ? MISMATCH : converted;
    case 'timestamp':
      return inInstantRange(converted as number) ? converted : MISMATCH;
    case 'date':
      return inInstantRange((converted as number) * DAY_MS) ? converted : MISMATCH;
    default:
      return converted;
  }
}

function inInstantRange(epochMs: number): boolean {
  return epochMs >= MIN_INSTANT_MS && epochMs <= MAX_INSTANT_MS;
}

function bad(path: string, code: string): never {
  throw new OlapInputError('olap_batch_invalid', [{ path, code }]);
}

/** Epoch ms → `YYYY-MM-DD HH:MM:SS.mmm` (UTC). */
export function datetimeText(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** Days since epoch → `YYYY-MM-DD`. */
export function dateText(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

/** A BIGINT for JSON: a number when exact, else its decimal text. */
export function bigintJson(value: bigint): number | string {
  return value >= -(2n ** 53n) && value <= 2n ** 53n ? Number(value) : value.toString();
}

/** A converted value (values.ts `ColumnValue`) as the JSON Stream Load reads for its column type. */
export function jsonValue(value: ColumnValue, type: OlapColumnType): unknown {
  if (value === null) return null;
  switch (type) {
    case 'bigint':
      return bigintJson(value as bigint);
    case 'date':
      return dateText(value as number);
    case 'timestamp':
      return datetimeText(value as number);
    case 'json':
      return JSON.parse(value as string) as unknown;
    default:
      return value;
  }
}

function idJson(value: OlapId | null | undefined, path: string, required: boolean): number | string | null {
  const id = required ? toId(value, path, true) : toId(value, path, false);
  return id === null ? null : bigintJson(id);
}

function instant(value: unknown, path: string, required: boolean): number | null {
  if (value === null || value === undefined) return required ? bad(path, 'any.required') : null;
  if (typeof value !== 'number' || !Number.isFinite(value)) return bad(path, 'number.base');
  // A DATETIME StarRocks can hold (R23-3): beyond it the row would be refused or the value dropped.
  if (value < MIN_INSTANT_MS) return bad(path, 'number.min');
  if (value > MAX_INSTANT_MS) return bad(path, 'number.max');
  return Math.trunc(value);
}

/** A required text (an event code, a message id), well-formed as every stored text is (values.ts `coerce`). */
function text(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0) bad(path, 'string.base');
  return wellFormedText(value as string);
}

function typeOfColumn(state: LoaderState, table: string, name: string): OlapColumnType | undefined {
  return state.columns.get(table)?.find((c) => c.name === name)?.type;
}

function eventRows(state: LoaderState, events: OlapEventRow[]): { rows: JsonRow[]; mismatches: number } {
  const declared = state.declaration.eventProperties;
  const byName = new Map(declared.map((p) => [p.name, p]));
  const known = new Set((state.columns.get(tables.events) ?? []).map((c) => c.name));
  let mismatches = 0;
  const rows = events.map((row, index) => {
    if (row === null || typeof row !== 'object') bad(`events.${index}`, 'object.base');
    const eventTime = instant(row.eventTime, `events.${index}.eventTime`, true)!;
    const event = text(row.event, `events.${index}.event`);
    // The column is VARCHAR(255) (a key column; declared codes have at most 64 characters).
    if (Buffer.byteLength(event) > 255) bad(`events.${index}.event`, 'string.max');
    const out: JsonRow = {
      event,
      event_time: datetimeText(eventTime),
      event_day: dateText(state.clock.localDay(eventTime)),
      contact_id: idJson(row.contactId, `events.${index}.contactId`, true),
      channel_id: idJson(row.channelId, `events.${index}.channelId`, false),
      channel_account_id: idJson(row.channelAccountId, `events.${index}.channelAccountId`, false),
      message_id: text(row.messageId, `events.${index}.messageId`),
      direction:
        row.direction === 'inbound' || row.direction === 'outbound'
          ? row.direction
          : bad(`events.${index}.direction`, 'any.only'),
      journey_id: idJson(row.journeyId, `events.${index}.journeyId`, false),
      received_at: (() => {
        const received = instant(row.receivedAt, `events.${index}.receivedAt`, false);
        return received === null ? null : datetimeText(received);
      })(),
    };
    let extra: Record<string, unknown> | undefined;
    for (const [name, raw] of Object.entries(row.properties ?? {})) {
      const property = byName.get(name);
      const column = property ? propertyColumn(property.id) : undefined;
      const type = column && known.has(column) ? typeOfColumn(state, tables.events, column) : undefined;
      if (!property || !column || !type) {
        (extra ??= {})[name] = raw;
        continue;
      }
      const value = coerceForStarRocks(raw, type, state.clock);
      if (value === MISMATCH) {
        mismatches += 1;
        (extra ??= {})[name] = raw;
      } else out[column] = jsonValue(value, type);
    }
    out.extra = extra === undefined ? null : jsonValue(coerce(extra, 'json', state.clock) as string, 'json');
    return out;
  });
  return { rows, mismatches };
}

function contactSystemValue(row: OlapContactRow, field: (typeof contactSystemFields)[number], index: number): unknown {
  const value = (row as unknown as Record<string, unknown>)[field.field];
  const path = `contacts.${index}.${field.field}`;
  if (value === null || value === undefined) return null;
  switch (field.type) {
    case 'timestamp':
      return datetimeText(instant(value, path, false)!);
    case 'date': {
      const days = typeof value === 'string' ? parseDateOnly(value) : undefined;
      return days === undefined ? bad(path, 'date.format') : dateText(days);
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : bad(path, 'boolean.base');
    case 'bigint':
      return idJson(value as OlapId, path, true);
    default:
      return typeof value === 'string' ? wellFormedText(value) : bad(path, 'string.base');
  }
}

/** The last row of each contact id (outbox order), converted; ids deleted in the same batch are left out. */
function contactRows(
  state: LoaderState,
  contacts: OlapContactRow[],
  deleted: Set<bigint>,
): { rows: JsonRow[]; columns: string[]; count: number; mismatches: number } {
  const latest = new Map<bigint, { row: OlapContactRow; index: number }>();
  contacts.forEach((row, index) => {
    if (row === null || typeof row !== 'object') bad(`contacts.${index}`, 'object.base');
    latest.set(toId(row.id, `contacts.${index}.id`, true), { row, index });
  });
  const columns = (state.columns.get(tables.contacts) ?? []).map((c) => c.name);
  const fields = new Map<string, (typeof contactSystemFields)[number]>(contactSystemFields.map((f) => [f.column, f]));
  const attributes = new Map(state.declaration.contactAttributes.map((a) => [propertyColumn(a.id), a.id]));
  let mismatches = 0;
  const rows: JsonRow[] = [];
  for (const [id, { row, index }] of latest) {
    const out: JsonRow = {};
    for (const column of columns) {
      const field = fields.get(column);
      if (field) {
        out[column] = contactSystemValue(row, field, index);
        continue;
      }
      const attribute = attributes.get(column);
      const type = typeOfColumn(state, tables.contacts, column);
      const raw = attribute === undefined ? undefined : row.attributes?.[attribute];
      out[column] = null;
      if (attribute !== undefined && type && raw !== undefined) {
        const value = coerceForStarRocks(raw, type, state.clock);
        // Contacts have no `extra`: the OLTP master keeps the raw value, OLAP stores NULL.
        if (value === MISMATCH) mismatches += 1;
        else out[column] = jsonValue(value, type);
      }
    }
    if (!deleted.has(id)) rows.push(out);
  }
  return { rows, columns, count: latest.size, mismatches };
}

function relationRows(state: LoaderState, name: string, rows: Record<string, unknown>[]): PreparedLoad {
  const relation = state.pluginRelations.find((r) => r.name === name);
  if (!relation) bad(`relations.${name}`, 'olap_relation_unknown');
  if (!Array.isArray(rows)) bad(`relations.${name}`, 'array.base');
  const table = pluginRelationTable(name);
  const columns = state.columns.get(table) ?? [];
  return {
    table,
    labelSuffix: table,
    rows: rows.map((row, index) => {
      const out: JsonRow = {};
      for (const column of columns) {
        if (!column.type) continue;
        const value = coerceForStarRocks(row?.[column.name], column.type, state.clock);
        if (value === MISMATCH) bad(`relations.${name}.${index}.${column.name}`, 'olap_type_mismatch');
        out[column.name] = jsonValue(value, column.type);
      }
      return out;
    }),
  };
}

export function checkBatchShape(batch: OlapLoadBatch): void {
  if (batch === null || typeof batch !== 'object') bad('', 'object.base');
  if (typeof batch.batchId !== 'string' || !BATCH_ID.test(batch.batchId)) bad('batchId', 'string.pattern.base');
  for (const key of ['events', 'contacts', 'deletedContactIds', 'aliases'] as const) {
    if (batch[key] !== undefined && !Array.isArray(batch[key])) bad(key, 'array.base');
  }
  if (batch.relations !== undefined && (batch.relations === null || typeof batch.relations !== 'object'))
    bad('relations', 'object.base');
}

/** The tables (as label suffixes) a batch writes, in load order — known before any row is converted. */
export function batchLabelSuffixes(batch: OlapLoadBatch): string[] {
  const suffixes: string[] = [];
  if (batch.aliases?.length) suffixes.push(tables.contactAlias);
  if (batch.contacts?.length) suffixes.push(tables.contacts);
  if (batch.deletedContactIds?.length) suffixes.push(`${tables.contacts}_delete`);
  if (batch.events?.length) suffixes.push(tables.events);
  for (const [name, rows] of Object.entries(batch.relations ?? {}))
    if (Array.isArray(rows) && rows.length) suffixes.push(pluginRelationTable(name));
  return suffixes;
}

/** Converts every row of the batch (nothing is sent yet). */
export function prepareBatch(state: LoaderState, batch: OlapLoadBatch): PreparedBatch {
  checkBatchShape(batch);
  const aliases = (batch.aliases ?? []).map((alias, index) => ({
    from: toId(alias?.fromContactId, `aliases.${index}.fromContactId`, true),
    to: toId(alias?.toContactId, `aliases.${index}.toContactId`, true),
  }));
  const deleted = new Set((batch.deletedContactIds ?? []).map((id, index) => toId(id, `deletedContactIds.${index}`, true)));
  const loads: PreparedLoad[] = [];
  let mismatches = 0;
  let contacts = 0;
  if (batch.contacts?.length) {
    const prepared = contactRows(state, batch.contacts, deleted);
    contacts = prepared.count;
    mismatches += prepared.mismatches;
    // Partial updates in row mode (Load_to_Primary_Key_tables.md): every column this process knows is
    // written (absent values as NULL, the row replaced as DuckDB replaces it), and a column added by a
    // newer declaration this process has not seen yet keeps its value instead of becoming NULL.
    if (prepared.rows.length)
      loads.push({
        table: tables.contacts,
        labelSuffix: tables.contacts,
        rows: prepared.rows,
        columns: prepared.columns,
        partialUpdate: 'row',
      });
  }
  if (deleted.size) {
    // DELETE through loading (Load_to_Primary_Key_tables.md): a `__op` field named in the `columns`
    // header, 1 = DELETE in each row (the docs' "UPSERT and DELETE" form; their DELETE-only example sets
    // `__op='delete'` in the header for CSV — the JSON form with the field in the rows is the one used here).
    loads.push({
      table: tables.contacts,
      labelSuffix: `${tables.contacts}_delete`,
      rows: [...deleted].map((id) => ({ id: bigintJson(id), __op: 1 })),
      columns: ['id', '__op'],
    });
  }
  let events = 0;
  if (batch.events?.length) {
    const prepared = eventRows(state, batch.events);
    events = prepared.rows.length;
    mismatches += prepared.mismatches;
    loads.push({ table: tables.events, labelSuffix: tables.events, rows: prepared.rows });
  }
  for (const [name, rows] of Object.entries(batch.relations ?? {})) {
    const prepared = relationRows(state, name, rows);
    if (prepared.rows.length) loads.push(prepared);
  }
  return { events, contacts, typeMismatches: mismatches, aliases, loads };
}
