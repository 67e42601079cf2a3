import type { EventTypeDefinition } from '@huiliu/core/plugin-api';
import { articleIndex, articleTitle, content, msgDataId } from './wechat.properties.js';

/**
 * Messages (seed §1.6.2.7 情感标签 reads 留言文本 and 微信图文留言; §2.1.1 推送文本). Inbound: a
 * fan's text message (`text` push) and a comment under an article; outbound: a text message the
 * official account sent (customer-service message, e.g. from a journey).
 */
export const messageEvents: EventTypeDefinition[] = [
  {
    code: 'wechat_send_text',
    name: { 'zh-CN': '留言文本', 'en-US': 'Send text message' },
    channelType: 'wechat',
    direction: 'inbound',
    properties: [content],
  },
  {
    code: 'wechat_comment_article',
    name: { 'zh-CN': '微信图文留言', 'en-US': 'Comment on article' },
    channelType: 'wechat',
    direction: 'inbound',
    properties: [content, msgDataId, articleIndex, articleTitle],
  },
  {
    code: 'wechat_text_sent',
    name: { 'zh-CN': '推送文本消息', 'en-US': 'Text message sent' },
    channelType: 'wechat',
    direction: 'outbound',
    properties: [content],
  },
];
