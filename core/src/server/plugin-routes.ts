import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Lifecycle, Request, ResponseToolkit, RouteOptions } from '@hapi/hapi';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { AuthStrategyDefinition, PluginRoute, RouteRateLimit } from '../kernel/contributions.js';
import { INTEGRATION, PUBLIC } from '../kernel/permissions.js';
import type Joi from 'joi';
import { clientIp } from './client.js';
import { validationFailAction } from './error-responses.js';
import { ForbiddenError, InputError, RateLimitError, UnauthorizedError } from './errors.js';
import type { HuiliuCredentials, IntegrationPrincipal, Principal } from './principal.js';
import { limitPerWindow, ThrottledError, type Throttle } from './throttle.js';

/**
 * Plugin routes v2 (ADR 0042): the request body as exact bytes or parsed XML, per-route rate limits
 * counted in the database, and custom auth strategies of plugins. The kernel turns each route's
 * declaration into hapi payload settings and two route extensions (`routeRuntimeOptions`).
 */

/** Default and ceiling of `PluginRoute.maxBytes`. */
export const DEFAULT_MAX_BYTES = 1024 * 1024;
export const MAX_MAX_BYTES = 16 * 1024 * 1024;
const BODIES = ['json', 'raw', 'xml'] as const;
const RATE_BY = ['ip', 'tenant', 'caller'] as const;
const STRATEGY_NAME = /^[a-z][A-Za-z0-9]*$/;
const STRATEGY_REF = /^(?:([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\.)?([a-z][A-Za-z0-9]*)$/;
/** Content types an `xml` route accepts (WeChat sends `text/xml`). */
export const XML_CONTENT_TYPES = ['application/xml', 'text/xml'];

// Symbol.for: a plugin bundling its own copy of core reads what this copy stored.
const RAW_BODY = Symbol.for('huiliu.rawBody');

/**
 * The exact bytes of the request body of a `body: 'raw'` or `body: 'xml'` route (an empty Buffer
 * when there was none) — what a signature is computed over. Throws on other routes: a JSON body is
 * parsed by the server and its bytes are gone (declare `body: 'raw'` and parse it yourself).
 */
export function rawBodyOf(request: Request): Buffer {
  const raw = (request as unknown as Record<symbol, unknown>)[RAW_BODY];
  if (!Buffer.isBuffer(raw)) {
    throw new Error(
      `Route ${request.route.method.toUpperCase()} ${request.route.path} keeps no raw body (declare body: 'raw' or 'xml')`,
    );
  }
  return raw;
}

/**
 * Checks an HMAC signature in constant time: `signature` (hex or base64, as `encoding` says) against
 * HMAC-`algorithm` of `data` under `key`. False for a signature of the wrong length or encoding —
 * never throws on what a caller sent. E.g. Stripe-style
 * `verifyHmac({ algorithm: 'sha256', key: secret, data: `${timestamp}.${rawBodyOf(request)}`, signature, encoding: 'hex' })`.
 */
export function verifyHmac(input: {
  algorithm: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  key: string | Buffer;
  data: string | Buffer | readonly (string | Buffer)[];
  signature: string;
  encoding: 'hex' | 'base64' | 'base64url';
}): boolean {
  const hmac = createHmac(input.algorithm, input.key);
  for (const part of Array.isArray(input.data) ? input.data : [input.data]) hmac.update(part as string | Buffer);
  const expected = hmac.digest();
  if (typeof input.signature !== 'string') return false;
  const text = input.signature.trim();
  const wellFormed =
    input.encoding === 'hex'
      ? /^[0-9a-fA-F]*$/.test(text) && text.length % 2 === 0
      : input.encoding === 'base64'
        ? /^[A-Za-z0-9+/]*={0,2}$/.test(text)
        : /^[A-Za-z0-9_-]*$/.test(text);
  if (!wellFormed) return false;
  const given = Buffer.from(text, input.encoding);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// ---- XML ------------------------------------------------------------------------------------------------

/**
 * Safe XML parsing: a document type declaration is refused outright (no entity can be declared, so
 * no external entity — XXE — and no entity expansion — billion laughs); only XML's predefined and
 * numeric character references are decoded. Element text stays a string (`<CreateTime>1348831860`
 * → `'1348831860'`, `<Id>007</Id>` → `'007'`): a WeChat id is not a number. CDATA is kept as text,
 * untrimmed; other text is trimmed. Attributes appear as `@_<name>`; a repeated element becomes an
 * array. Nesting beyond 100 levels, `__proto__`-like names and anything not well-formed answer
 * 400 `xml_invalid`.
 */
const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // The five predefined entities and numeric references; no DOCTYPE reaches the parser.
  processEntities: true,
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: 100,
});

export function parseXmlBody(raw: Buffer): Record<string, unknown> {
  const text = raw.toString('utf8');
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) throw new InputError('xml_doctype_not_allowed');
  if (text.trim() === '' || XMLValidator.validate(text) !== true) throw new InputError('xml_invalid');
  try {
    return xmlParser.parse(text) as Record<string, unknown>;
  } catch {
    throw new InputError('xml_invalid');
  }
}

// ---- registration checks ------------------------------------------------------------------------------

/** Problems of a route's v2 fields that need nothing but the route (checked when it is added). */
export function routeProblems(route: PluginRoute): string[] {
  const problems: string[] = [];
  const body = route.body ?? 'json';
  const payload = (route.payload ?? {}) as Exclude<RouteOptions['payload'], undefined>;
  if (!(BODIES as readonly string[]).includes(body)) problems.push(`body must be one of ${BODIES.join(', ')}`);
  if (route.method === 'GET' && (route.body !== undefined || route.maxBytes !== undefined))
    problems.push('a GET route has no body (body and maxBytes are for other methods)');
  if (body === 'raw' && route.validate?.payload)
    problems.push("has body: 'raw' and validate.payload: raw bytes cannot be validated (validate what you parse)");
  if (body === 'xml' && route.validate?.payload && typeof (route.validate.payload as Joi.Schema).validate !== 'function')
    problems.push("has body: 'xml' and a validate.payload that is not a joi schema");
  if (body !== 'json' && (payload.parse !== undefined || payload.output !== undefined || payload.maxBytes !== undefined))
    problems.push(`has body: '${body}' and sets payload.parse/output/maxBytes (body and maxBytes decide them)`);
  if (route.maxBytes !== undefined) {
    if (!Number.isInteger(route.maxBytes) || route.maxBytes < 1 || route.maxBytes > MAX_MAX_BYTES)
      problems.push(`maxBytes must be a whole number of bytes from 1 to ${MAX_MAX_BYTES}`);
    if (payload.maxBytes !== undefined) problems.push('sets both maxBytes and payload.maxBytes');
  }
  if (route.rateLimit !== undefined) problems.push(...rateLimitProblems(route.rateLimit, route.permission));
  if (route.auth !== undefined) {
    if (typeof route.auth !== 'string' || !STRATEGY_REF.test(route.auth))
      problems.push(`auth "${String(route.auth)}" must name an auth strategy: <name> or <pluginId>.<name>`);
    if (route.permission !== INTEGRATION)
      problems.push(`uses auth strategy "${String(route.auth)}" and must declare permission: '${INTEGRATION}'`);
    if (route.callers !== undefined) problems.push('uses an auth strategy: callers (sessions, tokens) do not apply');
  } else if (route.permission === INTEGRATION) {
    problems.push(`declares permission '${INTEGRATION}' without auth (the strategy that authenticates its callers)`);
  }
  return problems;
}

function rateLimitProblems(limit: RouteRateLimit, permission: string): string[] {
  if (typeof limit !== 'object' || limit === null) return ['rateLimit must be { max, windowSec, by }'];
  const problems: string[] = [];
  if (!Number.isInteger(limit.max) || limit.max < 1 || limit.max > 1_000_000)
    problems.push('rateLimit.max must be a whole number from 1 to 1000000');
  if (!Number.isInteger(limit.windowSec) || limit.windowSec < 1 || limit.windowSec > 86_400)
    problems.push('rateLimit.windowSec must be a whole number of seconds from 1 to 86400');
  if (!(RATE_BY as readonly string[]).includes(limit.by)) problems.push(`rateLimit.by must be one of ${RATE_BY.join(', ')}`);
  else if (limit.by !== 'ip' && permission === PUBLIC)
    problems.push(`rateLimit.by '${limit.by}' needs a known caller, and a public route has none (use 'ip', or an auth strategy)`);
  return problems;
}

/** The full id (`<pluginId>.<name>`) a route's `auth` names: its own plugin's strategy unless it says another. */
export function strategyIdOf(ownerId: string, auth: string): string {
  const match = STRATEGY_REF.exec(auth);
  return match?.[1] ? auth : `${ownerId}.${auth}`;
}

/** Problems of an auth strategy definition (checked when it is added). */
export function strategyProblems(definition: AuthStrategyDefinition): string[] {
  const problems: string[] = [];
  if (typeof definition?.name !== 'string' || !STRATEGY_NAME.test(definition.name))
    problems.push(`auth strategy name "${String(definition?.name)}" must be camelCase (a-z, A-Z, 0-9)`);
  if (typeof definition?.authenticate !== 'function')
    problems.push(`auth strategy "${String(definition?.name)}" needs authenticate()`);
  return problems;
}

// ---- at request time ------------------------------------------------------------------------------------

export interface RouteRuntime {
  /** The database-backed throttle (shared by every process). */
  throttle(): Throttle;
  /** A registered auth strategy by full id. */
  strategy(id: string): { pluginId: string; definition: AuthStrategyDefinition } | undefined;
  /**
   * Whether a tenant an auth strategy named may call the route's plugin: `inactive` (no such tenant,
   * or suspended — answered as an unknown caller), `disabled` (the plugin is switched off for it, ADR
   * 0041), or null. Absent: every tenant may (unit tests of the runtime).
   */
  tenantRefusal?(tenantId: string, pluginId: string): Promise<'inactive' | 'disabled' | null>;
}

/** Rate-limit rows live in `auth_throttle` under this scope; the key names the route and who is counted. */
export const ROUTE_THROTTLE_SCOPE = 'route';
const TENANT_ID = /^[1-9][0-9]{0,19}$/;

async function enforceRateLimit(runtime: RouteRuntime, routeKey: string, limit: RouteRateLimit, who: string): Promise<void> {
  const policy = limitPerWindow({ max: limit.max, windowMs: limit.windowSec * 1000, onSuccess: 'keep' });
  try {
    await runtime.throttle().reserve([{ scope: ROUTE_THROTTLE_SCOPE, key: `${routeKey}\n${limit.by}\n${who}`, policy }]);
  } catch (error) {
    if (!(error instanceof ThrottledError)) throw error;
    const seconds = Math.max(1, Math.ceil(error.retryAfterMs / 1000));
    throw new RateLimitError('rate_limited', { seconds }, seconds);
  }
}

function callerKey(principal: Principal, by: 'tenant' | 'caller'): string {
  if (by === 'tenant') return `tenant:${principal.tenantId}`;
  switch (principal.kind) {
    case 'staff':
      return `staff:${principal.staffId}`;
    case 'app':
      return `app:${principal.appId}`;
    case 'integration':
      return `integration:${principal.strategy}:${principal.tenantId}:${principal.subject ?? ''}`;
  }
}

async function authenticate(
  request: Request,
  strategyId: string,
  runtime: RouteRuntime,
  rawBody: Buffer | null,
  routeOwnerId: string,
): Promise<IntegrationPrincipal> {
  const owned = runtime.strategy(strategyId);
  // Checked at start-up; a strategy cannot disappear while the server runs.
  if (!owned) throw new Error(`auth strategy "${strategyId}" is not registered`);
  const identity = await owned.definition.authenticate(request, { rawBody });
  if (!identity) throw new UnauthorizedError('unauthenticated');
  const { tenantId, subject } = identity;
  if (typeof tenantId !== 'string' || !TENANT_ID.test(tenantId))
    throw new Error(`auth strategy "${strategyId}" returned no valid tenantId`);
  if (subject !== undefined && (typeof subject !== 'string' || subject.length > 200))
    throw new Error(`auth strategy "${strategyId}" returned a subject that is not a string of at most 200 characters`);
  // A suspended tenant's webhooks are refused like an unknown caller's; a plugin switched off for the
  // tenant (ADR 0041) answers as its staff routes do — before the handler runs.
  const refusal = await runtime.tenantRefusal?.(tenantId, routeOwnerId);
  if (refusal === 'inactive') throw new UnauthorizedError('unauthenticated');
  if (refusal === 'disabled') throw new ForbiddenError('plugin_disabled', { plugin: routeOwnerId });
  return {
    kind: 'integration',
    tenantId,
    pluginId: owned.pluginId,
    strategy: strategyId,
    subject: subject ?? null,
    permissions: new Set(),
  };
}

/**
 * What the kernel adds to a route's hapi options for its v2 fields: payload settings for `raw` and
 * `xml` bodies and `maxBytes`, and two route extensions — `onPreAuth` counts `by: 'ip'` limits before
 * the body is read; `onPostAuth` (after the body is read, before validation) keeps the raw bytes,
 * parses XML, runs the auth strategy and counts `by: 'tenant' | 'caller'` limits.
 */
export function routeRuntimeOptions(
  ownerId: string,
  route: PluginRoute,
  mountedPath: string,
  runtime: RouteRuntime,
): Pick<RouteOptions, 'payload' | 'ext' | 'validate'> {
  const body = route.body ?? 'json';
  const routeKey = `${ownerId}\n${route.method} ${mountedPath}`;
  const options: Pick<RouteOptions, 'payload' | 'ext' | 'validate'> = {};
  // hapi validates a payload only when it parses it: an XML route's schema runs here, after parsing.
  const xmlSchema = body === 'xml' ? (route.validate?.payload as Joi.Schema | undefined) : undefined;
  if (xmlSchema) {
    options.validate = { ...route.validate, payload: undefined };
  }
  const maxBytes = route.maxBytes ?? (body === 'json' ? undefined : DEFAULT_MAX_BYTES);
  if (body !== 'json') {
    options.payload = {
      ...(route.payload ?? {}),
      parse: false,
      output: 'data',
      maxBytes,
      ...(body === 'xml' && !route.payload?.allow ? { allow: XML_CONTENT_TYPES } : {}),
    };
  } else if (route.maxBytes !== undefined) {
    options.payload = { ...(route.payload ?? {}), maxBytes: route.maxBytes };
  } else if (route.payload) {
    options.payload = route.payload;
  }

  const limit = route.rateLimit;
  const strategyId = route.auth ? strategyIdOf(ownerId, route.auth) : undefined;
  const ext: NonNullable<RouteOptions['ext']> = {};
  if (limit?.by === 'ip') {
    ext.onPreAuth = {
      method: async (request: Request, h: ResponseToolkit): Promise<Lifecycle.ReturnValue> => {
        await enforceRateLimit(runtime, routeKey, limit, `ip:${clientIp(request)}`);
        return h.continue;
      },
    };
  }
  const keepsBytes = body !== 'json' && route.method !== 'GET';
  if (keepsBytes || strategyId || (limit && limit.by !== 'ip') || xmlSchema) {
    ext.onPostAuth = {
      method: async (request: Request, h: ResponseToolkit): Promise<Lifecycle.ReturnValue> => {
        let rawBody: Buffer | null = null;
        if (keepsBytes) {
          rawBody = Buffer.isBuffer(request.payload) ? request.payload : Buffer.alloc(0);
          Object.defineProperty(request, RAW_BODY, { value: rawBody, enumerable: false });
          // hapi types the payload read-only; the route's own lifecycle step may set it (as hapi does).
          (request as { payload: unknown }).payload = body === 'xml' ? parseXmlBody(rawBody) : rawBody;
        }
        if (strategyId) {
          const principal = await authenticate(request, strategyId, runtime, rawBody, ownerId);
          const credentials: HuiliuCredentials = { principal };
          request.auth.credentials = credentials as unknown as typeof request.auth.credentials;
          request.auth.isAuthenticated = true;
        }
        if (limit && limit.by !== 'ip') {
          const principal = (request.auth.credentials as unknown as HuiliuCredentials | null)?.principal;
          // Checked at registration (no tenant/caller limit on public routes); a safety net all the same.
          if (!principal) throw new UnauthorizedError('unauthenticated');
          await enforceRateLimit(runtime, routeKey, limit, callerKey(principal, limit.by));
        }
        if (xmlSchema) {
          // As hapi validates a parsed payload: the same failure answer, the converted value kept.
          const { value, error } = xmlSchema.validate(request.payload, route.validate?.options as Joi.ValidationOptions);
          if (error) validationFailAction(request, h, error);
          (request as { payload: unknown }).payload = value;
        }
        return h.continue;
      },
      // After huiliu-auth's checks (permission, CSRF): a refused request is not counted.
      options: { after: ['huiliu-auth'] },
    };
  }
  if (ext.onPreAuth || ext.onPostAuth) options.ext = ext;
  return options;
}
