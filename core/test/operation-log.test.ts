import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { ContributionRegistry } from '../src/kernel/contribution-registry.js';
import { PermissionRegistry } from '../src/kernel/permissions.js';
import {
  auditExtensionPoint,
  coreServices,
  definePlugin,
  httpExtensionPoint,
  permissionsExtensionPoint,
  principalOf,
} from '../src/plugin-api.js';
import { operationLogServiceRef } from '../src/modules/audit/operation-log.service.js';
import { operationLogLimits } from '../src/modules/audit/operation-log.types.js';
import type { Principal } from '../src/server/principal.js';
import { firstPartyPlugins } from './support/plugins.js';
import { normalStaff } from './support/staff.js';
import { paramFixtures } from './support/tenant-fixtures.js';
import { Client, createTenant, describeEngines, type TestApp } from './support/test-app.js';

interface LogRow {
  id: number | string;
  tenant_id: number | string;
  staff_id: number | string;
  object_type: string;
  operation: string;
  object_id: string | null;
  detail: string | null;
  ip: string | null;
  at: number | string;
}

/** A plugin that declares an operation of its own and records it from its route, as GDPR deletion will. */
const probePlugin = definePlugin({
  id: 'oplog-probe',
  // Its permission is probe.ping (ADR 0040: a plugin's permissions start with its namespace).
  namespace: 'probe',
  version: '1.0.0',
  requires: { core: '^0.1.0' },
  register({ registerInit }) {
    registerInit({
      deps: {
        audit: auditExtensionPoint,
        http: httpExtensionPoint,
        permissions: permissionsExtensionPoint,
        log: coreServices.operationLog,
      },
      init({ audit, http, permissions, log }) {
        audit.addObjectType({ objectType: 'probe', label: { 'zh-CN': '探针', 'en-US': 'Probe' } });
        audit.addOperations([{ objectType: 'probe', operation: 'ping', label: { 'zh-CN': '探测', 'en-US': 'Ping' } }]);
        permissions.addPermissions([{ id: 'probe.ping', openApi: true }]);
        http.addRoutes([
          {
            method: 'POST',
            path: '/ping',
            permission: 'probe.ping',
            callers: 'any',
            handler: async (request, h) => {
              await log.record(principalOf(request), { objectType: 'probe', operation: 'ping', detail: { count: 1 } });
              return h.response().code(204);
            },
          },
        ]);
      },
    });
  },
});

describe('operation log declarations (auditExtensionPoint)', () => {
  const label = { 'zh-CN': '探测', 'en-US': 'Ping' };

  it('refuses ids that are not camelCase, a missing label, and a list with a repeat — leaving no trace', () => {
    const registry = new ContributionRegistry(new PermissionRegistry());
    registry.addOperationObjectType('probe', { objectType: 'probe', label });
    expect(() => registry.addOperationObjectType('probe', { objectType: 'Probe-Type', label })).toThrow(/must be camelCase/);
    expect(() => registry.addOperationTypes('probe', [{ objectType: 'probe', operation: 'drop table', label }])).toThrow(
      /must be camelCase/,
    );
    expect(() =>
      registry.addOperationTypes('probe', [{ objectType: 'probe', operation: 'ping', label: { 'zh-CN': '探测', 'en-US': '' } }]),
    ).toThrow('needs a name in zh-CN and en-US');
    expect(() =>
      registry.addOperationTypes('probe', [
        { objectType: 'probe', operation: 'ping', label },
        { objectType: 'probe', operation: 'ping', label },
      ]),
    ).toThrow('operation "probe.ping" is listed twice');
    expect([...registry.operationTypes.keys()]).toEqual([]);
    registry.addOperationTypes('probe', [{ objectType: 'probe', operation: 'ping', label }]);
    expect(() => registry.verify()).not.toThrow();
    registry.freeze();
    expect(() => registry.addOperationTypes('late', [{ objectType: 'probe', operation: 'pong', label }])).toThrow(
      'adds operation log operations after start-up',
    );
  });
});

describeEngines(
  'operation log (操作日志)',
  (ctx) => {
    const rowsOf = async (tenantId: string): Promise<LogRow[]> =>
      ctx.app.oltp.forTenant(tenantId).from<LogRow>('operation_log').orderBy('id').select<LogRow[]>('*');

    async function admin(timeZone?: string) {
      const tenant = await createTenant(ctx.app, { timeZone });
      return { tenant, client: await Client.staff(ctx.app.server, tenant.email, tenant.password) };
    }

    /** An Open API client (bearer token) of the tenant of `staff`. */
    async function openApi(staff: Client): Promise<Client> {
      const { app, appSecret } = (await staff.request('POST', '/api/v1/apps', { name: 'erp' })).body;
      const issued = await new Client(ctx.app.server).request('POST', '/api/v1/auth/token', { appKey: app.appKey, appSecret });
      return Client.app(ctx.app.server, issued.body.accessToken as string);
    }

    const staffPrincipal = (tenantId: string, staffId: string): Principal => ({
      kind: 'staff',
      tenantId,
      staffId,
      isSuper: true,
      sessionId: '1',
      csrfToken: 'x',
      permissions: new Set(),
    });

    // ---- failure paths ---------------------------------------------------------------------------

    it('answers normal staff 403 on every operation log route, and Open API tokens 403 console_only_route', async () => {
      const { tenant, client } = await admin();
      const normal = await normalStaff(ctx.app, tenant.tenantId);
      const app = await openApi(client);
      for (const path of ['/api/v1/operation-logs', '/api/v1/operation-logs/operations', '/api/v1/operation-logs/export']) {
        const refused = await normal.request('GET', path);
        expect(refused.statusCode, path).toBe(403);
        expect(refused.body.code).toBe('forbidden');
        const bearer = await app.request('GET', path);
        expect(bearer.statusCode, path).toBe(403);
        expect(bearer.body.code).toBe('console_only_route');
      }
      // Super staff hold the permission (superOnly): the session lists it.
      expect((await client.request('GET', '/api/v1/auth/session')).body.permissions).toContain('operationLog.view');
      expect((await normal.request('GET', '/api/v1/auth/session')).body.permissions).not.toContain('operationLog.view');
    });

    it('refuses a time range that ends before it starts, undeclared filters and a forged cursor with 400', async () => {
      const { client } = await admin();
      const range = await client.request('GET', '/api/v1/operation-logs?from=2000&to=1000');
      expect(range.statusCode).toBe(400);
      expect(range.body).toMatchObject({
        code: 'operation_log_range_invalid',
        details: [{ path: 'to', code: 'operation_log_range_invalid' }],
      });
      expect((await client.request('GET', '/api/v1/operation-logs/export?from=2000&to=1000')).body.code).toBe(
        'operation_log_range_invalid',
      );
      const unknownType = await client.request('GET', '/api/v1/operation-logs?objectType=spaceship');
      expect(unknownType.body).toMatchObject({ code: 'operation_type_unknown', details: [{ path: 'objectType' }] });
      // `login` exists, but not for connections.
      const wrongPair = await client.request('GET', '/api/v1/operation-logs?objectType=channel&operation=login');
      expect(wrongPair.body).toMatchObject({ code: 'operation_type_unknown', details: [{ path: 'operation' }] });
      const notCamel = await client.request('GET', '/api/v1/operation-logs?operation=DROP%20TABLE');
      expect(notCamel.body).toMatchObject({ code: 'validation_failed', details: [{ path: 'operation' }] });
      const forged = Buffer.from(JSON.stringify(['operationLog', 1, 'x'])).toString('base64url');
      expect((await client.request('GET', `/api/v1/operation-logs?cursor=${forged}`)).body.code).toBe('cursor_invalid');
      expect((await client.request('GET', '/api/v1/operation-logs?cursor=nonsense')).body.code).toBe('cursor_invalid');
    });

    it('throws for an undeclared operation and for a detail that could hold personal data (programming errors)', async () => {
      const { tenant } = await admin();
      const log = ctx.app.service(operationLogServiceRef);
      const who = staffPrincipal(tenant.tenantId, tenant.staffId);
      await expect(log.record(who, { objectType: 'channel', operation: 'rename' })).rejects.toThrow(
        /operation "channel.rename" is not declared/,
      );
      await expect(
        log.recordForStaff(tenant.tenantId, tenant.staffId, { objectType: 'robot', operation: 'create' }),
      ).rejects.toThrow(/not declared/);
      const personal: Record<string, string>[] = [
        { email: 'ann@example.com' },
        { name: '张三' },
        { mobile: '13800138000' },
        { note: 'hello world' },
      ];
      for (const detail of personal) {
        await expect(log.record(who, { objectType: 'channel', operation: 'create', detail })).rejects.toThrow(/is not a code/);
      }
      await expect(log.record(who, { objectType: 'channel', operation: 'create', objectId: 'ann@example.com' })).rejects.toThrow(
        /objectId is not an id/,
      );
      // The same checks run for an app, whose call is then not recorded.
      const app: Principal = { kind: 'app', tenantId: tenant.tenantId, appId: '1', permissions: new Set() };
      await expect(log.record(app, { objectType: 'channel', operation: 'rename' })).rejects.toThrow(/not declared/);
      await log.record(app, { objectType: 'channel', operation: 'create', objectId: '5' });
      await log.record(who, {
        objectType: 'role',
        operation: 'addStaff',
        objectId: '9',
        detail: { staffIds: ['3', '4'], count: 2 },
      });
      const rows = (await rowsOf(tenant.tenantId)).filter((row) => row.operation !== 'login');
      expect(rows.map((row) => [row.object_type, row.operation, row.object_id, row.detail])).toEqual([
        ['role', 'addStaff', '9', JSON.stringify({ staffIds: ['3', '4'], count: 2 })],
      ]);
    });

    // ---- what is recorded ------------------------------------------------------------------------

    it('records a login with the staff id and client address, and nothing for a failed login', async () => {
      const tenant = await createTenant(ctx.app);
      expect(await rowsOf(tenant.tenantId)).toEqual([]);
      const wrong = await new Client(ctx.app.server).request('POST', '/api/v1/auth/login', {
        email: tenant.email,
        password: 'Wrong-pass-123',
      });
      expect(wrong.statusCode).toBe(401);
      expect(await rowsOf(tenant.tenantId)).toEqual([]);
      const before = Date.now();
      await Client.staff(ctx.app.server, tenant.email, tenant.password);
      const [row, ...rest] = await rowsOf(tenant.tenantId);
      expect(rest).toEqual([]);
      expect(row).toMatchObject({
        object_type: 'staff',
        operation: 'login',
        object_id: tenant.staffId,
        detail: null,
        ip: '127.0.0.1',
      });
      expect(String(row!.staff_id)).toBe(tenant.staffId);
      expect(Number(row!.at)).toBeGreaterThanOrEqual(before);
    });

    it('records a password change, but not a refused one', async () => {
      const { tenant, client } = await admin();
      const refused = await client.request('POST', '/api/v1/auth/password', {
        currentPassword: 'Wrong-pass-123',
        newPassword: 'Brand-new-pass-456',
      });
      expect(refused.statusCode).toBe(400);
      const changed = await client.request('POST', '/api/v1/auth/password', {
        currentPassword: tenant.password,
        newPassword: 'Brand-new-pass-456',
      });
      expect(changed.statusCode).toBe(204);
      const rows = await rowsOf(tenant.tenantId);
      expect(rows.map((row) => `${row.object_type}.${row.operation}`)).toEqual(['staff.login', 'staff.changePassword']);
      expect(rows[1]).toMatchObject({ object_id: tenant.staffId, ip: '127.0.0.1', detail: null });
    });

    it('records connections created and deleted by staff, and not those created through the Open API', async () => {
      const { tenant, client } = await admin();
      const created = await client.request('POST', '/api/v1/channels', { type: 'custom', name: '官网' });
      expect(created.statusCode).toBe(201);
      const viaApi = await (await openApi(client)).request('POST', '/api/v1/channels', { type: 'custom', name: 'ERP 建的' });
      expect(viaApi.statusCode).toBe(201);
      const refused = await client.request('POST', '/api/v1/channels', { type: 'wechat', name: 'no manual creation' });
      expect(refused.statusCode).toBe(400);
      expect((await client.request('DELETE', `/api/v1/channels/${created.body.id}`)).statusCode).toBe(204);
      expect((await client.request('DELETE', `/api/v1/channels/${created.body.id}`)).statusCode).toBe(404);

      const rows = await rowsOf(tenant.tenantId);
      expect(rows.map((row) => [row.object_type, row.operation, row.object_id, row.detail])).toEqual([
        ['staff', 'login', tenant.staffId, null],
        ['channel', 'create', created.body.id, JSON.stringify({ type: 'custom' })],
        ['channel', 'delete', created.body.id, null],
      ]);
      expect(rows.some((row) => row.object_id === viaApi.body.id)).toBe(false);
      // The API shows the same rows, newest first.
      const listed = await client.request('GET', '/api/v1/operation-logs');
      expect(listed.statusCode).toBe(200);
      expect(listed.body.items.map((item: { operation: string }) => item.operation)).toEqual(['delete', 'create', 'login']);
      expect(listed.body.items[1]).toMatchObject({
        staffId: tenant.staffId,
        objectType: 'channel',
        objectId: created.body.id,
        detail: { type: 'custom' },
        ip: '127.0.0.1',
      });
      expect(listed.body.nextCursor).toBeNull();
    });

    it('records an accepted merge candidate as 用户 · 合并 (survivor, merged and candidate ids)', async () => {
      const { tenant, client } = await admin();
      const candidateId = await paramFixtures.candidateId!({ app: ctx.app, tenant, client, marker: `m${Date.now()}` });
      const accepted = await client.request('POST', `/api/v1/contacts/merge-candidates/${candidateId}/accept`);
      expect(accepted.statusCode).toBe(200);
      const merge = accepted.body.merge as { survivorId: string; mergedId: string };
      const rows = (await rowsOf(tenant.tenantId)).filter((row) => row.object_type === 'contact');
      expect(rows.map((row) => [row.operation, row.object_id, JSON.parse(row.detail!)])).toEqual([
        ['merge', merge.survivorId, { mergedId: merge.mergedId, candidateId }],
      ]);
      // The pipeline's automatic merge (an anonymous visitor identified) is no staff operation.
      const history = (await client.request('GET', '/api/v1/contacts/merges')).body.items as { rule: string }[];
      expect(history.map((m) => m.rule).sort()).toEqual(['anonymous_identified', 'candidate_accepted']);
    });

    it('records a plugin’s declared operation for staff only, and lists it with its labels', async () => {
      const { tenant, client } = await admin();
      const operations = await client.request('GET', '/api/v1/operation-logs/operations');
      expect(operations.body.objectTypes).toContainEqual({ objectType: 'probe', label: { 'zh-CN': '探针', 'en-US': 'Probe' } });
      expect(operations.body.operations).toContainEqual({
        objectType: 'probe',
        operation: 'ping',
        label: { 'zh-CN': '探测', 'en-US': 'Ping' },
      });
      expect((await client.request('POST', '/api/v1/p/oplog-probe/ping')).statusCode).toBe(204);
      expect((await (await openApi(client)).request('POST', '/api/v1/p/oplog-probe/ping')).statusCode).toBe(204);
      const pings = (await rowsOf(tenant.tenantId)).filter((row) => row.object_type === 'probe');
      expect(pings.map((row) => [String(row.staff_id), row.operation, row.detail])).toEqual([
        [tenant.staffId, 'ping', JSON.stringify({ count: 1 })],
      ]);
    });

    it('lists every operation of the seed’s table with zh-CN and en-US labels, in the seed’s order', async () => {
      const { client } = await admin();
      const { body } = await client.request('GET', '/api/v1/operation-logs/operations');
      expect(body.objectTypes.slice(0, 5).map((t: { label: { 'zh-CN': string } }) => t.label['zh-CN'])).toEqual([
        '员工',
        '角色',
        '连接',
        '客户旅程',
        '用户',
      ]);
      const zh = (objectType: string) =>
        body.operations
          .filter((o: { objectType: string }) => o.objectType === objectType)
          .map((o: { label: { 'zh-CN': string } }) => o.label['zh-CN']);
      expect(zh('staff')).toEqual(['新建', '编辑', '删除', '启用', '停用', '登录', '修改密码']);
      expect(zh('role')).toEqual(['新建', '编辑', '删除', '启用', '停用', '添加员工', '删除员工']);
      // 修改连接设置: the channels module's own operation after the seed's (ADR 0039).
      expect(zh('channel')).toEqual(['新建', '删除', '修改连接设置']);
      expect(zh('journey')).toEqual(['新建', '编辑', '删除', '发布', '停止']);
      expect(zh('contact')).toEqual(['新建', '编辑', '删除微信GDPR数据', '删除自定义渠道用户数据', '合并', '导入', '导出']);
      for (const operation of body.operations) expect(operation.label['en-US']).toMatch(/^[A-Z]/);
    });

    // ---- failures of the log itself ----------------------------------------------------------------

    it('keeps a completed operation when its log row cannot be written, and undoes both inside a transaction', async () => {
      const { tenant, client } = await admin();
      const log = ctx.app.service(operationLogServiceRef);
      const knex = ctx.app.oltp.knex;
      await knex.schema.renameTable('operation_log', 'operation_log_away');
      try {
        // After the change: the change stands (201), the failure is logged, not answered.
        const created = await client.request('POST', '/api/v1/channels', { type: 'custom', name: '日志写失败' });
        expect(created.statusCode).toBe(201);
        expect((await client.request('GET', `/api/v1/channels/${created.body.id}`)).statusCode).toBe(200);
        // Inside a transaction: the write error reaches the caller, whose transaction rolls back.
        await expect(
          ctx.app.oltp.transaction(() =>
            log.recordForStaff(tenant.tenantId, tenant.staffId, { objectType: 'staff', operation: 'edit' }),
          ),
        ).rejects.toThrow();
      } finally {
        await knex.schema.renameTable('operation_log_away', 'operation_log');
      }
      expect((await rowsOf(tenant.tenantId)).map((row) => row.operation)).toEqual(['login']);
      // A row written in a transaction that rolls back is gone with it.
      await expect(
        ctx.app.oltp.transaction(async () => {
          await log.recordForStaff(tenant.tenantId, tenant.staffId, { objectType: 'staff', operation: 'edit' });
          throw new Error('the operation failed');
        }),
      ).rejects.toThrow('the operation failed');
      expect((await rowsOf(tenant.tenantId)).map((row) => row.operation)).toEqual(['login']);
    });

    // ---- reading -----------------------------------------------------------------------------------

    /** A tenant whose log has rows at known instants, by two staff members. */
    async function loggedTenant(app: TestApp) {
      const { tenant, client } = await admin('Asia/Tokyo');
      const normal = await normalStaff(app, tenant.tenantId);
      const normalId = String((await normal.request('GET', '/api/v1/auth/session')).body.staff.id);
      const channel = (await client.request('POST', '/api/v1/channels', { type: 'custom', name: '官网' })).body;
      await client.request('DELETE', `/api/v1/channels/${channel.id}`);
      // Rows at known instants: login 00:00Z, normal login 01:00Z, create 01:00Z (same ms), delete 02:00Z.
      const base = Date.UTC(2026, 0, 1);
      const rows = await rowsOf(tenant.tenantId);
      const at = [base, base + 3600_000, base + 3600_000, base + 7200_000];
      for (const [i, row] of rows.entries())
        await app.oltp.forTenant(tenant.tenantId).from('operation_log').where('id', row.id).update({ at: at[i] });
      return { tenant, client, normalId, channel, base };
    }

    it('filters by staff, object type and operation, and time [from, to); pages newest first by cursor', async () => {
      const { tenant, client, normalId, base } = await loggedTenant(ctx.app);
      const list = async (query: string) => {
        const res = await client.request('GET', `/api/v1/operation-logs?${query}`);
        expect(res.statusCode, query).toBe(200);
        return (res.body.items as { staffId: string; objectType: string; operation: string; at: number }[]).map(
          (item) => `${item.staffId === normalId ? 'normal' : 'admin'}:${item.objectType}.${item.operation}`,
        );
      };
      expect(await list('')).toEqual(['admin:channel.delete', 'admin:channel.create', 'normal:staff.login', 'admin:staff.login']);
      expect(await list(`staffId=${normalId}`)).toEqual(['normal:staff.login']);
      expect(await list(`staffId=${tenant.staffId}&objectType=staff`)).toEqual(['admin:staff.login']);
      expect(await list('objectType=channel')).toEqual(['admin:channel.delete', 'admin:channel.create']);
      expect(await list('objectType=channel&operation=create')).toEqual(['admin:channel.create']);
      expect(await list('operation=login')).toEqual(['normal:staff.login', 'admin:staff.login']);
      expect(await list(`from=${base + 3600_000}&to=${base + 7200_000}`)).toEqual(['admin:channel.create', 'normal:staff.login']);
      expect(await list(`from=${base + 7200_000}`)).toEqual(['admin:channel.delete']);
      expect(await list(`to=${base}`)).toEqual([]);
      expect(await list(`from=${base}&to=${base}`)).toEqual([]);

      // One row a page: the two rows of the same millisecond are neither repeated nor skipped.
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/v1/operation-logs?limit=1${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await client.request('GET', url)).body as { items: { id: string }[]; nextCursor: string | null };
        expect(page.items).toHaveLength(1);
        seen.push(page.items[0]!.id);
        cursor = page.nextCursor;
      } while (cursor);
      const all = (await client.request('GET', '/api/v1/operation-logs')).body.items.map((item: { id: string }) => item.id);
      expect(seen).toEqual(all);
      expect(new Set(seen).size).toBe(4);
    });

    it('exports the matching rows as CSV with a BOM: staff names, labels and times in the tenant’s zone', async () => {
      const { tenant, client, normalId, channel } = await loggedTenant(ctx.app);
      const res = await client.request('GET', '/api/v1/operation-logs/export');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="operation-log-\d{12}\.csv"$/);
      expect(res.headers['x-export-truncated']).toBe('false');
      const text = res.body as string;
      expect(text.startsWith('\uFEFF')).toBe(true);
      const rows = parse(text.slice(1)) as string[][];
      const adminName = (await client.request('GET', '/api/v1/auth/session')).body.staff.name as string;
      expect(rows).toEqual([
        ['时间（Asia/Tokyo）', '员工', '员工ID', '对象类型', '操作', '对象ID', '详情', 'IP地址'],
        ['2026-01-01 11:00:00', adminName, tenant.staffId, '连接', '删除', channel.id, '', '127.0.0.1'],
        ['2026-01-01 10:00:00', adminName, tenant.staffId, '连接', '新建', channel.id, '{"type":"custom"}', '127.0.0.1'],
        ['2026-01-01 10:00:00', '运营', normalId, '员工', '登录', normalId, '', '127.0.0.1'],
        ['2026-01-01 09:00:00', adminName, tenant.staffId, '员工', '登录', tenant.staffId, '', '127.0.0.1'],
      ]);
      // Filtered, in English; a staff member's name as it is when exported.
      await ctx.app.oltp.forTenant(tenant.tenantId).from('staff').where('id', normalId).update({ name: '=Renamed' });
      const english = await client.request('GET', `/api/v1/operation-logs/export?staffId=${normalId}&locale=en-US`);
      expect(parse((english.body as string).slice(1))).toEqual([
        ['Time (Asia/Tokyo)', 'Staff', 'Staff ID', 'Object type', 'Operation', 'Object ID', 'Detail', 'IP address'],
        // A cell starting with = is made inert for spreadsheets.
        ['2026-01-01 10:00:00', "'=Renamed", normalId, 'Staff', 'Sign in', normalId, '', '127.0.0.1'],
      ]);
    });

    it(`stops an export at ${operationLogLimits.exportRows} rows, newest first, and says so in a header`, async () => {
      const { tenant, client } = await admin();
      const base = Date.UTC(2025, 0, 1);
      const rows = Array.from({ length: operationLogLimits.exportRows }, (_, i) => ({
        tenant_id: tenant.tenantId,
        staff_id: tenant.staffId,
        object_type: 'channel',
        operation: 'create',
        object_id: String(i + 1),
        detail: null,
        ip: null,
        at: base + i,
      }));
      // SQLite takes at most 500 rows in one compound insert.
      await ctx.app.oltp.knex.batchInsert('operation_log', rows, ctx.engine === 'sqlite' ? 400 : 5000);
      try {
        // With the login row, one more than an export holds.
        const res = await client.request('GET', '/api/v1/operation-logs/export');
        expect(res.headers['x-export-truncated']).toBe('true');
        const lines = (res.body as string).trimEnd().split('\r\n');
        expect(lines).toHaveLength(operationLogLimits.exportRows + 1);
        expect(lines[1]).toContain('登录');
        // The oldest row is the one left out.
        expect(lines[lines.length - 1]!.split(',')[5]).toBe('2');
        const logins = await client.request('GET', '/api/v1/operation-logs/export?objectType=staff');
        expect(logins.headers['x-export-truncated']).toBe('false');
      } finally {
        await ctx.app.oltp.forTenant(tenant.tenantId).from('operation_log').where('object_type', 'channel').delete();
      }
    });

    it('shows another tenant none of this tenant’s rows, in lists, filters and exports', async () => {
      const victim = await loggedTenant(ctx.app);
      const { tenant: attacker, client } = await admin();
      const listed = await client.request('GET', '/api/v1/operation-logs?limit=100');
      expect(listed.body.items.map((item: { staffId: string }) => item.staffId)).toEqual([attacker.staffId]);
      const byVictim = await client.request('GET', `/api/v1/operation-logs?staffId=${victim.tenant.staffId}`);
      expect(byVictim.body.items).toEqual([]);
      const exported = await client.request('GET', '/api/v1/operation-logs/export');
      const rows = parse((exported.body as string).slice(1)) as string[][];
      expect(rows.slice(1).map((row) => row[2])).toEqual([attacker.staffId]);
      expect(rows.slice(1).map((row) => row[5])).not.toContain(victim.channel.id);
    });

    it('stores no email, name or phone of staff or contacts in any row', async () => {
      // A scenario touching every recorded operation, then a scan of the whole table.
      const { tenant, client } = await admin();
      const normal = await normalStaff(ctx.app, tenant.tenantId);
      await client.request('POST', '/api/v1/auth/password', {
        currentPassword: tenant.password,
        newPassword: 'Another-pass-789',
      });
      const channel = (await client.request('POST', '/api/v1/channels', { type: 'custom', name: '张三的渠道' })).body;
      await client.request('DELETE', `/api/v1/channels/${channel.id}`);
      const candidateId = await paramFixtures.candidateId!({ app: ctx.app, tenant, client, marker: `p${Date.now()}` });
      await client.request('POST', `/api/v1/contacts/merge-candidates/${candidateId}/accept`);
      await client.request('POST', '/api/v1/p/oplog-probe/ping');
      expect((await normal.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);

      const staff = (await ctx.app.oltp.knex('staff').select('email', 'name')) as { email: string; name: string }[];
      const contacts = (await ctx.app.oltp.knex('contact').select('name', 'mobile', 'email')) as Record<string, string | null>[];
      const personal = [
        ...staff.flatMap((s) => [s.email, s.name]),
        ...contacts.flatMap((c) => [c.name, c.mobile, c.email]),
        '张三',
        'Alice',
        'Bob',
      ].filter((value): value is string => typeof value === 'string' && value.length >= 2);
      const all = (await ctx.app.oltp.knex('operation_log').select('*')) as LogRow[];
      expect(all.filter((row) => String(row.tenant_id) === tenant.tenantId).length).toBeGreaterThanOrEqual(6);
      for (const row of all) {
        const stored = JSON.stringify(row);
        for (const value of personal) expect(stored, `a row holds "${value}"`).not.toContain(value);
        expect(stored).not.toContain('@');
      }
    });
  },
  { plugins: [...firstPartyPlugins, probePlugin] },
);
