import type { RequestRoute } from '@hapi/hapi';
import { kernelServices } from '../src/kernel/services.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attackerData,
  examplePayloads,
  globalTables,
  paramFixtures,
  tablesWithoutVictimRows,
  victimData,
  WithQuery,
  type FixtureContext,
} from './support/tenant-fixtures.js';
import { allPlugins } from './support/plugins.js';
import { dataTables, identifiersOf, snapshotDiff, snapshotTenant, spreadIdRanges, valuesIn } from './support/tenant-snapshot.js';
import { Client, createTenant, createTestApp, type TenantFixture, type TestApp } from './support/test-app.js';
import { testEngines } from './support/engines.js';

/**
 * The tenancy rule, checked on every route at once: another tenant's staff (and its Open API app,
 * where a route admits apps) replays every API route — reads and writes, with and without ids —
 * and the victim's rows in every OLTP table stay exactly as they were, no response names a victim
 * id, and every route naming a victim id answers 404.
 */
for (const engine of testEngines())
  describe(`tenant isolation: every route replayed by another tenant [${engine}]`, () => {
    // Every route: core's and every plugin's (first-party and the fixture third-party plugin).
    const ctx = {} as { app: TestApp };
    beforeAll(async () => {
      ctx.app = await createTestApp(engine, {}, { plugins: allPlugins });
      await spreadIdRanges(ctx.app.oltp);
    });
    afterAll(async () => {
      await ctx.app?.close();
    });

    it('leaves the victim’s data unchanged and unseen, and answers 404 for every victim id', async () => {
      const { app } = ctx;
      const shapes = await dataTables(app.oltp);

      // 1. The victim and every fixture, all built before anything is replayed.
      const marker = `victim${Date.now()}`;
      const victim = await createTenant(app, { name: `tenant-${marker}` });
      const victimClient = await Client.staff(app.server, victim.email, victim.password);
      const fixture: FixtureContext = { app, tenant: victim, client: victimClient, marker };
      const ids = new Map<string, string>();
      for (const [param, build] of Object.entries(paramFixtures)) ids.set(param, await build(fixture));
      for (const build of victimData) await build(fixture);

      // 2. The attacker tenant: its super staff (every permission, so no 403 hides a leak) and an app.
      const attacker = await createTenant(app);
      const attackerStaff = await Client.staff(app.server, attacker.email, attacker.password);
      const created = (await attackerStaff.request('POST', '/api/v1/apps', { name: 'attacker' })).body;
      const token = (
        await new Client(app.server).request('POST', '/api/v1/auth/token', {
          appKey: created.app.appKey,
          appSecret: created.appSecret,
        })
      ).body.accessToken as string;
      const attackerApp = Client.app(app.server, token);
      for (const build of attackerData) await build({ app, client: attackerStaff });

      // 3. The victim's rows in every table, and what identifies them.
      const problems: string[] = [];
      for (const { table, columns } of shapes) {
        if (table !== 'tenant' && !columns.includes('tenant_id') && !(table in globalTables))
          problems.push(`table ${table} has no tenant_id: add a tenant_id or list it in globalTables with the reason`);
      }
      const before = await snapshotTenant(app.oltp, victim.tenantId, shapes);
      for (const [table, rows] of Object.entries(before)) {
        if (rows.length === 0 && !(table in tablesWithoutVictimRows))
          problems.push(`the victim has no row in ${table}: add a fixture to test/support/tenant-fixtures.ts`);
      }
      const victimIds = identifiersOf(before, [victim.tenantId, ...ids.values()]);

      // 4. Every API route, as each attacker caller the route admits.
      const routes = app.server
        .table()
        // Public and integration routes take no session or token to replay: an integration route's
        // tenant comes from its plugin's auth strategy (a signature), not from the caller (ADR 0042).
        .filter(
          (route) =>
            /^\/(api\/|v1\/)/.test(route.path) &&
            !['public', 'integration'].includes(route.settings.plugins?.huiliu?.permission ?? ''),
        )
        // Signing out last keeps the attacker's session for the other routes.
        .sort((a, b) => Number(a.path === '/api/v1/auth/logout') - Number(b.path === '/api/v1/auth/logout'));
      const appPermissions = ctx.app.service(kernelServices.permissions).forApp();
      appPermissions.add('authenticated');
      const replayed: string[] = [];
      for (const route of routes) {
        const key = `${route.method.toUpperCase()} ${route.path}`;
        const callers = route.settings.plugins!.huiliu!.callers ?? 'staff';
        const as: [string, () => Client][] = [];
        if (callers !== 'app') as.push(['staff', () => attackerStaff]);
        // An app is replayed only on routes its permissions reach (a refusal by permission is no leak).
        if (callers !== 'staff' && appPermissions.has(route.settings.plugins!.huiliu!.permission))
          as.push(['app', () => attackerApp]);
        for (const [who, caller] of as) {
          const problem = await replay(route, caller(), { ids, victimIds, marker });
          if (problem) problems.push(`${key} as the attacker's ${who}: ${problem}`);
          replayed.push(`${key} as ${who}`);
          // A write may have ended the attacker's session (logout): sign in again.
          if (who === 'staff' && route.method !== 'get') await relogin(attackerStaff, attacker);
        }
      }

      // 5. Nothing of the victim changed.
      const after = await snapshotTenant(app.oltp, victim.tenantId, shapes);
      problems.push(...snapshotDiff(before, after).map((d) => `the victim's data changed: ${d}`));
      expect(problems).toEqual([]);

      // The replay really covered reads and writes, with and without ids, for both kinds of caller.
      expect(replayed).toEqual(
        expect.arrayContaining([
          'GET /api/v1/staff/{staffId} as staff',
          'GET /api/v1/p/acme-crm/notes/{noteId} as staff',
          'PATCH /api/v1/p/custom-channel/apps/{customAppId} as app',
          'GET /api/v1/files/{fileId} as app',
          'POST /api/v1/notifications/{notificationId}/read as staff',
          'POST /api/v1/notifications/read-all as staff',
          'PATCH /api/v1/tenant as staff',
          'POST /api/v1/tasks/{taskId}/cancel as staff',
          'GET /api/v1/tasks/{taskId} as app',
          'DELETE /api/v1/channels/{channelId} as staff',
          'DELETE /api/v1/apps/{appId} as staff',
          'GET /api/v1/channels as app',
          'GET /api/v1/contacts/{contactId} as app',
          'PATCH /api/v1/contacts/{contactId} as app',
          'GET /api/v1/contacts/{contactId}/events as app',
          'POST /api/v1/contacts/batch-get as app',
          'GET /api/v1/plugins as staff',
        ]),
      );
      expect(before.notification!.some((row) => JSON.parse(row).read_at === null)).toBe(true);
      expect(before.task!.some((row) => JSON.parse(row).status === 'queued')).toBe(true);
    });
  });

/** Replays one route as `caller`; returns what went wrong, if anything. */
async function replay(
  route: RequestRoute,
  caller: Client,
  victim: { ids: Map<string, string>; victimIds: Set<string>; marker: string },
): Promise<string | undefined> {
  const key = `${route.method.toUpperCase()} ${route.path}`;
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  let url = route.path;
  for (const param of params) {
    const id = victim.ids.get(param);
    if (!id) return `no fixture for route parameter {${param}}: add one to test/support/tenant-fixtures.ts`;
    url = url.replace(`{${param}}`, id);
  }
  if (route.settings.validate?.payload && !(key in examplePayloads))
    return 'no example payload: add one to test/support/tenant-fixtures.ts';
  const example = examplePayloads[key];
  let payload = typeof example === 'function' ? await (example as (caller: Client) => Promise<unknown>)(caller) : example;
  if (payload instanceof WithQuery) {
    url = `${url}?${new URLSearchParams(payload.query).toString()}`;
    payload = payload.payload;
  }
  const res = await caller.request(route.method.toUpperCase(), url, payload);

  if (params.length > 0) {
    if (res.statusCode !== 404 || !/(^|_)not_found$/.test(String(res.body?.code)))
      return `answered ${res.statusCode} ${JSON.stringify(res.body).slice(0, 200)} for the victim's ids instead of 404 *_not_found`;
    return undefined;
  }
  // No id: the route acts on the caller's own tenant. It must really run…
  if (res.statusCode >= 300) return `answered ${res.statusCode} ${JSON.stringify(res.body).slice(0, 200)}`;
  // …and show nothing of the victim.
  if (typeof res.body === 'string' ? res.body.includes(victim.marker) : JSON.stringify(res.body ?? null).includes(victim.marker))
    return `its answer contains the victim's marker`;
  const leaked = [...valuesIn(res.body)].filter((value) => victim.victimIds.has(value));
  if (leaked.length) return `its answer contains the victim's ids or keys ${JSON.stringify(leaked)}`;
  return undefined;
}

async function relogin(client: Client, staff: TenantFixture): Promise<void> {
  if ((await client.request('GET', '/api/v1/auth/session')).statusCode === 200) return;
  const res = await client.request('POST', '/api/v1/auth/login', { email: staff.email, password: staff.password });
  if (res.statusCode !== 200) throw new Error(`the attacker could not sign in again: ${res.statusCode}`);
}
