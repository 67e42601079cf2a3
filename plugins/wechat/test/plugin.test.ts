import { expectPluginContract, startTestKernel } from '@huiliu/core/testing';
import { describe, expect, it } from 'vitest';
import { kernelEngine, testEngines } from '../../../core/test/support/engines.js';
import plugin from '../src/index.js';

describe('wechat plugin', () => {
  it('passes the plugin contract on SQLite and MySQL', async () => {
    const report = await expectPluginContract(plugin);
    expect(report.pluginId).toBe('wechat');
    // The tables its migrations create (none: it keeps its data in core's tables), and none left after down.
    expect(report.migrations).toEqual([
      { engine: 'sqlite', up: [], downLeftTables: [] },
      { engine: 'mysql', up: [], downLeftTables: [] },
    ]);
  });
});

// Registration, on each OLTP engine (booting runs core's and the plugin's migrations).
describe.each(testEngines())('wechat plugin [%s]', (engine) => {
  it('registers the official-account channel type owning openId per channel and unionId per channel type', async () => {
    const kernel = await startTestKernel({ plugins: [plugin], engine: kernelEngine(engine) });
    try {
      const [info] = kernel.app.kernel.list().filter((p) => p.id === 'wechat');
      expect(info!.contributions.channelTypes).toEqual([
        {
          type: 'wechat',
          name: { 'zh-CN': '微信公众号', 'en-US': 'WeChat official account' },
          userIdTypes: ['wechat.openId', 'wechat.unionId'],
        },
      ]);
      expect(info!.contributions.userIdTypes.map((u) => [u.id, u.scope])).toEqual([
        ['wechat.openId', 'channel'],
        ['wechat.unionId', 'channelType'],
      ]);
      expect(kernel.app.kernel.contributions.channelTypes.get('wechat')!.definition.customEvents).toBe(false);
    } finally {
      await kernel.close();
    }
  });

  it('registers the system events of the official account with their direction', async () => {
    const kernel = await startTestKernel({ plugins: [plugin], engine: kernelEngine(engine) });
    try {
      const [info] = kernel.app.kernel.list().filter((p) => p.id === 'wechat');
      expect(info!.contributions.eventTypes.map((e) => [e.code, e.direction])).toEqual([
        ['wechat_subscribe', 'inbound'],
        ['wechat_unsubscribe', 'inbound'],
        ['wechat_scan_qrcode', 'inbound'],
        ['wechat_click_menu', 'inbound'],
        ['wechat_send_text', 'inbound'],
        ['wechat_comment_article', 'inbound'],
        ['wechat_text_sent', 'outbound'],
        ['wechat_template_sent', 'outbound'],
        ['wechat_template_result', 'outbound'],
        ['wechat_accept_notification', 'inbound'],
        ['wechat_reject_notification', 'inbound'],
        ['wechat_notification_sent', 'outbound'],
        ['wechat_notification_result', 'outbound'],
        ['wechat_mass_send_result', 'outbound'],
        ['wechat_menu_conversation_sent', 'outbound'],
        ['wechat_click_menu_conversation', 'inbound'],
      ]);
      expect(info!.contributions.eventTypes.every((e) => e.channelType === 'wechat')).toBe(true);
      const names = Object.fromEntries(info!.contributions.eventTypes.map((e) => [e.code, e.name['zh-CN']]));
      expect(names).toMatchObject({
        wechat_subscribe: '关注公众号',
        wechat_unsubscribe: '取消关注公众号',
        wechat_scan_qrcode: '扫描二维码',
        wechat_click_menu: '点击菜单',
        wechat_send_text: '留言文本',
        wechat_comment_article: '微信图文留言',
        wechat_template_result: '模板消息发送结果',
        wechat_mass_send_result: '群发结果',
      });
    } finally {
      await kernel.close();
    }
  });

  it('gives the scan, menu, template and mass-send events their typed s_ properties', async () => {
    const kernel = await startTestKernel({ plugins: [plugin], engine: kernelEngine(engine) });
    try {
      const [info] = kernel.app.kernel.list().filter((p) => p.id === 'wechat');
      const propertiesOf = (code: string) =>
        info!.contributions.eventTypes.find((e) => e.code === code)!.properties.map((p) => [p.id, p.type]);
      expect(propertiesOf('wechat_scan_qrcode')).toEqual([
        ['s_qrCodeId', 'string'],
        ['s_qrCodeType', 'string'],
        ['s_qrCodeScene', 'string'],
        ['s_qrCodeKeyword', 'string'],
        ['s_qrCodeSource', 'string'],
        ['s_qrCodeCampaign', 'string'],
        ['s_isNewFollower', 'bool'],
      ]);
      expect(propertiesOf('wechat_click_menu').map(([id]) => id)).toEqual([
        's_menuType',
        's_menuKey',
        's_menuName',
        's_menuUrl',
        's_menuPagePath',
      ]);
      expect(propertiesOf('wechat_template_result')).toEqual([
        ['s_templateId', 'string'],
        ['s_templateMsgId', 'string'],
        ['s_sendStatus', 'string'],
      ]);
      expect(propertiesOf('wechat_mass_send_result')).toEqual([
        ['s_massSendMsgId', 'string'],
        ['s_sendStatus', 'string'],
        ['s_massSendTotalCount', 'integer'],
        ['s_massSendFilterCount', 'integer'],
        ['s_massSendSentCount', 'integer'],
        ['s_massSendErrorCount', 'integer'],
      ]);

      const system = kernel.app.kernel.contributions.systemProperties;
      expect(system.get('s_qrCodeType')).toMatchObject({ pluginId: 'wechat', definition: { type: 'string' } });
      expect(system.get('s_articleIndex')!.definition.type).toBe('integer');
    } finally {
      await kernel.close();
    }
  });

  it('declares each s_ property shared by several events with one type', async () => {
    const kernel = await startTestKernel({ plugins: [plugin], engine: kernelEngine(engine) });
    try {
      const [info] = kernel.app.kernel.list().filter((p) => p.id === 'wechat');
      const uses = new Map<string, Set<string>>();
      for (const event of info!.contributions.eventTypes) {
        for (const property of event.properties) uses.set(property.id, (uses.get(property.id) ?? new Set()).add(property.type));
      }
      const shared = ['s_content', 's_templateId', 's_sendStatus', 's_qrCodeId', 's_menuConversationId'];
      for (const id of shared)
        expect([id, [...uses.get(id)!]]).toEqual([
          id,
          [kernel.app.kernel.contributions.systemProperties.get(id)!.definition.type],
        ]);
      expect([...uses.values()].every((types) => types.size === 1)).toBe(true);
    } finally {
      await kernel.close();
    }
  });
});
