import { expectPluginContract, startTestKernel } from '@huiliu/core/testing';
import { describe, expect, it } from 'vitest';
import { kernelEngine, testEngines } from '../../../core/test/support/engines.js';
import wechat from '../../wechat/src/index.js';
import { Client, createTenant, describeEngines } from '../../../core/test/support/test-app.js';
import plugin from '../src/index.js';

describe('miniprogram plugin', () => {
  it('passes the plugin contract on SQLite and MySQL', async () => {
    const report = await expectPluginContract(plugin);
    expect(report.pluginId).toBe('miniprogram');
    // The tables its migrations create (the channels' writeKeys), and none left after down.
    expect(report.migrations).toEqual([
      { engine: 'sqlite', up: ['miniprogram__write_key'], downLeftTables: [] },
      { engine: 'mysql', up: ['miniprogram__write_key'], downLeftTables: [] },
    ]);
  });
});

// Registration, on each OLTP engine (booting runs core's and the plugin's migrations).
describe.each(testEngines())('miniprogram plugin [%s]', (engine) => {
  it('registers the mini-program channel type with custom events and no user-ID type of its own', async () => {
    const kernel = await startTestKernel({ plugins: [plugin], engine: kernelEngine(engine) });
    try {
      const [info] = kernel.app.kernel.list().filter((p) => p.id === 'miniprogram');
      expect(info!.dependencies).toEqual({});
      expect(info!.contributions.channelTypes).toEqual([
        { type: 'miniprogram', name: { 'zh-CN': '微信小程序', 'en-US': 'WeChat mini-program' }, userIdTypes: [] },
      ]);
      expect(info!.contributions.userIdTypes).toEqual([]);
      expect(kernel.app.kernel.contributions.channelTypes.get('miniprogram')!.definition.customEvents).toBe(true);
    } finally {
      await kernel.close();
    }
  });

  it('registers the SDK events launch, show, hide and open page, each carrying s_originScene as a string', async () => {
    const kernel = await startTestKernel({ plugins: [plugin], engine: kernelEngine(engine) });
    try {
      const [info] = kernel.app.kernel.list().filter((p) => p.id === 'miniprogram');
      expect(info!.contributions.eventTypes.map((e) => [e.code, e.name['zh-CN'], e.direction])).toEqual([
        ['$MPLaunch', '启动小程序', 'inbound'],
        ['$MPShow', '展示小程序', 'inbound'],
        ['$MPHide', '隐藏小程序', 'inbound'],
        ['$MPViewScreen', '打开小程序页面', 'inbound'],
      ]);
      for (const event of info!.contributions.eventTypes) {
        expect(event.channelType).toBe('miniprogram');
        expect(event.properties.find((p) => p.id === 's_originScene')).toMatchObject({ type: 'string' });
      }
      const propertiesOf = (code: string) =>
        info!.contributions.eventTypes.find((e) => e.code === code)!.properties.map((p) => [p.id, p.type]);
      expect(propertiesOf('$MPLaunch')).toEqual([
        ['s_originScene', 'string'],
        ['s_pagePath', 'string'],
        ['s_pageQuery', 'string'],
        ['s_isFirstTime', 'bool'],
      ]);
      expect(propertiesOf('$MPHide')).toContainEqual(['s_duration', 'number']);
      expect(propertiesOf('$MPViewScreen')).toContainEqual(['s_referrerPath', 'string']);
      expect(kernel.app.kernel.contributions.systemProperties.get('s_originScene')).toMatchObject({
        pluginId: 'miniprogram',
        definition: { type: 'string' },
      });
    } finally {
      await kernel.close();
    }
  });

  it('boots together with the wechat plugin, both keeping their contributions and no s_ property typed twice', async () => {
    const kernel = await startTestKernel({ plugins: [wechat, plugin], engine: kernelEngine(engine) });
    try {
      const byId = new Map(kernel.app.kernel.list().map((p) => [p.id, p.contributions]));
      expect(byId.get('wechat')!.channelTypes.map((c) => c.type)).toEqual(['wechat']);
      expect(byId.get('wechat')!.userIdTypes.map((u) => u.id)).toEqual(['wechat.openId', 'wechat.unionId']);
      expect(byId.get('wechat')!.eventTypes).toHaveLength(16);
      expect(byId.get('miniprogram')!.channelTypes.map((c) => c.type)).toEqual(['miniprogram']);
      expect(byId.get('miniprogram')!.eventTypes.map((e) => e.code)).toEqual([
        '$MPLaunch',
        '$MPShow',
        '$MPHide',
        '$MPViewScreen',
      ]);

      const registry = kernel.app.kernel.contributions;
      for (const pluginId of ['wechat', 'miniprogram']) {
        for (const event of byId.get(pluginId)!.eventTypes) {
          for (const property of event.properties)
            expect([property.id, registry.systemProperties.get(property.id)!.definition.type]).toEqual([
              property.id,
              property.type,
            ]);
        }
      }
      expect(registry.systemProperties.get('s_qrCodeType')!.pluginId).toBe('wechat');
      expect(registry.systemProperties.get('s_originScene')!.pluginId).toBe('miniprogram');
    } finally {
      await kernel.close();
    }
  });
});

describeEngines(
  'mini-program connection records',
  (ctx) => {
    it('are created by hand with an AppID and a name; a malformed or missing AppID is refused', async () => {
      const tenant = await createTenant(ctx.app);
      const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
      const missing = await client.request('POST', '/api/v1/channels', { type: 'miniprogram', name: '商城小程序' });
      expect(missing.body).toMatchObject({ statusCode: 400, code: 'channel_key_required', message: '请填写 AppID' });
      const bad = await client.request('POST', '/api/v1/channels', {
        type: 'miniprogram',
        name: '商城小程序',
        channelKey: 'wx123',
      });
      expect(bad.body).toMatchObject({ code: 'miniprogram_app_id_invalid', details: [{ path: 'channelKey' }] });
      const ok = await client.request('POST', '/api/v1/channels', {
        type: 'miniprogram',
        name: '商城小程序',
        channelKey: 'wx0123456789abcdef',
      });
      expect(ok.statusCode).toBe(201);
      expect(ok.body).toMatchObject({ type: 'miniprogram', channelKey: 'wx0123456789abcdef', name: '商城小程序' });
      const again = await client.request('POST', '/api/v1/channels', {
        type: 'miniprogram',
        name: '重复',
        channelKey: 'wx0123456789abcdef',
      });
      expect(again.body.code).toBe('channel_key_taken');
    });
  },
  { plugins: [plugin] },
);
