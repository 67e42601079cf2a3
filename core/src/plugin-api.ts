/**
 * @huiliu/core/plugin-api — the only module a plugin imports. Everything here is additive:
 * breaking changes get new names (and extension points new ids).
 */
export { default as Joi } from 'joi';
export {
  definePlugin,
  type PluginDefinition,
  type PluginLifecycle,
  type PluginRegistrationEnvironment,
} from './kernel/define-plugin.js';
export type { ExtensionPoint, ServiceRef } from './kernel/extension-point.js';
export {
  channelsExtensionPoint,
  eventsExtensionPoint,
  journeysExtensionPoint,
  reportsExtensionPoint,
  httpExtensionPoint,
  schedulerExtensionPoint,
  oltpExtensionPoint,
  olapExtensionPoint,
  permissionsExtensionPoint,
  errorsExtensionPoint,
  auditExtensionPoint,
  contactsExtensionPoint,
  type AuditExtension,
  type ContactsExtension,
  type ErrorsExtension,
  type ChannelsExtension,
  type EventsExtension,
  type JourneysExtension,
  type ReportsExtension,
  type HttpExtension,
  type SchedulerExtension,
  type OltpExtension,
  type OlapExtension,
  type PermissionsExtension,
} from './kernel/extension-points.js';
export {
  coreServices,
  type PluginLogger,
  type PluginDatabase,
  type PluginSecrets,
  type PluginChannel,
  type PluginChannels,
  type PluginTasks,
  type PluginFiles,
  type PluginDepartments,
  type PluginOperationLog,
} from './kernel/services.js';
export type { CascadePlan, DepartmentScope, TreeNode } from './modules/departments/department-rules.js';
export type { DepartmentReferenceCount, DepartmentViewer, ReassignCheck } from './modules/departments/departments.service.js';
export type { Department } from './modules/departments/departments.types.js';
export {
  ActionError,
  propertyTypes,
  type ActionDefinition,
  type ActionInput,
  type ActionResult,
  type ChannelHandlers,
  type ManualChannelCreation,
  type Refusal,
  type ChannelTypeDefinition,
  type Cleanup,
  type ContactErasedEvent,
  type ContactErasedListener,
  type DictionaryDefinition,
  type EventTypeDefinition,
  type LocalizedText,
  type OlapRelationDefinition,
  type OltpMigration,
  type FeatureDefinition,
  type OperationObjectTypeDefinition,
  type OperationTypeDefinition,
  type PermissionDefinition,
  type PluginRoute,
  type PresetDashboardDefinition,
  type PropertyType,
  type ReportModelDefinition,
  type ScheduleDefinition,
  type SystemPropertyDefinition,
  type TriggerActivation,
  type TriggerDefinition,
  type UserIdTypeDefinition,
  type WriteKeyOwnerInfo,
  type WriteKeyResolver,
} from './kernel/contributions.js';
export { PluginError } from './kernel/plugin-error.js';
export type { OperationDetail, OperationDetailValue, OperationEntry } from './modules/audit/operation-log.types.js';
export { NotFoundError, InputError, ConflictError, ForbiddenError, UpstreamError } from './server/errors.js';
export type { TenantDb } from './store/oltp/oltp-store.js';
export type { Knex } from 'knex';
export type { Columns } from './store/oltp/columns.js';
export { principalOf, type Principal } from './server/principal.js';
export { RetryableTaskError, type TaskKindDefinition, type TaskContext, type TaskResult, type Task } from './jobs/task.types.js';
export { packageManifest, packageVersion } from './lib/package-version.js';
export { generateWriteKey } from './lib/tokens.js';
/** A display name as core validates its own: NFC, trimmed, no control or bidi characters, not invisible-only. */
export { shortText as safeName } from './server/schemas.js';

// ---- helper "routes" (issue 19, ADR 0042): plugin routes v2 and the event bus ----------------------------
export {
  defineTopic,
  batchLoadedTopic,
  groupMembershipChangedTopic,
  type Topic,
  type TopicHandler,
  type TopicDelivery,
  type PluginEventBus,
  type BatchLoadedEvent,
  type GroupMembershipChangedEvent,
} from './kernel/event-bus.js';
export { rawBodyOf, verifyHmac } from './server/plugin-routes.js';
export type { AuthStrategyDefinition, IntegrationIdentity, RouteBody, RouteRateLimit } from './kernel/contributions.js';
export type { IntegrationPrincipal } from './server/principal.js';
export { UnauthorizedError } from './server/errors.js';

// ---- ingest (issue 19): the plugin write path, coreServices.ingest (ADR 0038) ----
export type {
  PluginIngest,
  PluginIngestIdentity,
  PluginMessageInput,
  PluginIdentifyInput,
  PluginTrackInput,
} from './kernel/services.js';
/** Thrown by `coreServices.ingest` when the inbox is too long (429 `ingest_busy`, retry after `retryAfterSeconds`). */
export { RateLimitError } from './server/errors.js';

// ---- helper "settings" (issue 19): connection settings and credentials, ADR 0039 ----
export type { ChannelTestInput } from './kernel/contributions.js';

// tenant (issue 19): per-tenant plugin enablement (`coreServices.tenantPlugins`, ADR 0041).
export type { PluginTenantEnablement } from './kernel/services.js';
