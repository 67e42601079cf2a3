/**
 * The fresh-eyes review of issue 16 (staff, roles, MFA, departments, masking, operation log): each
 * attack that once succeeded (quarantine bodies unmasked, a login racing a password reset, a member
 * of 101 roles breaking the staff list, a role's last member stranded, MFA sign-in not rotating,
 * a concurrent role deletion answering 500) is now a regression test, next to those that held.
 */
import { generate } from 'otplib';
import { expect, it } from 'vitest';
import { Client, describeEngines } from '../support/test-app.js';
import { ingestTenant } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { rolesTenant } from './support.js';

const totp = (secret: string, steps = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

describeEngines(
  'review16: attacks on staff, roles, MFA, departments, masking',
  (ctx) => {
    it('another tenant’s role, staff and department ids are refused on every new route (and B is unchanged)', async () => {
      const a = await rolesTenant(ctx.app);
      const b = await rolesTenant(ctx.app);
      const bRole = await b.role('B角色', ['settings.privateApps']);
      const bStaff = await b.member([bRole.id]);
      const bDept = (await b.admin.request('POST', '/api/v1/departments', { name: 'B部门' })).body;
      const aRole = await a.role('A角色', ['settings.privateApps']);
      const aStaff = await a.member([aRole.id]);
      const calls: [string, string, unknown?][] = [
        ['GET', `/api/v1/roles/${bRole.id}`],
        ['PATCH', `/api/v1/roles/${bRole.id}`, { name: 'x', status: 'disabled' }],
        ['PUT', `/api/v1/roles/${bRole.id}/members`, { staffIds: [] }],
        ['PUT', `/api/v1/roles/${aRole.id}/members`, { staffIds: [bStaff.id] }],
        ['DELETE', `/api/v1/roles/${bRole.id}`],
        ['GET', `/api/v1/staff/${bStaff.id}`],
        ['PATCH', `/api/v1/staff/${bStaff.id}`, { name: 'x' }],
        ['PATCH', `/api/v1/staff/${aStaff.id}`, { roleIds: [bRole.id] }],
        [
          'POST',
          '/api/v1/staff',
          { email: `x${Date.now()}@example.com`, name: 'x', password: 'Member-pass-1', roleIds: [bRole.id] },
        ],
        ['POST', `/api/v1/staff/${bStaff.id}/status`, { status: 'disabled' }],
        ['POST', `/api/v1/staff/${bStaff.id}/password`, { password: 'Other-pass-99' }],
        ['POST', `/api/v1/staff/${bStaff.id}/mfa`, { enabled: true }],
        ['POST', `/api/v1/staff/${bStaff.id}/mfa/reset`],
        ['DELETE', `/api/v1/staff/${bStaff.id}`],
        ['PATCH', `/api/v1/departments/${bDept.id}`, { name: 'x' }],
        ['GET', `/api/v1/departments/${bDept.id}/staff`],
        ['DELETE', `/api/v1/departments/${bDept.id}`],
        ['PUT', `/api/v1/staff/${bStaff.id}/department`, { departmentId: null }],
        ['PUT', `/api/v1/staff/${aStaff.id}/department`, { departmentId: bDept.id }],
        ['POST', '/api/v1/departments', { name: 'child', parentId: bDept.id }],
      ];
      for (const [method, url, body] of calls) {
        const res = await a.admin.request(method, url, body);
        expect([400, 404], `${method} ${url} → ${res.statusCode} ${JSON.stringify(res.body)}`).toContain(res.statusCode);
      }
      const after = await b.admin.request('GET', `/api/v1/roles/${bRole.id}`);
      expect(after.body).toMatchObject({ name: 'B角色', status: 'enabled', memberIds: [bStaff.id] });
      await bStaff.login();
    });

    it('a staff member keeps ≥ 1 role (seed): removing them from their only role through the role’s members is refused', async () => {
      const { admin, role, member } = await rolesTenant(ctx.app);
      const only = await role('唯一', ['settings.privateApps']);
      const staff = await member([only.id]);
      const res = await admin.request('PUT', `/api/v1/roles/${only.id}/members`, { staffIds: [] });
      const got = await admin.request('GET', `/api/v1/staff/${staff.id}`);
      // Found: 200 and the staff member has no role at all (PATCH /staff refuses roleIds: [] with staff_role_required).
      expect({ status: res.statusCode, roleIds: got.body.roleIds }).toEqual({ status: 400, roleIds: [only.id] });
    });

    it('a staff member in more than 100 roles does not break the staff list nor their own session', async () => {
      const { admin, role, member } = await rolesTenant(ctx.app);
      const first = await role('r0', ['settings.privateApps']);
      const staff = await member([first.id]);
      for (let i = 1; i <= 100; i += 1) {
        const r = await role(`r${i}`, ['settings.privateApps']);
        const put = await admin.request('PUT', `/api/v1/roles/${r.id}/members`, { staffIds: [staff.id] });
        expect(put.statusCode).toBe(200);
      }
      const list = await admin.request('GET', '/api/v1/staff');
      const client = await staff.login().catch((e: Error) => e);
      const session =
        client instanceof Client ? (await client.request('GET', '/api/v1/auth/session')).statusCode : String(client);
      expect({ list: list.statusCode, session }).toEqual({ list: 200, session: 200 });
    }, 120_000);

    it('masking: a quarantined identify does not show a masked mobile in clear text to normal staff', async () => {
      const t = await ingestTenant(ctx.app);
      const mask = await t.staff.request('PUT', '/api/v1/contact-field-masks/mobilePhone', { masked: true });
      expect(mask.statusCode).toBe(200);
      const mobile = '13912345678';
      // An identify whose time is out of range is quarantined with its whole body.
      await t.collect('identify', { userId: 'u-mask', timestamp: '2001-01-01T00:00:00Z', traits: { mobilePhone: mobile } });
      await t.collect('identify', { userId: 'u-mask2', traits: { mobilePhone: mobile, birthday: 'not a date', email: 'bad' } });
      await t.collect('track', { anonymousId: 'a-mask', event: 'undeclaredEvt', context: { traits: { mobilePhone: mobile } } });
      await t.drain();
      // A normal staff member whose only role grants nothing about contacts (metadata.view is fixed).
      const r = await t.staff.request('POST', '/api/v1/roles', { name: '只看设置', permissions: ['settings.privateApps'] });
      const email = `mask.${Date.now()}@example.com`;
      await t.staff.request('POST', '/api/v1/staff', { email, name: 'n', password: 'Member-pass-1', roleIds: [r.body.id] });
      const normal = await Client.staff(ctx.app.server, email, 'Member-pass-1');
      const list = await normal.request('GET', '/api/v1/ingestion/quarantine');
      expect(list.statusCode).toBe(200);
      expect(list.body.total).toBeGreaterThan(0);
      expect(JSON.stringify(list.body)).not.toContain(mobile);
    });

    it('rotation: completing an MFA login ends the session the browser held before (as the password-only login does)', async () => {
      const { admin, role, member } = await rolesTenant(ctx.app);
      const r = await role('mfa', ['settings.privateApps']);
      const staff = await member([r.id]);
      expect((await admin.request('POST', `/api/v1/staff/${staff.id}/mfa`, { enabled: true })).statusCode).toBe(200);
      // The same browser: signed in as the super staff member, then signs in as the MFA staff member.
      const browser = admin;
      const oldCookie = browser.authHeaders().cookie!;
      const setup = await browser.request('POST', '/api/v1/auth/login', { email: staff.email, password: 'Member-pass-1' });
      expect(setup.body.mfa).toBe('setup');
      const bound = await browser.request('POST', '/api/v1/auth/mfa/bind', {
        challenge: setup.body.challenge,
        code: await totp(setup.body.secret),
      });
      expect(bound.statusCode, JSON.stringify(bound.body)).toBe(200);
      const replay = await ctx.app.server.inject({ method: 'GET', url: '/api/v1/auth/session', headers: { cookie: oldCookie } });
      expect(replay.statusCode).toBe(401);
    });

    it('race: a login with the old password that straddles a password reset by super staff does not keep a session', async () => {
      const { admin, role, member } = await rolesTenant(ctx.app);
      const r = await role('race', ['settings.privateApps']);
      const staff = await member([r.id]);
      let password = 'Member-pass-1';
      const survivors: number[] = [];
      for (let i = 0; i < 12; i += 1) {
        const next = `Race-pass-${i}-x9`;
        const thief = new Client(ctx.app.server);
        const [login, reset] = await Promise.all([
          thief.request('POST', '/api/v1/auth/login', { email: staff.email, password }, { 'x-forwarded-for': `10.0.0.${i}` }),
          new Promise((resolve) => setTimeout(resolve, i * 4)).then(() =>
            admin.request('POST', `/api/v1/staff/${staff.id}/password`, { password: next }),
          ),
        ]);
        expect(reset.statusCode).toBe(204);
        password = next;
        if (login.statusCode === 200 && (await thief.request('GET', '/api/v1/auth/session')).statusCode === 200)
          survivors.push(i);
      }
      // Found when non-empty: the old password's session outlives the reset that should have ended it.
      expect(survivors).toEqual([]);
    }, 60_000);

    it('a staff member’s roles: concurrent PATCH roleIds and DELETE of that role never answer 500', async () => {
      const { admin, role, member } = await rolesTenant(ctx.app);
      const keep = await role('keep', ['settings.privateApps']);
      const staff = await member([keep.id]);
      const statuses: number[] = [];
      for (let i = 0; i < 15; i += 1) {
        const gone = await role(`gone${i}`, ['settings.privateApps']);
        const [patch, del] = await Promise.all([
          admin.request('PATCH', `/api/v1/staff/${staff.id}`, { roleIds: [gone.id] }),
          admin.request('DELETE', `/api/v1/roles/${gone.id}`),
        ]);
        statuses.push(patch.statusCode, del.statusCode);
        // Put the staff member back on a role they hold.
        await admin.request('PATCH', `/api/v1/staff/${staff.id}`, { roleIds: [keep.id] });
      }
      expect(statuses.map((s, i) => `${i % 2 ? 'DELETE' : 'PATCH'}:${s}`).filter((s) => s.endsWith('500'))).toEqual([]);
    }, 60_000);

    it('bad input: 10,000 permission ids, a 1 MB name, a NUL byte and a bidi override are 400s', async () => {
      const { admin } = await rolesTenant(ctx.app);
      const many = Array.from({ length: 10_000 }, () => 'settings.privateApps');
      expect((await admin.request('POST', '/api/v1/roles', { name: 'many', permissions: many })).statusCode).toBe(400);
      expect((await admin.request('POST', '/api/v1/roles', { name: 'x'.repeat(1 << 20), permissions: [] })).statusCode).toBeOneOf(
        [400, 413],
      );
      expect((await admin.request('POST', '/api/v1/roles', { name: 'a\u0000b', permissions: [] })).statusCode).toBe(400);
      expect((await admin.request('POST', '/api/v1/roles', { name: 'a\u202Eb', permissions: [] })).statusCode).toBe(400);
      expect((await admin.request('POST', '/api/v1/roles', { name: 'ok', permissions: ['staff.manage'] })).statusCode).toBe(400);
      expect((await admin.request('POST', '/api/v1/roles', { name: 'ok', permissions: ['operationLog.view'] })).statusCode).toBe(
        400,
      );
    });
  },
  { plugins: firstPartyPlugins },
);
