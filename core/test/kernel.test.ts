import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  channelsExtensionPoint,
  definePlugin,
  eventsExtensionPoint,
  journeysExtensionPoint,
  Joi,
  oltpExtensionPoint,
} from '@huiliu/core/plugin-api';
import { expectPluginContract, startTestKernel } from '@huiliu/core/testing';
import { describe, expect, it } from 'vitest';
import { discoverPluginPackages, importPluginPackage } from '../src/kernel/discovery.js';
import acme, { acmeEvents } from './fixtures/acme-crm.plugin.js';
import { Client, createTenant, describeEngines } from './support/test-app.js';

const text = (s: string) => ({ 'zh-CN': s, 'en-US': s });

/** A minimal plugin whose init runs `contribute`. */
function plugin(id: string, contribute: (deps: any) => void = () => {}, extra: Record<string, unknown> = {}) {
  return definePlugin({
    id,
    version: '1.0.0',
    requires: { core: '^0.1.0' },
    ...extra,
    register({ registerInit }) {
      registerInit({
        deps: {
          channels: channelsExtensionPoint,
          events: eventsExtensionPoint,
          journeys: journeysExtensionPoint,
          oltp: oltpExtensionPoint,
        },
        init: (deps) => contribute(deps),
      });
    },
  });
}

const withChannel = (type: string) => (deps: any) =>
  deps.channels.addChannelType({ type, name: text(type), userIdTypes: [], customEvents: false });

async function refused(plugins: any[], options?: Record<string, Record<string, unknown>>): Promise<string> {
  try {
    const kernel = await startTestKernel({ plugins, options });
    await kernel.close();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the plugins to be refused');
}

describe('plugin kernel refuses', () => {
  it('a plugin whose core range does not include this core', async () => {
    expect(await refused([definePlugin({ ...plugin('old'), requires: { core: '^9.0.0' } })])).toBe(
      'Plugin "old": requires @huiliu/core ^9.0.0, but this is 0.1.0',
    );
  });

  it('a duplicate plugin id', async () => {
    expect(await refused([plugin('twin'), plugin('twin')])).toBe('Plugin "twin": is registered twice (duplicate plugin id)');
  });

  it('two plugins giving the same s_ property different types', async () => {
    const event = (code: string, type: string) => (deps: any) => {
      withChannel(`chan-${type}`)(deps);
      deps.events.addEventType({
        code,
        name: text(code),
        channelType: `chan-${type}`,
        direction: 'inbound',
        properties: [{ id: 's_level', name: text('level'), type }],
      });
    };
    expect(
      await refused([plugin('first', event('first_event', 'string')), plugin('second', event('second_event', 'integer'))]),
    ).toBe(
      'Plugin "second": event type "second_event": system property "s_level" is declared as integer, but plugin "first" declared it as string',
    );
  });

  it('a duplicate trigger type@version, while a new version of it is accepted', async () => {
    const trigger = (version: number) => (deps: any) =>
      deps.journeys.addTrigger({
        type: 'shared.trigger',
        version,
        name: text('t'),
        config: Joi.object({}),
        examples: [{}],
        activate: () => undefined,
      });
    expect(await refused([plugin('one', trigger(1)), plugin('two', trigger(1))])).toBe(
      'Plugin "two": trigger "shared.trigger@1" is already registered by plugin "one"',
    );
    const kernel = await startTestKernel({ plugins: [plugin('one', trigger(1)), plugin('two', trigger(2))] });
    expect([...kernel.app.kernel.contributions.triggers.keys()]).toEqual(['shared.trigger@1', 'shared.trigger@2']);
    await kernel.close();
  });

  it('a report model whose SQL does not run on the analytics engine', async () => {
    const { reportsExtensionPoint } = await import('@huiliu/core/plugin-api');
    const broken = definePlugin({
      id: 'broken-report',
      version: '1.0.0',
      requires: { core: '^0.1.0' },
      register({ registerInit }) {
        registerInit({
          deps: { reports: reportsExtensionPoint },
          init: ({ reports }) =>
            reports.addReportModel({
              id: 'broken.report',
              name: text('b'),
              query: Joi.object({}),
              examples: [{}],
              toSql: () => 'select no_such_column from events',
            }),
        });
      },
    });
    await expect(expectPluginContract(broken, { engines: ['sqlite'] })).rejects.toThrow(/no_such_column/);
  });

  it('an example that does not match its config schema', async () => {
    const bad = (deps: any) =>
      deps.journeys.addAction({
        type: 'bad.action',
        version: 1,
        name: text('a'),
        config: Joi.object({ n: Joi.number().required() }),
        examples: [{ n: 'x' }],
        execute: async () => ({}),
      });
    expect(await refused([plugin('bad', bad)])).toMatch(
      /^Plugin "bad": action "bad.action@1" example #1 does not match its schema: "n" must be a number/,
    );
  });

  it('a missing dependency, a dependency of the wrong version and a cycle', async () => {
    expect(await refused([plugin('child', undefined, { dependencies: { parent: '^1.0.0' } })])).toBe(
      'Plugin "child": depends on plugin "parent", which is not installed or is disabled',
    );
    expect(await refused([plugin('parent'), plugin('child', undefined, { dependencies: { parent: '^2.0.0' } })])).toBe(
      'Plugin "child": depends on plugin "parent" ^2.0.0, but 1.0.0 is installed',
    );
    expect(
      await refused([plugin('a', undefined, { dependencies: { b: '*' } }), plugin('b', undefined, { dependencies: { a: '*' } })]),
    ).toMatch(/has a dependency cycle: a → b → a/);
  });

  it('invalid options, before init runs', async () => {
    acmeEvents.length = 0;
    expect(await refused([acme], { 'acme-crm': { pollMinutes: 1 } })).toBe(
      'Plugin "acme-crm": invalid options: "pollMinutes" must be greater than or equal to 5',
    );
    expect(acmeEvents).toEqual([]);
  });

  it('migrations creating tables without the plugin prefix', async () => {
    const rogue = (deps: any) =>
      deps.oltp.addMigrations([
        {
          name: '0001',
          up: (knex: any) => knex.schema.createTable('contacts_hijack', (t: any) => t.increments()),
          down: (knex: any) => knex.schema.dropTable('contacts_hijack'),
        },
      ]);
    expect(await refused([plugin('rogue', rogue)])).toBe(
      'Plugin "rogue": its migrations created tables without the "rogue_" prefix: contacts_hijack',
    );
  });

  it('an event type of an unknown channel type and a channel owning an unknown user-ID type', async () => {
    const orphan = (deps: any) =>
      deps.events.addEventType({ code: 'orphan', name: text('o'), channelType: 'nowhere', direction: 'inbound', properties: [] });
    expect(await refused([plugin('orphan', orphan)])).toBe(
      'Plugin "orphan": event type "orphan" belongs to unknown channel type "nowhere"',
    );
    const owner = (deps: any) =>
      deps.channels.addChannelType({ type: 'owner', name: text('o'), userIdTypes: ['ghost.id'], customEvents: false });
    expect(await refused([plugin('owner', owner)])).toBe(
      'Plugin "owner": channel type "owner" owns unknown user-ID type "ghost.id"',
    );
  });
});

it('refuses a plugin redefining a core error code or one without both languages', async () => {
  const { errorsExtensionPoint } = await import('@huiliu/core/plugin-api');
  const withErrors = (id: string, messages: Record<string, unknown>) =>
    definePlugin({
      id,
      version: '1.0.0',
      requires: { core: '^0.1.0' },
      register({ registerInit }) {
        registerInit({
          deps: { errors: errorsExtensionPoint },
          init: ({ errors }) => errors.addErrorMessages(messages as never),
        });
      },
    });
  expect(await refused([withErrors('thief', { not_found: text('x') })])).toBe(
    'Plugin "thief": error code "not_found" is a core code',
  );
  expect(await refused([withErrors('mono', { mono_only: { 'zh-CN': '只有中文' } })])).toBe(
    'Plugin "mono": error code "mono_only" needs a zh-CN and an en-US message',
  );
});

describe('plugin discovery', () => {
  function fakePackage(root: string, name: string, manifest: Record<string, unknown>, code: string) {
    const dir = path.join(root, 'node_modules', ...name.split('/'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name, version: '1.0.0', type: 'module', main: 'index.js', huiliu: manifest }),
    );
    writeFileSync(path.join(dir, 'index.js'), code);
  }

  it('reads manifests without running plugin code and checks the core range before importing', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'huiliu-discovery-'));
    fakePackage(
      root,
      '@acme/huiliu-plugin-future',
      { pluginId: 'future', requires: { core: '^3.0.0' } },
      'throw new Error("plugin code ran")',
    );
    fakePackage(root, 'not-a-plugin', {}, 'throw new Error("ran")');
    const manifests = discoverPluginPackages([root]);
    const future = manifests.find((m) => m.pluginId === 'future');
    expect(future).toMatchObject({ packageName: '@acme/huiliu-plugin-future', requiresCore: '^3.0.0' });
    expect(manifests.some((m) => m.packageName === 'not-a-plugin')).toBe(false);
    await expect(importPluginPackage(future!, '0.1.0')).rejects.toThrow(
      'Plugin "future": package @acme/huiliu-plugin-future requires @huiliu/core ^3.0.0, but this is 0.1.0',
    );
  });

  it('imports a compatible package and checks its id against the manifest', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'huiliu-discovery-'));
    const code = `export default { $$type: '@huiliu/Plugin', id: 'hello', version: '1.0.0', requires: { core: '^0.1.0' }, register({ registerInit }) { registerInit({ deps: {}, init() {} }); } };`;
    fakePackage(root, 'huiliu-plugin-hello', { pluginId: 'hello', requires: { core: '^0.1.0' } }, code);
    fakePackage(root, 'huiliu-plugin-liar', { pluginId: 'liar', requires: { core: '^0.1.0' } }, code);
    const manifests = discoverPluginPackages([root]);
    const hello = await importPluginPackage(
      manifests.find((m) => m.pluginId === 'hello')!,
      '0.1.0',
    );
    expect(hello.id).toBe('hello');
    await expect(
      importPluginPackage(
        manifests.find((m) => m.pluginId === 'liar')!,
        '0.1.0',
      ),
    ).rejects.toThrow('declares huiliu.pluginId "liar" but its plugin id is "hello"');
  });

  it('finds the four first-party plugins installed in the workspace', () => {
    const ids = discoverPluginPackages([process.cwd()]).map((m) => m.pluginId);
    expect(ids).toEqual(expect.arrayContaining(['custom-channel', 'jinshuju', 'miniprogram', 'wechat']));
  });
});

describe('the fixture third-party plugin', () => {
  it('passes the plugin contract on SQLite and MySQL', async () => {
    const report = await expectPluginContract(acme);
    expect(report.jsonSchemas).toEqual([
      'options',
      'trigger:acme.leadCreated@1',
      'action:acme.createTask@1',
      'report:acme.leadsByPipeline',
    ]);
    expect(report.examples).toBe(4);
    // The report model's SQL ran against an in-memory DuckDB tenant, once per example.
    expect(report.reportSql).toEqual([
      { model: 'acme.leadsByPipeline', example: 1, columns: ['s_pipeline', 'leads'] },
      { model: 'acme.leadsByPipeline', example: 2, columns: ['s_pipeline', 'leads'] },
    ]);
    expect(report.migrations).toEqual([
      { engine: 'sqlite', up: ['acme_crm_note'], downLeftTables: [] },
      { engine: 'mysql', up: ['acme_crm_note'], downLeftTables: [] },
    ]);
  });

  it('is started after the server and stopped with it, and every service resolves', async () => {
    acmeEvents.length = 0;
    const kernel = await startTestKernel({ plugins: [acme] });
    expect(kernel.app.kernel.list().find((p) => p.id === 'acme-crm')!.state).toBe('registered');
    await kernel.app.start();
    expect(acmeEvents).toEqual(['start']);
    expect(kernel.app.kernel.list().find((p) => p.id === 'acme-crm')!.state).toBe('started');
    for (const id of kernel.app.kernel.serviceIds()) expect(kernel.app.kernel.resolveService(id, 'acme-crm')).toBeTruthy();
    await kernel.close();
    expect(acmeEvents).toEqual(['start', 'stop']);
  });
});

describeEngines('plugins in the running server', (ctx) => {
  it('boots the fixture and answers its routes under /api/v1/p/<id>, confined to the tenant', async () => {
    const { createTestApp } = await import('./support/test-app.js');
    const app = await createTestApp(ctx.engine, {}, { plugins: [acme] });
    try {
      const tenant = await createTenant(app);
      const client = await Client.staff(app.server, tenant.email, tenant.password);
      const ping = await client.request('GET', '/api/v1/p/acme-crm/ping');
      expect(ping.statusCode).toBe(200);
      expect(ping.body).toEqual({ ok: true, tenantId: tenant.tenantId, apiBaseUrl: 'https://api.acme.example' });
      const created = await client.request('POST', '/api/v1/p/acme-crm/notes', { body: '首次拜访' });
      expect(created.statusCode).toBe(201);
      expect((await client.request('GET', `/api/v1/p/acme-crm/notes/${created.body.id}`)).body).toEqual({
        id: created.body.id,
        body: '首次拜访',
      });
      const blank = await client.request('POST', '/api/v1/p/acme-crm/notes', { body: '  ' });
      expect(blank.body).toMatchObject({ statusCode: 400, code: 'acme_note_blank', message: '备注内容不能为空白' });
      client.language = 'en-US';
      expect((await client.request('POST', '/api/v1/p/acme-crm/notes', { body: ' ' })).body.message).toBe(
        'The note cannot be blank',
      );
      const invalid = await client.request('POST', '/api/v1/p/acme-crm/notes', {});
      expect(invalid.body).toMatchObject({ code: 'validation_failed', details: [{ path: 'body', code: 'any.required' }] });

      const other = await createTenant(app);
      const otherClient = await Client.staff(app.server, other.email, other.password);
      expect((await otherClient.request('GET', `/api/v1/p/acme-crm/notes/${created.body.id}`)).statusCode).toBe(404);
      expect((await new Client(app.server).request('GET', '/api/v1/p/acme-crm/ping')).statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('lists installed plugins with their contributions, for super staff only', async () => {
    const { createTestApp } = await import('./support/test-app.js');
    const app = await createTestApp(ctx.engine, {}, { plugins: [acme] });
    try {
      const tenant = await createTenant(app);
      const client = await Client.staff(app.server, tenant.email, tenant.password);
      const res = await client.request('GET', '/api/v1/plugins');
      expect(res.statusCode).toBe(200);
      expect(res.body.items.map((p: any) => [p.id, p.source])).toEqual([
        ['core', 'builtin'],
        ['acme-crm', 'explicit'],
      ]);
      const core = res.body.items[0];
      expect(core.contributions.userIdTypes.map((u: any) => u.id)).toEqual([
        'wecom.externalUserId',
        'youzan.fansId',
        'mudu.uid',
        'weimob.memberId',
        'ele.userId',
        'qlchat.userName',
        'douyin.openId',
      ]);
      const fixture = res.body.items[1];
      expect(fixture).toMatchObject({ version: '1.2.0', requires: { core: '^0.1.0' }, state: 'registered' });
      expect(fixture.contributions).toMatchObject({
        channelTypes: [{ type: 'acme', userIdTypes: ['acme.leadId'] }],
        triggers: [{ key: 'acme.leadCreated@1' }],
        actions: [{ key: 'acme.createTask@1' }],
        reportModels: [{ id: 'acme.leadsByPipeline' }],
        presetDashboards: [{ id: 'acme.overview' }],
        schedules: [{ key: 'acme-crm:sync-leads', cron: '*/15 * * * *' }],
        migrations: ['0001_acme_crm_note'],
        olapRelations: ['acme_deals'],
        permissions: ['acmeCrm.view', 'acmeCrm.edit'],
      });
      expect(fixture.contributions.eventTypes[0].properties).toEqual([
        { id: 's_pipeline', type: 'string', name: { 'zh-CN': '销售管道', 'en-US': 'Pipeline' } },
        { id: 's_leadScore', type: 'integer', name: { 'zh-CN': '线索评分', 'en-US': 'Lead score' } },
      ]);
      expect(fixture.contributions.taskKinds).toEqual([{ kind: 'acme-crm.exportNotes', notifies: true }]);
      expect(fixture.contributions.routes.map((r: any) => `${r.method} ${r.path}`)).toEqual([
        'POST /api/v1/p/acme-crm/exports',
        'GET /api/v1/p/acme-crm/ping',
        'POST /api/v1/p/acme-crm/notes',
        'GET /api/v1/p/acme-crm/notes/{noteId}',
      ]);
    } finally {
      await app.close();
    }
  });
});

describe('plugin database service', () => {
  it('confines a plugin to its own tables, within a tenant and across tenants', async () => {
    const kernel = await startTestKernel({ plugins: [acme] });
    try {
      const database = kernel.app.kernel.resolveService('core.database', 'acme-crm') as any;
      await expect(database.findAcrossTenants('staff', { id: 1 })).rejects.toThrow(
        'Plugin "acme-crm": may use only its own tables ("acme_crm_…"), not "staff"',
      );
      expect(await database.findAcrossTenants('acme_crm_note', { id: 999 })).toBeUndefined();
      const tenant = await createTenant(kernel.app);
      expect(() => database.forTenant(tenant.tenantId).from('staff')).toThrow('may use only its own tables');
      await expect(database.forTenant(tenant.tenantId).insert('channel', { name: 'x' })).rejects.toThrow(
        'may use only its own tables',
      );
      expect(await database.forTenant(tenant.tenantId).from('acme_crm_note')).toEqual([]);
    } finally {
      await kernel.close();
    }
  });
});
