// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { type AppRoute, appRoutes, pagePermission, visibleRoutes } from './routes';

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
