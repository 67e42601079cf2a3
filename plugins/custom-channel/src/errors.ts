import type { LocalizedText } from '@huiliu/core/plugin-api';

/** The plugin's error codes with their messages (`{param}` placeholders). */
export const errorMessages: Record<string, LocalizedText> = {
  custom_channel_id_invalid: {
    'zh-CN': 'ChannelID {key} 不合法：只能包含字母、数字、下划线和连字符，最多 64 位',
    'en-US': 'ChannelID {key} is invalid: letters, digits, _ and - only, at most 64',
  },
  custom_channel_has_enabled_apps: {
    'zh-CN': '该渠道下还有 {count} 个启用中的应用仍可能上报数据，请先停用这些应用再删除渠道',
    'en-US': 'This channel still has {count} enabled app(s) that may send data; disable them before deleting the channel',
  },
  custom_app_not_found: { 'zh-CN': '应用不存在', 'en-US': 'App not found' },
  custom_app_domain_invalid: {
    'zh-CN': '域名 {value} 不合法，请填写如 shop.example.com 的域名（不含 http:// 和路径）',
    'en-US': 'Domain {value} is invalid; enter a domain such as shop.example.com (no http:// or path)',
  },
  custom_app_bundle_id_invalid: {
    'zh-CN': 'Bundle ID {value} 不合法，应形如 com.example.app',
    'en-US': 'Bundle ID {value} is invalid; it looks like com.example.app',
  },
  custom_app_package_name_invalid: {
    'zh-CN': '包名 {value} 不合法，应形如 com.example.app（每段以字母开头）',
    'en-US': 'Package name {value} is invalid; it looks like com.example.app (each part starts with a letter)',
  },
  custom_app_field_not_for_platform: {
    'zh-CN': '{platform} 应用没有 {field} 字段',
    'en-US': 'A {platform} app has no {field}',
  },
  custom_write_key_not_found: { 'zh-CN': 'writeKey 不存在或已被重新生成', 'en-US': 'Unknown or regenerated writeKey' },
};
