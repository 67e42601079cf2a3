// STAND-IN: replaced by branch i23-sl
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A minimal stand-in of the Stream Load protocol double (the Stream Load branch owns the real one,
 * FE→BE redirect and faults included): one HTTP server taking `PUT /api/{db}/{table}/_stream_load`
 * with Basic auth, JSON arrays, labels unique per database, and the label-state call.
 */
export interface StreamLoadDoubleRequest {
  database: string;
  table: string;
  headers: http.IncomingHttpHeaders;
  rows: Record<string, unknown>[];
}

export type StreamLoadFault = { kind: 'fail'; times?: number } | { kind: 'publish_timeout'; times?: number };

export interface StreamLoadDouble {
  feUrl: string;
  beUrl: string;
  user: string;
  password: string;
  requests: StreamLoadDoubleRequest[];
  loaded(database: string, table: string): Record<string, unknown>[];
  labels(database: string): string[];
  inject(fault: StreamLoadFault): void;
  close(): Promise<void>;
}

export async function startStreamLoadDouble(options: { user?: string; password?: string } = {}): Promise<StreamLoadDouble> {
  const user = options.user ?? 'root';
  const password = options.password ?? 'double-secret';
  const rows = new Map<string, Record<string, unknown>[]>();
  const labels = new Map<string, Map<string, string>>();
  const requests: StreamLoadDoubleRequest[] = [];
  const faults: { kind: StreamLoadFault['kind']; left: number }[] = [];
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  const server = http.createServer((request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== expected) return reply(401, { Status: 'Fail', Message: 'Access denied' });
    const url = new URL(request.url ?? '/', 'http://double');
    const state = /^\/api\/([^/]+)\/get_load_state$/.exec(url.pathname);
    if (request.method === 'GET' && state) {
      const database = decodeURIComponent(state[1]!);
      return reply(200, { state: labels.get(database)?.get(url.searchParams.get('label') ?? '') ?? 'UNKNOWN' });
    }
    const load = /^\/api\/([^/]+)\/([^/]+)\/_stream_load$/.exec(url.pathname);
    if (request.method !== 'PUT' || !load) return reply(404, { Status: 'Fail', Message: 'not found' });
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const database = decodeURIComponent(load[1]!);
      const table = decodeURIComponent(load[2]!);
      const label = String(request.headers.label ?? '');
      let body: Record<string, unknown>[];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString() || '[]') as Record<string, unknown>[];
      } catch {
        return reply(200, { Status: 'Fail', Message: 'bad json', Label: label });
      }
      requests.push({ database, table, headers: request.headers, rows: body });
      const ofDatabase = labels.get(database) ?? new Map<string, string>();
      labels.set(database, ofDatabase);
      if (ofDatabase.has(label))
        return reply(200, { Status: 'Label Already Exists', Label: label, ExistingJobStatus: 'FINISHED' });
      const fault = faults[0];
      if (fault) {
        fault.left -= 1;
        if (fault.left <= 0) faults.shift();
        if (fault.kind === 'fail') return reply(200, { Status: 'Fail', Message: 'injected failure', Label: label });
      }
      ofDatabase.set(label, 'VISIBLE');
      const key = `${database}.${table}`;
      rows.set(key, [...(rows.get(key) ?? []), ...body]);
      reply(200, {
        Status: fault?.kind === 'publish_timeout' ? 'Publish Timeout' : 'Success',
        Label: label,
        NumberLoadedRows: body.length,
        NumberFilteredRows: 0,
        TxnId: requests.length,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    feUrl: url,
    beUrl: url,
    user,
    password,
    requests,
    loaded: (database, table) => rows.get(`${database}.${table}`) ?? [],
    labels: (database) => [...(labels.get(database)?.keys() ?? [])],
    inject(fault) {
      faults.push({ kind: fault.kind, left: fault.times ?? 1 });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
