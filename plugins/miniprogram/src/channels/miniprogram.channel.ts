import type { ChannelTypeDefinition } from '@huiliu/core/plugin-api';
import type { WriteKeyService } from '../write-keys/write-key.service.js';

/**
 * 微信小程序 (seed §1.10.9.2.1, §2.1.2): one channel per mini-program (its channel id is the
 * appid, seed §2.1.2.1). It owns no user-ID type (docs/decisions/0006): `wechat.openId` is the
 * official account's openId (seed §1.4.11), and a mini-program identifies its users like a
 * self-built app, by externalId (unionid, else openid, seed §2.1.3), merging with official-account
 * fans through WeChatInfo (seed §2.1.1.1, §2.1.2.4).
 */
/** A mini-program AppID: `wx` followed by 16 lower-case hex characters. */
export const APP_ID = /^wx[0-9a-f]{16}$/;

export const errorMessages = {
  miniprogram_app_id_invalid: {
    'zh-CN': 'AppID {key} 不合法：应为 wx 开头、共 18 位的小程序 AppID',
    'en-US': 'AppID {key} is invalid: a mini-program AppID is wx followed by 16 hex characters',
  },
};

/** `writeKeys` gives each new channel its writeKey (the mini-program SDK's key, docs/decisions/0029). */
export function miniprogramChannel(writeKeys: WriteKeyService): ChannelTypeDefinition {
  return {
    type: 'miniprogram',
    name: { 'zh-CN': '微信小程序', 'en-US': 'WeChat mini-program' },
    description: {
      'zh-CN': '通过微信小程序 SDK 追踪启动、展示、隐藏和打开页面事件，并可创建自定义事件',
      'en-US': 'Tracks launch, show, hide and page-open events through the mini-program SDK; custom events allowed',
    },
    userIdTypes: [],
    // Only custom and mini-program channels own custom events (seed §1.10.9.4.1, §2.1.2).
    customEvents: true,
    // Until the WeChat authorization flow exists, operators record a mini-program by hand (AppID +
    // name) so that custom events can belong to it.
    manual: {
      key: {
        label: { 'zh-CN': 'AppID', 'en-US': 'AppID' },
        pattern: APP_ID,
        invalidCode: 'miniprogram_app_id_invalid',
        help: {
          'zh-CN': '小程序的 AppID（wx 开头的 18 位），在微信公众平台「开发管理 → 开发设置」中查看',
          'en-US': 'The mini-program AppID (wx + 16 hex characters), shown in the WeChat MP admin under Development settings',
        },
      },
    },
    handlers: {
      async connect({ tenantId, channelId }) {
        await writeKeys.ensure(tenantId, channelId);
      },
    },
  };
}
