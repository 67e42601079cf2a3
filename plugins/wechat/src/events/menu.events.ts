import type { EventTypeDefinition } from '@huiliu/core/plugin-api';
import { menuKey, menuName, menuPagePath, menuType, menuUrl } from './wechat.properties.js';

/**
 * 点击菜单 (seed §1.8.3.1, §1.9.1.3.10.4 粉丝点击菜单事件捕捉): one event for every button of a menu
 * created in Huiliu — WeChat's `CLICK`, `VIEW` (open a URL) and `view_miniprogram` pushes —
 * told apart by s_menuType, so click counts per button cover link and mini-program buttons too.
 */
export const menuEvents: EventTypeDefinition[] = [
  {
    code: 'wechat_click_menu',
    name: { 'zh-CN': '点击菜单', 'en-US': 'Click menu' },
    channelType: 'wechat',
    direction: 'inbound',
    properties: [menuType, menuKey, menuName, menuUrl, menuPagePath],
  },
];
