import { describe, expect, it } from 'vitest';
import { testEngines } from '../core/test/support/engines.js';
import { normalStaff } from '../core/test/support/staff.js';
import { Client, createTenant } from '../core/test/support/test-app.js';
import { clickMenu, login, screenshot } from './browser.js';
import { useConsoleApp } from './console-app.js';

/** On MariaDB and a loaded machine round trips take a moment. */
const POLL = { timeout: 20_000, interval: 250 };

for (const engine of testEngines()) {
  describe(`console: 设置 → 高级设置 → 部门 — the org switch, a tree, a staff member assigned [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it('switches 组织架构 on, builds 总公司 → 市场部 and puts a staff member in 市场部', async () => {
      const { app, base } = ctx;
      const tenant = await createTenant(app, { name: '部门租户' });
      const admin = await Client.staff(app.server, tenant.email, tenant.password);
      const operator = await normalStaff(app, tenant.tenantId);
      const operatorId = (await operator.request('GET', '/api/v1/auth/session')).body.staff.id as string;

      const page = await ctx.newPage();
      await login(page, base, tenant.email, tenant.password);
      await clickMenu(page, ['menu-settings', 'menu-advanced', 'menu-departments']);
      await page.getByTestId('departments-empty').waitFor();

      // 组织架构: off until switched on, after a confirmation.
      await page.getByTestId('department-org-switch').click();
      await page.getByTestId('department-org-confirm').click();
      await expect.poll(async () => page.getByTestId('department-org-hint').textContent(), POLL).toContain('已开启');

      // 总公司 at the top, 市场部 under it.
      await page.getByTestId('department-create').click();
      await page.getByTestId('department-name-input').fill('总公司');
      await page.getByTestId('department-name-submit').click();
      const hq = page.locator('[data-testid^="department-node-"][data-name="总公司"]');
      await hq.waitFor();
      await hq.click();
      await page.getByTestId('department-add-child').click();
      await page.getByTestId('department-name-input').fill('市场部');
      await page.getByTestId('department-name-submit').click();
      const marketing = page.locator('[data-testid^="department-node-"][data-name="市场部"]');
      await marketing.waitFor();

      // 分配员工: the operator into 市场部 (selected after it was created).
      await expect
        .poll(async () => page.getByTestId('department-detail').locator('.ant-card-head-title').textContent(), POLL)
        .toBe('市场部');
      await page.getByTestId('department-assign').click();
      await page.getByTestId('department-assign-staff').click();
      await page.locator('.ant-select-item-option').filter({ hasText: '运营' }).click();
      // The list stays open for more picks (over the buttons): close it as a person would, by clicking beside it.
      await page.locator('.ant-modal-title').click();
      await page.locator('.ant-select-dropdown').waitFor({ state: 'hidden' });
      await page.getByTestId('department-assign-submit').click();
      await page.getByTestId(`department-staff-${operatorId}`).waitFor();
      await screenshot(page, 'departments-01-tree-and-staff', { hideToasts: true });

      // The server has it so, and the operator now sees its own department.
      const tree = (await admin.request('GET', '/api/v1/departments')).body;
      expect(tree.orgEnabled).toBe(true);
      expect(tree.departments.map((d: { name: string; staffCount: number }) => [d.name, d.staffCount])).toEqual([
        ['总公司', 0],
        ['市场部', 1],
      ]);
      const [hqRow, marketingRow] = tree.departments;
      expect(marketingRow.parentId).toBe(hqRow.id);
      const mine = (await operator.request('GET', '/api/v1/departments')).body;
      expect(mine).toMatchObject({ myDepartmentId: marketingRow.id, assignableIds: [marketingRow.id] });
      await page.close();
    });
  });
}
