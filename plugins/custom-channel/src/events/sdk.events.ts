import type { EventTypeDefinition } from '@huiliu/core/plugin-api';

/**
 * Events the custom channel's SDKs collect by themselves (docs/decisions/0005): page views on the
 * web; activation (first launch after install) and start on iOS and Android. Their properties are
 * the SDK preset `$` properties, which arrive with event metadata; no `s_` properties of their own.
 */
export const sdkEvents: EventTypeDefinition[] = [
  {
    code: '$pageview',
    name: { 'zh-CN': '页面浏览', 'en-US': 'Page view' },
    channelType: 'custom',
    direction: 'inbound',
    properties: [],
  },
  {
    code: '$AppInstall',
    name: { 'zh-CN': 'App 激活', 'en-US': 'App activation' },
    channelType: 'custom',
    direction: 'inbound',
    properties: [],
  },
  {
    code: '$AppStart',
    name: { 'zh-CN': 'App 启动', 'en-US': 'App start' },
    channelType: 'custom',
    direction: 'inbound',
    properties: [],
  },
];
