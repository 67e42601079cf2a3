import { describe, expect, it } from 'vitest';
import { DEMO_EMAIL, seedDemo } from '../core/src/cli/demo.js';
import { testEngines } from '../core/test/support/engines.js';
import { Client, createTenant } from '../core/test/support/test-app.js';
import { clickMenu, login, screenshot } from './browser.js';
import { useConsoleApp } from './console-app.js';

/** On MariaDB and a loaded machine round trips take a moment. */
const POLL = { timeout: 20_000, interval: 250 };
const PASSWORD = 'Demo-pass-2026';

for (const engine of testEngines()) {
  describe(`console: 用户详情 — a demo contact’s profile and timeline, 新建用户 and 编辑 [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it(
      'opens a demo contact with its timeline and event detail, then creates a contact by hand and edits it',
      async () => {
        const { app, base } = ctx;
        // The demo tenant (`huiliu demo`) with a few contacts, sent through the SDK like the real one.
        const demo = await seedDemo(app, { baseUrl: base, contacts: 10, password: PASSWORD });
        const { rows } = await app.olap
          .forTenant(demo.tenantId)
          .query('SELECT contact_id, count(*) AS n FROM events GROUP BY contact_id ORDER BY count(*) DESC, contact_id LIMIT 1', {
            rowMode: 'json',
          });
        const busiest = rows[0] as { contact_id: string | number; n: number | bigint };
        const contactId = String(busiest.contact_id);

        // An operator's own tenant exists too (else the console offers the first-run setup).
        await createTenant(app, { name: '运营租户' });
        const page = await ctx.newPage();
        await login(page, base, DEMO_EMAIL, PASSWORD);
        await page.goto(`${base}/contacts/${contactId}`);
        await page.getByTestId('contact-detail-page').waitFor();
        await page.getByTestId('contact-profile').waitFor();
        await expect.poll(() => page.getByTestId('contact-identified').textContent(), POLL).toBe('实名');
        // Its connection (the demo's channels) with the ids on hover.
        const connection = page.locator('[data-testid^="connection-"]').first();
        await connection.hover();
        await expect
          .poll(() => page.locator('[data-testid^="connection-tooltip-"]').first().textContent(), POLL)
          .toMatch(/external_id/);
        // The timeline: newest first, each with its name.
        const events = page.getByTestId('timeline-event');
        await expect.poll(() => events.count(), POLL).toBeGreaterThan(0);
        await screenshot(page, `contact-detail-${engine}-01-demo-contact`);
        await events.first().click();
        const drawer = page.getByTestId('timeline-event-drawer');
        await drawer.waitFor();
        await drawer.getByText('系统属性').waitFor();
        await drawer.getByText('自定义属性').waitFor();
        await screenshot(page, `contact-detail-${engine}-02-event-detail`);
        await page.keyboard.press('Escape');

        // 新建用户 from 所有用户.
        await clickMenu(page, ['menu-contacts', 'menu-allContacts']);
        await page.getByTestId('contacts-create').click();
        const form = page.getByTestId('contact-form-drawer');
        await form.waitFor();
        await page.getByTestId('contact-form-name').fill('赵六');
        await page.getByTestId('contact-form-mobilePhone').fill('13912345678');
        // A bad birthday is refused on the field before anything is sent.
        await page.getByTestId('contact-form-birthday').fill('1990-1-1');
        await page.getByTestId('contact-form-submit').click();
        await form.getByText('YYYY-MM-DD').first().waitFor();
        await page.getByTestId('contact-form-birthday').fill('1990-01-01');
        await screenshot(page, `contact-detail-${engine}-03-create`);
        await page.getByTestId('contact-form-submit').click();
        await page.waitForURL(/\/contacts\/\d+$/);
        await expect.poll(() => page.getByTestId('contact-name').textContent(), POLL).toBe('赵六');
        await expect.poll(() => page.getByTestId('contact-field-mobilePhone').textContent(), POLL).toBe('13912345678');
        await page.getByTestId('contact-age').waitFor();
        await page.getByTestId('timeline-empty').waitFor();
        const created = /\/contacts\/(\d+)$/.exec(page.url())![1]!;

        // 编辑: the form starts from the stored values.
        await page.getByTestId('contact-edit').click();
        await expect.poll(() => page.getByTestId('contact-form-name').inputValue(), POLL).toBe('赵六');
        await page.getByTestId('contact-form-company').fill('汇流科技');
        await page.getByTestId('contact-form-submit').click();
        await expect.poll(() => page.getByTestId('contact-field-company').textContent(), POLL).toBe('汇流科技');
        await screenshot(page, `contact-detail-${engine}-04-edited`, { hideToasts: true });

        // The operation log has both.
        const staff = await Client.staff(app.server, DEMO_EMAIL, PASSWORD);
        const log = (await staff.request('GET', '/api/v1/operation-logs?objectType=contact')).body.items as {
          operation: string;
          objectId: string;
        }[];
        expect(
          log
            .filter((row) => row.objectId === created)
            .map((row) => row.operation)
            .sort(),
        ).toEqual(['create', 'edit']);
      },
      5 * 60_000,
    ); // the demo's messages go through the SDK and the pipeline first (slow on MariaDB)
  });
}
