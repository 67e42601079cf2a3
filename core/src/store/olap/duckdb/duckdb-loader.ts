import { DuckDBDateValue, listValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import type { OlapRelationDefinition } from '../../../kernel/contributions.js';
import type { OlapContactRow, OlapEventRow, OlapId, OlapLoadBatch, OlapLoadResult } from '../analytics-engine.js';
import type { OlapColumnType } from '../dialect.js';
import { OlapInputError } from '../errors.js';
import { contactSystemFields, eventSystemColumns, pluginRelationTable, propertyColumn, tables } from '../physical-schema.js';
import type { TenantRelations } from '../relations.js';
import { coerce, MISMATCH, parseDateOnly, type ColumnValue } from '../values.js';
import type { ZonedClock } from '../../../lib/zoned-clock.js';
import {
  appendFor,
  appendInto,
  ChunkAppender,
  openAppender,
  timestampOf,
  type AppendValue,
  type RowSink,
} from './duckdb-support.js';

/** A physical column as the catalog lists it, in table order (the order the appender fills). */
export interface PhysicalColumn {
  name: string;
  type: OlapColumnType | undefined;
}

/** What the loader needs to know about a tenant: its relations, clock and physical column order. */
export interface LoaderTenant {
  relations: TenantRelations;
  clock: ZonedClock;
  columns: Map<string, PhysicalColumn[]>;
  pluginRelations: readonly OlapRelationDefinition[];
}

export const BATCH_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function bad(path: string, code: string): never {
  throw new OlapInputError('olap_batch_invalid', [{ path, code }]);
}

type InputCode = 'olap_batch_invalid' | 'olap_argument_invalid';

/** An id from OLTP (string/number/bigint) as a BIGINT, or an input error naming where it was. */
export function toId(value: OlapId | null | undefined, path: string, required: true, code?: InputCode): bigint;
export function toId(value: OlapId | null | undefined, path: string, required: false, code?: InputCode): bigint | null;
export function toId(
  value: OlapId | null | undefined,
  path: string,
  required: boolean,
  code: InputCode = 'olap_batch_invalid',
): bigint | null {
  const fail = (detail: string): never => {
    throw new OlapInputError(code, [{ path, code: detail }]);
  };
  if (value === null || value === undefined) return required ? fail('any.required') : null;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?[0-9]{1,19}$/.test(value)) return BigInt(value);
  return fail('olap_id_invalid');
}

function instant(value: unknown, path: string, required: boolean): number | null {
  if (value === null || value === undefined) {
    if (required) bad(path, 'any.required');
    return null;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) bad(path, 'number.base');
  return Math.trunc(value as number);
}

function nonEmptyString(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0) bad(path, 'string.base');
  return value as string;
}

function columnsOf(tenant: LoaderTenant, table: string): PhysicalColumn[] {
  const columns = tenant.columns.get(table);
  if (!columns) throw new Error(`table ${table} of tenant ${tenant.relations.tenantId} is missing from the catalog`);
  return columns;
}

function appendOrNull(column: PhysicalColumn): AppendValue {
  // A column the catalog has but we cannot type (or no longer declare) gets NULL.
  return column.type ? appendFor(column.type) : (appender) => appender.appendNull();
}

function appendRows(
  connection: DuckDBConnection,
  tenant: LoaderTenant,
  table: string,
  fill: (appender: DuckDBAppender) => void,
): Promise<void> {
  return appendInto(connection, tenant.relations.schema, table, fill);
}

/** `/^-?[0-9]{1,19}$/` without a regex: three ids per event make this the loader's hottest check. */
function isIdText(text: string): boolean {
  const first = text.charCodeAt(0) === 45 ? 1 : 0;
  const digits = text.length - first;
  if (digits < 1 || digits > 19) return false;
  for (let i = first; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/**
 * An event's id field as a BIGINT. The common case (decimal text from OLTP) is checked here; the
 * rest goes to `toId`, and only then is the error path (`events.<i>.<field>`) built.
 */
function eventId(
  row: OlapEventRow,
  field: 'contactId' | 'channelId' | 'channelAccountId' | 'journeyId',
  index: number,
  required: boolean,
) {
  const value = row[field];
  if (typeof value === 'string' && isIdText(value)) return BigInt(value);
  return required ? toId(value, `events.${index}.${field}`, true) : toId(value, `events.${index}.${field}`, false);
}

function eventInstant(value: unknown, index: number, field: 'eventTime' | 'receivedAt', required: boolean): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  return instant(value, `events.${index}.${field}`, required);
}

function eventText(value: unknown, index: number, field: 'event' | 'messageId'): string {
  return typeof value === 'string' && value.length > 0 ? value : nonEmptyString(value, `events.${index}.${field}`);
}

/** The row being written: what the column writers read. */
interface EventContext {
  row: OlapEventRow;
  index: number;
  eventTime: number;
  /** Converted declared properties, by declaration index; reset after every row. */
  values: (ColumnValue | undefined)[];
  extra: Record<string, unknown> | undefined;
}

type EventWriter = (a: RowSink, ctx: EventContext) => void;

/**
 * One writer per physical column of the tenant's events table, in catalog order (ALTER TABLE
 * appends columns at the end, so the order is read from the catalog rather than assumed). Each
 * writer calls the appender directly: this runs for every cell.
 */
function eventWriters(tenant: LoaderTenant): EventWriter[] {
  const declared = tenant.relations.declaration.eventProperties;
  const indexByColumn = new Map(declared.map((p, i) => [propertyColumn(p.id), i]));
  const clock = tenant.clock;
  const system = new Set(eventSystemColumns.map((c) => c.name));
  const writers: EventWriter[] = [];
  // Adjacent property columns share one writer: most cells of an event are absent properties, and
  // a NULL then costs one appender call rather than two closure calls and the appender call.
  type Run = { properties: number[]; appends: AppendValue[] };
  let run: Run | undefined;
  for (const column of columnsOf(tenant, tables.events)) {
    const propertyIndex = indexByColumn.get(column.name);
    if (propertyIndex === undefined) {
      run = undefined;
      writers.push(systemWriter(column));
      continue;
    }
    if (!run) {
      const { properties, appends }: Run = (run = { properties: [], appends: [] });
      writers.push((a, ctx) => {
        const values = ctx.values;
        for (let i = 0; i < properties.length; i += 1) {
          const value = values[properties[i]!];
          if (value === undefined || value === null) a.appendNull();
          else appends[i]!(a, value);
        }
      });
    }
    run.properties.push(propertyIndex);
    run.appends.push(appendOrNull(column));
  }
  return writers;

  function systemWriter(column: PhysicalColumn): EventWriter {
    const append = appendOrNull(column);
    if (!system.has(column.name)) return (a) => a.appendNull();
    switch (column.name) {
      case 'event_time':
        return (a, ctx) => a.appendTimestamp(timestampOf(ctx.eventTime));
      case 'event_day':
        return (a, ctx) => a.appendDate(new DuckDBDateValue(clock.localDay(ctx.eventTime)));
      case 'event':
        return (a, ctx) => a.appendVarchar(eventText(ctx.row.event, ctx.index, 'event'));
      case 'contact_id':
        return (a, ctx) => a.appendBigInt(eventId(ctx.row, 'contactId', ctx.index, true)!);
      case 'channel_id':
        return (a, ctx) => append(a, eventId(ctx.row, 'channelId', ctx.index, false));
      case 'channel_account_id':
        return (a, ctx) => append(a, eventId(ctx.row, 'channelAccountId', ctx.index, false));
      case 'message_id':
        return (a, ctx) => a.appendVarchar(eventText(ctx.row.messageId, ctx.index, 'messageId'));
      case 'direction':
        return (a, ctx) => {
          const direction = ctx.row.direction;
          if (direction !== 'inbound' && direction !== 'outbound') bad(`events.${ctx.index}.direction`, 'any.only');
          a.appendVarchar(direction);
        };
      case 'journey_id':
        return (a, ctx) => append(a, eventId(ctx.row, 'journeyId', ctx.index, false));
      case 'received_at':
        return (a, ctx) => append(a, eventInstant(ctx.row.receivedAt, ctx.index, 'receivedAt', false));
      case 'extra':
        return (a, ctx) => append(a, ctx.extra === undefined ? null : (coerce(ctx.extra, 'json', clock) as string));
      default:
        return (a) => a.appendNull();
    }
  }
}

/**
 * Converts `events` into `appender`'s buffer and returns the number of type mismatches. Touches only
 * the appender's own buffer (no catalog, no transaction), so it can run while a statement is in
 * flight on the connection; the rows reach the table when the appender is flushed.
 */
function fillEvents(rowAppender: DuckDBAppender, tenant: LoaderTenant, events: OlapEventRow[]): number {
  // Data chunks where the library allows it (see ChunkAppender), the row appender otherwise.
  const appender: RowSink = ChunkAppender.create(rowAppender, events.length) ?? rowAppender;
  const declared = tenant.relations.declaration.eventProperties;
  const indexByName = new Map(declared.map((p, i) => [p.name, i]));
  const columns = columnsOf(tenant, tables.events);
  const types = declared.map((p) => columns.find((c) => c.name === propertyColumn(p.id))?.type ?? 'varchar');
  const writers = eventWriters(tenant);
  const clock = tenant.clock;
  let mismatches = 0;
  const ctx: EventContext = { row: events[0]!, index: 0, eventTime: 0, values: new Array(declared.length), extra: undefined };
  const values = ctx.values;
  const set: number[] = [];
  for (let index = 0; index < events.length; index += 1) {
    const row = events[index]!;
    if (row === null || typeof row !== 'object') bad(`events.${index}`, 'object.base');
    ctx.row = row;
    ctx.index = index;
    ctx.eventTime = eventInstant(row.eventTime, index, 'eventTime', true)!;
    ctx.extra = undefined;
    const properties = row.properties;
    if (properties) {
      for (const name in properties) {
        const raw = properties[name];
        const propertyIndex = indexByName.get(name);
        if (propertyIndex === undefined) {
          (ctx.extra ??= {})[name] = raw;
          continue;
        }
        const value = coerce(raw, types[propertyIndex]!, clock);
        if (value === MISMATCH) {
          mismatches += 1;
          (ctx.extra ??= {})[name] = raw;
        } else {
          values[propertyIndex] = value;
          set.push(propertyIndex);
        }
      }
    }
    for (let w = 0; w < writers.length; w += 1) writers[w]!(appender, ctx);
    appender.endRow();
    for (let i = 0; i < set.length; i += 1) values[set[i]!] = undefined;
    set.length = 0;
  }
  return mismatches;
}

function contactValue(row: OlapContactRow, field: (typeof contactSystemFields)[number], index: number): ColumnValue {
  const value = (row as unknown as Record<string, unknown>)[field.field];
  const path = `contacts.${index}.${field.field}`;
  if (value === null || value === undefined) return null;
  switch (field.type) {
    case 'timestamp':
      return instant(value, path, false);
    case 'date': {
      const days = typeof value === 'string' ? parseDateOnly(value) : undefined;
      return days === undefined ? bad(path, 'date.format') : days;
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : bad(path, 'boolean.base');
    case 'bigint':
      return toId(value as OlapId, path, true);
    default:
      return typeof value === 'string' ? value : bad(path, 'string.base');
  }
}

type LatestContacts = Map<bigint, { row: OlapContactRow; index: number }>;

/** The last row of each contact id (outbox order), ids validated. */
function latestContacts(contacts: OlapContactRow[]): LatestContacts {
  const latest: LatestContacts = new Map();
  contacts.forEach((row, index) => {
    if (row === null || typeof row !== 'object') bad(`contacts.${index}`, 'object.base');
    latest.set(toId(row.id, `contacts.${index}.id`, true), { row, index });
  });
  return latest;
}

async function upsertContacts(connection: DuckDBConnection, tenant: LoaderTenant, latest: LatestContacts): Promise<number> {
  const attributeTypes = new Map(
    tenant.relations.declaration.contactAttributes.map((a) => [
      a.id,
      columnsOf(tenant, tables.contacts).find((c) => c.name === propertyColumn(a.id))?.type ?? 'varchar',
    ]),
  );
  const fields = new Map<string, (typeof contactSystemFields)[number]>(contactSystemFields.map((f) => [f.column, f]));
  const columns = columnsOf(tenant, tables.contacts);
  const appends = columns.map(appendOrNull);
  let mismatches = 0;

  await deleteContacts(connection, tenant, [...latest.keys()]);
  await appendRows(connection, tenant, tables.contacts, (appender) => {
    for (const { row, index } of latest.values()) {
      columns.forEach((column, position) => {
        const field = fields.get(column.name);
        let value: ColumnValue | undefined = null;
        if (field) value = contactValue(row, field, index);
        else if (column.name.startsWith('p_')) {
          const id = column.name.slice(2);
          const type = attributeTypes.get(id);
          const raw = row.attributes?.[id];
          if (type && raw !== undefined) {
            const converted = coerce(raw, type, tenant.clock);
            // Contacts have no `extra`: the OLTP master keeps the raw value, so OLAP stores NULL.
            if (converted === MISMATCH) mismatches += 1;
            else value = converted;
          }
        }
        appends[position]!(appender, value);
      });
      appender.endRow();
    }
  });
  return mismatches;
}

async function deleteContacts(connection: DuckDBConnection, tenant: LoaderTenant, ids: bigint[]): Promise<void> {
  if (ids.length === 0) return;
  await connection.run(`DELETE FROM ${tenant.relations.table(tables.contacts)} WHERE id IN (SELECT unnest($1::BIGINT[]))`, [
    listValue(ids),
  ]);
}

async function applyAliases(
  connection: DuckDBConnection,
  tenant: LoaderTenant,
  aliases: NonNullable<OlapLoadBatch['aliases']>,
): Promise<void> {
  const table = tenant.relations.table(tables.contactAlias);
  for (const [index, alias] of aliases.entries()) {
    const from = toId(alias?.fromContactId, `aliases.${index}.fromContactId`, true);
    let to = toId(alias?.toContactId, `aliases.${index}.toContactId`, true);
    // Always point at the final survivor: if `to` was itself merged away, follow it.
    const reader = await connection.runAndReadAll(`SELECT to_contact_id FROM ${table} WHERE from_contact_id = $1`, [to]);
    const final = reader.getRows()[0]?.[0];
    if (typeof final === 'bigint') to = final;
    if (from === to) continue;
    // …and re-point contacts that had merged into `from`, so chains stay one hop long.
    await connection.run(`UPDATE ${table} SET to_contact_id = $1 WHERE to_contact_id = $2`, [to, from]);
    await connection.run(`DELETE FROM ${table} WHERE from_contact_id = $1`, [from]);
    await connection.run(`INSERT INTO ${table} (from_contact_id, to_contact_id) VALUES ($1, $2)`, [from, to]);
  }
}

async function appendPluginRelation(
  connection: DuckDBConnection,
  tenant: LoaderTenant,
  name: string,
  rows: Record<string, unknown>[],
): Promise<void> {
  const relation = tenant.pluginRelations.find((r) => r.name === name);
  if (!relation) bad(`relations.${name}`, 'olap_relation_unknown');
  if (!Array.isArray(rows)) bad(`relations.${name}`, 'array.base');
  const table = pluginRelationTable(name);
  const columns = columnsOf(tenant, table);
  const appends = columns.map(appendOrNull);
  await appendRows(connection, tenant, table, (appender) => {
    rows.forEach((row, index) => {
      columns.forEach((column, position) => {
        const value = column.type ? coerce(row?.[column.name], column.type, tenant.clock) : null;
        if (value === MISMATCH) bad(`relations.${name}.${index}.${column.name}`, 'olap_type_mismatch');
        appends[position]!(appender, value);
      });
      appender.endRow();
    });
  });
}

function checkBatchShape(batch: OlapLoadBatch): void {
  if (batch === null || typeof batch !== 'object') bad('', 'object.base');
  if (typeof batch.batchId !== 'string' || !BATCH_ID.test(batch.batchId)) bad('batchId', 'string.pattern.base');
  for (const key of ['events', 'contacts', 'deletedContactIds', 'aliases'] as const) {
    if (batch[key] !== undefined && !Array.isArray(batch[key])) bad(key, 'array.base');
  }
  if (batch.relations !== undefined && (batch.relations === null || typeof batch.relations !== 'object'))
    bad('relations', 'object.base');
}

export interface LoadHooks {
  /** Fault injection for crash tests: runs after every row and the ledger entry, before COMMIT. */
  beforeCommit?(batchId: string, tenantId: string): void | Promise<void>;
}

/** Thrown inside the load transaction when the ledger already has the batch: rolls it back. */
class AlreadyLoaded extends Error {}

/**
 * Events converted while BEGIN is in flight, at most. DuckDB flushes an appender by itself every
 * 204,800 rows, and a flush must not run while the connection executes a statement.
 */
const OVERLAPPED_EVENTS = 100_000;

/**
 * Loads one batch exactly once: the ledger row and every data row commit in one DuckDB transaction.
 * A batch found in the ledger is a no-op (the caller crashed after COMMIT, before acknowledging);
 * any failure before COMMIT rolls everything back (nothing half-written). Runs on the writer.
 *
 * The ledger row goes in first, in the same round trip as BEGIN, and its PRIMARY KEY is the
 * duplicate check: a replayed batch fails there before anything is written. An events-only batch
 * (the ingest worker's usual one) is converted into the appender's buffer while that round trip
 * runs on DuckDB's side, and flushed into the transaction once it is open: of the two round trips
 * a batch needs (BEGIN + ledger, COMMIT), only COMMIT is waited for. A batch with contacts, aliases
 * or deletes writes those first, as before, and converts its events after them.
 */
export async function loadBatch(
  connection: DuckDBConnection,
  tenant: LoaderTenant,
  batch: OlapLoadBatch,
  hooks: LoadHooks = {},
): Promise<OlapLoadResult> {
  checkBatchShape(batch);
  const ledger = tenant.relations.table(tables.ledger);
  // batchId matched BATCH_ID (no quotes possible); quoting it anyway keeps this safe if that changes.
  const batchId = `'${batch.batchId.replaceAll("'", "''")}'`;
  const latest = batch.contacts?.length ? latestContacts(batch.contacts) : undefined;
  const events = batch.events?.length ?? 0;
  const contacts = latest?.size ?? 0;
  const begin =
    `BEGIN TRANSACTION; INSERT INTO ${ledger} (batch_id, loaded_at, event_rows, contact_rows) ` +
    `VALUES (${batchId}, timezone('UTC', now()), ${events}, ${contacts})`;
  const overlap =
    events > 0 && events <= OVERLAPPED_EVENTS && !batch.aliases?.length && !latest && !batch.deletedContactIds?.length;
  // Created before BEGIN is sent: creating an appender reads the catalog through the connection.
  const eventAppender = events ? await openAppender(connection, tenant.relations.schema, tables.events) : undefined;
  const started = connection.run(begin).then(
    () => undefined,
    (error: Error) => {
      throw /violates primary key constraint/i.test(error.message) ? new AlreadyLoaded() : error;
    },
  );
  started.catch(() => undefined); // awaited below on every path; this only keeps it from counting as unhandled
  try {
    let eventMismatches = overlap ? fillEvents(eventAppender!.appender, tenant, batch.events!) : 0;
    await started;
    if (batch.aliases?.length) await applyAliases(connection, tenant, batch.aliases);
    const contactMismatches = latest ? await upsertContacts(connection, tenant, latest) : 0;
    if (batch.deletedContactIds?.length) {
      await deleteContacts(
        connection,
        tenant,
        batch.deletedContactIds.map((id, index) => toId(id, `deletedContactIds.${index}`, true)),
      );
    }
    if (eventAppender) {
      if (!overlap) eventMismatches = fillEvents(eventAppender.appender, tenant, batch.events!);
      eventAppender.flush();
    }
    for (const [name, rows] of Object.entries(batch.relations ?? {})) await appendPluginRelation(connection, tenant, name, rows);
    await hooks.beforeCommit?.(batch.batchId, tenant.relations.tenantId);
    await connection.run('COMMIT');
    return {
      batchId: batch.batchId,
      status: 'loaded',
      events,
      contacts,
      typeMismatches: eventMismatches + contactMismatches,
    };
  } catch (error) {
    // Nothing else may run on the connection while BEGIN is in flight: wait for it, then undo.
    const beginError: unknown = await started.then(
      () => undefined,
      (failure: unknown) => failure,
    );
    eventAppender?.discard();
    // After a failed statement DuckDB may already have aborted the transaction; either way roll back.
    await connection.run('ROLLBACK').catch(() => undefined);
    // BEGIN + ledger ran first: its outcome (already loaded, or a failure) wins over a row's error.
    const cause = beginError ?? error;
    if (!(cause instanceof AlreadyLoaded)) throw cause;
  }
  const previous = (
    await connection.runAndReadAll(`SELECT event_rows, contact_rows FROM ${ledger} WHERE batch_id = ${batchId}`)
  ).getRows()[0];
  return {
    batchId: batch.batchId,
    status: 'already_loaded',
    events: Number(previous?.[0] ?? 0),
    contacts: Number(previous?.[1] ?? 0),
    typeMismatches: 0,
  };
}
