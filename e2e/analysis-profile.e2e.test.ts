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

interface Province {
  name: string;
  count: number;
  share: number | null;
}

/** The rows of the region table: [province, count]. */
async function regionRows(table: Locator): Promise<[string, number][]> {
  if ((await table.count()) === 0) return [];
  const rows: [string, number][] = [];
  for (const row of await table.locator('tbody tr.ant-table-row').all()) {
    const cells = row.locator('td');
    rows.push([(await cells.nth(0).innerText()).trim(), Number((await cells.nth(1).innerText()).replace(/[,\s]/g, ''))]);
  }
  return rows;
}

for (const engine of testEngines()) {
  describe(`console: 用户画像 on the demo tenant [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it(
      'opens the saved profile from 所有报表: the China map, pie and province table (names normalised, search), then 时域分析’s heatmap; never 添加到仪表盘',
      async () => {
        const { app, base } = ctx;
        await seedDemo(app, { baseUrl: base, contacts: 30, password: PASSWORD });
        await createTenant(app, { name: '运营租户' });
        const page = await ctx.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (error) => pageErrors.push(error.message));
        await login(page, base, DEMO_EMAIL, PASSWORD);

        const demo = DEMO_REPORTS.find((report) => report.model === 'profile')!;
        const listed = await apiFromPage<{ items: { id: string; name: string }[] }>(
          page,
          'GET',
          '/api/v1/console/reports?model=profile',
        );
        const saved = listed.body.items.find((report) => report.name === demo.name)!;
        expect(saved, demo.name).toBeDefined();
        const answer = await apiFromPage<{ members: number; region: { provinces: Province[] }; updatedAt: number }>(
          page,
          'POST',
          `/api/v1/console/reports/${saved.id}/run`,
          {},
        );
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        expect(answer.body.members).toBe(30);
        const provinces = answer.body.region.provinces;
        // The demo writes 广东省, 上海市…: the profile shows the map's names.
        expect(provinces.every((p) => !/[省市]$/.test(p.name))).toBe(true);

        // 所有报表 → the saved profile opens on 地域分析 (its saved tab).
        await clickMenu(page, ['menu-analytics', 'menu-allReports']);
        await page.getByTestId(`report-link-${saved.id}`).click();
        await page.waitForURL(new RegExp(`/analytics/profile/${saved.id}$`));
        await page.getByTestId('profile-page').waitFor();
        await expect.poll(async () => page.locator('.ant-page-header-heading-title').innerText(), POLL).toBe(demo.name);
        await expect.poll(async () => page.getByTestId('profile-map').locator('canvas').count(), POLL).toBeGreaterThan(0);
        await expect.poll(async () => page.getByTestId('profile-pie').locator('canvas').count(), POLL).toBeGreaterThan(0);
        const table = page.getByTestId('profile-region-table');
        await expect.poll(async () => regionRows(table), POLL).toEqual(provinces.map((p) => [p.name, p.count]));
        await expect
          .poll(async () => page.getByTestId('profile-updated-at').innerText(), POLL)
          .toMatch(/^最近更新时间：\d{4}-\d{2}-\d{2} /);
        expect(await page.getByTestId('report-add-to-dashboard').count()).toBe(0);
        expect(await page.getByTestId('report-refresh').count()).toBe(0);
        await screenshot(page, `profile-${engine}-region`, { hideToasts: true });

        // The search keeps the provinces whose name contains the keyword.
        const keyword = provinces[0]!.name.slice(0, 1);
        await page.getByTestId('profile-region-search').fill(keyword);
        await expect
          .poll(async () => regionRows(table), POLL)
          .toEqual(provinces.filter((p) => p.name.includes(keyword)).map((p) => [p.name, p.count]));
        await page.getByTestId('report-dirty').waitFor();

        // 时域分析: the heatmap and both distributions draw.
        await page.getByText('时域分析', { exact: true }).click();
        for (const chart of ['profile-heatmap', 'profile-weekdays', 'profile-hours'])
          await expect.poll(async () => page.getByTestId(chart).locator('canvas').count(), POLL).toBeGreaterThan(0);
        await screenshot(page, `profile-${engine}-time`, { hideToasts: true });

        // The menu entry opens a new profile of 全部用户.
        await clickMenu(page, ['menu-analytics', 'menu-profile']);
        await page.waitForURL(/\/analytics\/profile$/);
        await expect.poll(async () => page.getByTestId('profile-members').innerText(), POLL).toContain('30');
        expect(pageErrors).toEqual([]);
        await page.close();
      },
      5 * 60_000,
    );
  });
}
