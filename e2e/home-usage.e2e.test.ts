import { describe, expect, it } from 'vitest';
import { DEMO_EMAIL, seedDemo } from '../core/src/cli/demo.js';
import { testEngines } from '../core/test/support/engines.js';
import { createTenant } from '../core/test/support/test-app.js';
import { apiFromPage, clickMenu, login, screenshot } from './browser.js';
import { useConsoleApp } from './console-app.js';

/** On MariaDB and a loaded machine round trips take a moment. */
const POLL = { timeout: 20_000, interval: 250 };
const PASSWORD = 'Demo-pass-2026';
/** Enough people for a real timeline; the full demo (5,000) is core/test/demo's. */
const CONTACTS = 150;

const digits = (text: string | null) => Number((text ?? '').replace(/[^0-9]/g, ''));

for (const engine of testEngines()) {
  describe(`console: 首页 and 使用情况 of the demo tenant [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it(
      'shows the demo tenant’s counts and recent events, saves 显示设置, and shows TU and events per month',
      async () => {
        const { app, base } = ctx;
        // The operator's own tenant first: with only the demo tenant, the console would offer first-run setup.
        await createTenant(app, { name: '运营方' });
        const demo = await seedDemo(app, { baseUrl: base, contacts: CONTACTS, password: PASSWORD });
        expect(demo.contacts).toBe(CONTACTS);

        const page = await ctx.newPage();
        await login(page, base, DEMO_EMAIL, PASSWORD);
        const home = (await apiFromPage(page, 'GET', '/api/v1/home')).body;
        expect(home.contacts.all).toBe(CONTACTS);

        // The statistic cards: contacts (all / identified) and each contributed counter.
        await expect
          .poll(async () => digits(await page.getByTestId('home-contacts-all-value').textContent()), POLL)
          .toBe(CONTACTS);
        expect(digits(await page.getByTestId('home-contacts-identified-value').textContent())).toBe(home.contacts.identified);
        const connections = home.counts.find((c: { key: string }) => c.key === 'connections');
        expect(connections.value).toBeGreaterThan(0);
        expect(digits(await page.getByTestId('home-count-connections-value').textContent())).toBe(connections.value);
        expect(await page.getByTestId('home-expires-on').textContent()).toBe('长期有效');

        // The timeline: the newest events first, with their display names, 20 at a time.
        const timeline = page.getByTestId('home-timeline');
        await timeline.waitFor();
        const events = (await apiFromPage(page, 'GET', '/api/v1/home/events?limit=20')).body.items;
        expect(events.length).toBe(20);
        const entries = page.getByTestId('home-event');
        await expect.poll(() => entries.count(), POLL).toBe(20);
        expect(await entries.first().getByTestId('home-event-name').textContent()).toBe(events[0].eventNames['zh-CN']);
        expect(await entries.first().getAttribute('data-event')).toBe(events[0].event);
        await page.getByTestId('home-timeline-more').click();
        await expect.poll(() => entries.count(), POLL).toBe(40);
        await screenshot(page, `home-usage-${engine}-01-home`);

        // 显示设置: choose an outbound event; it is saved for this staff member.
        await page.getByTestId('home-display-settings').click();
        const option = page.getByTestId('home-display-option-wechat_template_sent');
        await option.waitFor();
        await option.click();
        await screenshot(page, `home-usage-${engine}-02-display-settings`);
        await page.getByTestId('home-display-settings-save').click();
        await expect.poll(() => page.locator('.ant-message').textContent(), POLL).toContain('显示设置已保存');
        const saved = (await apiFromPage(page, 'GET', '/api/v1/home/display-settings')).body;
        expect(saved.outboundEvents).toEqual(['wechat_template_sent']);

        // 设置 › 使用情况: TU, this month's and the year's events, per month.
        await clickMenu(page, ['menu-settings', 'menu-usage']);
        await page.getByTestId('usage-page').waitFor();
        const usage = (await apiFromPage(page, 'GET', '/api/v1/usage')).body;
        expect(usage.trackedUsers).toBeGreaterThan(0);
        expect(usage.trackedUsers).toBeLessThanOrEqual(CONTACTS);
        expect(usage.events.total).toBe(demo.events);
        await expect
          .poll(async () => digits(await page.getByTestId('usage-tracked-users-value').textContent()), POLL)
          .toBe(usage.trackedUsers);
        expect(digits(await page.getByTestId('usage-events-total-value').textContent())).toBe(demo.events);
        expect(await page.getByTestId('usage-months').locator('tbody tr').count()).toBe(12);
        await screenshot(page, `home-usage-${engine}-03-usage`, { hideToasts: true });
      },
      10 * 60_000,
    );
  });
}
