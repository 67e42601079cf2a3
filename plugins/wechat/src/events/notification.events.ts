import type { EventTypeDefinition } from '@huiliu/core/plugin-api';
import { sendStatus, templateId } from './wechat.properties.js';

/**
 * 订阅通知 (seed §1.8.1.3): the fan accepts or cancels a notification in the subscribe component
 * (`subscribe_msg_popup_event`, `subscribe_msg_change_event`), and we send one
 * (`subscribe_msg_sent_event` reports the result; a failure does not use up the fan's chance).
 */
export const notificationEvents: EventTypeDefinition[] = [
  {
    code: 'wechat_accept_notification',
    name: { 'zh-CN': '同意订阅通知', 'en-US': 'Accept subscription notification' },
    channelType: 'wechat',
    direction: 'inbound',
    properties: [templateId],
  },
  {
    code: 'wechat_reject_notification',
    name: { 'zh-CN': '取消订阅通知', 'en-US': 'Reject subscription notification' },
    channelType: 'wechat',
    direction: 'inbound',
    properties: [templateId],
  },
  {
    code: 'wechat_notification_sent',
    name: { 'zh-CN': '推送订阅通知', 'en-US': 'Subscription notification sent' },
    channelType: 'wechat',
    direction: 'outbound',
    properties: [templateId],
  },
  {
    code: 'wechat_notification_result',
    name: { 'zh-CN': '订阅通知发送结果', 'en-US': 'Subscription notification result' },
    channelType: 'wechat',
    direction: 'outbound',
    properties: [templateId, sendStatus],
  },
];
