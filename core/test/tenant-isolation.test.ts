import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examplePayloads, paramFixtures } from './support/tenant-fixtures.js';
import { allPlugins } from './support/plugins.js';
import { Client, createTenant, createTestApp, type TestApp } from './support/test-app.js';
import { testEngines } from './support/engines.js';

for (const engine of testEngines())
  describe(`tenant isolation: every route replayed with another tenant’s ids [${engine}]`, () => {
    // Every route: core's and every plugin's (first-party and the fixture third-party plugin).
    const ctx = {} as { app: TestApp };
    beforeAll(async () => {
      ctx.app = await createTestApp(engine, {}, { plugins: allPlugins });
    });
    afterAll(async () => {
      await ctx.app?.close();
    });

    it('answers 404 for every route with a parameter and leaks nothing in lists', async () => {
      const marker = `victim${Date.now()}`;
      const victim = await createTenant(ctx.app, { name: `tenant-${marker}` });
      const victimClient = await Client.staff(ctx.app.server, victim.email, victim.password);
      const attacker = await createTenant(ctx.app);
      const attackerClient = await Client.staff(ctx.app.server, attacker.email, attacker.password);
      // An Open API app of the attacker's own tenant, for routes callable by bearer tokens.
      const attackerApp = (await attackerClient.request('POST', '/api/v1/apps', { name: 'attacker' })).body;
      const token = (
        await new Client(ctx.app.server).request('POST', '/api/v1/auth/token', {
          appKey: attackerApp.app.appKey,
          appSecret: attackerApp.appSecret,
        })
      ).body.accessToken;
      const attackerBearer = Client.app(ctx.app.server, token);

      const routes = ctx.app.server
        .table()
        .filter((route) => route.path.startsWith('/api/') && route.settings.plugins?.huiliu?.permission !== 'public');
      expect(routes.length).toBeGreaterThan(5);

      const ids = new Map<string, string>();
      const replayed: string[] = [];
      for (const route of routes) {
        const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
        const key = `${route.method.toUpperCase()} ${route.path}`;
        const callers = route.settings.plugins!.huiliu!.callers ?? 'staff';
        const caller = callers === 'app' ? attackerBearer : attackerClient;
        if (params.length === 0) {
          if (route.method !== 'get') continue;
          const res = await caller.request('GET', route.path);
          expect(res.statusCode, key).toBeLessThan(500);
          expect(JSON.stringify(res.body), `${key} leaks the other tenant's data`).not.toContain(marker);
          replayed.push(key);
          continue;
        }
        let url = route.path;
        for (const param of params) {
          const build = paramFixtures[param];
          if (!build)
            throw new Error(`No fixture for route parameter {${param}} of ${key}: add one to test/support/tenant-fixtures.ts`);
          if (!ids.has(param)) ids.set(param, await build({ app: ctx.app, tenant: victim, client: victimClient, marker }));
          url = url.replace(`{${param}}`, ids.get(param)!);
        }
        const hasPayloadSchema = Boolean(route.settings.validate?.payload);
        if (hasPayloadSchema && !(key in examplePayloads)) {
          throw new Error(`No example payload for ${key}: add one to test/support/tenant-fixtures.ts`);
        }
        const res = await caller.request(route.method.toUpperCase(), url, examplePayloads[key]);
        expect(res.statusCode, `${key} as another tenant`).toBe(404);
        expect(res.body.code, key).toMatch(/_not_found$|^not_found$/);
        replayed.push(key);
      }
      expect(replayed.length).toBeGreaterThan(5);
      expect(replayed).toEqual(
        expect.arrayContaining([
          'GET /api/v1/staff/{staffId}',
          'GET /api/v1/p/acme-crm/notes/{noteId}',
          'PATCH /api/v1/p/custom-channel/apps/{customAppId}',
          'GET /api/v1/files/{fileId}',
          'POST /api/v1/notifications/{notificationId}/read',
          'POST /api/v1/tasks/{taskId}/cancel',
          'DELETE /api/v1/channels/{channelId}',
          'GET /api/v1/plugins',
        ]),
      );

      // The victim's objects are untouched.
      const app = await victimClient.request('GET', `/api/v1/apps/${ids.get('appId')}`);
      expect(app.body).toMatchObject({ name: `app-${marker}`, status: 'enabled' });
    });
  });
