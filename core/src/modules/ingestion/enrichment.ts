import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type ip2region from 'ip2region';
import ipaddr from 'ipaddr.js';
import UAParser from 'ua-parser-js';

/**
 * Event enrichment (docs/decisions/0018-enrichment.md): the SDK preset properties a track event can
 * get from its message's `context.userAgent` (ua-parser-js 1.x), `context.ip` (the offline
 * ip2region database) and `context.campaign` (the utm presets, docs/decisions/0026). Pure functions and a small cache; the ingest worker calls `Enricher.enrich`.
 */

/** The SDK preset codes (metadata.types.ts `sdkPresetProperties`) filled from the user agent. */
export const deviceCodes = ['$os', '$os_version', '$browser', '$browser_version', '$device_model', '$manufacturer'] as const;
/** …and from the client address. */
export const regionCodes = ['$ip', '$country', '$province', '$city'] as const;
/** …and from Segment's `context.campaign` (source, medium, name, content, term). */
export const campaignCodes = ['$utm_source', '$utm_medium', '$utm_campaign', '$utm_content', '$utm_term'] as const;
export const enrichedCodes: readonly string[] = [...deviceCodes, ...regionCodes, ...campaignCodes];

export type EnrichedProperties = Partial<
  Record<(typeof deviceCodes)[number] | (typeof regionCodes)[number] | (typeof campaignCodes)[number], string>
>;

/** `context.campaign`'s keys (Segment's names) and the presets they fill. */
const campaignKeys: readonly [string, (typeof campaignCodes)[number]][] = [
  ['source', '$utm_source'],
  ['medium', '$utm_medium'],
  ['name', '$utm_campaign'],
  ['content', '$utm_content'],
  ['term', '$utm_term'],
];
/** Longer campaign values are cut (a utm value is a short label). */
const CAMPAIGN_VALUE_MAX = 255;

/** Longer user agents are cut before parsing (ua-parser-js itself reads 500 characters). */
const USER_AGENT_MAX = 512;
/** Distinct user agents and addresses remembered across batches. */
const CACHE_SIZE = 2000;

const nothing: EnrichedProperties = Object.freeze({});

/** A non-empty trimmed string, else undefined. */
function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** `context.ip` and `context.userAgent` of a message (Segment's fields), when they are strings. */
export function clientOf(context: unknown): { ip?: string; userAgent?: string } {
  if (context === null || typeof context !== 'object' || Array.isArray(context)) return {};
  const { ip, userAgent } = context as Record<string, unknown>;
  return { ip: text(ip), userAgent: text(userAgent) };
}

/**
 * The utm presets of a message's `context.campaign` (Segment: source, medium, name → campaign,
 * content, term); strings and numbers, trimmed; nothing for a campaign that is not an object.
 */
export function campaignOf(context: unknown): EnrichedProperties {
  if (context === null || typeof context !== 'object' || Array.isArray(context)) return nothing;
  const campaign = (context as Record<string, unknown>).campaign;
  if (campaign === null || typeof campaign !== 'object' || Array.isArray(campaign)) return nothing;
  const found: EnrichedProperties = {};
  for (const [key, code] of campaignKeys) {
    const value = (campaign as Record<string, unknown>)[key];
    const given = typeof value === 'number' && Number.isFinite(value) ? String(value) : text(value);
    if (given !== undefined) found[code] = given.slice(0, CAMPAIGN_VALUE_MAX);
  }
  return found;
}

/** The caller of a collect request: the person's browser or app. */
export interface RequestClient {
  ip?: string;
  userAgent?: string;
}

/**
 * Segment's rule at accept time: a message's `context.ip` and `context.userAgent` come from the
 * request when the message has none (absent or null). Returns `context` itself when nothing is
 * added; a context that is not an object is left as sent.
 */
export function withClientContext(context: unknown, client: RequestClient): unknown {
  if (context !== undefined && context !== null && (typeof context !== 'object' || Array.isArray(context))) return context;
  const given = (context ?? {}) as Record<string, unknown>;
  const added: Record<string, string> = {};
  const ip = text(client.ip);
  const userAgent = text(client.userAgent)?.slice(0, USER_AGENT_MAX);
  if (ip !== undefined && (given.ip === undefined || given.ip === null)) added.ip = ip;
  if (userAgent !== undefined && (given.userAgent === undefined || given.userAgent === null)) added.userAgent = userAgent;
  return Object.keys(added).length === 0 ? context : { ...given, ...added };
}

/** The device properties of a user agent; nothing for one that names nothing (curl, bots' bare names). */
export function deviceOf(userAgent: string): EnrichedProperties {
  const { os, browser, device } = new UAParser(userAgent.slice(0, USER_AGENT_MAX)).getResult();
  const found: EnrichedProperties = {};
  const put = (code: (typeof deviceCodes)[number], value: string | undefined) => {
    const given = text(value);
    if (given !== undefined) found[code] = given;
  };
  put('$os', os.name);
  put('$os_version', os.version);
  put('$browser', browser.name);
  put('$browser_version', browser.version);
  put('$device_model', device.model);
  put('$manufacturer', device.vendor);
  return found;
}

/**
 * The address in its usual form when it is a public (globally routed) one: an IPv4-mapped IPv6
 * address as IPv4. Undefined for anything else — private, loopback, link-local, CGNAT, reserved,
 * documentation ranges, and text that is not an address — since those say nothing about the person
 * (often a proxy's own address) and would only store noise.
 */
export function publicAddress(value: string): string | undefined {
  if (isIP(value) === 0) return undefined;
  const address = ipaddr.process(value);
  return address.range() === 'unicast' ? (address.kind() === 'ipv4' ? address.toString() : value.toLowerCase()) : undefined;
}

/** Municipalities: the IPv4 database says 上海 / 上海市, the IPv6 one 上海市 / — ; both become the first. */
const MUNICIPALITIES = new Set(['北京市', '上海市', '天津市', '重庆市']);

const require = createRequire(import.meta.url);
let regionDatabase: InstanceType<typeof ip2region.default> | undefined;

/** The ip2region database (IPv4 and IPv6, ~11 MB), read once per process on first use. */
function regions(): InstanceType<typeof ip2region.default> {
  // CommonJS with its class at `exports.default`: required, so every loader (Node, Vitest) agrees.
  regionDatabase ??= new (require('ip2region') as typeof ip2region).default();
  return regionDatabase;
}

/**
 * `$ip`, `$country`, `$province`, `$city` of a client address. Nothing for an address that is not
 * public; the database's placeholders (`0`, `内网IP`) are never stored.
 */
export function regionOf(ip: string): EnrichedProperties {
  const address = publicAddress(ip);
  if (address === undefined) return nothing;
  const found: EnrichedProperties = { $ip: address };
  const hit = regions().search(address);
  const clean = (value: string | undefined) => {
    const given = text(value);
    return given === undefined || given === '0' || given.includes('内网') ? undefined : given;
  };
  const country = clean(hit?.country);
  let province = clean(hit?.province);
  let city = clean(hit?.city);
  if (province !== undefined && MUNICIPALITIES.has(province)) {
    city ??= province;
    province = province.slice(0, -1);
  }
  if (country !== undefined) found.$country = country;
  if (province !== undefined) found.$province = province;
  if (city !== undefined) found.$city = city;
  return found;
}

/** A small least-recently-used map (a Map keeps insertion order: a hit moves to the end). */
class Lru<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly size: number) {}

  get(key: string, make: (key: string) => V): V {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const value = make(key);
    this.entries.set(key, value);
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}

/**
 * The codes of `enrichedCodes` each event carries (the SDK presets ride on events of custom and
 * mini-program channels; metadata lists them among the event's properties). An event missing here
 * gets nothing: a property it does not carry would only land in `extra`.
 */
export function enrichableBy(
  events: readonly { code: string; properties: readonly string[] }[],
): Map<string, ReadonlySet<string>> {
  const wanted = new Set(enrichedCodes);
  const carried = new Map<string, ReadonlySet<string>>();
  for (const event of events) {
    const codes = new Set(event.properties.filter((code) => wanted.has(code)));
    if (codes.size > 0) carried.set(event.code, codes);
  }
  return carried;
}

/**
 * Fills a track event's properties from its message's context, caching the parse of each distinct
 * user agent and the lookup of each distinct address. A property the client sent is never
 * overwritten; only codes the event carries are filled.
 */
export class Enricher {
  private readonly devices = new Lru<EnrichedProperties>(CACHE_SIZE);
  private readonly places = new Lru<EnrichedProperties>(CACHE_SIZE);

  /** The properties to store: `properties` itself when nothing is added, else a copy with the additions. */
  enrich(
    properties: Record<string, unknown>,
    context: unknown,
    carried: ReadonlySet<string> | undefined,
  ): Record<string, unknown> {
    if (carried === undefined || carried.size === 0) return properties;
    const { ip, userAgent } = clientOf(context);
    const campaign = campaignOf(context);
    if (ip === undefined && userAgent === undefined && campaign === nothing) return properties;
    let result = properties;
    const add = (found: EnrichedProperties) => {
      for (const [code, value] of Object.entries(found)) {
        if (!carried.has(code) || Object.prototype.hasOwnProperty.call(properties, code)) continue;
        if (result === properties) result = { ...properties };
        result[code] = value;
      }
    };
    if (userAgent !== undefined) add(this.devices.get(userAgent.slice(0, USER_AGENT_MAX), deviceOf));
    if (ip !== undefined) add(this.places.get(ip.slice(0, 64), regionOf));
    add(campaign);
    return result;
  }
}
