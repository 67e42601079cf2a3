import type { ChannelTypeDefinition, UserIdTypeDefinition } from '@huiliu/core/plugin-api';

/** 微信公众号 openId (seed §1.4.11): unique per official account, so scoped to one channel. */
export const openId: UserIdTypeDefinition = {
  id: 'wechat.openId',
  name: { 'zh-CN': '微信公众号 openId', 'en-US': 'WeChat official account openId' },
  scope: 'channel',
};

/** 微信开放平台 unionid (seed §1.4.11, §1.9.1.4): one per person across the accounts of an open platform. */
export const unionId: UserIdTypeDefinition = {
  id: 'wechat.unionId',
  name: { 'zh-CN': '微信开放平台 unionid', 'en-US': 'WeChat Open Platform unionid' },
  scope: 'channelType',
};

/** 微信公众号 (seed §1.8, §1.9.1): official accounts bound through the third-party platform. */
export const wechatChannel: ChannelTypeDefinition = {
  type: 'wechat',
  name: { 'zh-CN': '微信公众号', 'en-US': 'WeChat official account' },
  description: {
    'zh-CN': '通过第三方平台授权绑定服务号或订阅号：粉丝与标签同步、群发、模板消息、订阅通知、带参二维码、菜单',
    'en-US':
      'Service or subscription accounts bound through third-party platform authorization: fans and tags, mass send, template messages, subscription notifications, QR codes, menus',
  },
  userIdTypes: [openId.id, unionId.id],
  // Third-party connectors have fixed event types (seed §2.1.2).
  customEvents: false,
};
