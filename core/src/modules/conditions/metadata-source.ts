import type { PropertyType } from '../../kernel/contributions.js';
import type { EventPropertyFilter } from './condition.types.js';

/**
 * What the metadata module (元数据管理, §1.10) tells the condition engine about a tenant: the
 * properties and events a tree may name, how each maps to an OLAP column, the virtual events and
 * the lookups through dimension tables and dictionaries (ADR 0016). The metadata module sets it
 * through `setMetadataSource` of the module-only conditions extension point and has declared the tenant's OLAP schema before it answers, so every
 * `columnId` here is a column of the tenant's relations.
 */
export interface TenantMetadata {
  timeZone: string;
  /** Custom contact fields (自定义字段), addressed as `attr<seq>`. */
  contactFields: MetadataContactField[];
  /** Every real event (system preset, SDK, custom, sub-event) with the properties it carries. */
  events: MetadataEvent[];
  /** Every declared event property. */
  eventProperties: MetadataEventProperty[];
  virtualEvents: MetadataVirtualEvent[];
  /** Dimension tables and dictionaries whose data is fully loaded (usable in conditions). */
  lookups: MetadataLookup[];
}

export interface MetadataContactField {
  /** `attr1`, `attr2`… — the key identify calls and condition leaves use. */
  key: string;
  /** The OLAP contact attribute id: the column `p_<columnId>` of `contacts`. */
  columnId: string;
  name: string;
  /** `string`, `integer`, `number` (decimal), `date` (also for anniversaries). */
  type: PropertyType;
  /** An anniversary (纪念日): it adds the hidden dynamic date `dynamic:<key>`. */
  anniversary: boolean;
}

export interface MetadataEvent {
  /** The event ID (`wechat_subscribe`, `$pageview`, `order_paid`). */
  code: string;
  name: string;
  /** Codes of the `eventProperties` it carries. */
  properties: string[];
}

export interface MetadataEventProperty {
  /** The property ID (`amount`, `s_qrCodeType`, `$os`). */
  code: string;
  /** The OLAP event property id: the column `p_<columnId>` of `events`. */
  columnId: string;
  name: string;
  type: PropertyType;
  source: 'system' | 'sdk' | 'custom';
}

/** 虚拟事件 (§1.10.10): a union of events, each with optional filters, resolved at query time. */
export interface MetadataVirtualEvent {
  /** `virtual:<id>`: what an event leaf names. */
  key: string;
  name: string;
  members: { event: string; filters?: EventPropertyFilter[]; filterOp?: 'and' | 'or' }[];
}

/**
 * A dimension table (§1.10.13) or dictionary (§1.10.12) linked to a property: its fields are reached
 * through the property — `<property>.<fieldCode>` for a dimension field, `<property>.$label` for a
 * dictionary label — read from the relation `dimension_<dimensionId>` joined on the key field.
 */
export interface MetadataLookup {
  kind: 'dimension' | 'dictionary';
  dimensionId: string;
  name: string;
  target: 'contact' | 'event';
  /** The linked property's key (`city`, `attr3`, `sku_id`, `s_originScene`). */
  property: string;
  /** The field matched against the property's value (the primary key; `value` of a dictionary). */
  keyFieldId: string;
  fields: { id: string; code: string; name: string; type: PropertyType }[];
}

export interface MetadataSource {
  describe(tenantId: string): Promise<TenantMetadata>;
}
