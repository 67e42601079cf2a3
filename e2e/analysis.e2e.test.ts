import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO_DASHBOARD, DEMO_EMAIL, DEMO_REPORTS, seedDemo } from '../core/src/cli/demo.js';
import { testEngines } from '../core/test/support/engines.js';
import { createTenant } from '../core/test/support/test-app.js';
import { apiFromPage, clickMenu, login, screenshot } from './browser.js';
import { useConsoleApp } from './console-app.js';

/** A report run on MariaDB and a loaded 2-core machine takes a moment. */
const POLL = { timeout: 40_000, interval: 250 };
const PASSWORD = 'Demo-pass-2026';

type Model = 'funnel' | 'retention' | 'distribution' | 'ltv';
type Saved = { id: string; name: string; model: string; query: Record<string, any> };

/** A number as the console formats it (`1,234`, `56.7`), or NaN. */
const numberOf = (text: string) => Number(text.replace(/[,\s]/g, ''));

/** The texts of column `column` (0-based) of an antd table's data rows. */
async function columnTexts(table: Locator, column: number): Promise<string[]> {
  const rows = table.locator('tbody tr.ant-table-row');
  const out: string[] = [];
  for (const row of await rows.all()) out.push((await row.locator('td').nth(column).innerText()).trim());
  return out;
}

/** Column `column` of the table as numbers (empty when the table is not there yet). */
async function columnNumbers(table: Locator, column: number): Promise<number[]> {
  if ((await table.count()) === 0) return [];
  return (await columnTexts(table, column).catch(() => [])).map(numberOf);
}

/** Where each model's page draws its chart and table, and which table column holds its headline numbers. */
const PAGES: Record<Model, { page: string; chart: string; table: string; column: number }> = {
  // 漏斗表格: 步骤, 人数, …
  funnel: { page: 'funnel-analysis', chart: 'funnel-chart', table: 'funnel-table', column: 1 },
  // 留存表: 日期 (合计 first), 人数, …
  retention: { page: 'retention-analysis', chart: 'retention-chart', table: 'retention-table', column: 1 },
  // 区间, 人数, 占比
  distribution: { page: 'distribution-analysis', chart: 'distribution-chart', table: 'distribution-table', column: 1 },
  // LTV详情表 of the question's metric: 初始日期 (总体 first), 初始人数, …
  ltv: { page: 'ltv-analysis', chart: 'ltv-chart', table: 'ltv-table-arpu', column: 1 },
};

/** The headline numbers of a model's answer, in the order its page's table shows them. */
function expectedNumbers(model: Model, result: any): number[] {
  switch (model) {
    case 'funnel':
      return (result.funnels[0].steps as { users: number }[]).map((step) => step.users);
    case 'retention':
      return [result.tables[0].total.users, ...(result.tables[0].cohorts as { users: number }[]).map((c) => c.users)];
    case 'distribution':
      return result.series[0].users as number[];
    case 'ltv':
      return (result.rows as { initialUsers: number }[]).map((row) => row.initialUsers);
  }
}

/** Opens 所有报表 from the menu and waits for the report's row. */
async function openAllReports(page: Page, reportId: string): Promise<void> {
  await clickMenu(page, ['menu-analytics', 'menu-allReports']);
  await page.getByTestId('reports-page').waitFor();
  await page.getByTestId(`report-link-${reportId}`).waitFor();
}

/** The page's chart has drawn (a canvas) and its table shows `expected` (all read from the API). */
async function expectAnswer(page: Page, model: Model, expected: number[]): Promise<void> {
  const { chart, table, column } = PAGES[model];
  await expect.poll(async () => page.getByTestId(chart).locator('canvas').count(), POLL).toBeGreaterThan(0);
  await expect.poll(async () => columnNumbers(page.getByTestId(table), column), POLL).toEqual(expected);
}

for (const engine of testEngines()) {
  describe(`console: 漏斗 / 留存 / 分布 / LTV on the demo tenant, and its 电商概览 dashboard [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it(
      'opens each saved analysis from 所有报表 with its chart and numbers, re-runs a changed funnel, saves it as a new report, and sees all 8 dashboard cards',
      async () => {
        const { app, base } = ctx;
        // The demo tenant (`huiliu demo`) with a few contacts, sent through the SDK like the real one.
        await seedDemo(app, { baseUrl: base, contacts: 30, password: PASSWORD });
        // An operator's own tenant exists too (else the console offers the first-run setup).
        await createTenant(app, { name: '运营租户' });
        const page = await ctx.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (error) => pageErrors.push(error.message));
        await login(page, base, DEMO_EMAIL, PASSWORD);

        const listed = await apiFromPage<{ items: Saved[] }>(page, 'GET', '/api/v1/console/reports?pageSize=100');
        expect(listed.status).toBe(200);
        const byName = new Map(listed.body.items.map((report) => [report.name, report]));
        const analyses = DEMO_REPORTS.filter((report) => report.model !== undefined && report.model in PAGES);
        expect(analyses.map((report) => report.model)).toEqual(['funnel', 'retention', 'distribution', 'ltv']);

        for (const demo of analyses) {
          const model = demo.model as Model;
          const listedReport = byName.get(demo.name)!;
          expect(listedReport, demo.name).toBeDefined();
          const saved = (await apiFromPage<Saved>(page, 'GET', `/api/v1/console/reports/${listedReport.id}`)).body;
          expect(saved.model).toBe(model);
          // The numbers the API answers for the saved report.
          const answer = await apiFromPage(page, 'POST', `/api/v1/console/reports/${saved.id}/run`, {});
          expect(answer.status, JSON.stringify(answer.body)).toBe(200);
          const expected = expectedNumbers(model, answer.body);
          expect(expected[0], `${demo.name}: the API's first number`).toBeGreaterThan(0);

          // 所有报表 → the report's name opens its own page.
          await openAllReports(page, saved.id);
          await page.getByTestId(`report-link-${saved.id}`).click();
          await page.waitForURL(new RegExp(`/analytics/${model}/${saved.id}$`));
          await page.getByTestId(PAGES[model].page).waitFor();
          await expect.poll(async () => page.locator('.ant-page-header-heading-title').innerText(), POLL).toBe(demo.name);
          await expectAnswer(page, model, expected);
          await expect
            .poll(async () => page.getByTestId('report-computed-at').first().innerText(), POLL)
            .toMatch(/^最后计算于 \d{4}-\d{2}-\d{2} /);
          expect(await page.getByTestId('report-dirty').count()).toBe(0);
          await screenshot(page, `analysis-${engine}-${model}`, { hideToasts: true });

          if (model !== 'funnel') continue;
          // The funnel, changed: a 1-day window and without 提交订单 (steps 1 and 2 cannot be removed).
          // It re-runs by itself, 强制刷新 recomputes it; the numbers are the API's for the changed question.
          const changed = {
            ...saved.query,
            window: { unit: 'day', value: 1 },
            steps: saved.query.steps.filter((_: unknown, i: number) => i !== 2),
          };
          const rerun = await apiFromPage(page, 'POST', '/api/v1/console/report-runs', { model, query: changed, force: false });
          expect(rerun.status, JSON.stringify(rerun.body)).toBe(200);
          const changedNumbers = expectedNumbers(model, rerun.body);
          expect(changedNumbers).toHaveLength(3);
          expect(changedNumbers[0]).toBe(expected[0]);
          const windowInput = page
            .locator('input[data-testid="funnel-window-value"], [data-testid="funnel-window-value"] input')
            .first();
          await windowInput.fill('1');
          await page.getByTestId('funnel-step-2-remove').click();
          await expect
            .poll(async () => page.locator('[data-testid^="funnel-step-"][data-testid$="-remove"]').count(), POLL)
            .toBe(1);
          await page.getByTestId('report-dirty').waitFor();
          await expectAnswer(page, model, changedNumbers);
          await expect
            .poll(async () => columnTexts(page.getByTestId('funnel-table'), 0), POLL)
            .toEqual((rerun.body as { steps: { name: string }[] }).steps.map((step, index) => `${index + 1}. ${step.name}`));
          await page.getByTestId('report-refresh').click();
          await expectAnswer(page, model, changedNumbers);
          await screenshot(page, `analysis-${engine}-funnel-changed`, { hideToasts: true });

          // 另存为: a new report with the changed question; 所有报表 lists it.
          await page.getByTestId('report-save-as').click();
          const name = '浏览到支付漏斗（1 日窗口）';
          await page.getByTestId('report-name-input').fill(name);
          await page.getByTestId('report-name-ok').click();
          await page.waitForURL(
            (url) => /\/analytics\/funnel\/\d+$/.test(url.pathname) && !url.pathname.endsWith(`/${saved.id}`),
          );
          const copyId = page.url().split('/').pop()!;
          await expect.poll(async () => page.locator('.ant-page-header-heading-title').innerText(), POLL).toBe(name);
          await expectAnswer(page, model, changedNumbers);
          const copy = await apiFromPage<Saved>(page, 'GET', `/api/v1/console/reports/${copyId}`);
          expect(copy.body.query.window).toEqual({ unit: 'day', value: 1 });
          expect(copy.body.query.steps.map((step: { event: string }) => step.event)).toEqual([
            'view_product',
            'add_to_cart',
            'pay_order',
          ]);
          await openAllReports(page, copyId);
          await expect.poll(async () => page.getByTestId(`report-link-${copyId}`).innerText(), POLL).toBe(name);
          // The original is unchanged.
          const original = await apiFromPage<Saved>(page, 'GET', `/api/v1/console/reports/${saved.id}`);
          expect(original.body.query.window).toEqual({ unit: 'day', value: 7 });
          expect(original.body.query.steps).toHaveLength(4);
        }

        // 仪表盘 → 电商概览: all 8 cards answer, each with a chart or a table, none in error.
        const boards = await apiFromPage<{ items: { id: string; name: string }[] }>(page, 'GET', '/api/v1/console/dashboards');
        const board = boards.body.items.find((item) => item.name === DEMO_DASHBOARD.name)!;
        expect(board).toBeDefined();
        await clickMenu(page, ['menu-dashboards']);
        await page.getByTestId('dashboards-page').waitFor();
        await page.getByTestId(`dashboard-node-dashboard-${board.id}`).click();
        await page.waitForURL(new RegExp(`/dashboards/${board.id}$`));
        await page.getByTestId('dashboard-view').waitFor();
        const cards = page.locator('[data-testid^="dashboard-card-"][data-card-id]');
        await expect
          .poll(async () => cards.locator('[data-card-title]').allInnerTexts(), POLL)
          .toEqual(DEMO_REPORTS.filter((report) => report.dashboard !== false).map((report) => report.name));
        for (const card of await cards.all()) {
          const id = (await card.getAttribute('data-card-id'))!;
          const title = await card.locator('[data-card-title]').innerText();
          await card.scrollIntoViewIfNeeded();
          await expect
            .poll(
              async () => ({
                computed: await card.getByTestId(`dashboard-card-${id}-computed-at`).count(),
                drawn: (await card.locator('canvas').count()) + (await card.locator('tbody tr.ant-table-row').count()) > 0,
                errors: await card.getByTestId('error-message').count(),
                empty: await card.locator('.ant-empty').count(),
              }),
              { ...POLL, message: title },
            )
            .toEqual({ computed: 1, drawn: true, errors: 0, empty: 0 });
        }
        await screenshot(page, `analysis-${engine}-dashboard`, { hideToasts: true });
        expect(pageErrors).toEqual([]);
        await page.close();
      },
      5 * 60_000,
    ); // the demo's messages go through the SDK and the pipeline first (slow on MariaDB)
  });
}
