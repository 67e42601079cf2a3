import type { UserIdTypeDefinition } from '../../kernel/contributions.js';

/**
 * User-ID types of seed §1.4.11 whose connectors are not built yet. Core registers them
 * provisionally so imports and external-file tags can already key on them; a connector plugin
 * written later takes one over by adding the same id (`addUserIdType`) and listing it in its
 * channel type: core's registration yields, the accounts keyed on it stay as they are (ADR 0038).
 */
export const unconnectedUserIdTypes: UserIdTypeDefinition[] = [
  {
    id: 'wecom.externalUserId',
    name: { 'zh-CN': '企业微信外部联系人 externalUserId', 'en-US': 'WeCom external contact externalUserId' },
    scope: 'channelType',
  },
  { id: 'youzan.fansId', name: { 'zh-CN': '有赞微商城用户的 fansId', 'en-US': 'Youzan shop fansId' }, scope: 'channelType' },
  { id: 'mudu.uid', name: { 'zh-CN': '目睹 uid', 'en-US': 'Mudu uid' }, scope: 'channelType' },
  { id: 'weimob.memberId', name: { 'zh-CN': '微盟商城用户的 memberId', 'en-US': 'Weimob shop memberId' }, scope: 'channelType' },
  { id: 'ele.userId', name: { 'zh-CN': '饿了么用户 userId', 'en-US': 'Ele.me userId' }, scope: 'channelType' },
  { id: 'qlchat.userName', name: { 'zh-CN': '千聊用户 userName', 'en-US': 'Qianliao userName' }, scope: 'channelType' },
  { id: 'douyin.openId', name: { 'zh-CN': '抖音用户 openId', 'en-US': 'Douyin openId' }, scope: 'channelType' },
];
