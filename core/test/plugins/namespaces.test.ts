/**
 * Plugin namespaces, core's reserved names and start-failure isolation (issue 19, ADR 0040).
 * Registration rules are checked on the kernel alone (registration touches no store); first-party
 * loading and isolation run the real app on SQLite and MariaDB.
 */
import {
  coreServices,
  definePlugin,
  httpExtensionPoint,
  schedulerExtensionPoint,
  type PluginDefinition,
} from '@huiliu/core/plugin-api';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig, pluginSettings } from '../../src/config/config.js';
import { createServiceFactory } from '../../src/kernel/extension-point.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { PermissionRegistry } from '../../src/kernel/permissions.js';
import { reservedEventCodes, reservedSystemProperties } from '../../src/kernel/reserved-names.js';
import { SCHEDULE_TASK_KIND } from '../../src/jobs/scheduler.js';
import { coreVersion } from '../../src/version.js';
import customChannel from '../../../plugins/custom-channel/src/index.js';
import wechat from '../../../plugins/wechat/src/index.js';
import acme from '../fixtures/acme-crm.plugin.js';
import { allPlugins, firstPartyPlugins } from '../support/plugins.js';
import { probePlugin } from '../support/probe-plugin.js';
import { testEngines } from '../support/engines.js';
import { Client, createTenant, createTestApp, type TestApp } from '../support/test-app.js';

const text = (s: string) => ({ 'zh-CN': s, 'en-US': s });

const plugin = probePlugin;

const channel = (type: string) => (deps: any) =>
  deps.channels.addChannelType({ type, name: text(type), userIdTypes: [], customEvents: false });

const event =
  (code: string, channelType: string, properties: { id: string; type: string }[] = []) =>
  (deps: any) =>
    deps.events.addEventType({
      code,
      name: text(code),
      channelType,
      direction: 'inbound',
      properties: properties.map((p) => ({ ...p, name: text(p.id) })),
    });

const all =
  (...steps: ((deps: any) => void)[]) =>
  (deps: any) => {
    for (const step of steps) step(deps);
  };

/**
 * Registers plugins in a kernel of their own: no core module and no store (registration touches
 * none); `core.channels`, which custom-channel asks for, is a stand-in its init never calls.
 */
async function load(...plugins: PluginDefinition<any>[]): Promise<Kernel> {
  const kernel = new Kernel({
    coreVersion,
    logger: pino({ level: 'silent' }),
    oltp: undefined as never,
    secrets: undefined as never,
    permissions: new PermissionRegistry(),
    services: [
      createServiceFactory({
        service: coreServices.channels,
        factory: () => ({
          get: () => Promise.reject(new Error('not during registration')),
          settings: () => Promise.reject(new Error('not during registration')),
        }),
      }),
    ],
  });
  await kernel.load(plugins.map((definition) => ({ definition, source: { kind: 'explicit' as const } })));
  return kernel;
}

async function refusal(...plugins: PluginDefinition<any>[]): Promise<string> {
  try {
    await load(...plugins);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the plugins to be refused');
}

describe('plugin namespaces refuse', () => {
  it('a permission outside the namespace, or in another plugin’s', async () => {
    expect(await refusal(plugin('acme', (d) => d.permissions.addPermissions([{ id: 'crm.view' }])))).toBe(
      'Plugin "acme": permission "crm.view" must start with "acme." (the plugin\'s namespace "acme")',
    );
    expect(await refusal(plugin('acme-crm', (d) => d.permissions.addPermissions([{ id: 'acme.view' }])))).toBe(
      'Plugin "acme-crm": permission "acme.view" must start with "acmeCrm." (the plugin\'s namespace "acme-crm")',
    );
    expect(
      await refusal(
        wechat,
        plugin('pay', (d) => d.permissions.addPermissions([{ id: 'wechat.pay' }])),
      ),
    ).toBe(
      'Plugin "pay": permission "wechat.pay" is in the namespace "wechat" of plugin "wechat": list "wechat" in extends (and dependencies) to add to it',
    );
    expect(await refusal(plugin('acme', (d) => d.permissions.addFeature({ id: 'crm' })))).toBe(
      'Plugin "acme": permission feature "crm" must be "acme" (the plugin\'s namespace "acme")',
    );
  });

  it('an event code outside the namespace, or an event on another plugin’s channel type', async () => {
    expect(await refusal(plugin('acme', all(channel('acme'), event('crm_lead', 'acme'))))).toBe(
      'Plugin "acme": event type "crm_lead" must start with "acme_" (the plugin\'s namespace "acme")',
    );
    expect(await refusal(wechat, plugin('pay', all(channel('pay'), event('wechat_pay_success', 'pay'))))).toBe(
      'Plugin "pay": event type "wechat_pay_success" is in the namespace "wechat" of plugin "wechat": list "wechat" in extends (and dependencies) to add to it',
    );
    expect(await refusal(wechat, plugin('pay', event('pay_success', 'wechat')))).toBe(
      'Plugin "pay": event type "pay_success" belongs to channel type "wechat" of plugin "wechat": list "wechat" in extends (and dependencies) to add events to it',
    );
  });

  it('a channel type or user-ID type outside the namespace', async () => {
    expect(await refusal(plugin('acme', channel('crm')))).toBe(
      'Plugin "acme": channel type "crm" must be "acme" or start with "acme." or "acme-" (the plugin\'s namespace "acme")',
    );
    expect(await refusal(wechat, plugin('pay', channel('wechat-pay')))).toBe(
      'Plugin "pay": channel type "wechat-pay" is in the namespace "wechat" of plugin "wechat": list "wechat" in extends (and dependencies) to add to it',
    );
    const userIdType = (id: string) => (d: any) => d.channels.addUserIdType({ id, name: text(id), scope: 'channelType' });
    expect(await refusal(plugin('acme-crm', userIdType('acme.leadId')))).toBe(
      'Plugin "acme-crm": user-ID type "acme.leadId" must start with "acmeCrm." (the camelCase of one of its channel types, then a dot) (the plugin\'s namespace "acme-crm")',
    );
    expect(await refusal(plugin('acme', userIdType('leadId')))).toMatch(
      /^Plugin "acme": user-ID type "leadId" must start with "acme\."/,
    );
    expect(await refusal(plugin('acme', userIdType('externalId')))).toBe(
      'Plugin "acme": user-ID type "externalId" is reserved by core for channel type "custom"',
    );
  });

  it('an error code outside the namespace', async () => {
    const errors = (code: string) => (d: any) => d.errors.addErrorMessages({ [code]: text(code) });
    expect(await refusal(plugin('acme', errors('crm_broken')))).toBe(
      'Plugin "acme": error code "crm_broken" must start with "acme_" (the plugin\'s namespace "acme")',
    );
    expect(await refusal(plugin('acme-crm', errors('acme_broken')))).toBe(
      'Plugin "acme-crm": error code "acme_broken" must start with "acme_crm_" (the plugin\'s namespace "acme-crm")',
    );
  });

  it('extends naming a plugin that is not a dependency', async () => {
    expect(await refusal(wechat, plugin('pay', undefined, { extends: ['wechat'] }))).toBe(
      'Plugin "pay": extends "wechat", which is not one of its dependencies',
    );
  });

  it('a namespace that is not kebab-case, taken, a core module’s or the menu of core’s permissions', async () => {
    expect(await refusal(plugin('acme', undefined, { namespace: 'Acme' }))).toBe(
      'Plugin "acme": namespace "Acme" must be kebab-case (a-z, 0-9, -)',
    );
    expect(await refusal(customChannel, plugin('custom'))).toBe(
      'Plugin "custom": namespace "custom" is already the namespace of plugin "custom-channel"',
    );
    expect(await refusal(plugin('acme', undefined, { namespace: 'contacts' }))).toBe(
      'Plugin "acme": namespace "contacts" is reserved: it names a core module',
    );
    expect(await refusal(plugin('acme', undefined, { namespace: 'settings' }))).toBe(
      'Plugin "acme": namespace "settings" is reserved: core\'s permissions start with "settings." (e.g. "settings.shortLinks")',
    );
  });

  it('a name the longest namespace owns: acme may not add acme_crm_… while acme-crm is loaded', async () => {
    const crm = plugin('acme-crm', all(channel('acme-crm'), event('acme_crm_lead', 'acme-crm')));
    expect(await refusal(crm, plugin('acme', all(channel('acme'), event('acme_crm_spoof', 'acme'))))).toBe(
      'Plugin "acme": event type "acme_crm_spoof" is in the namespace "acme-crm" of plugin "acme-crm": list "acme-crm" in extends (and dependencies) to add to it',
    );
    expect(await refusal(crm, plugin('acme', channel('acme-crm-eu')))).toMatch(
      /in the namespace "acme-crm" of plugin "acme-crm"/,
    );
    // Both load when each keeps to its own.
    await load(crm, plugin('acme', all(channel('acme'), channel('acme-eu'), event('acme_visit', 'acme'))));
  });
});

describe('core’s reserved names', () => {
  it('refuses a plugin owning a reserved $ event, or inventing one', async () => {
    expect(await refusal(plugin('acme', all(channel('acme'), event('$pageview', 'acme'))))).toBe(
      'Plugin "acme": event type "$pageview" is reserved by core for channel type "custom"',
    );
    // Even on the channel type core assigns it to, when that type is another plugin's.
    expect(await refusal(plugin('acme', event('$MPLaunch', 'miniprogram')))).toBe(
      'Plugin "acme": event type "$MPLaunch" is reserved by core for channel type "miniprogram"',
    );
    expect(await refusal(plugin('acme', all(channel('acme'), event('$signup', 'acme'))))).toBe(
      'Plugin "acme": event code "$signup" starts with $, which only core\'s reserved SDK events may',
    );
  });

  it('refuses a plugin declaring a permission of the seed’s matrix, and lets its routes require one', async () => {
    expect(await refusal(plugin('acme', (d) => d.permissions.addPermissions([{ id: 'contacts.view' }])))).toBe(
      'Plugin "acme": permission "contacts.view" is reserved by core (a row of the seed\'s permission matrix): routes may require it, plugins do not declare it',
    );
    const route = (d: any) =>
      d.http.addRoutes([{ method: 'GET', path: '/contacts', permission: 'contacts.view', handler: () => ({}) }]);
    const kernel = await load(plugin('acme', route));
    expect(kernel.contributions.routes.map((r) => r.definition.permission)).toEqual(['contacts.view']);
  });

  it('refuses a reserved s_ property with another type, whatever plugin loads first and by either path', async () => {
    const visit = (type: string) => all(channel('acme'), event('acme_visit', 'acme', [{ id: 's_url', type }]));
    const message =
      'Plugin "acme": event type "acme_visit": system property "s_url" is declared as integer, but core reserves it as string';
    expect(await refusal(plugin('acme', visit('integer')))).toBe(message);
    expect(await refusal(plugin('acme', visit('integer')), customChannel)).toBe(message);
    expect(await refusal(customChannel, plugin('acme', visit('integer')))).toBe(message);
    const property =
      (id: string, type = 'string') =>
      (d: any) =>
        d.events.addSystemProperty({ id, name: text(id), type });
    expect(await refusal(plugin('acme', property('s_qrCodeType', 'integer')))).toBe(
      'Plugin "acme": system property "s_qrCodeType" is declared as integer, but core reserves it as string',
    );
    expect(await refusal(plugin('acme', property('s_URL')))).toBe(
      'Plugin "acme": system property "s_URL" differs only in case from core\'s reserved "s_url"',
    );
    expect(await refusal(plugin('acme', property('s_channel_id')))).toBe(
      'Plugin "acme": system property "s_channel_id" is a column of event_view that core fills: a plugin cannot declare it',
    );
    expect(await refusal(plugin('acme', property('$os')))).toBe(
      'Plugin "acme": system property "$os" is one of core\'s SDK preset properties: events of SDK channel types carry it without declaring it',
    );
  });

  it('lets a plugin reference a reserved s_ property with its type; the first declarer stays its owner', async () => {
    const kernel = await load(
      customChannel,
      plugin('acme', all(channel('acme'), event('acme_visit', 'acme', [{ id: 's_url', type: 'string' }]))),
    );
    expect(kernel.contributions.systemProperties.get('s_url')).toMatchObject({ pluginId: 'custom-channel' });
    expect(kernel.contributions.eventTypes.get('acme_visit')?.definition.properties.map((p) => p.id)).toEqual(['s_url']);
  });

  it('lets a plugin that extends another add to its namespace and its channel type', async () => {
    const pay = plugin(
      'wechat-pay',
      all(
        event('wechat_pay_success', 'wechat', [{ id: 's_content', type: 'string' }]),
        (d) => d.permissions.addPermissions([{ id: 'wechat.refund' }]),
        (d) => d.errors.addErrorMessages({ wechat_pay_refused: text('refused') }),
      ),
      { dependencies: { wechat: '*' }, extends: ['wechat'] },
    );
    const kernel = await load(wechat, pay);
    expect(kernel.contributions.eventTypes.get('wechat_pay_success')).toMatchObject({ pluginId: 'wechat-pay' });
    expect(kernel.contributions.permissionIds.get('wechat-pay')).toEqual(['wechat.refund']);
    // Its own namespace (its id) stays its own too.
    expect(kernel.contributions.namespaceOf('wechat-pay')).toBe('wechat-pay');
    expect(kernel.contributions.ownsName('wechat-pay', 'channelType', 'wechat-pay')).toBe(true);
  });

  it('answers ownership of event-bus topics for the plugin that asks', async () => {
    const kernel = await load(wechat, plugin('acme-crm'));
    const registry = kernel.contributions;
    expect(registry.namespaceOf('acme-crm')).toBe('acme-crm');
    expect(registry.ownsName('acme-crm', 'topic', 'acmeCrm.leadCreated')).toBe(true);
    expect(registry.ownsName('acme-crm', 'topic', 'acme-crm.leadCreated')).toBe(true);
    expect(registry.ownsName('acme-crm', 'topic', 'wechat.messageReceived')).toBe(false);
    expect(registry.ownsName('wechat', 'topic', 'wechat.messageReceived')).toBe(true);
  });
});

describe.each(testEngines())('the first-party plugins keep their names [%s]', (engine) => {
  it('load with the fixture, every $ event on the channel type core reserves it for, every s_ property with core’s type', async () => {
    const app = await createTestApp(engine, {}, { plugins: allPlugins });
    const registry = app.kernel.contributions;
    await app.close();
    expect(registry.namespaceOf('custom-channel')).toBe('custom');
    for (const { pluginId, definition } of registry.eventTypes.values()) {
      if (definition.code.startsWith('$')) {
        expect(reservedEventCodes.get(definition.code), `${pluginId} ${definition.code}`).toEqual({
          channelType: definition.channelType,
        });
      }
    }
    const firstParty = new Set(firstPartyPlugins.map((p) => p.id));
    const declared = [...registry.systemProperties.entries()].filter(([, owned]) => firstParty.has(owned.pluginId));
    expect(declared.length).toBe(reservedSystemProperties.size);
    for (const [id, owned] of declared) expect(reservedSystemProperties.get(id), id).toBe(owned.definition.type);
    expect([...reservedEventCodes.keys()].every((code) => registry.eventTypes.has(code))).toBe(true);
  });
});

it('reads plugins.<id>.required from huiliu.json keys and env variables', () => {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'huiliu-required-'));
  mkdirSync(path.join(cwd, 'data'));
  writeFileSync(path.join(cwd, 'data', 'huiliu.json'), JSON.stringify({ plugins: { 'acme-crm': { required: true } } }));
  const fromFile = loadConfig({ env: {}, cwd });
  rmSync(cwd, { recursive: true, force: true });
  expect(pluginSettings(fromFile, 'acme-crm').required).toBe(true);
  const fromEnv = loadConfig({ env: { HUILIU_PLUGINS__ACME_CRM__REQUIRED: 'true' } });
  expect(pluginSettings(fromEnv, 'acme-crm').required).toBe(true);
  expect(pluginSettings(fromEnv, 'wechat').required).toBe(false);
});

// ---- isolation -----------------------------------------------------------------------------------

/** What the broken plugin's schedule and task kind did (they must do nothing). */
const ran: string[] = [];

/** A plugin with a route, a schedule and a task kind, whose start() fails as `start` says. */
function starting(id: string, start: () => Promise<void> | void, extra: Record<string, unknown> = {}) {
  return definePlugin({
    id,
    version: '1.0.0',
    requires: { core: '^0.1.0' },
    ...extra,
    register({ registerInit }) {
      registerInit({
        deps: { http: httpExtensionPoint, scheduler: schedulerExtensionPoint },
        init({ http, scheduler }) {
          http.addRoutes([{ method: 'GET', path: '/ping', permission: 'authenticated', handler: () => ({ ok: true }) }]);
          scheduler.addSchedule({ key: 'tick', cron: '* * * * *', run: async () => void ran.push(`${id}:schedule`) });
          scheduler.addTaskKind({
            kind: `${id}.work`,
            notifies: false,
            run: async () => void ran.push(`${id}:task`),
          });
          return { start, stop: () => void ran.push(`${id}:stop`) };
        },
      });
    },
  });
}

const broken = starting('broken', () => {
  throw new Error('cannot reach the Broken API at 10.0.0.1');
});
const steady = starting('steady', () => undefined);
const dependent = starting('leaning', () => undefined, { dependencies: { broken: '*' } });

for (const engine of testEngines()) {
  describe(`a plugin whose start fails [${engine}]`, () => {
    async function withApp(
      plugins: PluginDefinition<any>[],
      test: (app: TestApp) => Promise<void>,
      overrides: Record<string, unknown> = {},
    ): Promise<void> {
      const app = await createTestApp(engine, overrides, { plugins });
      try {
        await test(app);
      } finally {
        await app.close();
      }
    }

    it('is isolated: the server starts, /ready lists it without the reason, its routes answer 503, the others serve', async () => {
      await withApp([broken, steady, dependent, acme], async (app) => {
        await app.kernel.start();
        const anonymous = new Client(app.server);
        const ready = await anonymous.request('GET', '/ready');
        expect(ready.statusCode).toBe(200);
        expect(ready.body).toEqual({
          status: 'ready',
          checks: { oltp: 'ok', olap: 'ok' },
          plugins: { broken: 'failed', leaning: 'failed' },
        });
        expect(JSON.stringify(ready.body)).not.toContain('10.0.0.1');

        const tenant = await createTenant(app);
        const client = await Client.staff(app.server, tenant.email, tenant.password);
        const refused = await client.request('GET', '/api/v1/p/broken/ping');
        expect(refused.statusCode).toBe(503);
        expect(refused.headers['retry-after']).toBe('60');
        expect(refused.body).toMatchObject({
          code: 'plugin_unavailable',
          message: '插件 broken 启动失败，暂不可用；请管理员查看 设置 → 系统 → 插件 和服务日志',
        });
        expect(JSON.stringify(refused.body)).not.toContain('10.0.0.1');
        client.language = 'en-US';
        expect((await client.request('GET', '/api/v1/p/leaning/ping')).body.message).toMatch(
          /^Plugin leaning failed to start and is unavailable/,
        );
        expect((await anonymous.request('GET', '/api/v1/p/broken/ping')).statusCode).toBe(503);
        expect((await client.request('GET', '/api/v1/p/steady/ping')).body).toEqual({ ok: true });
        expect((await client.request('GET', '/api/v1/p/acme-crm/ping')).statusCode).toBe(200);

        const plugins = await client.request('GET', '/api/v1/plugins');
        const byId = new Map(plugins.body.items.map((p: any) => [p.id, p]));
        expect(byId.get('broken')).toMatchObject({
          state: 'failed',
          error: 'cannot reach the Broken API at 10.0.0.1',
          namespace: 'broken',
        });
        expect(byId.get('leaning')).toMatchObject({
          state: 'failed',
          error: 'depends on plugin "broken", which failed to start',
        });
        expect(byId.get('steady')).toMatchObject({ state: 'started', namespace: 'steady' });
        expect(byId.get('steady')).not.toHaveProperty('error');
        expect(byId.get('acme-crm')).toMatchObject({ state: 'started', namespace: 'acme' });
        expect(byId.get('core')).toMatchObject({ state: 'started', namespace: null });
      });
    });

    it('runs none of its schedules and task kinds, for any tenant', async () => {
      await withApp([broken, steady], async (app) => {
        await app.kernel.start();
        const first = await createTenant(app);
        const second = await createTenant(app);
        ran.length = 0;
        await app.jobs.scheduler.tick(Date.now());
        const firings = await app.oltp
          .knex('task')
          .where({ kind: SCHEDULE_TASK_KIND })
          .whereIn('schedule_key', ['broken:tick', 'steady:tick'])
          .select('schedule_key', 'tenant_id');
        const keys = new Set(firings.map((f: { schedule_key: string }) => f.schedule_key));
        expect(keys).toEqual(new Set(['steady:tick']));
        expect(new Set(firings.map((f: { tenant_id: unknown }) => String(f.tenant_id)))).toEqual(
          new Set([String(first.tenantId), String(second.tenantId)]),
        );

        const brokenTask = await app.jobs.queue.enqueue(first.tenantId, 'broken.work', {});
        const steadyTask = await app.jobs.queue.enqueue(second.tenantId, 'steady.work', {});
        // A firing made before the plugin was isolated (another process, an earlier start).
        const staleFiring = await app.jobs.queue.enqueue(
          first.tenantId,
          SCHEDULE_TASK_KIND,
          { key: 'broken:tick' },
          { schedule: { key: 'broken:tick', dueAt: 60_000 } },
        );
        while ((await app.jobs.worker.poll()) > 0);
        expect((await app.jobs.queue.get(first.tenantId, brokenTask!.id)).status).toBe('queued');
        expect((await app.jobs.queue.get(second.tenantId, steadyTask!.id)).status).toBe('succeeded');
        expect(await app.jobs.queue.get(first.tenantId, staleFiring!.id)).toMatchObject({
          status: 'failed',
          error: { code: 'plugin_unavailable', retryable: false },
        });
        expect(ran.filter((r) => r.startsWith('broken'))).toEqual([]);
        expect(ran).toContain('steady:task');
      });
    });

    it('is isolated when its start outlasts the start timeout', async () => {
      const hanging = starting('hanging', () => new Promise<void>(() => undefined));
      await withApp(
        [hanging, steady],
        async (app) => {
          await app.kernel.start();
          expect(app.kernel.list().find((p) => p.id === 'hanging')).toMatchObject({
            state: 'failed',
            error: 'start() did not finish within 200 ms',
          });
          expect(app.kernel.failedPlugins()).toEqual({ hanging: 'failed' });
        },
        { pluginStartTimeoutMs: 200 },
      );
    });

    it('stops the server instead when the plugin is required', async () => {
      await withApp(
        [steady, broken],
        async (app) => {
          await expect(app.start()).rejects.toThrow(
            'Plugin "broken": start failed: cannot reach the Broken API at 10.0.0.1 (the plugin is required)',
          );
          expect(app.server.info.started).toBe(0);
        },
        { plugins: { broken: { enabled: true, options: {}, required: true } } },
      );
    });
  });
}
