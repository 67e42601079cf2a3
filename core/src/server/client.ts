import type { IncomingMessage } from 'node:http';
import type { Request } from '@hapi/hapi';
import proxyAddr from 'proxy-addr';
import { ForbiddenError } from './errors.js';

/** Whether the hop `index` away from the server (0 = the socket's peer) at `address` is a trusted proxy. */
export type ProxyTrust = (address: string, index: number) => boolean;

/** What the server knows about its place behind proxies (set by createServer from the config). */
export interface HttpSettings {
  /** The reverse proxies whose forwarding headers are trusted (see `proxyTrust`); none when absent. */
  trust?: ProxyTrust;
  /** `HUILIU_PUBLIC_URL`, when set. */
  publicUrl?: string;
}

/**
 * The proxies whose `X-Forwarded-*` headers are believed (docs/decisions/0018-enrichment.md): the
 * first `hops` hops from the server (`trustProxy`, a count), and any hop whose address is in
 * `addresses` (`trustedProxies`: addresses, CIDRs, or proxy-addr's `loopback` / `linklocal` /
 * `uniquelocal`). Undefined when nothing is trusted. Throws on an address proxy-addr cannot read.
 */
export function proxyTrust(hops: number, addresses: readonly string[] = []): ProxyTrust | undefined {
  const listed = addresses.length > 0 ? proxyAddr.compile([...addresses]) : undefined;
  if (hops <= 0 && !listed) return undefined;
  return (address, index) => index < hops || (listed?.(address, index) ?? false);
}

declare module '@hapi/hapi' {
  interface ServerOptionsApp {
    huiliu?: HttpSettings;
  }
}

function settingsOf(request: Request): HttpSettings {
  return request.server.settings.app?.huiliu ?? {};
}

/** Whether the socket's peer is a trusted proxy (its forwarding headers count). */
function peerTrusted(request: Request): boolean {
  return settingsOf(request).trust?.(request.info.remoteAddress ?? '', 0) ?? false;
}

function forwarded(request: Request, header: string): string[] {
  const value = request.headers[header];
  return (Array.isArray(value) ? value.join(',') : String(value ?? ''))
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/**
 * The client's address: the socket's peer, or — when the peer is a trusted proxy — the right-most
 * `X-Forwarded-For` hop that is not a trusted proxy (proxy-addr's rule). Each proxy appends its
 * peer, so entries left of the first untrusted hop are the client's own claims and ignored.
 */
export function clientIp(request: Request): string {
  const remote = request.info.remoteAddress ?? '';
  const { trust } = settingsOf(request);
  // proxy-addr reads only these two of a Node request; hapi's remoteAddress also holds under inject.
  const address = trust
    ? proxyAddr({ headers: request.headers, socket: { remoteAddress: remote } } as unknown as IncomingMessage, trust)
    : remote;
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** The host the client asked for (behind trusted proxies, the one they forwarded). */
function requestedHost(request: Request): string | undefined {
  if (peerTrusted(request)) {
    const hosts = forwarded(request, 'x-forwarded-host');
    if (hosts.length) return hosts[0]!.toLowerCase();
  }
  return typeof request.headers.host === 'string' ? request.headers.host.toLowerCase() : undefined;
}

/**
 * The origin the client asked for (`http://host:port`; behind trusted proxies the forwarded host
 * and protocol). The `Host` header is the client's word: only for links when `publicUrl` is unset.
 */
export function requestOrigin(request: Request): string | undefined {
  const host = requestedHost(request);
  if (!host) return undefined;
  const forwardedProto = peerTrusted(request) ? forwarded(request, 'x-forwarded-proto')[0]?.toLowerCase() : undefined;
  const protocol = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : request.server.info.protocol;
  try {
    return new URL(`${protocol}://${host}`).origin;
  } catch {
    return undefined;
  }
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
