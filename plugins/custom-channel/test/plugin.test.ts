import { expectPluginContract, startTestKernel } from '@huiliu/core/testing';
import { describe, expect, it } from 'vitest';
import { kernelEngine, testEngines } from '../../../core/test/support/engines.js';
import plugin from '../src/index.js';

describe('custom-channel plugin', () => {
  it('passes the plugin contract on SQLite and MySQL', async () => {
    const report = await expectPluginContract(plugin);
    expect(report.pluginId).toBe('custom-channel');
    // The tables its migrations create, and none left after down, on both engines.
    expect(report.migrations).toEqual([
      { engine: 'sqlite', up: ['custom_channel__app'], downLeftTables: [] },
      { engine: 'mysql', up: ['custom_channel__app'], downLeftTables: [] },
    ]);
  });
});

// Registration, on each OLTP engine (booting runs core's and the plugin's migrations).
describe.each(testEngines())('custom-channel plugin [%s]', (engine) => {
  it('registers the custom channel type owning externalId and its SDK events', async () => {
    const kernel = await startTestKernel({ plugins: [plugin], engine: kernelEngine(engine) });
    try {
      const [info] = kernel.app.kernel.list().filter((p) => p.id === 'custom-channel');
      expect(info!.contributions.channelTypes).toEqual([
        { type: 'custom', name: { 'zh-CN': '自定义渠道', 'en-US': 'Custom channel' }, userIdTypes: ['externalId'] },
      ]);
      expect(info!.contributions.userIdTypes.map((u) => [u.id, u.scope])).toEqual([['externalId', 'channel']]);
      expect(info!.contributions.eventTypes.map((e) => e.code)).toEqual([
        '$pageview',
        '$AppInstall',
        '$AppStart',
        '$AppViewScreen',
        '$group',
      ]);
      expect(kernel.app.kernel.contributions.channelTypes.get('custom')!.definition.customEvents).toBe(true);
    } finally {
      await kernel.close();
    }
  });
});
