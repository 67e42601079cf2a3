import { expectPluginContract, startTestKernel } from '@huiliu/core/testing';
import { describe, expect, it } from 'vitest';
import { kernelEngine, testEngines } from '../../../core/test/support/engines.js';
import customChannel from '../../custom-channel/src/index.js';
import miniprogram from '../../miniprogram/src/index.js';
import wechat from '../../wechat/src/index.js';
import plugin from '../src/index.js';

describe('jinshuju plugin', () => {
  it('passes the plugin contract on SQLite and MySQL', async () => {
    const report = await expectPluginContract(plugin);
    expect(report.pluginId).toBe('jinshuju');
    // The tables its migrations create (none: it keeps its data in core's tables), and none left after down.
    expect(report.migrations).toEqual([
      { engine: 'sqlite', up: [], downLeftTables: [] },
      { engine: 'mysql', up: [], downLeftTables: [] },
    ]);
  });
});

// Registration, on each OLTP engine (booting runs core's and the plugin's migrations).
describe.each(testEngines())('jinshuju plugin [%s]', (engine) => {
  it('registers the Jinshuju channel type without user-ID types or custom events, and its submit-form event', async () => {
    const kernel = await startTestKernel({ plugins: [plugin], engine: kernelEngine(engine) });
    try {
      const [info] = kernel.app.kernel.list().filter((p) => p.id === 'jinshuju');
      expect(info!.contributions.channelTypes).toEqual([
        { type: 'jinshuju', name: { 'zh-CN': '金数据', 'en-US': 'Jinshuju' }, userIdTypes: [] },
      ]);
      expect(info!.contributions.userIdTypes).toEqual([]);
      expect(kernel.app.kernel.contributions.channelTypes.get('jinshuju')!.definition.customEvents).toBe(false);
      expect(
        info!.contributions.eventTypes.map((e) => ({
          code: e.code,
          name: e.name['zh-CN'],
          channelType: e.channelType,
          direction: e.direction,
        })),
      ).toEqual([{ code: 'jinshuju_submit_form', name: '提交表单', channelType: 'jinshuju', direction: 'inbound' }]);
      expect(info!.contributions.eventTypes[0]!.properties.map((p) => [p.id, p.type])).toEqual([
        ['s_formId', 'string'],
        ['s_formName', 'string'],
        ['s_entrySerialNumber', 'integer'],
      ]);
    } finally {
      await kernel.close();
    }
  });

  it('boots together with every first-party connector without a duplicate event code or a conflicting s_ property', async () => {
    const kernel = await startTestKernel({ plugins: [customChannel, wechat, miniprogram, plugin], engine: kernelEngine(engine) });
    try {
      const registry = kernel.app.kernel.contributions;
      expect([...registry.channelTypes.keys()].sort()).toEqual(['custom', 'jinshuju', 'miniprogram', 'wechat']);
      const owners = [...registry.eventTypes.values()].map((e) => e.pluginId).filter((id) => id !== 'core');
      expect(owners.filter((id) => id === 'custom-channel')).toHaveLength(5);
      expect(owners.filter((id) => id === 'wechat')).toHaveLength(16);
      expect(owners.filter((id) => id === 'miniprogram')).toHaveLength(4);
      expect(owners.filter((id) => id === 'jinshuju')).toHaveLength(1);
    } finally {
      await kernel.close();
    }
  });
});
