import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { testEngines } from '../core/test/support/engines.js';
import { staffMember } from '../core/test/support/staff.js';
import { Client, createTenant } from '../core/test/support/test-app.js';
import { apiFromPage, screenshot } from './browser.js';
import { useConsoleApp } from './console-app.js';

/** The TOTP an authenticator app shows for `secret`, `steps` time steps (30 s) from now. */
const totp = (secret: string, steps = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

for (const engine of testEngines()) {
  describe(`console: 多因素验证 — bind a device at the first login, a code at the next [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it('binds with the shown key, saves the recovery codes, lands on the console, and logs in again with a fresh code', async () => {
      const { app, base } = ctx;
      const tenant = await createTenant(app, { name: 'MFA 租户' });
      const admin = await Client.staff(app.server, tenant.email, tenant.password);
      const member = await staffMember(app, tenant.tenantId);
      // Super staff switch the member's MFA on (设置 > 高级设置 > 员工; the API the page calls).
      const on = await admin.request('POST', `/api/v1/staff/${member.staffId}/mfa`, { enabled: true });
      expect(on.body).toMatchObject({ mfaEnabled: true, mfaBound: false });

      const page = await ctx.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      const signIn = async () => {
        await page.getByTestId('login-email').fill(member.email);
        await page.getByTestId('login-password').fill(member.password);
        await page.getByTestId('login-submit').click();
      };
      await page.goto(`${base}/login`);
      await signIn();

      // First login: the binding step with a QR code that renders, and the key on request.
      const qr = page.getByTestId('mfa-qr');
      await qr.waitFor();
      await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(100);
      expect(await page.getByTestId('mfa-secret').count()).toBe(0);
      await page.getByTestId('mfa-show-secret').click();
      // Shown in groups of four; the copy button's label is no part of it.
      const shown = (await page.getByTestId('mfa-secret').innerText()).replace(/[^A-Z2-7]/g, '');
      expect(shown).toMatch(/^[A-Z2-7]{32}$/);
      await screenshot(page, `mfa-${engine}-01-bind`);

      // A wrong code is refused on the field; the code the "authenticator" computes binds.
      const right = await totp(shown);
      await page.getByTestId('mfa-code').fill(right === '000000' ? '000001' : '000000');
      await page.getByTestId('mfa-submit').click();
      await expect
        .poll(() => page.locator('.ant-form-item-explain-error').allTextContents())
        .toEqual([expect.stringContaining('验证码不正确或已使用')]);
      await page.getByTestId('mfa-code').fill(await totp(shown));
      await page.getByTestId('mfa-submit').click();
      const codes = page.getByTestId('mfa-recovery-code');
      // Binding hashes ten recovery codes with argon2 (bounded lanes): slow on a busy machine.
      await page.getByTestId('mfa-recovery-codes').waitFor({ timeout: 60_000 });
      expect(await codes.count()).toBe(10);
      for (const code of await codes.allTextContents()) expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
      await screenshot(page, `mfa-${engine}-02-recovery-codes`);
      await page.getByTestId('mfa-codes-continue').click();
      await page.getByTestId('home-tenant-name').waitFor();
      expect((await admin.request('GET', `/api/v1/staff/${member.staffId}`)).body).toMatchObject({ mfaBound: true });

      // The staff menu's 多因素验证: on and bound, 10 recovery codes left.
      await page.getByTestId('staff-menu').hover();
      await page.getByTestId('staff-menu-mfa').click();
      await expect.poll(() => page.getByTestId('mfa-modal-status').textContent()).toBe('已开启，已绑定设备');
      expect(await page.getByTestId('mfa-modal-codes-left').textContent()).toBe('10 个');
      await screenshot(page, `mfa-${engine}-03-menu`);
      await page.getByTestId('mfa-modal-close').click();
      await expect.poll(() => page.getByTestId('mfa-modal').count()).toBe(0);

      // Log out; the next login asks for a code, and the binding's code is not good twice.
      await page.getByTestId('staff-menu').hover();
      await page.getByTestId('logout').click();
      await page.getByTestId('login-email').waitFor();
      await signIn();
      await page.getByTestId('mfa-verify').waitFor();
      expect(await page.getByTestId('mfa-qr').count()).toBe(0);
      await screenshot(page, `mfa-${engine}-04-verify`);
      // The next time step's code (what the phone shows within 30 s; one step of drift is accepted).
      await page.getByTestId('mfa-code').fill(await totp(shown, 1));
      await page.getByTestId('mfa-submit').click();
      await page.getByTestId('home-tenant-name').waitFor();
      expect((await apiFromPage(page, 'GET', '/api/v1/auth/session')).body.staff).toMatchObject({
        id: member.staffId,
        mfaEnabled: true,
        mfaBound: true,
      });
      expect(pageErrors).toEqual([]);
      await page.close();
    });
  });
}
