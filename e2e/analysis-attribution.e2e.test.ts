import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { demoDashboardOf, DEMO_EMAIL, DEMO_REPORTS, seedDemo } from '../core/src/cli/demo.js';
import { testEngines } from '../core/test/support/engines.js';
import { createTenant } from '../core/test/support/test-app.js';
import { apiFromPage, clickMenu, login, screenshot } from './browser.js';
import { useConsoleApp } from './console-app.js';

/** A report run on MariaDB and a loaded 2-core machine takes a moment. */
const POLL = { timeout: 40_000, interval: 250 };
const PASSWORD = 'Demo-pass-2026';

type Row = { touch: number | null; totalClicks: number | null; effectiveClicks: number | null; value: number };
type Result = { touches: { name: string }[]; rows: Row[]; totals: { conversions: number }[] };

/** The attribution table's rows as [待归因事件, 总点击数, 有效转化点击数] texts. */
async function tableRows(table: Locator): Promise<string[][]> {
  if ((await table.count()) === 0) return [];
  const out: string[][] = [];
  for (const row of await table.locator('tbody tr.ant-table-row').all()) {
    const cells = row.locator('td');
    out.push(await Promise.all([0, 1, 2].map(async (i) => (await cells.nth(i).innerText()).trim())));
  }
  return out;
}

/** The same rows from the API's answer, as the console formats them (`1,234`; `-` for 直接转化's clicks). */
function expectedRows(result: Result): string[][] {
  const format = (n: number | null) => (n === null ? '-' : new Intl.NumberFormat('zh-CN').format(n));
  return result.rows.map((row) => [
    row.touch === null ? '直接转化' : result.touches[row.touch]!.name,
    format(row.totalClicks),
    format(row.effectiveClicks),
  ]);
}

async function expectTable(page: Page, result: Result): Promise<void> {
  await expect.poll(async () => page.getByTestId('attribution-chart').locator('canvas').count(), POLL).toBeGreaterThan(0);
  await expect.poll(async () => tableRows(page.getByTestId('attribution-table')), POLL).toEqual(expectedRows(result));
}

for (const engine of testEngines()) {
  describe(`console: 归因分析 on the demo tenant [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it(
      'opens the saved attribution from 所有报表 with the API’s numbers, switches to first touch without direct conversions, and sees its dashboard card',
      async () => {
        const { app, base } = ctx;
        await seedDemo(app, { baseUrl: base, contacts: 30, password: PASSWORD });
        await createTenant(app, { name: '运营租户' });
        const page = await ctx.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (error) => pageErrors.push(error.message));
        await login(page, base, DEMO_EMAIL, PASSWORD);

        const demo = DEMO_REPORTS.find((report) => report.model === 'attribution')!;
        const listed = await apiFromPage<{ items: { id: string; name: string }[] }>(
          page,
          'GET',
          '/api/v1/console/reports?model=attribution&pageSize=100',
        );
        const saved = listed.body.items.find((report) => report.name === demo.name)!;
        expect(saved, demo.name).toBeDefined();
        const answer = await apiFromPage<Result>(page, 'POST', `/api/v1/console/reports/${saved.id}/run`, {});
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        expect(answer.body.totals[0]!.conversions).toBeGreaterThan(0);

        // 所有报表 → the report opens in 归因分析 with the API's rows.
        await clickMenu(page, ['menu-analytics', 'menu-allReports']);
        await page.getByTestId(`report-link-${saved.id}`).click();
        await page.waitForURL(new RegExp(`/analytics/attribution/${saved.id}$`));
        await page.getByTestId('attribution-analysis').first().waitFor();
        await expect.poll(async () => page.locator('.ant-page-header-heading-title').innerText(), POLL).toBe(demo.name);
        await expectTable(page, answer.body);
        expect(await page.getByTestId('report-dirty').count()).toBe(0);
        await screenshot(page, `attribution-${engine}-saved`, { hideToasts: true });

        // 首次触点归因, 直接转化 unchecked: the numbers of that question, 直接转化 gone.
        const changed = { ...(demo.query as Record<string, unknown>), attributionModel: 'first', directConversions: false };
        const rerun = await apiFromPage<Result>(page, 'POST', '/api/v1/console/report-runs', {
          model: 'attribution',
          query: changed,
        });
        expect(rerun.status, JSON.stringify(rerun.body)).toBe(200);
        expect(rerun.body.rows.some((row) => row.touch === null)).toBe(false);
        await page.getByTestId('attribution-model-first').click();
        await page.getByTestId('attribution-direct').click();
        await page.getByTestId('report-dirty').waitFor();
        await expectTable(page, rerun.body);
        await screenshot(page, `attribution-${engine}-first-touch`, { hideToasts: true });

        // The menu entry opens a new question.
        await clickMenu(page, ['menu-analytics', 'menu-attributionAnalysis']);
        await page.waitForURL(/\/analytics\/attribution$/);
        await expect.poll(async () => page.locator('.ant-page-header-heading-title').innerText(), POLL).toBe('新建归因分析');

        // 电商概览: the attribution card shows its table.
        const boards = await apiFromPage<{ items: { id: string; name: string }[] }>(page, 'GET', '/api/v1/console/dashboards');
        const board = boards.body.items.find((item) => item.name === demoDashboardOf(demo)!.name)!;
        await clickMenu(page, ['menu-dashboards']);
        await page.getByTestId('dashboards-page').waitFor();
        await page.getByTestId(`dashboard-node-dashboard-${board.id}`).click();
        await page.waitForURL(new RegExp(`/dashboards/${board.id}$`));
        await page.getByTestId('dashboard-view').waitFor();
        const card = page.locator('[data-testid^="dashboard-card-"][data-card-id]', { hasText: demo.name });
        await card.scrollIntoViewIfNeeded();
        await expect.poll(async () => card.locator('tbody tr.ant-table-row').count(), POLL).toBe(answer.body.rows.length);
        await screenshot(page, `attribution-${engine}-dashboard`, { hideToasts: true });
        expect(pageErrors).toEqual([]);
        await page.close();
      },
      5 * 60_000,
    );
  });
}
