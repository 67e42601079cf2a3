import type { ConditionCatalogue, EventPropertyFilter } from '@huiliu/core/conditions';
import { useQuery } from '@tanstack/react-query';
import { api } from './client';
import type { Channel, LocalizedText, Page, PropertyType } from './types';

// 元数据管理 (seed §1.10): the shapes of /api/v1/metadata/* (core/src/modules/metadata/metadata.types.ts),
// typed here by hand like the other console API shapes that @huiliu/core/api-types lacks.

/** The server's limits the forms check before sending (metadata.types.ts). */
export const METADATA_NAME_MAX = 64;
export const METADATA_ID_MAX = 64;
export const METADATA_DESCRIPTION_MAX = 500;
export const ANNIVERSARY_LIMIT = 2;
export const VIRTUAL_EVENT_MEMBERS_MAX = 20;
/** A legal variable name (§1.10.8.3.1, §1.10.9.4.1). */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

// ---- contact custom fields (§1.10.7) ----

export const contactFieldTypes = ['string', 'integer', 'decimal', 'date', 'anniversary'] as const;
export type ContactFieldType = (typeof contactFieldTypes)[number];

export interface ContactField {
  id: string;
  /** `attr<n>`: the name identify calls use. */
  key: string;
  name: string;
  type: ContactFieldType;
  position: number;
  createdAt: number;
  updatedAt: number;
}

// ---- event properties (§1.10.8) ----

export const customPropertyTypes = ['number', 'integer', 'string', 'bool', 'datetime'] as const;
export type CustomPropertyType = (typeof customPropertyTypes)[number];
export type PropertySource = 'system' | 'sdk' | 'custom';
export const sdkKinds = ['js', 'ios', 'android', 'miniprogram', 'server'] as const;
export type SdkKind = (typeof sdkKinds)[number];

export interface EventProperty {
  id: string;
  code: string;
  name: string;
  names: LocalizedText;
  type: PropertyType;
  source: PropertySource;
  collectedBy?: SdkKind[];
  description?: LocalizedText;
  createdAt: number;
  updatedAt: number;
}

// ---- event types (§1.10.9) ----

export interface EventTypePropertyRef {
  code: string;
  name: string;
  type: PropertyType;
  source: PropertySource;
}

export interface EventType {
  /** Custom events only. */
  id: string | null;
  code: string;
  name: string;
  names: LocalizedText;
  source: 'system' | 'custom';
  channelType: string;
  channelId: string | null;
  /** The parent's code for a sub-event. */
  parentCode: string | null;
  direction: 'inbound' | 'outbound';
  description: string | null;
  properties: EventTypePropertyRef[];
  sdk: boolean;
  subEvents: { code: string; name: string }[];
  createdAt: number | null;
  updatedAt: number | null;
}

/** An extended property as sent: an existing one by code, or a new custom one (code, name, type). */
export interface EventPropertyInput {
  code: string;
  name?: string;
  type?: CustomPropertyType;
}

export interface CustomEventInput {
  channelId: string;
  code: string;
  name: string;
  description?: string | null;
  properties?: EventPropertyInput[];
  subEvents?: { code: string; name: string }[];
}

export type CustomEventChange = Partial<Pick<CustomEventInput, 'name' | 'description' | 'properties' | 'subEvents'>>;

// ---- virtual events (§1.10.10) ----

export interface VirtualEventMember {
  event: string;
  filters?: EventPropertyFilter[];
  filterOp?: 'and' | 'or';
}

export interface VirtualEvent {
  id: string;
  key: string;
  name: string;
  description: string | null;
  members: VirtualEventMember[];
  createdAt: number;
  updatedAt: number;
}

export interface VirtualEventInput {
  name: string;
  description?: string | null;
  members: VirtualEventMember[];
}

// ---- dictionaries (§1.10.12) ----

export type MetadataTarget = 'event' | 'contact';

export interface DictionaryInfo {
  id: string;
  rowCount: number;
  updatedAt: number;
}

export interface DictionaryEntry {
  target: MetadataTarget;
  property: string;
  propertyName: string;
  source: string;
  dictionary: DictionaryInfo | null;
}

/** The CSV a dictionary upload takes: at most 2 MB. */
export const DICTIONARY_MAX_BYTES = 2 * 1024 * 1024;

// ---- dimension tables (§1.10.13) ----

export type DimensionTableStatus = 'empty' | 'loading' | 'ready' | 'clearing';

export interface DimensionField {
  id: string;
  code: string;
  name: string;
  type: string;
}

export interface DimensionTable {
  id: string;
  code: string;
  name: string;
  linkTarget: MetadataTarget;
  linkProperty: string;
  linkPropertyName: string;
  fields: DimensionField[];
  primaryField: string;
  status: DimensionTableStatus;
  rowCount: number;
  loadedAt: number | null;
  taskId: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface DimensionFieldInput {
  code: string;
  name: string;
  type: string;
}

export interface NewDimensionTable {
  code: string;
  name: string;
  linkTarget: MetadataTarget;
  linkProperty: string;
  fields: DimensionFieldInput[];
  primaryField: string;
}

export interface DimensionTableChange {
  name?: string;
  linkTarget?: MetadataTarget;
  linkProperty?: string;
  /** Add only: the existing fields followed by the new ones. */
  fields?: DimensionFieldInput[];
  /** Only while the table is empty. */
  primaryField?: string;
}

/** The value types of a dimension table's field. */
export const dimensionFieldTypes = ['string', 'integer', 'number', 'bool', 'date', 'datetime'] as const;

// ---- clients ----

const base = '/api/v1/metadata';
const id = (value: string) => encodeURIComponent(value);

export const metadataKeys = {
  all: ['metadata'] as const,
  contactFields: ['metadata', 'contact-fields'] as const,
  eventProperties: ['metadata', 'event-properties'] as const,
  eventTypes: ['metadata', 'event-types'] as const,
  virtualEvents: ['metadata', 'virtual-events'] as const,
  dictionaries: ['metadata', 'dictionaries'] as const,
  dimensionTables: ['metadata', 'dimension-tables'] as const,
  channels: ['metadata', 'channels'] as const,
  catalogue: ['conditions', 'catalogue'] as const,
};

export const metadataApi = {
  contactFields: () => api.get<{ items: ContactField[] }>(`${base}/contact-fields`).then((r) => r.items),
  createContactField: (body: { name: string; type: ContactFieldType }) => api.post<ContactField>(`${base}/contact-fields`, body),
  renameContactField: (fieldId: string, name: string) =>
    api.patch<ContactField>(`${base}/contact-fields/${id(fieldId)}`, { name }),
  moveContactField: (fieldId: string, direction: 'up' | 'down') =>
    api.post<{ items: ContactField[] }>(`${base}/contact-fields/${id(fieldId)}/move`, { direction }).then((r) => r.items),

  eventProperties: (source?: PropertySource) =>
    api.get<{ items: EventProperty[] }>(`${base}/event-properties`, { query: { source } }).then((r) => r.items),
  createEventProperty: (body: { code: string; name: string; type: CustomPropertyType }) =>
    api.post<EventProperty>(`${base}/event-properties`, body),
  renameEventProperty: (propertyId: string, name: string) =>
    api.patch<EventProperty>(`${base}/event-properties/${id(propertyId)}`, { name }),
  deleteEventProperty: (propertyId: string) => api.delete(`${base}/event-properties/${id(propertyId)}`),

  eventTypes: (source?: 'system' | 'custom') =>
    api.get<{ items: EventType[] }>(`${base}/event-types`, { query: { source } }).then((r) => r.items),
  createCustomEvent: (body: CustomEventInput) => api.post<EventType>(`${base}/event-types`, body),
  updateCustomEvent: (eventTypeId: string, body: CustomEventChange) =>
    api.patch<EventType>(`${base}/event-types/${id(eventTypeId)}`, body),
  deleteCustomEvent: (eventTypeId: string) => api.delete(`${base}/event-types/${id(eventTypeId)}`),

  virtualEvents: () => api.get<{ items: VirtualEvent[] }>(`${base}/virtual-events`).then((r) => r.items),
  createVirtualEvent: (body: VirtualEventInput) => api.post<VirtualEvent>(`${base}/virtual-events`, body),
  updateVirtualEvent: (virtualEventId: string, body: VirtualEventInput) =>
    api.put<VirtualEvent>(`${base}/virtual-events/${id(virtualEventId)}`, body),
  deleteVirtualEvent: (virtualEventId: string) => api.delete(`${base}/virtual-events/${id(virtualEventId)}`),

  dictionaries: () => api.get<{ items: DictionaryEntry[] }>(`${base}/dictionaries`).then((r) => r.items),
  uploadDictionary: (target: MetadataTarget, property: string, file: File) => {
    const form = new FormData();
    form.append('file', file);
    return api.upload<DictionaryInfo>(`${base}/dictionaries/upload`, form, { query: { target, property } });
  },
  dictionaryDownloadUrl: (dictionaryId: string) => `${base}/dictionaries/${id(dictionaryId)}/download`,
  deleteDictionary: (dictionaryId: string) => api.delete(`${base}/dictionaries/${id(dictionaryId)}`),

  dimensionTables: () => api.get<{ items: DimensionTable[] }>(`${base}/dimension-tables`).then((r) => r.items),
  createDimensionTable: (body: NewDimensionTable) => api.post<DimensionTable>(`${base}/dimension-tables`, body),
  updateDimensionTable: (tableId: string, body: DimensionTableChange) =>
    api.patch<DimensionTable>(`${base}/dimension-tables/${id(tableId)}`, body),
  uploadDimensionTable: (tableId: string, file: File) => {
    const form = new FormData();
    form.append('file', file);
    return api.upload<{ taskId: string }>(`${base}/dimension-tables/${id(tableId)}/upload`, form);
  },
  clearDimensionTable: (tableId: string) => api.post<{ taskId: string }>(`${base}/dimension-tables/${id(tableId)}/clear`),
  deleteDimensionTable: (tableId: string) => api.delete(`${base}/dimension-tables/${id(tableId)}`),
  dimensionTemplateUrl: (tableId: string) => `${base}/dimension-tables/${id(tableId)}/template`,

  catalogue: () => api.get<ConditionCatalogue>('/api/v1/conditions/catalogue'),
};

/** Every connection of the tenant (the owners of custom events), read page by page. */
export async function listAllChannels(): Promise<Channel[]> {
  const channels: Channel[] = [];
  for (let page = 1; page <= 20; page += 1) {
    const result = await api.get<Page<Channel>>('/api/v1/channels', { query: { page, pageSize: 100 } });
    channels.push(...result.items);
    if (channels.length >= result.total || result.items.length === 0) break;
  }
  return channels;
}

export function useAllChannels() {
  return useQuery({ queryKey: metadataKeys.channels, queryFn: listAllChannels });
}

export function useEventTypes() {
  return useQuery({ queryKey: metadataKeys.eventTypes, queryFn: () => metadataApi.eventTypes() });
}

export function useEventProperties() {
  return useQuery({ queryKey: metadataKeys.eventProperties, queryFn: () => metadataApi.eventProperties() });
}

export function useContactFields() {
  return useQuery({ queryKey: metadataKeys.contactFields, queryFn: metadataApi.contactFields });
}
