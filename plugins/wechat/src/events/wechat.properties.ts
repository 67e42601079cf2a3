import type { SystemPropertyDefinition } from '@huiliu/core/plugin-api';

/**
 * The `s_` properties of the WeChat events, each declared once: an id shared by several event
 * types is the same object everywhere, so its type cannot drift (one type per `s_` id, ADR 0005).
 * WeChat ids that are int64 on the wire (MsgID, msgid) are strings, like every id we do not mint.
 */

// ---- follow ---------------------------------------------------------------------------------------

export const subscribeScene: SystemPropertyDefinition = {
  id: 's_subscribeScene',
  name: { 'zh-CN': '关注来源', 'en-US': 'Follow source' },
  type: 'string',
  description: {
    'zh-CN': '微信返回的关注渠道，如 ADD_SCENE_QR_CODE（扫描二维码）、ADD_SCENE_SEARCH（搜索）',
    'en-US': 'The follow source WeChat reports, e.g. ADD_SCENE_QR_CODE (QR code) or ADD_SCENE_SEARCH (search)',
  },
};

// ---- parametric QR codes (seed §1.8.2) -------------------------------------------------------------

export const qrCodeId: SystemPropertyDefinition = {
  id: 's_qrCodeId',
  name: { 'zh-CN': '二维码 ID', 'en-US': 'QR code ID' },
  type: 'string',
};

export const qrCodeType: SystemPropertyDefinition = {
  id: 's_qrCodeType',
  name: { 'zh-CN': '二维码类型', 'en-US': 'QR code type' },
  type: 'string',
  description: { 'zh-CN': 'permanent（永久）或 temporary（临时）', 'en-US': 'permanent or temporary' },
};

export const qrCodeScene: SystemPropertyDefinition = {
  id: 's_qrCodeScene',
  name: { 'zh-CN': '二维码场景值', 'en-US': 'QR code scene' },
  type: 'string',
  description: {
    'zh-CN': '二维码携带的 scene_id 或 scene_str（不含 qrscene_ 前缀）',
    'en-US': 'The scene_id or scene_str the code carries (without the qrscene_ prefix)',
  },
};

export const qrCodeKeyword: SystemPropertyDefinition = {
  id: 's_qrCodeKeyword',
  name: { 'zh-CN': '二维码关键字', 'en-US': 'QR code keyword' },
  type: 'string',
};

export const qrCodeSource: SystemPropertyDefinition = {
  id: 's_qrCodeSource',
  name: { 'zh-CN': '二维码来源', 'en-US': 'QR code source' },
  type: 'string',
};

export const qrCodeCampaign: SystemPropertyDefinition = {
  id: 's_qrCodeCampaign',
  name: { 'zh-CN': '二维码活动', 'en-US': 'QR code campaign' },
  type: 'string',
};

export const isNewFollower: SystemPropertyDefinition = {
  id: 's_isNewFollower',
  name: { 'zh-CN': '是否扫码关注', 'en-US': 'Followed by this scan' },
  type: 'bool',
  description: {
    'zh-CN': '扫码前未关注、扫码后关注了公众号时为 true',
    'en-US': 'true when the contact was not following and followed through this scan',
  },
};

// ---- menus (seed §1.8.3.1) --------------------------------------------------------------------------

export const menuType: SystemPropertyDefinition = {
  id: 's_menuType',
  name: { 'zh-CN': '菜单类型', 'en-US': 'Menu button type' },
  type: 'string',
  description: {
    'zh-CN': 'click（发送消息）、view（跳转网页）或 miniprogram（跳转小程序）',
    'en-US': 'click (send a message), view (open a URL) or miniprogram (open a mini-program)',
  },
};

export const menuKey: SystemPropertyDefinition = {
  id: 's_menuKey',
  name: { 'zh-CN': '菜单 Key', 'en-US': 'Menu key' },
  type: 'string',
};

export const menuName: SystemPropertyDefinition = {
  id: 's_menuName',
  name: { 'zh-CN': '菜单名称', 'en-US': 'Menu name' },
  type: 'string',
};

export const menuUrl: SystemPropertyDefinition = {
  id: 's_menuUrl',
  name: { 'zh-CN': '菜单跳转链接', 'en-US': 'Menu URL' },
  type: 'string',
};

export const menuPagePath: SystemPropertyDefinition = {
  id: 's_menuPagePath',
  name: { 'zh-CN': '菜单跳转小程序页面', 'en-US': 'Menu mini-program page' },
  type: 'string',
};

// ---- messages and comments --------------------------------------------------------------------------

export const content: SystemPropertyDefinition = {
  id: 's_content',
  name: { 'zh-CN': '消息内容', 'en-US': 'Message content' },
  type: 'string',
  description: {
    'zh-CN': '文本消息或留言的文字（情感标签分析的对象）',
    'en-US': 'The text of the message or comment (what sentiment tags analyse)',
  },
};

export const msgDataId: SystemPropertyDefinition = {
  id: 's_msgDataId',
  name: { 'zh-CN': '图文消息 ID', 'en-US': 'Article message ID' },
  type: 'string',
  description: { 'zh-CN': '图文群发或发布时微信返回的 msg_data_id', 'en-US': 'The msg_data_id WeChat returned for the article' },
};

export const articleIndex: SystemPropertyDefinition = {
  id: 's_articleIndex',
  name: { 'zh-CN': '图文位置', 'en-US': 'Article position' },
  type: 'integer',
  description: {
    'zh-CN': '多图文消息中的第几篇，从 1 开始',
    'en-US': 'Position of the article in a multi-article message, from 1',
  },
};

export const articleTitle: SystemPropertyDefinition = {
  id: 's_articleTitle',
  name: { 'zh-CN': '图文标题', 'en-US': 'Article title' },
  type: 'string',
};

// ---- templates, subscription notifications, mass send -------------------------------------------------

export const templateId: SystemPropertyDefinition = {
  id: 's_templateId',
  name: { 'zh-CN': '模板 ID', 'en-US': 'Template ID' },
  type: 'string',
  description: {
    'zh-CN': '公众号后台的模板消息或订阅通知模板 ID',
    'en-US': 'The template message or subscription notification template ID from the official account',
  },
};

export const templateMsgId: SystemPropertyDefinition = {
  id: 's_templateMsgId',
  name: { 'zh-CN': '模板消息 ID', 'en-US': 'Template message ID' },
  type: 'string',
  description: { 'zh-CN': '发送模板消息时微信返回的 msgid', 'en-US': 'The msgid WeChat returned for the template message' },
};

export const sendStatus: SystemPropertyDefinition = {
  id: 's_sendStatus',
  name: { 'zh-CN': '发送状态', 'en-US': 'Send status' },
  type: 'string',
  description: {
    'zh-CN': '微信推送的结果原文，如 success、failed:user block、send success',
    'en-US': 'The status WeChat pushed, verbatim, e.g. success, failed:user block, send success',
  },
};

export const massSendMsgId: SystemPropertyDefinition = {
  id: 's_massSendMsgId',
  name: { 'zh-CN': '群发消息 ID', 'en-US': 'Mass send message ID' },
  type: 'string',
};

export const massSendTotalCount: SystemPropertyDefinition = {
  id: 's_massSendTotalCount',
  name: { 'zh-CN': '群发目标人数', 'en-US': 'Mass send target count' },
  type: 'integer',
  description: {
    'zh-CN': '本次群发的总人数（整次群发的计数，同一群发的每个事件取值相同）',
    'en-US': 'Fans the mass send targeted (a count of the whole send, the same on each of its events)',
  },
};

export const massSendFilterCount: SystemPropertyDefinition = {
  id: 's_massSendFilterCount',
  name: { 'zh-CN': '群发过滤后人数', 'en-US': 'Mass send count after filtering' },
  type: 'integer',
  description: {
    'zh-CN': '过滤（如每月 4 次的限制）后准备发送的人数（整次群发的计数）',
    'en-US': 'Fans left after filtering (e.g. the 4-a-month limit), for the whole send',
  },
};

export const massSendSentCount: SystemPropertyDefinition = {
  id: 's_massSendSentCount',
  name: { 'zh-CN': '群发成功人数', 'en-US': 'Mass send delivered count' },
  type: 'integer',
  description: { 'zh-CN': '发送成功的人数（整次群发的计数）', 'en-US': 'Fans it was delivered to, for the whole send' },
};

export const massSendErrorCount: SystemPropertyDefinition = {
  id: 's_massSendErrorCount',
  name: { 'zh-CN': '群发失败人数', 'en-US': 'Mass send failed count' },
  type: 'integer',
  description: { 'zh-CN': '发送失败的人数（整次群发的计数）', 'en-US': 'Fans it failed for, for the whole send' },
};

// ---- menu conversations (seed §1.8.3.3) ----------------------------------------------------------------

export const menuConversationId: SystemPropertyDefinition = {
  id: 's_menuConversationId',
  name: { 'zh-CN': '菜单会话 ID', 'en-US': 'Menu conversation ID' },
  type: 'string',
};

export const menuConversationName: SystemPropertyDefinition = {
  id: 's_menuConversationName',
  name: { 'zh-CN': '菜单会话名称', 'en-US': 'Menu conversation name' },
  type: 'string',
};

export const menuOptionId: SystemPropertyDefinition = {
  id: 's_menuOptionId',
  name: { 'zh-CN': '菜单选项 ID', 'en-US': 'Menu option ID' },
  type: 'string',
};

export const menuOptionText: SystemPropertyDefinition = {
  id: 's_menuOptionText',
  name: { 'zh-CN': '菜单选项内容', 'en-US': 'Menu option text' },
  type: 'string',
};
