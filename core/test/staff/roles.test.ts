import { expect, it } from 'vitest';
import { rolesTenant } from './support.js';
import { channelsServiceRef } from '../../src/modules/channels/channels.service.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { Client, createTenant, describeEngines } from '../support/test-app.js';

describeEngines(
  'roles and staff management (seed §1.11.4.5–§1.11.4.6)',
  (ctx) => {
    it('grants a staff member the union of their roles plus the fixed rights, read afresh on every request', async () => {
      const { admin, role, member } = await rolesTenant(ctx.app);
      const apps = await role('私有App', ['settings.privateApps']);
      const tasks = await role('任务', ['tasks.cancel']);
      // Fixed rights are implied, not stored; linked rights are stored closed.
      expect(apps.permissions).toEqual(['settings.privateApps']);
      const staff = await member([apps.id, tasks.id]);
      const client = await staff.login();
      const session = await client.request('GET', '/api/v1/auth/session');
      expect(session.body.staff).toMatchObject({ isSuper: false, roleIds: [apps.id, tasks.id].sort() });
      expect(session.body.permissions).toEqual(
        expect.arrayContaining([
          'settings.privateApps',
          'tasks.cancel',
          'contacts.view',
          'connections.view',
          'metadata.view',
          'settings.shortLinks',
        ]),
      );
      expect(session.body.permissions).not.toContain('staff.manage');
      expect((await client.request('GET', '/api/v1/apps')).statusCode).toBe(200);
      // 高级设置 is super staff's alone.
      expect((await client.request('GET', '/api/v1/staff')).statusCode).toBe(403);
      expect((await client.request('GET', '/api/v1/roles')).statusCode).toBe(403);
      expect((await client.request('POST', '/api/v1/roles', { name: 'x', permissions: [] })).body.code).toBe('forbidden');
      const list = await admin.request('GET', '/api/v1/roles');
      expect(list.body.find((r: { id: string }) => r.id === apps.id).memberIds).toEqual([staff.id]);
    });

    it('ends the members’ sessions when a role’s rights change, it is disabled or deleted — and deleting strips it', async () => {
      const { admin, role, member } = await rolesTenant(ctx.app);
      const apps = await role('私有App', ['settings.privateApps']);
      const other = await role('其他', ['tasks.cancel']);
      const staff = await member([apps.id, other.id]);
      let client = await staff.login();
      // A rename changes no rights: the session stays.
      expect((await admin.request('PATCH', `/api/v1/roles/${apps.id}`, { name: '私有应用' })).statusCode).toBe(200);
      expect((await client.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);
      // Rights taken away: signed out at once, and the new sign-in holds the new rights.
      expect((await admin.request('PATCH', `/api/v1/roles/${apps.id}`, { permissions: [] })).statusCode).toBe(200);
      expect((await client.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);
      client = await staff.login();
      expect((await client.request('GET', '/api/v1/apps')).statusCode).toBe(403);
      // Disabled role: grants nothing.
      await admin.request('PATCH', `/api/v1/roles/${apps.id}`, { permissions: ['settings.privateApps'] });
      await admin.request('PATCH', `/api/v1/roles/${apps.id}`, { status: 'disabled' });
      client = await staff.login();
      expect((await client.request('GET', '/api/v1/apps')).statusCode).toBe(403);
      expect((await client.request('GET', '/api/v1/auth/session')).body.permissions).toContain('tasks.cancel');
      // Deleted role: its members no longer hold it.
      expect((await admin.request('DELETE', `/api/v1/roles/${other.id}`)).statusCode).toBe(204);
      expect((await client.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);
      expect((await admin.request('GET', `/api/v1/staff/${staff.id}`)).body.roleIds).toEqual([apps.id]);
      expect((await admin.request('GET', `/api/v1/roles/${other.id}`)).statusCode).toBe(404);
    });

    it('sets a role’s members and signs out whoever gained or lost it', async () => {
      const { admin, role, member, tenant } = await rolesTenant(ctx.app);
      const base = await role('基础', ['tasks.cancel']);
      const apps = await role('私有App', ['settings.privateApps']);
      const a = await member([base.id]);
      const b = await member([base.id]);
      const clientA = await a.login();
      const clientB = await b.login();
      const res = await admin.request('PUT', `/api/v1/roles/${apps.id}/members`, { staffIds: [a.id] });
      expect(res.statusCode).toBe(200);
      expect(res.body.memberIds).toEqual([a.id]);
      expect((await clientA.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);
      expect((await clientB.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);
      expect((await (await a.login()).request('GET', '/api/v1/apps')).statusCode).toBe(200);
      // Super staff hold every right without roles; other tenants' staff are unknown here.
      const superStaff = await admin.request('PUT', `/api/v1/roles/${apps.id}/members`, { staffIds: [tenant.staffId] });
      expect(superStaff.statusCode).toBe(400);
      expect(superStaff.body.code).toBe('staff_not_found');
      const stranger = await createTenant(ctx.app);
      const foreign = await admin.request('PUT', `/api/v1/roles/${apps.id}/members`, { staffIds: [a.id, stranger.staffId] });
      expect(foreign.body).toMatchObject({ code: 'staff_not_found', details: [{ path: 'staffIds.1', code: 'staff_not_found' }] });
      expect((await admin.request('GET', `/api/v1/roles/${apps.id}`)).body.memberIds).toEqual([a.id]);
    });

    it('validates roles: unique names, known and assignable rights, linked rights closed', async () => {
      const { admin, role } = await rolesTenant(ctx.app);
      await role('运营', ['connections.edit']);
      const taken = await admin.request('POST', '/api/v1/roles', { name: '运营', permissions: [] });
      expect(taken.statusCode).toBe(409);
      expect(taken.body.code).toBe('role_name_taken');
      const unknown = await admin.request('POST', '/api/v1/roles', { name: 'a', permissions: ['contacts.fly'] });
      expect(unknown.body).toMatchObject({ code: 'permission_unknown', details: [{ path: 'permissions.0' }] });
      for (const id of ['staff.manage', 'tenant.edit', 'contacts.read']) {
        const refused = await admin.request('POST', '/api/v1/roles', { name: `b-${id}`, permissions: ['tasks.cancel', id] });
        expect(refused.statusCode, id).toBe(400);
        expect(refused.body).toMatchObject({ code: 'permission_not_assignable', details: [{ path: 'permissions.1' }] });
      }
      // Rows of modules not installed yet (journeys) are not configurable either.
      const absent = await admin.request('POST', '/api/v1/roles', { name: 'c', permissions: ['journeys.view'] });
      expect(absent.body.code).toBe('permission_not_assignable');
      // Fixed rights may be named (the editor shows them ticked) and are not stored.
      const fixed = await role('d', ['contacts.view', 'connections.delete']);
      expect(fixed.permissions).toEqual(['connections.delete']);
    });

    it('shows WeChat rows only once the tenant has an official account, and closes their links', async () => {
      const { tenant, admin, role } = await rolesTenant(ctx.app);
      const before = (await admin.request('GET', '/api/v1/permissions')).body;
      const menus = (rows: { menu: { 'zh-CN': string } }[]) => [...new Set(rows.map((row) => row.menu['zh-CN']))];
      expect(menus(before.matrix)).toEqual(['仪表盘', '用户', '群组', '用户标签', '报表分析', '连接管理', '元数据管理', '设置']);
      expect(before.matrix.find((row: { id: string }) => row.id === 'settings.privateApps')).toBeTruthy();
      expect(before.extra.map((row: { id: string }) => row.id)).toContain('tasks.cancel');
      expect(before.extra.map((row: { id: string }) => row.id)).not.toContain('staff.manage');
      const refused = await admin.request('POST', '/api/v1/roles', { name: 'w', permissions: ['wechat.massSend'] });
      expect(refused.body.code).toBe('permission_not_assignable');

      await ctx.app
        .service(channelsServiceRef)
        .register(tenant.tenantId, { type: 'wechat', name: '服务号', channelKey: `wx${Date.now()}` }, null);
      const after = (await admin.request('GET', '/api/v1/permissions')).body;
      expect(after.matrix.filter((row: { menu: { 'zh-CN': string } }) => row.menu['zh-CN'] === '微信营销')).toHaveLength(13);
      const wechat = await role('微信', ['wechat.massSend', 'wechatReports.delete']);
      expect(wechat.permissions).toEqual(['wechat.massSend', 'wechatReports.delete', 'wechatReports.view']);
      // Presets hold only what this tenant can configure.
      const viewer = after.presets.find((preset: { key: string }) => preset.key === 'viewer');
      expect(viewer.permissions).toContain('wechatReports.view');
      expect(viewer.permissions).toContain('reports.view');
      expect(viewer.permissions).not.toContain('journeys.view');
    });

    it('adds, edits, disables, resets and deletes normal staff; super staff are protected', async () => {
      const { admin, role, member, tenant } = await rolesTenant(ctx.app);
      const apps = await role('私有App', ['settings.privateApps']);
      const noRole = await admin.request('POST', '/api/v1/staff', {
        email: 'x@example.com',
        name: 'x',
        password: 'Member-pass-1',
        roleIds: [],
      });
      expect(noRole.body).toMatchObject({ code: 'staff_role_required', details: [{ path: 'roleIds' }] });
      const stranger = await createTenant(ctx.app);
      const strangerRole = await (
        await Client.staff(ctx.app.server, stranger.email, stranger.password)
      ).request('POST', '/api/v1/roles', {
        name: '外部',
        permissions: [],
      });
      const foreignRole = await admin.request('POST', '/api/v1/staff', {
        email: 'y@example.com',
        name: 'y',
        password: 'Member-pass-1',
        roleIds: [strangerRole.body.id],
      });
      expect(foreignRole.body).toMatchObject({ code: 'role_not_found', details: [{ path: 'roleIds.0' }] });

      const staff = await member([apps.id]);
      const again = await admin.request('POST', '/api/v1/staff', {
        email: staff.email.toUpperCase(),
        name: 'z',
        password: 'Member-pass-1',
        roleIds: [apps.id],
      });
      expect(again.statusCode).toBe(409);
      let client = await staff.login();
      // Name only: still signed in. Roles changed: signed out.
      expect((await admin.request('PATCH', `/api/v1/staff/${staff.id}`, { name: '运营二' })).body.name).toBe('运营二');
      expect((await client.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);
      const other = await role('任务', ['tasks.cancel']);
      expect((await admin.request('PATCH', `/api/v1/staff/${staff.id}`, { roleIds: [other.id] })).body.roleIds).toEqual([
        other.id,
      ]);
      expect((await client.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);

      // Disabled: out at once and cannot sign in; enabled again: can.
      client = await staff.login();
      expect((await admin.request('POST', `/api/v1/staff/${staff.id}/status`, { status: 'disabled' })).body.status).toBe(
        'disabled',
      );
      expect((await client.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);
      const refused = await new Client(ctx.app.server).request('POST', '/api/v1/auth/login', {
        email: staff.email,
        password: 'Member-pass-1',
      });
      expect(refused.body.code).toBe('staff_disabled');
      await admin.request('POST', `/api/v1/staff/${staff.id}/status`, { status: 'enabled' });

      // A new password from super staff: the old one and the old sessions are gone.
      client = await staff.login();
      const weak = await admin.request('POST', `/api/v1/staff/${staff.id}/password`, { password: 'short' });
      expect(weak.body.code).toBe('password_too_weak');
      expect((await admin.request('POST', `/api/v1/staff/${staff.id}/password`, { password: 'Fresh-pass-2' })).statusCode).toBe(
        204,
      );
      expect((await client.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);
      const old = await new Client(ctx.app.server).request('POST', '/api/v1/auth/login', {
        email: staff.email,
        password: 'Member-pass-1',
      });
      expect(old.statusCode).toBe(401);
      await Client.staff(ctx.app.server, staff.email, 'Fresh-pass-2');

      // Super staff are provisioned with the tenant: not edited, disabled or deleted here.
      for (const [method, path, body] of [
        ['PATCH', `/api/v1/staff/${tenant.staffId}`, { name: 'x' }],
        ['POST', `/api/v1/staff/${tenant.staffId}/password`, { password: 'Fresh-pass-2' }],
      ] as const) {
        expect((await admin.request(method, path, body)).body.code, path).toBe('super_staff_protected');
      }
      expect((await admin.request('DELETE', `/api/v1/staff/${tenant.staffId}`)).body.code).toBe('staff_self_protected');
      // Another tenant's staff: not found.
      expect((await admin.request('DELETE', `/api/v1/staff/${stranger.staffId}`)).statusCode).toBe(404);

      expect((await admin.request('DELETE', `/api/v1/staff/${staff.id}`)).statusCode).toBe(204);
      expect((await admin.request('GET', `/api/v1/staff/${staff.id}`)).statusCode).toBe(404);
      expect((await admin.request('GET', `/api/v1/roles/${other.id}`)).body.memberIds).toEqual([]);
      const gone = await new Client(ctx.app.server).request('POST', '/api/v1/auth/login', {
        email: staff.email,
        password: 'Fresh-pass-2',
      });
      expect(gone.statusCode).toBe(401);
    });

    it('records every staff and role change in the operation log, by whom and on what, with ids only', async () => {
      const { tenant, admin, role, member } = await rolesTenant(ctx.app);
      const apps = await role('私有App', ['settings.privateApps']);
      const base = await role('基础', []);
      const staff = await member([apps.id, base.id]);
      await admin.request('PATCH', `/api/v1/staff/${staff.id}`, { name: '运营二' });
      await admin.request('POST', `/api/v1/staff/${staff.id}/status`, { status: 'disabled' });
      await admin.request('POST', `/api/v1/staff/${staff.id}/status`, { status: 'enabled' });
      await admin.request('POST', `/api/v1/staff/${staff.id}/password`, { password: 'Fresh-pass-2' });
      await admin.request('POST', `/api/v1/staff/${staff.id}/mfa`, { enabled: true });
      await admin.request('PATCH', `/api/v1/roles/${apps.id}`, { permissions: ['tasks.cancel'] });
      await admin.request('PATCH', `/api/v1/roles/${apps.id}`, { status: 'disabled' });
      await admin.request('PUT', `/api/v1/roles/${apps.id}/members`, { staffIds: [] });
      await admin.request('PUT', `/api/v1/roles/${apps.id}/members`, { staffIds: [staff.id] });
      await admin.request('DELETE', `/api/v1/staff/${staff.id}`);
      await admin.request('DELETE', `/api/v1/roles/${apps.id}`);
      // A refused change is not an operation.
      await admin.request('PATCH', `/api/v1/staff/${tenant.staffId}`, { name: 'x' });

      const logs = (await admin.request('GET', '/api/v1/operation-logs?limit=100')).body.items as {
        staffId: string;
        objectType: string;
        operation: string;
        objectId: string;
        detail: Record<string, unknown> | null;
      }[];
      const mine = logs.filter((row) => row.objectType !== 'staff' || row.operation !== 'login').reverse();
      expect(
        mine.map(
          (row) =>
            `${row.objectType}.${row.operation} ${row.objectId === staff.id ? 'S' : row.objectId === apps.id ? 'R' : row.objectId === base.id ? 'B' : row.objectId}`,
        ),
      ).toEqual([
        'role.create R',
        'role.create B',
        'staff.create S',
        'staff.edit S',
        'staff.disable S',
        'staff.enable S',
        'staff.changePassword S',
        'staff.edit S',
        'role.edit R',
        'role.disable R',
        'role.removeStaff R',
        'role.addStaff R',
        'staff.delete S',
        'role.delete R',
      ]);
      expect(mine.every((row) => row.staffId === tenant.staffId)).toBe(true);
      expect(mine.find((row) => row.operation === 'removeStaff')!.detail).toEqual({ staffId: staff.id });
      expect(JSON.stringify(logs)).not.toContain('运营');
      expect(JSON.stringify(logs)).not.toContain(staff.email);
    });

    it('rotates the session on sign-in: the browser’s previous session ends', async () => {
      const { tenant, admin } = await rolesTenant(ctx.app);
      const sessions = async () =>
        (await ctx.app.oltp.forTenant(tenant.tenantId).from('staff_session').where('staff_session.staff_id', tenant.staffId)) as {
          token_hash: string;
        }[];
      const [first] = await sessions();
      const again = await admin.request('POST', '/api/v1/auth/login', { email: tenant.email, password: tenant.password });
      expect(again.statusCode).toBe(200);
      const after = await sessions();
      expect(after).toHaveLength(1);
      expect(after[0]!.token_hash).not.toBe(first!.token_hash);
      expect((await admin.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);
    });

    it('ends a session left idle past session.idleMinutes', async () => {
      const { tenant, admin } = await rolesTenant(ctx.app);
      expect((await admin.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);
      const idleMs = ctx.app.config.session.idleMinutes * 60_000;
      await ctx.app.oltp
        .forTenant(tenant.tenantId)
        .from('staff_session')
        .where('staff_session.staff_id', tenant.staffId)
        .update({ last_seen_at: Date.now() - idleMs - 1000 });
      expect((await admin.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);
      expect(
        await ctx.app.oltp.forTenant(tenant.tenantId).from('staff_session').where('staff_session.staff_id', tenant.staffId),
      ).toEqual([]);
    });
  },
  { plugins: firstPartyPlugins },
);
