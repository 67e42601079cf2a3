import type { Logger } from 'pino';
import { createServiceRef } from './extension-point.js';
import type { ModuleDatabase, TenantDb } from '../store/oltp/oltp-store.js';
import type { SecretBox } from '../config/secret-box.js';
import type { ContributionRegistry } from './contribution-registry.js';
import type { PermissionRegistry } from './permissions.js';
import type { PluginInfo } from './kernel.js';
import type { HuiliuConfig } from '../config/config.js';
import type { AnalyticsEngine } from '../store/olap/analytics-engine.js';
import type { Throttle } from '../server/throttle.js';
import type { Mailer } from '../lib/mailer.js';
import type { CascadePlan, DepartmentScope, TreeNode } from '../modules/departments/department-rules.js';
import type { DepartmentReferenceCount, DepartmentViewer, ReassignCheck } from '../modules/departments/departments.service.js';
import type { Department } from '../modules/departments/departments.types.js';
import type { Principal } from '../server/principal.js';
import type { OperationEntry } from '../modules/audit/operation-log.types.js';
import type { PluginEventBus } from './event-bus.js';

/** The logger a plugin gets: a pino child bound to `plugin: <id>`. */
export type PluginLogger = Pick<Logger, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'>;

/**
 * OLTP access for a plugin: tenant-confined queries. A plugin reads and writes only its own
 * (prefixed) tables — core's data is reached through core services (e.g. `coreServices.channels`).
 */
export interface PluginDatabase {
  forTenant(tenantId: string): TenantDb;
  /**
   * The one query that is not tenant-scoped: a row of the plugin's own table found by a unique key
   * when the tenant is not known yet (a writeKey, a webhook's app id tells the tenant). Only tables
   * with the plugin's prefix; the row carries its `tenant_id`.
   */
  findAcrossTenants<Row extends object>(table: string, where: Record<string, unknown>): Promise<Row | undefined>;
}

/** Sealing of third-party credentials at rest (AES-256-GCM, master key). */
export interface PluginSecrets {
  seal(plaintext: string, associatedData?: string): string;
  open(sealed: string, associatedData?: string): string;
}

/** A channel as plugins see it. */
export interface PluginChannel {
  id: string;
  type: string;
  channelKey: string;
  name: string;
  status: 'active' | 'disabled';
  createdAt: number;
  updatedAt: number;
}

/** Read access to the tenant's channels (连接), e.g. for a connector's pages about one channel. */
export interface PluginChannels {
  /** The channel, optionally only if it has the given type; throws a 404 `channel_not_found` otherwise. */
  get(tenantId: string, channelId: string, type?: string): Promise<PluginChannel>;
  /**
   * The channel's settings as last saved (validated against the type's `settings` form, defaults
   * applied), secrets in clear — only for a channel of a type this plugin provides: another
   * plugin's channel throws (a programming error); a missing one is a 404 `channel_not_found`; a
   * secret that does not open (copied from another row, or its master key is gone) a 500
   * `channel_settings_unreadable`. Never log what it returns. (ADR 0039)
   */
  settings(tenantId: string, channelId: string): Promise<Record<string, unknown>>;
}

/** Durable tasks: a plugin enqueues work of its own task kinds (see SchedulerExtension.addTaskKind). */
export interface PluginTasks {
  enqueue(
    tenantId: string,
    kind: string,
    payload: Record<string, unknown>,
    options?: { createdBy?: string | null; runAt?: number },
  ): Promise<{ id: string; status: string }>;
}

/** Result files (exports, failure reports), kept 3 days unless said otherwise; downloaded at /api/v1/files/{id}. */
export interface PluginFiles {
  save(
    tenantId: string,
    input: {
      name: string;
      contentType: string;
      content: Buffer | string;
      ttlMs?: number | null;
      taskId?: string | null;
      createdBy?: string | null;
    },
  ): Promise<{ id: string; name: string; size: number; expiresAt: number | null }>;
}

/**
 * Department data permissions (业务对象分配所属部门, ADR 0023) for a plugin whose objects (and folders)
 * carry a department: it stores `department_id` on its own rows and asks here who sees them, which
 * department a new one gets, who may change it, and what follows a folder. Reading only: the tree, the
 * switch and staff assignments are managed in 设置 → 高级设置 → 部门.
 */
export interface PluginDepartments {
  /** Every department of the tenant, parents before children (for a picker of 所属部门). */
  list(tenantId: string): Promise<Department[]>;
  /** What the caller sees; `scope.whereVisible(query, column)` filters a list, `scope.sees(id)` one object. */
  scopeFor(viewer: DepartmentViewer): Promise<DepartmentScope>;
  /** 403 `department_no_access` (无权限) unless the scope sees an object of this department. */
  assertVisible(scope: DepartmentScope, departmentId: string | null | undefined): void;
  /** The department of a new object: its folder's, else the creator's (none while 组织架构 is off). */
  initialDepartment(
    tenantId: string,
    input: { creatorStaffId: string | null; folderDepartmentId?: string | null },
  ): Promise<string | null>;
  /** The department of a new folder: its parent folder's, else the creator's. */
  initialFolderDepartment(
    tenantId: string,
    input: { creatorStaffId: string | null; parentFolderDepartmentId?: string | null },
  ): Promise<string | null>;
  /** Throws 400/404 with the seed's refusals unless the caller may give the object (or folder) this department. */
  assertCanReassign(viewer: DepartmentViewer, check: ReassignCheck): Promise<void>;
  /** The department after a move into a folder: the folder's when it has one, else unchanged. */
  departmentAfterMove(input: {
    objectDepartmentId: string | null;
    targetFolderDepartmentId: string | null | undefined;
  }): string | null;
  /** The folders (the given one and all below) whose department — and whose objects' — becomes `departmentId`. */
  folderCascade(folders: readonly TreeNode[], folderId: string, departmentId: string | null): CascadePlan;
  /** How many of this plugin's rows belong to a department (a department in use is not deleted); once, in init(). */
  addReferenceCount(count: DepartmentReferenceCount): void;
}

/**
 * The operation log (操作日志): a plugin records the console operations it declared through
 * `auditExtensionPoint` (e.g. a GDPR deletion). Calls of apps (Open API) are not recorded.
 */
export interface PluginOperationLog {
  /**
   * Records what the caller did. The detail holds ids, counts, flags and codes only — never a
   * name, email or phone; an undeclared operation or such a value throws (a bug in the caller).
   */
  record(principal: Principal, entry: OperationEntry): Promise<void>;
}

/**
 * Whether the calling plugin is enabled for a tenant (ADR 0041). Platform operators switch plugins
 * per tenant; the kernel already answers 403 `plugin_disabled` on the plugin's authenticated routes
 * and skips its schedules and tasks there. Public routes (webhooks, collect-like endpoints) and work
 * that finds its tenant by itself ask here. Cached per process for a few seconds.
 */
export interface PluginTenantEnablement {
  isEnabled(tenantId: string): Promise<boolean>;
  /** Throws 403 `plugin_disabled` unless the calling plugin is enabled for the tenant. */
  assertEnabled(tenantId: string): Promise<void>;
}

export const coreServices = {
  logger: createServiceRef<PluginLogger>({ id: 'core.logger' }),
  database: createServiceRef<PluginDatabase>({ id: 'core.database' }),
  secrets: createServiceRef<PluginSecrets>({ id: 'core.secrets' }),
  channels: createServiceRef<PluginChannels>({ id: 'core.channels' }),
  tasks: createServiceRef<PluginTasks>({ id: 'core.tasks' }),
  files: createServiceRef<PluginFiles>({ id: 'core.files' }),
  departments: createServiceRef<PluginDepartments>({ id: 'core.departments' }),
  operationLog: createServiceRef<PluginOperationLog>({ id: 'core.operationLog' }),
  // helper "routes" (ADR 0042): typed in-process events between plugins and core modules.
  eventBus: createServiceRef<PluginEventBus>({ id: 'core.eventBus' }),
  // ingest (issue 19): the plugin write path into the CDP.
  ingest: createServiceRef<PluginIngest>({ id: 'core.ingest' }),
  // tenant (issue 19): per-tenant plugin enablement, bound to the calling plugin (ADR 0041).
  tenantPlugins: createServiceRef<PluginTenantEnablement>({ id: 'core.tenantPlugins' }),
};

/**
 * Services of the kernel for core modules only (plugins get the `core.*` refs above; the kernel
 * refuses them the rest). Modules' own services (`tenancy.tenants`, `tasks.queue`…) are declared
 * next to their classes.
 */
export const kernelServices = {
  /** The pino logger of the asking module (a child bound to `module: <id>`). */
  logger: createServiceRef<Logger>({ id: 'kernel.logger' }),
  config: createServiceRef<HuiliuConfig>({ id: 'kernel.config' }),
  /** The analytics store (DuckDB embedded; StarRocks in scaled mode). */
  olap: createServiceRef<AnalyticsEngine>({ id: 'kernel.olap' }),
  /** Attempt counters in the database shared by every process (logins, token exchanges): infrastructure, like the stores. */
  throttle: createServiceRef<Throttle>({ id: 'kernel.throttle' }),
  /** Huiliu's own outgoing mail through the configured SMTP server (`mail.smtp`; may be unconfigured). */
  mailer: createServiceRef<Mailer>({ id: 'kernel.mailer' }),
  /** The asking module's OLTP tables, and no others. */
  moduleDatabase: createServiceRef<ModuleDatabase>({ id: 'kernel.moduleDatabase' }),
  contributions: createServiceRef<ContributionRegistry>({ id: 'kernel.contributions' }),
  permissions: createServiceRef<PermissionRegistry>({ id: 'kernel.permissions' }),
  secretBox: createServiceRef<SecretBox>({ id: 'kernel.secretBox' }),
  version: createServiceRef<string>({ id: 'kernel.version' }),
  plugins: createServiceRef<{ list(): PluginInfo[] }>({ id: 'kernel.plugins' }),
};

// ---- ingest (issue 19, ADR 0038) ------------------------------------------------------------------

/** Who a plugin's message is about: a user id of one of its channel type's user-ID types, in one channel. */
export interface PluginIngestIdentity {
  tenantId: string;
  /** A channel (连接) of the tenant whose type the calling plugin registered. */
  channelId: string;
  /** One of that channel type's `userIdTypes` (e.g. `youzan.fansId`). */
  userIdType: string;
  /** 1–191 characters (trailing spaces are not part of it). */
  userId: string;
}

/** What identify and track share: the person, the dedupe key and the time. */
export interface PluginMessageInput extends PluginIngestIdentity {
  /** The dedupe key (7 days): give a stable one (the platform's event id) so a resent webhook is stored once. */
  messageId?: string;
  /** When it happened: ISO 8601 with an offset, or epoch ms; the receipt time when absent. */
  timestamp?: string | number;
}

/** A contact's values as the Open API's identify takes them (system fields, `utm`, `props.attrN`). */
export interface PluginIdentifyInput extends PluginMessageInput {
  traits?: Record<string, unknown>;
}

/** An event of a declared type (the plugin's own, or a custom event of the tenant). */
export interface PluginTrackInput extends PluginMessageInput {
  event: string;
  properties?: Record<string, unknown>;
}

/**
 * The write path of connectors (ADR 0038): identify contacts and record events on behalf of the
 * plugin's channels, through the same durable inbox, messageId dedupe, identity resolution, merges and
 * quarantine (数据质量) as the collect API and the Open API. A call resolves once its messages are
 * durable; the ingest worker applies them in order per user id. Refusals are thrown at call time
 * (400 with field details, 401 for a suspended tenant, 413, 429 `ingest_busy` when the inbox is
 * too long); what is inside a message (undeclared event, bad traits, bad time, blocked id) is judged
 * by the worker and quarantined.
 */
export interface PluginIngest {
  identify(input: PluginIdentifyInput): Promise<{ messageId: string }>;
  track(input: PluginTrackInput): Promise<{ messageId: string }>;
  /** Up to 2,000 messages (500 KB) appended in one transaction: all or none; an error names the index. */
  identifyBatch(inputs: PluginIdentifyInput[]): Promise<{ messageIds: string[] }>;
  trackBatch(inputs: PluginTrackInput[]): Promise<{ messageIds: string[] }>;
  /** The contact holding this user id in the channel now (after merges), or undefined. */
  contactOf(input: PluginIngestIdentity): Promise<string | undefined>;
  /**
   * The user ids of this type the contact holds in the plugin's channels (a merged-away contact's
   * are its survivor's), optionally of one channel.
   */
  userIdsOf(input: {
    tenantId: string;
    contactId: string;
    userIdType: string;
    channelId?: string;
  }): Promise<{ channelId: string; userId: string }[]>;
}
