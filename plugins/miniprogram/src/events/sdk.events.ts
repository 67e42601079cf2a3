import type { EventTypeDefinition } from '@huiliu/core/plugin-api';
import { duration, isFirstTime, originScene, pagePath, pageQuery, referrerPath } from './miniprogram.properties.js';

/**
 * Events the mini-program SDK collects by itself (seed §1.10.9.2.1, §1.10.12.1.1): all four carry
 * s_originScene. Their codes are the Sensors mini-program SDK's (`$MP…`), the `$` exception for
 * SDK auto-collected events (docs/decisions/0005 §7, 0006).
 */
export const sdkEvents: EventTypeDefinition[] = [
  {
    code: '$MPLaunch',
    name: { 'zh-CN': '启动小程序', 'en-US': 'Launch mini-program' },
    channelType: 'miniprogram',
    direction: 'inbound',
    properties: [originScene, pagePath, pageQuery, isFirstTime],
  },
  {
    code: '$MPShow',
    name: { 'zh-CN': '展示小程序', 'en-US': 'Show mini-program' },
    channelType: 'miniprogram',
    direction: 'inbound',
    properties: [originScene, pagePath, pageQuery],
  },
  {
    code: '$MPHide',
    name: { 'zh-CN': '隐藏小程序', 'en-US': 'Hide mini-program' },
    channelType: 'miniprogram',
    direction: 'inbound',
    properties: [originScene, pagePath, duration],
  },
  {
    code: '$MPViewScreen',
    name: { 'zh-CN': '打开小程序页面', 'en-US': 'Open mini-program page' },
    channelType: 'miniprogram',
    direction: 'inbound',
    properties: [originScene, pagePath, pageQuery, referrerPath],
  },
];
