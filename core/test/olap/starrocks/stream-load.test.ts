import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { formatMessage } from '../../../src/server/messages.js';
import {
  STREAM_LOAD_GZIP_THRESHOLD,
  StreamLoadClient,
  StreamLoadError,
  streamLoadJson,
  streamLoadLabel,
  type StreamLoadOptions,
} from '../../../src/store/olap/starrocks/stream-load.js';
import {
  startStreamLoadDouble,
  type StreamLoadDouble,
  type StreamLoadDoubleOptions,
  type StreamLoadDoubleRequest,
} from '../../support/starrocks-double/stream-load-double.js';

// The Stream Load client against the FE→BE protocol double (ADR 0065). No StarRocks server runs here:
// everything below is what the double received and answered, written to StarRocks' docs.

const PASSWORD = 'Pw-s3cret:Ünï-42';
/** Every log line any client wrote in this file; the last test looks for credentials in them. */
const logLines: string[] = [];
const errorTexts: string[] = [];
const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });

const doubles: StreamLoadDouble[] = [];
const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((double) => double.close()));
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

async function start(options: StreamLoadDoubleOptions = {}): Promise<StreamLoadDouble> {
  const double = await startStreamLoadDouble({ password: PASSWORD, ...options });
  doubles.push(double);
  return double;
}

function client(double: StreamLoadDouble, options: Partial<StreamLoadOptions> = {}): StreamLoadClient {
  return new StreamLoadClient({
    feUrl: double.feUrl,
    user: double.user,
    password: double.password,
    backoffMs: 5,
    logger,
    ...options,
  });
}

/** Runs a load expected to fail and returns its error (kept for the credentials check). */
async function failing(promise: Promise<unknown>): Promise<StreamLoadError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StreamLoadError);
  errorTexts.push(String(error), JSON.stringify(error));
  return error as StreamLoadError;
}

const loadsOf = (double: StreamLoadDouble, label: string, node: StreamLoadDoubleRequest['node'] = 'be') =>
  double.requests.filter((request) => request.node === node && request.label === label && request.method === 'PUT');

const events = (count: number, from = 1) =>
  Array.from({ length: count }, (_, index) => ({
    event_id: from + index,
    contact_id: 9_000 + ((from + index) % 17),
    event_time: 1_700_000_000_000 + index,
    event_name: 'page_view',
  }));

describe('streamLoadLabel', () => {
  it('gives each table of a batch its own label, valid by the docs and at most 128 characters', () => {
    const docsLabel = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
    const batchIds = ['ingest-42', '7', `contacts-${'f'.repeat(8)}-1b2c-4d5e-8f90-123456789abc`, 'x'.repeat(128), 'a:b.c-d'];
    const labels = new Set<string>();
    for (const batchId of batchIds) {
      for (const table of ['events', 'contacts', 'group_member', 'tag_value', 'rel_acme_visits_with_a_very_long_name']) {
        const label = streamLoadLabel(batchId, table);
        expect(label, `${batchId}/${table}`).toMatch(docsLabel);
        expect(label.length).toBeLessThanOrEqual(128);
        expect(streamLoadLabel(batchId, table)).toBe(label);
        labels.add(label);
      }
    }
    expect(labels.size).toBe(25);
    expect(streamLoadLabel('ingest-42', 'events')).toMatch(/^hl_ingest_42__events__[0-9a-f]{16}$/);
  });

  it('keeps batch ids that read alike apart, and refuses what is not a table name', () => {
    const alike = ['a-b', 'a.b', 'a:b', 'a--b', 'ab'].map((batchId) => streamLoadLabel(batchId, 'events'));
    expect(new Set(alike).size).toBe(alike.length);
    expect(() => streamLoadLabel('b1', 'events; drop')).toThrow(TypeError);
    expect(() => streamLoadLabel('', 'events')).toThrow(TypeError);
  });
});

describe('streamLoadJson', () => {
  it('writes bigints as exact JSON numbers, nested ones as strings, and leaves undefined out', () => {
    const json = streamLoadJson([
      { id: 9_007_199_254_740_993n, extra: { big: 12n, list: [1, 'a'] }, gone: undefined, name: 'ü"' },
    ]);
    expect(json).toBe('[{"id":9007199254740993,"extra":{"big":"12","list":[1,"a"]},"name":"ü\\""}]');
    expect(streamLoadJson([])).toBe('[]');
  });
});

describe('the FE→BE path', () => {
  it('follows the FE 307 to the BE with the credentials kept, without sending the body to the FE', async () => {
    const double = await start();
    expect(new URL(double.feUrl).origin).not.toBe(new URL(double.beUrl).origin);
    const rows = events(3);
    const label = streamLoadLabel('b-redirect', 'events');
    const result = await client(double).load({ database: 't_1', table: 'events', label, rows });

    expect(result).toMatchObject({ label, status: 'loaded', loadedRows: 3, filteredRows: 0, attempts: 1 });
    expect(result.txnId).toBeGreaterThan(0);
    const [fe] = loadsOf(double, label, 'fe');
    expect(fe).toMatchObject({ httpStatus: 307, user: double.user, authorized: true, continued: false, bodyBytes: 0 });
    const [be] = loadsOf(double, label, 'be');
    expect(be).toMatchObject({ httpStatus: 200, answer: 'Success', user: double.user, authorized: true });
    expect(be!.path).toBe('/api/t_1/events/_stream_load');
    expect(be!.headers).toMatchObject({ format: 'json', strip_outer_array: 'true', label, expect: '100-continue' });
    expect(be!.headers.authorization).toBeUndefined(); // the double never keeps it
    expect(double.loaded('t_1', 'events')).toEqual(rows);
  });

  it('sends the body only after 100 Continue, with Content-Length', async () => {
    const double = await start({ continueDelayMs: 60 });
    const label = streamLoadLabel('b-continue', 'events');
    await client(double).load({ database: 't_1', table: 'events', label, rows: events(5) });
    const [be] = loadsOf(double, label);
    expect(be).toMatchObject({ expectContinue: true, continued: true, bodyBeforeContinue: false });
    expect(Number(be!.headers['content-length'])).toBe(be!.bodyBytes);
    expect(be!.bodyBytes).toBeGreaterThan(0);
  });

  it('also loads when the FE answers 100 Continue and takes the body before its redirect', async () => {
    const double = await start({ feContinue: true });
    const label = streamLoadLabel('b-fe-continue', 'events');
    const result = await client(double).load({ database: 't_1', table: 'events', label, rows: events(4) });
    expect(result).toMatchObject({ status: 'loaded', loadedRows: 4, attempts: 1 });
    const [fe] = loadsOf(double, label, 'fe');
    const [be] = loadsOf(double, label, 'be');
    expect(fe).toMatchObject({ continued: true, httpStatus: 307 });
    expect(fe!.bodyBytes).toBe(be!.bodyBytes);
    expect(double.loaded('t_1', 'events')).toHaveLength(4);
  });

  it('(the double) still loads a body sent without waiting for 100 Continue, and says so', async () => {
    const double = await start({ continueDelayMs: 80 });
    const body = JSON.stringify(events(2));
    const answer = await new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
      const request = http.request(`${double.beUrl}/api/t_1/events/_stream_load`, {
        method: 'PUT',
        headers: {
          Authorization: `Basic ${Buffer.from(`${double.user}:${double.password}`).toString('base64')}`,
          Expect: '100-continue',
          label: 'eager_client',
          format: 'json',
          strip_outer_array: 'true',
          'Content-Length': Buffer.byteLength(body),
        },
      });
      request.on('response', (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => resolve({ status: response.statusCode!, json: JSON.parse(text) as Record<string, unknown> }));
      });
      request.on('error', reject);
      request.end(body); // at once, no waiting
    });
    expect(answer).toMatchObject({ status: 200, json: { Status: 'Success', NumberLoadedRows: 2 } });
    expect(loadsOf(double, 'eager_client')[0]).toMatchObject({ bodyBeforeContinue: true, continued: true });
  });

  it('gzips a body above 64 KB (compression: gzip) and sends small ones as they are', async () => {
    const double = await start();
    const wide = Array.from({ length: 1_500 }, (_, index) => ({ event_id: index, note: `row ${index} ${'x'.repeat(80)}` }));
    expect(streamLoadJson(wide).length).toBeGreaterThan(STREAM_LOAD_GZIP_THRESHOLD);
    const big = streamLoadLabel('b-gzip', 'events');
    await client(double).load({ database: 't_1', table: 'events', label: big, rows: wide });
    const [compressed] = loadsOf(double, big);
    expect(compressed!.headers.compression).toBe('gzip');
    expect(compressed!.bodyBytes).toBeLessThan(streamLoadJson(wide).length / 4);
    expect(double.loaded('t_1', 'events')).toEqual(wide);

    const small = streamLoadLabel('b-small', 'events');
    await client(double).load({ database: 't_1', table: 'events', label: small, rows: events(2) });
    expect(loadsOf(double, small)[0]!.headers.compression).toBeUndefined();

    const plain = streamLoadLabel('b-plain', 'events');
    await client(double, { gzip: false }).load({ database: 't_2', table: 'events', label: plain, rows: wide });
    const [uncompressed] = loadsOf(double, plain);
    expect(uncompressed!.headers.compression).toBeUndefined();
    expect(uncompressed!.bodyBytes).toBe(Buffer.byteLength(streamLoadJson(wide)));
  });

  it('sends partial updates with partial_update, the mode and the columns taken from the rows', async () => {
    const double = await start({ primaryKeys: { contacts: ['contact_id'] } });
    const stream = client(double);
    await stream.load({
      database: 't_1',
      table: 'contacts',
      label: streamLoadLabel('b-full', 'contacts'),
      rows: [
        { contact_id: 1, name: 'A', p_1: 'x' },
        { contact_id: 2, name: 'B', p_1: 'y' },
      ],
    });
    const label = streamLoadLabel('b-partial', 'contacts');
    await stream.load({
      database: 't_1',
      table: 'contacts',
      label,
      rows: [{ contact_id: 2, p_1: 'z' }],
      partialUpdate: 'column',
      timeoutSeconds: 120,
    });
    expect(loadsOf(double, label)[0]!.headers).toMatchObject({
      partial_update: 'true',
      partial_update_mode: 'column',
      columns: 'contact_id,p_1',
      timeout: '120',
    });
    expect(double.loaded('t_1', 'contacts')).toEqual([
      { contact_id: 1, name: 'A', p_1: 'x' },
      { contact_id: 2, name: 'B', p_1: 'z' },
    ]);
  });
});

describe('answers', () => {
  it('Publish Timeout is a load that needs no retry', async () => {
    const double = await start();
    double.inject({ kind: 'publishTimeout', visibleAfterMs: 100 });
    const label = streamLoadLabel('b-publish', 'events');
    const result = await client(double).load({ database: 't_1', table: 'events', label, rows: events(3) });
    expect(result).toMatchObject({ status: 'publish_timeout', loadedRows: 3, attempts: 1 });
    expect(loadsOf(double, label)).toHaveLength(1);
    expect(double.labels('t_1')).toEqual([expect.objectContaining({ label, state: 'COMMITTED' })]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(double.labels('t_1')).toEqual([expect.objectContaining({ label, state: 'VISIBLE' })]);
  });

  it('Label Already Exists with a FINISHED job is already loaded: no body, no second copy', async () => {
    const double = await start();
    const label = streamLoadLabel('b-done', 'events');
    const earlier = events(2, 100);
    double.existingLabel({ database: 't_1', label, table: 'events', state: 'finished', rows: earlier });
    const result = await client(double).load({ database: 't_1', table: 'events', label, rows: earlier });
    expect(result).toMatchObject({ status: 'already_loaded', loadedRows: 0, attempts: 1 });
    expect(loadsOf(double, label)[0]).toMatchObject({ answer: 'Label Already Exists', continued: false, bodyBytes: 0 });
    expect(double.requests.some((request) => request.path.includes('get_load_state'))).toBe(false);
    expect(double.loaded('t_1', 'events')).toEqual(earlier);
  });

  it('Label Already Exists with a running job: asks the state until it finishes, then already loaded', async () => {
    const double = await start();
    const label = streamLoadLabel('b-running', 'events');
    const earlier = events(2, 200);
    double.existingLabel({ database: 't_1', label, table: 'events', state: 'running', settleAfterMs: 120, rows: earlier });
    const result = await client(double, { backoffMs: 20 }).load({ database: 't_1', table: 'events', label, rows: earlier });
    expect(result).toMatchObject({ status: 'already_loaded', attempts: 1 });
    const states = double.requests.filter((request) => request.path.startsWith('/api/t_1/get_load_state'));
    expect(states.length).toBeGreaterThanOrEqual(2);
    expect(states.map((request) => request.answer)).toContain('PREPARE');
    expect(states.at(-1)).toMatchObject({ answer: 'VISIBLE', user: double.user, authorized: true });
    expect(new URL(states[0]!.path, 'http://x').searchParams.get('label')).toBe(label);
    expect(loadsOf(double, label)).toHaveLength(1);
    expect(double.loaded('t_1', 'events')).toEqual(earlier);
  });

  it('Label Already Exists whose job then aborts: loads again under the same label', async () => {
    const double = await start();
    const label = streamLoadLabel('b-aborting', 'events');
    double.inject({
      kind: 'existingLabel',
      database: 't_1',
      label,
      table: 'events',
      state: 'running',
      settleAfterMs: 60,
      settleTo: 'aborted',
    });
    const rows = events(3, 300);
    const result = await client(double, { backoffMs: 20 }).load({ database: 't_1', table: 'events', label, rows });
    expect(result).toMatchObject({ status: 'loaded', loadedRows: 3, attempts: 2 });
    expect(loadsOf(double, label).map((request) => request.answer)).toEqual(['Label Already Exists', 'Success']);
    expect(double.loaded('t_1', 'events')).toEqual(rows);
  });

  it('an ABORTED label is free again: the load goes through at once', async () => {
    const double = await start();
    const label = streamLoadLabel('b-aborted', 'events');
    double.existingLabel({ database: 't_1', label, table: 'events', state: 'aborted' });
    const result = await client(double).load({ database: 't_1', table: 'events', label, rows: events(2) });
    expect(result).toMatchObject({ status: 'loaded', attempts: 1 });
    expect(double.labels('t_1')).toEqual([expect.objectContaining({ label, state: 'VISIBLE', rows: 2 })]);
  });

  it('Fail is retried with exponential backoff and jitter until it loads', async () => {
    const double = await start();
    double.inject({ kind: 'fail', times: 2, message: 'tablet writer closed' });
    const label = streamLoadLabel('b-flaky', 'events');
    const before = logLines.length;
    const result = await client(double, { backoffMs: 40 }).load({ database: 't_1', table: 'events', label, rows: events(3) });
    expect(result).toMatchObject({ status: 'loaded', loadedRows: 3, attempts: 3 });
    expect(loadsOf(double, label).map((request) => request.answer)).toEqual(['Fail', 'Fail', 'Success']);
    expect(double.loaded('t_1', 'events')).toHaveLength(3);
    const retries = logLines
      .slice(before)
      .map((line) => JSON.parse(line) as { msg: string; attempt?: number; retryInMs?: number; reason?: string; label?: string })
      .filter((line) => line.msg === 'stream load attempt failed; retrying');
    expect(retries.map((line) => [line.attempt, line.reason, line.label])).toEqual([
      [1, 'fail', label],
      [2, 'fail', label],
    ]);
    // Equal jitter: attempt n waits between half and all of 40·2^(n−1) ms.
    expect(retries[0]!.retryInMs).toBeGreaterThanOrEqual(20);
    expect(retries[0]!.retryInMs).toBeLessThanOrEqual(40);
    expect(retries[1]!.retryInMs).toBeGreaterThanOrEqual(40);
    expect(retries[1]!.retryInMs).toBeLessThanOrEqual(80);
  });

  it('Fail on every attempt ends in a retryable olap_load_failed after the configured attempts', async () => {
    const double = await start();
    double.inject({ kind: 'fail', times: 10, message: 'Cancelled because of runtime state is cancelled' });
    const label = streamLoadLabel('b-down', 'events');
    const error = await failing(
      client(double, { attempts: 3 }).load({ database: 't_1', table: 'events', label, rows: events(2) }),
    );
    expect(error).toMatchObject({
      code: 'olap_load_failed',
      retryable: true,
      attempts: 3,
      reason: 'fail',
      status: 'Fail',
      label,
      database: 't_1',
      table: 'events',
    });
    expect(error.serverMessage).toContain('runtime state is cancelled');
    expect(loadsOf(double, label)).toHaveLength(3);
    expect(double.loaded('t_1', 'events')).toEqual([]);
    expect(formatMessage(error.code, 'en-US', error.params)).toContain('3 attempt(s) (fail)');
  });

  it('too many filtered rows is rejected at once: a retry cannot fix the data', async () => {
    const double = await start();
    double.inject({ kind: 'reject', times: 5 });
    const label = streamLoadLabel('b-bad-data', 'events');
    const error = await failing(client(double).load({ database: 't_1', table: 'events', label, rows: events(2) }));
    expect(error).toMatchObject({ code: 'olap_load_rejected', retryable: false, attempts: 1, reason: 'too_many_filtered_rows' });
    expect(loadsOf(double, label)).toHaveLength(1);
    expect(formatMessage(error.code, 'zh-CN', error.params)).toContain('too_many_filtered_rows');
  });

  it('401 is rejected at once, before any body leaves', async () => {
    const double = await start();
    const label = streamLoadLabel('b-401', 'events');
    const wrong = client(double, { password: 'not-the-password' });
    const error = await failing(wrong.load({ database: 't_1', table: 'events', label, rows: events(2) }));
    expect(error).toMatchObject({ code: 'olap_load_rejected', reason: 'unauthorized', httpStatus: 401, attempts: 1 });
    expect(double.requests).toHaveLength(1);
    expect(double.requests[0]).toMatchObject({ node: 'fe', httpStatus: 401, authorized: false, continued: false, bodyBytes: 0 });

    double.inject({ kind: 'unauthorized', at: 'be' });
    const atBackEnd = streamLoadLabel('b-401-be', 'events');
    const refused = await failing(client(double).load({ database: 't_1', table: 'events', label: atBackEnd, rows: events(2) }));
    expect(refused).toMatchObject({ code: 'olap_load_rejected', httpStatus: 401 });
    expect(loadsOf(double, atBackEnd)).toEqual([expect.objectContaining({ httpStatus: 401, continued: false, bodyBytes: 0 })]);
  });

  it('a 5xx and a reset connection are retried', async () => {
    const double = await start();
    double.inject({ kind: 'httpStatus', status: 503, at: 'fe' });
    double.inject({ kind: 'reset', at: 'be' });
    const label = streamLoadLabel('b-unsteady', 'events');
    const rows = events(4);
    const before = logLines.length;
    const result = await client(double).load({ database: 't_1', table: 'events', label, rows });
    expect(result).toMatchObject({ status: 'loaded', attempts: 3 });
    expect(loadsOf(double, label, 'fe').map((request) => request.httpStatus)).toEqual([503, 307, 307]);
    expect(double.loaded('t_1', 'events')).toEqual(rows);
    const reasons = logLines
      .slice(before)
      .map((line) => JSON.parse(line) as { msg: string; reason?: string })
      .filter((line) => line.msg === 'stream load attempt failed; retrying')
      .map((line) => line.reason);
    expect(reasons).toEqual(['http_503', 'network']);
  });
});

describe('timeouts', () => {
  it('a slow BE times the attempt out; the retry finds the label and the rows land once', async () => {
    const double = await start();
    // The first attempt times out at 400 ms while the BE still commits (at ~700 ms); the second attempt's
    // label wait (within its own 400 ms) sees the job finish.
    double.inject({ kind: 'slow', delayMs: 700, at: 'be' });
    const label = streamLoadLabel('b-slow', 'events');
    const rows = events(5);
    const result = await client(double, { timeoutMs: 400, backoffMs: 20 }).load({
      database: 't_1',
      table: 'events',
      label,
      rows,
    });
    expect(result).toMatchObject({ status: 'already_loaded', attempts: 2 });
    expect(loadsOf(double, label).map((request) => request.answer)).toEqual(['Success', 'Label Already Exists']);
    expect(double.loaded('t_1', 'events')).toEqual(rows);
    expect(double.labels('t_1')).toEqual([expect.objectContaining({ label, state: 'VISIBLE', rows: 5 })]);
  });

  it('an earlier job still running when the attempt runs out of time makes another attempt', async () => {
    const double = await start();
    const label = streamLoadLabel('b-long-running', 'events');
    double.existingLabel({ database: 't_1', label, table: 'events', state: 'running', settleAfterMs: 500, rows: events(2) });
    const before = logLines.length;
    const result = await client(double, { timeoutMs: 300, backoffMs: 10 }).load({
      database: 't_1',
      table: 'events',
      label,
      rows: events(2),
    });
    expect(result).toMatchObject({ status: 'already_loaded', attempts: 2 });
    const reasons = logLines
      .slice(before)
      .map((line) => JSON.parse(line) as { msg: string; reason?: string })
      .filter((line) => line.msg === 'stream load attempt failed; retrying')
      .map((line) => line.reason);
    expect(reasons).toEqual(['label_running']);
    expect(double.loaded('t_1', 'events')).toHaveLength(2);
  });

  it('a server that never answers in time ends in olap_load_failed (timeout) after the attempts', async () => {
    const double = await start();
    double.inject({ kind: 'slow', delayMs: 2_000, at: 'fe', times: 2 });
    const label = streamLoadLabel('b-stuck', 'events');
    const started = Date.now();
    const error = await failing(
      client(double, { timeoutMs: 150, attempts: 2 }).load({ database: 't_1', table: 'events', label, rows: events(1) }),
    );
    expect(error).toMatchObject({ code: 'olap_load_failed', reason: 'timeout', attempts: 2 });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(loadsOf(double, label, 'be')).toHaveLength(0);
  });
});

describe('redirects', () => {
  async function rawServer(handler: http.RequestListener): Promise<{ url: string; hits: () => number }> {
    let hits = 0;
    const server = http.createServer((request, response) => {
      hits += 1;
      handler(request, response);
    });
    server.on('checkContinue', (request, response) => server.emit('request', request, response));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
  }

  it('follows at most 3 redirects', async () => {
    const loop = await rawServer((request, response) => {
      response.writeHead(307, { Location: request.url!, Connection: 'close' });
      response.end();
    });
    const stream = new StreamLoadClient({ feUrl: loop.url, user: 'u', password: PASSWORD, logger });
    const error = await failing(stream.load({ database: 't_1', table: 'events', label: 'loop_label', rows: events(1) }));
    expect(error).toMatchObject({ code: 'olap_load_rejected', reason: 'too_many_redirects', attempts: 1 });
    expect(loop.hits()).toBe(4);
  });

  it('refuses a redirect to a scheme other than http(s)', async () => {
    const elsewhere = await rawServer((_request, response) => {
      response.writeHead(307, { Location: 'ftp://127.0.0.1/upload', Connection: 'close' });
      response.end();
    });
    const stream = new StreamLoadClient({ feUrl: elsewhere.url, user: 'u', password: PASSWORD, logger });
    const error = await failing(stream.load({ database: 't_1', table: 'events', label: 'ftp_label', rows: events(1) }));
    expect(error).toMatchObject({ code: 'olap_load_rejected', reason: 'redirect_scheme_refused' });
  });
});

describe('labels and volume', () => {
  it('one batch loading two tables of one database uses two labels; one label for both would drop the second', async () => {
    const double = await start();
    const stream = client(double);
    const contacts = [{ contact_id: 9_001, name: 'A' }];
    const first = await stream.load({
      database: 't_9',
      table: 'events',
      label: streamLoadLabel('batch-7', 'events'),
      rows: events(2),
    });
    const second = await stream.load({
      database: 't_9',
      table: 'contacts',
      label: streamLoadLabel('batch-7', 'contacts'),
      rows: contacts,
    });
    expect([first.status, second.status]).toEqual(['loaded', 'loaded']);
    expect(double.loaded('t_9', 'contacts')).toEqual(contacts);
    expect(double.labels('t_9').map((job) => job.table)).toEqual(['events', 'contacts']);

    // The hazard the per-table label avoids: labels are unique per database, not per table.
    const shared = 'shared_label_of_batch_8';
    await stream.load({ database: 't_8', table: 'events', label: shared, rows: events(2) });
    const lost = await stream.load({ database: 't_8', table: 'contacts', label: shared, rows: contacts });
    expect(lost.status).toBe('already_loaded');
    expect(double.loaded('t_8', 'contacts')).toEqual([]);
  });

  it('loads 50,000 rows in one request', async () => {
    const double = await start();
    const rows = events(50_000);
    const label = streamLoadLabel('b-50k', 'events');
    const result = await client(double).load({ database: 't_1', table: 'events', label, rows });
    expect(result).toMatchObject({ status: 'loaded', loadedRows: 50_000, attempts: 1 });
    const sent = loadsOf(double, label);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers.compression).toBe('gzip');
    const loaded = double.loaded('t_1', 'events');
    expect(loaded).toHaveLength(50_000);
    expect(loaded[49_999]).toEqual(rows[49_999]);
  });

  it('runs concurrent loads of different labels side by side', async () => {
    const double = await start();
    const stream = client(double);
    const work = ['b1', 'b2', 'b3', 'b4'].flatMap((batchId, index) => [
      stream.load({ database: 't_1', table: 'events', label: streamLoadLabel(batchId, 'events'), rows: events(10, index * 10) }),
      stream.load({
        database: 't_1',
        table: 'contacts',
        label: streamLoadLabel(batchId, 'contacts'),
        rows: [{ contact_id: index }],
      }),
    ]);
    const results = await Promise.all(work);
    expect(results.every((result) => result.status === 'loaded' && result.attempts === 1)).toBe(true);
    expect(new Set(results.map((result) => result.label)).size).toBe(8);
    expect(double.labels('t_1').filter((job) => job.state === 'VISIBLE')).toHaveLength(8);
    expect(double.loaded('t_1', 'events')).toHaveLength(40);
    expect(double.loaded('t_1', 'contacts')).toHaveLength(4);
  });
});

describe('the label state and the inputs', () => {
  it('asks the label state through a redirect to the leader FE, with the credentials', async () => {
    const double = await start({ leaderRedirect: true });
    const stream = client(double);
    const label = streamLoadLabel('b-state', 'events');
    await stream.load({ database: 't_1', table: 'events', label, rows: events(1) });
    expect(await stream.loadState('t_1', label)).toBe('VISIBLE');
    expect(await stream.loadState('t_1', 'never_used')).toBe('UNKNOWN');
    const asked = double.requests.filter((request) => request.path.includes('get_load_state'));
    expect(asked.map((request) => [request.node, request.httpStatus, request.answer])).toEqual([
      ['fe', 307, 'redirect'],
      ['leader', 200, 'VISIBLE'],
      ['fe', 307, 'redirect'],
      ['leader', 200, 'UNKNOWN'],
    ]);
    expect(asked.every((request) => request.user === double.user && request.authorized)).toBe(true);
    const unknown = await failing(stream.loadState('t_nowhere', label));
    expect(unknown).toMatchObject({ code: 'olap_load_rejected', reason: 'unknown_database' });
  });

  it('refuses a label outside the docs rule, bad names and credentials in feUrl before any request; no rows is no request', async () => {
    const double = await start();
    const stream = client(double);
    const bad = await failing(stream.load({ database: 't_1', table: 'events', label: 'batch-1-events', rows: events(1) }));
    expect(bad).toMatchObject({ code: 'olap_load_rejected', reason: 'label_invalid', attempts: 0 });
    const table = await failing(stream.load({ database: 't_1', table: 'ev/../x', label: 'ok_label', rows: events(1) }));
    expect(table.reason).toBe('table_invalid');
    const columns = await failing(
      stream.load({ database: 't_1', table: 'events', label: 'ok_label', rows: events(1), columns: ['a=b'] }),
    );
    expect(columns.reason).toBe('columns_invalid');
    expect(await stream.load({ database: 't_1', table: 'events', label: 'ok_label', rows: [] })).toMatchObject({
      status: 'loaded',
      loadedRows: 0,
      attempts: 0,
    });
    expect(double.requests).toHaveLength(0);
    expect(() => new StreamLoadClient({ feUrl: 'http://u:p@127.0.0.1:1', user: 'u', password: 'p' })).toThrow(/credentials/);
    expect(() => new StreamLoadClient({ feUrl: double.feUrl, user: 'u', password: 'p', attempts: 0 })).toThrow(/attempts/);
  });
});

describe('secrets', () => {
  it('no log line or error carries the password or the Authorization header, at any level', async () => {
    // Its own scenario, so it holds alone: debug (redirects), info (loads, label waits), warn (retries), error (rejections).
    const lines: string[] = [];
    const own = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const double = await start();
    const stream = client(double, { logger: own });
    double.inject({ kind: 'fail', times: 1 });
    await stream.load({ database: 't_s', table: 'events', label: 'secret_retry', rows: events(2) });
    double.inject({
      kind: 'existingLabel',
      database: 't_s',
      label: 'secret_wait',
      table: 'events',
      state: 'running',
      settleAfterMs: 30,
    });
    await stream.load({ database: 't_s', table: 'events', label: 'secret_wait', rows: events(1) });
    double.inject({ kind: 'reject' });
    const errors = [await failing(stream.load({ database: 't_s', table: 'events', label: 'secret_reject', rows: events(1) }))];
    double.inject({ kind: 'unauthorized' });
    errors.push(await failing(stream.load({ database: 't_s', table: 'events', label: 'secret_401', rows: events(1) })));
    const levels = new Set(lines.map((line) => (JSON.parse(line) as { level: number }).level));
    expect([...levels].sort()).toEqual([20, 30, 40, 50]);

    const encoded = Buffer.from(`${double.user}:${PASSWORD}`).toString('base64');
    // Also every line and error the other tests of this file produced (when they ran).
    const texts = [...lines, ...errors.map((error) => `${String(error)} ${JSON.stringify(error)}`), ...logLines, ...errorTexts];
    for (const text of texts) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(encoded);
      expect(text.toLowerCase()).not.toContain('authorization');
      expect(text).not.toContain('Basic ');
    }
  });
});
