import type { Logger } from 'pino';
import type { EventTypeDefinition, LocalizedText, PropertyType } from '../../kernel/contributions.js';
import type { ContributionRegistry } from '../../kernel/contribution-registry.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import { InputError, NotFoundError, type ErrorDetail } from '../../server/errors.js';
import type { ErrorCode } from '../../server/messages.js';
import type { AnalyticsEngine } from '../../store/olap/analytics-engine.js';
import { declarationChecksum, type OlapTenantDeclaration } from '../../store/olap/declaration.js';
import { propertyColumn } from '../../store/olap/physical-schema.js';
import { isUniqueViolation } from '../../store/oltp/oltp-store.js';
import type { ChannelsService } from '../channels/channels.service.js';
import type { ConditionTree } from '../conditions/condition.types.js';
import type { ConditionsService } from '../conditions/conditions.service.js';
import type { MetadataLookup, MetadataSource, TenantMetadata } from '../conditions/metadata-source.js';
import { systemFieldNames } from '../conditions/catalogue.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import type { DimensionsRepo } from './dimensions.repo.js';
import { codeKey, type MetadataRepo } from './metadata.repo.js';
import {
  contactFieldPropertyType,
  IDENTIFIER,
  IDENTIFIER_MAX,
  metadataLimits,
  sdkPresetProperties,
  type ContactField,
  type ContactFieldRow,
  type ContactFieldType,
  type CustomEventChange,
  type CustomPropertyType,
  type EventProperty,
  type EventPropertyInput,
  type EventPropertyRow,
  type EventType,
  type EventTypeRow,
  type NewCustomEvent,
  type VirtualEvent,
  type VirtualEventInput,
  type VirtualEventMember,
  type VirtualEventRow,
} from './metadata.types.js';

const refuse = (code: ErrorCode, path: string, params: Record<string, unknown> = {}): never => {
  throw new InputError(code, params, [{ path, code }]);
};

/** Attempts at creating a custom field when concurrent creations take the same seq. */
const CREATE_ATTEMPTS = 8;

/** How long `describe` may reuse a synced state (see `states`). */
const STATE_TTL_MS = 2_000;

const sameText = (a: LocalizedText, b?: LocalizedText) => b ?? a;

/** Everything a tenant's metadata holds, read in one go (small tables). */
export interface TenantState {
  timeZone: string;
  fields: ContactFieldRow[];
  properties: EventPropertyRow[];
  events: EventTypeRow[];
  links: Map<string, string[]>;
  virtualEvents: VirtualEventRow[];
  dimensions: Awaited<ReturnType<DimensionsRepo['live']>>;
}

/**
 * Work that belongs to a declaration (the dimension-table service's): `beforeDeclare` writes OLTP rows the
 * declaration must include (a plugin's default dictionary) and says whether it wrote; `afterDeclare`
 * writes OLAP data that needs the declared tables (a dictionary's mirror). Both run inside the
 * tenant's sync queue, so they never overlap another declaration of the tenant in this process.
 */
export interface MetadataSyncHooks {
  beforeDeclare?(tenantId: string, state: TenantState): Promise<boolean>;
  afterDeclare?(tenantId: string, state: TenantState): Promise<void>;
}

/**
 * 元数据管理 (§1.10): custom contact fields, event properties (system, SDK, custom), custom events
 * with sub-events and extended properties, and virtual events. It is the one author of the tenant's
 * OLAP declaration: every change is declared at once (a new property is a typed column before the
 * answer), and `describe` re-declares whenever OLTP and the recorded declaration differ, so a
 * declaration lost to a crash between the two heals on the next read (ADR 0016).
 */
export class MetadataService implements MetadataSource {
  /** Per-tenant queue: declarations of one tenant are built and applied one at a time. */
  private readonly syncs = new Map<string, Promise<unknown>>();
  /**
   * The last synced state per tenant, reused by `describe` for a moment: conditions are compiled far
   * more often than metadata changes. Changes made in this process sync (and refresh it) at once;
   * another process's changes are seen within `STATE_TTL_MS`.
   */
  private readonly states = new Map<string, { at: number; state: TenantState }>();
  private readonly hooks: MetadataSyncHooks[] = [];

  constructor(
    private readonly repo: MetadataRepo,
    private readonly dimensionsRepo: DimensionsRepo,
    private readonly contributions: ContributionRegistry,
    private readonly olap: AnalyticsEngine,
    private readonly tenants: TenantService,
    private readonly channels: ChannelsService,
    private readonly conditions: ConditionsService,
    private readonly logger?: Logger,
  ) {}

  // ---- the declaration --------------------------------------------------------------------------

  private systemEvents(): EventTypeDefinition[] {
    return [...this.contributions.eventTypes.values()].map((owned) => owned.definition);
  }

  /** Whether a channel type's events carry the SDK presets (custom and mini-program channels). */
  private sdkChannelType(channelType: string): boolean {
    return this.contributions.channelTypes.get(channelType)?.definition.customEvents === true;
  }

  /** Inserts the system (`s_`) and SDK (`$`) properties a tenant does not have yet. */
  private async ensurePresets(tenantId: string, existing: EventPropertyRow[]): Promise<boolean> {
    const have = new Set(existing.map((p) => p.code_key));
    const wanted: Omit<EventPropertyRow, 'id' | 'tenant_id'>[] = [];
    const now = Date.now();
    const base = { data_seen_at: null, deleted_at: null, created_by: null, created_at: now, updated_at: now };
    for (const preset of sdkPresetProperties)
      if (!have.has(codeKey(preset.code)))
        wanted.push({
          ...base,
          code: preset.code,
          code_key: codeKey(preset.code),
          name: preset.names['zh-CN'],
          type: preset.type,
          source: 'sdk',
          plugin_id: null,
        });
    for (const [code, owned] of this.contributions.systemProperties)
      if (!have.has(codeKey(code)))
        wanted.push({
          ...base,
          code,
          code_key: codeKey(code),
          name: owned.definition.name['zh-CN'],
          type: owned.definition.type,
          source: 'system',
          plugin_id: owned.pluginId,
        });
    for (const row of wanted) {
      try {
        await this.repo.insertProperty(tenantId, row);
      } catch (error) {
        // Another process inserted it first: the same row.
        if (!isUniqueViolation(error)) throw error;
      }
    }
    return wanted.length > 0;
  }

  private async state(tenantId: string): Promise<TenantState> {
    const tenant = await this.tenants.get(tenantId);
    let properties = await this.repo.properties(tenantId);
    if (await this.ensurePresets(tenantId, properties)) properties = await this.repo.properties(tenantId);
    const [fields, events, links, virtualEvents, dimensions] = await Promise.all([
      this.repo.contactFields(tenantId),
      this.repo.eventTypes(tenantId),
      this.repo.eventTypeProperties(tenantId),
      this.repo.virtualEvents(tenantId),
      this.dimensionsRepo.live(tenantId),
    ]);
    return { timeZone: tenant.timeZone, fields, properties, events, links, virtualEvents, dimensions };
  }

  private declarationOf(tenantId: string, state: TenantState): OlapTenantDeclaration {
    const codes = new Set<string>();
    for (const event of this.systemEvents()) codes.add(event.code);
    const systemKeys = new Set([...codes].map(codeKey));
    // A plugin installed later may bring a code that differs from a custom event's only in case:
    // the custom one stays out of the declaration (and is logged) rather than failing every sync.
    for (const event of state.events)
      if (!systemKeys.has(codeKey(event.code))) codes.add(event.code);
      else if (!codes.has(event.code))
        this.logger?.warn({ tenantId, code: event.code }, 'custom event code collides with a plugin event code');
    return {
      timeZone: state.timeZone,
      events: [...codes].map((code) => ({ code, alias: code })),
      eventProperties: state.properties.map((p) => ({ id: String(p.id), name: p.code, type: p.type })),
      // A custom field's OLAP id is its seq: `contact_view.p_attr<seq>` is the seed's column name.
      contactAttributes: state.fields.map((f) => ({
        id: String(f.seq),
        type: contactFieldPropertyType[f.type],
        name: f.name,
      })),
      dimensions: state.dimensions
        .filter(({ fields }) => fields.length > 0)
        .map(({ table, fields }) => ({ id: String(table.id), fields: fields.map((f) => ({ id: String(f.id), type: f.type })) })),
    };
  }

  /** The tenant's metadata read from OLTP, without declaring anything (OLAP is not touched). */
  read(tenantId: string): Promise<TenantState> {
    return this.state(tenantId);
  }

  addSyncHooks(hooks: MetadataSyncHooks): void {
    this.hooks.push(hooks);
  }

  /** Reads the tenant's metadata and declares it to OLAP when it differs from the recorded one. */
  sync(tenantId: string): Promise<TenantState> {
    const previous = this.syncs.get(tenantId) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        let state = await this.state(tenantId);
        let wrote = false;
        for (const hook of this.hooks) if (hook.beforeDeclare && (await hook.beforeDeclare(tenantId, state))) wrote = true;
        if (wrote) state = await this.state(tenantId);
        const declaration = this.declarationOf(tenantId, state);
        const analytics = this.olap.forTenant(tenantId);
        const recorded = await analytics.schema();
        if (!recorded || recorded.checksum !== declarationChecksum(declaration)) await analytics.declare(declaration);
        for (const hook of this.hooks) await hook.afterDeclare?.(tenantId, state);
        this.states.set(tenantId, { at: Date.now(), state });
        return state;
      });
    this.syncs.set(tenantId, next);
    void next
      .finally(() => {
        if (this.syncs.get(tenantId) === next) this.syncs.delete(tenantId);
      })
      .catch(() => undefined);
    return next;
  }

  /** The condition engine's view (MetadataSource), after declaring what changed. */
  async describe(tenantId: string): Promise<TenantMetadata> {
    const cached = this.states.get(tenantId);
    const state = cached && Date.now() - cached.at < STATE_TTL_MS ? cached.state : await this.sync(tenantId);
    const propertyById = new Map(state.properties.map((p) => [String(p.id), p]));
    const sdkCodes = sdkPresetProperties.map((p) => p.code);
    const events: TenantMetadata['events'] = [
      ...this.systemEvents().map((event) => ({
        code: event.code,
        name: event.name['zh-CN'],
        properties: [...event.properties.map((p) => p.id), ...(this.sdkChannelType(event.channelType) ? sdkCodes : [])],
      })),
      ...state.events.map((event) => ({
        code: event.code,
        name: event.name,
        properties: [
          ...(state.links.get(String(event.id)) ?? []).flatMap((id) => {
            const property = propertyById.get(id);
            return property ? [property.code] : [];
          }),
          ...sdkCodes,
        ],
      })),
    ];
    const lookups: MetadataLookup[] = state.dimensions.flatMap(({ table, fields }) => {
      const keyField =
        table.kind === 'dictionary'
          ? fields.find((f) => f.code === 'value')
          : fields.find((f) => String(f.id) === String(table.primary_field_id));
      if (table.status !== 'ready' || !keyField) return [];
      return [
        {
          kind: table.kind,
          dimensionId: String(table.id),
          name: table.name,
          target: table.link_target,
          property: table.link_property,
          keyFieldId: String(keyField.id),
          fields: fields.map((f) => ({ id: String(f.id), code: f.code, name: f.name, type: f.type })),
        },
      ];
    });
    return {
      timeZone: state.timeZone,
      contactFields: state.fields.map((f) => ({
        key: `attr${f.seq}`,
        columnId: String(f.seq),
        name: f.name,
        type: contactFieldPropertyType[f.type],
        anniversary: f.type === 'anniversary',
      })),
      events,
      eventProperties: state.properties.map((p) => ({
        code: p.code,
        columnId: String(p.id),
        name: p.name,
        type: p.type,
        source: p.source,
      })),
      virtualEvents: state.virtualEvents.map((row) => ({
        key: `virtual:${row.id}`,
        name: row.name,
        members: this.parseDefinition(row).members,
      })),
      lookups,
    };
  }

  // ---- data arrival -----------------------------------------------------------------------------

  /** Whether any event of these codes is stored (or ingestion recorded one). */
  private async eventsHaveData(tenantId: string, rows: EventTypeRow[]): Promise<boolean> {
    if (rows.some((row) => row.data_seen_at !== null)) return true;
    const analytics = this.olap.forTenant(tenantId);
    if (!(await analytics.schema())) return false;
    const codes = rows.map((row) => row.code);
    const result = await analytics.query(
      `SELECT 1 AS hit FROM events WHERE event IN (${codes.map(() => '?').join(', ')}) LIMIT 1`,
      {
        params: codes,
      },
    );
    return result.rows.length > 0;
  }

  private async propertyHasData(tenantId: string, row: EventPropertyRow): Promise<boolean> {
    if (row.data_seen_at !== null) return true;
    const analytics = this.olap.forTenant(tenantId);
    const schema = await analytics.schema();
    if (!schema) return false;
    // Its typed column, and `extra`: values that arrived before it was declared (or failed its type).
    const carried = [`${this.olap.dialect.jsonString('extra', row.code)} IS NOT NULL`];
    if (schema.declaration.eventProperties.some((p) => p.id === String(row.id)))
      carried.push(`${this.olap.dialect.quoteIdentifier(propertyColumn(String(row.id)))} IS NOT NULL`);
    const result = await analytics.query(`SELECT 1 AS hit FROM events WHERE ${carried.join(' OR ')} LIMIT 1`);
    return result.rows.length > 0;
  }

  /**
   * Ingestion tells which event codes and property codes arrived, so deletion is refused from the
   * moment data is accepted (before it is loaded into OLAP).
   */
  async recordArrivals(tenantId: string, input: { events?: string[]; properties?: string[] }): Promise<void> {
    await this.repo.recordArrivals(tenantId, input, Date.now());
  }

  // ---- contact custom fields (§1.10.7) -----------------------------------------------------------

  private toField = (row: ContactFieldRow): ContactField => ({
    id: String(row.id),
    key: `attr${row.seq}`,
    name: row.name,
    type: row.type,
    position: Number(row.position),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  });

  async contactFields(tenantId: string): Promise<ContactField[]> {
    return (await this.repo.contactFields(tenantId)).map(this.toField);
  }

  private async fieldOr404(tenantId: string, id: string): Promise<ContactFieldRow> {
    const row = await this.repo.contactField(tenantId, id);
    if (!row) throw new NotFoundError('metadata_contact_field_not_found');
    return row;
  }

  private async refuseTakenFieldName(tenantId: string, name: string, exceptId?: string): Promise<void> {
    const rows = await this.repo.contactFields(tenantId);
    // A system field's name too: both become columns of exports and the contact page.
    if (Object.values(systemFieldNames).includes(name) || rows.some((r) => r.name === name && String(r.id) !== exceptId))
      refuse('metadata_name_taken', 'name', { name });
  }

  async createContactField(tenantId: string, input: { name: string; type: ContactFieldType }): Promise<ContactField> {
    let id: string | undefined;
    // Two fields created at once read the same next seq: the loser's insert hits the unique index and
    // it tries again in a new transaction (a fresh read); the anniversary slots decide the same way.
    for (let attempt = 0; attempt < CREATE_ATTEMPTS && id === undefined; attempt += 1) {
      id = await this.repo.transaction(async () => {
        await this.refuseTakenFieldName(tenantId, input.name);
        const counters = await this.repo.contactFieldCounters(tenantId);
        if (counters.count >= metadataLimits.contactFields)
          refuse('metadata_contact_field_limit', 'type', { limit: metadataLimits.contactFields });
        let slot: number | null = null;
        if (input.type === 'anniversary') {
          slot = [1, 2].find((s) => !counters.slots.includes(s)) ?? null;
          if (slot === null) refuse('metadata_anniversary_limit', 'type', { limit: metadataLimits.anniversaries });
        }
        const now = Date.now();
        try {
          return await this.repo.insertContactField(tenantId, {
            seq: counters.seq,
            name: input.name,
            type: input.type,
            position: counters.position,
            anniversary_slot: slot,
            created_at: now,
            updated_at: now,
          });
        } catch (error) {
          if (isUniqueViolation(error)) return undefined;
          throw error;
        }
      });
    }
    if (id === undefined) return refuse('metadata_busy', 'type');
    await this.sync(tenantId);
    return this.toField(await this.fieldOr404(tenantId, id));
  }

  async updateContactField(tenantId: string, id: string, change: { name?: string; type?: string }): Promise<ContactField> {
    const row = await this.fieldOr404(tenantId, id);
    if (change.type !== undefined && change.type !== row.type) refuse('metadata_type_immutable', 'type');
    if (change.name !== undefined && change.name !== row.name) {
      await this.refuseTakenFieldName(tenantId, change.name, id);
      await this.repo.updateContactField(tenantId, id, { name: change.name }, Date.now());
      await this.sync(tenantId);
    }
    return this.toField(await this.fieldOr404(tenantId, id));
  }

  /** 上移 / 下移: swaps the field with its neighbour; the ends stay where they are. */
  async moveContactField(tenantId: string, id: string, direction: 'up' | 'down'): Promise<ContactField[]> {
    await this.repo.transaction(async () => {
      await this.fieldOr404(tenantId, id);
      const rows = await this.repo.contactFields(tenantId);
      const index = rows.findIndex((r) => String(r.id) === id);
      const other = rows[direction === 'up' ? index - 1 : index + 1];
      const self = rows[index]!;
      if (!other) return;
      const now = Date.now();
      await this.repo.updateContactField(tenantId, String(self.id), { position: Number(other.position) }, now);
      await this.repo.updateContactField(tenantId, String(other.id), { position: Number(self.position) }, now);
    });
    return this.contactFields(tenantId);
  }

  // ---- event properties (§1.10.8) ----------------------------------------------------------------

  private presetNames(row: EventPropertyRow): {
    names: LocalizedText;
    description?: LocalizedText;
    collectedBy?: EventProperty['collectedBy'];
  } {
    if (row.source === 'sdk') {
      const preset = sdkPresetProperties.find((p) => p.code === row.code);
      if (preset) return { names: preset.names, collectedBy: preset.collectedBy };
    }
    if (row.source === 'system') {
      const owned = this.contributions.systemProperties.get(row.code);
      if (owned)
        return {
          names: owned.definition.name,
          ...(owned.definition.description ? { description: owned.definition.description } : {}),
        };
    }
    return { names: { 'zh-CN': row.name, 'en-US': row.name } };
  }

  private toProperty = (row: EventPropertyRow): EventProperty => ({
    id: String(row.id),
    code: row.code,
    name: row.name,
    ...this.presetNames(row),
    type: row.type,
    source: row.source,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  });

  async eventProperties(
    tenantId: string,
    filter: { source?: EventProperty['source']; type?: PropertyType } = {},
  ): Promise<EventProperty[]> {
    const { properties } = await this.sync(tenantId);
    return properties
      .filter((p) => (!filter.source || p.source === filter.source) && (!filter.type || p.type === filter.type))
      .map(this.toProperty);
  }

  private async propertyOr404(tenantId: string, id: string): Promise<EventPropertyRow> {
    const row = await this.repo.property(tenantId, id);
    if (!row) throw new NotFoundError('metadata_property_not_found');
    return row;
  }

  /** A new custom property's ID: legal, not `s_`, not taken (also ignoring case). */
  private checkNewPropertyCode(code: string, path: string, existing: EventPropertyRow[]): void {
    if (!IDENTIFIER.test(code) || code.length > IDENTIFIER_MAX) refuse('metadata_id_invalid', path, { max: IDENTIFIER_MAX });
    if (/^s_/i.test(code)) refuse('metadata_property_id_reserved', path);
    const same = existing.find((p) => p.code_key === codeKey(code));
    if (same) refuse(same.code === code ? 'metadata_id_taken' : 'metadata_id_case_conflict', path, { id: same.code });
  }

  async createEventProperty(
    tenantId: string,
    input: { code: string; name: string; type: CustomPropertyType },
    createdBy: string | null,
  ): Promise<EventProperty> {
    const id = await this.repo.transaction(async () => {
      const existing = await this.repo.properties(tenantId);
      this.checkNewPropertyCode(input.code, 'code', existing);
      if (existing.filter((p) => p.source === 'custom').length >= metadataLimits.customProperties)
        refuse('metadata_property_limit', 'code', { limit: metadataLimits.customProperties });
      return this.insertCustomProperty(tenantId, input, createdBy, 'code');
    });
    await this.sync(tenantId);
    return this.toProperty(await this.propertyOr404(tenantId, id));
  }

  private async insertCustomProperty(
    tenantId: string,
    input: { code: string; name: string; type: CustomPropertyType },
    createdBy: string | null,
    path: string,
  ): Promise<string> {
    const now = Date.now();
    try {
      return await this.repo.insertProperty(tenantId, {
        code: input.code,
        code_key: codeKey(input.code),
        name: input.name,
        type: input.type,
        source: 'custom',
        plugin_id: null,
        data_seen_at: null,
        deleted_at: null,
        created_by: createdBy,
        created_at: now,
        updated_at: now,
      });
    } catch (error) {
      if (isUniqueViolation(error)) refuse('metadata_id_taken', path, { id: input.code });
      throw error;
    }
  }

  async updateEventProperty(
    tenantId: string,
    id: string,
    change: { name?: string; code?: string; type?: string },
  ): Promise<EventProperty> {
    const row = await this.propertyOr404(tenantId, id);
    if (row.source !== 'custom') refuse('metadata_property_not_custom', 'name');
    if (change.code !== undefined && change.code !== row.code) refuse('metadata_id_immutable', 'code');
    if (change.type !== undefined && change.type !== row.type) refuse('metadata_type_immutable', 'type');
    if (change.name !== undefined && change.name !== row.name) {
      await this.repo.updateProperty(tenantId, id, { name: change.name }, Date.now());
      await this.sync(tenantId);
    }
    return this.toProperty(await this.propertyOr404(tenantId, id));
  }

  /** Only a custom property no event has carried, that no event or lookup still names (§1.10.8.3.3). */
  async deleteEventProperty(tenantId: string, id: string): Promise<void> {
    const row = await this.propertyOr404(tenantId, id);
    if (row.source !== 'custom') refuse('metadata_property_not_custom', 'id');
    const events = await this.repo.eventsLinkingProperty(tenantId, id);
    if (events.length) refuse('metadata_property_attached', 'id', { events: events.join(', ') });
    const linked = (await this.dimensionsRepo.live(tenantId)).find(
      ({ table }) => table.link_target === 'event' && table.link_property === row.code,
    );
    if (linked) refuse('metadata_property_linked', 'id', { table: linked.table.name });
    if (await this.propertyHasData(tenantId, row)) refuse('metadata_property_has_data', 'id');
    await this.repo.deleteProperty(tenantId, id, Date.now());
    await this.sync(tenantId);
  }

  // ---- event types (§1.10.9) ---------------------------------------------------------------------

  async eventTypes(
    tenantId: string,
    filter: { source?: 'system' | 'custom'; channelType?: string; channelId?: string } = {},
  ): Promise<EventType[]> {
    const state = await this.sync(tenantId);
    const channelTypes = await this.channelTypesOf(tenantId, state.events);
    const list = [...this.systemEvents().map((e) => this.toSystemEvent(e)), ...this.toCustomEvents(state, channelTypes)];
    return list.filter(
      (e) =>
        (!filter.source || e.source === filter.source) &&
        (!filter.channelType || e.channelType === filter.channelType) &&
        (!filter.channelId || e.channelId === filter.channelId),
    );
  }

  async eventType(tenantId: string, id: string): Promise<EventType> {
    const row = await this.repo.eventType(tenantId, id);
    if (!row || row.parent_id !== null) throw new NotFoundError('metadata_event_not_found');
    const state = await this.sync(tenantId);
    const found = this.toCustomEvents(state, await this.channelTypesOf(tenantId, [row])).find((e) => e.id === id);
    if (!found) throw new NotFoundError('metadata_event_not_found');
    return found;
  }

  private async channelTypesOf(tenantId: string, rows: EventTypeRow[]): Promise<Map<string, string>> {
    const types = new Map<string, string>();
    for (const channelId of new Set(rows.map((r) => String(r.channel_id)))) {
      try {
        types.set(channelId, (await this.channels.get(tenantId, channelId)).type);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    return types;
  }

  private toSystemEvent(event: EventTypeDefinition): EventType {
    return {
      id: null,
      code: event.code,
      name: event.name['zh-CN'],
      names: event.name,
      source: 'system',
      channelType: event.channelType,
      channelId: null,
      parentCode: null,
      direction: event.direction,
      description: null,
      properties: event.properties.map((p) => ({ code: p.id, name: p.name['zh-CN'], type: p.type, source: 'system' as const })),
      sdk: this.sdkChannelType(event.channelType),
      subEvents: [],
      createdAt: null,
      updatedAt: null,
    };
  }

  /** Custom events (top level) with their sub-events. */
  private toCustomEvents(state: TenantState, channelTypes: Map<string, string>): EventType[] {
    const properties = new Map(state.properties.map((p) => [String(p.id), p]));
    const propertyRefs = (eventId: string) =>
      (state.links.get(eventId) ?? []).flatMap((pid) => {
        const p = properties.get(pid);
        return p ? [{ code: p.code, name: p.name, type: p.type, source: p.source }] : [];
      });
    const byId = new Map(state.events.map((e) => [String(e.id), e]));
    return state.events.map((row) => ({
      id: String(row.id),
      code: row.code,
      name: row.name,
      names: sameText({ 'zh-CN': row.name, 'en-US': row.name }),
      source: 'custom' as const,
      channelType: channelTypes.get(String(row.channel_id)) ?? '',
      channelId: String(row.channel_id),
      parentCode: row.parent_id === null ? null : (byId.get(String(row.parent_id))?.code ?? null),
      direction: 'inbound' as const,
      description: row.description,
      properties: propertyRefs(String(row.id)),
      sdk: true,
      subEvents: state.events
        .filter((child) => child.parent_id !== null && String(child.parent_id) === String(row.id))
        .map((child) => ({ code: child.code, name: child.name })),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    }));
  }

  /** A new event ID: legal, and not taken by a live custom event or a plugin's event (ignoring case). */
  private async checkNewEventCode(tenantId: string, code: string, path: string, planned: Map<string, string>): Promise<void> {
    if (!IDENTIFIER.test(code) || code.length > IDENTIFIER_MAX) refuse('metadata_id_invalid', path, { max: IDENTIFIER_MAX });
    const key = codeKey(code);
    const system = this.systemEvents().find((e) => codeKey(e.code) === key);
    const custom = (await this.repo.eventTypesByCodeKeys(tenantId, [key]))[0];
    const taken = system?.code ?? custom?.code ?? planned.get(key);
    if (taken !== undefined) refuse(taken === code ? 'metadata_id_taken' : 'metadata_id_case_conflict', path, { id: taken });
    planned.set(key, code);
  }

  /**
   * The property ids an event's list names, creating the new custom ones inline. An existing
   * property is named by its code (a system `s_` one keeps its type); a new one needs a name and a
   * custom type.
   */
  private async resolveProperties(
    tenantId: string,
    inputs: readonly EventPropertyInput[],
    path: string,
    createdBy: string | null,
  ): Promise<string[]> {
    if (inputs.length > metadataLimits.eventProperties)
      refuse('metadata_event_property_limit', path, { limit: metadataLimits.eventProperties });
    const existing = await this.repo.properties(tenantId);
    const byKey = new Map(existing.map((p) => [p.code_key, p]));
    const seen = new Set<string>();
    const ids: string[] = [];
    let created = 0;
    for (const [index, input] of inputs.entries()) {
      const at = `${path}.${index}.code`;
      if (seen.has(codeKey(input.code))) refuse('metadata_duplicate', at, { id: input.code });
      seen.add(codeKey(input.code));
      const found = byKey.get(codeKey(input.code));
      if (found) {
        if (found.code !== input.code) refuse('metadata_id_case_conflict', at, { id: found.code });
        if (input.type !== undefined && input.type !== found.type)
          refuse('metadata_property_type_mismatch', `${path}.${index}.type`, { id: found.code, type: found.type });
        ids.push(String(found.id));
        continue;
      }
      if (/^s_/i.test(input.code)) refuse('metadata_property_unknown', at, { id: input.code });
      if (input.code.startsWith('$')) refuse('metadata_property_unknown', at, { id: input.code });
      this.checkNewPropertyCode(input.code, at, existing);
      if (existing.filter((p) => p.source === 'custom').length + created >= metadataLimits.customProperties)
        refuse('metadata_property_limit', at, { limit: metadataLimits.customProperties });
      if (!input.name) refuse('metadata_property_name_required', `${path}.${index}.name`);
      if (!input.type) refuse('metadata_property_type_required', `${path}.${index}.type`);
      ids.push(
        await this.insertCustomProperty(tenantId, { code: input.code, name: input.name!, type: input.type! }, createdBy, at),
      );
      created += 1;
    }
    return ids;
  }

  private async ownerChannel(tenantId: string, channelId: string): Promise<void> {
    let type: string;
    try {
      type = (await this.channels.get(tenantId, channelId)).type;
    } catch (error) {
      if (error instanceof NotFoundError) return refuse('metadata_event_channel_not_found', 'channelId');
      throw error;
    }
    if (!this.sdkChannelType(type)) refuse('metadata_event_channel_invalid', 'channelId', { type });
  }

  async createCustomEvent(tenantId: string, input: NewCustomEvent, createdBy: string | null): Promise<EventType> {
    await this.ownerChannel(tenantId, input.channelId);
    await this.sync(tenantId); // the presets an event may name exist
    const id = await this.repo.transaction(async () => {
      const planned = new Map<string, string>();
      const subEvents = input.subEvents ?? [];
      if (subEvents.length > metadataLimits.subEvents)
        refuse('metadata_sub_event_limit', 'subEvents', { limit: metadataLimits.subEvents });
      if ((await this.repo.countEventTypes(tenantId)) + 1 + subEvents.length > metadataLimits.customEvents)
        refuse('metadata_event_limit', 'code', { limit: metadataLimits.customEvents });
      await this.checkNewEventCode(tenantId, input.code, 'code', planned);
      for (const [index, sub] of subEvents.entries())
        await this.checkNewEventCode(tenantId, sub.code, `subEvents.${index}.code`, planned);
      const now = Date.now();
      const row = (code: string, name: string, parentId: string | null) => ({
        code,
        code_key: codeKey(code),
        name,
        channel_id: input.channelId,
        parent_id: parentId,
        description: parentId === null ? (input.description ?? null) : null,
        data_seen_at: null,
        deleted_at: null,
        created_by: createdBy,
        created_at: now,
        updated_at: now,
      });
      const eventId = await this.insertEvent(tenantId, row(input.code, input.name, null), 'code');
      await this.repo.linkProperties(
        tenantId,
        eventId,
        await this.resolveProperties(tenantId, input.properties ?? [], 'properties', createdBy),
        0,
      );
      for (const [index, sub] of subEvents.entries()) {
        const subId = await this.insertEvent(tenantId, row(sub.code, sub.name, eventId), `subEvents.${index}.code`);
        const ids = await this.resolveProperties(tenantId, sub.properties ?? [], `subEvents.${index}.properties`, createdBy);
        await this.repo.linkProperties(tenantId, subId, ids, 0);
      }
      return eventId;
    });
    await this.sync(tenantId);
    return this.eventType(tenantId, id);
  }

  private async insertEvent(tenantId: string, row: Omit<EventTypeRow, 'id' | 'tenant_id'>, path: string): Promise<string> {
    try {
      return await this.repo.insertEventType(tenantId, row);
    } catch (error) {
      if (isUniqueViolation(error)) refuse('metadata_id_taken', path, { id: row.code });
      throw error;
    }
  }

  /**
   * 更改自定义事件 (§1.10.9.4.2): the display name and description change; properties and sub-events
   * are add only — the lists sent are the wanted ones and must keep every existing entry. The
   * owning connection and the event ID never change.
   */
  async updateCustomEvent(
    tenantId: string,
    id: string,
    change: CustomEventChange & { code?: string; channelId?: string },
    by: string | null,
  ): Promise<EventType> {
    const current = await this.eventType(tenantId, id);
    if (change.code !== undefined && change.code !== current.code) refuse('metadata_id_immutable', 'code');
    if (change.channelId !== undefined && change.channelId !== current.channelId)
      refuse('metadata_event_channel_immutable', 'channelId');
    await this.repo.transaction(async () => {
      const now = Date.now();
      if (change.name !== undefined || change.description !== undefined)
        await this.repo.updateEventType(
          tenantId,
          id,
          {
            ...(change.name !== undefined ? { name: change.name } : {}),
            ...(change.description !== undefined ? { description: change.description } : {}),
          },
          now,
        );
      if (change.properties)
        await this.addProperties(
          tenantId,
          id,
          current.properties.map((p) => p.code),
          change.properties,
          'properties',
          by,
        );
      if (change.subEvents) {
        const kept = new Set(change.subEvents.map((s) => s.code));
        const removed = current.subEvents.find((s) => !kept.has(s.code));
        if (removed) refuse('metadata_sub_event_removed', 'subEvents', { id: removed.code });
        if (change.subEvents.length > metadataLimits.subEvents)
          refuse('metadata_sub_event_limit', 'subEvents', { limit: metadataLimits.subEvents });
        const planned = new Map<string, string>();
        const all = await this.repo.eventTypes(tenantId);
        for (const [index, sub] of change.subEvents.entries()) {
          const existing = all.find((e) => e.code === sub.code && String(e.parent_id) === id);
          if (existing) {
            if (sub.name !== existing.name)
              await this.repo.updateEventType(tenantId, String(existing.id), { name: sub.name }, now);
            if (sub.properties) {
              const links = (await this.repo.eventTypeProperties(tenantId)).get(String(existing.id)) ?? [];
              const props = await this.repo.properties(tenantId);
              const codes = links.flatMap((pid) => props.filter((p) => String(p.id) === pid).map((p) => p.code));
              await this.addProperties(tenantId, String(existing.id), codes, sub.properties, `subEvents.${index}.properties`, by);
            }
            continue;
          }
          await this.checkNewEventCode(tenantId, sub.code, `subEvents.${index}.code`, planned);
          const subId = await this.insertEvent(
            tenantId,
            {
              code: sub.code,
              code_key: codeKey(sub.code),
              name: sub.name,
              channel_id: current.channelId!,
              parent_id: id,
              description: null,
              data_seen_at: null,
              deleted_at: null,
              created_by: by,
              created_at: now,
              updated_at: now,
            },
            `subEvents.${index}.code`,
          );
          await this.repo.linkProperties(
            tenantId,
            subId,
            await this.resolveProperties(tenantId, sub.properties ?? [], `subEvents.${index}.properties`, by),
            0,
          );
        }
      }
    });
    await this.sync(tenantId);
    return this.eventType(tenantId, id);
  }

  /** Links the properties of `wanted` not yet linked; refuses a list missing a linked one. */
  private async addProperties(
    tenantId: string,
    eventId: string,
    currentCodes: string[],
    wanted: EventPropertyInput[],
    path: string,
    by: string | null,
  ): Promise<void> {
    const wantedCodes = new Set(wanted.map((p) => p.code));
    const removed = currentCodes.find((code) => !wantedCodes.has(code));
    if (removed) refuse('metadata_event_property_removed', path, { id: removed });
    const have = new Set(currentCodes);
    const added = wanted.filter((p) => !have.has(p.code));
    if (currentCodes.length + added.length > metadataLimits.eventProperties)
      refuse('metadata_event_property_limit', path, { limit: metadataLimits.eventProperties });
    const ids = await this.resolveProperties(tenantId, added, path, by);
    await this.repo.linkProperties(tenantId, eventId, ids, currentCodes.length);
  }

  /** 删除自定义事件 (§1.10.9.4.3): only while neither it nor a sub-event has data. */
  async deleteCustomEvent(tenantId: string, id: string): Promise<void> {
    const row = await this.repo.eventType(tenantId, id);
    if (!row || row.parent_id !== null) throw new NotFoundError('metadata_event_not_found');
    const family = (await this.repo.eventTypes(tenantId)).filter((e) => String(e.id) === id || String(e.parent_id) === id);
    // A virtual event built on it would silently match nothing.
    const codes = new Set(family.map((e) => e.code));
    const user = (await this.repo.virtualEvents(tenantId)).find((v) =>
      this.parseDefinition(v).members.some((m) => codes.has(m.event)),
    );
    if (user) refuse('metadata_event_in_virtual_event', 'id', { name: user.name });
    if (await this.eventsHaveData(tenantId, family)) refuse('metadata_event_has_data', 'id', { id: row.code });
    await this.repo.deleteEventTypes(
      tenantId,
      family.map((e) => String(e.id)),
      Date.now(),
    );
    await this.sync(tenantId);
  }

  // ---- virtual events (§1.10.10) -----------------------------------------------------------------

  private parseDefinition(row: VirtualEventRow): { members: VirtualEventMember[] } {
    try {
      const parsed = JSON.parse(row.definition) as { members?: VirtualEventMember[] };
      return { members: Array.isArray(parsed.members) ? parsed.members : [] };
    } catch {
      return { members: [] };
    }
  }

  private toVirtual = (row: VirtualEventRow): VirtualEvent => ({
    id: String(row.id),
    key: `virtual:${row.id}`,
    name: row.name,
    description: row.description,
    members: this.parseDefinition(row).members,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  });

  async virtualEvents(tenantId: string): Promise<VirtualEvent[]> {
    return (await this.repo.virtualEvents(tenantId)).map(this.toVirtual);
  }

  async virtualEvent(tenantId: string, id: string): Promise<VirtualEvent> {
    const row = await this.repo.virtualEvent(tenantId, id);
    if (!row) throw new NotFoundError('metadata_virtual_event_not_found');
    return this.toVirtual(row);
  }

  /**
   * Each member names a real event (not a virtual one) and its filters pass the condition
   * validator as the filters of an event leaf would; problems come back under `members.<i>`.
   */
  private async checkMembers(tenantId: string, members: VirtualEventMember[]): Promise<void> {
    const details: ErrorDetail[] = [];
    const known = new Set((await this.describe(tenantId)).events.map((e) => e.code));
    for (const [index, member] of members.entries()) {
      if (!known.has(member.event)) {
        details.push({ path: `members.${index}.event`, code: 'metadata_event_unknown' });
        continue;
      }
      if (!member.filters?.length) continue;
      const tree: ConditionTree = {
        type: 'and',
        conditions: [
          {
            type: 'event',
            did: true,
            event: member.event,
            time: { kind: 'today' },
            filters: member.filters,
            ...(member.filterOp ? { filterOp: member.filterOp } : {}),
          },
        ],
      };
      for (const problem of await this.conditions.validate(tenantId, tree))
        details.push({ path: problem.path.replace(/^conditions\.0\./, `members.${index}.`), code: problem.code });
    }
    if (details.length) throw new InputError('metadata_virtual_event_invalid', { count: details.length }, details);
  }

  private definitionOf(input: VirtualEventInput): string {
    return JSON.stringify({
      members: input.members.map((m) => ({
        event: m.event,
        ...(m.filters?.length ? { filters: m.filters } : {}),
        ...(m.filterOp && m.filters?.length ? { filterOp: m.filterOp } : {}),
      })),
    });
  }

  async createVirtualEvent(tenantId: string, input: VirtualEventInput, createdBy: string | null): Promise<VirtualEvent> {
    if ((await this.repo.countVirtualEvents(tenantId)) >= metadataLimits.virtualEvents)
      refuse('metadata_virtual_event_limit', 'name', { limit: metadataLimits.virtualEvents });
    await this.checkMembers(tenantId, input.members);
    const now = Date.now();
    const id = await this.repo.insertVirtualEvent(tenantId, {
      name: input.name,
      description: input.description ?? null,
      definition: this.definitionOf(input),
      deleted_at: null,
      created_by: createdBy,
      created_at: now,
      updated_at: now,
    });
    await this.sync(tenantId);
    return this.virtualEvent(tenantId, id);
  }

  async updateVirtualEvent(tenantId: string, id: string, input: VirtualEventInput): Promise<VirtualEvent> {
    await this.virtualEvent(tenantId, id);
    await this.checkMembers(tenantId, input.members);
    await this.repo.updateVirtualEvent(
      tenantId,
      id,
      { name: input.name, description: input.description ?? null, definition: this.definitionOf(input) },
      Date.now(),
    );
    await this.sync(tenantId);
    return this.virtualEvent(tenantId, id);
  }

  async deleteVirtualEvent(tenantId: string, id: string): Promise<void> {
    await this.virtualEvent(tenantId, id);
    await this.repo.deleteVirtualEvent(tenantId, id, Date.now());
    await this.sync(tenantId);
  }
}

export const metadataServiceRef = createServiceRef<MetadataService>({ id: 'metadata.service' });
