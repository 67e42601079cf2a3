import type { PluginMessages } from '@huiliu/console/sdk';

// The console reads these under `plugin.miniprogram.`. zh-CN first; en-US is typed as the zh-CN
// keys (a missing or extra key fails the console typecheck; the console build checks it too).
export const zhCN = {
  section: {
    title: 'SDK 接入',
    description: '小程序 SDK 用 writeKey 上报启动、展示、隐藏、打开页面和自定义事件。',
    writeKey: 'writeKey',
    writeKeyHint: 'writeKey 会打包进小程序代码，属于公开标识；怀疑泄露或被滥用时可以重新生成，旧的立即失效。',
    writeKeyIssuedAt: '生成时间',
    serverUrl: '服务器地址',
    serverUrlHint: '请把该地址的域名加入小程序后台「开发管理 → 开发设置 → 服务器域名」的 request 合法域名。',
    copy: '复制',
    copied: '已复制',
    regenerate: '重新生成 writeKey',
    guide: '接入指南：docs/integrators/miniprogram-sdk.md',
  },
  regenerate: {
    title: '确定重新生成「{{name}}」的 writeKey？',
    content: '旧的 writeKey 立即失效：仍使用旧 writeKey 的小程序版本上报的数据会被拒绝，请尽快发布使用新 writeKey 的版本。',
    ok: '重新生成',
    cancel: '取消',
    success: '已生成新的 writeKey，旧的已失效',
  },
};

export type Messages = typeof zhCN;

export const enUS: PluginMessages<Messages> = {
  section: {
    title: 'SDK',
    description: 'The mini-program SDK sends launch, show, hide, page and custom events with this writeKey.',
    writeKey: 'writeKey',
    writeKeyHint:
      'The writeKey ships inside the mini-program: it is a public identifier. Regenerate it if it leaks or is abused; the old one stops working at once.',
    writeKeyIssuedAt: 'Issued',
    serverUrl: 'Server URL',
    serverUrlHint:
      'Add this domain to the request domains of the mini-program (WeChat MP admin → Development → Development settings → Server domains).',
    copy: 'Copy',
    copied: 'Copied',
    regenerate: 'Regenerate writeKey',
    guide: 'Integration guide: docs/integrators/miniprogram-sdk.md',
  },
  regenerate: {
    title: 'Regenerate the writeKey of “{{name}}”?',
    content:
      'The old writeKey stops working at once: data from mini-program versions that still use it is refused. Release a version with the new writeKey soon.',
    ok: 'Regenerate',
    cancel: 'Cancel',
    success: 'A new writeKey was issued; the old one no longer works',
  },
};
