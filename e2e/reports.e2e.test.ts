import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ingestWorkerRef } from '../core/src/modules/ingestion/ingestion.module.js';
import { testEngines } from '../core/test/support/engines.js';
import { clickMenu, login, screenshot } from './browser.js';
import { tenantWithWebApp, useConsoleApp } from './console-app.js';

/** A report run on MariaDB and a loaded machine takes a moment. */
const POLL = { timeout: 30_000, interval: 250 };
const DAY_MS = 86_400_000;

/** Opens an antd select and clicks the visible option whose text contains `text` (typed first when searchable). */
async function choose(page: Page, select: Locator, text: string, search = false): Promise<void> {
  await select.click();
  if (search) await page.keyboard.type(text);
  const option = page
    .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option')
    .filter({ hasText: text })
    .first();
  await option.waitFor({ state: 'visible' });
  await option.click();
}

/** The report table's rows as `[metric, …values]` texts. */
async function tableRows(scope: Locator): Promise<string[][]> {
  const rows = scope.locator('tbody tr[data-testid$="-row"]');
  const out: string[][] = [];
  for (const row of await rows.all()) out.push((await row.locator('td').allInnerTexts()).map((text) => text.trim()));
  return out;
}

/**
 * The history the report reads (tenant zone Asia/Shanghai): 购买 8 times and 退款 3 times in the
 * past 30 days — 5 and 2 of them in the past 7 days, 3 and 1 twenty days ago.
 *
 * | when          | 购买 (purchase) | 退款 (refund) |
 * |---------------|-----------------|---------------|
 * | 1–3 days ago  | 5 (u1 ×3, u2 ×2) | 2 (u1, u2)   |
 * | 20 days ago   | 3 (u3)           | 1 (u3)       |
 */
async function seedShop(ctx: ReturnType<typeof useConsoleApp>) {
  const { app, base } = ctx;
  const shop = await tenantWithWebApp(app, base, '报表租户');
  for (const [code, name] of [
    ['purchase', '购买'],
    ['refund', '退款'],
  ] as const) {
    const created = await shop.admin.request('POST', '/api/v1/metadata/event-types', {
      channelId: shop.channel.id,
      code,
      name,
      properties: [{ code: 'amount', name: '金额', type: 'number' }],
    });
    expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
  }
  for (const userId of ['u1', 'u2', 'u3'])
    expect((await shop.collect('identify', { userId, traits: { name: userId } })).accepted).toBe(1);
  const at = (daysAgo: number, hour: number) => new Date(Date.now() - daysAgo * DAY_MS - hour * 3_600_000).toISOString();
  const events: [string, string, number, number][] = [
    ['u1', 'purchase', 1, 100],
    ['u1', 'purchase', 2, 50],
    ['u1', 'purchase', 3, 20],
    ['u2', 'purchase', 1, 30],
    ['u2', 'purchase', 2, 70],
    ['u1', 'refund', 1, 20],
    ['u2', 'refund', 2, 30],
    ['u3', 'purchase', 20, 10],
    ['u3', 'purchase', 20, 10],
    ['u3', 'purchase', 20, 10],
    ['u3', 'refund', 20, 10],
  ];
  for (const [index, [userId, event, daysAgo, amount]] of events.entries())
    expect(
      (await shop.collect('track', { userId, event, properties: { amount }, timestamp: at(daysAgo, index % 3) })).accepted,
    ).toBe(1);
  await app.service(ingestWorkerRef).drain();
  return shop;
}

for (const engine of testEngines()) {
  describe(`console: 报表分析 → 事件分析 and 仪表盘 [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it('builds 购买次数 − 退款次数, reads chart and table, sees refused charts disabled, exports, saves, and follows it onto a dashboard with a temporary time range', async () => {
      const { base } = ctx;
      const { tenant } = await seedShop(ctx);
      const page = await ctx.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await login(page, base, tenant.email, tenant.password);
      await clickMenu(page, ['menu-analytics', 'menu-eventAnalysis']);
      await page.getByTestId('event-analysis').waitFor();

      // Metrics: A 购买的总次数, B 退款的总次数, C = A − B 净购买.
      await choose(page, page.getByTestId('report-metric-A-event'), '购买', true);
      await page.getByTestId('report-add-metric').click();
      await choose(page, page.getByTestId('report-metric-B-event'), '退款', true);
      await page.getByTestId('report-add-formula').click();
      expect(await page.getByTestId('report-metric-C-formula').inputValue()).toBe('A - B');
      await page.getByTestId('report-metric-C-name').fill('净购买');
      // A formula naming a metric that is not there: the server's problem shows on the formula.
      await page.getByTestId('report-metric-C-formula').fill('A - Z');
      await page.getByTestId('report-metric-C-problems').filter({ hasText: '公式引用了不存在或排在其后的指标' }).waitFor();
      await page.getByTestId('report-problems').waitFor();
      await page.getByTestId('report-metric-C-formula').fill('A - B');
      await page.getByTestId('report-metric-C-problems').waitFor({ state: 'detached' });
      // 过去30天, 合计, as a time bar.
      await page.getByTestId('report-time-presets').click();
      await page.locator('.ant-dropdown:not(.ant-dropdown-hidden)').getByRole('menuitem', { name: '过去30天' }).click();
      await choose(page, page.getByTestId('report-granularity'), '合计');
      await page.getByTestId('report-chart-type-timeBar').click();

      // The table: one row per metric, the whole range's value.
      const table = page.getByTestId('report-table');
      await expect
        .poll(async () => tableRows(table), POLL)
        .toEqual([
          ['购买的总次数', '8'],
          ['退款的总次数', '3'],
          ['净购买', '5'],
        ]);
      // The chart: its tooltip over the 合计 bars names each metric with its value.
      const chart = page.getByTestId('report-chart');
      await chart.locator('canvas').first().waitFor();
      // ECharts' tooltip is HTML: the innermost element holding every metric's line. The pointer
      // moves over the 合计 bars on each try (a chart redrawn meanwhile hides its tooltip).
      const tooltip = chart.locator('div').filter({ hasText: '净购买' }).filter({ hasText: '退款的总次数' }).last();
      let nudge = 0;
      await expect
        .poll(async () => {
          const box = (await chart.boundingBox())!;
          nudge = (nudge + 1) % 5;
          await page.mouse.move(box.x + box.width / 2 + nudge, box.y + box.height / 2);
          return (await tooltip.isVisible()) ? tooltip.innerText({ timeout: 1_000 }).catch(() => '') : '';
        }, POLL)
        .toMatch(/购买的总次数\s*8[\s\S]*退款的总次数\s*3[\s\S]*净购买\s*5/);
      await expect
        .poll(async () => page.getByTestId('report-computed-at').innerText(), POLL)
        .toMatch(/^最后计算于 \d{4}-\d{2}-\d{2} /);
      await screenshot(page, `reports-${engine}-01-formula`);

      // Three metrics: 数字, 饼图 and 堆叠柱状图 take one metric — disabled, the reason in the tooltip.
      for (const refused of ['number', 'pie', 'stackedBar'])
        expect(await page.getByTestId(`report-chart-type-${refused}`).isDisabled()).toBe(true);
      expect(await page.getByTestId('report-chart-type-number').getAttribute('data-refusal')).toBe('chart_too_many_metrics');
      await page.getByTestId('report-chart-type-number-wrap').hover();
      await page.locator('.ant-tooltip:not(.ant-tooltip-hidden)').filter({ hasText: '该图表仅支持单个指标' }).waitFor();
      await screenshot(page, `reports-${engine}-02-refused-chart`);
      await page.mouse.move(10, 600);

      // 导出 CSV: the file arrives with the numbers of the table.
      await page.getByTestId('report-export').hover();
      const download = page.waitForEvent('download');
      await page.getByTestId('report-export-csv').click();
      const file = await download;
      expect(file.suggestedFilename()).toMatch(/\.csv$/);
      const csv = readFileSync((await file.path())!, 'utf8')
        .replace(/^\uFEFF/, '')
        .trim()
        .split(/\r?\n/);
      expect(csv).toEqual(['指标,合计', '购买的总次数,8', '退款的总次数,3', '净购买,5']);

      // As a table, saved.
      await page.getByTestId('report-chart-type-table').click();
      await page.getByTestId('report-save').click();
      await page.getByTestId('report-name-input').fill('净购买报表');
      await page.getByTestId('report-name-ok').click();
      await page.waitForURL(/\/analytics\/event\/\d+$/);
      const reportId = page.url().split('/').pop()!;
      await expect.poll(async () => page.locator('.ant-page-header-heading-title').innerText(), POLL).toBe('净购买报表');
      expect(await page.getByTestId('report-dirty').count()).toBe(0);
      // The history picker lists it.
      await page.getByTestId('report-history').click();
      await page
        .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option')
        .filter({ hasText: '净购买报表' })
        .waitFor();
      await page.keyboard.press('Escape');

      // A dashboard for it.
      await clickMenu(page, ['menu-dashboards']);
      await page.getByTestId('dashboards-page').waitFor();
      await page.getByTestId('dashboard-new').click();
      await page.getByTestId('dashboard-name-input').fill('经营概览');
      await page.getByTestId('dashboard-name-ok').click();
      await page.waitForURL(/\/dashboards\/\d+$/);
      await page.getByTestId('dashboard-empty').waitFor();

      // 添加到仪表盘 from the report.
      await page.goto(`${base}/analytics/event/${reportId}`);
      await page.getByTestId('report-add-to-dashboard').click();
      await choose(page, page.getByTestId('add-to-dashboard-select'), '经营概览');
      await page.getByTestId('add-to-dashboard-ok').click();
      await page.getByTestId('report-added-dashboard-link').click();
      await page.getByTestId('dashboard-view').waitFor();

      // The card: the report's table over its own 30 days…
      const card = page.locator('[data-testid^="dashboard-card-"][data-card-id]').first();
      await expect.poll(async () => card.locator('[data-card-title]').innerText(), POLL).toBe('净购买报表');
      await expect
        .poll(async () => tableRows(card), POLL)
        .toEqual([
          ['购买的总次数', '8'],
          ['退款的总次数', '3'],
          ['净购买', '5'],
        ]);
      await screenshot(page, `reports-${engine}-03-dashboard`);
      // …and over a temporary 过去7天 for the whole dashboard (the report itself keeps its range).
      await page.getByTestId('dashboard-temporary-toggle').click();
      await page.getByTestId('dashboard-time').waitFor();
      await expect
        .poll(async () => tableRows(card), POLL)
        .toEqual([
          ['购买的总次数', '5'],
          ['退款的总次数', '2'],
          ['净购买', '3'],
        ]);
      await screenshot(page, `reports-${engine}-04-dashboard-temporary`);
      // 保存为图片: a PNG of the grid.
      const image = page.waitForEvent('download');
      await page.getByTestId('dashboard-image').click();
      const png = await image;
      expect(png.suggestedFilename()).toBe('经营概览.png');
      expect(
        readFileSync((await png.path())!)
          .subarray(1, 4)
          .toString('latin1'),
      ).toBe('PNG');
      const saved = await page.evaluate(async (id) => (await fetch(`/api/v1/console/reports/${id}`)).json(), reportId);
      expect(saved.query.timeRange).toEqual({ kind: 'past', days: 30, includeToday: true });
      expect(pageErrors).toEqual([]);
      await page.close();
    });
  });
}
