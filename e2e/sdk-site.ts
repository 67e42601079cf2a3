import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the proxy saw, with what it answered. */
export interface SeenRequest {
  method: string;
  path: string;
  status: number;
  /** The parsed JSON body of a POST (sendBeacon's text/plain too). */
  body: any;
  contentType: string | undefined;
}

/** A planned answer for the next collect POSTs instead of forwarding them. */
interface Failure {
  /** 0: forward, after `delayMs`. */
  status: number;
  delayMs?: number;
  headers: Record<string, string>;
  times: number;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function listen(server: Server, host: string): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

/**
 * The customer's web site for the SDK tests: pages at `http://localhost:<port>` (`site.page(path,
 * html)`), and at another origin (`http://127.0.0.1:<port>`) a proxy in front of the app's collect
 * API that forwards every request (CORS preflights included) and, when told, fails on purpose:
 * `failNext(503, 1)` answers the next collect POST with 503 without forwarding it. Every proxied
 * request is recorded in `seen`.
 */
export async function startSite(appBase: string) {
  const pages = new Map<string, string>();
  const failures: Failure[] = [];
  const seen: SeenRequest[] = [];

  const site = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const html = pages.get(path);
    res.writeHead(html === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html ?? 'not found');
  });

  const proxy = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await readBody(req);
      const path = req.url ?? '/';
      const contentType = req.headers['content-type'];
      let parsed: unknown;
      try {
        parsed = body.length ? JSON.parse(body.toString('utf8')) : undefined;
      } catch {
        parsed = body.toString('utf8');
      }
      const failure = req.method === 'POST' ? failures[0] : undefined;
      if (failure) {
        failure.times -= 1;
        if (failure.times === 0) failures.shift();
      }
      if (failure?.delayMs) await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
      if (failure && failure.status !== 0) {
        seen.push({ method: req.method!, path, status: failure.status, body: parsed, contentType });
        res.writeHead(failure.status, {
          'content-type': 'application/json',
          'access-control-allow-origin': String(req.headers.origin ?? '*'),
          'access-control-expose-headers': 'retry-after',
          ...failure.headers,
        });
        res.end(JSON.stringify({ statusCode: failure.status, code: 'test_failure', message: 'failed on purpose' }));
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name)) headers[name] = value;
      }
      const forwarded = await fetch(`${appBase}${path}`, {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' ? undefined : new Uint8Array(body),
      });
      const answer = Buffer.from(await forwarded.arrayBuffer());
      if (req.method !== 'OPTIONS') seen.push({ method: req.method!, path, status: forwarded.status, body: parsed, contentType });
      const out: Record<string, string> = {};
      forwarded.headers.forEach((value, name) => {
        if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(name)) out[name] = value;
      });
      res.writeHead(forwarded.status, out);
      res.end(answer);
    })().catch((error: unknown) => {
      res.writeHead(502);
      res.end(String(error));
    });
  });

  const sitePort = await listen(site, '127.0.0.1');
  const proxyPort = await listen(proxy, '127.0.0.1');
  return {
    /** The site's origin (a different origin than the proxy's: every collect call is cross-origin). */
    origin: `http://localhost:${sitePort}`,
    /** Huiliu's address as the SDK sees it (`baseDomain`): the proxy. */
    proxy: `http://127.0.0.1:${proxyPort}`,
    seen,
    page(path: string, html: string) {
      pages.set(path, html);
    },
    failNext(status: number, times = 1, headers: Record<string, string> = {}) {
      failures.push({ status, times, headers });
    },
    /** Forwards the next collect POST only after `ms` (a slow server). */
    slowNext(ms: number) {
      failures.push({ status: 0, delayMs: ms, times: 1, headers: {} });
    },
    /** The messages of the collect POSTs the proxy saw (answered with `status` when given). */
    posted(status?: number): any[] {
      return seen
        .filter((r) => r.method === 'POST' && (status === undefined || r.status === status))
        .flatMap((r) => (Array.isArray(r.body?.batch) ? r.body.batch : [r.body]));
    },
    async close() {
      await Promise.all([site, proxy].map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}

export type Site = Awaited<ReturnType<typeof startSite>>;

/** The code blocks of a guide marked `<!-- snippet: <id> -->` (the next fenced block after the marker). */
export function snippetsOf(markdown: string): Map<string, string> {
  const snippets = new Map<string, string>();
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const marker = /^<!-- snippet: ([a-z0-9-]+) -->$/.exec(lines[i]!.trim());
    if (!marker) continue;
    let j = i + 1;
    while (j < lines.length && !/^```\S*\s*$/.test(lines[j]!)) j += 1;
    const body: string[] = [];
    for (j += 1; j < lines.length && !/^```\s*$/.test(lines[j]!); j += 1) body.push(lines[j]!);
    if (snippets.has(marker[1]!)) throw new Error(`snippet ${marker[1]} twice`);
    snippets.set(marker[1]!, body.join('\n'));
  }
  return snippets;
}
