import type { Request } from '@hapi/hapi';
import { ForbiddenError } from './errors.js';

/** What the server knows about its place behind proxies (set by createServer from the config). */
export interface HttpSettings {
  /** Reverse proxies in front of the server whose forwarding headers are trusted. */
  trustProxy: number;
  /** `HUILIU_PUBLIC_URL`, when set. */
  publicUrl?: string;
}

declare module '@hapi/hapi' {
  interface ServerOptionsApp {
    huiliu?: HttpSettings;
  }
}

function settingsOf(request: Request): HttpSettings {
  return request.server.settings.app?.huiliu ?? { trustProxy: 0 };
}

function forwarded(request: Request, header: string): string[] {
  const value = request.headers[header];
  return (Array.isArray(value) ? value.join(',') : String(value ?? ''))
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/**
 * The client's address: the socket's peer, or — behind `trustProxy` proxies — the address the
 * outermost trusted proxy saw. Each proxy appends its peer to `X-Forwarded-For`, so the client is
 * that many entries from the right; entries further left are the client's own claims and ignored.
 */
export function clientIp(request: Request): string {
  const remote = request.info.remoteAddress ?? '';
  const { trustProxy } = settingsOf(request);
  let address = remote;
  if (trustProxy > 0) {
    const chain = [...forwarded(request, 'x-forwarded-for'), remote];
    address = chain[Math.max(0, chain.length - 1 - trustProxy)]!;
  }
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** The host the client asked for (behind trusted proxies, the one they forwarded). */
function requestedHost(request: Request): string | undefined {
  const { trustProxy } = settingsOf(request);
  if (trustProxy > 0) {
    const hosts = forwarded(request, 'x-forwarded-host');
    if (hosts.length) return hosts[0]!.toLowerCase();
  }
  return typeof request.headers.host === 'string' ? request.headers.host.toLowerCase() : undefined;
}

/**
 * Refuses a browser request sent from another site: its `Origin` must be the public URL's origin
 * or name the host the request was sent to. Requests without `Origin` (curl, server-side clients)
 * pass unless the browser marks them `Sec-Fetch-Site: cross-site`.
 */
export function assertSameOrigin(request: Request): void {
  const origin = request.headers.origin;
  const site = request.headers['sec-fetch-site'];
  if (origin === undefined) {
    if (site === 'cross-site') throw new ForbiddenError('origin_not_allowed');
    return;
  }
  let url: URL;
  try {
    url = new URL(String(origin));
  } catch {
    // `Origin: null` (sandboxed frames, data: URLs, redirects across sites) and garbage.
    throw new ForbiddenError('origin_not_allowed');
  }
  const { publicUrl } = settingsOf(request);
  if (publicUrl && url.origin === new URL(publicUrl).origin) return;
  if ((url.protocol === 'http:' || url.protocol === 'https:') && url.host === requestedHost(request)) return;
  throw new ForbiddenError('origin_not_allowed');
}
