// Shapes of the /api/v1 requests and responses, from the types-only `@huiliu/core/api-types`.
export type {
  Tenant,
  Staff,
  Session,
  SetupStatus,
  SetupRequest,
  SetupResult as SetupResponse,
  LoginRequest,
  LoginResponse,
  MfaChallenge,
  MfaCodeRequest,
  MfaBoundSession,
  MfaStatus,
  PasswordChange,
  PasswordResetRequest,
  PasswordResetConfirm,
  HomeSummary as HomeOverview,
  ApiApp as PrivateApp,
  AppWithSecret,
  Page,
  Notification,
  Task,
  StoredFile,
} from '@huiliu/core/api-types';
import type { ErrorBody as ServerErrorBody, Notification, Page, Task } from '@huiliu/core/api-types';

export type AppStatus = 'enabled' | 'disabled';

/** A page of the notification center, with the caller's unread count. */
export type NotificationPage = Page<Notification> & { unread: number };
/** A result file as a notification lists it: `expired` files answer 410 `file_expired`. */
export type NotificationFile = Notification['files'][number];
export type TaskStatus = Task['status'];

/** The server sends a dotted string; older shapes used an array of segments. */
export interface ErrorDetail {
  path: string | Array<string | number>;
  code: string;
  /** The detail's text in the caller's language, when the server has one (catalogue codes, row errors). */
  message?: string;
}

/** An error body from the server, or one the client makes up for network failures (no request id). */
export type ErrorBody = Omit<ServerErrorBody, 'requestId' | 'details'> & { requestId?: string; details?: ErrorDetail[] };

// ---- plugins (GET /api/v1/plugins; typed here by hand until @huiliu/core/api-types has them) ----

/** Operator-facing text in both console languages. */
export interface LocalizedText {
  'zh-CN': string;
  'en-US': string;
}

export type PluginSource = 'builtin' | 'explicit' | 'package';
/** `failed`: its start threw or timed out; the server isolated it (its routes answer 503, ADR 0040). */
export type PluginState = 'registered' | 'started' | 'stopped' | 'failed';
export type PropertyType = 'string' | 'number' | 'integer' | 'bool' | 'date' | 'datetime' | 'string[]';

export interface PluginChannelType {
  type: string;
  name: LocalizedText;
  userIdTypes: string[];
}

export interface PluginUserIdType {
  id: string;
  name: LocalizedText;
  scope: 'channel' | 'channelType';
}

export interface PluginEventProperty {
  id: string;
  type: PropertyType;
  name: LocalizedText;
}

export interface PluginEventType {
  code: string;
  name: LocalizedText;
  channelType: string;
  direction: 'inbound' | 'outbound';
  properties: PluginEventProperty[];
}

/** A journey trigger or action: `key` is `type@version`. */
export interface PluginJourneyNode {
  key: string;
  name: LocalizedText;
}

export interface PluginNamedItem {
  id: string;
  name: LocalizedText;
}

export interface PluginRoute {
  method: string;
  /** The full path, under `/api/v1/p/<pluginId>`. */
  path: string;
  permission: string;
}

export interface PluginSchedule {
  key: string;
  cron: string;
}

export interface PluginContributions {
  channelTypes: PluginChannelType[];
  userIdTypes: PluginUserIdType[];
  eventTypes: PluginEventType[];
  triggers: PluginJourneyNode[];
  actions: PluginJourneyNode[];
  reportModels: PluginNamedItem[];
  presetDashboards: PluginNamedItem[];
  routes: PluginRoute[];
  schedules: PluginSchedule[];
  /** OLTP migration names. */
  migrations: string[];
  /** OLAP relation names. */
  olapRelations: string[];
  /** Permission ids. */
  permissions: string[];
}

export interface PluginInfo {
  id: string;
  version: string;
  requires: { core: string };
  dependencies: Record<string, string>;
  source: PluginSource;
  packageName: string | null;
  state: PluginState;
  /** Why its start failed (the error's message); only when `state` is `failed`. */
  error?: string;
  /** The prefix of the names it adds (ADR 0040); null for core. */
  namespace: string | null;
  contributions: PluginContributions;
  /** Whether a tenant has it until the platform operator switches it (false: a licensed add-on). */
  defaultEnabled: boolean;
  /** Whether it is enabled for the signed-in staff member's tenant (ADR 0041). */
  enabledForTenant: boolean;
}

export interface PluginList {
  items: PluginInfo[];
}

// ---- channels (GET /api/v1/channel-types, /api/v1/channels; typed here by hand until
// @huiliu/core/api-types has them) ----

/** How operators create a channel of a type by hand, and what its key is called. */
export interface ChannelTypeManual {
  /** "ChannelID" (custom channels), "AppID" (mini-programs). */
  keyLabel: LocalizedText;
  /** The key's pattern (a RegExp source), checked by the server. */
  keyPattern: string;
  /** A blank key is generated (custom channels: `udc_…`). */
  keyGenerated: boolean;
  keyHelp: LocalizedText | null;
}

/** A channel type contributed by a plugin, with this tenant's channel count. */
export interface ChannelType {
  type: string;
  name: LocalizedText;
  description: LocalizedText | null;
  userIdTypes: string[];
  customEvents: boolean;
  /** null: connected through an authorization flow, not created by hand. */
  manual: ChannelTypeManual | null;
  /**
   * The connection's settings form as JSON Schema (ADR 0039): secret fields `writeOnly` and
   * `x-secret`, labels under `x-label` / `x-description`; null when the type has no settings.
   */
  settingsSchema: SettingsSchema | null;
  /** Whether the type can test its settings (测试连接). */
  testable: boolean;
  /** null when `available` is false. */
  pluginId: string | null;
  /** False: no loaded plugin provides the type any more, but this tenant still has connections of it. */
  available: boolean;
  count: number;
}

export interface ChannelTypeList {
  items: ChannelType[];
}

export type ChannelStatus = 'active' | 'disabled';

/** A connection (连接): one instance of a channel type. */
export interface Channel {
  id: string;
  type: string;
  /** ChannelID (custom channels, `udc_…`) or AppID. */
  channelKey: string;
  name: string;
  status: ChannelStatus;
  /** False when the plugin providing its type was removed: list, rename and delete only. */
  typeAvailable: boolean;
  createdAt: number;
  updatedAt: number;
}

/** One field of a settings form (the JSON Schema subset the console renders). */
export interface SettingsFieldSchema {
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array';
  title?: string;
  description?: string;
  'x-label'?: LocalizedText;
  'x-description'?: LocalizedText;
  /** A credential: write-only, never returned (`secretsSet` says whether it holds a value). */
  'x-secret'?: boolean;
  writeOnly?: boolean;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  enum?: (string | number)[];
  default?: unknown;
  items?: SettingsFieldSchema;
  properties?: Record<string, SettingsFieldSchema>;
  required?: string[];
}

/** A channel type's settings form (`type: 'object'`). */
export interface SettingsSchema extends SettingsFieldSchema {
  type: 'object';
  properties?: Record<string, SettingsFieldSchema>;
}

/** The answer of 测试连接: a failed test is an answer, not an error. */
export type ChannelTestResult = { ok: true } | { ok: false; code: string; message: string };

/** One channel as `GET /api/v1/channels/{id}` (and create, rename) answers it. */
export interface ChannelDetail extends Channel {
  /** The non-secret settings (never a secret's value). */
  settings: Record<string, unknown>;
  /** The secret fields that hold a value. */
  secretsSet: string[];
  /** false while the channel's type refuses to delete it, e.g. a custom channel with enabled apps. */
  deletable: boolean;
  /** Why not, in the language of the request (`Accept-Language`). */
  deleteBlockedReason: { code: string; message: string } | null;
}

export interface NewChannel {
  type: string;
  name: string;
  /** Blank = generated when the type generates keys. */
  channelKey?: string;
  /** The type's settings form (secrets in clear, sent once). */
  settings?: Record<string, unknown>;
}
