import type { LocalizedText, PropertyType } from '../../kernel/contributions.js';
import type { EventPropertyFilter } from '../conditions/condition.types.js';

/** The seed's identifier rule (§1.10.8.3.1, §1.10.9.4.1, §1.10.13.3.1): a legal variable name. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const IDENTIFIER_MAX = 64;
export const NAME_MAX = 64;
export const DESCRIPTION_MAX = 500;

export const metadataLimits = {
  /** Custom contact fields per tenant. */
  contactFields: 500,
  /** Custom anniversary fields per tenant (§1.10.7.1.4: 最多能创建两个; 生日 does not count). */
  anniversaries: 2,
  /** Event properties per tenant (custom). */
  customProperties: 2_000,
  /** Custom events per tenant, sub-events included. */
  customEvents: 2_000,
  /** Extended properties of one event. */
  eventProperties: 200,
  /** Sub-events of one event. */
  subEvents: 50,
  virtualEvents: 500,
  /** Member events of one virtual event. */
  virtualEventMembers: 20,
} as const;

// ---- contact custom fields (§1.10.7) ---------------------------------------------------------------

export const contactFieldTypes = ['string', 'integer', 'decimal', 'date', 'anniversary'] as const;
export type ContactFieldType = (typeof contactFieldTypes)[number];

/** How a custom field's type is stored and compared (an anniversary is a date with a dynamic date). */
export const contactFieldPropertyType: Record<ContactFieldType, PropertyType> = {
  string: 'string',
  integer: 'integer',
  decimal: 'number',
  date: 'date',
  anniversary: 'date',
};

export interface ContactFieldRow {
  id: string;
  tenant_id: string;
  seq: number;
  name: string;
  type: ContactFieldType;
  position: number;
  anniversary_slot: number | null;
  created_at: number;
  updated_at: number;
}

export interface ContactField {
  id: string;
  /** `attr<seq>`: the name identify calls use (§2.1.3) and condition leaves name. */
  key: string;
  name: string;
  type: ContactFieldType;
  position: number;
  createdAt: number;
  updatedAt: number;
}

// ---- event properties (§1.10.8) -----------------------------------------------------------------

/** 数字、整数、字符串、布尔型、日期 (`YYYY-MM-DD HH:mm:ss`) — the custom property types. */
export const customPropertyTypes = ['number', 'integer', 'string', 'bool', 'datetime'] as const;
export type CustomPropertyType = (typeof customPropertyTypes)[number];

export type PropertySource = 'system' | 'sdk' | 'custom';

export interface EventPropertyRow {
  id: string;
  tenant_id: string;
  code: string;
  code_key: string | null;
  name: string;
  type: PropertyType;
  source: PropertySource;
  plugin_id: string | null;
  data_seen_at: number | null;
  deleted_at: number | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface EventProperty {
  id: string;
  /** The property ID: `amount`, `s_qrCodeType`, `$os`. */
  code: string;
  name: string;
  /** Both languages for the presets; the operator's name twice for a custom property. */
  names: LocalizedText;
  type: PropertyType;
  source: PropertySource;
  /** For SDK presets: which SDKs collect it automatically (§1.10.8.2). */
  collectedBy?: SdkKind[];
  description?: LocalizedText;
  createdAt: number;
  updatedAt: number;
}

export const sdkKinds = ['js', 'ios', 'android', 'miniprogram', 'server'] as const;
export type SdkKind = (typeof sdkKinds)[number];

export interface SdkPresetProperty {
  code: string;
  type: PropertyType;
  names: LocalizedText;
  collectedBy: SdkKind[];
}

/** Columns Y/N of the §1.10.8.2 table, in the order JS, iOS, Android, mini-program, server. */
function collected(flags: string): SdkKind[] {
  return sdkKinds.filter((_, index) => flags[index] === 'Y');
}

function sdk(code: string, type: PropertyType, zh: string, en: string, flags: string): SdkPresetProperty {
  return { code, type, names: { 'zh-CN': zh, 'en-US': en }, collectedBy: collected(flags) };
}

/** SDK预置属性 (§1.10.8.2): all 28 rows of the seed's table, with their types and collection flags. */
export const sdkPresetProperties: readonly SdkPresetProperty[] = [
  sdk('$sdk_version', 'string', 'SDK的版本', 'SDK version', 'YYYNN'),
  sdk('$sdk_type', 'string', '记录此事件的 SDK', 'SDK that recorded the event', 'YYYNN'),
  sdk('$platform', 'string', '应用平台', 'Platform', 'NYYYN'),
  sdk('$screen_width', 'number', '屏幕宽度', 'Screen width', 'NYYNN'),
  sdk('$screen_height', 'number', '屏幕高度', 'Screen height', 'NYYNN'),
  sdk('$app_version', 'string', '应用版本', 'App version', 'NYYNN'),
  sdk('$bundle_key', 'string', '应用包名', 'Bundle id', 'NYYNN'),
  sdk('$os', 'string', '操作系统', 'Operating system', 'YYYYN'),
  sdk('$os_version', 'string', '操作系统版本', 'OS version', 'YYYYN'),
  sdk('$browser', 'string', '浏览器名称', 'Browser', 'YNNNN'),
  sdk('$browser_version', 'string', '浏览器版本', 'Browser version', 'YNNNN'),
  sdk('$country', 'string', '国家', 'Country', 'YYYYN'),
  sdk('$province', 'string', '省份', 'Province', 'YYYYN'),
  sdk('$city', 'string', '城市', 'City', 'YYYYN'),
  sdk('$network_type', 'string', '网络类型', 'Network type', 'NYYYN'),
  sdk('$manufacturer', 'string', '设备供应商', 'Manufacturer', 'YYYYN'),
  sdk('$device_model', 'string', '设备类型', 'Device model', 'YYNYN'),
  sdk('$operator', 'string', '运营商', 'Carrier', 'NYYNN'),
  sdk('$debug_mode', 'bool', '是否是测试数据', 'Debug (test) data', 'YYYYY'),
  sdk('$imei', 'string', 'IMEI', 'IMEI', 'NNYNN'),
  sdk('$ip', 'string', 'ip地址', 'IP address', 'YYYYN'),
  sdk('$latitude', 'number', '纬度', 'Latitude', 'NNNNN'),
  sdk('$longitude', 'number', '经度', 'Longitude', 'NNNNN'),
  sdk('$utm_source', 'string', '最近广告来源', 'Latest UTM source', 'YNNYN'),
  sdk('$utm_medium', 'string', '最近广告媒介', 'Latest UTM medium', 'YNNYN'),
  sdk('$utm_campaign', 'string', '最近广告活动', 'Latest UTM campaign', 'YNNYN'),
  sdk('$utm_content', 'string', '最近广告内容', 'Latest UTM content', 'YNNYN'),
  sdk('$utm_term', 'string', '最近广告关键词', 'Latest UTM term', 'YNNYN'),
];

// ---- event types (§1.10.9) ----------------------------------------------------------------------

export interface EventTypeRow {
  id: string;
  tenant_id: string;
  code: string;
  code_key: string | null;
  name: string;
  channel_id: string;
  parent_id: string | null;
  description: string | null;
  data_seen_at: number | null;
  deleted_at: number | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface EventTypePropertyRef {
  code: string;
  name: string;
  type: PropertyType;
  source: PropertySource;
}

export interface EventType {
  /** Custom events only (system events are the plugins'). */
  id: string | null;
  code: string;
  name: string;
  names: LocalizedText;
  source: 'system' | 'custom';
  channelType: string;
  /** The owning connection of a custom event (fixed). */
  channelId: string | null;
  /** The parent's code for a sub-event. */
  parentCode: string | null;
  direction: 'inbound' | 'outbound';
  description: string | null;
  /** Extended (custom events) or system properties. SDK presets are carried implicitly when `sdk`. */
  properties: EventTypePropertyRef[];
  /** Whether the SDK presets (§1.10.8.2) ride on it: events of custom and mini-program channels. */
  sdk: boolean;
  subEvents: { code: string; name: string }[];
  createdAt: number | null;
  updatedAt: number | null;
}

/** A property named in a custom event: an existing one by code, or a new custom one inline. */
export interface EventPropertyInput {
  code: string;
  /** For a new custom property. */
  name?: string;
  type?: CustomPropertyType;
}

export interface NewCustomEvent {
  channelId: string;
  code: string;
  name: string;
  description?: string | null;
  properties?: EventPropertyInput[];
  subEvents?: { code: string; name: string; properties?: EventPropertyInput[] }[];
}

export interface CustomEventChange {
  name?: string;
  description?: string | null;
  /** Added (add only: a missing existing property is refused). */
  properties?: EventPropertyInput[];
  subEvents?: { code: string; name: string; properties?: EventPropertyInput[] }[];
}

// ---- virtual events (§1.10.10) ------------------------------------------------------------------

export interface VirtualEventMember {
  event: string;
  filters?: EventPropertyFilter[];
  filterOp?: 'and' | 'or';
}

export interface VirtualEventRow {
  id: string;
  tenant_id: string;
  name: string;
  description: string | null;
  definition: string;
  deleted_at: number | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface VirtualEvent {
  id: string;
  /** `virtual:<id>`: what a condition's event leaf names. */
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
