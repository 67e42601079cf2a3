import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO_EMAIL, DEMO_REPORTS, seedDemo } from '../core/src/cli/demo.js';
import { testEngines } from '../core/test/support/engines.js';
import { createTenant } from '../core/test/support/test-app.js';
import { apiFromPage, clickMenu, login, screenshot } from './browser.js';
import { useConsoleApp } from './console-app.js';

/** A report run on MariaDB and a loaded 2-core machine takes a moment. */
const POLL = { timeout: 40_000, interval: 250 };
const PASSWORD = 'Demo-pass-2026';

type Saved = { id: string; name: string; model: string; query: Record<string, any> };
type Answer = {
  totals: { users: number; values: (number | null)[] }[];
  rows: { dimensions: (string | null)[]; aggregate?: true; values: (number | null)[] }[];
};

/** Rows of the 用户分析 table as [dimension cell, 用户数] (总体 first), read from its first two columns. */
async function tableRows(table: Locator): Promise<[string, number][]> {
  if ((await table.count()) === 0) return [];
  const out: [string, number][] = [];
  for (const row of await table.locator('tbody tr.ant-table-row').all()) {
    const cells = row.locator('td');
    const name = (await cells.nth(0).innerText()).trim();
    out.push([name, Number((await cells.nth(1).innerText()).replace(/[,\s]/g, ''))]);
  }
  return out;
}

/** What the table shows for an answer (first page: 50 rows): 总体, then each value (no value: 未知; an aggregate tagged 聚合). */
const expectedRows = (answer: Answer): [string, number][] =>
  [
    ['总体', answer.totals[0]!.users] as [string, number],
    ...answer.rows.map(
      (row) => [`${row.dimensions[0] ?? '未知'}${row.aggregate ? '聚合' : ''}`, row.values[0] ?? 0] as [string, number],
    ),
  ].slice(0, 50);

async function expectAnswer(page: Page, answer: Answer): Promise<void> {
  await expect
    .poll(async () => page.getByTestId('user-analysis-pies-0-chart').locator('canvas').count(), POLL)
    .toBeGreaterThan(0);
  const normalize = (rows: [string, number][]) => rows.map(([name, value]) => [name.replace(/\s+/g, ''), value]);
  await expect
    .poll(async () => normalize(await tableRows(page.getByTestId('user-analysis-table'))), POLL)
    .toEqual(normalize(expectedRows(answer)));
}

for (const engine of testEngines()) {
  describe(`console: 用户分析 on the demo tenant [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it(
      'opens the saved 用户省份分布 from 所有报表 with its pie and the API’s numbers, aggregates two provinces and saves it as a new report',
      async () => {
        const { app, base } = ctx;
        await seedDemo(app, { baseUrl: base, contacts: 30, password: PASSWORD });
        await createTenant(app, { name: '运营租户' });
        const page = await ctx.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (error) => pageErrors.push(error.message));
        await login(page, base, DEMO_EMAIL, PASSWORD);

        const demo = DEMO_REPORTS.find((report) => report.model === 'user')!;
        expect(demo.name).toBe('用户省份分布');
        const listed = await apiFromPage<{ items: Saved[] }>(page, 'GET', '/api/v1/console/reports?model=user&pageSize=100');
        const summary = listed.body.items.find((report) => report.name === demo.name)!;
        expect(summary).toBeDefined();
        const saved = (await apiFromPage<Saved>(page, 'GET', `/api/v1/console/reports/${summary.id}`)).body;
        expect(saved.query.dimensions).toEqual([{ kind: 'contactProperty', property: 'province' }]);
        const answer = await apiFromPage<Answer>(page, 'POST', `/api/v1/console/reports/${saved.id}/run`, {});
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        // The demo's 30 contacts, by province: the numbers add up to 总体.
        expect(answer.body.totals[0]!.users).toBeGreaterThanOrEqual(30);
        expect(answer.body.rows.reduce((sum, row) => sum + (row.values[0] ?? 0), 0)).toBe(answer.body.totals[0]!.users);

        // 所有报表 → the report opens on /analytics/user/<id>.
        await clickMenu(page, ['menu-analytics', 'menu-allReports']);
        await page.getByTestId('reports-page').waitFor();
        await page.getByTestId(`report-link-${saved.id}`).click();
        await page.waitForURL(new RegExp(`/analytics/user/${saved.id}$`));
        await page.getByTestId('user-analysis').waitFor();
        await expect.poll(async () => page.locator('.ant-page-header-heading-title').innerText(), POLL).toBe(demo.name);
        await expectAnswer(page, answer.body);
        expect(await page.getByTestId('report-dirty').count()).toBe(0);
        await screenshot(page, `analysis-user-${engine}`, { hideToasts: true });

        // 聚合分组 of the two largest provinces: the page's numbers are the API's for the changed question.
        const top = answer.body.rows.filter((row) => row.dimensions[0] !== null).slice(0, 2);
        expect(top).toHaveLength(2);
        const values = top.map((row) => row.dimensions[0]!);
        const changed = { ...saved.query, aggregateGroups: [{ name: '重点省份', values }] };
        const rerun = await apiFromPage<Answer>(page, 'POST', '/api/v1/console/report-runs', {
          model: 'user',
          query: changed,
          force: false,
        });
        expect(rerun.status, JSON.stringify(rerun.body)).toBe(200);
        expect(rerun.body.rows[0]).toMatchObject({ dimensions: ['重点省份'], aggregate: true });
        expect(rerun.body.rows[0]!.values[0]).toBe((top[0]!.values[0] ?? 0) + (top[1]!.values[0] ?? 0));
        await page.getByTestId('user-add-aggregate').click();
        await page.getByTestId('user-aggregate-0-name').fill('重点省份');
        const input = page.getByTestId('user-aggregate-0-values').locator('input');
        for (const value of values) {
          await input.fill(value);
          await input.press('Enter');
        }
        await page.getByTestId('report-dirty').waitFor();
        await expectAnswer(page, rerun.body);

        // 另存为: a new report with the aggregate group; the original is unchanged.
        await page.getByTestId('report-save-as').click();
        const name = '用户省份分布（重点省份）';
        await page.getByTestId('report-name-input').fill(name);
        await page.getByTestId('report-name-ok').click();
        await page.waitForURL((url) => /\/analytics\/user\/\d+$/.test(url.pathname) && !url.pathname.endsWith(`/${saved.id}`));
        const copyId = page.url().split('/').pop()!;
        await expect.poll(async () => page.locator('.ant-page-header-heading-title').innerText(), POLL).toBe(name);
        const copy = await apiFromPage<Saved>(page, 'GET', `/api/v1/console/reports/${copyId}`);
        expect(copy.body.query.aggregateGroups).toEqual([{ name: '重点省份', values }]);
        const original = await apiFromPage<Saved>(page, 'GET', `/api/v1/console/reports/${saved.id}`);
        expect(original.body.query.aggregateGroups ?? []).toEqual([]);
        await screenshot(page, `analysis-user-${engine}-aggregated`, { hideToasts: true });
        expect(pageErrors).toEqual([]);
      },
      10 * 60_000,
    );
  });
}
