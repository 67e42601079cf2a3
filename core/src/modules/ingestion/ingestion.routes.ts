import type { Request } from '@hapi/hapi';
import Bourne from '@hapi/bourne';
import Joi from 'joi';
import type { PluginRoute, WriteKeyOwnerInfo } from '../../kernel/contributions.js';
import { clientIp } from '../../server/client.js';
import { InputError, UnauthorizedError } from '../../server/errors.js';
import { principalOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { epochMs, idParams, pageOf, pageQueryWith } from '../../server/schemas.js';
import type { AcceptResult, IngestionService } from './ingestion.service.js';
import { ingestLimits, type MessageType } from './message.js';
import { MASKED_VALUE } from '../masking/masking.types.js';
import type { ContactMasker, MaskingService } from '../masking/masking.service.js';

const tenantOf = (request: Request) => principalOf(request).tenantId;

/** Bodies: 500 KB a request (ARCHITECTURE §5.1); sendBeacon posts JSON as text/plain. */
const collectPayload = {
  maxBytes: ingestLimits.requestBytes,
  allow: ['application/json', 'text/plain'],
  parse: true,
  // A `__proto__` key is dropped (never a prototype, never a 400 that would lose the whole batch).
  protoAction: 'remove' as const,
};

const acceptedSchema = Joi.object({
  accepted: Joi.number().integer().required().description('messages made durable (a repeated messageId counts once)'),
  dropped: Joi.number().integer().required().description('messages of a disabled app, dropped and not counted'),
  messageIds: Joi.array().items(Joi.string()).label('MessageIds').required(),
}).label('IngestAccepted');

/** Segment's answer (its libraries check only the status) with ours. */
const segmentAcceptedSchema = acceptedSchema.keys({ success: Joi.boolean().valid(true).required() }).label('SegmentAccepted');

const anyObject = Joi.object().unknown(true);
const messageFields = {
  messageId: Joi.alternatives(Joi.string(), Joi.number()).description(
    'idempotency key, deduplicated over 7 days (UUIDv7 recommended)',
  ),
  userId: Joi.alternatives(Joi.string(), Joi.number()).description('externalId of the person in this channel'),
  anonymousId: Joi.alternatives(Joi.string(), Joi.number()).description('cookie / device id'),
  timestamp: Joi.alternatives(Joi.string(), Joi.number()).description('when it happened: ISO 8601 with offset, or epoch ms'),
  sentAt: Joi.alternatives(Joi.string(), Joi.number()).description('when the client sent it (clock-skew correction)'),
  context: anyObject.label('MessageContext'),
};

/** The collect body, read leniently: only its envelope is checked here; messages are judged by the worker. */
function bodyOf(request: Request): Record<string, unknown> {
  let payload: unknown = request.payload;
  if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
    try {
      // As hapi does for JSON bodies (protoAction 'remove'): a `__proto__` key is dropped; the scan is
      // iterative, so deep JSON is fine.
      payload = Bourne.parse(payload.toString(), { protoAction: 'remove' });
    } catch {
      throw new InputError('invalid_json');
    }
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new InputError('invalid_json');
  return payload as Record<string, unknown>;
}

/** The writeKey of the request: the user of HTTP Basic auth (Segment's way), or a `writeKey` body field. */
function requestWriteKeyOf(request: Request, body: Record<string, unknown>): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim());
    if (match) {
      const user = Buffer.from(match[1]!, 'base64').toString('utf8').split(':')[0];
      if (user) return user;
    }
  }
  if (typeof body.writeKey === 'string' && body.writeKey !== '') return body.writeKey;
  return undefined;
}

async function ownerOfKey(ingestion: IngestionService, writeKey: string | undefined): Promise<WriteKeyOwnerInfo> {
  const owner = writeKey !== undefined && writeKey.length <= 128 ? await ingestion.ownerOfWriteKey(writeKey) : undefined;
  if (!owner) throw new UnauthorizedError('write_key_invalid');
  return owner;
}

/** Distinct per-item writeKeys one batch may name (each is looked up). */
const ITEM_WRITE_KEYS_MAX = 10;

/**
 * The owners of a batch whose request names no writeKey: each item's own `writeKey` (Segment
 * accepts it there; analytics.js batches carry it per event). Every item must carry a known one,
 * else the whole request is refused (401) — nothing of it is kept.
 */
async function itemOwners(
  ingestion: IngestionService,
  list: unknown[],
): Promise<{ owner: WriteKeyOwnerInfo; indexes: number[] }[]> {
  const byKey = new Map<string, number[]>();
  list.forEach((item, index) => {
    const key = item !== null && typeof item === 'object' ? (item as Record<string, unknown>).writeKey : undefined;
    if (typeof key !== 'string' || key === '') throw new UnauthorizedError('write_key_invalid');
    let indexes = byKey.get(key);
    if (!indexes) byKey.set(key, (indexes = []));
    indexes.push(index);
  });
  if (byKey.size === 0 || byKey.size > ITEM_WRITE_KEYS_MAX) throw new UnauthorizedError('write_key_invalid');
  const owners: { owner: WriteKeyOwnerInfo; indexes: number[] }[] = [];
  for (const [key, indexes] of byKey) owners.push({ owner: await ownerOfKey(ingestion, key), indexes });
  return owners;
}

function batchOf(body: Record<string, unknown>): unknown[] {
  const batch = body.batch;
  if (!Array.isArray(batch)) throw new InputError('validation_failed', {}, [{ path: 'batch', code: 'array.base' }]);
  if (batch.length > ingestLimits.batchMessages)
    throw new InputError('validation_failed', {}, [{ path: 'batch', code: 'array.max' }]);
  return batch;
}

const quarantineSchema = Joi.object({
  id: Joi.string().required(),
  messageId: Joi.string().required(),
  reason: Joi.string().required(),
  event: Joi.string().allow(null).required(),
  type: Joi.string().required(),
  problems: Joi.array()
    .items(Joi.object({ path: Joi.string().required(), code: Joi.string().required() }).label('QuarantineProblem'))
    .label('QuarantineProblems')
    .required(),
  message: anyObject.label('QuarantinedBody').required(),
  receivedAt: epochMs().required(),
  quarantinedAt: epochMs().required(),
  expiresAt: epochMs().required(),
  replayedAt: epochMs().allow(null).required(),
}).label('QuarantinedMessage');

const reasonSchema = Joi.string()
  .max(64)
  .pattern(/^[a-z_]+$/);

/**
 * `/api/v1/collect/*` for SDKs (writeKey), Open API identify and track (app tokens), and 数据质量
 * (console). Collect and track answer 400 only for auth, bad JSON or size; problems inside a message
 * are the worker's (quarantine). 429 with Retry-After when the inbox is too long.
 */
/**
 * A quarantined message as the caller may see it (用户字段加密, §1.11.4.7): a quarantined identify
 * carries contact values, so for staff who see masked fields as *** while the tenant masks any
 * field, every value of `traits` and `context.traits` is shown as *** (custom traits are named by
 * their codes, not their field keys, so they are masked all together).
 */
function maskQuarantined<T extends { message: Record<string, unknown> }>(item: T, masker: ContactMasker): T {
  if (masker.isClear || masker.maskedFields.size === 0) return item;
  const maskAll = (value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).map(([key, v]) => [key, v === null || v === '' ? v : MASKED_VALUE]))
      : value;
  const { message } = item;
  const context = message.context as Record<string, unknown> | undefined;
  return {
    ...item,
    message: {
      ...message,
      ...(message.traits !== undefined ? { traits: maskAll(message.traits) } : {}),
      ...(context && typeof context === 'object' && context.traits !== undefined
        ? { context: { ...context, traits: maskAll(context.traits) } }
        : {}),
    },
  };
}

export function ingestionRoutes(ingestion: IngestionService, masking: MaskingService): PluginRoute[] {
  const collectDoc = (what: string) =>
    `${what}. Auth: the app's writeKey as the HTTP Basic user (Segment's way) or a \`writeKey\` field. ` +
    'Answers 200 once the data is durable; 400 only for a bad writeKey (401), bad JSON or size (500 KB a request, 32 KB a message); ' +
    'problems inside a message are quarantined (see 数据质量); 429/5xx: retry with backoff.';
  // One route per SDK call: the body is read leniently, the writeKey names the tenant and channel.
  const accept = async (
    request: Request,
    messages: (body: Record<string, unknown>) => { list: unknown[]; type?: MessageType; sentAt?: unknown; context?: unknown },
  ): Promise<AcceptResult> => {
    const body = bodyOf(request);
    const requestKey = requestWriteKeyOf(request, body);
    // A writeKey of the request is checked first (401 before any 400 about the body).
    const requestOwner = requestKey !== undefined ? await ownerOfKey(ingestion, requestKey) : undefined;
    if (!requestOwner && !Array.isArray(body.batch)) throw new UnauthorizedError('write_key_invalid');
    const { list, type, sentAt, context } = messages(body);
    // The caller is the person's browser or app: its address and user agent are theirs (Segment's
    // context.ip / context.userAgent, filled where a message has none). Never for the Open API.
    const userAgent = request.headers['user-agent'];
    const options = {
      type,
      sentAt,
      context,
      client: { ip: clientIp(request), userAgent: typeof userAgent === 'string' ? userAgent : undefined },
    };
    if (requestOwner) return ingestion.acceptCollect(requestOwner, list, options);
    // Per-item writeKeys: every owner's part is checked before any is appended, and all are
    // appended in one transaction — a 400 for one item keeps nothing of the others.
    const owners = await itemOwners(ingestion, list);
    const prepared = owners.map(({ owner, indexes }) =>
      ingestion.prepareCollect(
        owner,
        indexes.map((i) => list[i]),
        { ...options, indexes },
      ),
    );
    const parts = await ingestion.appendCollect(prepared);
    const result: AcceptResult = { accepted: 0, dropped: 0, messageIds: [] };
    const ids: (string | undefined)[] = [];
    parts.forEach((part, n) => {
      const { indexes } = owners[n]!;
      result.accepted += part.accepted;
      result.dropped += part.dropped;
      // A disabled owner's part has no ids: its items' places stay empty.
      if (part.messageIds.length > 0) part.messageIds.forEach((id, k) => (ids[indexes[k]!] = id));
    });
    result.messageIds = ids.filter((id): id is string => id !== undefined);
    return result;
  };
  const collect = (
    path: 'track' | 'identify' | 'batch',
    what: string,
    messages: (body: Record<string, unknown>) => { list: unknown[]; type?: MessageType; sentAt?: unknown; context?: unknown },
  ): PluginRoute =>
    moduleRoute({
      method: 'POST',
      path: `/api/v1/collect/${path}`,
      access: { permission: 'public' },
      options: { description: collectDoc(what), payload: collectPayload, cors: true, response: { schema: acceptedSchema } },
      handler: (request) => accept(request, messages),
    });
  /**
   * The Segment-compatible `/v1/*` (docs/integrators/segment.md): the same machinery as collect —
   * auth, limits, durability, quarantine — under Segment's and RudderStack's paths. analytics.js
   * (analytics-next) posts to the one-letter paths (`/v1/t`, `/v1/p`…, batching to `/v1/b`).
   */
  const segment = (
    path: string,
    what: string,
    messages: (body: Record<string, unknown>) => { list: unknown[]; type?: MessageType; sentAt?: unknown; context?: unknown },
  ): PluginRoute =>
    moduleRoute({
      method: 'POST',
      path: `/v1/${path}`,
      access: { permission: 'public' },
      options: {
        description: `Segment 兼容 / ${what}. ${collectDoc('Segment-compatible')}`,
        payload: collectPayload,
        cors: true,
        response: { schema: segmentAcceptedSchema },
      },
      handler: async (request) => ({ success: true, ...(await accept(request, messages)) }),
    });
  const single = (type: MessageType) => (body: Record<string, unknown>) => ({ list: [body], type });
  const batch = (body: Record<string, unknown>) => ({ list: batchOf(body), sentAt: body.sentAt, context: body.context });
  const segmentCalls: [MessageType, string][] = [
    ['identify', 'Identify a person (traits, or context.traits)'],
    ['track', 'Track an event'],
    ['page', 'A page view: $pageview'],
    ['screen', 'An app screen view: $AppViewScreen'],
    ['group', 'A group: $group'],
    ['alias', 'Alias previousId to userId'],
  ];
  return [
    collect('track', 'SDK 上报事件 / Track one event', single('track')),
    collect(
      'identify',
      'SDK 识别联系人 / Identify a person (traits: the system fields of §2.1.3, utm, props.attrN)',
      single('identify'),
    ),
    collect(
      'batch',
      'SDK 批量上报 / A batch of messages (`batch`, each with its `type`: identify, track, page, screen, group, alias)',
      batch,
    ),
    ...segmentCalls.flatMap(([type, what]) => [
      segment(type, what, single(type)),
      // analytics.js's one-letter path of the call (`t`, `i`, `p`, `s`, `g`, `a`).
      segment(type.charAt(0), `${what} (analytics.js path)`, single(type)),
    ]),
    segment('batch', 'A batch of messages; top-level context and sentAt apply to every item', batch),
    segment('b', 'A batch of messages (analytics.js batching path)', batch),

    // ---- Open API ----
    moduleRoute<unknown, unknown, Record<string, unknown>>({
      method: 'POST',
      path: '/api/v1/contacts/identify',
      access: { permission: 'contacts.identify', callers: 'app' },
      options: {
        description:
          '识别联系人账号 / Identify a contact (§2.1.1): find the channel account by externalId in the channel and update its contact, ' +
          'else create the account and contact. Checked at once (400 with field codes); applied in order with the person’s events.',
        validate: {
          payload: Joi.object({
            externalId: Joi.alternatives(Joi.string().max(191), Joi.number()).required(),
            channel: Joi.object({ channelId: Joi.string().max(64).required() })
              .label('IdentifyChannel')
              .required(),
            messageId: messageFields.messageId,
            timestamp: messageFields.timestamp,
            utm: anyObject.label('IdentifyUtm'),
            props: anyObject.label('IdentifyProps').description('custom fields: attr1, attr2…'),
            weChatInfo: anyObject
              .label('IdentifyWeChatInfo')
              .description(
                '{appId, openId, unionId}: merge with the fan of this bound official account (§2.1.1.1); an unbound appId answers 400 wechat_account_not_bound',
              ),
          })
            .unknown(true)
            .label('IdentifyContact'),
        },
        payload: { maxBytes: ingestLimits.messageBytes, protoAction: 'remove' },
        response: { schema: Joi.object({ messageId: Joi.string().required() }).label('IdentifyAccepted') },
      },
      handler: (request) => ingestion.acceptOpenApiIdentify(tenantOf(request), request.payload),
    }),
    moduleRoute<unknown, unknown, { channelId: string } & Record<string, unknown>>({
      method: 'POST',
      path: '/api/v1/events/track',
      access: { permission: 'events.track', callers: 'app' },
      options: {
        description:
          '上报事件 / Track one event of a channel (`channelId`: its ChannelID or AppID; the person by `externalId` or `anonymousId`). ' +
          'Durable on 200; problems inside the event are quarantined (数据质量).',
        validate: {
          payload: Joi.object({
            channelId: Joi.string().max(64).required(),
            event: Joi.string().max(128).required(),
            externalId: messageFields.userId,
            ...messageFields,
            properties: anyObject.label('TrackProperties'),
          })
            .unknown(true)
            .label('TrackEvent'),
        },
        payload: { maxBytes: ingestLimits.messageBytes, protoAction: 'remove' },
        response: { schema: acceptedSchema },
      },
      handler: (request) => {
        const { channelId, ...message } = request.payload as { channelId: string } & Record<string, unknown>;
        return ingestion.acceptOpenApiTrack(tenantOf(request), channelId, [message], true);
      },
    }),
    moduleRoute<unknown, unknown, { channelId: string; batch: unknown[] }>({
      method: 'POST',
      path: '/api/v1/events/batch',
      access: { permission: 'events.track', callers: 'app' },
      options: {
        description: '批量上报事件 / Track a batch of events of one channel (each as in /events/track, without channelId)',
        validate: {
          payload: Joi.object({
            channelId: Joi.string().max(64).required(),
            batch: Joi.array().items(Joi.any()).max(ingestLimits.batchMessages).label('TrackBatch').required(),
          }).label('TrackBatchRequest'),
        },
        payload: { maxBytes: ingestLimits.requestBytes, protoAction: 'remove' },
        response: { schema: acceptedSchema },
      },
      handler: (request) =>
        ingestion.acceptOpenApiTrack(tenantOf(request), request.payload.channelId, request.payload.batch, false),
    }),

    // ---- 数据质量 (console) ----
    moduleRoute<unknown, { days: number }>({
      method: 'GET',
      path: '/api/v1/ingestion/quality',
      access: { permission: 'metadata.view' },
      options: {
        description:
          '数据质量概览 / Quarantined messages by reason and event; values counted (type mismatches, undeclared properties) by day',
        validate: { query: Joi.object({ days: Joi.number().integer().min(1).max(90).default(7) }) },
      },
      handler: (request) => ingestion.quality(tenantOf(request), request.query.days),
    }),
    moduleRoute<unknown, { page: number; pageSize: number; reason?: string; event?: string; replayed?: boolean }>({
      method: 'GET',
      path: '/api/v1/ingestion/quarantine',
      access: { permission: 'metadata.view' },
      options: {
        description: '隔离的消息 / Quarantined messages, newest first',
        validate: {
          query: pageQueryWith<{ reason?: string; event?: string; replayed?: boolean }>({
            reason: reasonSchema,
            event: Joi.string().max(128),
            replayed: Joi.boolean(),
          }),
        },
        response: { schema: pageOf(quarantineSchema, 'QuarantinePage') },
      },
      handler: async (request) => {
        const { page, pageSize, ...filter } = request.query;
        const [result, masker] = await Promise.all([
          ingestion.quarantined(tenantOf(request), filter, { page, pageSize }),
          masking.forPrincipal(principalOf(request)),
        ]);
        return { ...result, items: result.items.map((item) => maskQuarantined(item, masker)) };
      },
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/ingestion/quarantine/{quarantineId}',
      access: { permission: 'metadata.view' },
      options: {
        description: '隔离消息详情 / One quarantined message with its problems',
        validate: { params: idParams('quarantineId') },
        response: { schema: quarantineSchema },
      },
      handler: async (request) =>
        maskQuarantined(
          await ingestion.quarantinedOne(tenantOf(request), request.params.quarantineId),
          await masking.forPrincipal(principalOf(request)),
        ),
    }),
    moduleRoute<unknown, unknown, { ids?: string[]; reason?: string; event?: string }>({
      method: 'POST',
      path: '/api/v1/ingestion/quarantine/replay',
      access: { permission: 'metadata.manage' },
      options: {
        description: '重放 / Replay quarantined messages (by ids, or all of a reason / event) once the metadata is fixed',
        validate: {
          payload: Joi.object({
            ids: Joi.array()
              .items(Joi.string().pattern(/^[1-9][0-9]{0,18}$/))
              .min(1)
              .max(10_000)
              .label('QuarantineIds'),
            reason: reasonSchema,
            event: Joi.string().max(128),
          })
            .or('ids', 'reason', 'event')
            .label('QuarantineReplay'),
        },
        response: { schema: Joi.object({ replayed: Joi.number().integer().required() }).label('QuarantineReplayed') },
      },
      handler: (request) => {
        const principal = principalOf(request);
        return ingestion.replay(principal.tenantId, request.payload, principal.kind === 'staff' ? principal.staffId : null);
      },
    }),
  ];
}
