import { describe, expect, it } from 'vitest';
import { ingestWorkerRef } from '../core/src/modules/ingestion/ingestion.module.js';
import { testEngines } from '../core/test/support/engines.js';
import { login, screenshot } from './browser.js';
import { tenantWithWebApp, useConsoleApp } from './console-app.js';

/** On MariaDB and a loaded machine round trips take a moment. */
const POLL = { timeout: 30_000, interval: 250 };

for (const engine of testEngines()) {
  describe(`console: 删除用户数据 on a custom channel’s detail page (seed §2.2.6) [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it('deletes one user’s data by external_id after the irreversible-action confirm, and shows the result', async () => {
      const { app, base } = ctx;
      const { tenant, admin, channel, collect } = await tenantWithWebApp(app, base, '删除用户数据租户');
      await collect('identify', { userId: 'vip-1', traits: { name: '张三', email: 'zhang@example.com' } });
      await collect('identify', { userId: 'vip-2', traits: { name: '李四' } });
      await app.service(ingestWorkerRef).drain();
      const contactOf = async (userId: string) =>
        (
          (await app.oltp
            .forTenant(tenant.tenantId)
            .from('channel_account')
            .where({ channel_id: channel.id, id_type: 'externalId', user_id: userId })
            .first()) as { contact_id: number | string } | undefined
        )?.contact_id;
      const person = String(await contactOf('vip-1'));
      expect(person).not.toBe('undefined');

      const page = await ctx.newPage();
      await login(page, base, tenant.email, tenant.password);
      await page.goto(`${base}/connections/${channel.id}`);
      const section = page.getByTestId('contact-erasure-customChannelData');
      await section.waitFor();
      // The section says what is deleted and that it cannot be undone.
      await section.getByText('删除后不可恢复', { exact: false }).waitFor();
      await section.getByTestId('erase-template').waitFor();
      await screenshot(page, `contact-erasure-${engine}-01-section`);

      await section.getByTestId('erase-id-input').fill('vip-1');
      await section.getByTestId('erase-id-submit').click();
      const confirm = page.getByTestId('erase-confirm-content');
      await confirm.waitFor();
      expect(await confirm.textContent()).toContain('external_id 为「vip-1」的用户');
      expect(await confirm.textContent()).toContain('删除后不可恢复');
      await screenshot(page, `contact-erasure-${engine}-02-confirm`, { hideToasts: true });
      await page.getByTestId('erase-confirm-ok').click();

      // The request shows up and finishes (the worker runs it), with one user deleted and its list.
      const history = section.getByTestId('erasure-history');
      await expect.poll(() => history.getByTestId('erasure-status').first().textContent(), POLL).toBe('已完成');
      expect(await history.getByTestId('erasure-deleted').first().textContent()).toBe('1');
      expect(await history.getByTestId('erasure-not-found').first().textContent()).toBe('0');
      await history.getByTestId('erasure-file').first().waitFor();
      await screenshot(page, `contact-erasure-${engine}-03-done`, { hideToasts: true });

      // What the seed lists happened: the account is gone, the contact is 已注销, vip-2 untouched.
      expect(await contactOf('vip-1')).toBeUndefined();
      const row = (await app.oltp.forTenant(tenant.tenantId).from('contact').where('id', person).first()) as {
        name: string;
        email: string | null;
      };
      expect(row).toMatchObject({ name: '已注销', email: null });
      expect(await contactOf('vip-2')).toBeTruthy();
      // The notification center has the result with the downloadable list.
      const [notification] = (await admin.request('GET', '/api/v1/notifications')).body.items;
      expect(notification).toMatchObject({ kind: 'contact-erasures.erase', counts: { deleted: 1, notFound: 0 } });
      expect(notification.files).toHaveLength(1);
      await page.close();
    });
  });
}
