import { describe, expect, it } from 'vitest';
import { hashPassword } from '../core/src/lib/password.js';
import { ingestWorkerRef } from '../core/src/modules/ingestion/ingestion.module.js';
import { testEngines } from '../core/test/support/engines.js';
import type { TestApp } from '../core/test/support/test-app.js';
import { apiFromPage, clickMenu, login, screenshot } from './browser.js';
import { tenantWithWebApp, useConsoleApp } from './console-app.js';

/** On MariaDB and a loaded machine round trips take a moment. */
const POLL = { timeout: 20_000, interval: 250 };

/** A normal staff member (not 高级员工) who can sign in — as core/test/support/staff.ts makes one; roles come later. */
async function normalStaffAccount(app: TestApp, tenantId: string) {
  const email = `operator.${process.pid}.${Date.now()}@example.com`;
  const password = 'Normal-pass-1';
  const now = Date.now();
  await app.oltp.forTenant(tenantId).insert('staff', {
    email,
    name: '运营',
    password_hash: await hashPassword(password),
    is_super: false,
    status: 'enabled',
    created_at: now,
    updated_at: now,
  });
  return { email, password };
}

for (const engine of testEngines()) {
  describe(`console: 联系人字段加密 — super staff masks 手机号码, normal staff see *** in the merge history [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it('masks the mobile for normal staff in 合并历史 while super staff keep seeing it', async () => {
      const { app, base } = ctx;
      const { tenant, collect } = await tenantWithWebApp(app, base, '字段加密租户');
      const identify = async (body: Record<string, unknown>) => {
        expect((await collect('identify', body)).accepted).toBe(1);
        await app.service(ingestWorkerRef).drain();
      };
      // Known on the phone with a mobile; anonymous on a laptop; logging in there merges the two.
      await identify({ userId: 'u-1', anonymousId: 'phone', traits: { name: '王五', mobilePhone: '13800000001' } });
      await identify({ anonymousId: 'laptop', traits: { company: 'ACME' } });
      await identify({ userId: 'u-1', anonymousId: 'laptop' });

      // Super staff: 设置 → 高级设置 → 联系人字段加密, every field starts 不加密; 手机号码 → 脱敏.
      const admin = await ctx.newPage();
      await login(admin, base, tenant.email, tenant.password);
      await clickMenu(admin, ['menu-settings', 'menu-advanced', 'menu-fieldMasking']);
      await admin.getByTestId('field-masking-page').waitFor();
      const mobileRow = admin.getByTestId('field-mask-row-mobilePhone');
      await mobileRow.waitFor();
      expect(await mobileRow.getByTestId('field-mask-name').textContent()).toBe('手机号码');
      expect(await admin.getByTestId('field-masks-count').getAttribute('data-count')).toBe('0');
      await mobileRow.locator('.ant-select-selector').click();
      await admin.getByTestId('field-mask-option-mobilePhone-masked').click();
      await expect.poll(() => admin.locator('.ant-message').textContent(), POLL).toContain('「手机号码」已设置为脱敏');
      await expect.poll(() => admin.getByTestId('field-masks-count').getAttribute('data-count'), POLL).toBe('1');
      const saved = (await apiFromPage(admin, 'GET', '/api/v1/contact-field-masks')).body.items;
      expect(saved.filter((f: { masked: boolean }) => f.masked).map((f: { key: string }) => f.key)).toEqual(['mobilePhone']);
      await screenshot(admin, `field-masking-${engine}-01-settings`, { hideToasts: true });

      // A normal staff member: no 高级设置, and the merge's mobile shows as ***.
      const account = await normalStaffAccount(app, tenant.tenantId);
      const operator = await ctx.newPage();
      await login(operator, base, account.email, account.password);
      await clickMenu(operator, ['menu-contacts', 'menu-merges']);
      await operator.getByTestId('merges-page').waitFor();
      expect(await operator.getByTestId('menu-advanced').count()).toBe(0);
      const [merge] = (await apiFromPage(operator, 'GET', '/api/v1/contacts/merges')).body.items;
      expect(JSON.stringify(merge.before)).not.toContain('13800000001');
      const beforeValues = async (page: typeof operator, column: string) => {
        const row = page.getByTestId(`merge-before-${merge.id}`).getByTestId(`merge-before-row-${column}`);
        await row.waitFor();
        return [
          (await row.getByTestId('merge-before-survivor').textContent()) ?? '',
          (await row.getByTestId('merge-before-merged').textContent()) ?? '',
        ].sort();
      };
      const mergeRow = operator.getByTestId(`merge-row-${merge.id}`);
      await mergeRow.waitFor();
      await mergeRow.locator('.ant-table-row-expand-icon').click();
      expect(await beforeValues(operator, 'mobile')).toEqual(['', '***']);
      expect(await beforeValues(operator, 'name')).toEqual(['', '王五']);
      expect(
        await operator
          .locator(
            '[data-testid="merge-before-survivor"][data-masked="true"], [data-testid="merge-before-merged"][data-masked="true"]',
          )
          .count(),
      ).toBe(1);
      // The settings page is not theirs: the server refuses it too.
      expect((await apiFromPage(operator, 'GET', '/api/v1/contact-field-masks')).status).toBe(403);
      await screenshot(operator, `field-masking-${engine}-02-normal-staff-history`);

      // Super staff see the same merge in clear text.
      await clickMenu(admin, ['menu-contacts', 'menu-merges']);
      await admin.getByTestId('merges-tab-history').click();
      const adminRow = admin.getByTestId(`merge-row-${merge.id}`);
      await adminRow.waitFor();
      await adminRow.locator('.ant-table-row-expand-icon').click();
      expect(await beforeValues(admin, 'mobile')).toEqual(['', '13800000001']);
      await admin.close();
      await operator.close();
    });
  });
}
