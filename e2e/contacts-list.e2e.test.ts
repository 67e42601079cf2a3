import { describe, expect, it } from 'vitest';
import { DEMO_EMAIL, seedDemo } from '../core/src/cli/demo.js';
import { testEngines } from '../core/test/support/engines.js';
import { login, screenshot } from './browser.js';
import { useConsoleApp } from './console-app.js';
import { createTenant } from '../core/test/support/test-app.js';

/** On MariaDB and a loaded machine round trips take a moment. */
const POLL = { timeout: 20_000, interval: 250 };
/** Enough demo people for a filter of two leaves to keep a handful (the full demo has 5,000). */
const CONTACTS = 400;

for (const engine of testEngines()) {
  describe(`console: 所有用户 — 高级搜索 with two leaves on the demo tenant [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it('filters by 省份 = 广东省 and 会员等级 包含 金卡: the rows are exactly the matching contacts, newest updated first', async () => {
      const { app, base } = ctx;
      const password = 'Demo-pass-2026';
      // An operator's own tenant first: the demo tenant alone does not count as set up (first run).
      await createTenant(app, { name: '运营租户' });
      const demo = await seedDemo(app, { baseUrl: base, contacts: CONTACTS, password });
      expect(demo.contacts).toBe(CONTACTS);

      // The ground truth, straight from the OLAP contacts: the custom field 会员等级 is attr<seq> → p_<seq>.
      const fields = (await app.oltp.forTenant(demo.tenantId).from('meta_contact_field').select('name', 'seq')) as {
        name: string;
        seq: number | string;
      }[];
      const seq = fields.find((field) => field.name === '会员等级')!.seq;
      const truth = (
        await app.olap
          .forTenant(demo.tenantId)
          .query(
            `SELECT id FROM contacts WHERE province = '广东省' AND contains(p_${Number(seq)}, '金卡') ORDER BY updated_at DESC, id DESC`,
            { rowMode: 'json' },
          )
      ).rows.map((row) => String((row as { id: unknown }).id));
      expect(truth.length).toBeGreaterThan(0);
      expect(truth.length).toBeLessThan(20);

      const page = await ctx.newPage();
      await login(page, base, DEMO_EMAIL, password);
      await page.goto(`${base}/contacts/all`);
      await page.getByTestId('contacts-page').waitFor();
      await expect.poll(async () => page.getByTestId('contacts-total').getAttribute('data-total'), POLL).toBe(String(CONTACTS));
      await screenshot(page, `contacts-list-${engine}-01-all`);

      // 高级搜索: two 用户属性 leaves, ANDed.
      await page.getByTestId('contacts-advanced-toggle').click();
      await page.getByTestId('condition-builder').waitFor();
      const addProperty = async () => {
        await page.getByTestId('condition-group-root-add').click();
        await page.locator('.ant-dropdown:not(.ant-dropdown-hidden)').getByRole('menuitem', { name: '用户属性' }).click();
      };
      const chooseProperty = async (index: number, name: string) => {
        const input = page.getByTestId(`condition-${index}-leaf`).getByRole('combobox', { name: '属性' });
        await input.fill(name);
        await input.press('Enter');
      };
      await addProperty();
      await chooseProperty(0, '省份');
      const firstValue = page.getByTestId('condition-0-leaf').getByRole('combobox', { name: '值' });
      await firstValue.fill('广东省');
      await firstValue.press('Enter');
      await addProperty();
      await chooseProperty(1, '会员等级');
      await page.getByTestId('condition-1-operator').click();
      await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option[title="包含"]').click();
      await page.getByTestId('condition-1-leaf').getByLabel('值').fill('金卡');
      await page.getByTestId('contacts-filter-apply').click();

      await expect
        .poll(async () => page.getByTestId('contacts-total').getAttribute('data-total'), POLL)
        .toBe(String(truth.length));
      const rowIds = async () =>
        (
          await page
            .locator('[data-testid^="contact-row-"]')
            .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-testid')))
        ).map((id) => String(id).replace('contact-row-', ''));
      await expect.poll(rowIds, POLL).toEqual(truth);
      // The default columns show 省份: every row says 广东省.
      const provinces = await page.locator('[data-testid^="contact-row-"] [data-testid="contact-cell-state"]').allTextContents();
      expect(provinces).toEqual(truth.map(() => '广东省'));
      // A row opens the contact.
      expect(
        await page.locator(`[data-testid="contact-row-${truth[0]}"] [data-testid="contact-link"]`).getAttribute('href'),
      ).toBe(`/contacts/${truth[0]}`);
      await screenshot(page, `contacts-list-${engine}-02-filtered`);

      // 取消 clears the filter: every contact again.
      await page.getByTestId('contacts-filter-clear').click();
      await expect.poll(async () => page.getByTestId('contacts-total').getAttribute('data-total'), POLL).toBe(String(CONTACTS));
    }, 240_000);
  });
}
