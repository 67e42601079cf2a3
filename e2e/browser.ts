import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const screenshotDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'screenshots');

/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser). Its pages and contexts
 * ask for reduced motion unless a test says otherwise: the console then turns antd's motion off
 * (console/src/App.tsx), so no click lands on a modal or popconfirm still animating in on a busy
 * CI machine. (Playwright emulates `no-preference` by default, whatever Chromium's own flags say.)
 */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: process.env.HUILIU_TEST_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const newContext = browser.newContext.bind(browser);
  const newPage = browser.newPage.bind(browser);
  browser.newContext = (options = {}) => newContext({ reducedMotion: 'reduce', ...options });
  browser.newPage = (options = {}) => newPage({ reducedMotion: 'reduce', ...options });
  return browser;
}

/** A full-page screenshot; `hideToasts` leaves antd's message toasts out of the picture. */
export async function screenshot(page: Page, name: string, options: { hideToasts?: boolean } = {}): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({
    path: path.join(screenshotDir, `${name}.png`),
    fullPage: true,
    animations: 'disabled',
    style: options.hideToasts ? '.ant-message { display: none !important; }' : undefined,
  });
}

/** Signs in through the login page and waits for the home page. */
export async function login(page: Page, base: string, email: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('home-tenant-name').waitFor();
}

/**
 * Clicks through the side menu: opens each submenu along `testIds` and clicks the last entry.
 * A submenu is clicked only while its title says aria-expanded="false" (a click on an open one
 * closes it), and each step waits until the title reports it open and the next entry is visible —
 * no fixed sleeps. If the menu re-renders midway and closes a submenu again (it does while the
 * session or a lazy page loads), the walk starts again from the top.
 */
export async function clickMenu(page: Page, testIds: string[]): Promise<void> {
  const submenus = testIds.slice(0, -1);
  // antd keeps a closed inline submenu's list in the DOM, hidden: only the visible entry counts.
  const leaf = page.getByTestId(testIds[testIds.length - 1]!).filter({ visible: true });
  for (let walk = 1; ; walk += 1) {
    try {
      for (const testId of submenus) {
        const title = page
          .getByRole('menuitem')
          .filter({ has: page.getByTestId(testId) })
          .filter({ visible: true });
        await title.waitFor({ state: 'visible' });
        if ((await title.getAttribute('aria-expanded')) !== 'true') await title.click();
        await page
          .getByRole('menuitem', { expanded: true })
          .filter({ has: page.getByTestId(testId) })
          .waitFor();
      }
      await leaf.waitFor({ state: 'visible', timeout: 5_000 });
      break;
    } catch (error) {
      if (walk === 3) throw error;
    }
  }
  // A click while the submenu still slides open can be lost on a loaded machine: click again until
  // the menu shows the leaf selected (it is once the route changed).
  const item = page.getByRole('menuitem').filter({ has: leaf });
  for (let attempt = 1; ; attempt += 1) {
    await leaf.click();
    try {
      await expect
        .poll(async () => (await item.first().getAttribute('class')) ?? '', { timeout: 5_000 })
        .toContain('ant-menu-item-selected');
      return;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

/** The validation messages antd shows under a form field (the field given by its input). */
export async function formErrorOf(input: Locator): Promise<string> {
  const item = input.locator('xpath=ancestor::div[contains(concat(" ", normalize-space(@class), " "), " ant-form-item ")][1]');
  return (await item.locator('.ant-form-item-explain-error').allTextContents()).join(' ');
}

/**
 * Calls the API from inside the page, as the console does: the session cookie goes along and
 * writes carry the session's CSRF token (read from `GET /api/v1/auth/session`).
 */
export async function apiFromPage<T = any>(
  page: Page,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (method !== 'GET') {
        const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
        headers['x-csrf-token'] = session.csrfToken;
      }
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    { method, path, body },
  );
}
