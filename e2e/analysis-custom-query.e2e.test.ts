import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO_EMAIL, DEMO_REPORTS, seedDemo } from '../core/src/cli/demo.js';
import { testEngines } from '../core/test/support/engines.js';
import { createTenant } from '../core/test/support/test-app.js';
import { apiFromPage, clickMenu, login, screenshot } from './browser.js';
import { useConsoleApp } from './console-app.js';

/** A report run on MariaDB and a loaded 2-core machine takes a moment. */
const POLL = { timeout: 40_000, interval: 250 };
const PASSWORD = 'Demo-pass-2026';
const SQL =
  "SELECT event, count(*) AS events FROM event_view WHERE event IN ('view_product', 'pay_order') GROUP BY event ORDER BY event";

/** The texts of each data row of an antd table, cell by cell. */
async function rowsOf(table: Locator): Promise<string[][]> {
  if ((await table.count()) === 0) return [];
  const out: string[][] = [];
  for (const row of await table.locator('tbody tr.ant-table-row').all())
    out.push((await row.locator('td').allInnerTexts()).map((text) => text.trim()));
  return out;
}

for (const engine of testEngines()) {
  describe(`console: 自定义查询 and 保存为群组 on the demo tenant [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it(
      'writes SQL with the columns panel, runs it with Ctrl+Enter (the API’s rows), shows a refusal at the editor, opens the demo’s saved query, and saves a retention cell as a group',
      async () => {
        const { app, base } = ctx;
        await seedDemo(app, { baseUrl: base, contacts: 30, password: PASSWORD });
        await createTenant(app, { name: '运营租户' });
        const page = await ctx.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (error) => pageErrors.push(error.message));
        await login(page, base, DEMO_EMAIL, PASSWORD);

        // 报表分析 → 自定义查询: the columns of both views, a click inserts one.
        await clickMenu(page, ['menu-analytics', 'menu-customQuery']);
        await page.waitForURL(/\/analytics\/sql$/);
        await page.getByTestId('custom-query-columns-event_view').getByText('event_day', { exact: true }).waitFor();
        await page.getByTestId('custom-query-columns-contact_view').getByText('province', { exact: true }).waitFor();
        const editor = page.getByTestId('custom-query-sql');
        await editor.fill('SELECT count(*) AS n FROM ');
        await page.getByTestId('custom-query-view-event_view').click();
        await expect.poll(async () => editor.inputValue(), POLL).toBe('SELECT count(*) AS n FROM event_view');

        // The API's answer for the SQL, then the page's after Ctrl+Enter.
        const answer = await apiFromPage(page, 'POST', '/api/v1/console/report-runs', {
          model: 'customQuery',
          query: { sql: SQL },
        });
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        const expected = (answer.body.rows as { event: string; events: string }[]).map((row) => [
          row.event,
          Number(row.events).toLocaleString('en-US'),
        ]);
        expect(expected.map((row) => row[0])).toEqual(['pay_order', 'view_product']);
        await editor.fill(SQL);
        await editor.press('Control+Enter');
        await expect.poll(async () => rowsOf(page.getByTestId('custom-query-rows')), POLL).toEqual(expected);
        await screenshot(page, `custom-query-${engine}-rows`, { hideToasts: true });

        // A function the sandbox refuses: its reason at the editor, no rows.
        await editor.fill("SELECT getenv('HOME')");
        await page.getByTestId('custom-query-run').click();
        await expect.poll(async () => page.getByTestId('custom-query-error').innerText(), POLL).toContain('getenv');
        await screenshot(page, `custom-query-${engine}-refused`, { hideToasts: true });

        // The demo's saved query opens from 所有报表 and runs at once.
        const demo = DEMO_REPORTS.find((report) => report.model === 'customQuery')!;
        const listed = await apiFromPage<{ items: { id: string; name: string }[] }>(
          page,
          'GET',
          '/api/v1/console/reports?model=customQuery&pageSize=100',
        );
        const saved = listed.body.items.find((report) => report.name === demo.name)!;
        expect(saved, demo.name).toBeDefined();
        const savedAnswer = await apiFromPage(page, 'POST', `/api/v1/console/reports/${saved.id}/run`, {});
        expect(savedAnswer.status).toBe(200);
        expect((savedAnswer.body.rows as unknown[]).length).toBeGreaterThan(0);
        await clickMenu(page, ['menu-analytics', 'menu-allReports']);
        await page.getByTestId(`report-link-${saved.id}`).click();
        await page.waitForURL(new RegExp(`/analytics/sql/${saved.id}$`));
        await expect.poll(async () => page.locator('.ant-page-header-heading-title').innerText(), POLL).toBe(demo.name);
        await expect
          .poll(async () => (await rowsOf(page.getByTestId('custom-query-rows'))).length, POLL)
          .toBe((savedAnswer.body.rows as unknown[]).length);

        // 留存分析 → a cohort's 人数 → 保存为群组 → the group holds exactly that many users.
        const retention = DEMO_REPORTS.find((report) => report.model === 'retention')!;
        const retentionReport = (
          await apiFromPage<{ items: { id: string; name: string }[] }>(page, 'GET', '/api/v1/console/reports?model=retention')
        ).body.items.find((report) => report.name === retention.name)!;
        const retentionAnswer = await apiFromPage(page, 'POST', `/api/v1/console/reports/${retentionReport.id}/run`, {});
        const cohort = (retentionAnswer.body.tables[0].cohorts as { date: string; users: number }[]).find((c) => c.users > 0)!;
        expect(cohort).toBeDefined();
        await page.goto(`${base}/analytics/retention/${retentionReport.id}`);
        const link = page.getByTestId(`retention-table-save-${cohort.date}-users`);
        await link.waitFor({ timeout: POLL.timeout });
        await link.click();
        // The dialog names the cell's number of users.
        await expect.poll(async () => page.getByTestId('cell-group-cell').innerText(), POLL).toContain(String(cohort.users));
        await page.getByTestId('cell-group-name').fill(`留存 ${cohort.date} 初始用户`);
        await page.locator('.ant-modal-footer .ant-btn-primary').filter({ visible: true }).click();
        await page.getByTestId('cell-group-saved').waitFor({ timeout: POLL.timeout });
        await screenshot(page, `custom-query-${engine}-cell-group`, { hideToasts: true });
        await page.getByTestId('cell-group-link').click();
        await page.waitForURL(/\/groups\/\d+$/);
        const groupId = page.url().split('/').pop()!;
        const group = await apiFromPage(page, 'GET', `/api/v1/console/groups/${groupId}`);
        expect([group.body.kind, group.body.memberCount]).toEqual(['static', cohort.users]);
        expect(pageErrors).toEqual([]);
        await page.close();
      },
      5 * 60_000,
    );
  });
}
