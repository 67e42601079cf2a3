import type { SystemPropertyDefinition } from '@huiliu/core/plugin-api';

/**
 * The `s_` properties of the mini-program SDK events, each declared once and shared by reference.
 * The SDK preset `$` properties (`$os`, `$network_type`, `$utm_*`…, seed §1.10.8.2) arrive with
 * every event as well; these are the ones that table does not cover.
 */

/**
 * 原始场景 (seed §1.10.12.1.1): the WeChat scene value the user entered the mini-program from
 * (1001, 1047…). A string, because dictionary tables translate string properties only (§1.10.12.2).
 */
export const originScene: SystemPropertyDefinition = {
  id: 's_originScene',
  name: { 'zh-CN': '原始场景', 'en-US': 'Origin scene' },
  type: 'string',
  description: {
    'zh-CN': '用户进入小程序的微信场景值，如 1001（发现栏小程序主入口）；可上传字典表翻译为场景描述',
    'en-US': 'The WeChat scene value the user entered from, e.g. 1001; a dictionary table can translate it',
  },
};

export const pagePath: SystemPropertyDefinition = {
  id: 's_pagePath',
  name: { 'zh-CN': '页面路径', 'en-US': 'Page path' },
  type: 'string',
  description: { 'zh-CN': '小程序页面路径，如 pages/index/index', 'en-US': 'The mini-program page path, e.g. pages/index/index' },
};

export const pageQuery: SystemPropertyDefinition = {
  id: 's_pageQuery',
  name: { 'zh-CN': '页面参数', 'en-US': 'Page query' },
  type: 'string',
  description: {
    'zh-CN': '页面路径后的参数，如 id=42&from=share',
    'en-US': 'The query after the page path, e.g. id=42&from=share',
  },
};

export const referrerPath: SystemPropertyDefinition = {
  id: 's_referrerPath',
  name: { 'zh-CN': '前向页面路径', 'en-US': 'Referrer page path' },
  type: 'string',
};

export const isFirstTime: SystemPropertyDefinition = {
  id: 's_isFirstTime',
  name: { 'zh-CN': '是否首次启动', 'en-US': 'First launch' },
  type: 'bool',
};

export const duration: SystemPropertyDefinition = {
  id: 's_duration',
  name: { 'zh-CN': '停留时长（秒）', 'en-US': 'Duration (seconds)' },
  type: 'number',
  description: {
    'zh-CN': '本次从展示到隐藏，小程序在前台停留的秒数',
    'en-US': 'Seconds the mini-program stayed in the foreground, from show to hide',
  },
};
