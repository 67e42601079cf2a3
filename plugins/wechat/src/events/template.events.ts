import type { EventTypeDefinition } from '@huiliu/core/plugin-api';
import { sendStatus, templateId, templateMsgId } from './wechat.properties.js';

/**
 * 模板消息 (seed §1.8.1.1, §2.1.1): recorded when the send is accepted by WeChat, and again when
 * WeChat pushes `TEMPLATESENDJOBFINISH` with the delivery status.
 */
export const templateEvents: EventTypeDefinition[] = [
  {
    code: 'wechat_template_sent',
    name: { 'zh-CN': '推送模板消息', 'en-US': 'Template message sent' },
    channelType: 'wechat',
    direction: 'outbound',
    properties: [templateId, templateMsgId],
  },
  {
    code: 'wechat_template_result',
    name: { 'zh-CN': '模板消息发送结果', 'en-US': 'Template message result' },
    channelType: 'wechat',
    direction: 'outbound',
    properties: [templateId, templateMsgId, sendStatus],
  },
];
