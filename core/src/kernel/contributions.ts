import type { Lifecycle, Request, ResponseToolkit, RouteOptions } from '@hapi/hapi';
import type { ReportResult } from '../modules/reports/report.types.js';
import type Joi from 'joi';
import type { ContactViewMemberships } from '../store/olap/relations.js';
import type { OltpMigration } from '../store/oltp/migrations/types.js';
import type { FeatureDefinition, PermissionDefinition } from './permissions.js';

/** Operator-facing text in both console languages. */
export interface LocalizedText {
  'zh-CN': string;
  'en-US': string;
}

// ---- channels -----------------------------------------------------------------------------------

/** A kind of user identifier a channel owns (seed §1.4.11), e.g. `wechat.openId`. */
export interface UserIdTypeDefinition {
  /** `externalId`, or `<channel type>.<name>` for ids a connector owns. */
  id: string;
  name: LocalizedText;
  /**
   * Whether the id is unique only inside one channel (custom channels' externalId is shown as
   * `externalId_<channelId>_<channelName>`) rather than across the channel type.
   */
  scope: 'channel' | 'channelType';
}

/** A reason a request is refused: an error code the plugin registered, with its parameters. */
export interface Refusal {
  code: string;
  params?: Record<string, unknown>;
}

/**
 * What a channel type's `test` handler gets (测试连接): the settings to try, validated against the
 * type's `settings` schema (defaults applied, secrets in clear). `channelId` is absent when the
 * operator tests before creating the channel; on an existing channel, secrets the operator left
 * blank are the stored ones. `signal` aborts when the test runs out of time (15 s): pass it on to
 * the HTTP client.
 */
export interface ChannelTestInput {
  tenantId: string;
  channelId?: string;
  settings: Record<string, unknown>;
  signal: AbortSignal;
}

/** What a channel type's connector does when a channel is connected, removed, or calls back. */
export interface ChannelHandlers {
  /**
   * After the channel was created by hand: `settings` are the validated settings (defaults
   * applied, secrets in clear); `{}` for a type without `settings`.
   */
  connect?(input: { tenantId: string; channelId: string; settings: Record<string, unknown> }): Promise<void>;
  /**
   * 测试连接: whether the settings work (e.g. the API key is accepted), before the channel is created
   * or on an existing one. Answer null when they do, or a `Refusal` with an error code the plugin
   * registered (the console shows its message). A throw is reported as `channel_test_failed`
   * without its text (it may hold a secret); running longer than 15 s as `channel_test_timeout`.
   */
  test?(input: ChannelTestInput): Promise<Refusal | null>;
  /**
   * After an operator saved new settings of an existing channel (the values are stored already):
   * the complete validated settings, secrets in clear. Idempotent — a throw answers 502
   * `channel_settings_apply_failed` and saving again calls it again. `connect` is not called again.
   */
  settingsChanged?(input: { tenantId: string; channelId: string; settings: Record<string, unknown> }): Promise<void>;
  /** Why the channel cannot be deleted now (e.g. its apps still send data), or null. */
  checkDelete?(input: { tenantId: string; channelId: string }): Promise<Refusal | null>;
  disconnect?(input: { tenantId: string; channelId: string }): Promise<void>;
}

/**
 * How operators create a channel of this type by hand (连接管理 → 创建连接). Types without it are
 * created by their connector's own flow (e.g. WeChat's authorization).
 */
export interface ManualChannelCreation {
  /** The channel's key: the ChannelID of a custom channel, the AppID of a mini-program. */
  key: {
    label: LocalizedText;
    /** What a valid key looks like. */
    pattern: RegExp;
    /** The error code (registered by the plugin) for a key that does not match. */
    invalidCode: string;
    /** Makes a key when the operator leaves it blank; absent = the key is required. */
    generate?(): string;
    help?: LocalizedText;
  };
}

/** A kind of connection (渠道类型): WeChat official account, mini-program, custom channel, 金数据… */
/** What a writeKey (an SDK's public key) stands for: the tenant, channel and app its data belongs to. */
export interface WriteKeyOwnerInfo {
  tenantId: string;
  channelId: string;
  /** The app (web / iOS / Android…) inside the channel. */
  appId: string;
  /** Data sent with the key of a disabled app is dropped and not counted (§1.9.2). */
  enabled: boolean;
}

/**
 * Resolves the writeKeys of a plugin's channel apps for the collect API (`/api/v1/collect/*`):
 * undefined when the key is not one of the plugin's (or was revoked).
 */
export interface WriteKeyResolver {
  resolve(writeKey: string): Promise<WriteKeyOwnerInfo | undefined>;
}

export interface ChannelTypeDefinition {
  type: string;
  name: LocalizedText;
  description?: LocalizedText;
  /** Ids of the user-ID types this channel type owns (declared with addUserIdType). */
  userIdTypes: string[];
  /** Only custom and mini-program channels own custom events (seed §2.1.2). */
  customEvents: boolean;
  manual?: ManualChannelCreation;
  /**
   * The connection's settings form (n8n's credential types): a joi object the console renders
   * through JSON Schema on 创建连接 and on the channel's page. Top-level string fields marked
   * `.meta({ secret: true })` are credentials: sealed at rest, never returned by any API.
   * Field labels: `.meta({ label: { 'zh-CN', 'en-US' }, description?: { 'zh-CN', 'en-US' } })`, or
   * joi's `.label()` / `.description()` for one text in both languages. See docs/plugins/settings.md.
   */
  settings?: Joi.ObjectSchema;
  handlers?: ChannelHandlers;
}

// ---- events ---------------------------------------------------------------------------------------

export type PropertyType = 'string' | 'number' | 'integer' | 'bool' | 'date' | 'datetime' | 'string[]';
export const propertyTypes: readonly PropertyType[] = ['string', 'number', 'integer', 'bool', 'date', 'datetime', 'string[]'];

/** A system preset event property (`s_` prefix). Its type is fixed wherever it is used. */
export interface SystemPropertyDefinition {
  id: string;
  name: LocalizedText;
  type: PropertyType;
  description?: LocalizedText;
}

/**
 * A default dictionary (字典表, seed §1.10.12) a plugin ships for a string property: value → label,
 * e.g. the WeChat scene values of `s_originScene`. The metadata module gives it to each tenant that
 * has never had a dictionary for the property; the tenant may then overwrite or delete it.
 */
export interface DictionaryDefinition {
  target: 'event' | 'contact';
  /** The property's key: an event property code (`s_originScene`) or a contact property key. */
  property: string;
  entries: readonly { value: string; label: string }[];
}

/** A system preset event type a connector produces (e.g. WeChat 关注公众号). */
export interface EventTypeDefinition {
  /** The event code as the seed names it. */
  code: string;
  name: LocalizedText;
  channelType: string;
  /** inbound = the contact did it; outbound = we did it to the contact (主动事件). */
  direction: 'inbound' | 'outbound';
  /** Its `s_` properties, declared inline (the same id may appear in several event types). */
  properties: SystemPropertyDefinition[];
}

// ---- journeys -------------------------------------------------------------------------------------

export interface TriggerActivation<C> {
  tenantId: string;
  journeyId: string;
  config: C;
  /** Enters a contact into the journey run for this activation. */
  emit(input: { contactId: string; messageId: string; occurredAt: number; data?: Record<string, unknown> }): Promise<void>;
}

/** Stops what activate() started (n8n's closeFunction). */
export type Cleanup = () => Promise<void> | void;

export interface TriggerDefinition<C = Record<string, unknown>> {
  type: string;
  version: number;
  name: LocalizedText;
  description?: LocalizedText;
  channelType?: string;
  /** The config form: a joi schema the console renders through JSON Schema. */
  config: Joi.ObjectSchema<C>;
  /** Valid configs; the contract test validates each against `config`. */
  examples: C[];
  activate(activation: TriggerActivation<C>): Promise<Cleanup | void> | Cleanup | void;
}

export interface ActionInput<C> {
  tenantId: string;
  journeyId: string;
  runId: string;
  contactId: string;
  config: C;
  /** Run id + node id: an action must not repeat its effect for the same key. */
  idempotencyKey: string;
}

export interface ActionResult {
  /** Outbound event to record on the contact's timeline, linked back to the journey. */
  outboundEvent?: { code: string; properties?: Record<string, unknown> };
  output?: Record<string, unknown>;
}

export interface ActionDefinition<C = Record<string, unknown>> {
  type: string;
  version: number;
  name: LocalizedText;
  description?: LocalizedText;
  channelType?: string;
  config: Joi.ObjectSchema<C>;
  examples: C[];
  execute(input: ActionInput<C>): Promise<ActionResult>;
}

/** The error an action throws: misconfiguration (not retryable) vs upstream failure (retryable). */
export class ActionError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(options: { code: string; message?: string; retryable: boolean }) {
    super(options.message ?? options.code);
    this.name = 'ActionError';
    this.code = options.code;
    this.retryable = options.retryable;
  }
}

// ---- reports --------------------------------------------------------------------------------------

export interface ReportModelDefinition<Q = Record<string, unknown>> {
  id: string;
  name: LocalizedText;
  /** The question's schema (what the report builder edits). */
  query: Joi.ObjectSchema<Q>;
  examples: Q[];
  /**
   * The SQL over the logical relations (`events`, `contacts`, …) answering a query. Every example's
   * SQL passes the OLAP SQL guard at start-up, and `expectPluginContract` runs it on DuckDB.
   */
  toSql?(query: Q, context: { timeZone: string }): string;
  /**
   * Instead of `toSql`, a model that charts its answer (core's 事件分析 and the analysis models,
   * ADR 0052): the statements answering a query, then the result built from their rows. The
   * statements are the cache key (with the tenant's data revision), so they must name everything the
   * answer depends on — group versions and tag runs are bound parameters of the SQL the condition
   * engine compiles.
   */
  plan?(query: Q, context: ReportPlanContext): Promise<ReportPlan>;
  /** Whether its saved reports may go on dashboards (default true; 用户画像 cannot, seed §1.3.1). */
  dashboard?: boolean;
  /** Dimension groups shown in the console and written to an export (§1.7.1; default 1000 / 4000). */
  limits?: { shown: number; exported: number };
  /**
   * The field of its query holding the events' time range (default `timeRange`): a dashboard's
   * temporary time range replaces it. `null`: the model ignores temporary ranges (路径分析).
   */
  timeRangeField?: string | null;
  /**
   * 保存为群组 (ADR 0063): the schema of a cell of its result (a retention cohort and offset, a funnel
   * step…) and the statement listing that cell's contacts — one column `contact_id`, each contact
   * once — built from the model's own plan, so the ids agree exactly with the cell's number.
   */
  cell?: Joi.ObjectSchema;
  cellContacts?(query: Q, cell: Record<string, unknown>, context: ReportPlanContext): Promise<ReportStatement>;
}

/** What a report model's `plan` knows of the run. */
export interface ReportPlanContext {
  tenantId: string;
  /** The staff member asking (their temporary groups); null for an app or a system run. */
  staffId: string | null;
  timeZone: string;
  /** The evaluation time: "today" and every relative range resolve against it. */
  now: number;
  /** How many dimension groups the result may hold (§1.7.1: shown, or exported). */
  maxGroups: number;
  /**
   * Whether the asker sees masked contact fields in clear (an app, super staff, 联系人不脱敏
   * `contacts.unmasked`; ADR 0024). Absent: masked.
   */
  unmasked?: boolean;
  /**
   * The contact fields the asker sees masked (ADR 0069). Core's models hand it to the condition
   * engine's report scope, which refuses (403 `report_field_masked`) any contact property of those
   * fields the plan resolves — as a dimension, a filter, a measured property; a plugin's own SQL
   * must ask it before reading a column of `contacts`.
   */
  fields: ReportFieldAccess;
}

/** What a report's asker may read of contact properties (ADR 0069). */
export interface ReportFieldAccess {
  /**
   * The masked field (a masking key: `mobilePhone`, `state`, `attr3`) behind a contact property the
   * asker sees masked, else undefined. `property` is a key of the condition catalogue (`mobile`,
   * `province`, `attr3`), a lookup of one (`province.$label`) or a dynamic date (`dynamic:birthday`).
   */
  maskedField(property: string): string | undefined;
}

/** One statement of a plan: SQL over the logical relations with its bound parameters. */
export interface ReportStatement {
  sql: string;
  params: (string | number | bigint | boolean | null)[];
  /**
   * Operator SQL (自定义查询, ADR 0062): `sql` is what an operator typed; the engine runs it in the
   * operator-SQL sandbox (ADR 0046) with these memberships in `contact_view`, at most `maxRows` rows,
   * one such statement per staff member at a time. Core's models only: a plugin's is refused.
   */
  operator?: { contactView: ContactViewMemberships; maxRows: number };
}

/** What running a statement told besides its rows: its columns and whether rows were left out. */
export interface ReportStatementInfo {
  columns: { name: string; type: string }[];
  truncated: boolean;
}

export interface ReportPlan {
  statements: ReportStatement[];
  /**
   * A plan answering from counts it stored earlier (用户画像's daily snapshot, ADR 0061) has no
   * statements: the engine neither runs nor caches anything, and the result's `computedAt` is when
   * those counts were computed (`cached` unless `fresh`: computed by this very plan).
   */
  stored?: { computedAt: number; fresh: boolean };
  /** The result from the statements' rows (in order; BIGINT as string, dates as text) and what else each told. */
  finish(rows: Record<string, unknown>[][], info: ReportStatementInfo[]): ReportModelOutput;
}

/** A model's answer before the engine adds the model id, zone, time and cache flag (each kind of `ReportResult`). */
export type ReportModelOutput = ReportResult extends infer R
  ? R extends ReportResult
    ? Omit<R, 'model' | 'timeZone' | 'computedAt' | 'cached'>
    : never
  : never;

export interface PresetDashboardDefinition {
  id: string;
  name: LocalizedText;
  reports: { model: string; title: LocalizedText; query: Record<string, unknown> }[];
}

// ---- http, jobs, stores ---------------------------------------------------------------------------

export interface PluginRouteContext {
  tenantId: string | undefined;
}

/** A route of a plugin, mounted under `/api/v1/p/<pluginId>`. */
export interface PluginRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Relative to the plugin's prefix, starting with `/`. */
  path: string;
  /**
   * A permission id (`<menu>.<action>`), `public`, `authenticated`, or `integration` (the caller is
   * authenticated by the route's custom `auth` strategy).
   */
  permission: string;
  callers?: 'staff' | 'app' | 'any';
  /** Refuse browser requests from other sites (login-like public routes). */
  sameOrigin?: boolean;
  description?: string;
  notes?: string | string[];
  /** OpenAPI tags besides `api` and the owner's. */
  tags?: string[];
  validate?: RouteOptions['validate'];
  response?: RouteOptions['response'];
  /** Payload parsing (e.g. `{ allow: 'application/json' }`). */
  payload?: RouteOptions['payload'];
  /** Answer cross-origin browser calls (an SDK on the customer's site); no cookies are taken. */
  cors?: boolean;
  /**
   * How the request body reaches the handler (ADR 0042): `json` (default) parsed by hapi; `raw` the
   * exact bytes as a Buffer in `request.payload` (HMAC signatures over the body); `xml` parsed into an
   * object (WeChat pushes), its bytes kept for `rawBodyOf(request)`. Not on GET routes.
   */
  body?: RouteBody;
  /** The largest body accepted, in bytes (default 1 MiB, at most 16 MiB); more answers 413 `payload_too_large`. */
  maxBytes?: number;
  /** Requests allowed per window, counted in the database across processes; more answer 429 `rate_limited`. */
  rateLimit?: RouteRateLimit;
  /**
   * A custom auth strategy (`httpExtensionPoint.addAuthStrategy`) that authenticates the caller —
   * the plugin's own by name, or another plugin's as `<pluginId>.<name>`. Only with
   * `permission: 'integration'`, which in turn needs it.
   */
  auth?: string;
  handler(request: Request, h: ResponseToolkit): Lifecycle.ReturnValue | Promise<Lifecycle.ReturnValue>;
}

/** See `PluginRoute.body`. */
export type RouteBody = 'json' | 'raw' | 'xml';

/**
 * At most `max` requests per fixed window of `windowSec` seconds, per client address (`ip`), per
 * tenant (`tenant`: an authenticated or custom-auth route) or per caller (`caller`: the staff
 * member, the app, or the custom-auth subject).
 */
export interface RouteRateLimit {
  max: number;
  windowSec: number;
  by: 'ip' | 'tenant' | 'caller';
}

/** Who a custom auth strategy found: the tenant the request acts for, and optionally who inside it. */
export interface IntegrationIdentity {
  tenantId: string;
  /** E.g. the WeChat AppID or the merchant id the signature belongs to; logged and rate-limited by. */
  subject?: string;
}

/**
 * A way a plugin authenticates requests core cannot (signed webhooks: WeChat, WeChat Pay v3,
 * Stripe-style signatures). It runs after the body is read (so it can check a signature over the
 * exact bytes) and before validation and the handler. It throws a domain error to refuse (an
 * UnauthorizedError with one of the plugin's own codes answers 401) and returns the tenant to accept; the handler then reads it with `principalOf(request)` (kind `integration`).
 */
export interface AuthStrategyDefinition {
  /** Unique within the plugin; the kernel registers it as `<pluginId>.<name>`. */
  name: string;
  authenticate(request: Request, context: { rawBody: Buffer | null }): Promise<IntegrationIdentity>;
}

/** A number on the home page (§1.2.3): connections, staff, contacts, journeys… */
export interface HomeCounterDefinition {
  key: string;
  count(tenantId: string): Promise<number>;
}

// ---- operation log (操作日志, §1.11.4.8) -------------------------------------------------------------

/** A kind of object the operation log names (员工, 角色, 连接, 客户旅程, 用户…). */
export interface OperationObjectTypeDefinition {
  /** camelCase, e.g. `staff`, `channel`, `contact`. */
  objectType: string;
  label: LocalizedText;
}

/**
 * An operation staff perform in the console that the operation log records, e.g. `staff` +
 * `login` (员工 · 登录). Recording an operation nobody declared is a programming error and throws.
 */
export interface OperationTypeDefinition {
  /** A declared object type (see OperationObjectTypeDefinition). */
  objectType: string;
  /** camelCase, unique within its object type, e.g. `create`, `changePassword`, `wechatGdprDelete`. */
  operation: string;
  label: LocalizedText;
}

/** A recurring job evaluated by the scheduler in each tenant's time zone. */
export interface ScheduleDefinition {
  /** Unique within the plugin; the kernel prefixes it with the plugin id. */
  key: string;
  /** A cron expression: 5 fields (minute resolution, croner syntax) or a nickname like `@daily`; no seconds. */
  cron: string;
  description?: string;
  run(input: { tenantId: string; dueAt: number }): Promise<void>;
}

/** A logical OLAP relation a plugin contributes, as data (never DDL). */
export interface OlapRelationDefinition {
  name: string;
  columns: { name: string; type: PropertyType }[];
  description?: string;
}

export type { FeatureDefinition, OltpMigration, PermissionDefinition };

// ---- contacts -------------------------------------------------------------------------------------

/**
 * A contact's data in one channel was erased (删除用户数据 §2.2.6, 删除微信GDPR数据 §1.9.1.3.18):
 * its channel accounts there are deleted, its properties blanked and its name set to 已注销; the
 * contact itself (its id) stays. Told to every `onContactErased` listener (ADR 0037).
 */
export interface ContactErasedEvent {
  tenantId: string;
  contactId: string;
  /** The channel (连接) whose accounts and events were erased. */
  channelId: string;
  /** The deleted channel accounts' ids (the events of these accounts are deleted too). */
  channelAccountIds: string[];
  /** Epoch ms of the erasure's OLTP step. */
  at: number;
}

/**
 * What a module keeping its own data about contacts does when one is erased — the groups module
 * removes it from every group (seed §2.2.6 "从所有群组中将该用户移除"). Called at least once per
 * erased contact, after the contact was blanked and before the erasure of that id is recorded as
 * done: a crash in between calls it again, so it must be idempotent. A listener that throws stops
 * the erasure task, which retries from that id.
 */
export type ContactErasedListener = (event: ContactErasedEvent) => Promise<void>;
