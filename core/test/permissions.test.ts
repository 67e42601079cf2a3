import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { permissionMatrix, rolePresets } from '../src/kernel/permission-matrix.js';
import { PermissionRegistry } from '../src/kernel/permissions.js';
import { kernelServices } from '../src/kernel/services.js';
import { createServer } from '../src/server/server.js';
import { defineRoute } from '../src/server/route.js';

function server(routes: Parameters<typeof createServer>[0]['routes']) {
  return createServer({
    host: '127.0.0.1',
    port: 0,
    version: '0.0.0',
    logger: pino({ level: 'silent' }),
    consoleDir: '/nonexistent',
    strictResponses: true,
    routes,
    auth: {
      cookiePassword: 'x'.repeat(43),
      secureCookies: false,
      sessionTtlMs: 1000,
      permissions: new PermissionRegistry(),
      principalForSession: async () => null,
      principalForToken: async () => null,
    },
  });
}

describe('route permissions', () => {
  it('refuses to start with an API route that declares no permission', async () => {
    const s = await server([{ method: 'GET', path: '/api/v1/naked', handler: () => 'x' }]);
    await expect(s.initialize()).rejects.toThrow('Route GET /api/v1/naked declares no permission');
  });

  it('refuses to start with an unknown permission', async () => {
    const s = await server([
      defineRoute({ method: 'GET', path: '/api/v1/x', access: { permission: 'made.up' }, handler: () => 'x' }),
    ]);
    await expect(s.initialize()).rejects.toThrow('unknown permission "made.up"');
  });

  it('refuses a malformed or duplicate permission id', () => {
    const registry = new PermissionRegistry([]);
    expect(() => registry.add({ id: 'NoDot' })).toThrow(/<menu>.<action>/);
    // The seed's rows are declared by the registry itself: a module cannot declare one again.
    expect(() => registry.add({ id: 'contacts.export' })).toThrow(/twice/);
    registry.add({ id: 'reports.schedule' });
    expect(() => registry.add({ id: 'reports.schedule' })).toThrow(/twice/);
  });

  it('gives super staff every permission and normal staff the fixed ones plus their roles’ (rows the core modules contribute)', async () => {
    const { createTestApp } = await import('./support/test-app.js');
    const app = await createTestApp('sqlite');
    const registry = app.kernel.get(kernelServices.permissions);
    await app.close();
    expect(registry.forStaff({ isSuper: true }).has('settings.privateApps')).toBe(true);
    expect(registry.forStaff({ isSuper: true }).has('staff.manage')).toBe(true);
    const normal = registry.forStaff({ isSuper: false });
    expect([...normal].sort()).toEqual([
      'connections.view',
      'contacts.view',
      'home.view',
      'metadata.view',
      'settings.shortLinks',
      'tasks.view',
      'tenant.view',
    ]);
    // A role's rights add to the fixed ones, closed over their linked rights; a super-only right never comes from a role.
    const withRole = registry.forStaff({ isSuper: false }, ['settings.privateApps', 'staff.manage', 'dashboards.edit']);
    expect(withRole.has('settings.privateApps')).toBe(true);
    expect(withRole.has('staff.manage')).toBe(false);
    expect([...withRole].filter((id) => id.startsWith('dashboard')).sort()).toEqual([
      'dashboardFolders.view',
      'dashboards.edit',
      'dashboards.view',
    ]);
    expect([...registry.forApp()].sort()).toEqual([
      'connections.edit',
      'connections.view',
      'contacts.identify',
      'contacts.read',
      'contacts.update',
      'events.read',
      'events.track',
      'groups.read',
      'groups.write',
      'metadata.manage',
      'metadata.view',
      'tasks.view',
      'tenant.view',
    ]);
  });
});

describe('the permission matrix of seed §1.11.4.6.2', () => {
  it('holds one data row per row of the seed’s tables: 59, menu by menu as the seed lists them', () => {
    const perMenu = new Map<string, number>();
    for (const row of permissionMatrix) perMenu.set(row.menu['zh-CN'], (perMenu.get(row.menu['zh-CN']) ?? 0) + 1);
    // 仪表盘 3+3 · 客户旅程 3+3 · 用户 6 · 群组 3+3 · 用户标签 4+3 · 报表 3 · 广告 2 · 连接 3 · 元数据 2 ·
    // 设置 1+3+1 · 微信营销 3+2+5+3.
    expect(Object.fromEntries(perMenu)).toEqual({
      仪表盘: 6,
      客户旅程: 6,
      用户: 6,
      群组: 6,
      用户标签: 7,
      报表分析: 3,
      广告追踪: 2,
      连接管理: 3,
      元数据管理: 2,
      设置: 5,
      微信营销: 13,
    });
    expect(permissionMatrix).toHaveLength(59);
    expect(new Set(permissionMatrix.map((row) => row.id)).size).toBe(59);
    // Each row names its seed cells in both languages.
    for (const row of permissionMatrix) {
      for (const text of [row.menu, row.submenu, row.right, row.description]) {
        expect(text['zh-CN'].length, row.id).toBeGreaterThan(0);
        expect(text['en-US'].length, row.id).toBeGreaterThan(0);
      }
    }
  });

  it('marks exactly the seed’s default rights fixed: 用户-查看, 连接-查看, 元数据-查看, 设置-短链接', () => {
    expect(permissionMatrix.filter((row) => row.fixed).map((row) => row.id)).toEqual([
      'contacts.view',
      'connections.view',
      'metadata.view',
      'settings.shortLinks',
    ]);
  });

  it('links an object’s view with its folder’s view, and every other right of a menu with both', () => {
    const registry = new PermissionRegistry();
    for (const row of permissionMatrix)
      for (const required of row.requires ?? []) expect(registry.isKnown(required), `${row.id} → ${required}`).toBe(true);
    expect([...registry.close(['dashboards.view'])].sort()).toEqual(['dashboardFolders.view', 'dashboards.view']);
    expect([...registry.close(['journeyFolders.delete'])].sort()).toEqual([
      'journeyFolders.delete',
      'journeyFolders.view',
      'journeys.view',
    ]);
    expect([...registry.close(['tags.export'])].sort()).toEqual(['tagFolders.view', 'tags.export', 'tags.view']);
    expect([...registry.close(['reports.delete'])].sort()).toEqual(['reports.delete', 'reports.view']);
    expect([...registry.close(['ads.manage'])].sort()).toEqual(['ads.manage', 'ads.view']);
    expect([...registry.close(['wechatReports.edit'])].sort()).toEqual(['wechatReports.edit', 'wechatReports.view']);
    // Reports have no folders in the seed's table: their view stands alone.
    expect([...registry.close(['reports.view'])]).toEqual(['reports.view']);
  });

  it('offers presets made of matrix rows only, closed over their links', () => {
    const registry = new PermissionRegistry();
    const ids = new Set(permissionMatrix.map((row) => row.id));
    expect(rolePresets.map((preset) => preset.key)).toEqual(['operationsManager', 'operationsSpecialist', 'analyst', 'viewer']);
    for (const preset of rolePresets) {
      expect(preset.permissions.length, preset.key).toBeGreaterThan(0);
      for (const id of registry.close(preset.permissions)) expect(ids.has(id), `${preset.key}: ${id}`).toBe(true);
    }
    expect(rolePresets[0]!.permissions).not.toContain('contacts.unmasked');
  });
});
