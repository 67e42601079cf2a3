import { describe, expect, it } from 'vitest';
import { ingestWorkerRef } from '../core/src/modules/ingestion/ingestion.module.js';
import { testEngines } from '../core/test/support/engines.js';
import { apiFromPage, clickMenu, login, screenshot } from './browser.js';
import { tenantWithWebApp, useConsoleApp } from './console-app.js';

/** On MariaDB and a loaded machine round trips take a moment. */
const POLL = { timeout: 20_000, interval: 250 };

interface Candidate {
  id: string;
  status: string;
  sameContact: boolean;
  contacts: { id: string; name: string | null }[];
}

for (const engine of testEngines()) {
  describe(`console: 合并管理 — candidates accepted and dismissed, the history, the blocked values [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it('merges one shared-computer pair, keeps another apart, shows the merge in 合并历史 and edits the blocked values', async () => {
      const { app, base } = ctx;
      const { tenant, admin, collect } = await tenantWithWebApp(app, base, '合并管理租户');
      // The SDK over real HTTP; each identify is drained before the next so the second person finds
      // the anonymous id already bound to the first.
      const identify = async (body: Record<string, unknown>) => {
        expect((await collect('identify', body)).accepted).toBe(1);
        await app.service(ingestWorkerRef).drain();
      };
      await identify({ userId: 'alice', anonymousId: 'shared', traits: { name: 'Alice' } });
      await identify({ userId: 'bob', anonymousId: 'shared', traits: { name: 'Bob' } });
      await identify({ userId: 'carol', anonymousId: 'kiosk', traits: { name: 'Carol' } });
      await identify({ userId: 'dave', anonymousId: 'kiosk', traits: { name: 'Dave' } });

      const candidates = async (status: string): Promise<Candidate[]> =>
        (await admin.request('GET', `/api/v1/contacts/merge-candidates?status=${status}`)).body.items;
      const names = (candidate: Candidate | undefined) => (candidate?.contacts ?? []).map((c) => c.name).sort();
      await expect
        .poll(async () => (await candidates('pending')).map(names), POLL)
        .toEqual([
          ['Carol', 'Dave'],
          ['Alice', 'Bob'],
        ]);
      const pending = await candidates('pending');
      const shared = pending.find((c) => names(c).includes('Alice'))!;
      const kiosk = pending.find((c) => names(c).includes('Carol'))!;
      // Nothing merged on its own: the pipeline only proposes.
      expect((await admin.request('GET', '/api/v1/contacts/merges')).body.items).toEqual([]);

      const page = await ctx.newPage();
      await login(page, base, tenant.email, tenant.password);
      await clickMenu(page, ['menu-contacts', 'menu-merges']);
      await page.getByTestId('merges-page').waitFor();

      // 合并候选: both pairs, each with both people side by side and the reason in words.
      const sharedRow = page.getByTestId(`candidate-row-${shared.id}`);
      await sharedRow.waitFor();
      await page.getByTestId(`candidate-row-${kiosk.id}`).waitFor();
      expect((await sharedRow.getByTestId('candidate-contact-name').allTextContents()).sort()).toEqual(['Alice', 'Bob']);
      expect(await sharedRow.getByTestId('candidate-reason').textContent()).toBe('同一匿名 ID 已属于另一位实名用户');
      await expect.poll(() => sharedRow.getByTestId('candidate-evidence').textContent(), POLL).toBe('官网 · anonymousId：shared');
      // Alice's contact holds the anonymous id; each side lists its accounts as idType: userId.
      const accounts = (await sharedRow.getByTestId('candidate-contact-account').allTextContents()).sort();
      expect(accounts).toEqual(['anonymousId: shared', 'externalId: alice', 'externalId: bob']);
      expect(await sharedRow.getByTestId('candidate-contact-survives').count()).toBe(1);
      expect(await page.getByTestId('candidate-pending-count').getAttribute('data-count')).toBe('2');
      await screenshot(page, `merges-${engine}-01-candidates`);

      // 合并: the confirmation states the survivor rule.
      await sharedRow.getByTestId('candidate-accept').click();
      await page.getByText('最近更新的用户保留，其空值由另一位补齐', { exact: false }).waitFor();
      await page.getByTestId(`candidate-accept-confirm-${shared.id}`).click();
      await expect.poll(() => page.locator('.ant-message').textContent(), POLL).toMatch(/已合并，保留用户 \d+/);
      await expect.poll(() => sharedRow.count(), POLL).toBe(0);
      await expect.poll(() => page.getByTestId('candidate-pending-count').getAttribute('data-count'), POLL).toBe('1');

      // 不合并 the other pair.
      const kioskRow = page.getByTestId(`candidate-row-${kiosk.id}`);
      await kioskRow.getByTestId('candidate-dismiss').click();
      await page.getByTestId(`candidate-dismiss-confirm-${kiosk.id}`).click();
      await expect.poll(() => page.locator('.ant-message').textContent(), POLL).toContain('已标记为不合并');
      await page.getByTestId('candidates-empty-pending').waitFor();
      expect(await page.getByTestId('candidate-pending-count').count()).toBe(0);

      // The server agrees: one accepted (now one contact), one dismissed (still two).
      const accepted = await candidates('accepted');
      expect(accepted).toEqual([expect.objectContaining({ id: shared.id, status: 'accepted', sameContact: true })]);
      const dismissed = await candidates('dismissed');
      expect(dismissed).toEqual([expect.objectContaining({ id: kiosk.id, status: 'dismissed', sameContact: false })]);
      // And the page shows them under their status.
      await page.getByTestId('candidate-status-accepted').click();
      const acceptedRow = page.getByTestId(`candidate-row-${shared.id}`);
      await acceptedRow.waitFor();
      expect(await acceptedRow.getByTestId('candidate-same-contact').textContent()).toBe('已是同一用户');
      expect(await acceptedRow.getByTestId('candidate-decided').textContent()).toContain('已合并');
      await page.getByTestId('candidate-status-dismissed').click();
      await page.getByTestId(`candidate-row-${kiosk.id}`).waitFor();

      // 合并历史: the merge by this staff member, with both people's values before.
      const session = (await apiFromPage(page, 'GET', '/api/v1/auth/session')).body;
      const [merge] = (await apiFromPage(page, 'GET', '/api/v1/contacts/merges')).body.items;
      expect(merge).toMatchObject({ rule: 'candidate_accepted', candidateId: shared.id, actorStaffId: String(session.staff.id) });
      await page.getByTestId('merges-tab-history').click();
      const mergeRow = page.getByTestId(`merge-row-${merge.id}`);
      await mergeRow.waitFor();
      expect(await mergeRow.getByTestId('merge-rule').textContent()).toBe('操作员合并候选');
      expect(await mergeRow.getByTestId('merge-actor').textContent()).toBe(`员工 ${session.staff.id}`);
      expect(await mergeRow.getByTestId('merge-survivor').textContent()).toBe(merge.survivorId);
      expect(await mergeRow.getByTestId('merge-merged').textContent()).toBe(merge.mergedId);
      expect(await mergeRow.getByTestId('merge-evidence').textContent()).toBe('官网 · anonymousId：shared');
      await mergeRow.locator('.ant-table-row-expand-icon').click();
      const before = page.getByTestId(`merge-before-${merge.id}`);
      await before.waitFor();
      const nameRow = before.getByTestId('merge-before-row-name');
      expect(
        [
          await nameRow.getByTestId('merge-before-survivor').textContent(),
          await nameRow.getByTestId('merge-before-merged').textContent(),
        ].sort(),
      ).toEqual(['Alice', 'Bob']);
      // Filtered by the merged-away contact's id, the merge is still found.
      await page.getByTestId('merges-filter-contact').fill(merge.mergedId);
      await page.getByTestId('merges-filter-contact').press('Enter');
      await expect.poll(() => page.locator('[data-testid^="merge-row-"]').count(), POLL).toBe(1);
      await screenshot(page, `merges-${engine}-02-history`, { hideToasts: true });

      // 设置: the defaults as tags; 1 removed, unknown added, saved.
      await page.getByTestId('merges-tab-settings').click();
      const tags = page.getByTestId('blocked-value');
      await expect
        .poll(async () => Promise.all((await tags.all()).map((tag) => tag.getAttribute('data-value'))), POLL)
        .toEqual(['nil', 'null', 'undefined', '1']);
      await page.locator('[data-testid="blocked-value"][data-value="1"] .ant-tag-close-icon').click();
      await page.getByTestId('blocked-value-input').fill('unknown');
      await page.getByTestId('blocked-value-input').press('Enter');
      await page.getByTestId('identity-settings-save').click();
      await expect.poll(() => page.locator('.ant-message').textContent(), POLL).toContain('已保存过滤条件');
      const settings = await apiFromPage(page, 'GET', '/api/v1/contacts/identity-settings');
      expect(settings.body).toEqual({ blockedValues: ['nil', 'null', 'undefined', 'unknown'] });
      // After a reload the page shows what was saved.
      await page.reload();
      await expect
        .poll(async () => Promise.all((await tags.all()).map((tag) => tag.getAttribute('data-value'))), POLL)
        .toEqual(['nil', 'null', 'undefined', 'unknown']);
      await screenshot(page, `merges-${engine}-03-settings`, { hideToasts: true });
      await page.close();
    });
  });
}
