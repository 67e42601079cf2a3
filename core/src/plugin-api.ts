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
  type AuditExtension,
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
