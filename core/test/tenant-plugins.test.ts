import { expect, it } from 'vitest';
import { adminPlugins, pluginsUninstallReport, type AdminPluginsInput } from '../src/cli/commands.js';
import { buildUninstallReport, formatUninstallReport } from '../src/cli/uninstall-report.js';
import type { PluginTasks } from '../src/kernel/services.js';
import { appsServiceRef } from '../src/modules/apps/apps.service.js';
import { pluginEnablementRef } from '../src/modules/tenant-plugins/plugin-enablement.js';
import { ledgerRuns, tenantPluginFixtures } from './fixtures/tenant-plugins.fixtures.js';
import { sampleDeclaration } from './olap/support.js';
import { staffMember } from './support/staff.js';
import { Client, createTenant, describeEngines, type TestApp } from './support/test-app.js';

/**
 * Per-tenant plugin enablement and the uninstall report (ADR 0041): platform operators switch
 * plugins with `huiliu admin plugins` (the command functions are called directly, on the app's
 * store, as a second process would); tenant staff only see the result.
 */
describeEngines(
  'per-tenant plugin enablement',
  (ctx) => {
    const printed: string[] = [];

    /** `huiliu admin plugins …` on the app's store; the app then forgets its cache (else it sees it within 5 s). */
    async function operator(input: AdminPluginsInput) {
      const states = await adminPlugins(ctx.app.config, input, {
        plugins: tenantPluginFixtures,
        print: (line) => printed.push(line),
      });
      ctx.app.service(pluginEnablementRef).forget();
      return states;
    }

    const disable = (tenant: string, pluginId: string) => operator({ action: 'disable', tenant, pluginId, by: 'ops@test' });
    const enable = (tenant: string, pluginId: string) => operator({ action: 'enable', tenant, pluginId, by: 'ops@test' });
    /** Disables the ledger for a tenant (its dependant first, as the rules want). */
    const disableLedger = async (tenant: string) => {
      await disable(tenant, 'ledger-reports');
      await disable(tenant, 'ledger');
    };
    const enableLedger = async (tenant: string) => {
      await enable(tenant, 'ledger');
      await enable(tenant, 'ledger-reports');
    };

    async function tenantWithAdmin(app: TestApp) {
      const tenant = await createTenant(app);
      return { tenant, client: await Client.staff(app.server, tenant.email, tenant.password) };
    }

    async function appToken(client: Client): Promise<string> {
      const created = (await client.request('POST', '/api/v1/apps', { name: 'erp' })).body;
      const issued = await new Client(ctx.app.server).request('POST', '/api/v1/auth/token', {
        appKey: created.app.appKey,
        appSecret: created.appSecret,
      });
      return issued.body.accessToken as string;
    }

    it('refuses an unknown tenant, an unknown plugin and core, saying which', async () => {
      const { tenant } = await tenantWithAdmin(ctx.app);
      await expect(operator({ action: 'list', tenant: '999999999' })).rejects.toThrow(/Tenant not found \(--tenant 999999999\)/);
      await expect(operator({ action: 'list', tenant: 'acme' })).rejects.toThrow(/Tenant not found/);
      await expect(disable(tenant.tenantId, 'nothing-here')).rejects.toThrow(
        'There is no plugin nothing-here (it is not installed, or it is disabled in the configuration). Installed plugins: ledger, ledger-reports, premium.',
      );
      await expect(disable(tenant.tenantId, 'core')).rejects.toThrow('core is always enabled; it cannot be disabled or switched');
      await expect(disable('999999999', 'ledger-reports')).rejects.toThrow(/Tenant not found/);
      expect(await ctx.app.oltp.knex('tenant_plugin').where({ tenant_id: tenant.tenantId })).toEqual([]);
    });

    it('lists each plugin for a tenant; a licensed add-on is off until an operator enables it, for that tenant only', async () => {
      const a = await tenantWithAdmin(ctx.app);
      const b = await tenantWithAdmin(ctx.app);
      printed.length = 0;
      const states = await operator({ action: 'list', tenant: a.tenant.tenantId });
      expect(states.map((s) => [s.pluginId, s.enabled, s.source])).toEqual([
        ['ledger', true, 'default'],
        ['ledger-reports', true, 'default'],
        ['premium', false, 'default'],
      ]);
      expect(printed.join('\n')).toMatch(/premium\s+2\.0\.0\s+disabled\s+\(default: off until enabled \(licensed add-on\)\)/);

      const hello = await a.client.request('GET', '/api/v1/p/premium/hello');
      expect(hello.statusCode).toBe(403);
      expect(hello.body).toMatchObject({
        code: 'plugin_disabled',
        message: '插件 premium 未对本租户启用，如需使用请联系平台管理员',
      });
      const before = (await a.client.request('GET', '/api/v1/plugins')).body.items;
      expect(before.find((p: { id: string }) => p.id === 'core')).toMatchObject({ enabledForTenant: true, defaultEnabled: true });
      expect(before.find((p: { id: string }) => p.id === 'premium')).toMatchObject({
        enabledForTenant: false,
        defaultEnabled: false,
      });

      printed.length = 0;
      const [state] = await enable(a.tenant.tenantId, 'premium');
      expect(state).toMatchObject({ pluginId: 'premium', enabled: true, source: 'operator', changedBy: 'ops@test' });
      expect(printed[0]).toMatch(
        new RegExp(
          `^Enabled plugin premium for tenant ${a.tenant.tenantId} ".*" \\(running servers and workers apply it within 5 s\\)\\.$`,
        ),
      );
      expect((await a.client.request('GET', '/api/v1/p/premium/hello')).body).toEqual({ hello: true });
      const after = (await a.client.request('GET', '/api/v1/plugins')).body.items;
      expect(after.find((p: { id: string }) => p.id === 'premium').enabledForTenant).toBe(true);
      // Another tenant still does not have it.
      expect((await b.client.request('GET', '/api/v1/p/premium/hello')).body.code).toBe('plugin_disabled');
      // Switching it again changes nothing, and says so.
      printed.length = 0;
      await enable(a.tenant.tenantId, 'premium');
      expect(printed[0]).toMatch(/^Plugin premium was already enabled for tenant \d+/);
    });

    it('keeps the dependency rules: a plugin an enabled plugin needs stays on; a dependant needs its dependencies on', async () => {
      const { tenant } = await tenantWithAdmin(ctx.app);
      await expect(disable(tenant.tenantId, 'ledger')).rejects.toThrow(
        'The plugin ledger cannot be disabled: the plugins ledger-reports, enabled for this tenant, depend on it; disable them first',
      );
      await disableLedger(tenant.tenantId);
      await expect(enable(tenant.tenantId, 'ledger-reports')).rejects.toThrow(
        'The plugin ledger-reports cannot be enabled: the plugins it depends on, ledger, are not enabled for this tenant; enable them first',
      );
      await enableLedger(tenant.tenantId);
      expect(
        (await operator({ action: 'list', tenant: tenant.tenantId })).filter((s) => s.enabled).map((s) => s.pluginId),
      ).toEqual(['ledger', 'ledger-reports']);
      // A dependant switched on while its dependency is off (rows written by hand, or an older release):
      // it counts as disabled, and says why.
      await ctx.app.oltp
        .knex('tenant_plugin')
        .where({ tenant_id: tenant.tenantId, plugin_id: 'ledger' })
        .update({ enabled: false });
      ctx.app.service(pluginEnablementRef).forget();
      const states = await operator({ action: 'list', tenant: tenant.tenantId });
      expect(states.find((s) => s.pluginId === 'ledger-reports')).toMatchObject({
        setting: true,
        enabled: false,
        blockedBy: ['ledger'],
      });
      expect(await ctx.app.service(pluginEnablementRef).isEnabled(tenant.tenantId, 'ledger-reports')).toBe(false);
    });

    it('hides its channel types and refuses new channels; existing ones stay listed, renamable and deletable — in that tenant only', async () => {
      const a = await tenantWithAdmin(ctx.app);
      const b = await tenantWithAdmin(ctx.app);
      const c = await tenantWithAdmin(ctx.app);
      const first = await a.client.request('POST', '/api/v1/channels', { type: 'ledger', name: '总账', channelKey: 'L001' });
      expect(first.statusCode).toBe(201);
      const second = await a.client.request('POST', '/api/v1/channels', { type: 'ledger', name: '分账', channelKey: 'L002' });
      await disableLedger(a.tenant.tenantId);
      await disableLedger(c.tenant.tenantId);

      const typesA = (await a.client.request('GET', '/api/v1/channel-types')).body.items;
      expect(typesA.find((t: { type: string }) => t.type === 'ledger')).toMatchObject({
        available: false,
        manual: null,
        pluginId: 'ledger',
        count: 2,
        name: { 'zh-CN': '账簿' },
      });
      // No channel of it left: not listed at all.
      const typesC = (await c.client.request('GET', '/api/v1/channel-types')).body.items;
      expect(typesC.map((t: { type: string }) => t.type)).not.toContain('ledger');
      const typesB = (await b.client.request('GET', '/api/v1/channel-types')).body.items;
      expect(typesB.find((t: { type: string }) => t.type === 'ledger')).toMatchObject({
        available: true,
        manual: { keyLabel: {} },
      });

      const refused = await a.client.request('POST', '/api/v1/channels', { type: 'ledger', name: '新账', channelKey: 'L003' });
      expect(refused.statusCode).toBe(403);
      expect(refused.body.code).toBe('plugin_disabled');
      expect(
        (await b.client.request('POST', '/api/v1/channels', { type: 'ledger', name: 'B 账', channelKey: 'L003' })).statusCode,
      ).toBe(201);

      const listed = (await a.client.request('GET', '/api/v1/channels?type=ledger')).body;
      expect(listed.items.map((ch: { name: string; typeAvailable: boolean }) => [ch.name, ch.typeAvailable]).sort()).toEqual(
        [
          ['总账', false],
          ['分账', false],
        ].sort(),
      );
      const renamed = await a.client.request('PATCH', `/api/v1/channels/${first.body.id}`, { name: '总账（停用）' });
      expect(renamed.statusCode).toBe(200);
      expect(renamed.body).toMatchObject({ typeAvailable: false, deletable: true });
      expect((await a.client.request('DELETE', `/api/v1/channels/${second.body.id}`)).statusCode).toBe(204);

      // Enabled again: the type is back, the channel kept, creation works.
      await enableLedger(a.tenant.tenantId);
      const back = (await a.client.request('GET', `/api/v1/channels/${first.body.id}`)).body;
      expect(back).toMatchObject({ name: '总账（停用）', typeAvailable: true });
      expect(
        (await a.client.request('POST', '/api/v1/channels', { type: 'ledger', name: '新账', channelKey: 'L003' })).statusCode,
      ).toBe(201);
    });

    it('answers its routes 403 plugin_disabled for staff and apps of that tenant only; its public routes ask for themselves', async () => {
      const a = await tenantWithAdmin(ctx.app);
      const b = await tenantWithAdmin(ctx.app);
      expect((await a.client.request('POST', '/api/v1/p/ledger/entries', { memo: '开账' })).statusCode).toBe(201);
      const tokenA = await appToken(a.client);
      const appA = Client.app(ctx.app.server, tokenA);
      expect((await appA.request('GET', '/api/v1/p/ledger/entries')).body).toEqual({ items: ['开账'] });

      await disableLedger(a.tenant.tenantId);
      const staffRes = await a.client.request('GET', '/api/v1/p/ledger/entries');
      expect(staffRes.statusCode).toBe(403);
      expect(staffRes.body).toMatchObject({ code: 'plugin_disabled', params: { plugin: 'ledger' } });
      a.client.language = 'en-US';
      expect((await a.client.request('POST', '/api/v1/p/ledger/rebuild', {})).body.message).toBe(
        'The plugin ledger is not enabled for this tenant; ask your platform operator to enable it',
      );
      // Refused before the payload is validated: a bad payload still hears why.
      expect((await a.client.request('POST', '/api/v1/p/ledger/entries', {})).body.code).toBe('plugin_disabled');
      expect((await a.client.request('GET', '/api/v1/p/ledger-reports/summary')).body.code).toBe('plugin_disabled');
      expect((await appA.request('GET', '/api/v1/p/ledger/entries')).body.code).toBe('plugin_disabled');
      const hook = await new Client(ctx.app.server).request('POST', `/api/v1/p/ledger/webhook/${a.tenant.tenantId}`, {});
      expect(hook.statusCode).toBe(403);
      expect(hook.body.code).toBe('plugin_disabled');

      // Tenant B is not affected.
      expect((await b.client.request('GET', '/api/v1/p/ledger/entries')).statusCode).toBe(200);
      expect((await b.client.request('GET', '/api/v1/p/ledger-reports/summary')).statusCode).toBe(200);
      const hookB = await new Client(ctx.app.server).request('POST', `/api/v1/p/ledger/webhook/${b.tenant.tenantId}`, {});
      expect(hookB.body).toEqual({ accepted: true, enabled: true });

      // Enabled again: everything answers, and the data written before is there.
      await enableLedger(a.tenant.tenantId);
      expect((await a.client.request('GET', '/api/v1/p/ledger/entries')).body).toEqual({ items: ['开账'] });
      expect((await appA.request('GET', '/api/v1/p/ledger/entries')).statusCode).toBe(200);
    });

    it('grants its permissions to nobody of that tenant, hides them in the role editor, and keeps them in roles', async () => {
      const a = await tenantWithAdmin(ctx.app);
      const b = await tenantWithAdmin(ctx.app);
      const setUp = async (admin: Client, tenantId: string) => {
        const role = (await admin.request('POST', '/api/v1/roles', { name: '记账员', permissions: ['ledger.edit'] })).body;
        const member = await staffMember(ctx.app, tenantId);
        expect((await admin.request('PUT', `/api/v1/roles/${role.id}/members`, { staffIds: [member.staffId] })).statusCode).toBe(
          200,
        );
        return {
          role,
          member: await Client.staff(ctx.app.server, member.email, member.password),
          signIn: () => Client.staff(ctx.app.server, member.email, member.password),
        };
      };
      const inA = await setUp(a.client, a.tenant.tenantId);
      const inB = await setUp(b.client, b.tenant.tenantId);
      const session = async (client: Client) => (await client.request('GET', '/api/v1/auth/session')).body;
      expect((await session(inA.member)).permissions).toEqual(expect.arrayContaining(['ledger.edit', 'ledger.view']));
      expect((await session(inA.member)).disabledPlugins).toEqual(['premium']);
      const tokenA = await appToken(a.client);
      expect((await ctx.app.service(appsServiceRef).principalForToken(tokenA))?.permissions.has('ledger.view')).toBe(true);

      await disableLedger(a.tenant.tenantId);
      const member = await session(inA.member);
      expect(member.permissions.filter((p: string) => p.startsWith('ledger'))).toEqual([]);
      expect(member.disabledPlugins).toEqual(['ledger', 'ledger-reports', 'premium']);
      expect((await session(a.client)).permissions.filter((p: string) => p.startsWith('ledger'))).toEqual([]);
      expect((await ctx.app.service(appsServiceRef).principalForToken(tokenA))?.permissions.has('ledger.view')).toBe(false);
      const catalog = (await a.client.request('GET', '/api/v1/permissions')).body;
      expect(catalog.extra.map((row: { id: string }) => row.id)).not.toContain('ledger.view');
      expect(catalog.extra.map((row: { id: string }) => row.id)).toContain('tasks.cancel');
      const refused = await a.client.request('POST', '/api/v1/roles', { name: '新记账员', permissions: ['ledger.view'] });
      expect(refused.statusCode).toBe(400);
      expect(refused.body.code).toBe('permission_not_assignable');
      // (Changing the role's rights signs its members out: they sign in again below.)
      // Saving the role from the editor (which does not show them) keeps its ledger rights.
      const saved = await a.client.request('PATCH', `/api/v1/roles/${inA.role.id}`, { permissions: ['tasks.cancel'] });
      expect(saved.statusCode).toBe(200);
      expect(saved.body.permissions).toEqual(['ledger.edit', 'ledger.view', 'tasks.cancel']);

      // Tenant B keeps everything.
      expect((await session(inB.member)).permissions).toEqual(expect.arrayContaining(['ledger.edit', 'ledger.view']));
      expect((await b.client.request('GET', '/api/v1/permissions')).body.extra.map((row: { id: string }) => row.id)).toContain(
        'ledger.view',
      );

      await enableLedger(a.tenant.tenantId);
      expect((await session(await inA.signIn())).permissions).toEqual(
        expect.arrayContaining(['ledger.edit', 'ledger.view', 'tasks.cancel']),
      );
    });

    it('fires its schedules and runs its tasks only for tenants it is enabled for', async () => {
      // The fixture records runs of every app in this process: the other engine's tenants may have the same ids.
      ledgerRuns.length = 0;
      const a = await tenantWithAdmin(ctx.app);
      const b = await tenantWithAdmin(ctx.app);
      const nightly = async (tenantId: string) =>
        ctx.app.oltp.forTenant(tenantId).from('task').where('task.schedule_key', 'ledger:nightly').select('task.status');
      const runsOf = (tenantId: string, what: 'schedule' | 'task') =>
        ledgerRuns.filter((run) => run.tenantId === tenantId && run.what === what).length;

      // Firings made while it was enabled everywhere, disabled for A before they run: A's are skipped.
      const now = Date.now() + 86_400_000;
      await ctx.app.jobs.scheduler.tick(now);
      expect((await nightly(a.tenant.tenantId)).length).toBeGreaterThan(0);
      await disableLedger(a.tenant.tenantId);
      await ctx.app.jobs.queue.enqueue(a.tenant.tenantId, 'ledger.rebuild', {});
      await ctx.app.jobs.queue.enqueue(b.tenant.tenantId, 'ledger.rebuild', {});
      while ((await ctx.app.jobs.worker.poll()) > 0);
      expect(runsOf(a.tenant.tenantId, 'schedule')).toBe(0);
      expect(runsOf(b.tenant.tenantId, 'schedule')).toBeGreaterThan(0);
      expect(runsOf(a.tenant.tenantId, 'task')).toBe(0);
      expect(runsOf(b.tenant.tenantId, 'task')).toBe(1);
      const rebuildA = await ctx.app.jobs.queue.list(a.tenant.tenantId, { kind: 'ledger.rebuild', page: 1, pageSize: 10 });
      expect(rebuildA.items[0]).toMatchObject({ status: 'failed', error: { code: 'plugin_disabled', retryable: false } });
      // The plugin cannot queue work there either.
      const tasks = ctx.app.kernel.resolveService('core.tasks', 'ledger') as PluginTasks;
      await expect(tasks.enqueue(a.tenant.tenantId, 'ledger.rebuild', {})).rejects.toMatchObject({ code: 'plugin_disabled' });

      // Later firings: none for A, B's as usual.
      const firedA = (await nightly(a.tenant.tenantId)).length;
      const firedB = (await nightly(b.tenant.tenantId)).length;
      await ctx.app.jobs.scheduler.tick(now + 10 * 60_000);
      expect((await nightly(a.tenant.tenantId)).length).toBe(firedA);
      expect((await nightly(b.tenant.tenantId)).length).toBeGreaterThan(firedB);

      // Enabled again: it fires and runs for A too.
      await enableLedger(a.tenant.tenantId);
      await ctx.app.jobs.scheduler.tick(now + 20 * 60_000);
      while ((await ctx.app.jobs.worker.poll()) > 0);
      expect(runsOf(a.tenant.tenantId, 'schedule')).toBeGreaterThan(0);
    });

    it('reports what a plugin leaves behind: tables and rows per tenant, channels, accounts, events, relations, secrets, role grants', async () => {
      const a = await tenantWithAdmin(ctx.app);
      const b = await tenantWithAdmin(ctx.app);
      const A = a.tenant.tenantId;
      const B = b.tenant.tenantId;
      await a.client.request('POST', '/api/v1/p/ledger/entries', { memo: 'a1' });
      await a.client.request('POST', '/api/v1/p/ledger/entries', { memo: 'a2' });
      await b.client.request('POST', '/api/v1/p/ledger/entries', { memo: 'b1' });
      const channel = (await a.client.request('POST', '/api/v1/channels', { type: 'ledger', name: '账', channelKey: 'L100' }))
        .body;
      const now = Date.now();
      await ctx.app.oltp.forTenant(A).insert('channel_account', {
        channel_id: channel.id,
        id_type: 'ledger.accountNo',
        user_id: 'ACC-1',
        contact_id: '1',
        created_at: now,
        updated_at: now,
      });
      const role = (await a.client.request('POST', '/api/v1/roles', { name: '看账', permissions: ['ledger.view'] })).body;
      await ctx.app.jobs.queue.enqueue(B, 'ledger.rebuild', {});
      const olapB = ctx.app.olap.forTenant(B);
      if (!(await olapB.schema())) await olapB.declare(sampleDeclaration());
      await olapB.load({
        batchId: `ledger-${B}`,
        events: ['e1', 'e2'].map((messageId) => ({
          eventTime: now,
          event: 'ledger_entry',
          contactId: '1',
          messageId,
          direction: 'inbound' as const,
        })),
      });
      await disableLedger(A);

      const report = await buildUninstallReport(ctx.app, 'ledger');
      expect(report).toMatchObject({ pluginId: 'ledger', loaded: true, version: '1.0.0', dependants: ['ledger-reports'] });
      const entry = report.tables.find((t) => t.name === 'ledger__entry')!;
      expect(entry.byTenant).toMatchObject({ [A]: 2, [B]: 1 });
      expect(report.tables.map((t) => t.name)).toEqual(expect.arrayContaining(['ledger__migrations', 'ledger__migrations_lock']));
      expect(report.migrations).toEqual({ table: 'ledger__migrations', applied: ['0001_ledger_entry'] });
      expect(
        report.sealedSecrets.find((s) => s.table === 'ledger__entry' && s.column === 'api_token')?.count,
      ).toBeGreaterThanOrEqual(3);
      expect(report.switches.filter((s) => s.tenantId === A)).toEqual([
        expect.objectContaining({ enabled: false, changedBy: 'ops@test' }),
      ]);
      expect(report.channelTypes.find((c) => c.type === 'ledger')?.byTenant[A]).toBe(1);
      expect(report.userIdTypes).toEqual([
        expect.objectContaining({ id: 'ledger.accountNo', byTenant: expect.objectContaining({ [A]: 1 }) }),
      ]);
      expect(report.eventTypes).toEqual([
        { code: 'ledger_entry', events: expect.objectContaining({ byTenant: expect.objectContaining({ [B]: 2 }) }) },
      ]);
      expect(report.eventTypes[0]!.events!.byTenant[A]).toBeUndefined();
      expect(report.olapRelations).toEqual([{ name: 'ledger_balances', rows: expect.objectContaining({ total: 0 }) }]);
      expect(report.permissions.find((p) => p.id === 'ledger.view')?.roles).toContainEqual({
        tenantId: A,
        roleId: role.id,
        name: '看账',
      });
      expect(report.taskKinds.find((k) => k.kind === 'ledger.rebuild')?.byTenant[B]).toBeGreaterThanOrEqual(1);
      expect(report.schedules).toEqual(['ledger:nightly']);
      expect(report.olapProblems).toEqual([]);
      const text = formatUninstallReport(report).join('\n');
      expect(text).toContain('DROP TABLE ledger__entry;');
      expect(text).toContain("DELETE FROM tenant_plugin WHERE plugin_id = 'ledger';");
      expect(text).toContain(`tenant ${A}: 2`);

      // Nothing changed: the data is all still there.
      expect((await ctx.app.oltp.knex('ledger__entry').whereIn('tenant_id', [A, B])).length).toBe(3);
    });

    it('reports a plugin that is not loaded by its table prefix only, and refuses an id that cannot be a plugin', async () => {
      const report = await buildUninstallReport(ctx.app, 'gone-plugin');
      expect(report).toMatchObject({
        loaded: false,
        version: null,
        tables: [],
        migrations: null,
        channelTypes: [],
        eventTypes: [],
      });
      expect(formatUninstallReport(report).join('\n')).toContain('Not loaded by this installation');
      await expect(pluginsUninstallReport(ctx.app.config, { pluginId: 'core' })).rejects.toThrow('There is no plugin core');
      await expect(pluginsUninstallReport(ctx.app.config, { pluginId: 'Not_An_Id' })).rejects.toThrow(
        'There is no plugin Not_An_Id',
      );
    });
  },
  { plugins: tenantPluginFixtures },
);
