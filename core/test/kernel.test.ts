import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { definePlugin, Joi } from '@huiliu/core/plugin-api';
import { expectPluginContract, startTestKernel } from '@huiliu/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { coreTables } from '../src/store/oltp/migrations/core-tables.js';
import {
  auditExtensionPoint,
  auditStaffDirectoryExtensionPoint,
  conditionsExtensionPoint,
} from '../src/kernel/extension-points.js';
import type { FieldMaskSource, GroupSource, TagSource } from '../src/modules/conditions/catalogue.js';
import type { MetadataSource } from '../src/modules/conditions/metadata-source.js';
import { ContributionRegistry } from '../src/kernel/contribution-registry.js';
import { PermissionRegistry } from '../src/kernel/permissions.js';
import { findPluginPackage, importPluginPackage, requestedPluginPackages } from '../src/kernel/plugin-packages.js';
import customChannel from '../../plugins/custom-channel/src/index.js';
import acme, { acmeEvents } from './fixtures/acme-crm.plugin.js';
import { probePlugin } from './support/probe-plugin.js';
import { kernelEngine, testEngines } from './support/engines.js';
import { Client, createTenant, createTestStore, describeEngines } from './support/test-app.js';

const text = (s: string) => ({ 'zh-CN': s, 'en-US': s });

const noGroups: GroupSource = { groups: () => Promise.resolve([]), listGroups: () => Promise.resolve([]) };
const noTags: TagSource = { tags: () => Promise.resolve([]), listTags: () => Promise.resolve([]) };

const emptyMetadata: MetadataSource = {
  describe: () =>
    Promise.resolve({ timeZone: 'UTC', contactFields: [], events: [], eventProperties: [], virtualEvents: [], lookups: [] }),
};

describe('the condition engine’s sources have one owner each', () => {
  it('refuses a second group source, tag source, metadata source and field mask source, naming the first owner', () => {
    const registry = new ContributionRegistry(new PermissionRegistry());
    registry.setGroupSource('groups', noGroups);
    registry.setTagSource('tags', noTags);
    registry.setMetadataSource('metadata', emptyMetadata);
    expect(() => registry.setGroupSource('other', noGroups)).toThrow(
      'Plugin "other": sets the group source, which "groups" already set',
    );
    expect(() => registry.setTagSource('other', noTags)).toThrow('Plugin "other": sets the tag source, which "tags" already set');
    expect(() => registry.setMetadataSource('other', emptyMetadata)).toThrow(
      'Plugin "other": sets the metadata source, which "metadata" already set',
    );
    expect(registry.metadataSource).toEqual({ pluginId: 'metadata', definition: emptyMetadata });
    // Which properties a caller sees masked (ADR 0069): the masking module's, one per server too.
    const noMasks: FieldMaskSource = { fieldAccess: () => Promise.resolve({ maskedField: () => undefined }) };
    registry.setFieldMaskSource('masking', noMasks);
    expect(() => registry.setFieldMaskSource('other', noMasks)).toThrow(
      'Plugin "other": sets the field mask source, which "masking" already set',
    );
    expect(registry.fieldMaskSource).toEqual({ pluginId: 'masking', definition: noMasks });
  });

  it('refuses a metadata source after start-up (the registry is frozen)', () => {
    const registry = new ContributionRegistry(new PermissionRegistry());
    registry.freeze();
    expect(() => registry.setMetadataSource('metadata', emptyMetadata)).toThrow('adds a metadata source after start-up');
  });

  it('keeps usage checks of groups and tags in registration order; each needs a kind, a catalogued code and users()', () => {
    const registry = new ContributionRegistry(new PermissionRegistry());
    const users = () => Promise.resolve([]);
    registry.addUsageCheck('groups', { kind: 'group', code: 'group_in_use', users });
    registry.addUsageCheck('tags', { kind: 'tag', code: 'tag_in_use_by_tag', users });
    expect(registry.usageChecks.map((check) => [check.pluginId, check.definition.code])).toEqual([
      ['groups', 'group_in_use'],
      ['tags', 'tag_in_use_by_tag'],
    ]);
    expect(() => registry.addUsageCheck('x', { kind: 'event' as never, code: 'group_in_use', users })).toThrow(
      'a usage check is of a group or a tag',
    );
    expect(() => registry.addUsageCheck('x', { kind: 'group', code: 'group_used_somewhere' as never, users })).toThrow(
      'usage check code "group_used_somewhere" is not in the error-message catalogue',
    );
    expect(() => registry.addUsageCheck('x', { kind: 'group', code: 'group_in_use', users: undefined as never })).toThrow(
      'a usage check needs users()',
    );
  });
});

const plugin = probePlugin;

const withChannel = (type: string) => (deps: any) =>
  deps.channels.addChannelType({ type, name: text(type), userIdTypes: [], customEvents: false });

/** A plugin whose only contribution is `migrations`. */
const migrating = (id: string, migrations: any[]) => plugin(id, (deps: any) => deps.oltp.addMigrations(migrations));

for (const engine of testEngines()) {
  async function refused(plugins: any[], options?: Record<string, Record<string, unknown>>): Promise<string> {
    try {
      const kernel = await startTestKernel({ plugins, options, engine: kernelEngine(engine) });
      await kernel.close();
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected the plugins to be refused');
  }

  describe(`plugin kernel refuses [${engine}]`, () => {
    it('a plugin whose core range does not include this core', async () => {
      expect(await refused([definePlugin({ ...plugin('old'), requires: { core: '^9.0.0' } })])).toBe(
        'Plugin "old": requires @huiliu/core ^9.0.0, but this is 0.1.0',
      );
    });

    it('a plugin that tries to set the condition engine’s group and tag versions (a core-module extension point)', async () => {
      const intruder = definePlugin({
        id: 'fake-groups',
        version: '1.0.0',
        requires: { core: '^0.1.0' },
        register({ registerInit }) {
          registerInit({
            deps: { conditions: conditionsExtensionPoint },
            init: ({ conditions }) => conditions.setGroupSource(noGroups),
          });
        },
      });
      expect(await refused([intruder])).toBe(
        'Plugin "fake-groups": asks for "conditions.memberships", an extension point of core modules',
      );
    });

    it('a plugin that tries to set the condition engine’s metadata (a core-module extension point)', async () => {
      const intruder = definePlugin({
        id: 'fake-metadata',
        version: '1.0.0',
        requires: { core: '^0.1.0' },
        register({ registerInit }) {
          registerInit({
            deps: { conditions: conditionsExtensionPoint },
            init: ({ conditions }) => conditions.setMetadataSource(emptyMetadata),
          });
        },
      });
      expect(await refused([intruder])).toBe(
        'Plugin "fake-metadata": asks for "conditions.memberships", an extension point of core modules',
      );
    });

    it('a plugin that tries to hold groups or tags from deletion (a core-module extension point)', async () => {
      const intruder = definePlugin({
        id: 'fake-usage',
        version: '1.0.0',
        requires: { core: '^0.1.0' },
        register({ registerInit }) {
          registerInit({
            deps: { conditions: conditionsExtensionPoint },
            init: ({ conditions }) =>
              conditions.addUsageCheck({ kind: 'group', code: 'group_in_use', users: () => Promise.resolve(['x']) }),
          });
        },
      });
      expect(await refused([intruder])).toBe(
        'Plugin "fake-usage": asks for "conditions.memberships", an extension point of core modules',
      );
    });

    it('a plugin that tries to name staff in operation log exports (a core-module extension point)', async () => {
      const intruder = definePlugin({
        id: 'fake-staff',
        version: '1.0.0',
        requires: { core: '^0.1.0' },
        register({ registerInit }) {
          registerInit({
            deps: { directory: auditStaffDirectoryExtensionPoint },
            init: ({ directory }) => directory.setStaffDirectory({ names: async () => new Map() }),
          });
        },
      });
      expect(await refused([intruder])).toBe(
        'Plugin "fake-staff": asks for "audit.staffDirectory", an extension point of core modules',
      );
    });

    it('an operation log operation declared twice, or on an object type nobody declared', async () => {
      const declaring = (id: string, operations: { objectType: string; operation: string }[]) =>
        definePlugin({
          id,
          version: '1.0.0',
          requires: { core: '^0.1.0' },
          register({ registerInit }) {
            registerInit({
              deps: { audit: auditExtensionPoint },
              init: ({ audit }) => audit.addOperations(operations.map((o) => ({ ...o, label: text(o.operation) }))),
            });
          },
        });
      expect(await refused([declaring('second-login', [{ objectType: 'staff', operation: 'login' }])])).toBe(
        'Plugin "second-login": operation "staff.login" is already registered by plugin "audit"',
      );
      expect(await refused([declaring('spaceships', [{ objectType: 'spaceship', operation: 'launch' }])])).toBe(
        'Plugin "spaceships": operation "spaceship.launch" is on unknown object type "spaceship"',
      );
    });

    it('a duplicate plugin id', async () => {
      expect(await refused([plugin('twin'), plugin('twin')])).toBe('Plugin "twin": is registered twice (duplicate plugin id)');
    });

    it('two plugins giving the same s_ property different types', async () => {
      // Each plugin's channel type lies in its namespace (its id): first-string, second-integer.
      const event = (code: string, type: string) => (deps: any) => {
        withChannel(`${code.split('_')[0]}-${type}`)(deps);
        deps.events.addEventType({
          code,
          name: text(code),
          channelType: `${code.split('_')[0]}-${type}`,
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
      await expect(expectPluginContract(broken, { engines: [kernelEngine(engine)] })).rejects.toThrow(/no_such_column/);
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
        await refused([
          plugin('a', undefined, { dependencies: { b: '*' } }),
          plugin('b', undefined, { dependencies: { a: '*' } }),
        ]),
      ).toMatch(/has a dependency cycle: a → b → a/);
    });

    it('invalid options, before init runs', async () => {
      acmeEvents.length = 0;
      expect(await refused([acme], { 'acme-crm': { pollMinutes: 1 } })).toBe(
        'Plugin "acme-crm": invalid options: "pollMinutes" must be greater than or equal to 5',
      );
      expect(acmeEvents).toEqual([]);
    });

    it('an event type of an unknown channel type and a channel owning an unknown user-ID type', async () => {
      const orphan = (deps: any) =>
        deps.events.addEventType({
          code: 'orphan_event',
          name: text('o'),
          channelType: 'orphan-nowhere',
          direction: 'inbound',
          properties: [],
        });
      expect(await refused([plugin('orphan', orphan)])).toBe(
        'Plugin "orphan": event type "orphan_event" belongs to unknown channel type "orphan-nowhere"',
      );
      const owner = (deps: any) =>
        deps.channels.addChannelType({ type: 'owner', name: text('o'), userIdTypes: ['ghost.id'], customEvents: false });
      expect(await refused([plugin('owner', owner)])).toBe(
        'Plugin "owner": channel type "owner" owns unknown user-ID type "ghost.id"',
      );
    });

    it('a plugin id that is a core module, a core table or a prefix of a core table', async () => {
      expect(await refused([plugin('staff')])).toBe('Plugin "staff": the id "staff" is reserved: it names a core module');
      expect(await refused([plugin('staff-session')])).toBe(
        'Plugin "staff-session": the id "staff-session" is reserved: it names the core table "staff_session"',
      );
      expect(await refused([plugin('task')])).toBe('Plugin "task": the id "task" is reserved: it names the core table "task"');
      expect(await refused([plugin('api')])).toMatch(/^Plugin "api": the id "api" is reserved/);
      expect(await refused([plugin('olap-schema')])).toBe(
        'Plugin "olap-schema": the id "olap-schema" is reserved: it names the core table "olap_schema"',
      );
      expect(await refused([plugin('stored')])).toBe(
        'Plugin "stored": the id "stored" is reserved: it is a prefix of the core table "stored_file"',
      );
    });

    it('blames the plugin registered second for an s_ type conflict, whatever the order or the path', async () => {
      const event = (code: string, type: string) => (deps: any) => {
        withChannel(code.replace(/_/g, '-'))(deps);
        deps.events.addEventType({
          code,
          name: text(code),
          channelType: code.replace(/_/g, '-'),
          direction: 'inbound',
          properties: [{ id: 's_level', name: text('level'), type }],
        });
      };
      const property = (type: string) => (deps: any) =>
        deps.events.addSystemProperty({ id: 's_level', name: text('level'), type });
      // Listed in the other order: the first listed registers first and the other one is blamed.
      expect(
        await refused([plugin('second', event('second_event', 'integer')), plugin('first', event('first_event', 'string'))]),
      ).toBe(
        'Plugin "first": event type "first_event": system property "s_level" is declared as string, but plugin "second" declared it as integer',
      );
      // A dependency makes "late" register after "early", although it is listed first.
      expect(
        await refused([
          plugin('late', property('integer'), { dependencies: { early: '*' } }),
          plugin('early', event('early_event', 'string')),
        ]),
      ).toBe('Plugin "late": system property "s_level" is declared as integer, but plugin "early" declared it as string');
      // The same type from several plugins is fine.
      const kernel = await startTestKernel({
        plugins: [plugin('one', event('one_event', 'string')), plugin('two', property('string'))],
        engine: kernelEngine(engine),
      });
      expect(kernel.app.kernel.contributions.systemProperties.get('s_level')).toMatchObject({ pluginId: 'one' });
      await kernel.close();
    });

    it('checks a plugin’s default dictionary: entries present, unique, within the limits, one owner per property', async () => {
      const dictionary =
        (entries: { value: string; label: string }[], property = 's_scene') =>
        (deps: any) =>
          deps.events.addDictionary({ target: 'event', property, entries });
      expect(await refused([plugin('dict', dictionary([]))])).toBe(
        'Plugin "dict": dictionary of event property "s_scene" has no entries',
      );
      expect(
        await refused([
          plugin(
            'dict',
            dictionary([
              { value: '1', label: 'a' },
              { value: '1', label: 'b' },
            ]),
          ),
        ]),
      ).toBe('Plugin "dict": dictionary of event property "s_scene" lists "1" twice');
      expect(await refused([plugin('dict', dictionary([{ value: '1', label: '' }]))])).toContain('the label of "1" is empty');
      expect(
        await refused([
          plugin('one', dictionary([{ value: '1', label: 'a' }])),
          plugin('two', dictionary([{ value: '2', label: 'b' }])),
        ]),
      ).toBe('Plugin "two": dictionary "event:s_scene" is already registered by plugin "one"');
    });

    it('a plugin redefining a core error code or one without both languages', async () => {
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
  });
}

describe('plugin packages', () => {
  function fakePackage(root: string, name: string, manifest: Record<string, unknown> | undefined, code: string) {
    const dir = path.join(root, 'node_modules', ...name.split('/'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name, version: '1.0.0', type: 'module', main: 'index.js', ...(manifest ? { huiliu: manifest } : {}) }),
    );
    writeFileSync(path.join(dir, 'index.js'), code);
  }
  const helloCode = (id: string, core = '^0.1.0') =>
    `export default { $$type: '@huiliu/Plugin', id: '${id}', version: '1.0.0', requires: { core: '${core}' }, register({ registerInit }) { registerInit({ deps: {}, init() {} }); } };`;

  it('loads the four first-party plugins by default and the others only when config names their package', () => {
    expect(requestedPluginPackages({})).toEqual([
      { key: 'wechat', packageName: '@huiliu/plugin-wechat', firstParty: true },
      { key: 'miniprogram', packageName: '@huiliu/plugin-miniprogram', firstParty: true },
      { key: 'custom-channel', packageName: '@huiliu/plugin-custom-channel', firstParty: true },
      { key: 'jinshuju', packageName: '@huiliu/plugin-jinshuju', firstParty: true },
    ]);
    const requests = requestedPluginPackages({
      'acme-crm': { package: '@acme/huiliu-plugin-crm' },
      customChannel: { package: '@fork/custom-channel' },
      jinshuju: {},
    });
    expect(requests.filter((r) => !r.firstParty)).toEqual([
      { key: 'custom-channel', packageName: '@fork/custom-channel', firstParty: false },
      { key: 'acme-crm', packageName: '@acme/huiliu-plugin-crm', firstParty: false },
    ]);
  });

  it('looks a package up by its name only: another installed plugin package is never loaded', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'huiliu-packages-'));
    fakePackage(root, 'huiliu-plugin-hello', { pluginId: 'hello', requires: { core: '^0.1.0' } }, helloCode('hello'));
    fakePackage(root, 'huiliu-plugin-stowaway', { pluginId: 'stowaway', requires: { core: '^0.1.0' } }, 'throw new Error("ran")');
    const nested = path.join(root, 'deep', 'er');
    mkdirSync(nested, { recursive: true });
    // Found from a sub-directory, as Node resolves `import 'huiliu-plugin-hello'`.
    expect(findPluginPackage('huiliu-plugin-hello', [nested])).toMatchObject({ pluginId: 'hello', requiresCore: '^0.1.0' });
    expect(findPluginPackage('huiliu-plugin-missing', [nested])).toBeUndefined();

    const store = await createTestStore('sqlite');
    const previous = process.cwd();
    process.chdir(root);
    try {
      const app = await store.open({
        overrides: {
          loadPluginPackages: true,
          plugins: {
            hello: { enabled: true, options: {}, package: 'huiliu-plugin-hello' },
            wechat: { enabled: false, options: {} },
            miniprogram: { enabled: false, options: {} },
            'custom-channel': { enabled: false, options: {} },
            jinshuju: { enabled: false, options: {} },
          },
        },
      });
      expect(app.kernel.list().map((p) => [p.id, p.source, p.packageName])).toEqual([
        ['core', 'builtin', null],
        ['hello', 'package', 'huiliu-plugin-hello'],
      ]);
      await app.stop();
      // A configured package that is not installed, or that is another plugin, stops start-up.
      await expect(
        store.open({
          overrides: {
            loadPluginPackages: true,
            plugins: { ghost: { enabled: true, options: {}, package: 'huiliu-plugin-ghost' } },
          },
        }),
      ).rejects.toThrow(/^Plugin "ghost": package huiliu-plugin-ghost is not installed/);
      await expect(
        store.open({
          overrides: {
            loadPluginPackages: true,
            plugins: { other: { enabled: true, options: {}, package: 'huiliu-plugin-hello' } },
          },
        }),
      ).rejects.toThrow('Plugin "other": package huiliu-plugin-hello is the plugin "hello", not "other"');
    } finally {
      process.chdir(previous);
      await store.drop();
    }
  });

  it('checks the core range of package.json before importing, and that the plugin declares it nowhere else', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'huiliu-packages-'));
    fakePackage(
      root,
      '@acme/huiliu-plugin-future',
      { pluginId: 'future', requires: { core: '^3.0.0' } },
      'throw new Error("plugin code ran")',
    );
    fakePackage(root, 'not-a-plugin', undefined, 'throw new Error("ran")');
    fakePackage(root, 'huiliu-plugin-liar', { pluginId: 'liar', requires: { core: '^0.1.0' } }, helloCode('hello'));
    fakePackage(root, 'huiliu-plugin-twice', { pluginId: 'twice', requires: { core: '^0.1.0' } }, helloCode('twice', '>=0.1.0'));
    const future = findPluginPackage('@acme/huiliu-plugin-future', [root])!;
    expect(future).toMatchObject({ packageName: '@acme/huiliu-plugin-future', requiresCore: '^3.0.0' });
    await expect(importPluginPackage(future, '0.1.0')).rejects.toThrow(
      'Plugin "future": package @acme/huiliu-plugin-future requires @huiliu/core ^3.0.0, but this is 0.1.0',
    );
    expect(() => findPluginPackage('not-a-plugin', [root])).toThrow(
      /is not a Huiliu plugin: its package.json has no huiliu.pluginId/,
    );
    await expect(importPluginPackage(findPluginPackage('huiliu-plugin-liar', [root])!, '0.1.0')).rejects.toThrow(
      'declares huiliu.pluginId "liar" but its plugin id is "hello"',
    );
    await expect(importPluginPackage(findPluginPackage('huiliu-plugin-twice', [root])!, '0.1.0')).rejects.toThrow(
      'package huiliu-plugin-twice declares huiliu.requires.core "^0.1.0" but definePlugin says ">=0.1.0"',
    );
  });

  it('finds the four first-party plugins installed in the workspace, each declaring its core range once', () => {
    for (const [id, name] of [
      ['wechat', '@huiliu/plugin-wechat'],
      ['miniprogram', '@huiliu/plugin-miniprogram'],
      ['custom-channel', '@huiliu/plugin-custom-channel'],
      ['jinshuju', '@huiliu/plugin-jinshuju'],
    ]) {
      const manifest = findPluginPackage(name!, [process.cwd()]);
      expect(manifest).toMatchObject({ pluginId: id, requiresCore: '^0.1.0' });
    }
    expect(customChannel.requires.core).toBe(findPluginPackage('@huiliu/plugin-custom-channel', [process.cwd()])!.requiresCore);
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
      { engine: 'sqlite', up: ['acme_crm__note'], downLeftTables: [] },
      { engine: 'mysql', up: ['acme_crm__note'], downLeftTables: [] },
    ]);
  });

  it.each(testEngines())('is started after the server and stopped with it, and every service resolves [%s]', async (engine) => {
    acmeEvents.length = 0;
    const kernel = await startTestKernel({ plugins: [acme], engine: kernelEngine(engine) });
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
  it('answers 4xx for domain errors made by a second copy of core (recognised by brand, not instanceof)', async () => {
    const { createTestApp } = await import('./support/test-app.js');
    const { errorsExtensionPoint, httpExtensionPoint } = await import('@huiliu/core/plugin-api');
    // What a plugin bundling its own @huiliu/core throws: other classes, the same global brand.
    class CopiedDomainError extends Error {
      constructor(
        readonly code: string,
        readonly statusCode: number,
        readonly params: Record<string, unknown> = {},
        readonly details?: { path: string; code: string }[],
      ) {
        super(code);
        (this as unknown as Record<symbol, boolean>)[Symbol.for('huiliu.DomainError')] = true;
      }
    }
    const bundled = definePlugin({
      id: 'bundled',
      version: '1.0.0',
      requires: { core: '^0.1.0' },
      register({ registerInit }) {
        registerInit({
          deps: { http: httpExtensionPoint, errors: errorsExtensionPoint },
          init({ http, errors }) {
            errors.addErrorMessages({ bundled_name_taken: { 'zh-CN': '名称 {name} 已被使用', 'en-US': 'Name {name} is taken' } });
            const fail = (error: Error) => () => {
              throw error;
            };
            http.addRoutes([
              {
                method: 'GET',
                path: '/missing',
                permission: 'authenticated',
                handler: fail(new CopiedDomainError('not_found', 404)),
              },
              {
                method: 'GET',
                path: '/taken',
                permission: 'authenticated',
                handler: fail(
                  new CopiedDomainError('bundled_name_taken', 409, { name: 'x' }, [{ path: 'name', code: 'bundled_name_taken' }]),
                ),
              },
              // Looks like one, but carries no brand: an ordinary failure.
              {
                method: 'GET',
                path: '/lookalike',
                permission: 'authenticated',
                handler: fail(Object.assign(new Error('x'), { code: 'not_found', statusCode: 404 })),
              },
            ]);
          },
        });
      },
    });
    const app = await createTestApp(ctx.engine, {}, { plugins: [bundled] });
    try {
      const tenant = await createTenant(app);
      const client = await Client.staff(app.server, tenant.email, tenant.password);
      expect((await client.request('GET', '/api/v1/p/bundled/missing')).body).toMatchObject({
        statusCode: 404,
        code: 'not_found',
      });
      expect((await client.request('GET', '/api/v1/p/bundled/taken')).body).toMatchObject({
        statusCode: 409,
        code: 'bundled_name_taken',
        message: '名称 x 已被使用',
        details: [{ path: 'name', code: 'bundled_name_taken' }],
      });
      expect((await client.request('GET', '/api/v1/p/bundled/lookalike')).body).toMatchObject({
        statusCode: 500,
        code: 'internal_error',
      });
    } finally {
      await app.close();
    }
  });

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
        permissions: ['acme.view', 'acme.edit'],
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

describeEngines(
  'plugin database service',
  (ctx) => {
    const database = (pluginId: string) => ctx.app.kernel.resolveService('core.database', pluginId) as any;

    it('confines a plugin to its own tables, within a tenant and across tenants', async () => {
      const acmeDb = database('acme-crm');
      await expect(acmeDb.findAcrossTenants('staff', { id: 1 })).rejects.toThrow(
        'Plugin "acme-crm": may use only its own tables ("acme_crm__…"), not "staff"',
      );
      expect(await acmeDb.findAcrossTenants('acme_crm__note', { id: 999 })).toBeUndefined();
      const tenant = await createTenant(ctx.app);
      expect(() => acmeDb.forTenant(tenant.tenantId).from('staff')).toThrow('may use only its own tables');
      await expect(acmeDb.forTenant(tenant.tenantId).insert('channel', { name: 'x' })).rejects.toThrow(
        'may use only its own tables',
      );
      expect(await acmeDb.forTenant(tenant.tenantId).from('acme_crm__note')).toEqual([]);
    });

    it('keeps a plugin in its tables and its tenant through the builder: no later from(), join, clearWhere or or-condition escapes', async () => {
      const mine = await createTenant(ctx.app);
      const other = await createTenant(ctx.app);
      const acmeDb = database('acme-crm');
      const theirs = await acmeDb
        .forTenant(other.tenantId)
        .insert('acme_crm__note', { body: 'secret', created_at: 1, updated_at: 1 });
      const db = acmeDb.forTenant(mine.tenantId);
      expect(() => db.from('acme_crm__note').from('staff')).toThrow('from("staff") would switch to another table');
      expect(() => db.from('acme_crm__note').join('staff', 'staff.id', 'acme_crm__note.id')).toThrow(
        'Plugin "acme-crm": may use only its own tables ("acme_crm__…"), not "staff"',
      );
      expect(() => db.from('acme_crm__note').leftJoin('staff_session as s', 's.id', 'acme_crm__note.id')).toThrow(
        'may use only its own tables',
      );
      expect(() => db.from('acme_crm__note').joinRaw('join staff on 1 = 1')).toThrow('joinRaw() cannot be checked');
      expect(() => db.from('acme_crm__note').clearWhere()).toThrow('clearWhere() would remove the tenant condition');
      expect(await db.from('acme_crm__note').where('acme_crm__note.id', -1).orWhere('acme_crm__note.id', theirs)).toEqual([]);
    });

    it("keeps a plugin whose id prefixes another plugin out of that plugin's tables", async () => {
      // `custom` and `custom-channel`: with the old `<id>_` prefix, custom could reach custom_channel_app.
      const tenant = await createTenant(ctx.app);
      const custom = database('custom');
      expect(() => custom.forTenant(tenant.tenantId).from('custom_channel__app')).toThrow(
        'Plugin "custom": may use only its own tables ("custom__…"), not "custom_channel__app"',
      );
      await expect(custom.findAcrossTenants('custom_channel__app', { write_key: 'x' })).rejects.toThrow(
        'may use only its own tables ("custom__…")',
      );
      expect(() => custom.forTenant(tenant.tenantId).from('custom__')).toThrow('may use only its own tables');
      // The longer id is not confused either.
      expect(() => database('custom-channel').forTenant(tenant.tenantId).from('custom__notes')).toThrow(
        'Plugin "custom-channel": may use only its own tables ("custom_channel__…"), not "custom__notes"',
      );
    });
  },
  // custom-channel's namespace is `custom`: the plugin `custom` takes another, its tables are what is tested.
  { plugins: [acme, customChannel, plugin('custom', undefined, { namespace: 'custom-probe' })] },
);

/** A table, a column and an index a plugin may not touch, and a table of its own. */
const rogueMigrations = {
  unprefixed: {
    name: '0001_unprefixed',
    up: (knex: any) => knex.schema.createTable('contacts_hijack', (t: any) => t.increments()),
    down: (knex: any) => knex.schema.dropTableIfExists('contacts_hijack'),
  },
  ownThenForeign: {
    name: '0001_own_then_foreign',
    up: async (knex: any) => {
      await knex.schema.createTable('rogue__ok', (t: any) => t.increments());
      await knex.schema.createTable('rogue_legacy_looking', (t: any) => t.increments());
    },
    // A careless down() that forgets the foreign table: the kernel drops it anyway.
    down: (knex: any) => knex.schema.dropTableIfExists('rogue__ok'),
  },
  alterCore: {
    name: '0001_alter_core',
    up: (knex: any) => knex.schema.alterTable('channel', (t: any) => t.string('hijack', 16)),
    down: async () => {},
  },
  indexCore: {
    name: '0001_index_core',
    up: (knex: any) => knex.schema.alterTable('staff', (t: any) => t.index(['name'], 'staff_name_hijack')),
    down: async () => {},
  },
  otherPlugin: {
    name: '0001_other_plugin',
    up: (knex: any) => knex.schema.createTable('custom_channel__spy', (t: any) => t.increments()),
    down: (knex: any) => knex.schema.dropTableIfExists('custom_channel__spy'),
  },
};

describe.each(testEngines())('plugin migrations [%s]', (engine) => {
  let store: Awaited<ReturnType<typeof createTestStore>> | undefined;
  afterEach(async () => {
    await store?.drop();
    store = undefined;
  });

  /** Starts twice on one store: refused both times, leaving the schema as the other plugins made it. */
  async function refusedOnEveryStart(rogue: any, innocent: any[] = []) {
    const plugins = [...innocent, rogue];
    store = await createTestStore(engine);
    const baseline = await store.open({ plugins: innocent });
    const before = await baseline.oltp.describeSchema();
    await baseline.stop();
    const messages: string[] = [];
    for (let start = 0; start < 2; start += 1) {
      const error = await store.open({ plugins }).then(
        async (app) => {
          await app.stop();
          return undefined;
        },
        (e: Error) => e,
      );
      expect(error, `start ${start + 1} must be refused`).toBeInstanceOf(Error);
      messages.push(error!.message);
    }
    const check = await store.open({ plugins: innocent });
    try {
      const after = await check.oltp.describeSchema();
      const shape = (snapshot: typeof before) =>
        [...snapshot]
          .filter(([name]) => !name.endsWith('__migrations') && !name.endsWith('__migrations_lock'))
          .map(([name, s]) => [name, [...s.columns.keys()].sort(), [...s.details].sort()]);
      expect(shape(after)).toEqual(shape(before));
      const table = `${rogue.id.replace(/-/g, '_')}__migrations`;
      if (await check.oltp.knex.schema.hasTable(table)) expect(await check.oltp.knex(table).select('name')).toEqual([]);
    } finally {
      await check.stop();
    }
    return messages;
  }

  it('refuses and rolls back a migration creating an unprefixed table, on every start', async () => {
    const messages = await refusedOnEveryStart(migrating('rogue', [rogueMigrations.unprefixed]));
    expect(messages).toEqual([
      'Plugin "rogue": migration "0001_unprefixed" was refused and rolled back: it created table "contacts_hijack" — a plugin\'s tables must start with "rogue__" and it may not change other tables',
      'Plugin "rogue": migration "0001_unprefixed" was refused and rolled back: it created table "contacts_hijack" — a plugin\'s tables must start with "rogue__" and it may not change other tables',
    ]);
  });

  it('undoes the whole refused migration, its own tables too, even when its down() forgets something', async () => {
    const [message] = await refusedOnEveryStart(migrating('rogue', [rogueMigrations.ownThenForeign]));
    expect(message).toMatch(
      /^Plugin "rogue": migration "0001_own_then_foreign" was refused and rolled back: it created table "rogue_legacy_looking"/,
    );
    expect(message).not.toContain('could not be undone');
  });

  it('refuses and rolls back a migration adding a column or an index to a core table', async () => {
    const [column] = await refusedOnEveryStart(migrating('rogue', [rogueMigrations.alterCore]));
    expect(column).toMatch(/it altered table "channel" \(added column hijack/);
    expect(column).not.toContain('could not be undone');
    store = (await store!.drop(), undefined);
    const [index] = await refusedOnEveryStart(migrating('rogue', [rogueMigrations.indexCore]));
    expect(index).toMatch(/it altered table "staff" \(changed indexes, keys or triggers\)/);
    expect(index).not.toContain('could not be undone');
  });

  it("refuses a plugin creating a table with another plugin's prefix (custom vs custom-channel)", async () => {
    // custom-channel's namespace is `custom`: the spy takes another one, so only its table is in question.
    const spy = definePlugin({ ...migrating('custom', [rogueMigrations.otherPlugin]), namespace: 'custom-spy' });
    const [message] = await refusedOnEveryStart(spy, [customChannel]);
    expect(message).toMatch(
      /^Plugin "custom": migration "0001_other_plugin" was refused and rolled back: it created table "custom_channel__spy"/,
    );
  });

  it('keeps migrations that pass, and names a failing one with what it said', async () => {
    store = await createTestStore(engine);
    const good = {
      name: '0001_good',
      up: (knex: any) => knex.schema.createTable('tidy__item', (t: any) => t.increments()),
      down: (knex: any) => knex.schema.dropTableIfExists('tidy__item'),
    };
    const broken = {
      name: '0002_broken',
      up: async (knex: any) => {
        await knex.schema.createTable('tidy__half', (t: any) => t.increments());
        throw new Error('upstream schema missing');
      },
      down: (knex: any) => knex.schema.dropTableIfExists('tidy__half'),
    };
    await expect(store.open({ plugins: [migrating('tidy', [good, broken])] })).rejects.toThrow(
      'Plugin "tidy": migration "0002_broken" failed and was rolled back: upstream schema missing',
    );
    const app = await store.open({ plugins: [migrating('tidy', [good])] });
    try {
      expect(await app.oltp.knex.schema.hasTable('tidy__item')).toBe(true);
      expect(await app.oltp.knex.schema.hasTable('tidy__half')).toBe(false);
      expect((await app.oltp.knex('tidy__migrations').select('name')).map((r: any) => r.name)).toEqual(['0001_good']);
    } finally {
      await app.stop();
    }
  });
});

it('lists every table core creates, and none of them contains the plugin separator __', async () => {
  const store = await createTestStore('sqlite');
  try {
    const app = await store.open();
    const tables = (await app.oltp.listTables()).filter((t) => !t.startsWith('sqlite_'));
    await app.stop();
    expect(tables.sort()).toEqual([...coreTables].sort());
    expect(coreTables.filter((t) => t.includes('__'))).toEqual([]);
  } finally {
    await store.drop();
  }
});
