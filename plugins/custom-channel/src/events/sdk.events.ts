import type { EventTypeDefinition, SystemPropertyDefinition } from '@huiliu/core/plugin-api';

/**
 * The page of a web page view (`$pageview`): what the web SDK collects from `location` and
 * `document`, and what a Segment `page` call's properties (url, path, title, referrer, name) become.
 */
const url: SystemPropertyDefinition = {
  id: 's_url',
  name: { 'zh-CN': '页面地址', 'en-US': 'Page URL' },
  type: 'string',
  description: { 'zh-CN': '完整的页面地址（含参数）', 'en-US': 'The full page URL, query included' },
};
const urlPath: SystemPropertyDefinition = {
  id: 's_urlPath',
  name: { 'zh-CN': '页面路径', 'en-US': 'Page path' },
  type: 'string',
  description: { 'zh-CN': '页面地址的路径部分，如 /products/42', 'en-US': 'The path of the page URL, e.g. /products/42' },
};
const title: SystemPropertyDefinition = {
  id: 's_title',
  name: { 'zh-CN': '页面标题', 'en-US': 'Page title' },
  type: 'string',
};
const referrer: SystemPropertyDefinition = {
  id: 's_referrer',
  name: { 'zh-CN': '前向地址', 'en-US': 'Referrer' },
  type: 'string',
  description: {
    'zh-CN': '从哪个页面来到本页（单页应用中为上一个路由的地址）',
    'en-US': 'The page the visitor came from (in a single-page app, the previous route)',
  },
};
const pageName: SystemPropertyDefinition = {
  id: 's_pageName',
  name: { 'zh-CN': '页面名称', 'en-US': 'Page name' },
  type: 'string',
  description: { 'zh-CN': '调用 page(name) 时给出的名称', 'en-US': 'The name given to page(name)' },
};
const screenName: SystemPropertyDefinition = {
  id: 's_screenName',
  name: { 'zh-CN': '页面名称', 'en-US': 'Screen name' },
  type: 'string',
  description: { 'zh-CN': 'App 页面（screen）的名称', 'en-US': 'The name of the app screen' },
};

const groupId: SystemPropertyDefinition = {
  id: 's_groupId',
  name: { 'zh-CN': '组织 ID', 'en-US': 'Group ID' },
  type: 'string',
  description: {
    'zh-CN': 'Segment group 调用关联的组织（公司、团队、账户）ID；组织属性保存在事件的 extra.traits 中',
    'en-US':
      "The group (company, team, account) a Segment group call names; the group's traits are kept in the event's extra.traits",
  },
};

/**
 * Events the custom channel's SDKs collect by themselves (docs/decisions/0005): page views on the
 * web; activation (first launch after install), start and screen views on iOS and Android. Their
 * properties are the SDK preset `$` properties, which arrive with event metadata, plus the page or
 * screen they happened on. `$group` is what a Segment `group` call becomes (docs/decisions/0026).
 */
export const sdkEvents: EventTypeDefinition[] = [
  {
    code: '$pageview',
    name: { 'zh-CN': '页面浏览', 'en-US': 'Page view' },
    channelType: 'custom',
    direction: 'inbound',
    properties: [url, urlPath, title, referrer, pageName],
  },
  {
    code: '$AppInstall',
    name: { 'zh-CN': 'App 激活', 'en-US': 'App activation' },
    channelType: 'custom',
    direction: 'inbound',
    properties: [],
  },
  {
    code: '$AppStart',
    name: { 'zh-CN': 'App 启动', 'en-US': 'App start' },
    channelType: 'custom',
    direction: 'inbound',
    properties: [],
  },
  {
    code: '$AppViewScreen',
    name: { 'zh-CN': 'App 浏览页面', 'en-US': 'App screen view' },
    channelType: 'custom',
    direction: 'inbound',
    properties: [screenName],
  },
  {
    code: '$group',
    name: { 'zh-CN': '关联组织', 'en-US': 'Group' },
    channelType: 'custom',
    direction: 'inbound',
    properties: [groupId],
  },
];
