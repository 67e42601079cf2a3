import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { demoDashboardOf, DEMO_EMAIL, DEMO_REPORTS, seedDemo } from '../core/src/cli/demo.js';
import { testEngines } from '../core/test/support/engines.js';
import { createTenant } from '../core/test/support/test-app.js';
import { apiFromPage, clickMenu, login, screenshot } from './browser.js';
import { useConsoleApp } from './console-app.js';

/** A report run on MariaDB and a loaded 2-core machine takes a moment. */
const POLL = { timeout: 40_000, interval: 250 };
const PASSWORD = 'Demo-pass-2026';

type Saved = { id: string; name: string; model: string; query: Record<string, any> };
type PathAnswer = { paths: { sessions: number; more: boolean; nodes: { layer: number; sessions: number }[] }[] };

/** Column `column` (0-based) of an antd table's data rows, as numbers (empty while the table is not there). */
async function columnNumbers(table: Locator, column: number): Promise<number[]> {
  if ((await table.count()) === 0) return [];
  const out: number[] = [];
  for (const row of await table.locator('tbody tr.ant-table-row').all())
    out.push(Number((await row.locator('td').nth(column).innerText()).replace(/[,\s]/g, '')));
  return out;
}

for (const engine of testEngines()) {
  describe(`console: 路径分析 on the demo tenant [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it(
      'opens the saved path from 所有报表 with its sankey and node sessions, 展开下一层 adds a layer, and the dashboard card keeps its own time',
      async () => {
        const { app, base } = ctx;
        await seedDemo(app, { baseUrl: base, contacts: 30, password: PASSWORD });
        await createTenant(app, { name: '运营租户' });
        const page = await ctx.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (error) => pageErrors.push(error.message));
        await login(page, base, DEMO_EMAIL, PASSWORD);

        const demo = DEMO_REPORTS.find((report) => report.model === 'path')!;
        expect(demo).toBeDefined();
        const listed = await apiFromPage<{ items: Saved[] }>(page, 'GET', '/api/v1/console/reports?model=path&pageSize=100');
        const item = listed.body.items.find((report) => report.name === demo.name)!;
        expect(item, demo.name).toBeDefined();
        const saved = (await apiFromPage<Saved>(page, 'GET', `/api/v1/console/reports/${item.id}`)).body;
        expect(saved.query.anchor).toEqual({ kind: 'start', event: 0 });
        const answer = await apiFromPage<PathAnswer>(page, 'POST', `/api/v1/console/reports/${saved.id}/run`, {});
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        const nodes = answer.body.paths[0]!.nodes;
        expect(answer.body.paths[0]!.sessions).toBeGreaterThan(0);

        // 所有报表 → the report's name opens /analytics/path/:id.
        await clickMenu(page, ['menu-analytics', 'menu-allReports']);
        await page.getByTestId('reports-page').waitFor();
        await page.getByTestId(`report-link-${saved.id}`).click();
        await page.waitForURL(new RegExp(`/analytics/path/${saved.id}$`));
        await page.getByTestId('path-analysis').waitFor();
        await expect.poll(async () => page.locator('.ant-page-header-heading-title').innerText(), POLL).toBe(demo.name);
        await expect.poll(async () => page.getByTestId('path-chart').locator('canvas').count(), POLL).toBeGreaterThan(0);
        // The table of nodes: 层, 节点, 节点会话数, … — the API's sessions, node by node.
        await expect
          .poll(async () => columnNumbers(page.getByTestId('path-table'), 2), POLL)
          .toEqual(nodes.map((node) => node.sessions));
        expect(await page.getByTestId('report-dirty').count()).toBe(0);
        await screenshot(page, `analysis-${engine}-path`, { hideToasts: true });

        // Two layers, then 展开下一层: three, the API's numbers for three layers.
        const three = await apiFromPage<PathAnswer>(page, 'POST', '/api/v1/console/report-runs', {
          model: 'path',
          query: { ...saved.query, layers: 3 },
          force: false,
        });
        expect(three.status, JSON.stringify(three.body)).toBe(200);
        const layersInput = page.locator('input[data-testid="path-layers"], [data-testid="path-layers"] input').first();
        await layersInput.fill('2');
        await page.getByTestId('report-dirty').waitFor();
        await expect
          .poll(async () => columnNumbers(page.getByTestId('path-table'), 2), POLL)
          .toEqual(nodes.filter((node) => node.layer <= 2).map((node) => node.sessions));
        if (nodes.some((node) => node.layer > 2)) {
          await page.getByTestId('path-next-layer').click();
          await expect
            .poll(async () => columnNumbers(page.getByTestId('path-table'), 2), POLL)
            .toEqual(three.body.paths[0]!.nodes.map((node) => node.sessions));
        }

        // 仪表盘 → 电商概览: the path card draws its sankey and says it keeps its own time.
        const boards = await apiFromPage<{ items: { id: string; name: string }[] }>(page, 'GET', '/api/v1/console/dashboards');
        const board = boards.body.items.find((item) => item.name === demoDashboardOf(demo)!.name)!;
        await clickMenu(page, ['menu-dashboards']);
        await page.getByTestId('dashboards-page').waitFor();
        await page.getByTestId(`dashboard-node-dashboard-${board.id}`).click();
        await page.getByTestId('dashboard-view').waitFor();
        const card = page.locator('[data-testid^="dashboard-card-"][data-card-id]', { hasText: demo.name });
        await card.scrollIntoViewIfNeeded();
        const id = (await card.getAttribute('data-card-id'))!;
        await expect.poll(async () => card.locator('canvas').count(), POLL).toBeGreaterThan(0);
        await expect.poll(async () => card.getByTestId(`dashboard-card-${id}-detached`).innerText(), POLL).toBe('原时间');
        await screenshot(page, `analysis-${engine}-path-dashboard`, { hideToasts: true });
        expect(pageErrors).toEqual([]);
        await page.close();
      },
      5 * 60_000,
    );
  });
}
