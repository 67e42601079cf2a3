import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Engine } from '../core/test/support/engines.js';
import { firstPartyPlugins } from '../core/test/support/plugins.js';
import { Client, createTenant, createTestApp, type TestApp } from '../core/test/support/test-app.js';
import { launchBrowser } from './browser.js';

/**
 * A started app (first-party plugins, a real port) and one Chromium for a describe block: created
 * before its tests, closed after. Read `app`, `base` inside tests (they exist once beforeAll ran).
 */
export function useConsoleApp(engine: Engine): {
  readonly app: TestApp;
  readonly base: string;
  newPage(): Promise<Page>;
  /** A fresh browser profile (own cookies and storage), e.g. another user agent or offline. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
} {
  let app: TestApp;
  let browser: Browser;
  let base: string;
  beforeAll(async () => {
    app = await createTestApp(engine, {}, { plugins: firstPartyPlugins });
    await app.start();
    base = `http://127.0.0.1:${app.server.info.port}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  return {
    get app() {
      return app;
    },
    get base() {
      return base;
    },
    async newPage() {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
      page.setDefaultTimeout(20_000);
      return page;
    },
    async newContext(options) {
      const context = await browser.newContext({ locale: 'zh-CN', ...options });
      context.setDefaultTimeout(20_000);
      return context;
    },
  };
}

/**
 * A tenant with a custom channel 官网 and its web app; `collect` posts to the collect API over real
 * HTTP with the app's writeKey (as an SDK does) and asserts the 200.
 */
export async function tenantWithWebApp(app: TestApp, base: string, name: string) {
  const tenant = await createTenant(app, { name });
  const admin = await Client.staff(app.server, tenant.email, tenant.password);
  const channel = (await admin.request('POST', '/api/v1/channels', { type: 'custom', name: '官网' })).body;
  expect(channel.id).toBeTruthy();
  const web = (
    await admin.request('POST', `/api/v1/p/custom-channel/channels/${channel.id}/apps`, {
      platform: 'web',
      name: '官网',
      domain: 'shop.example.com',
    })
  ).body;
  expect(web.writeKey).toBeTruthy();
  const collect = async (path: 'track' | 'identify', body: Record<string, unknown>) => {
    const res = await fetch(`${base}/api/v1/collect/${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${web.writeKey as string}:`).toString('base64')}`,
      },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { accepted: number };
  };
  return { tenant, admin, channel, web, collect };
}
