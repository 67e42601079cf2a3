import { expect, it } from 'vitest';
import { kernelServices } from '../src/kernel/services.js';
import { AUTHENTICATED, INTEGRATION, PUBLIC } from '../src/kernel/permissions.js';
import { allPlugins } from './support/plugins.js';
import { Client, createTenant, describeEngines, multipart } from './support/test-app.js';

let sequence = 0;

/**
 * The permission rule, checked on every registered route at once: for each permission a route
 * declares, a staff member whose role holds every other configurable right — but not that one —
 * gets 403 `forbidden` from every route declaring it, and a staff member holding just that right
 * gets past the check (whatever the route answers next). Super-only routes are refused to a normal
 * staff member holding everything a role can hold.
 */
describeEngines(
  'route permissions: every route refuses a role without its permission',
  (ctx) => {
    it('answers 403 on every route whose permission the caller’s roles lack', async () => {
      const { app } = ctx;
      const registry = app.service(kernelServices.permissions);
      const tenant = await createTenant(app);
      const admin = await Client.staff(app.server, tenant.email, tenant.password);
      const catalog = (await admin.request('GET', '/api/v1/permissions')).body as {
        matrix: { id: string; fixed: boolean }[];
        extra: { id: string; fixed: boolean }[];
      };
      const configurable = [...catalog.matrix, ...catalog.extra].filter((row) => !row.fixed).map((row) => row.id);

      const staffWith = async (permissions: string[]): Promise<Client> => {
        sequence += 1;
        const role = await admin.request('POST', '/api/v1/roles', { name: `sweep-${sequence}`, permissions });
        expect(role.statusCode, JSON.stringify(role.body)).toBe(201);
        const email = `sweep.${process.pid}.${Date.now()}.${sequence}@example.com`;
        const staff = await admin.request('POST', '/api/v1/staff', {
          email,
          name: 'sweep',
          password: 'Sweep-pass-1',
          roleIds: [role.body.id],
        });
        expect(staff.statusCode, JSON.stringify(staff.body)).toBe(201);
        return Client.staff(app.server, email, 'Sweep-pass-1');
      };

      const routes = app.server
        .table()
        .filter((route) => /^\/(api\/|v1\/)/.test(route.path))
        .map((route) => ({
          key: `${route.method.toUpperCase()} ${route.path}`,
          method: route.method.toUpperCase(),
          // Any id: the permission is checked before the parameters are validated or looked up.
          url: route.path.replace(/\{(\w+)\??\}/g, '1'),
          permission: route.settings.plugins!.huiliu!.permission,
          callers: route.settings.plugins!.huiliu!.callers ?? 'staff',
          // Upload routes take multipart bodies only: send one, so the media type is not what refuses.
          multipartOnly: [route.settings.payload?.allow ?? 'application/json']
            .flat()
            .every((type) => String(type).startsWith('multipart/')),
        }));
      const byPermission = new Map<string, typeof routes>();
      const skipped: string[] = [];
      for (const route of routes) {
        const definition = registry.get(route.permission);
        // Integration routes hold no role permission: a plugin's auth strategy admits the caller (ADR 0042).
        if ([PUBLIC, AUTHENTICATED, INTEGRATION].includes(route.permission) || definition?.fixed) {
          skipped.push(`${route.key} (${route.permission})`);
          continue;
        }
        // Open API-only rights are held by apps, never by a role; such routes admit no console session.
        if (definition?.appOnly) {
          expect(route.callers, route.key).toBe('app');
          continue;
        }
        byPermission.set(route.permission, [...(byPermission.get(route.permission) ?? []), route]);
      }

      const answers = async (client: Client, route: (typeof routes)[number]) => {
        const body = ['GET', 'DELETE'].includes(route.method)
          ? undefined
          : route.multipartOnly
            ? multipart({ filename: 'x.csv', content: 'a\n1\n' })
            : {};
        const res = await client.request(route.method, route.url, body);
        return { status: res.statusCode, code: (res.body as { code?: string } | null)?.code };
      };

      const everything = await staffWith(configurable);
      const problems: string[] = [];
      const checked: string[] = [];
      for (const [permission, permissionRoutes] of byPermission) {
        const definition = registry.get(permission)!;
        let without: Client;
        let holder: Client | undefined;
        if (definition.superOnly) {
          without = everything;
        } else {
          if (!configurable.includes(permission)) {
            problems.push(`${permission}: declared by a route but not configurable in a role`);
            continue;
          }
          // Every other right, except those that would bring this one with them (linked rights).
          without = await staffWith(configurable.filter((id) => id !== permission && !registry.close([id]).has(permission)));
          holder = await staffWith([permission]);
        }
        for (const route of permissionRoutes) {
          const refused = await answers(without, route);
          if (refused.status !== 403 || refused.code !== 'forbidden')
            problems.push(`${route.key} without ${permission}: ${refused.status} ${refused.code}`);
          if (holder) {
            const passed = await answers(holder, route);
            if (passed.code === 'forbidden') problems.push(`${route.key} with ${permission}: still forbidden`);
          }
          checked.push(route.key);
        }
      }
      expect(problems).toEqual([]);
      // The sweep really covered the console's guarded routes.
      expect(checked).toEqual(
        expect.arrayContaining([
          'GET /api/v1/staff',
          'POST /api/v1/roles',
          'PUT /api/v1/roles/{roleId}/members',
          'POST /api/v1/apps',
          'DELETE /api/v1/channels/{channelId}',
          'POST /api/v1/contacts/merge-candidates/{candidateId}/accept',
          'POST /api/v1/tasks/{taskId}/cancel',
          'PATCH /api/v1/tenant',
          'GET /api/v1/plugins',
        ]),
      );
      expect(checked.length).toBeGreaterThan(40);
      expect(skipped.length).toBeGreaterThan(0);
    });
  },
  { plugins: allPlugins },
);
