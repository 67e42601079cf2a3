import type { ModuleDatabase, TenantDb } from '../../store/oltp/oltp-store.js';
import type { ContactFieldRow, EventPropertyRow, EventTypeRow, VirtualEventRow } from './metadata.types.js';

/** The case-insensitive uniqueness key of an operator identifier (ARCHITECTURE §3). */
export const codeKey = (code: string): string => code.toLowerCase();

/**
 * The metadata tables of contact fields, event properties, custom events and virtual events,
 * always within one tenant. Dimension tables and dictionaries live in dimensions.repo.ts.
 */
export class MetadataRepo {
  constructor(private readonly db: ModuleDatabase) {}

  tenant(tenantId: string): TenantDb {
    return this.db.forTenant(tenantId);
  }

  /** Runs `work` in one OLTP transaction (other modules' writes inside join it). */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  now(): Promise<number> {
    return this.db.now();
  }

  // ---- contact fields ----------------------------------------------------------------------------

  contactFields(tenantId: string): Promise<ContactFieldRow[]> {
    return this.tenant(tenantId)
      .from<ContactFieldRow>('meta_contact_field')
      .select<ContactFieldRow[]>('*')
      .orderBy([{ column: 'position' }, { column: 'id' }]);
  }

  contactField(tenantId: string, id: string): Promise<ContactFieldRow | undefined> {
    return this.tenant(tenantId).from<ContactFieldRow>('meta_contact_field').where('id', id).first();
  }

  /** The next free `seq` and `position`, and the anniversary slots taken. */
  async contactFieldCounters(tenantId: string): Promise<{ seq: number; position: number; count: number; slots: number[] }> {
    const rows = await this.tenant(tenantId)
      .from<ContactFieldRow>('meta_contact_field')
      .select<Pick<ContactFieldRow, 'seq' | 'position' | 'anniversary_slot'>[]>('seq', 'position', 'anniversary_slot');
    return {
      seq: rows.reduce((max, r) => Math.max(max, Number(r.seq)), 0) + 1,
      position: rows.reduce((max, r) => Math.max(max, Number(r.position)), 0) + 1,
      count: rows.length,
      slots: rows.flatMap((r) => (r.anniversary_slot === null ? [] : [Number(r.anniversary_slot)])),
    };
  }

  insertContactField(tenantId: string, row: Omit<ContactFieldRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.tenant(tenantId).insert('meta_contact_field', row);
  }

  async updateContactField(
    tenantId: string,
    id: string,
    change: Partial<Pick<ContactFieldRow, 'name' | 'position'>>,
    now: number,
  ) {
    await this.tenant(tenantId)
      .from('meta_contact_field')
      .where('id', id)
      .update({ ...change, updated_at: now });
  }

  // ---- event properties --------------------------------------------------------------------------

  /** Live properties (not deleted), by id. */
  properties(tenantId: string): Promise<EventPropertyRow[]> {
    return this.tenant(tenantId)
      .from<EventPropertyRow>('meta_event_property')
      .select<EventPropertyRow[]>('*')
      .whereNull('deleted_at')
      .orderBy('id');
  }

  property(tenantId: string, id: string): Promise<EventPropertyRow | undefined> {
    return this.tenant(tenantId).from<EventPropertyRow>('meta_event_property').where('id', id).whereNull('deleted_at').first();
  }

  propertiesByCodes(tenantId: string, codes: readonly string[]): Promise<EventPropertyRow[]> {
    if (codes.length === 0) return Promise.resolve([]);
    return this.tenant(tenantId)
      .from<EventPropertyRow>('meta_event_property')
      .select<EventPropertyRow[]>('*')
      .whereIn('code_key', [...new Set(codes.map(codeKey))])
      .whereNull('deleted_at');
  }

  insertProperty(tenantId: string, row: Omit<EventPropertyRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.tenant(tenantId).insert('meta_event_property', row);
  }

  async updateProperty(tenantId: string, id: string, change: Partial<Pick<EventPropertyRow, 'name' | 'type'>>, now: number) {
    await this.tenant(tenantId)
      .from('meta_event_property')
      .where('id', id)
      .update({ ...change, updated_at: now });
  }

  /** A tombstone: the id (and its OLAP column) is never reused; the code is free again. */
  async deleteProperty(tenantId: string, id: string, now: number): Promise<void> {
    await this.tenant(tenantId)
      .from('meta_event_property')
      .where('id', id)
      .update({ code_key: null, deleted_at: now, updated_at: now });
  }

  // ---- custom events -----------------------------------------------------------------------------

  eventTypes(tenantId: string): Promise<EventTypeRow[]> {
    return this.tenant(tenantId)
      .from<EventTypeRow>('meta_event_type')
      .select<EventTypeRow[]>('*')
      .whereNull('deleted_at')
      .orderBy('id');
  }

  eventType(tenantId: string, id: string): Promise<EventTypeRow | undefined> {
    return this.tenant(tenantId).from<EventTypeRow>('meta_event_type').where('id', id).whereNull('deleted_at').first();
  }

  eventTypeByCode(tenantId: string, code: string): Promise<EventTypeRow | undefined> {
    return this.tenant(tenantId).from<EventTypeRow>('meta_event_type').where('code', code).whereNull('deleted_at').first();
  }

  eventTypesByCodeKeys(tenantId: string, keys: readonly string[]): Promise<EventTypeRow[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.tenant(tenantId)
      .from<EventTypeRow>('meta_event_type')
      .select<EventTypeRow[]>('*')
      .whereIn('code_key', [...new Set(keys)]);
  }

  countEventTypes(tenantId: string): Promise<number> {
    return this.tenant(tenantId)
      .from('meta_event_type')
      .whereNull('deleted_at')
      .count<{ n: number }[]>({ n: '*' })
      .then(([row]) => Number(row?.n ?? 0));
  }

  insertEventType(tenantId: string, row: Omit<EventTypeRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.tenant(tenantId).insert('meta_event_type', row);
  }

  async updateEventType(
    tenantId: string,
    id: string,
    change: Partial<Pick<EventTypeRow, 'name' | 'description'>>,
    now: number,
  ): Promise<void> {
    await this.tenant(tenantId)
      .from('meta_event_type')
      .where('id', id)
      .update({ ...change, updated_at: now });
  }

  async deleteEventTypes(tenantId: string, ids: readonly string[], now: number): Promise<void> {
    if (ids.length === 0) return;
    await this.tenant(tenantId)
      .from('meta_event_type')
      .whereIn('id', [...ids])
      .update({ code_key: null, deleted_at: now, updated_at: now });
  }

  /** Extended-property links of live custom events: event type id → property ids in order. */
  async eventTypeProperties(tenantId: string): Promise<Map<string, string[]>> {
    const rows = await this.tenant(tenantId)
      .from<{ event_type_id: string; property_id: string; position: number }>('meta_event_type_property')
      .select<{ event_type_id: string; property_id: string; position: number }[]>('event_type_id', 'property_id', 'position')
      .orderBy([{ column: 'event_type_id' }, { column: 'position' }]);
    const links = new Map<string, string[]>();
    for (const row of rows) {
      const key = String(row.event_type_id);
      links.set(key, [...(links.get(key) ?? []), String(row.property_id)]);
    }
    return links;
  }

  async linkProperties(
    tenantId: string,
    eventTypeId: string,
    propertyIds: readonly string[],
    firstPosition: number,
  ): Promise<void> {
    const db = this.tenant(tenantId);
    let position = firstPosition;
    for (const propertyId of propertyIds)
      await db.insert('meta_event_type_property', { event_type_id: eventTypeId, property_id: propertyId, position: position++ });
  }

  /** Whether a live custom event links the property (it cannot be deleted then). */
  async eventsLinkingProperty(tenantId: string, propertyId: string): Promise<string[]> {
    const links = await this.tenant(tenantId)
      .from<{ event_type_id: string }>('meta_event_type_property')
      .where('property_id', propertyId)
      .select<{ event_type_id: string }[]>('event_type_id');
    if (links.length === 0) return [];
    const live = await this.tenant(tenantId)
      .from<EventTypeRow>('meta_event_type')
      .whereIn(
        'id',
        links.map((l) => l.event_type_id),
      )
      .whereNull('deleted_at')
      .select<{ code: string }[]>('code');
    return live.map((row) => row.code);
  }

  /** Marks the first arrival of data for these event codes and property codes. */
  async recordArrivals(tenantId: string, input: { events?: string[]; properties?: string[] }, now: number): Promise<void> {
    const db = this.tenant(tenantId);
    if (input.events?.length)
      await db.from('meta_event_type').whereIn('code', input.events).whereNull('data_seen_at').update({ data_seen_at: now });
    if (input.properties?.length)
      await db
        .from('meta_event_property')
        .whereIn('code', input.properties)
        .whereNull('data_seen_at')
        .update({ data_seen_at: now });
  }

  // ---- virtual events ----------------------------------------------------------------------------

  virtualEvents(tenantId: string): Promise<VirtualEventRow[]> {
    return this.tenant(tenantId)
      .from<VirtualEventRow>('meta_virtual_event')
      .select<VirtualEventRow[]>('*')
      .whereNull('deleted_at')
      .orderBy('id');
  }

  virtualEvent(tenantId: string, id: string): Promise<VirtualEventRow | undefined> {
    return this.tenant(tenantId).from<VirtualEventRow>('meta_virtual_event').where('id', id).whereNull('deleted_at').first();
  }

  countVirtualEvents(tenantId: string): Promise<number> {
    return this.tenant(tenantId)
      .from('meta_virtual_event')
      .whereNull('deleted_at')
      .count<{ n: number }[]>({ n: '*' })
      .then(([row]) => Number(row?.n ?? 0));
  }

  insertVirtualEvent(tenantId: string, row: Omit<VirtualEventRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.tenant(tenantId).insert('meta_virtual_event', row);
  }

  async updateVirtualEvent(
    tenantId: string,
    id: string,
    change: Partial<Pick<VirtualEventRow, 'name' | 'description' | 'definition'>>,
    now: number,
  ): Promise<void> {
    await this.tenant(tenantId)
      .from('meta_virtual_event')
      .where('id', id)
      .update({ ...change, updated_at: now });
  }

  async deleteVirtualEvent(tenantId: string, id: string, now: number): Promise<void> {
    await this.tenant(tenantId).from('meta_virtual_event').where('id', id).update({ deleted_at: now, updated_at: now });
  }
}
