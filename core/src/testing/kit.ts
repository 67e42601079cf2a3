/**
 * The helpers of `@huiliu/core/testing` that drive a plugin's contributions the way Huiliu does:
 * channels and channel accounts made through the real API and contacts service, a schedule's firing
 * run through the task queue and worker, a trigger activated and an action executed with their
 * configs validated, a webhook sent with its exact bytes, and the ingestion pipeline drained so OLAP
 * and the timeline can be asserted. Test-runner agnostic: failures throw.
 */
import { randomUUID } from 'node:crypto';
import type { HuiliuApp } from '../app.js';
import { SCHEDULE_RUN_MAX_ATTEMPTS, SCHEDULE_TASK_KIND } from '../jobs/scheduler.js';
import { toTask, type Task, type TaskRow } from '../jobs/task.types.js';
import type { ActionResult } from '../kernel/contributions.js';
import type { ChannelDetail } from '../modules/channels/channel.types.js';
import { channelsServiceRef } from '../modules/channels/channels.service.js';
import { contactsServiceRef } from '../modules/contacts/contacts.service.js';
import { ingestWorkerRef } from '../modules/ingestion/ingestion.module.js';
import { metadataServiceRef } from '../modules/metadata/metadata.service.js';
import { pluginEnablementRef } from '../modules/tenant-plugins/plugin-enablement.js';
import { Client, parseBody, type InjectResult } from './client.js';

/** A tenant and its super staff, as `createTenant` returns it. */
export interface TenantCredentials {
  tenantId: string;
  email: string;
  password: string;
}

const staffClients = new WeakMap<TenantCredentials, Client>();

/** The tenant's super staff, signed in once per fixture. */
async function superStaff(app: HuiliuApp, tenant: TenantCredentials): Promise<Client> {
  let client = staffClients.get(tenant);
  if (!client) {
    client = await Client.staff(app.server, tenant.email, tenant.password);
    staffClients.set(tenant, client);
  }
  return client;
}

// ---- channels and channel accounts ------------------------------------------------------------------

/** What `createChannel` creates. */
export interface NewTestChannel {
  /** A registered channel type (`custom`, or the plugin's own, e.g. `acme-shop`). */
  type: string;
  /** The channel's name (连接名称). */
  name: string;
  /** The channel's key (`channelKey`: a custom channel's ChannelID, an AppID); blank = generated when the type allows it. */
  key?: string;
  /** The channel type's settings, sent as `settings` (for types that declare a settings schema). */
  settings?: Record<string, unknown>;
}

/**
 * Creates a channel (连接) of the tenant through the console API (`POST /api/v1/channels`) as its
 * super staff — the same validation, `manual.key` rules and `connect` handler an operator gets.
 * Throws unless it answers 201.
 *
 * ```ts
 * const shop = await createChannel(kernel.app, tenant, {
 *   type: 'acme-shop', name: '旗舰店', key: 'flagship', settings: { shopDomain, apiKey, webhookSecret },
 * });
 * ```
 */
export async function createChannel(app: HuiliuApp, tenant: TenantCredentials, channel: NewTestChannel): Promise<ChannelDetail> {
  const staff = await superStaff(app, tenant);
  const res = await staff.post<ChannelDetail>('/api/v1/channels', {
    type: channel.type,
    name: channel.name,
    ...(channel.key !== undefined ? { channelKey: channel.key } : {}),
    ...(channel.settings !== undefined ? { settings: channel.settings } : {}),
  });
  if (res.statusCode !== 201) {
    throw new Error(`createChannel: POST /api/v1/channels answered ${res.statusCode} ${JSON.stringify(res.body)}`);
  }
  return res.body;
}

/** What `createChannelAccount` records. */
export interface NewTestChannelAccount {
  tenantId: string;
  channelId: string;
  /** A user-ID type the channel's type owns (`externalId`, `acmeShop.customerId`…). */
  idType: string;
  userId: string;
  /** WeChat channels: the unionId, which merges every contact holding it. */
  unionId?: string;
}

/** A channel account (渠道账号) and the contact it belongs to. */
export interface TestChannelAccount {
  tenantId: string;
  channelId: string;
  idType: string;
  userId: string;
  contactId: string;
  channelAccountId: string;
}

/**
 * Records a channel account (found, or created with a new contact) through the contacts service,
 * as a connector's account sync does, and checks that a lookup by (channel, id type, user id) finds
 * it. The id type must be one the channel's type owns. The contact reaches OLAP once
 * `waitForIngestion` drains the contact outbox.
 *
 * ```ts
 * const buyer = await createChannelAccount(kernel.app, {
 *   tenantId, channelId: shop.id, idType: 'acmeShop.customerId', userId: 'c-1001',
 * });
 * ```
 */
export async function createChannelAccount(app: HuiliuApp, account: NewTestChannelAccount): Promise<TestChannelAccount> {
  const { tenantId, channelId, idType, userId } = account;
  const channel = await app.service(channelsServiceRef).get(tenantId, channelId);
  const type = app.kernel.contributions.channelTypes.get(channel.type)?.definition;
  if (!type)
    throw new Error(`createChannelAccount: channel ${channelId} has type "${channel.type}", which no loaded plugin provides`);
  if (!type.userIdTypes.includes(idType)) {
    throw new Error(
      `createChannelAccount: channel type "${channel.type}" does not own user-ID type "${idType}" (it owns ${type.userIdTypes.map((t) => `"${t}"`).join(', ') || 'none'})`,
    );
  }
  // TODO(ingest): go through `coreServices.ingest.identify` once the plugin write path lands (helper "ingest").
  // Until then, as the ingest worker does before it loads a tenant's messages: the tenant's OLAP
  // schema is declared, so the contact outbox can reach OLAP.
  await app.service(metadataServiceRef).sync(tenantId);
  const contacts = app.service(contactsServiceRef);
  const contactId = await contacts.recordAccount(tenantId, { channelId, idType, userId, unionId: account.unionId });
  const found = await contacts.contactOfAccount(tenantId, channelId, idType, userId);
  if (found !== contactId) {
    throw new Error(`createChannelAccount: the lookup of ${idType} "${userId}" found contact ${found}, not ${contactId}`);
  }
  const row = (await contacts.accountsOf(tenantId, contactId)).find(
    (a) => String(a.channel_id) === String(channelId) && a.id_type === idType && a.user_id === userId,
  );
  if (!row) throw new Error(`createChannelAccount: contact ${contactId} has no account ${idType} "${userId}"`);
  return { tenantId, channelId: String(channelId), idType, userId, contactId, channelAccountId: String(row.id) };
}

// ---- schedules ----------------------------------------------------------------------------------------

/**
 * Runs one firing of a schedule now, for one tenant, the way the scheduler does: a `schedule.run`
 * task is inserted for (tenant, key, dueAt) and the worker runs it (lease, attempts, the schedule's
 * `run({ tenantId, dueAt })`). `key` is the registered key, `<pluginId>:<key>`. `dueAt` defaults to
 * the start of the current minute.
 *
 * A firing is inserted once per (tenant, key, dueAt); asking for one that was already inserted and
 * has ended runs its `run` again with the same `dueAt`, as a worker does after a crash — so a test
 * can check that `run` is safe to repeat. Resolves with the task; throws when the run failed (its
 * error code and message), when it waits for a retry, or after `timeoutMs` (default 60 s).
 */
export async function runSchedule(
  app: HuiliuApp,
  key: string,
  options: { tenantId: string; dueAt?: number; timeoutMs?: number },
): Promise<Task> {
  const schedules = app.kernel.contributions.schedules;
  if (!schedules.has(key)) {
    throw new Error(`runSchedule: no schedule "${key}" (registered: ${[...schedules.keys()].join(', ') || 'none'})`);
  }
  const { tenantId } = options;
  const dueAt = options.dueAt ?? Math.floor(Date.now() / 60_000) * 60_000;
  const what = `schedule "${key}" for tenant ${tenantId} due ${new Date(dueAt).toISOString()}`;
  const inserted = await app.jobs.queue.enqueue(
    tenantId,
    SCHEDULE_TASK_KIND,
    { key },
    { schedule: { key, dueAt }, maxAttempts: SCHEDULE_RUN_MAX_ATTEMPTS },
  );
  let task = inserted;
  if (!task) {
    const row = (await app.oltp
      .forTenant(tenantId)
      .from<TaskRow>('task')
      .where('task.kind', SCHEDULE_TASK_KIND)
      .where('task.schedule_key', key)
      .where('task.due_at', dueAt)
      .first()) as TaskRow | undefined;
    if (!row) throw new Error(`runSchedule: the firing of ${what} was neither inserted nor found`);
    task = toTask(row);
    if (['succeeded', 'failed', 'cancelled'].includes(task.status)) {
      // The firing ended already: run it again, as the worker does when a firing's lease lapsed.
      const kind = app.jobs.kinds.get(SCHEDULE_TASK_KIND)!;
      await kind.run({
        task,
        signal: new AbortController().signal,
        progress: async () => undefined,
        logger: app.logger.child({ taskId: task.id, tenantId, kind: SCHEDULE_TASK_KIND, rerun: true }),
      });
      return task;
    }
  }
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const current = await app.jobs.queue.get(tenantId, task.id);
    if (current.status === 'succeeded') return current;
    if (current.status === 'failed' || current.status === 'cancelled' || (current.status === 'queued' && current.attempts > 0)) {
      const state = current.status === 'queued' ? 'failed and waits for a retry' : current.status;
      throw new Error(`runSchedule: ${what} ${state}: ${current.error?.code ?? ''} ${current.error?.message ?? ''}`.trim());
    }
    if (Date.now() > deadline) throw new Error(`runSchedule: ${what} did not finish in time (status ${current.status})`);
    // Runs what is due (this firing among it); when another worker holds it, wait for that one.
    if ((await app.jobs.worker.poll()) === 0) await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

// ---- triggers and actions -----------------------------------------------------------------------------

function validatedConfig(
  what: string,
  schema: { validate(value: unknown, options: object): { error?: Error; value: unknown } },
  config: unknown,
) {
  const { error, value } = schema.validate(config, { abortEarly: false });
  if (error) throw new Error(`${what}: the config does not match its schema: ${error.message}`);
  return value;
}

/** What a trigger passed to `emit`: a contact entering the journey. */
export interface TriggerEmission {
  contactId: string;
  messageId: string;
  occurredAt: number;
  data?: Record<string, unknown>;
}

/** A trigger activated by `fireTrigger`: what it emits is collected until `stop()`. */
export interface FiredTrigger {
  /** The journey id the activation was given. */
  readonly journeyId: string;
  /** Every emission so far, in order. */
  readonly emitted: TriggerEmission[];
  /** Resolves with the emissions once there are at least `count` (default 1); rejects after `timeoutMs` (default 5 s). */
  waitForEmissions(count?: number, timeoutMs?: number): Promise<TriggerEmission[]>;
  /** Runs the cleanup `activate` returned (once). `startTestKernel`'s `close()` stops those left active. */
  stop(): Promise<void>;
}

const activeTriggers = new WeakMap<HuiliuApp, Set<FiredTrigger>>();

/** Stops every trigger `fireTrigger` activated on this app and that is still active. */
export async function stopFiredTriggers(app: HuiliuApp): Promise<void> {
  for (const fired of [...(activeTriggers.get(app) ?? [])]) await fired.stop();
}

function checkEmission(what: string, input: TriggerEmission): string | undefined {
  if (typeof input?.contactId !== 'string' || !input.contactId) return `${what}: emit needs a contactId (a string)`;
  if (typeof input.messageId !== 'string' || !input.messageId) return `${what}: emit needs a messageId (a string)`;
  if (!Number.isFinite(input.occurredAt)) return `${what}: emit needs occurredAt (epoch ms)`;
  return undefined;
}

/**
 * Activates a journey trigger (`type@version`) for a tenant as the journey engine will: the config
 * is validated against the trigger's schema (defaults applied), `activate` gets it with a journey id
 * and an `emit` that collects what it receives. Cause what the trigger listens for, then read
 * `emitted` (or `await waitForEmissions()`); `stop()` runs its cleanup.
 *
 * ```ts
 * const fired = await fireTrigger(kernel.app, { type: 'acmeShop.orderPaid', version: 1, tenantId, config: { minAmount: 100 } });
 * // … an order of 199 is paid …
 * expect(await fired.waitForEmissions(1)).toMatchObject([{ contactId }]);
 * await fired.stop();
 * ```
 */
export async function fireTrigger<C = Record<string, unknown>>(
  app: HuiliuApp,
  input: { type: string; version: number; tenantId: string; config: C; journeyId?: string },
): Promise<FiredTrigger> {
  const key = `${input.type}@${input.version}`;
  const owned = app.kernel.contributions.triggers.get(key);
  if (!owned) throw new Error(`fireTrigger: no trigger "${key}" is registered`);
  const what = `trigger "${key}"`;
  const config = validatedConfig(`fireTrigger: ${what}`, owned.definition.config, input.config);
  const journeyId = input.journeyId ?? `test-journey-${randomUUID()}`;
  const emitted: TriggerEmission[] = [];
  const waiters = new Set<() => void>();
  let cleanup: (() => Promise<void> | void) | void = undefined;
  let stopped = false;
  const fired: FiredTrigger = {
    journeyId,
    emitted,
    waitForEmissions(count = 1, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (emitted.length < count) return false;
          clearTimeout(timer);
          waiters.delete(check);
          resolve([...emitted]);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`fireTrigger: ${what} emitted ${emitted.length} of ${count} in ${timeoutMs} ms`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      activeTriggers.get(app)?.delete(fired);
      if (typeof cleanup === 'function') await cleanup();
    },
  };
  cleanup = await owned.definition.activate({
    tenantId: input.tenantId,
    journeyId,
    config: config as Record<string, unknown>,
    async emit(emission) {
      const problem = checkEmission(`fireTrigger: ${what}`, emission);
      if (problem) throw new Error(problem);
      if (stopped) throw new Error(`fireTrigger: ${what} emitted after its cleanup ran`);
      emitted.push({ ...emission });
      for (const waiter of [...waiters]) waiter();
    },
  });
  if (!activeTriggers.has(app)) activeTriggers.set(app, new Set());
  activeTriggers.get(app)!.add(fired);
  return fired;
}

/**
 * Executes a journey action (`type@version`) for one contact as the journey engine will: the
 * config is validated against the action's schema (defaults applied) and `execute` gets it with a
 * journey id, a run id and an idempotency key (defaults: fresh ids; pass the same
 * `idempotencyKey` twice to check the action does not repeat its effect). An outbound event in the
 * result must be a registered event type. `ActionError`s are thrown as the action threw them.
 */
export async function executeAction<C = Record<string, unknown>>(
  app: HuiliuApp,
  input: {
    type: string;
    version: number;
    tenantId: string;
    contactId: string;
    config: C;
    journeyId?: string;
    runId?: string;
    idempotencyKey?: string;
  },
): Promise<ActionResult> {
  const key = `${input.type}@${input.version}`;
  const owned = app.kernel.contributions.actions.get(key);
  if (!owned) throw new Error(`executeAction: no action "${key}" is registered`);
  const config = validatedConfig(`executeAction: action "${key}"`, owned.definition.config, input.config);
  const runId = input.runId ?? `test-run-${randomUUID()}`;
  const result = await owned.definition.execute({
    tenantId: input.tenantId,
    journeyId: input.journeyId ?? 'test-journey',
    runId,
    contactId: input.contactId,
    config: config as Record<string, unknown>,
    idempotencyKey: input.idempotencyKey ?? `${runId}:action`,
  });
  const code = result?.outboundEvent?.code;
  if (code !== undefined && !app.kernel.contributions.eventTypes.has(code)) {
    throw new Error(`executeAction: action "${key}" returned the outbound event "${code}", which is not a registered event type`);
  }
  return result;
}

// ---- per-tenant enablement ---------------------------------------------------------------------------

/**
 * Enables or disables a plugin for one tenant, as a platform operator does with
 * `huiliu admin plugins enable|disable <pluginId> --tenant <id>` (ADR 0041): the same rules (core
 * cannot be disabled, nor a plugin an enabled plugin depends on; a plugin whose dependencies are off
 * cannot be enabled) and the same stored switch. The app sees it at once. Resolves with whether the
 * plugin is now enabled for the tenant (its dependencies included); a refusal throws its error code.
 *
 * ```ts
 * await setPluginEnabled(kernel.app, { tenantId, pluginId: 'acme-shop', enabled: false });
 * // its routes answer 403 plugin_disabled, its schedules do not fire for the tenant…
 * ```
 */
export async function setPluginEnabled(
  app: HuiliuApp,
  input: { tenantId: string; pluginId: string; enabled: boolean },
): Promise<boolean> {
  const { state } = await app.service(pluginEnablementRef).setEnabled(input.tenantId, input.pluginId, input.enabled, 'test kit');
  return state.enabled;
}

// ---- webhooks -----------------------------------------------------------------------------------------

/** A request from a third party to one of the plugin's routes. */
export interface WebhookRequest {
  /** Default `POST`. */
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The full path, e.g. `/api/v1/p/acme-shop/webhooks`. */
  path: string;
  /**
   * The body: a Buffer or string is sent byte for byte; anything else is serialized once with
   * `JSON.stringify` and those bytes are sent (and signed).
   */
  body?: Buffer | string | object;
  /** Extra headers (default `content-type: application/json`). */
  headers?: Record<string, string>;
  /** Signs the exact bytes sent: its headers are added last (e.g. `{ 'x-acme-shop-signature': hmac(raw) }`). */
  sign?: (rawBody: Buffer) => Record<string, string>;
}

/**
 * Sends a webhook as the third party would: the exact bytes (so a signature over the raw body can
 * be checked), no session and no CSRF token. Resolves with the response (the body parsed when it
 * is JSON) and the bytes that were sent.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function sendWebhook<T = any>(
  app: HuiliuApp,
  request: WebhookRequest,
): Promise<InjectResult<T> & { rawBody: Buffer }> {
  const method = request.method ?? 'POST';
  const body = request.body;
  const rawBody =
    body === undefined
      ? Buffer.alloc(0)
      : Buffer.isBuffer(body)
        ? body
        : typeof body === 'string'
          ? Buffer.from(body, 'utf8')
          : Buffer.from(JSON.stringify(body), 'utf8');
  const headers: Record<string, string> = {
    ...(rawBody.length > 0 ? { 'content-type': 'application/json' } : {}),
    ...request.headers,
    ...(request.sign ? request.sign(rawBody) : {}),
  };
  const res = await app.server.inject({
    method,
    url: request.path,
    headers,
    ...(rawBody.length > 0 ? { payload: rawBody } : {}),
  });
  return {
    statusCode: res.statusCode,
    body: parseBody(res.payload, res.headers['content-type']) as T,
    headers: res.headers as Record<string, unknown>,
    rawBody,
  };
}

// ---- ingestion and OLAP -------------------------------------------------------------------------------

/**
 * Drains the ingestion pipeline now: every pending message of the inbox is loaded (dedupe, identity,
 * OLAP events) and the contact outbox is synced to OLAP, so a test can assert the timeline and OLAP
 * right after. With a tenant, also checks nothing of it is left pending. Resolves with the number
 * of messages loaded.
 */
export async function waitForIngestion(app: HuiliuApp, tenantId?: string): Promise<number> {
  const loaded = await app.service(ingestWorkerRef).drain();
  if (tenantId !== undefined) {
    const left = (await app.oltp.forTenant(tenantId).from('inbox').whereNull('inbox.load_batch_id').count({ n: '*' }).first()) as
      { n: number | string } | undefined;
    if (Number(left?.n ?? 0) > 0) {
      throw new Error(
        `waitForIngestion: ${left!.n} messages of tenant ${tenantId} are still pending (another process holds their partition?)`,
      );
    }
  }
  return loaded;
}

/**
 * Runs SQL over the tenant's logical OLAP relations (`events`, `contacts`, …, plugin relations),
 * through the same SQL guard as reports, and returns the rows in JSON form (BIGINT as string,
 * DATE as `YYYY-MM-DD`, TIMESTAMP as `YYYY-MM-DD HH:MM:SS`).
 */
export async function queryOlap<Row = Record<string, unknown>>(
  app: HuiliuApp,
  tenantId: string,
  sql: string,
  params: (string | number | boolean | null)[] = [],
): Promise<Row[]> {
  return (await app.olap.forTenant(tenantId).query<Row>(sql, { params, rowMode: 'json' })).rows;
}
