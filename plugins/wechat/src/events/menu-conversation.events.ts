import type { EventTypeDefinition } from '@huiliu/core/plugin-api';
import { menuConversationId, menuConversationName, menuOptionId, menuOptionText } from './wechat.properties.js';

/**
 * 菜单会话 (seed §1.8.3.3.1.4): a journey sends a menu conversation (a `msgmenu` customer-service
 * message) and the fan clicks one of its options (a `text` push carrying `bizmsgmenuid`).
 */
export const menuConversationEvents: EventTypeDefinition[] = [
  {
    code: 'wechat_menu_conversation_sent',
    name: { 'zh-CN': '发送菜单会话', 'en-US': 'Menu conversation sent' },
    channelType: 'wechat',
    direction: 'outbound',
    properties: [menuConversationId, menuConversationName],
  },
  {
    code: 'wechat_click_menu_conversation',
    name: { 'zh-CN': '点击菜单会话选项', 'en-US': 'Click menu conversation option' },
    channelType: 'wechat',
    direction: 'inbound',
    properties: [menuConversationId, menuConversationName, menuOptionId, menuOptionText],
  },
];
