import type {
  ActionDefinition,
  AuthStrategyDefinition,
  ContactErasedListener,
  LocalizedText,
  ChannelTypeDefinition,
  DictionaryDefinition,
  EventTypeDefinition,
  HomeCounterDefinition,
  OlapRelationDefinition,
  OltpMigration,
  OperationObjectTypeDefinition,
  OperationTypeDefinition,
  PermissionDefinition,
  PluginRoute,
  PresetDashboardDefinition,
  ReportModelDefinition,
  ScheduleDefinition,
  SystemPropertyDefinition,
  TriggerDefinition,
  UserIdTypeDefinition,
  WriteKeyResolver,
} from './contributions.js';
import { createExtensionPoint } from './extension-point.js';
import type { FeatureDefinition } from './permissions.js';
import type { Task, TaskKindDefinition } from '../jobs/task.types.js';
import type { FieldMaskSource, GroupSource, TagSource } from '../modules/conditions/catalogue.js';
import type { MetadataSource } from '../modules/conditions/metadata-source.js';
import type { MembershipUsageCheck } from '../modules/conditions/usage.js';
import type { StaffDirectory } from '../modules/audit/operation-log.types.js';

export interface ChannelsExtension {
  addChannelType(channelType: ChannelTypeDefinition): void;
  addUserIdType(userIdType: UserIdTypeDefinition): void;
  /** The writeKeys of the plugin's channel apps, for the collect API (SDKs). */
  addWriteKeyResolver(resolver: WriteKeyResolver): void;
}

export interface EventsExtension {
  addEventType(eventType: EventTypeDefinition): void;
  /** A system property not tied to one event type (its type is fixed everywhere). */
  addSystemProperty(property: SystemPropertyDefinition): void;
  /** A default dictionary (§1.10.12) for a string property, given to tenants that never had one. */
  addDictionary(dictionary: DictionaryDefinition): void;
}

export interface JourneysExtension {
  addTrigger<C>(trigger: TriggerDefinition<C>): void;
  addAction<C>(action: ActionDefinition<C>): void;
}

export interface ReportsExtension {
  addReportModel<Q>(model: ReportModelDefinition<Q>): void;
  addPresetDashboard(dashboard: PresetDashboardDefinition): void;
}

export interface HttpExtension {
  addRoutes(routes: PluginRoute[]): void;
  /**
   * A custom auth strategy (signed webhooks), registered as `<pluginId>.<name>`; a route with
   * `permission: 'integration'` names it in `auth` (ADR 0042).
   */
  addAuthStrategy(strategy: AuthStrategyDefinition): void;
}

export interface SchedulerExtension {
  addSchedule(schedule: ScheduleDefinition): void;
  /** A kind of durable task; its id must start with `<pluginId>.`. */
  addTaskKind(taskKind: TaskKindDefinition): void;
}

export interface OltpExtension {
  /** Migrations of tables prefixed with the plugin id, tracked in the plugin's own migration table. */
  addMigrations(migrations: OltpMigration[]): void;
}

export interface OlapExtension {
  addRelation(relation: OlapRelationDefinition): void;
}

export interface ErrorsExtension {
  /** The plugin's own error codes (snake_case) with zh-CN and en-US messages (`{param}` placeholders). */
  addErrorMessages(messages: Record<string, LocalizedText>): void;
}

export interface PermissionsExtension {
  addPermissions(permissions: PermissionDefinition[]): void;
  /**
   * A feature this module or plugin brings: the permission-matrix rows of that feature become
   * configurable in roles (with `channelType`, only for tenants with a channel of that type).
   */
  addFeature(feature: FeatureDefinition): void;
}

export interface HomeExtension {
  /** A usage number on the home page, counted per tenant. */
  addCounter(counter: HomeCounterDefinition): void;
}

export interface TasksExtension {
  /** Called once a task ends for good (succeeded, failed or cancelled), after its row is final. */
  onTaskFinished(listener: (task: Task) => Promise<void>): void;
}

export interface ContactsExtension {
  /**
   * Called when a contact's data in one channel is erased (删除用户数据, 删除微信GDPR数据): the
   * groups module removes the contact from every group. At least once per erased contact — be
   * idempotent (ADR 0037).
   */
  onContactErased(listener: ContactErasedListener): void;
}

export interface ConditionsExtension {
  /**
   * The "active version" interface of groups (the groups module implements it): which group
   * version the condition engine reads. One source per server.
   */
  setGroupSource(source: GroupSource): void;
  /** The same for tags (the tags module): which calculation day of a tag it reads. One per server. */
  setTagSource(source: TagSource): void;
  /**
   * What a tree may name — custom contact fields, events with their properties, virtual events,
   * dimension-table and dictionary lookups (the metadata module implements it). One source per
   * server; without one the catalogue comes from the tenant's analytics declaration.
   */
  setMetadataSource(source: MetadataSource): void;
  /**
   * A kind of user of groups or tags kept by the calling module (ADR 0050) — dynamic groups naming a
   * group or tag, tags naming one, 互斥组 listing a group: deleting a group or tag it names is refused
   * with the check's own 409 code (`ConditionsService.usagesOf`). Several per module, asked in order.
   */
  addUsageCheck(check: MembershipUsageCheck): void;
  /**
   * Which contact properties a caller sees masked (the masking module implements it; ADR 0069): the
   * catalogue flags them `masked` for the builders. One source per server; without one, none is flagged.
   */
  setFieldMaskSource(source: FieldMaskSource): void;
}

export interface AuditExtension {
  /** A kind of object the operation log (操作日志) names, with its zh-CN and en-US label. */
  addObjectType(objectType: OperationObjectTypeDefinition): void;
  /**
   * Operations the operation log records, each on a declared object type. Only declared operations
   * can be recorded (`coreServices.operationLog`); the console's filter lists them with their labels.
   */
  addOperations(operations: OperationTypeDefinition[]): void;
}

export interface AuditStaffDirectoryExtension {
  /** Who resolves staff ids to names when the log is exported (the staff module). One per server. */
  setStaffDirectory(directory: StaffDirectory): void;
}

/** Core modules only (groups, tags, group-selections, metadata, masking); not part of the plugin API. */
export const conditionsExtensionPoint = createExtensionPoint<ConditionsExtension>({ id: 'conditions.memberships' });
/** Core modules only for now (the notification center listens); not part of the plugin API yet. */
export const tasksExtensionPoint = createExtensionPoint<TasksExtension>({ id: 'tasks.lifecycle' });
/** What modules and plugins keeping data about contacts implement (the contact-deletion hook, ADR 0037). */
export const contactsExtensionPoint = createExtensionPoint<ContactsExtension>({ id: 'contacts.lifecycle' });
export const homeExtensionPoint = createExtensionPoint<HomeExtension>({ id: 'home.counters' });
export const channelsExtensionPoint = createExtensionPoint<ChannelsExtension>({ id: 'channels.types' });
export const eventsExtensionPoint = createExtensionPoint<EventsExtension>({ id: 'events.types' });
export const journeysExtensionPoint = createExtensionPoint<JourneysExtension>({ id: 'journeys.nodes' });
export const reportsExtensionPoint = createExtensionPoint<ReportsExtension>({ id: 'reports.models' });
export const httpExtensionPoint = createExtensionPoint<HttpExtension>({ id: 'http.routes' });
export const schedulerExtensionPoint = createExtensionPoint<SchedulerExtension>({ id: 'jobs.schedules' });
export const oltpExtensionPoint = createExtensionPoint<OltpExtension>({ id: 'store.oltpMigrations' });
export const olapExtensionPoint = createExtensionPoint<OlapExtension>({ id: 'store.olapRelations' });
export const permissionsExtensionPoint = createExtensionPoint<PermissionsExtension>({ id: 'auth.permissions' });
export const errorsExtensionPoint = createExtensionPoint<ErrorsExtension>({ id: 'http.errors' });
export const auditExtensionPoint = createExtensionPoint<AuditExtension>({ id: 'audit.operations' });
/** Core modules only (the staff module names staff in exports); not part of the plugin API. */
export const auditStaffDirectoryExtensionPoint = createExtensionPoint<AuditStaffDirectoryExtension>({
  id: 'audit.staffDirectory',
});
