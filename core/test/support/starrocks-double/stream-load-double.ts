import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * A protocol double of StarRocks' Stream Load, FE → BE (ADR 0065). No StarRocks server can run here;
 * this plays the parts the Stream Load client talks to, as StarRocks' docs (and, where they are silent,
 * its FE/BE sources) describe them:
 * - the FE (one port) checks Basic auth and the `Expect: 100-continue` header, then answers every
 *   `PUT /api/{db}/{table}/_stream_load` with `307` to the BE — another port, so another origin — without
 *   reading the body (or, with `feContinue`, after `100 Continue` and the body); it serves
 *   `GET /api/{db}/get_load_state?label=` (optionally through a redirect to a "leader" FE);
 * - the BE checks Basic auth again, answers "Label Already Exists" before any body, otherwise answers
 *   `100 Continue`, reads the body (a client that sends it without waiting still works: RFC 9110 allows
 *   it and StarRocks' docs only require the header), decodes `compression: gzip`, parses JSON with
 *   `strip_outer_array`, keeps the rows per database and table and the label's job state, and answers
 *   the JSON of STREAM_LOAD.md's "Return value".
 * Labels are unique per DATABASE; an ABORTED job's label can be used again (loading_concepts.md).
 * Everything listens on 127.0.0.1, so another process can load into it over TCP.
 */

export type StreamLoadJobState = 'PREPARE' | 'COMMITTED' | 'VISIBLE' | 'ABORTED';

export type StreamLoadFault =
  /** The next `times` loads (default 1) answer `Fail` (retryable); their jobs abort. */
  | { kind: 'fail'; times?: number; message?: string; label?: string }
  /** The next loads answer `Fail` with "too many filtered rows" (a data-quality verdict: not retryable). */
  | { kind: 'reject'; times?: number; message?: string; label?: string }
  /** The next loads commit but answer `Publish Timeout`; the job turns VISIBLE after `visibleAfterMs` (default 50). */
  | { kind: 'publishTimeout'; times?: number; visibleAfterMs?: number; label?: string }
  /** Wait `delayMs` before answering (at the BE: after the body, and the job still commits). */
  | { kind: 'slow'; delayMs: number; times?: number; at?: 'fe' | 'be'; label?: string }
  /** Drop the connection without an answer (at the BE: before reading the body; no job). */
  | { kind: 'reset'; times?: number; at?: 'fe' | 'be'; label?: string }
  /** Answer 401 whatever the credentials. */
  | { kind: 'unauthorized'; times?: number; at?: 'fe' | 'be' }
  /** Answer this HTTP status (e.g. 503) with a short text body. */
  | { kind: 'httpStatus'; status: number; times?: number; at?: 'fe' | 'be' }
  /** Not a queued fault: sets up a label that exists already (same as `existingLabel()`). */
  | ({ kind: 'existingLabel' } & ExistingLabel);

/** A label that exists before the test loads: finished, aborted, or running and settling later. */
export interface ExistingLabel {
  database: string;
  label: string;
  table?: string;
  state: 'finished' | 'aborted' | 'running' | 'committed';
  /** For `running`: after this many ms the job becomes `settleTo` (default finished). */
  settleAfterMs?: number;
  settleTo?: 'finished' | 'aborted';
  /** Rows the earlier job loaded (kept when it is or becomes finished). */
  rows?: Record<string, unknown>[];
}

export interface StreamLoadDoubleRequest {
  node: 'fe' | 'be' | 'leader';
  method: string;
  path: string;
  database?: string;
  table?: string;
  label?: string;
  /** The Basic-auth user it carried (never the password); undefined when it carried none. */
  user?: string;
  /** The credentials matched. */
  authorized: boolean;
  expectContinue: boolean;
  /** The double answered `100 Continue`. */
  continued: boolean;
  /** Body bytes arrived before `100 Continue` was sent (a client that did not wait). */
  bodyBeforeContinue: boolean;
  /** Body bytes received (compressed size when compressed). */
  bodyBytes: number;
  /** The load headers (lower-case names), Authorization left out. */
  headers: Record<string, string>;
  httpStatus?: number;
  /** The `Status` of a load answer, the `state` of a label-state answer. */
  answer?: string;
}

export interface StreamLoadLabelRecord {
  label: string;
  table: string;
  state: StreamLoadJobState;
  txnId: number;
  rows: number;
}

export interface StreamLoadDoubleOptions {
  user?: string;
  password?: string;
  /** The FE answers `100 Continue` and reads the body before its 307 (default false: 307 at once). */
  feContinue?: boolean;
  /** `get_load_state` at the FE redirects (307) to a second "leader" FE port, as a follower FE does. */
  leaderRedirect?: boolean;
  /** How long the BE waits before `100 Continue`, to see whether the body comes anyway (default 15 ms). */
  continueDelayMs?: number;
  /** Tables with a primary key: a load upserts by it (partial updates merge the named columns; `__op` 1 deletes). */
  primaryKeys?: Record<string, readonly string[]>;
}

export interface StreamLoadDouble {
  feUrl: string;
  beUrl: string;
  /** The leader FE's URL, when `leaderRedirect`. */
  leaderUrl?: string;
  user: string;
  password: string;
  /** Every request either node received, in arrival order. */
  requests: StreamLoadDoubleRequest[];
  /** The rows of a table, as loaded (copies). */
  loaded(database: string, table: string): Record<string, unknown>[];
  /** The labels of a database and their jobs. */
  labels(database: string): StreamLoadLabelRecord[];
  inject(fault: StreamLoadFault): void;
  existingLabel(existing: ExistingLabel): void;
  close(): Promise<void>;
}

interface Job {
  label: string;
  table: string;
  state: StreamLoadJobState;
  txnId: number;
  rows: Record<string, unknown>[];
}

interface Database {
  jobs: Map<string, Job>;
  /** table → rows (keyed tables: key JSON → row). */
  tables: Map<string, Map<string, Record<string, unknown>>>;
}

/** System_limit.md's label rule (stricter than the FE's own `^[-\w]{1,128}$`; the double holds clients to the docs). */
const LABEL_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const LOAD_PATH = /^\/api\/([^/]+)\/([^/]+)\/_stream_load$/;
const STATE_PATH = /^\/api\/([^/]+)\/get_load_state$/;

type Node = StreamLoadDoubleRequest['node'];

export async function startStreamLoadDouble(options: StreamLoadDoubleOptions = {}): Promise<StreamLoadDouble> {
  const user = options.user ?? 'huiliu_loader';
  const password = options.password ?? `pw-${randomBytes(9).toString('base64url')}`;
  const continueDelayMs = options.continueDelayMs ?? 15;
  const requests: StreamLoadDoubleRequest[] = [];
  const databases = new Map<string, Database>();
  const faults: (StreamLoadFault & { left: number })[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let txnSequence = 1000;
  let rowSequence = 0;

  const later = (ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };
  const pause = (ms: number) => new Promise<void>((resolve) => later(ms, resolve));

  const databaseOf = (name: string) => {
    let database = databases.get(name);
    if (!database) {
      database = { jobs: new Map(), tables: new Map() };
      databases.set(name, database);
    }
    return database;
  };

  /** Takes the first fault of this kind that applies here, counting it down. */
  function takeFault<K extends StreamLoadFault['kind']>(
    kinds: readonly K[],
    node: 'fe' | 'be',
    label: string | undefined,
  ): Extract<StreamLoadFault, { kind: K }> | undefined {
    const index = faults.findIndex((fault) => {
      if (!(kinds as readonly string[]).includes(fault.kind)) return false;
      const at =
        'at' in fault && fault.at ? fault.at : fault.kind === 'unauthorized' || fault.kind === 'httpStatus' ? 'fe' : 'be';
      if (at !== node) return false;
      return !('label' in fault && fault.label !== undefined && fault.label !== label);
    });
    if (index < 0) return undefined;
    const fault = faults[index]!;
    fault.left -= 1;
    if (fault.left <= 0) faults.splice(index, 1);
    return fault as unknown as Extract<StreamLoadFault, { kind: K }>;
  }

  function credentials(request: http.IncomingMessage): { user?: string; authorized: boolean } {
    const header = request.headers.authorization;
    if (!header?.startsWith('Basic ')) return { authorized: false };
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { authorized: false };
    const claimed = decoded.slice(0, colon);
    return { user: claimed, authorized: claimed === user && decoded.slice(colon + 1) === password };
  }

  function record(node: Node, request: http.IncomingMessage, extra: Partial<StreamLoadDoubleRequest>): StreamLoadDoubleRequest {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (name === 'authorization' || value === undefined) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const auth = credentials(request);
    const entry: StreamLoadDoubleRequest = {
      node,
      method: request.method ?? '',
      path: request.url ?? '',
      user: auth.user,
      authorized: auth.authorized,
      expectContinue: (request.headers.expect ?? '').toLowerCase() === '100-continue',
      continued: false,
      bodyBeforeContinue: false,
      bodyBytes: 0,
      headers,
      ...extra,
    };
    requests.push(entry);
    return entry;
  }

  function answer(
    response: http.ServerResponse,
    entry: StreamLoadDoubleRequest,
    status: number,
    body: unknown,
    extraHeaders = {},
  ) {
    entry.httpStatus = status;
    if (response.destroyed || response.writableEnded) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    // Stream loads close the connection after the answer (LoadAction.java: setForceCloseConnection).
    response.writeHead(status, { 'Content-Type': 'application/json', Connection: 'close', ...extraHeaders });
    response.end(text);
  }

  /** The FE's error shape (RestBaseResult): 200 with status FAILED, or 401 for credentials. */
  const feFailure = (message: string) => ({ status: 'FAILED', code: '1', msg: message, message });

  function unauthorized(response: http.ServerResponse, entry: StreamLoadDoubleRequest) {
    answer(response, entry, 401, feFailure('Access denied; you need (at least one of) the INSERT privilege(s)'), {
      'WWW-Authenticate': 'Basic realm=""',
    });
  }

  async function readBody(request: http.IncomingMessage, entry: StreamLoadDoubleRequest): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    entry.bodyBytes = body.length;
    return body;
  }

  /** Sends `100 Continue` after a short look at whether the body came without it. */
  async function continueRequest(request: http.IncomingMessage, response: http.ServerResponse, entry: StreamLoadDoubleRequest) {
    if (!entry.expectContinue) return;
    await pause(continueDelayMs);
    entry.bodyBeforeContinue = request.readableLength > 0 || request.complete;
    if (response.destroyed) return;
    response.writeContinue();
    entry.continued = true;
  }

  // ---------------------------------------------------------------- FE

  async function frontEnd(node: 'fe' | 'leader', request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://double');
    const load = LOAD_PATH.exec(url.pathname);
    const state = STATE_PATH.exec(url.pathname);
    const label = load ? request.headers.label?.toString() : (url.searchParams.get('label') ?? undefined);
    const entry = record(node, request, {
      database: load ? decodeURIComponent(load[1]!) : state ? decodeURIComponent(state[1]!) : undefined,
      table: load ? decodeURIComponent(load[2]!) : undefined,
      label,
    });
    if (node === 'fe') {
      const reset = takeFault(['reset'], 'fe', label);
      if (reset) return void request.socket.destroy();
      const slow = takeFault(['slow'], 'fe', label);
      if (slow) await pause(slow.delayMs);
      const status = takeFault(['httpStatus'], 'fe', label);
      if (status) return answer(response, entry, status.status, `injected ${status.status}`);
      if (takeFault(['unauthorized'], 'fe', label)) return unauthorized(response, entry);
    }
    if (!entry.authorized) return unauthorized(response, entry);

    if (load && request.method === 'PUT') {
      // LoadAction.java: "A 'Load' request must have "Expect: 100-continue" header for HTTP/1.1".
      if (!entry.expectContinue) return answer(response, entry, 200, feFailure('There is no 100-continue header'));
      if (options.feContinue) {
        await continueRequest(request, response, entry);
        await readBody(request, entry);
      }
      entry.answer = 'redirect';
      return answer(response, entry, 307, '', { Location: `${beUrl}${request.url}` });
    }
    if (state && request.method === 'GET') {
      if (node === 'fe' && options.leaderRedirect) {
        entry.answer = 'redirect';
        return answer(response, entry, 307, '', { Location: `${leaderUrl}${request.url}` });
      }
      const databaseName = entry.database!;
      if (!label) return answer(response, entry, 200, feFailure('No label selected.'));
      const database = databases.get(databaseName);
      if (!database) return answer(response, entry, 200, feFailure(`unknown database, database=${databaseName}`));
      const job = database.jobs.get(label);
      entry.answer = job?.state ?? 'UNKNOWN';
      return answer(response, entry, 200, {
        status: 'OK',
        code: '0',
        msg: 'Success',
        message: 'OK',
        state: entry.answer,
        reason: '',
      });
    }
    return answer(response, entry, 404, feFailure(`no such path: ${url.pathname}`));
  }

  // ---------------------------------------------------------------- BE

  function storeRows(database: Database, table: string, rows: Record<string, unknown>[], headers: http.IncomingHttpHeaders) {
    let stored = database.tables.get(table);
    if (!stored) {
      stored = new Map();
      database.tables.set(table, stored);
    }
    const key = options.primaryKeys?.[table];
    const partial = (headers.partial_update ?? '').toString().toLowerCase() === 'true';
    for (const row of rows) {
      if (!key) {
        rowSequence += 1;
        stored.set(`#${rowSequence}`, row);
        continue;
      }
      const id = JSON.stringify(key.map((column) => row[column]));
      const { __op: op, ...values } = row;
      if (op === 1 || op === 'delete') {
        stored.delete(id);
        continue;
      }
      const existing = stored.get(id);
      stored.set(id, partial && existing ? { ...existing, ...values } : values);
    }
  }

  /** True when no string or key of `value` holds a lone surrogate. */
  function wellFormedJson(value: unknown): boolean {
    const isWellFormed = (text: string) => (text as string & { isWellFormed(): boolean }).isWellFormed();
    if (typeof value === 'string') return isWellFormed(value);
    if (Array.isArray(value)) return value.every(wellFormedJson);
    if (value !== null && typeof value === 'object')
      return Object.entries(value).every(([key, item]) => isWellFormed(key) && wellFormedJson(item));
    return true;
  }

  function parseRows(body: Buffer, headers: http.IncomingHttpHeaders): Record<string, unknown>[] | string {
    let text: string;
    const compression = (headers.compression ?? headers['content-encoding'] ?? '').toString().toLowerCase();
    try {
      text = compression === 'gzip' ? gunzipSync(body).toString('utf8') : body.toString('utf8');
    } catch {
      return 'Failed to decompress the body with gzip';
    }
    if (compression !== '' && compression !== 'gzip') return `the double supports only gzip, not ${compression}`;
    if ((headers.format ?? '').toString().toLowerCase() !== 'json') return 'the double loads only format: json';
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return `JSON parse error: ${(error as Error).message}`;
    }
    const strip = (headers.strip_outer_array ?? '').toString().toLowerCase() === 'true';
    if (Array.isArray(parsed) && !strip) return 'JSON data is an array, strip_outer_array must be set true';
    const rows = strip ? parsed : [parsed];
    if (!Array.isArray(rows)) return 'strip_outer_array is true but the JSON data is not an array';
    if (!rows.every((row) => typeof row === 'object' && row !== null && !Array.isArray(row)))
      return 'every row must be a JSON object';
    // A lone UTF-16 surrogate (`"\ud800"` escaped alone) has no UTF-8 form. StarRocks' docs do not say what
    // its JSON reader does with one; the double takes the strict reading: the row is filtered, and with the
    // default max_filter_ratio (0) the whole load fails — as StarRocks reports a row it cannot parse.
    if (!wellFormedJson(rows)) return 'too many filtered rows';
    const columns = headers.columns
      ?.toString()
      .split(',')
      .map((column) => column.trim())
      .filter(Boolean);
    // JSON simple mode maps keys to columns by name; with `columns`, only the named keys load.
    return (rows as Record<string, unknown>[]).map((row) =>
      columns ? Object.fromEntries(columns.filter((column) => column in row).map((column) => [column, row[column]])) : row,
    );
  }

  async function backEnd(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://double');
    const load = LOAD_PATH.exec(url.pathname);
    const label = request.headers.label?.toString();
    const entry = record('be', request, {
      database: load ? decodeURIComponent(load[1]!) : undefined,
      table: load ? decodeURIComponent(load[2]!) : undefined,
      label,
    });
    const reset = takeFault(['reset'], 'be', label);
    if (reset) return void request.socket.destroy();
    const status = takeFault(['httpStatus'], 'be', label);
    if (status) return answer(response, entry, status.status, `injected ${status.status}`);
    if (takeFault(['unauthorized'], 'be', label)) return unauthorized(response, entry);
    if (!entry.authorized) return unauthorized(response, entry);
    if (!load || request.method !== 'PUT') return answer(response, entry, 404, feFailure(`no such path: ${url.pathname}`));

    const fail = (job: Job | undefined, message: string, extra: Record<string, unknown> = {}) => {
      if (job) job.state = 'ABORTED';
      entry.answer = 'Fail';
      answer(response, entry, 200, {
        TxnId: job?.txnId ?? -1,
        Label: label ?? '',
        Status: 'Fail',
        Message: message,
        NumberTotalRows: 0,
        NumberLoadedRows: 0,
        NumberFilteredRows: 0,
        NumberUnselectedRows: 0,
        ...extra,
      });
    };
    if (!entry.expectContinue) return fail(undefined, 'There is no 100-continue header');
    if (!label || !LABEL_PATTERN.test(label)) {
      return fail(undefined, `Label format error. regex: ${LABEL_PATTERN.source}, label: ${label ?? ''}`);
    }
    const database = databaseOf(entry.database!);
    const existing = database.jobs.get(label);
    if (existing && existing.state !== 'ABORTED') {
      // Answered from the header alone, before any 100 Continue (the BE begins the transaction first).
      entry.answer = 'Label Already Exists';
      return answer(response, entry, 200, {
        TxnId: -1,
        Label: label,
        Status: 'Label Already Exists',
        ExistingJobStatus: existing.state === 'PREPARE' ? 'RUNNING' : 'FINISHED',
        Message: `Label [${label}] has already been used.`,
      });
    }
    txnSequence += 1;
    const job: Job = { label, table: entry.table!, state: 'PREPARE', txnId: txnSequence, rows: [] };
    database.jobs.set(label, job);
    const started = Date.now();

    let body: Buffer;
    try {
      await continueRequest(request, response, entry);
      body = await readBody(request, entry);
    } catch {
      job.state = 'ABORTED';
      return;
    }
    if (!request.complete) {
      job.state = 'ABORTED';
      return;
    }
    const rows = parseRows(body, request.headers);
    if (typeof rows === 'string') return fail(job, rows);
    const failure = takeFault(['fail'], 'be', label);
    if (failure) return fail(job, failure.message ?? 'injected failure: the tablet writer was closed');
    const rejection = takeFault(['reject'], 'be', label);
    if (rejection) {
      return fail(job, rejection.message ?? 'too many filtered rows', {
        NumberTotalRows: rows.length,
        NumberFilteredRows: rows.length,
        ErrorURL: `${beUrl}/api/_load_error_log?file=error_log_${job.txnId}`,
      });
    }
    const slow = takeFault(['slow'], 'be', label);
    if (slow) await pause(slow.delayMs);
    const publishTimeout = takeFault(['publishTimeout'], 'be', label);
    storeRows(database, job.table, rows, request.headers);
    job.rows = rows;
    job.state = publishTimeout ? 'COMMITTED' : 'VISIBLE';
    if (publishTimeout) later(publishTimeout.visibleAfterMs ?? 50, () => (job.state = 'VISIBLE'));
    entry.answer = publishTimeout ? 'Publish Timeout' : 'Success';
    answer(response, entry, 200, {
      TxnId: job.txnId,
      Label: label,
      Status: entry.answer,
      Message: publishTimeout ? 'Publish timeout' : 'OK',
      NumberTotalRows: rows.length,
      NumberLoadedRows: rows.length,
      NumberFilteredRows: 0,
      NumberUnselectedRows: 0,
      LoadBytes: body.length,
      LoadTimeMs: Date.now() - started,
      BeginTxnTimeMs: 0,
      StreamLoadPlanTimeMs: 0,
      ReadDataTimeMs: 0,
      WriteDataTimeMs: 0,
      CommitAndPublishTimeMs: 0,
    });
  }

  // ---------------------------------------------------------------- servers

  const sockets = new Set<import('node:net').Socket>();
  function serve(handler: (request: http.IncomingMessage, response: http.ServerResponse) => Promise<void>) {
    const server = http.createServer();
    const run = (request: http.IncomingMessage, response: http.ServerResponse) => {
      handler(request, response).catch((error: unknown) => {
        if (!response.headersSent && !response.destroyed) {
          response.writeHead(500, { Connection: 'close' });
          response.end(String(error));
        }
      });
    };
    // With a 'checkContinue' listener Node leaves the 100 Continue to us (or a final answer instead).
    server.on('checkContinue', run);
    server.on('request', run);
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    return server;
  }
  async function listen(server: http.Server): Promise<string> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const beServer = serve(backEnd);
  const feServer = serve((request, response) => frontEnd('fe', request, response));
  const leaderServer: http.Server | undefined = options.leaderRedirect
    ? serve((request, response) => frontEnd('leader', request, response))
    : undefined;
  const beUrl = await listen(beServer);
  const feUrl = await listen(feServer);
  const leaderUrl: string | undefined = leaderServer ? await listen(leaderServer) : undefined;

  function setUpLabel(existing: ExistingLabel): void {
    const database = databaseOf(existing.database);
    const states = { finished: 'VISIBLE', aborted: 'ABORTED', running: 'PREPARE', committed: 'COMMITTED' } as const;
    txnSequence += 1;
    const job: Job = {
      label: existing.label,
      table: existing.table ?? '',
      state: states[existing.state],
      txnId: txnSequence,
      rows: [],
    };
    database.jobs.set(existing.label, job);
    const finish = () => {
      job.rows = existing.rows ?? [];
      if (existing.table) storeRows(database, existing.table, job.rows, {});
    };
    if (existing.state === 'finished' || existing.state === 'committed') finish();
    if (existing.state === 'running' && existing.settleAfterMs !== undefined) {
      later(existing.settleAfterMs, () => {
        if (existing.settleTo === 'aborted') job.state = 'ABORTED';
        else {
          job.state = 'VISIBLE';
          finish();
        }
      });
    }
  }

  return {
    feUrl,
    beUrl,
    leaderUrl,
    user,
    password,
    requests,
    loaded(database, table) {
      return [...(databases.get(database)?.tables.get(table)?.values() ?? [])].map((row) => ({ ...row }));
    },
    labels(database) {
      return [...(databases.get(database)?.jobs.values() ?? [])].map((job) => ({
        label: job.label,
        table: job.table,
        state: job.state,
        txnId: job.txnId,
        rows: job.rows.length,
      }));
    },
    inject(fault) {
      if (fault.kind === 'existingLabel') return setUpLabel(fault);
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    existingLabel: setUpLabel,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      const servers = [feServer, beServer, leaderServer].filter((server): server is http.Server => server !== undefined);
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}
