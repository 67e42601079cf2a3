// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { pluginPageRoutes } from './plugins/registry';
import { type AppRoute, appRoutes, pagePermission, pageRoutes, visibleRoutes } from './routes';

/** The menu a staff member holding `permissions` sees, as test ids of the entries (depth first). */
function menuOf(permissions: string[]): string[] {
  const walk = (routes: AppRoute[]): string[] =>
    routes.filter((route) => !route.hideInMenu).flatMap((route) => [route.name, ...walk(route.children ?? [])]);
  return walk(visibleRoutes(appRoutes, (permission) => permission === undefined || permissions.includes(permission)));
}

describe('高级设置 in the menu and the page guard', () => {
  it('shows 高级设置 → 员工 and 角色 to super staff only (staff.manage)', () => {
    const superMenu = menuOf(['staff.manage', 'settings.privateApps', 'contacts.view']);
    expect(superMenu).toEqual(expect.arrayContaining(['menu.advanced', 'menu.staff', 'menu.roles']));
    expect(superMenu.indexOf('menu.staff')).toBe(superMenu.indexOf('menu.advanced') + 1);
    const member = menuOf(['settings.privateApps', 'contacts.view', 'connections.view', 'metadata.view']);
    expect(member).toContain('menu.privateApps');
    expect(member).not.toContain('menu.advanced');
    expect(member).not.toContain('menu.staff');
    expect(member).not.toContain('menu.roles');
  });

  it('names the permission of the page at an address (parameters matched), none for unknown ones', () => {
    expect(pagePermission('/settings/advanced/staff')).toBe('staff.manage');
    expect(pagePermission('/settings/advanced/roles')).toBe('staff.manage');
    expect(pagePermission('/settings/apps')).toBe('settings.privateApps');
    expect(pagePermission('/connections/12')).toBe('connections.edit');
    expect(pagePermission('/')).toBeUndefined();
    expect(pagePermission('/no/such/page')).toBeUndefined();
  });
});

describe('pages of plugins disabled for the tenant (ADR 0041)', () => {
  it('drops a disabled plugin’s pages from the routes, and only those', () => {
    const pages = (disabled: string[]) => pageRoutes(visibleRoutes(appRoutes, () => true, disabled)).map((route) => route.path);
    const own = pluginPageRoutes.filter((route) => route.pluginId === 'custom-channel').map((route) => route.path);
    expect(own.length).toBeGreaterThan(0);
    expect(pages([])).toEqual(expect.arrayContaining(own));
    const without = pages(['custom-channel']);
    for (const path of own) expect(without).not.toContain(path);
    expect(without).toEqual(pages([]).filter((path) => !own.includes(path)));
    // A plugin the tenant has no page of changes nothing.
    expect(pages(['premium'])).toEqual(pages([]));
  });
});

describe('仪表盘 and 报表分析 in the menu', () => {
  it('shows 仪表盘 with dashboards.view and 报表分析 → 事件分析 with reports.view, in CONSOLE.md’s order', () => {
    const all = menuOf(['dashboards.view', 'reports.view', 'contacts.view', 'groups.view', 'tags.view', 'connections.view']);
    expect(all.slice(0, 2)).toEqual(['menu.home', 'menu.dashboards']);
    expect(all.indexOf('menu.eventAnalysis')).toBe(all.indexOf('menu.analytics') + 1);
    // The models in CONSOLE.md's order (event · funnel · user · profile · distribution · retention · path ·
    // attribution · LTV · custom query), 所有报表 after them.
    const analytics = all.slice(all.indexOf('menu.analytics') + 1, all.indexOf('menu.allReports') + 1);
    expect(analytics).toEqual([
      'menu.eventAnalysis',
      'menu.funnelAnalysis',
      'menu.userAnalysis',
      'menu.profile',
      'menu.distributionAnalysis',
      'menu.retentionAnalysis',
      'menu.pathAnalysis',
      'menu.attributionAnalysis',
      'menu.ltvAnalysis',
      'menu.customQuery',
      'menu.allReports',
    ]);
    expect(all.indexOf('menu.analytics')).toBeGreaterThan(all.indexOf('menu.tags'));
    expect(all.indexOf('menu.analytics')).toBeLessThan(all.indexOf('menu.connections'));
    const none = menuOf(['contacts.view']);
    expect(none).not.toContain('menu.dashboards');
    expect(none).not.toContain('menu.analytics');
    expect(none).not.toContain('menu.eventAnalysis');
    expect(none).not.toContain('menu.allReports');
    expect(menuOf(['reports.view'])).not.toContain('menu.dashboards');
  });

  it('guards the builder, saved reports and dashboards with their permissions', () => {
    expect(pagePermission('/analytics/event')).toBe('reports.view');
    expect(pagePermission('/analytics/event/12')).toBe('reports.view');
    expect(pagePermission('/analytics/funnel')).toBe('reports.view');
    expect(pagePermission('/analytics/funnel/12')).toBe('reports.view');
    expect(pagePermission('/analytics/reports')).toBe('reports.view');
    expect(pagePermission('/analytics/retention/12')).toBe('reports.view');
    expect(pagePermission('/analytics/user')).toBe('reports.view');
    expect(pagePermission('/analytics/user/12')).toBe('reports.view');
    expect(pagePermission('/analytics/profile')).toBe('reports.view');
    expect(pagePermission('/analytics/profile/12')).toBe('reports.view');
    expect(pagePermission('/analytics/distribution')).toBe('reports.view');
    expect(pagePermission('/analytics/distribution/12')).toBe('reports.view');
    expect(pagePermission('/analytics/path')).toBe('reports.view');
    expect(pagePermission('/analytics/path/12')).toBe('reports.view');
    expect(pagePermission('/analytics/attribution')).toBe('reports.view');
    expect(pagePermission('/analytics/attribution/12')).toBe('reports.view');
    expect(pagePermission('/dashboards')).toBe('dashboards.view');
    expect(pagePermission('/dashboards/3')).toBe('dashboards.view');
  });
});
