import type Joi from 'joi';
import {
  propertyTypes,
  type ActionDefinition,
  type AuthStrategyDefinition,
  type ChannelTypeDefinition,
  type DictionaryDefinition,
  type EventTypeDefinition,
  type LocalizedText,
  type OlapRelationDefinition,
  type OltpMigration,
  type OperationObjectTypeDefinition,
  type OperationTypeDefinition,
  type PluginRoute,
  type PresetDashboardDefinition,
  type PropertyType,
  type ReportModelDefinition,
  type HomeCounterDefinition,
  type ScheduleDefinition,
  type SystemPropertyDefinition,
  type TriggerDefinition,
  type UserIdTypeDefinition,
  type WriteKeyResolver,
  ContactErasedListener,
} from './contributions.js';
import { PluginError } from './plugin-error.js';
import { routeProblems, strategyIdOf, strategyProblems } from '../server/plugin-routes.js';
import { inspectChannelSettings } from './channel-settings.js';
import { inNamespace, namespaceForm, type NameKind } from './namespaces.js';
import {
  coreEventColumns,
  reservedEventCodes,
  reservedPermissionIds,
  reservedSystemProperties,
  reservedSystemPropertyLike,
  reservedUserIdTypes,
  sdkPresetPropertyCodes,
} from './reserved-names.js';
import type { Task, TaskKindDefinition } from '../jobs/task.types.js';
import { cronProblem } from '../jobs/cron.js';
import type { FeatureDefinition, PermissionDefinition, PermissionRegistry } from './permissions.js';
import type { FieldMaskSource, GroupSource, TagSource } from '../modules/conditions/catalogue.js';
import type { MetadataSource } from '../modules/conditions/metadata-source.js';
import { membershipKinds, type MembershipUsageCheck } from '../modules/conditions/usage.js';
import { isCoreErrorCode } from '../server/messages.js';
import { dictionaryLimits } from '../modules/metadata/dimensions.types.js';
import type { StaffDirectory } from '../modules/audit/operation-log.types.js';

export interface Owned<T> {
  pluginId: string;
  definition: T;
}

type AnyTrigger = TriggerDefinition<Record<string, unknown>>;
type AnyAction = ActionDefinition<Record<string, unknown>>;
type AnyReportModel = ReportModelDefinition<Record<string, unknown>>;

const SLUG = /^[a-z][a-zA-Z0-9]*([.-][a-zA-Z0-9]+)*$/;
const SYSTEM_PROPERTY = /^s_[A-Za-z][A-Za-z0-9_]*$/;
const EVENT_CODE = /^\$?[A-Za-z_][A-Za-z0-9_]*$/;
const PERMISSION_ID = /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+$/;
/** Object types and operations of the operation log: camelCase, stored as they are (≤ 32 characters). */
const OPERATION_CODE = /^[a-z][A-Za-z0-9]{0,31}$/;

function assertText(pluginId: string, what: string, text: LocalizedText | undefined): void {
  if (!text || !text['zh-CN'] || !text['en-US']) throw new PluginError(pluginId, `${what} needs a name in zh-CN and en-US`);
}

function validateExamples(pluginId: string, what: string, schema: Joi.ObjectSchema, examples: unknown[]): void {
  if (!schema || typeof (schema as { validate?: unknown }).validate !== 'function') {
    throw new PluginError(pluginId, `${what} needs a joi config schema`);
  }
  if (!Array.isArray(examples) || examples.length === 0) throw new PluginError(pluginId, `${what} needs at least one example`);
  examples.forEach((example, index) => {
    const { error } = schema.validate(example);
    if (error) throw new PluginError(pluginId, `${what} example #${index + 1} does not match its schema: ${error.message}`);
  });
}

/**
 * Everything plugins (and core's built-ins) contributed, with its owner. Rules that span plugins
 * live here: one owner per id, one type per `s_` property, one definition per `type@version`.
 */
export class ContributionRegistry {
  readonly channelTypes = new Map<string, Owned<ChannelTypeDefinition>>();
  readonly userIdTypes = new Map<string, Owned<UserIdTypeDefinition>>();
  readonly eventTypes = new Map<string, Owned<EventTypeDefinition>>();
  readonly systemProperties = new Map<string, Owned<SystemPropertyDefinition>>();
  /** Default dictionaries by `<target>:<property>`. */
  readonly dictionaries = new Map<string, Owned<DictionaryDefinition>>();
  readonly triggers = new Map<string, Owned<AnyTrigger>>();
  readonly actions = new Map<string, Owned<AnyAction>>();
  readonly reportModels = new Map<string, Owned<AnyReportModel>>();
  readonly presetDashboards = new Map<string, Owned<PresetDashboardDefinition>>();
  readonly routes: Owned<PluginRoute>[] = [];
  /** Custom auth strategies of plugins (ADR 0042) by `<pluginId>.<name>`. */
  readonly authStrategies = new Map<string, Owned<AuthStrategyDefinition>>();
  readonly schedules = new Map<string, Owned<ScheduleDefinition>>();
  readonly taskKinds = new Map<string, Owned<TaskKindDefinition>>();
  readonly migrations = new Map<string, OltpMigration[]>();
  readonly olapRelations = new Map<string, Owned<OlapRelationDefinition>>();
  readonly permissionIds = new Map<string, string[]>();
  /** Who declared each permission feature (`addFeature`): a plugin's feature rows go with the plugin (ADR 0041). */
  readonly permissionFeatures = new Map<string, string>();
  /** Owners that are core modules (their routes keep their own paths). */
  readonly moduleIds = new Set<string>();
  readonly homeCounters = new Map<string, Owned<HomeCounterDefinition>>();
  readonly taskFinishedListeners: Owned<(task: Task) => Promise<void>>[] = [];
  /** Who is told when a contact's data in a channel is erased (the groups module; ADR 0037). */
  readonly contactErasedListeners: Owned<ContactErasedListener>[] = [];
  /** Who resolves the writeKeys of the collect API (the custom-channel plugin's apps). */
  readonly writeKeyResolvers: Owned<WriteKeyResolver>[] = [];
  /** Who tells the condition engine the active versions of groups (the groups module). */
  groupSource: Owned<GroupSource> | undefined;
  /** Who tells the condition engine the active calculation days of tags (the tags module). */
  tagSource: Owned<TagSource> | undefined;
  /** Who tells the condition engine the tenant's properties, events and lookups (the metadata module). */
  metadataSource: Owned<MetadataSource> | undefined;
  /** Who tells the condition catalogue which contact properties a caller sees masked (the masking module). */
  fieldMaskSource: Owned<FieldMaskSource> | undefined;
  /** Users of groups and tags kept by modules (ADR 0050), in registration order. */
  readonly usageChecks: Owned<MembershipUsageCheck>[] = [];
  /** Object types of the operation log, in declaration order (the console lists them so). */
  readonly operationObjectTypes = new Map<string, Owned<OperationObjectTypeDefinition>>();
  /** Operations of the operation log by `<objectType>.<operation>`, in declaration order. */
  readonly operationTypes = new Map<string, Owned<OperationTypeDefinition>>();
  /** Who names staff in operation log exports (the staff module). */
  staffDirectory: Owned<StaffDirectory> | undefined;
  /** User-ID types core registered that a plugin may still take over (addProvisionalUserIdType). */
  private readonly provisionalUserIdTypes = new Set<string>();
  private frozen = false;
  /** Each plugin's namespace and the plugins whose namespaces it extends (ADR 0040); set before registration. */
  private readonly namespaces = new Map<string, { namespace: string; extends: readonly string[] }>();
  /** Plugins isolated after their start failed, with the reason (their routes, schedules and task kinds stop). */
  private readonly unavailable = new Map<string, string>();

  constructor(private readonly permissions: PermissionRegistry) {}

  // ---- namespaces (ADR 0040) ----------------------------------------------------------------------

  /** Declares a plugin's namespace (default: its id) and the plugins whose namespaces it may add to. */
  setNamespace(pluginId: string, namespace: string, extendsIds: readonly string[] = []): void {
    this.namespaces.set(pluginId, { namespace, extends: extendsIds });
  }

  /** A plugin's namespace (its id unless it declared another); undefined for core's modules, which own every name. */
  namespaceOf(pluginId: string): string | undefined {
    if (this.moduleIds.has(pluginId)) return undefined;
    return this.namespaces.get(pluginId)?.namespace ?? pluginId;
  }

  /** The plugin whose namespace owns a name: the longest namespace the name lies in. */
  namespaceOwner(kind: NameKind, name: string): { pluginId: string; namespace: string } | undefined {
    let owner: { pluginId: string; namespace: string } | undefined;
    for (const [pluginId, { namespace }] of this.namespaces) {
      if (inNamespace(namespace, kind, name) && (!owner || namespace.length > owner.namespace.length)) {
        owner = { pluginId, namespace };
      }
    }
    return owner;
  }

  /**
   * Whether a plugin may add `name` of `kind`: it lies in the plugin's namespace or in the namespace
   * of a plugin it `extends`, and no longer namespace owns it. Core's modules may add any name.
   * (The event bus asks it for topic ids: `ownsName(pluginId, 'topic', id)`.)
   */
  ownsName(pluginId: string, kind: NameKind, name: string): boolean {
    if (this.moduleIds.has(pluginId)) return true;
    const own = this.namespaceOf(pluginId)!;
    const allowed = new Set([own, ...(this.namespaces.get(pluginId)?.extends ?? []).map((id) => this.namespaceOf(id))]);
    const owner = this.namespaceOwner(kind, name);
    if (owner) return allowed.has(owner.namespace);
    // A plugin registered without the kernel (unit tests): its default namespace still applies.
    return inNamespace(own, kind, name);
  }

  /** Refuses a name outside the plugin's namespaces, naming the namespace's owner when another plugin has it. */
  assertOwns(pluginId: string, kind: NameKind, name: string, what: string): void {
    if (this.ownsName(pluginId, kind, name)) return;
    const owner = this.namespaceOwner(kind, name);
    if (owner && owner.pluginId !== pluginId) {
      throw new PluginError(
        pluginId,
        `${what} "${name}" is in the namespace "${owner.namespace}" of plugin "${owner.pluginId}": list "${owner.pluginId}" in extends (and dependencies) to add to it`,
      );
    }
    const namespace = this.namespaceOf(pluginId)!;
    throw new PluginError(
      pluginId,
      `${what} "${name}" must ${namespaceForm(namespace, kind)} (the plugin's namespace "${namespace}")`,
    );
  }

  // ---- isolation (ADR 0040) -----------------------------------------------------------------------

  /** Isolates a plugin whose start failed: its routes answer 503, its schedules and task kinds do not run. */
  markUnavailable(pluginId: string, reason: string): void {
    this.unavailable.set(pluginId, reason);
  }

  /** False for a plugin isolated after its start failed; true for everything else (core's modules too). */
  isAvailable(pluginId: string): boolean {
    return !this.unavailable.has(pluginId);
  }

  /** After start-up verification nothing may be added: a late contribution would be ignored silently. */
  freeze(): void {
    this.frozen = true;
  }

  private open(pluginId: string, what: string): void {
    if (this.frozen)
      throw new PluginError(pluginId, `adds ${what} after start-up (the registry is frozen; contribute in init())`);
  }

  addWriteKeyResolver(pluginId: string, resolver: WriteKeyResolver): void {
    this.open(pluginId, 'a writeKey resolver');
    if (typeof resolver?.resolve !== 'function') throw new PluginError(pluginId, 'a writeKey resolver needs resolve()');
    this.writeKeyResolvers.push({ pluginId, definition: resolver });
  }

  addTaskFinishedListener(pluginId: string, listener: (task: Task) => Promise<void>): void {
    this.open(pluginId, 'a task listener');
    this.taskFinishedListeners.push({ pluginId, definition: listener });
  }

  addContactErasedListener(pluginId: string, listener: ContactErasedListener): void {
    this.open(pluginId, 'a contact erasure listener');
    if (typeof listener !== 'function') throw new PluginError(pluginId, 'onContactErased needs a function');
    this.contactErasedListeners.push({ pluginId, definition: listener });
  }

  setGroupSource(pluginId: string, source: GroupSource): void {
    this.open(pluginId, 'a group source');
    if (this.groupSource) {
      throw new PluginError(pluginId, `sets the group source, which "${this.groupSource.pluginId}" already set`);
    }
    this.groupSource = { pluginId, definition: source };
  }

  setTagSource(pluginId: string, source: TagSource): void {
    this.open(pluginId, 'a tag source');
    if (this.tagSource) {
      throw new PluginError(pluginId, `sets the tag source, which "${this.tagSource.pluginId}" already set`);
    }
    this.tagSource = { pluginId, definition: source };
  }

  setMetadataSource(pluginId: string, source: MetadataSource): void {
    this.open(pluginId, 'a metadata source');
    if (this.metadataSource) {
      throw new PluginError(pluginId, `sets the metadata source, which "${this.metadataSource.pluginId}" already set`);
    }
    this.metadataSource = { pluginId, definition: source };
  }

  setFieldMaskSource(pluginId: string, source: FieldMaskSource): void {
    this.open(pluginId, 'a field mask source');
    if (this.fieldMaskSource) {
      throw new PluginError(pluginId, `sets the field mask source, which "${this.fieldMaskSource.pluginId}" already set`);
    }
    this.fieldMaskSource = { pluginId, definition: source };
  }

  addUsageCheck(pluginId: string, check: MembershipUsageCheck): void {
    this.open(pluginId, 'a usage check');
    if (!membershipKinds.includes(check?.kind)) throw new PluginError(pluginId, 'a usage check is of a group or a tag');
    // Its code is what a refused delete answers: it needs its texts in the catalogue.
    if (typeof check.code !== 'string' || !isCoreErrorCode(check.code))
      throw new PluginError(pluginId, `usage check code "${String(check.code)}" is not in the error-message catalogue`);
    if (typeof check.users !== 'function') throw new PluginError(pluginId, 'a usage check needs users()');
    this.usageChecks.push({ pluginId, definition: check });
  }

  addOperationObjectType(pluginId: string, definition: OperationObjectTypeDefinition): void {
    this.open(pluginId, 'an operation log object type');
    if (!OPERATION_CODE.test(definition.objectType)) {
      throw new PluginError(pluginId, `operation log object type "${definition.objectType}" must be camelCase (≤ 32 characters)`);
    }
    assertText(pluginId, `operation log object type "${definition.objectType}"`, definition.label);
    this.claim(this.operationObjectTypes, pluginId, definition.objectType, 'operation log object type', definition);
  }

  addOperationTypes(pluginId: string, definitions: OperationTypeDefinition[]): void {
    this.open(pluginId, 'operation log operations');
    const keys = new Set<string>();
    for (const definition of definitions) {
      const key = `${definition.objectType}.${definition.operation}`;
      if (!OPERATION_CODE.test(definition.objectType) || !OPERATION_CODE.test(definition.operation)) {
        throw new PluginError(pluginId, `operation "${key}": object type and operation must be camelCase (≤ 32 characters)`);
      }
      assertText(pluginId, `operation "${key}"`, definition.label);
      const existing = this.operationTypes.get(key);
      if (existing) throw new PluginError(pluginId, `operation "${key}" is already registered by plugin "${existing.pluginId}"`);
      if (keys.has(key)) throw new PluginError(pluginId, `operation "${key}" is listed twice`);
      keys.add(key);
    }
    // Checked first, claimed after: a refused list leaves no trace.
    for (const definition of definitions) {
      this.claim(this.operationTypes, pluginId, `${definition.objectType}.${definition.operation}`, 'operation', definition);
    }
  }

  setStaffDirectory(pluginId: string, directory: StaffDirectory): void {
    this.open(pluginId, 'a staff directory');
    if (this.staffDirectory) {
      throw new PluginError(pluginId, `sets the staff directory, which "${this.staffDirectory.pluginId}" already set`);
    }
    this.staffDirectory = { pluginId, definition: directory };
  }

  addHomeCounter(pluginId: string, definition: HomeCounterDefinition): void {
    this.open(pluginId, 'a home counter');
    if (!/^[a-z][A-Za-z0-9]*$/.test(definition.key))
      throw new PluginError(pluginId, `home counter "${definition.key}" is not a valid key`);
    if (typeof definition.count !== 'function') throw new PluginError(pluginId, `home counter "${definition.key}" needs count()`);
    this.claim(this.homeCounters, pluginId, definition.key, 'home counter', definition);
  }

  private claim<T>(map: Map<string, Owned<T>>, pluginId: string, key: string, what: string, definition: T): void {
    const existing = map.get(key);
    if (existing) {
      throw new PluginError(pluginId, `${what} "${key}" is already registered by plugin "${existing.pluginId}"`);
    }
    map.set(key, { pluginId, definition });
  }

  addUserIdType(pluginId: string, definition: UserIdTypeDefinition): void {
    this.open(pluginId, 'a user-ID type');
    if (!/^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)?$/.test(definition.id)) {
      throw new PluginError(pluginId, `user-ID type "${definition.id}" must look like externalId or <channel>.<name>`);
    }
    if (!this.moduleIds.has(pluginId)) {
      const reserved = reservedUserIdTypes.get(definition.id);
      if (reserved) {
        if (!this.ownsName(pluginId, 'channelType', reserved.channelType)) {
          throw new PluginError(
            pluginId,
            `user-ID type "${definition.id}" is reserved by core for channel type "${reserved.channelType}"`,
          );
        }
      } else {
        this.assertOwns(pluginId, 'userIdType', definition.id, 'user-ID type');
      }
    }
    assertText(pluginId, `user-ID type "${definition.id}"`, definition.name);
    // A type core registered until a connector exists yields to the first plugin that adds it (ADR 0038).
    if (this.provisionalUserIdTypes.has(definition.id) && !this.moduleIds.has(pluginId)) {
      this.provisionalUserIdTypes.delete(definition.id);
      this.userIdTypes.set(definition.id, { pluginId, definition });
      return;
    }
    this.claim(this.userIdTypes, pluginId, definition.id, 'user-ID type', definition);
  }

  /**
   * A user-ID type a core module registers before any connector owns it (seed §1.4.11: youzan.fansId,
   * wecom.externalUserId…), so imports and accounts can key on it already. The first plugin that adds
   * the same id takes it over (no duplicate error); any other duplicate stays refused.
   */
  addProvisionalUserIdType(moduleId: string, definition: UserIdTypeDefinition): void {
    if (!this.moduleIds.has(moduleId)) throw new PluginError(moduleId, 'only core modules register provisional user-ID types');
    this.addUserIdType(moduleId, definition);
    this.provisionalUserIdTypes.add(definition.id);
  }

  /**
   * Whether `pluginId` may act for channels of `type` (the plugin write path, ADR 0038): the plugin
   * (or core module) that registered the channel type. The one place to widen it (e.g. a plugin that
   * `extends` another).
   */
  ownsChannelType(pluginId: string, type: string): boolean {
    const owner = this.channelTypes.get(type)?.pluginId;
    if (owner === undefined) return false;
    // A plugin that `extends` another (ADR 0040) works on that plugin's channels too (a WeChat Pay add-on).
    return owner === pluginId || (this.namespaces.get(pluginId)?.extends ?? []).includes(owner);
  }

  addChannelType(pluginId: string, definition: ChannelTypeDefinition): void {
    this.open(pluginId, 'a channel type');
    if (!SLUG.test(definition.type)) throw new PluginError(pluginId, `channel type "${definition.type}" is not a valid id`);
    this.assertOwns(pluginId, 'channelType', definition.type, 'channel type');
    assertText(pluginId, `channel type "${definition.type}"`, definition.name);
    // Settings (ADR 0039): the form converts to JSON Schema, secrets are top-level strings.
    if (definition.settings !== undefined) {
      try {
        inspectChannelSettings(definition.settings);
      } catch (error) {
        throw new PluginError(pluginId, `channel type "${definition.type}": ${(error as Error).message}`);
      }
    }
    for (const hook of ['connect', 'test', 'settingsChanged', 'checkDelete', 'disconnect'] as const) {
      const handler = definition.handlers?.[hook];
      if (handler !== undefined && typeof handler !== 'function')
        throw new PluginError(pluginId, `channel type "${definition.type}": handlers.${hook} must be a function`);
    }
    this.claim(this.channelTypes, pluginId, definition.type, 'channel type', definition);
  }

  addSystemProperty(pluginId: string, definition: SystemPropertyDefinition): void {
    this.open(pluginId, 'a system property');
    this.checkReservedProperty(pluginId, '', definition);
    if (!SYSTEM_PROPERTY.test(definition.id)) {
      throw new PluginError(pluginId, `system property "${definition.id}" must start with s_ and be a legal identifier`);
    }
    if (!propertyTypes.includes(definition.type)) {
      throw new PluginError(pluginId, `system property "${definition.id}" has unknown type "${definition.type}"`);
    }
    assertText(pluginId, `system property "${definition.id}"`, definition.name);
    const existing = this.systemProperties.get(definition.id);
    if (existing) {
      if (existing.definition.type !== definition.type) {
        throw new PluginError(
          pluginId,
          `system property "${definition.id}" is declared as ${definition.type}, but plugin "${existing.pluginId}" declared it as ${existing.definition.type}`,
        );
      }
      return; // The same property shared by several event types or plugins.
    }
    this.systemProperties.set(definition.id, { pluginId, definition });
  }

  /**
   * Core's reserved property names (ADR 0040): an SDK preset `$` property is never declared, an
   * event_view column never, a reserved `s_` property only with its exact id and core's type.
   */
  private checkReservedProperty(pluginId: string, where: string, definition: SystemPropertyDefinition): void {
    if (this.moduleIds.has(pluginId)) return;
    const what = `${where}system property "${definition.id}"`;
    if (sdkPresetPropertyCodes.includes(definition.id)) {
      throw new PluginError(
        pluginId,
        `${what} is one of core's SDK preset properties: events of SDK channel types carry it without declaring it`,
      );
    }
    const reserved = reservedSystemPropertyLike(definition.id);
    if (!reserved) return;
    if (coreEventColumns.includes(reserved)) {
      throw new PluginError(pluginId, `${what} is a column of event_view that core fills: a plugin cannot declare it`);
    }
    if (reserved !== definition.id) {
      throw new PluginError(pluginId, `${what} differs only in case from core's reserved "${reserved}"`);
    }
    const type = reservedSystemProperties.get(reserved)!;
    if (definition.type !== type) {
      throw new PluginError(pluginId, `${what} is declared as ${definition.type}, but core reserves it as ${type}`);
    }
  }

  addDictionary(pluginId: string, definition: DictionaryDefinition): void {
    this.open(pluginId, 'a dictionary');
    const what = `dictionary of ${definition.target} property "${definition.property}"`;
    if (!['event', 'contact'].includes(definition.target))
      throw new PluginError(pluginId, `${what}: target must be event or contact`);
    if (!Array.isArray(definition.entries) || definition.entries.length === 0)
      throw new PluginError(pluginId, `${what} has no entries`);
    if (definition.entries.length > dictionaryLimits.rows)
      throw new PluginError(pluginId, `${what} has more than ${dictionaryLimits.rows} entries`);
    const values = new Set<string>();
    for (const { value, label } of definition.entries) {
      if (typeof value !== 'string' || !value || value.length > dictionaryLimits.value)
        throw new PluginError(pluginId, `${what}: value "${value}" is empty or longer than ${dictionaryLimits.value}`);
      if (typeof label !== 'string' || !label || label.length > dictionaryLimits.label)
        throw new PluginError(pluginId, `${what}: the label of "${value}" is empty or longer than ${dictionaryLimits.label}`);
      if (values.has(value)) throw new PluginError(pluginId, `${what} lists "${value}" twice`);
      values.add(value);
    }
    this.claim(this.dictionaries, pluginId, `${definition.target}:${definition.property}`, 'dictionary', definition);
  }

  addEventType(pluginId: string, definition: EventTypeDefinition): void {
    this.open(pluginId, 'an event type');
    if (!EVENT_CODE.test(definition.code))
      throw new PluginError(pluginId, `event code "${definition.code}" is not a legal identifier`);
    this.checkEventNamespace(pluginId, definition);
    assertText(pluginId, `event type "${definition.code}"`, definition.name);
    if (!['inbound', 'outbound'].includes(definition.direction)) {
      throw new PluginError(pluginId, `event type "${definition.code}" needs a direction (inbound or outbound)`);
    }
    const seen = new Set<string>();
    for (const property of definition.properties) {
      if (seen.has(property.id))
        throw new PluginError(pluginId, `event type "${definition.code}" lists property "${property.id}" twice`);
      seen.add(property.id);
    }
    // Check every property before claiming anything, so a refused event type leaves no trace.
    for (const property of definition.properties) {
      this.checkReservedProperty(pluginId, `event type "${definition.code}": `, property);
      const existing = this.systemProperties.get(property.id);
      if (existing && existing.definition.type !== property.type) {
        throw new PluginError(
          pluginId,
          `event type "${definition.code}": system property "${property.id}" is declared as ${property.type}, but plugin "${existing.pluginId}" declared it as ${existing.definition.type}`,
        );
      }
    }
    this.claim(this.eventTypes, pluginId, definition.code, 'event type', definition);
    for (const property of definition.properties) this.addSystemProperty(pluginId, property);
  }

  /**
   * An event type's code lies in the plugin's namespaces, or is a reserved `$` code on the channel
   * type core assigns it to; either way its channel type must be the plugin's (or one it extends).
   */
  private checkEventNamespace(pluginId: string, definition: EventTypeDefinition): void {
    if (this.moduleIds.has(pluginId)) return;
    const { code, channelType } = definition;
    if (code.startsWith('$')) {
      const reserved = reservedEventCodes.get(code);
      if (!reserved) {
        throw new PluginError(pluginId, `event code "${code}" starts with $, which only core's reserved SDK events may`);
      }
      if (channelType !== reserved.channelType || !this.ownsName(pluginId, 'channelType', channelType)) {
        throw new PluginError(pluginId, `event type "${code}" is reserved by core for channel type "${reserved.channelType}"`);
      }
      return;
    }
    this.assertOwns(pluginId, 'eventCode', code, 'event type');
    if (!this.ownsName(pluginId, 'channelType', channelType)) {
      const owner = this.namespaceOwner('channelType', channelType);
      throw new PluginError(
        pluginId,
        owner
          ? `event type "${code}" belongs to channel type "${channelType}" of plugin "${owner.pluginId}": list "${owner.pluginId}" in extends (and dependencies) to add events to it`
          : `event type "${code}" belongs to channel type "${channelType}", which is not in the plugin's namespace "${this.namespaceOf(pluginId)}"`,
      );
    }
  }

  addTrigger(pluginId: string, definition: AnyTrigger): void {
    this.open(pluginId, 'a trigger');
    const key = this.versionKey(pluginId, 'trigger', definition.type, definition.version);
    assertText(pluginId, `trigger "${key}"`, definition.name);
    validateExamples(pluginId, `trigger "${key}"`, definition.config, definition.examples);
    if (typeof definition.activate !== 'function') throw new PluginError(pluginId, `trigger "${key}" needs activate()`);
    this.claim(this.triggers, pluginId, key, 'trigger', definition);
  }

  addAction(pluginId: string, definition: AnyAction): void {
    this.open(pluginId, 'an action');
    const key = this.versionKey(pluginId, 'action', definition.type, definition.version);
    assertText(pluginId, `action "${key}"`, definition.name);
    validateExamples(pluginId, `action "${key}"`, definition.config, definition.examples);
    if (typeof definition.execute !== 'function') throw new PluginError(pluginId, `action "${key}" needs execute()`);
    this.claim(this.actions, pluginId, key, 'action', definition);
  }

  private versionKey(pluginId: string, what: string, type: string, version: number): string {
    if (!SLUG.test(type)) throw new PluginError(pluginId, `${what} type "${type}" is not a valid id`);
    if (!Number.isInteger(version) || version < 1)
      throw new PluginError(pluginId, `${what} "${type}" needs an integer version ≥ 1`);
    return `${type}@${version}`;
  }

  addReportModel(pluginId: string, definition: AnyReportModel): void {
    this.open(pluginId, 'a report model');
    if (!SLUG.test(definition.id)) throw new PluginError(pluginId, `report model "${definition.id}" is not a valid id`);
    assertText(pluginId, `report model "${definition.id}"`, definition.name);
    validateExamples(pluginId, `report model "${definition.id}"`, definition.query, definition.examples);
    if (!definition.toSql === !definition.plan)
      throw new PluginError(pluginId, `report model "${definition.id}" needs exactly one of toSql and plan`);
    const limits = definition.limits;
    if (
      limits &&
      !(
        Number.isInteger(limits.shown) &&
        Number.isInteger(limits.exported) &&
        limits.shown >= 1 &&
        limits.exported >= limits.shown
      )
    )
      throw new PluginError(pluginId, `report model "${definition.id}": limits need integers 1 ≤ shown ≤ exported`);
    this.claim(this.reportModels, pluginId, definition.id, 'report model', definition);
  }

  addPresetDashboard(pluginId: string, definition: PresetDashboardDefinition): void {
    this.open(pluginId, 'a preset dashboard');
    if (!SLUG.test(definition.id)) throw new PluginError(pluginId, `preset dashboard "${definition.id}" is not a valid id`);
    assertText(pluginId, `preset dashboard "${definition.id}"`, definition.name);
    this.claim(this.presetDashboards, pluginId, definition.id, 'preset dashboard', definition);
  }

  addRoutes(pluginId: string, routes: PluginRoute[]): void {
    this.open(pluginId, 'routes');
    for (const route of routes) {
      if (!route.path.startsWith('/')) throw new PluginError(pluginId, `route path "${route.path}" must start with /`);
      const duplicate = this.routes.find(
        (r) => r.pluginId === pluginId && r.definition.method === route.method && r.definition.path === route.path,
      );
      if (duplicate) throw new PluginError(pluginId, `route ${route.method} ${route.path} is declared twice`);
      const problems = routeProblems(route);
      if (problems.length) throw new PluginError(pluginId, `route ${route.method} ${route.path}: ${problems.join('; ')}`);
      this.routes.push({ pluginId, definition: route });
    }
  }

  /** A custom auth strategy; routes name it in `auth` (ADR 0042). Registered as `<pluginId>.<name>`. */
  addAuthStrategy(pluginId: string, definition: AuthStrategyDefinition): void {
    this.open(pluginId, 'an auth strategy');
    const problems = strategyProblems(definition);
    if (problems.length) throw new PluginError(pluginId, problems.join('; '));
    this.claim(this.authStrategies, pluginId, `${pluginId}.${definition.name}`, 'auth strategy', definition);
  }

  addSchedule(pluginId: string, definition: ScheduleDefinition): void {
    this.open(pluginId, 'a schedule');
    const problem = cronProblem(definition.cron);
    if (problem) throw new PluginError(pluginId, `schedule "${definition.key}" has an invalid cron expression: ${problem}`);
    this.claim(this.schedules, pluginId, `${pluginId}:${definition.key}`, 'schedule', definition);
  }

  addTaskKind(pluginId: string, definition: TaskKindDefinition): void {
    this.open(pluginId, 'a task kind');
    if (!definition.kind.startsWith(`${pluginId}.`))
      throw new PluginError(pluginId, `task kind "${definition.kind}" must start with "${pluginId}."`);
    if (typeof definition.run !== 'function') throw new PluginError(pluginId, `task kind "${definition.kind}" needs run()`);
    this.claim(this.taskKinds, pluginId, definition.kind, 'task kind', definition);
  }

  addMigrations(pluginId: string, migrations: OltpMigration[]): void {
    this.open(pluginId, 'migrations');
    const list = this.migrations.get(pluginId) ?? [];
    for (const migration of migrations) {
      if (list.some((m) => m.name === migration.name))
        throw new PluginError(pluginId, `migration "${migration.name}" is declared twice`);
      list.push(migration);
    }
    this.migrations.set(pluginId, list);
  }

  addOlapRelation(pluginId: string, definition: OlapRelationDefinition): void {
    this.open(pluginId, 'an OLAP relation');
    for (const column of definition.columns) {
      if (!propertyTypes.includes(column.type as PropertyType)) {
        throw new PluginError(
          pluginId,
          `OLAP relation "${definition.name}" column "${column.name}" has unknown type "${column.type}"`,
        );
      }
    }
    this.claim(this.olapRelations, pluginId, definition.name, 'OLAP relation', definition);
  }

  addPermissions(pluginId: string, permissions: PermissionDefinition[]): void {
    this.open(pluginId, 'permissions');
    if (!this.moduleIds.has(pluginId)) {
      for (const permission of permissions) {
        if (reservedPermissionIds.has(permission.id)) {
          throw new PluginError(
            pluginId,
            `permission "${permission.id}" is reserved by core (a row of the seed's permission matrix): routes may require it, plugins do not declare it`,
          );
        }
        // A malformed id is refused below with the permission registry's own message.
        if (PERMISSION_ID.test(permission.id)) this.assertOwns(pluginId, 'permission', permission.id, 'permission');
      }
    }
    const ids = this.permissionIds.get(pluginId) ?? [];
    for (const permission of permissions) {
      try {
        // A permission belongs to its contributor's feature unless it names another.
        this.permissions.add({ ...permission, feature: permission.feature ?? pluginId });
      } catch (error) {
        throw new PluginError(pluginId, (error as Error).message);
      }
      ids.push(permission.id);
    }
    this.permissionIds.set(pluginId, ids);
  }

  /** A feature the contributor brings (its rows of the permission matrix become configurable). */
  addPermissionFeature(pluginId: string, feature: FeatureDefinition): void {
    this.open(pluginId, 'permissions');
    this.assertOwns(pluginId, 'feature', feature.id, 'permission feature');
    try {
      this.permissions.addFeature(feature);
    } catch (error) {
      throw new PluginError(pluginId, (error as Error).message);
    }
    this.permissionFeatures.set(feature.id, pluginId);
  }

  /** Checks that need every plugin's contributions: references between them. */
  verify(): void {
    for (const { pluginId, definition: route } of this.routes) {
      if (!this.permissions.isKnown(route.permission)) {
        throw new PluginError(pluginId, `route ${route.method} ${route.path} declares unknown permission "${route.permission}"`);
      }
      if (route.auth !== undefined && !this.authStrategies.has(strategyIdOf(pluginId, route.auth))) {
        throw new PluginError(
          pluginId,
          `route ${route.method} ${route.path} uses unknown auth strategy "${strategyIdOf(pluginId, route.auth)}"`,
        );
      }
    }
    for (const { pluginId, definition } of this.channelTypes.values()) {
      for (const id of definition.userIdTypes) {
        if (!this.userIdTypes.has(id))
          throw new PluginError(pluginId, `channel type "${definition.type}" owns unknown user-ID type "${id}"`);
      }
    }
    for (const { pluginId, definition } of this.eventTypes.values()) {
      if (!this.channelTypes.has(definition.channelType)) {
        throw new PluginError(
          pluginId,
          `event type "${definition.code}" belongs to unknown channel type "${definition.channelType}"`,
        );
      }
    }
    for (const { pluginId, definition } of this.operationTypes.values()) {
      if (!this.operationObjectTypes.has(definition.objectType)) {
        throw new PluginError(
          pluginId,
          `operation "${definition.objectType}.${definition.operation}" is on unknown object type "${definition.objectType}"`,
        );
      }
    }
    for (const { pluginId, definition } of this.presetDashboards.values()) {
      for (const report of definition.reports) {
        if (!this.reportModels.has(report.model)) {
          throw new PluginError(pluginId, `preset dashboard "${definition.id}" uses unknown report model "${report.model}"`);
        }
      }
    }
  }

  /**
   * What one plugin contributed (or core's modules together), for `GET /api/v1/plugins` and the
   * console. A plugin's routes are shown under its `/api/v1/p/<id>` mount, a module's as they are.
   */
  summarize(ownerIds: readonly string[]) {
    const owners = new Set(ownerIds);
    const mine = <T>(map: Map<string, Owned<T>>) => [...map.entries()].filter(([, o]) => owners.has(o.pluginId));
    const mountOf = (pluginId: string) => (this.moduleIds.has(pluginId) ? '' : `/api/v1/p/${pluginId}`);
    return {
      channelTypes: mine(this.channelTypes).map(([type, o]) => ({
        type,
        name: o.definition.name,
        userIdTypes: o.definition.userIdTypes,
      })),
      userIdTypes: mine(this.userIdTypes).map(([id, o]) => ({ id, name: o.definition.name, scope: o.definition.scope })),
      eventTypes: mine(this.eventTypes).map(([code, o]) => ({
        code,
        name: o.definition.name,
        channelType: o.definition.channelType,
        direction: o.definition.direction,
        properties: o.definition.properties.map((p) => ({ id: p.id, type: p.type, name: p.name })),
      })),
      triggers: mine(this.triggers).map(([key, o]) => ({ key, name: o.definition.name })),
      actions: mine(this.actions).map(([key, o]) => ({ key, name: o.definition.name })),
      reportModels: mine(this.reportModels).map(([id, o]) => ({ id, name: o.definition.name })),
      presetDashboards: mine(this.presetDashboards).map(([id, o]) => ({ id, name: o.definition.name })),
      routes: this.routes
        .filter((r) => owners.has(r.pluginId))
        .map((r) => ({
          method: r.definition.method,
          path: `${mountOf(r.pluginId)}${r.definition.path}`,
          permission: r.definition.permission,
        })),
      schedules: mine(this.schedules).map(([key, o]) => ({ key, cron: o.definition.cron })),
      taskKinds: mine(this.taskKinds).map(([kind, o]) => ({ kind, notifies: o.definition.notifies })),
      migrations: ownerIds.flatMap((id) => (this.migrations.get(id) ?? []).map((m) => m.name)),
      olapRelations: mine(this.olapRelations).map(([name]) => name),
      permissions: ownerIds.flatMap((id) => this.permissionIds.get(id) ?? []),
    };
  }
}

export type ContributionSummary = ReturnType<ContributionRegistry['summarize']>;
