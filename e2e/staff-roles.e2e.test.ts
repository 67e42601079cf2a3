import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { testEngines } from '../core/test/support/engines.js';
import { Client, createTenant } from '../core/test/support/test-app.js';
import { apiFromPage, clickMenu, login, screenshot } from './browser.js';
import { useConsoleApp } from './console-app.js';

/** On MariaDB and a loaded machine round trips take a moment. */
const POLL = { timeout: 20_000, interval: 250 };

/** Picks `label` in the antd select holding the test id. */
async function choose(page: Page, selectTestId: string, label: string): Promise<void> {
  await page.getByTestId(selectTestId).click();
  await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option', { hasText: label }).click();
}

/** 更多操作 of a role, then one of its items. */
async function roleAction(page: Page, roleId: string, action: string): Promise<void> {
  await page.getByTestId(`role-row-${roleId}`).getByTestId('role-more').click();
  await page.locator(`.ant-dropdown:not(.ant-dropdown-hidden) [data-testid="role-action-${action}"]`).click();
}

async function logout(page: Page): Promise<void> {
  await page.getByTestId('staff-menu').hover();
  await page.getByTestId('logout').click();
  await page.getByTestId('login-submit').waitFor();
}

for (const engine of testEngines()) {
  describe(`console: 员工 and 角色 — a role from a preset, a member holding it, what they see, their session ended by a change [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it('builds a role in the editor, adds a member with it, and the member sees only what the role grants', async () => {
      const { app, base } = ctx;
      const tenant = await createTenant(app, { name: '员工角色租户' });
      const admin = await Client.staff(app.server, tenant.email, tenant.password);
      const memberEmail = `member.${engine}.${Date.now()}@example.com`;
      const memberPassword = 'Member-pass-1';

      const page = await ctx.newPage();
      await login(page, base, tenant.email, tenant.password);

      // 员工: the super staff alone, without actions; adding staff first asks for a role.
      await clickMenu(page, ['menu-settings', 'menu-advanced', 'menu-staff']);
      await page.getByTestId('staff-page').waitFor();
      const superRow = page.getByTestId(`staff-row-${tenant.staffId}`);
      await superRow.waitFor();
      expect(await superRow.getByTestId('staff-type').textContent()).toBe('高级员工');
      expect(await superRow.getByTestId('staff-protected').count()).toBe(1);
      expect(await superRow.getByTestId('staff-action-edit').count()).toBe(0);
      await page.getByTestId('staff-create').click();
      await page.getByTestId('staff-no-roles').waitFor();
      expect(await page.getByTestId('staff-no-roles').textContent()).toContain('请先在【角色】中添加角色');
      await page.getByTestId('staff-no-roles-link').click();

      // 角色 → 新建角色: 快速选择 运营专员, untick 连接-编辑, tick 设置 → 私有App设置.
      await page.getByTestId('roles-page').waitFor();
      await page.getByTestId('roles-empty').waitFor();
      await page.getByTestId('roles-create').click();
      await page.getByTestId('permission-matrix').waitFor();
      expect(await page.getByTestId('permission-contacts.view').isChecked()).toBe(true);
      expect(await page.getByTestId('permission-contacts.view').isDisabled()).toBe(true);
      await page.getByTestId('role-form-name').fill('私有App运营');
      await choose(page, 'role-form-preset', '运营专员');
      await expect.poll(() => page.getByTestId('permission-connections.edit').isChecked(), POLL).toBe(true);
      expect(await page.getByTestId('permission-contacts.edit').isChecked()).toBe(true);
      expect(await page.getByTestId('permission-settings.privateApps').isChecked()).toBe(false);
      await page.getByTestId('permission-connections.edit').uncheck();
      await page.getByTestId('permission-settings.privateApps').check();
      await screenshot(page, `staff-roles-${engine}-01-role-editor`);
      await page.getByTestId('role-form-submit').click();
      await expect.poll(() => page.locator('.ant-message').textContent(), POLL).toContain('已新建角色 私有App运营');
      const [role] = (await admin.request('GET', '/api/v1/roles')).body as { id: string; permissions: string[] }[];
      // The preset follows the matrix as modules land: what it picks, less 连接-编辑, plus 私有App设置.
      const catalog = (await admin.request('GET', '/api/v1/permissions')).body as {
        matrix: { id: string; fixed: boolean }[];
        presets: { key: string; permissions: string[] }[];
      };
      const fixed = new Set(catalog.matrix.filter((row) => row.fixed).map((row) => row.id));
      const preset = catalog.presets.find((item) => item.key === 'operationsSpecialist')!.permissions;
      const picked = preset.filter((id) => !fixed.has(id) && id !== 'connections.edit');
      expect(picked).toContain('contacts.edit');
      expect(picked).not.toContain('settings.privateApps');
      const granted = [...picked, 'settings.privateApps'].sort();
      expect(role!.permissions).toEqual(granted);
      const roleRow = page.getByTestId(`role-row-${role!.id}`);
      await roleRow.waitFor();
      expect(await roleRow.getByTestId('role-permission-count').textContent()).toBe(`${granted.length} 项`);
      await screenshot(page, `staff-roles-${engine}-02-roles`, { hideToasts: true });

      // 员工 → 添加员工 with that role.
      await clickMenu(page, ['menu-settings', 'menu-advanced', 'menu-staff']);
      await page.getByTestId('staff-page').waitFor();
      await page.getByTestId('staff-create').click();
      await page.getByTestId('staff-form-email').fill(memberEmail);
      await page.getByTestId('staff-form-name').fill('小运营');
      await page.getByTestId('staff-form-password').fill(memberPassword);
      await choose(page, 'staff-form-roles', '私有App运营');
      await page.getByTestId('staff-form-submit').click();
      await expect.poll(() => page.locator('.ant-message').textContent(), POLL).toContain('已添加员工 小运营');
      const staff = (await admin.request('GET', '/api/v1/staff')).body.items as {
        id: string;
        email: string;
        roleIds: string[];
      }[];
      const member = staff.find((item) => item.email === memberEmail)!;
      expect(member.roleIds).toEqual([role!.id]);
      const memberRow = page.getByTestId(`staff-row-${member.id}`);
      await memberRow.waitFor();
      expect(await memberRow.getByTestId('staff-role').allTextContents()).toEqual(['私有App运营']);
      expect(await memberRow.getByTestId('staff-type').textContent()).toBe('员工');
      await screenshot(page, `staff-roles-${engine}-03-staff`, { hideToasts: true });

      // The member signs in: 私有App设置 works, 高级设置 is neither in the menu nor reachable.
      await logout(page);
      // Signed out from 员工, the member lands on the home page (not on a page they may not open).
      await login(page, base, memberEmail, memberPassword);
      expect(new URL(page.url()).pathname).toBe('/');
      await clickMenu(page, ['menu-settings', 'menu-integration', 'menu-privateApps']);
      expect(await page.getByTestId('menu-advanced').count()).toBe(0);
      await page.getByTestId('apps-create').click();
      await page.getByTestId('app-name-input').fill('员工的应用');
      await page.getByTestId('app-form-submit').click();
      await page.getByTestId('app-secret-modal').waitFor();
      await page.getByTestId('app-secret-done').click();
      await expect.poll(() => page.locator('.ant-pro-table').textContent(), POLL).toContain('员工的应用');
      for (const path of ['/settings/advanced/staff', '/settings/advanced/roles']) {
        await page.goto(`${base}${path}`);
        await page.getByTestId('forbidden-page').waitFor();
        expect(await page.getByTestId('forbidden-page').textContent(), path).toContain('无权访问');
        expect(await page.getByTestId('staff-page').count()).toBe(0);
      }
      await screenshot(page, `staff-roles-${engine}-04-member-forbidden`);
      const refused = await apiFromPage(page, 'GET', '/api/v1/staff');
      expect(refused).toMatchObject({ status: 403, body: { code: 'forbidden' } });

      // The super staff (another browser) takes 私有App设置 away from the role.
      const adminPage = await ctx.newPage();
      await login(adminPage, base, tenant.email, tenant.password);
      await adminPage.goto(`${base}/settings/advanced/roles`);
      await adminPage.getByTestId(`role-row-${role!.id}`).waitFor();
      await roleAction(adminPage, role!.id, 'edit');
      await adminPage.getByTestId('permission-matrix').waitFor();
      await expect.poll(() => adminPage.getByTestId('permission-settings.privateApps').isChecked(), POLL).toBe(true);
      await adminPage.getByTestId('permission-settings.privateApps').uncheck();
      await adminPage.getByTestId('role-form-submit').click();
      await expect.poll(() => adminPage.locator('.ant-message').textContent(), POLL).toContain('已保存角色 私有App运营');
      expect((await admin.request('GET', `/api/v1/roles/${role!.id}`)).body.permissions).toEqual(
        granted.filter((id) => id !== 'settings.privateApps'),
      );
      await adminPage.close();

      // The member's next request finds the session ended: 返回首页 asks the server again and lands
      // on the login page.
      await page.getByTestId('forbidden-page').getByRole('button').click();
      await page.getByTestId('login-submit').waitFor();
      expect(new URL(page.url()).pathname).toBe('/login');
      expect((await apiFromPage(page, 'GET', '/api/v1/auth/session')).status).toBe(401);
      // Signed in again, the member no longer has 私有App设置: with 设置 open, only 通知中心 is left.
      await login(page, base, memberEmail, memberPassword);
      await page.goto(`${base}/settings/notifications`);
      await page.getByTestId('notifications-page').waitFor();
      await page.getByTestId('menu-notifications').waitFor();
      expect(await page.getByTestId('menu-integration').count()).toBe(0);
      expect(await page.getByTestId('menu-advanced').count()).toBe(0);
      await page.goto(`${base}/settings/apps`);
      await page.getByTestId('forbidden-page').waitFor();
      expect((await apiFromPage(page, 'GET', '/api/v1/apps')).status).toBe(403);
      await screenshot(page, `staff-roles-${engine}-05-member-after-change`);
      await page.close();
    });
  });
}
