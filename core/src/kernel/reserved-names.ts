import type { PropertyType } from './contributions.js';
import { permissionMatrix } from './permission-matrix.js';
import { sdkPresetProperties } from '../modules/metadata/metadata.types.js';
import { eventViewSystemColumns } from '../store/olap/declaration.js';

/**
 * Names core owns (ADR 0040). Plugins REFERENCE them — list a reserved `s_` property on an event
 * type, let a route require a reserved permission, attach a reserved `$` event to the channel type
 * core assigns it to — but never OWN them: they are not in any plugin's namespace, and what they
 * mean (a property's type, a permission's row in the matrix) is fixed here, whatever plugins load
 * and in whatever order. Every entry already exists in tenants' data: never rename one.
 */

/**
 * The `$` events: SDK auto-collected events in Sensors style (ADR 0005 §7, 0006 §2), which no
 * operator's event ID can take and no plugin may invent. Each belongs to one channel type; only
 * the plugin whose namespace owns that channel type declares it (and only on that channel type).
 * Core itself emits `$pageview` and `$group` for Segment `page` and `group` calls (ADR 0026).
 */
export const reservedEventCodes: ReadonlyMap<string, { channelType: string }> = new Map([
  // The custom channel's web / iOS / Android SDKs (custom-channel plugin).
  ['$pageview', { channelType: 'custom' }],
  ['$AppInstall', { channelType: 'custom' }],
  ['$AppStart', { channelType: 'custom' }],
  ['$AppViewScreen', { channelType: 'custom' }],
  ['$group', { channelType: 'custom' }],
  // The mini-program SDK (miniprogram plugin): the Sensors mini-program SDK's names.
  ['$MPLaunch', { channelType: 'miniprogram' }],
  ['$MPShow', { channelType: 'miniprogram' }],
  ['$MPHide', { channelType: 'miniprogram' }],
  ['$MPViewScreen', { channelType: 'miniprogram' }],
]);

/**
 * The shared `s_` system properties with their types: the seed's (`s_qrCodeType` §1.10.9.4.1,
 * `s_originScene` §1.10.12.1.1) and every one the first-party connectors declared before
 * namespaces existed (ADR 0006 §3). Any plugin may list one on its event types with this type; a
 * different type is refused whichever plugin loads first.
 */
export const reservedSystemProperties: ReadonlyMap<string, PropertyType> = new Map<string, PropertyType>([
  // Pages and screens of the custom channel's SDKs; Segment group calls.
  ['s_url', 'string'],
  ['s_urlPath', 'string'],
  ['s_title', 'string'],
  ['s_referrer', 'string'],
  ['s_pageName', 'string'],
  ['s_screenName', 'string'],
  ['s_groupId', 'string'],
  // Mini-programs.
  ['s_originScene', 'string'],
  ['s_pagePath', 'string'],
  ['s_pageQuery', 'string'],
  ['s_referrerPath', 'string'],
  ['s_isFirstTime', 'bool'],
  ['s_duration', 'number'],
  // Forms (金数据).
  ['s_formId', 'string'],
  ['s_formName', 'string'],
  ['s_entrySerialNumber', 'integer'],
  // WeChat official accounts.
  ['s_subscribeScene', 'string'],
  ['s_qrCodeId', 'string'],
  ['s_qrCodeType', 'string'],
  ['s_qrCodeScene', 'string'],
  ['s_qrCodeKeyword', 'string'],
  ['s_qrCodeSource', 'string'],
  ['s_qrCodeCampaign', 'string'],
  ['s_isNewFollower', 'bool'],
  ['s_menuType', 'string'],
  ['s_menuKey', 'string'],
  ['s_menuName', 'string'],
  ['s_menuUrl', 'string'],
  ['s_menuPagePath', 'string'],
  ['s_content', 'string'],
  ['s_msgDataId', 'string'],
  ['s_articleIndex', 'integer'],
  ['s_articleTitle', 'string'],
  ['s_templateId', 'string'],
  ['s_templateMsgId', 'string'],
  ['s_sendStatus', 'string'],
  ['s_massSendMsgId', 'string'],
  ['s_massSendTotalCount', 'integer'],
  ['s_massSendFilterCount', 'integer'],
  ['s_massSendSentCount', 'integer'],
  ['s_massSendErrorCount', 'integer'],
  ['s_menuConversationId', 'string'],
  ['s_menuConversationName', 'string'],
  ['s_menuOptionId', 'string'],
  ['s_menuOptionText', 'string'],
]);

/** `s_` columns event_view has of its own (channel, account, message, direction, journey): never declarable. */
export const coreEventColumns: readonly string[] = eventViewSystemColumns.filter((column) => column.startsWith('s_'));

/** The SDK preset `$` properties (§1.10.8.2): core declares them for every tenant; events carry them undeclared. */
export const sdkPresetPropertyCodes: readonly string[] = sdkPresetProperties.map((p) => p.code);

/**
 * User-ID types without a `<channel>.` prefix, with the channel type whose plugin declares them:
 * `externalId`, the generic self-built-app id of seed §1.4.11 (ADR 0006 consequences).
 */
export const reservedUserIdTypes: ReadonlyMap<string, { channelType: string }> = new Map([
  ['externalId', { channelType: 'custom' }],
]);

/** The seed's permission-matrix rows (§1.11.4.6.2): routes of any plugin may require one; no plugin declares one. */
export const reservedPermissionIds: ReadonlySet<string> = new Set(permissionMatrix.map((row) => row.id));

/** The reserved `s_` property whose id equals `id` ignoring case (DuckDB and MySQL columns are case-insensitive). */
export function reservedSystemPropertyLike(id: string): string | undefined {
  const lower = id.toLowerCase();
  for (const reserved of [...reservedSystemProperties.keys(), ...coreEventColumns]) {
    if (reserved.toLowerCase() === lower) return reserved;
  }
  return undefined;
}

/**
 * Features of the seed's permission matrix that a connector plugin brings rather than core: 微信营销's
 * rows (`wechat.*`, `wechatReports.*`) become configurable once the `wechat` plugin declares its
 * feature. A plugin's namespace may not be the menu of core's other permissions (`settings`, `contacts`…).
 */
export const connectorFeatures: ReadonlySet<string> = new Set(['wechat']);
