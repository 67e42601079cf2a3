// STAND-IN: replaced by branch i23-sl
import http from 'node:http';
import type { Logger } from 'pino';

/**
 * A minimal stand-in of the Stream Load client (the Stream Load branch owns the real one: retries,
 * gzip, 100-continue, redirect rules). Same exported names and shapes, so the engine codes against
 * the real interface.
 */
export interface StreamLoadOptions {
  /** FE HTTP base, e.g. http://fe:8030 */
  feUrl: string;
  user: string;
  password: string;
  timeoutMs?: number;
  attempts?: number;
  backoffMs?: number;
  gzip?: boolean;
  logger?: Logger;
}

export interface StreamLoadRequest {
  database: string;
  table: string;
  label: string;
  rows: readonly Record<string, unknown>[];
  columns?: readonly string[];
  partialUpdate?: 'row' | 'column';
  timeoutSeconds?: number;
}

export interface StreamLoadResult {
  label: string;
  status: 'loaded' | 'already_loaded' | 'publish_timeout';
  txnId?: number;
  loadedRows: number;
  filteredRows: number;
  attempts: number;
}

export class StreamLoadError extends Error {
  constructor(
    readonly code: 'olap_load_failed' | 'olap_load_rejected',
    message: string,
    readonly status?: string,
  ) {
    super(message);
    this.name = 'StreamLoadError';
  }
}

/** The stand-in's one failure code (the Stream Load branch registers the real client's codes and messages). */
const FAILED = 'olap_load_failed' as const;

/** `<batchId>-<table>`: labels are unique per database, so each table of one batch has its own. */
export function streamLoadLabel(batchId: string, table: string): string {
  return `${batchId}-${table}`.replace(/[^A-Za-z0-9_:-]/g, '_').slice(0, 128);
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export class StreamLoadClient {
  constructor(private readonly options: StreamLoadOptions) {}

  private send(url: URL, method: string, headers: Record<string, string>, body?: Buffer, redirects = 0): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const request = http.request(
        url,
        {
          method,
          headers: {
            ...headers,
            authorization: `Basic ${Buffer.from(`${this.options.user}:${this.options.password}`).toString('base64')}`,
            ...(body ? { 'content-length': String(body.length) } : {}),
          },
          timeout: this.options.timeoutMs ?? 600_000,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const answer = {
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).toString(),
            };
            if (answer.status === 307 && answer.headers.location && redirects < 3) {
              this.send(new URL(answer.headers.location, url), method, headers, body, redirects + 1).then(resolve, reject);
            } else resolve(answer);
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error('stream load timed out')));
      request.on('error', reject);
      if (body) request.end(body);
      else request.end();
    });
  }

  async load(r: StreamLoadRequest): Promise<StreamLoadResult> {
    const headers: Record<string, string> = {
      label: r.label,
      format: 'json',
      strip_outer_array: 'true',
      'content-type': 'application/json',
    };
    if (r.columns) headers.columns = r.columns.join(',');
    if (r.partialUpdate) {
      headers.partial_update = 'true';
      headers.partial_update_mode = r.partialUpdate;
    }
    if (r.timeoutSeconds) headers.timeout = String(r.timeoutSeconds);
    const url = new URL(`/api/${encodeURIComponent(r.database)}/${encodeURIComponent(r.table)}/_stream_load`, this.options.feUrl);
    const answer = await this.send(url, 'PUT', headers, Buffer.from(JSON.stringify(r.rows)));
    let json: { Status?: string; Message?: string; NumberLoadedRows?: number; NumberFilteredRows?: number; TxnId?: number };
    try {
      json = JSON.parse(answer.body) as typeof json;
    } catch {
      throw new StreamLoadError(FAILED, `stream load answered HTTP ${answer.status}`);
    }
    const base = { label: r.label, txnId: json.TxnId, attempts: 1 };
    switch (json.Status) {
      case 'Success':
        return { ...base, status: 'loaded', loadedRows: json.NumberLoadedRows ?? 0, filteredRows: json.NumberFilteredRows ?? 0 };
      case 'Publish Timeout':
        return { ...base, status: 'publish_timeout', loadedRows: json.NumberLoadedRows ?? 0, filteredRows: 0 };
      case 'Label Already Exists': {
        const state = await this.loadState(r.database, r.label);
        if (['FINISHED', 'VISIBLE', 'COMMITTED'].includes(state))
          return { ...base, status: 'already_loaded', loadedRows: 0, filteredRows: 0 };
        throw new StreamLoadError(FAILED, `label ${r.label} exists in state ${state}`, json.Status);
      }
      default:
        throw new StreamLoadError(FAILED, json.Message ?? `stream load status ${json.Status}`, json.Status);
    }
  }

  async loadState(database: string, label: string): Promise<string> {
    const url = new URL(
      `/api/${encodeURIComponent(database)}/get_load_state?label=${encodeURIComponent(label)}`,
      this.options.feUrl,
    );
    const answer = await this.send(url, 'GET', {});
    const json = JSON.parse(answer.body) as { state?: string };
    return json.state ?? 'UNKNOWN';
  }
}
