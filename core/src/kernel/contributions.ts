import type { Lifecycle, Request, ResponseToolkit, RouteOptions } from '@hapi/hapi';
import type Joi from 'joi';
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

/** What a channel type's connector does when a channel is connected, removed, or calls back. */
export interface ChannelHandlers {
  connect?(input: { tenantId: string; channelId: string; settings: Record<string, unknown> }): Promise<void>;
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
   * The SQL over the logical relations (`events`, `contacts`, …) answering a query. Its check
   * against a DuckDB tenant arrives with the analytics engine.
   */
  toSql?(query: Q, context: { timeZone: string }): string;
}

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
  /** A permission id (`<menu>.<action>`), `public` or `authenticated`. */
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
  handler(request: Request, h: ResponseToolkit): Lifecycle.ReturnValue | Promise<Lifecycle.ReturnValue>;
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
