import type { EventTypeDefinition } from '@huiliu/core/plugin-api';
import { qrCodeId, subscribeScene } from './wechat.properties.js';

/** 关注与取消关注 (seed §1.10.9.2.1, §1.7.2): WeChat's `subscribe` and `unsubscribe` pushes. */
export const followEvents: EventTypeDefinition[] = [
  {
    code: 'wechat_subscribe',
    name: { 'zh-CN': '关注公众号', 'en-US': 'Follow official account' },
    channelType: 'wechat',
    direction: 'inbound',
    // A follow through a parametric QR code also records wechat_scan_qrcode; s_qrCodeId links the two.
    properties: [subscribeScene, qrCodeId],
  },
  {
    code: 'wechat_unsubscribe',
    name: { 'zh-CN': '取消关注公众号', 'en-US': 'Unfollow official account' },
    channelType: 'wechat',
    direction: 'inbound',
    properties: [],
  },
];
