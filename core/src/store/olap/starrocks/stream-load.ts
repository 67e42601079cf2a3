import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Logger } from 'pino';
import { UpstreamError } from '../../../server/errors.js';

/**
 * The StarRocks Stream Load client (ADR 0065): one synchronous HTTP load per (label, table), over
 * `node:http` — never `fetch`: undici refuses an `Expect` header and drops `Authorization` on the
 * cross-origin FE→BE redirect (refs/starrocks.md §2).
 *
 * Written to StarRocks' documentation, never run against a real cluster here; the protocol double
 * (core/test/support/starrocks-double) is all it has been tested against. Pages followed:
 * - SR/docs/en/sql-reference/sql-statements/loading_unloading/STREAM_LOAD.md — `PUT /api/{db}/{table}/_stream_load`,
 *   `curl --location-trusted` (credentials kept on the FE→BE redirect), the required `Expect: 100-continue`,
 *   `Content-Length` when not chunked, `format`, `strip_outer_array`, `columns`, `timeout`, `label`,
 *   `partial_update(_mode)`, `compression` (v3.2.7+), and the `Status` values of the answer.
 * - SR/docs/en/loading/Load_to_Primary_Key_tables.md — partial updates need `partial_update: true` and the
 *   updated columns in `columns`.
 * - SR/docs/en/sql-reference/System_limit.md — label naming.
 * - SR/docs/en/loading/loading_introduction/loading_concepts.md — labels are unique per database, and only
 *   the label of a failed job can be used again.
 */

export interface StreamLoadOptions {
  /** FE HTTP base, e.g. http://fe:8030 (no credentials in it). */
  feUrl: string;
  user: string;
  password: string;
  /** Per-request timeout (socket idle + total, redirects included), default 600 s. */
  timeoutMs?: number;
  /** Attempts for retryable failures (Fail, network, 5xx, timeouts), default 5; backoff with jitter, base 500 ms. */
  attempts?: number;
  backoffMs?: number;
  /** Gzip bodies above 64 KB (default true). StarRocks before v3.2.7 cannot decompress: set false there. */
  gzip?: boolean;
  logger?: Logger;
}

export interface StreamLoadRequest {
  database: string;
  table: string;
  /** `<loadBatchId>-<table>` made valid — unique per database; the caller builds it with `streamLoadLabel(batchId, table)`. */
  label: string;
  /** Sent as one JSON array, `strip_outer_array: true`; keys are column names. */
  rows: readonly Record<string, unknown>[];
  /** `rows` already serialized by `streamLoadJson` (the caller sized the body with it): sent as is. */
  json?: string;
  /** The `columns` header. Required by StarRocks for partial updates: derived from the rows' keys when absent. */
  columns?: readonly string[];
  /** Primary Key tables: `partial_update: true` and `partial_update_mode`. */
  partialUpdate?: 'row' | 'column';
  /** The load's own `timeout` header, in seconds (StarRocks: 1 to 259200, default 600). */
  timeoutSeconds?: number;
}

export interface StreamLoadResult {
  label: string;
  /**
   * `loaded`: visible now. `already_loaded`: an earlier job with this label committed (loadedRows is
   * then 0: this call loaded nothing). `publish_timeout`: committed, not yet visible — StarRocks says
   * not to retry; it becomes visible by itself.
   */
  status: 'loaded' | 'already_loaded' | 'publish_timeout';
  txnId?: number;
  loadedRows: number;
  filteredRows: number;
  /** Load requests made (a label wait inside an attempt is not another attempt). */
  attempts: number;
}

export type StreamLoadErrorCode = 'olap_load_failed' | 'olap_load_rejected';

export interface StreamLoadErrorDetails {
  database: string;
  table?: string;
  label?: string;
  attempts: number;
  /** Our short reason: `fail`, `timeout`, `network`, `http_503`, `too_many_filtered_rows`, `unauthorized`… */
  reason: string;
  /** The answer's `Status` (`Fail`, `FAILED`…), when StarRocks answered one. */
  status?: string;
  httpStatus?: number;
  /** StarRocks' `Message`, cut to 500 characters. */
  serverMessage?: string;
}

/**
 * A load that did not happen. `olap_load_failed` (retryable: the caller keeps the batch and tries
 * again later — the label makes that safe): every attempt failed on something that may pass
 * (`Fail`, network, 5xx, timeout, a label still running). `olap_load_rejected` (not retryable):
 * it cannot succeed as sent (401/403, `too many filtered rows`, a bad label, a refused redirect).
 */
export class StreamLoadError extends UpstreamError {
  readonly database: string;
  readonly table?: string;
  readonly label?: string;
  readonly attempts: number;
  readonly reason: string;
  readonly status?: string;
  readonly httpStatus?: number;
  readonly serverMessage?: string;

  constructor(code: StreamLoadErrorCode, details: StreamLoadErrorDetails) {
    super(code, code === 'olap_load_failed', { attempts: details.attempts, reason: details.reason });
    this.database = details.database;
    this.table = details.table;
    this.label = details.label;
    this.attempts = details.attempts;
    this.reason = details.reason;
    this.status = details.status;
    this.httpStatus = details.httpStatus;
    this.serverMessage = details.serverMessage;
    const where = [
      details.table ? `${details.database}.${details.table}` : details.database,
      details.label && `label ${details.label}`,
    ]
      .filter(Boolean)
      .join(', ');
    this.message =
      `${code}: ${details.reason} (${where}; ${details.attempts} attempt(s))` +
      (details.serverMessage ? `: ${details.serverMessage}` : '');
  }
}

/** Bodies above this are gzipped (when `gzip` is not false). */
export const STREAM_LOAD_GZIP_THRESHOLD = 64 * 1024;
/** At most this many redirects per request (FE→BE is one; FE→leader FE for the label state is one). */
export const STREAM_LOAD_MAX_REDIRECTS = 3;

const DEFAULT_TIMEOUT_MS = 600_000;
const DEFAULT_ATTEMPTS = 5;
const DEFAULT_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
/** The longest pause between two label-state questions while an earlier job with the label runs. */
const MAX_LABEL_POLL_MS = 5_000;
/** Answers are small JSON documents; more than this is not StarRocks talking. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** System_limit.md: digits, letters and underscores, at most 128, starting with a letter or an underscore. */
const LABEL_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Names we put in the URL and the `columns` header: the identifiers our DDL creates. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,255}$/;

/**
 * Messages of a `Fail` that a retry cannot fix. Anything else is retried (labels make it safe).
 * - `too many filtered rows`: the BE's data-quality verdict (max_filter_ratio, default 0, STREAM_LOAD.md); its text is
 *   kept stable on purpose (be/src/runtime/stream_load/stream_load_executor.cpp: "Do not modify the error message").
 * - `Label format error`: the FE's label check (fe/…/common/FeNameFormat.java).
 * - `exceed the max size … of json type data`: the 100 MB JSON body limit (STREAM_LOAD.md, ignore_json_size).
 * - `Access denied` / `unknown database` / `Unknown table`: privileges or names that will not change by retrying.
 *   These texts come from FE sources and MySQL-compatible error texts, not from the docs (which list none).
 */
const REJECTED_MESSAGES: readonly [RegExp, string][] = [
  [/too many filtered rows/i, 'too_many_filtered_rows'],
  [/label format error/i, 'label_invalid'],
  [/exceed the max size .*json/i, 'body_too_large'],
  [/access denied/i, 'access_denied'],
  [/unknown database/i, 'unknown_database'],
  [/unknown table/i, 'unknown_table'],
];

const gzip = promisify(gzipCallback);

/**
 * The label of one table's load of one batch: valid by System_limit.md (`[A-Za-z0-9_]`, ≤ 128,
 * a letter first), deterministic, and different for each (batch, table) — labels are unique per
 * database, so a batch loading events and contacts needs two. `hl_<batch>__<table>__<hash>`: the
 * readable parts have every other character replaced by `_` and are cut to 80 and 24 characters; the
 * 16 hex digits of SHA-256 over the exact (batchId, table) keep two ids that read alike apart. The
 * issue's `<loadBatchId>-<table>` is not used as is: `-` is not a label character in the docs (the FE's
 * own check, `^[-\w]{1,128}$` in FeNameFormat.java, accepts it — the docs and the code disagree; we
 * follow the stricter).
 */
export function streamLoadLabel(batchId: string, table: string): string {
  if (typeof batchId !== 'string' || batchId.length === 0) throw new TypeError('streamLoadLabel: the batch id is empty');
  if (!IDENTIFIER.test(table)) throw new TypeError(`streamLoadLabel: ${JSON.stringify(table)} is not a table name`);
  const readable = (text: string, max: number) =>
    text
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, max);
  const digest = createHash('sha256').update(batchId).update('\u0000').update(table).digest('hex').slice(0, 16);
  return `hl_${readable(batchId, 80)}__${readable(table, 24)}__${digest}`;
}

/**
 * The rows as one JSON array. A bigint goes out as a bare JSON number (no precision lost; BIGINT
 * ids beyond 2^53 stay exact); bigints nested in objects (JSON columns) become strings.
 */
export function streamLoadJson(rows: readonly Record<string, unknown>[]): string {
  const nested = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);
  const parts: string[] = [];
  for (const row of rows) {
    const fields: string[] = [];
    for (const [key, value] of Object.entries(row)) {
      if (value === undefined) continue;
      const json = typeof value === 'bigint' ? value.toString() : JSON.stringify(value, nested);
      if (json === undefined) continue; // functions, symbols: nothing to load
      fields.push(`${JSON.stringify(key)}:${json}`);
    }
    parts.push(`{${fields.join(',')}}`);
  }
  return `[${parts.join(',')}]`;
}

/** One HTTP answer, read whole. */
interface HttpAnswer {
  status: number;
  location?: string;
  text: string;
  /** Whether the body went out (only after `100 Continue`). */
  bodySent: boolean;
}

/** Why one attempt did not load; `retryable` decides whether another attempt follows. */
class AttemptFailure extends Error {
  constructor(
    readonly retryable: boolean,
    readonly reason: string,
    readonly extra: { status?: string; httpStatus?: number; serverMessage?: string } = {},
  ) {
    super(reason);
  }
}

/** The answer's JSON, read the way both the BE (`Status`, `Message`) and the FE (`status`, `msg`) write it. */
interface LoadAnswer {
  status?: string;
  message?: string;
  txnId?: number;
  loadedRows?: number;
  filteredRows?: number;
  existingJobStatus?: string;
}

function readLoadAnswer(text: string): LoadAnswer | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const string = (...keys: string[]) => {
    for (const key of keys) if (typeof record[key] === 'string') return record[key] as string;
    return undefined;
  };
  const number = (key: string) => (typeof record[key] === 'number' ? (record[key] as number) : undefined);
  return {
    status: string('Status', 'status'),
    message: string('Message', 'message', 'msg'),
    txnId: number('TxnId'),
    loadedRows: number('NumberLoadedRows'),
    filteredRows: number('NumberFilteredRows'),
    existingJobStatus: string('ExistingJobStatus'),
  };
}

const cut = (text: string | undefined) => (text === undefined ? undefined : text.length > 500 ? `${text.slice(0, 500)}…` : text);

export class StreamLoadClient {
  private readonly feUrl: URL;
  private readonly authorization: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly gzip: boolean;
  private readonly logger?: Logger;

  constructor(options: StreamLoadOptions) {
    let feUrl: URL;
    try {
      feUrl = new URL(options.feUrl);
    } catch {
      throw new TypeError('StreamLoadClient: feUrl is not a URL');
    }
    if (feUrl.protocol !== 'http:' && feUrl.protocol !== 'https:') throw new TypeError('StreamLoadClient: feUrl must be http(s)');
    // Credentials in the URL would end up in logs and Location headers: they go in user/password only.
    if (feUrl.username || feUrl.password)
      throw new TypeError('StreamLoadClient: put the credentials in user/password, not in feUrl');
    if (!options.user) throw new TypeError('StreamLoadClient: user is required');
    if (typeof options.password !== 'string') throw new TypeError('StreamLoadClient: password must be a string');
    const positive = (value: number | undefined, fallback: number, name: string, integer = false) => {
      if (value === undefined) return fallback;
      if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
        throw new TypeError(`StreamLoadClient: ${name} must be a positive ${integer ? 'integer' : 'number'}`);
      }
      return value;
    };
    this.feUrl = feUrl;
    this.authorization = `Basic ${Buffer.from(`${options.user}:${options.password}`, 'utf8').toString('base64')}`;
    this.timeoutMs = positive(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs');
    this.attempts = positive(options.attempts, DEFAULT_ATTEMPTS, 'attempts', true);
    this.backoffMs = positive(options.backoffMs, DEFAULT_BACKOFF_MS, 'backoffMs');
    this.gzip = options.gzip ?? true;
    this.logger = options.logger;
  }

  /**
   * Loads the rows under the label: exactly once however often it is called with the same label (and
   * the same rows — StarRocks compares labels, not data). No rows: nothing is sent, `loaded` with 0 rows
   * and 0 attempts (the label stays unused). Bad names or label: `olap_load_rejected` before any request.
   */
  async load(request: StreamLoadRequest): Promise<StreamLoadResult> {
    const { database, table, label } = request;
    const rejectNow = (reason: string): never => {
      throw new StreamLoadError('olap_load_rejected', { database, table, label, attempts: 0, reason });
    };
    if (!IDENTIFIER.test(database)) rejectNow('database_invalid');
    if (!IDENTIFIER.test(table)) rejectNow('table_invalid');
    if (!LABEL_PATTERN.test(label)) rejectNow('label_invalid');
    if (request.timeoutSeconds !== undefined) {
      const seconds = request.timeoutSeconds;
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 259_200) rejectNow('timeout_invalid');
    }
    const columns = this.columnsOf(request);
    if (columns?.some((column) => !IDENTIFIER.test(column))) rejectNow('columns_invalid');
    if (request.rows.length === 0) {
      return { label, status: 'loaded', loadedRows: 0, filteredRows: 0, attempts: 0 };
    }

    const started = Date.now();
    const json = Buffer.from(request.json ?? streamLoadJson(request.rows), 'utf8');
    const compressed = this.gzip && json.length > STREAM_LOAD_GZIP_THRESHOLD;
    const body = compressed ? await gzip(json) : json;
    const headers: Record<string, string> = {
      Expect: '100-continue',
      format: 'json',
      strip_outer_array: 'true',
      label,
    };
    // STREAM_LOAD.md: `compression` or `Content-Encoding` (v3.2.7+), GZIP among the algorithms; its example writes
    // the value in lower case (`lz4_frame`). We send only `compression`: the page does not say what both at once do.
    if (compressed) headers.compression = 'gzip';
    if (columns) headers.columns = columns.join(',');
    if (request.partialUpdate) {
      headers.partial_update = 'true';
      headers.partial_update_mode = request.partialUpdate;
    }
    if (request.timeoutSeconds !== undefined) headers.timeout = String(request.timeoutSeconds);
    const url = new URL(`/api/${encodeURIComponent(database)}/${encodeURIComponent(table)}/_stream_load`, this.feUrl);
    const context = { database, table, label, rows: request.rows.length, bytes: body.length, gzip: compressed };

    let lastFailure: AttemptFailure | undefined;
    for (let attempt = 1; attempt <= this.attempts; attempt += 1) {
      try {
        const result = await this.attempt(url, headers, body, request, attempt);
        this.logger?.info(
          { ...context, status: result.status, loadedRows: result.loadedRows, attempts: attempt, ms: Date.now() - started },
          'stream load done',
        );
        return result;
      } catch (error) {
        const failure =
          error instanceof AttemptFailure ? error : new AttemptFailure(true, 'unexpected', { serverMessage: String(error) });
        lastFailure = failure;
        if (!failure.retryable) {
          this.logger?.error(
            {
              ...context,
              reason: failure.reason,
              httpStatus: failure.extra.httpStatus,
              status: failure.extra.status,
              attempts: attempt,
              ms: Date.now() - started,
            },
            'stream load rejected',
          );
          throw new StreamLoadError('olap_load_rejected', {
            database,
            table,
            label,
            attempts: attempt,
            reason: failure.reason,
            ...failure.extra,
            serverMessage: cut(failure.extra.serverMessage),
          });
        }
        if (attempt < this.attempts) {
          const retryInMs = this.backoff(attempt);
          this.logger?.warn(
            {
              ...context,
              reason: failure.reason,
              httpStatus: failure.extra.httpStatus,
              status: failure.extra.status,
              attempt,
              retryInMs,
            },
            'stream load attempt failed; retrying',
          );
          await sleep(retryInMs);
        }
      }
    }
    const failure = lastFailure!;
    this.logger?.error(
      {
        ...context,
        reason: failure.reason,
        httpStatus: failure.extra.httpStatus,
        status: failure.extra.status,
        attempts: this.attempts,
        ms: Date.now() - started,
      },
      'stream load failed',
    );
    throw new StreamLoadError('olap_load_failed', {
      database,
      table,
      label,
      attempts: this.attempts,
      reason: failure.reason,
      ...failure.extra,
      serverMessage: cut(failure.extra.serverMessage),
    });
  }

  /**
   * The state of a label's job: `GET {fe}/api/{db}/get_load_state?label=…`, answered
   * `{"state": "<TransactionStatus>", "reason": …}` — UNKNOWN (no such label), PREPARE (running),
   * PREPARED (pre-committed, transaction interface), COMMITTED, VISIBLE, ABORTED. The StarRocks docs do
   * not describe this endpoint: it is the FE's GetStreamLoadState action (fe/…/http/rest/GetStreamLoadState.java,
   * which redirects to the leader FE) and the call StarRocks' own connectors make after "Label Already
   * Exists". Apache Doris' page for the same path answers `{"data": …}` instead; we read `state`.
   */
  async loadState(database: string, label: string): Promise<string> {
    if (!IDENTIFIER.test(database)) {
      throw new StreamLoadError('olap_load_rejected', { database, label, attempts: 0, reason: 'database_invalid' });
    }
    try {
      return await this.askState(database, label, Date.now() + this.timeoutMs);
    } catch (error) {
      if (!(error instanceof AttemptFailure)) throw error;
      throw new StreamLoadError(error.retryable ? 'olap_load_failed' : 'olap_load_rejected', {
        database,
        label,
        attempts: 1,
        reason: error.reason,
        ...error.extra,
        serverMessage: cut(error.extra.serverMessage),
      });
    }
  }

  /** Equal jitter: half of base·2^(n−1), plus a random part of the other half; at most 30 s. */
  private backoff(attempt: number): number {
    const full = Math.min(this.backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
    return Math.round(full / 2 + Math.random() * (full / 2));
  }

  private columnsOf(request: StreamLoadRequest): readonly string[] | undefined {
    if (request.columns) return request.columns;
    if (!request.partialUpdate) return undefined;
    // Load_to_Primary_Key_tables.md: a partial update must name the columns it writes.
    const seen = new Set<string>();
    for (const row of request.rows) for (const key of Object.keys(row)) if (row[key] !== undefined) seen.add(key);
    return [...seen];
  }

  /** One load request (FE, redirect, BE) and what its answer means. */
  private async attempt(
    url: URL,
    headers: Record<string, string>,
    body: Buffer,
    request: StreamLoadRequest,
    attempt: number,
  ): Promise<StreamLoadResult> {
    const deadline = Date.now() + this.timeoutMs;
    const answer = await this.send(url, 'PUT', headers, body, deadline);
    if (answer.status === 401 || answer.status === 403) {
      throw new AttemptFailure(false, answer.status === 401 ? 'unauthorized' : 'forbidden', {
        httpStatus: answer.status,
        serverMessage: readLoadAnswer(answer.text)?.message,
      });
    }
    if (answer.status >= 500 || answer.status === 429 || answer.status === 408) {
      throw new AttemptFailure(true, `http_${answer.status}`, { httpStatus: answer.status, serverMessage: cut(answer.text) });
    }
    if (answer.status !== 200) {
      throw new AttemptFailure(false, `http_${answer.status}`, { httpStatus: answer.status, serverMessage: cut(answer.text) });
    }
    const parsed = readLoadAnswer(answer.text);
    if (!parsed?.status)
      throw new AttemptFailure(true, 'answer_unreadable', { httpStatus: 200, serverMessage: cut(answer.text) });
    const { label } = request;
    const base = { label, txnId: parsed.txnId, attempts: attempt };
    switch (parsed.status) {
      case 'Success':
        return { ...base, status: 'loaded', loadedRows: parsed.loadedRows ?? 0, filteredRows: parsed.filteredRows ?? 0 };
      case 'Publish Timeout':
        // STREAM_LOAD.md: "successfully submitted, but the data still cannot be queried. You do not need to retry".
        return { ...base, status: 'publish_timeout', loadedRows: parsed.loadedRows ?? 0, filteredRows: parsed.filteredRows ?? 0 };
      case 'Label Already Exists': {
        // STREAM_LOAD.md: "The data may have been successfully loaded or is being loaded." The BE adds
        // `ExistingJobStatus` (FINISHED, RUNNING…; seen in StarRocks' test/sql/test_stream_load and the
        // transaction interface page, not in STREAM_LOAD.md's table): FINISHED needs no question.
        if (parsed.existingJobStatus !== 'FINISHED') await this.settleExistingLabel(request.database, label, deadline);
        return { label, txnId: undefined, attempts: attempt, status: 'already_loaded', loadedRows: 0, filteredRows: 0 };
      }
      default: {
        // `Fail` (BE) or `FAILED` (FE, e.g. "No backend alive."): retry unless the message says it cannot pass.
        const message = parsed.message ?? '';
        const rejected = REJECTED_MESSAGES.find(([pattern]) => pattern.test(message));
        throw new AttemptFailure(!rejected, rejected ? rejected[1] : 'fail', {
          status: parsed.status,
          httpStatus: 200,
          serverMessage: message,
        });
      }
    }
  }

  /**
   * After "Label Already Exists" without FINISHED: ask the label's state until the earlier job ends.
   * VISIBLE or COMMITTED: it loaded (COMMITTED becomes visible by itself, like Publish Timeout). PREPARE
   * or PREPARED: still running — ask again (StarRocks' connectors treat PREPARED as success: it is a 2PC
   * pre-commit that can still abort; we never prepare, so we wait for the end). ABORTED or UNKNOWN: the
   * label is free (a failed job's label can be reused) — an AttemptFailure, so the load is sent again.
   */
  private async settleExistingLabel(database: string, label: string, deadline: number): Promise<void> {
    let pause = this.backoffMs;
    for (;;) {
      // Each question has its own time limit, so one more question follows the last pause.
      const state = await this.askState(database, label, Date.now() + this.timeoutMs);
      if (state === 'VISIBLE' || state === 'COMMITTED') return;
      if (state !== 'PREPARE' && state !== 'PREPARED') {
        throw new AttemptFailure(true, `label_${state.toLowerCase() || 'unknown'}`, { status: 'Label Already Exists' });
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new AttemptFailure(true, 'label_running', { status: 'Label Already Exists' });
      this.logger?.info({ database, label, state, retryInMs: Math.min(pause, remaining) }, 'stream load label still running');
      await sleep(Math.min(pause, remaining));
      pause = Math.min(pause * 2, MAX_LABEL_POLL_MS);
    }
  }

  private async askState(database: string, label: string, deadline: number): Promise<string> {
    const url = new URL(`/api/${encodeURIComponent(database)}/get_load_state`, this.feUrl);
    url.searchParams.set('label', label);
    const answer = await this.send(url, 'GET', {}, undefined, deadline);
    if (answer.status === 401 || answer.status === 403) {
      throw new AttemptFailure(false, answer.status === 401 ? 'unauthorized' : 'forbidden', { httpStatus: answer.status });
    }
    if (answer.status !== 200) {
      throw new AttemptFailure(answer.status >= 500 || answer.status === 429, `http_${answer.status}`, {
        httpStatus: answer.status,
        serverMessage: cut(answer.text),
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.text);
    } catch {
      throw new AttemptFailure(true, 'answer_unreadable', { httpStatus: 200, serverMessage: cut(answer.text) });
    }
    const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
    if (typeof record.state === 'string') return record.state.toUpperCase();
    // The FE answers its errors (`unknown database, database=…`) as 200 with status FAILED (RestBaseAction.java).
    const message = [record.message, record.msg].find((value): value is string => typeof value === 'string');
    const rejected = message ? REJECTED_MESSAGES.find(([pattern]) => pattern.test(message)) : undefined;
    throw new AttemptFailure(!rejected, rejected ? rejected[1] : 'state_unreadable', {
      status: typeof record.status === 'string' ? record.status : undefined,
      httpStatus: 200,
      serverMessage: message ?? cut(answer.text),
    });
  }

  /**
   * One request and its redirects. A 307/308 is followed (STREAM_LOAD.md's `curl --location-trusted`):
   * the same method, headers, Authorization and body go to the Location — at most 3 times, only to
   * http(s), never from https down to http (the password would travel in clear).
   */
  private async send(
    url: URL,
    method: 'PUT' | 'GET',
    headers: Record<string, string>,
    body: Buffer | undefined,
    deadline: number,
  ): Promise<HttpAnswer> {
    let current = url;
    for (let redirects = 0; ; redirects += 1) {
      const answer = await this.exchange(current, method, headers, body, deadline);
      if (answer.status !== 307 && answer.status !== 308) return answer;
      if (redirects >= STREAM_LOAD_MAX_REDIRECTS)
        throw new AttemptFailure(false, 'too_many_redirects', { httpStatus: answer.status });
      if (!answer.location) throw new AttemptFailure(true, 'redirect_without_location', { httpStatus: answer.status });
      let next: URL;
      try {
        next = new URL(answer.location, current);
      } catch {
        throw new AttemptFailure(false, 'redirect_invalid', { httpStatus: answer.status });
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new AttemptFailure(false, 'redirect_scheme_refused');
      if (current.protocol === 'https:' && next.protocol === 'http:')
        throw new AttemptFailure(false, 'redirect_downgrade_refused');
      if (next.username || next.password) throw new AttemptFailure(false, 'redirect_invalid');
      this.logger?.debug({ from: current.host, to: next.host, status: answer.status }, 'stream load redirected');
      current = next;
    }
  }

  /**
   * One HTTP exchange. With a body: headers first (`Expect: 100-continue`), the body only after
   * `100 Continue`; a final answer before it (the FE's 307, a 401) is read and the body never sent.
   * The connection is not reused (agent: false; StarRocks closes it after a stream load anyway).
   */
  private exchange(
    url: URL,
    method: 'PUT' | 'GET',
    headers: Record<string, string>,
    body: Buffer | undefined,
    deadline: number,
  ): Promise<HttpAnswer> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return Promise.reject(new AttemptFailure(true, 'timeout'));
    return new Promise<HttpAnswer>((resolve, reject) => {
      const transport = url.protocol === 'https:' ? https : http;
      const request = transport.request({
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method,
        agent: false,
        headers: {
          ...headers,
          Authorization: this.authorization,
          ...(body ? { 'Content-Length': String(body.length) } : {}),
        },
      });
      let settled = false;
      let bodySent = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const fail = (failure: AttemptFailure) =>
        finish(() => {
          request.destroy();
          reject(failure);
        });
      const timer = setTimeout(() => fail(new AttemptFailure(true, 'timeout')), Math.min(remaining, this.timeoutMs));
      request.setTimeout(Math.min(remaining, this.timeoutMs), () => fail(new AttemptFailure(true, 'timeout')));
      request.on('error', (error: NodeJS.ErrnoException) =>
        fail(new AttemptFailure(true, 'network', { serverMessage: error.code ?? error.message })),
      );
      request.on('continue', () => {
        if (!body || bodySent || settled) return;
        bodySent = true;
        request.end(body);
      });
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        });
        response.on('error', () => fail(new AttemptFailure(true, 'network', { serverMessage: 'answer interrupted' })));
        response.on('aborted', () => fail(new AttemptFailure(true, 'network', { serverMessage: 'answer interrupted' })));
        response.on('end', () =>
          finish(() => {
            const location = response.headers.location;
            resolve({ status: response.statusCode ?? 0, location, text: Buffer.concat(chunks).toString('utf8'), bodySent });
            // The body may never have been sent (a final answer before 100 Continue): drop the connection.
            request.destroy();
          }),
        );
      });
      if (body) request.flushHeaders();
      else request.end();
    });
  }
}
