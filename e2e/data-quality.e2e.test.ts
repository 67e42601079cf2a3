import { describe, expect, it } from 'vitest';
import { testEngines } from '../core/test/support/engines.js';
import { apiFromPage, clickMenu, login, screenshot } from './browser.js';
import { tenantWithWebApp, useConsoleApp } from './console-app.js';

/** The started server's ingest worker drains on its own; on MariaDB round trips take a moment. */
const POLL = { timeout: 20_000, interval: 250 };

for (const engine of testEngines()) {
  describe(`console: 数据质量 — an undeclared event quarantined, declared, replayed and loaded [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it('shows 事件未定义 for signup, replays it from the page once declared, and the event loads', async () => {
      const { app, base } = ctx;
      const { tenant, admin, channel, collect } = await tenantWithWebApp(app, base, '数据质量租户');
      const purchase = await admin.request('POST', '/api/v1/metadata/event-types', {
        channelId: channel.id,
        code: 'purchase',
        name: '购买',
        properties: [{ code: 'amount', name: '金额', type: 'number' }],
      });
      expect(purchase.statusCode).toBe(201);

      // An SDK over real HTTP: the writeKey as the Basic user. One undeclared event, one normal one
      // (whose amount is not a number: counted, not quarantined).
      const track = (body: Record<string, unknown>) => collect('track', body);
      expect((await track({ anonymousId: 'visitor-1', event: 'signup', properties: { plan: 'pro' } })).accepted).toBe(1);
      expect((await track({ anonymousId: 'visitor-1', event: 'purchase', properties: { amount: 'twelve' } })).accepted).toBe(1);

      const events = async () =>
        (
          await app.olap.forTenant(tenant.tenantId).query('SELECT event FROM events ORDER BY event', { rowMode: 'json' })
        ).rows.map((row) => String((row as { event: unknown }).event));
      const quality = async () => (await admin.request('GET', '/api/v1/ingestion/quality?days=7')).body;
      // The worker drains by itself: purchase loads, signup waits in the quarantine.
      await expect.poll(events, POLL).toEqual(['purchase']);
      await expect
        .poll(
          async () => (await quality()).quarantine.map((g: { reason: string; event: string }) => `${g.reason}/${g.event}`),
          POLL,
        )
        .toEqual(['event_undeclared/signup']);

      const page = await ctx.newPage();
      await login(page, base, tenant.email, tenant.password);
      await clickMenu(page, ['menu-metadata', 'menu-dataQuality']);
      await page.getByTestId('data-quality-page').waitFor();
      const group = page.getByTestId('quarantine-group-row-event_undeclared-signup');
      await group.waitFor();
      expect(await group.getByTestId('quality-reason-label').textContent()).toBe('事件未定义');
      expect(await group.getByTestId('quality-reason-hint').textContent()).toContain('在「事件元数据」页面新建该事件后重放');
      expect(await group.getByTestId('quarantine-group-event').textContent()).toBe('signup');
      expect(await group.getByTestId('quarantine-group-count').textContent()).toBe('1');
      expect(await page.getByTestId('data-quality-stat-undeclared').textContent()).toBe('1');
      // The counted issue: amount was not a number.
      const issue = page.getByTestId('quality-issue-row-property_type_mismatch-amount');
      await issue.waitFor();
      expect(await issue.getByTestId('quality-reason-label').textContent()).toBe('属性类型不符');
      expect(await issue.getByTestId('quality-issue-count').textContent()).toBe('1');
      expect(await page.getByTestId('data-quality-last-loaded').textContent()).toMatch(/^最近入库：/);

      // The message itself: the drawer with its body as received.
      const [quarantined] = (await apiFromPage(page, 'GET', '/api/v1/ingestion/quarantine?reason=event_undeclared')).body.items;
      expect(quarantined).toMatchObject({ event: 'signup', replayedAt: null });
      const row = page.getByTestId(`quarantine-row-${quarantined.id}`);
      await row.getByTestId('quarantine-view').click();
      const drawer = page.getByTestId('quarantine-drawer');
      await drawer.waitFor();
      expect(JSON.parse((await drawer.getByTestId('quarantine-drawer-body').textContent()) ?? '')).toMatchObject({
        event: 'signup',
        anonymousId: 'visitor-1',
        properties: { plan: 'pro' },
      });
      await screenshot(page, `data-quality-${engine}-01-quarantine-drawer`);
      await page.keyboard.press('Escape');
      await drawer.waitFor({ state: 'hidden' });
      await screenshot(page, `data-quality-${engine}-02-undeclared`);

      // Declare signup, then replay everything of 事件未定义 / signup from the page.
      const declared = await apiFromPage(page, 'POST', '/api/v1/metadata/event-types', {
        channelId: channel.id,
        code: 'signup',
        name: '注册',
      });
      expect(declared.status).toBe(201);
      await group.getByTestId('quarantine-group-replay').click();
      await page.getByTestId('quarantine-group-replay-confirm-event_undeclared-signup').click();
      await expect.poll(() => page.locator('.ant-message').textContent(), POLL).toContain('已重放 1 条消息');

      // It loaded: in the events store, the quarantine entry is marked replayed, none came back.
      await expect.poll(events, POLL).toEqual(['purchase', 'signup']);
      const after = (await apiFromPage(page, 'GET', '/api/v1/ingestion/quarantine?replayed=true')).body;
      expect(after.items).toEqual([expect.objectContaining({ id: quarantined.id, event: 'signup' })]);
      expect(after.items[0].replayedAt).toBeGreaterThan(0);
      expect((await quality()).quarantine).toEqual([]);
      // And the page follows: the group is gone, the empty state says so, the row left 未重放.
      await page.getByTestId('quarantine-groups-empty').waitFor();
      await expect.poll(() => row.count(), POLL).toBe(0);
      await page.getByTestId('quarantine-messages-empty').waitFor();
      // The custom event now has data: it can no longer be deleted.
      const removed = await apiFromPage(page, 'DELETE', `/api/v1/metadata/event-types/${declared.body.id}`);
      expect(removed.status).toBe(400);
      await screenshot(page, `data-quality-${engine}-03-replayed`, { hideToasts: true });
      await page.close();
    });
  });
}
