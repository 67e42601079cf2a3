import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstPartyPlugins } from '../../../core/test/support/plugins.js';
import { describeEngines } from '../../../core/test/support/test-app.js';
import { Analytics, backoffMs, HuiliuApiError, SDK_VERSION, type AnalyticsOptions, type CollectMessage } from '../src/index.js';
import { baseOf, faultyProxy, sdkTenant, type Proxy } from './support.js';

const sdkDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repo = path.resolve(sdkDir, '..', '..');
const run = promisify(execFile);
const BATCH = '/api/v1/collect/batch';
const quick = { minDelayMs: 20, maxDelayMs: 2_000 };

describe('sdk-node package', () => {
  it('runs on Node built-ins alone: the built JS imports only node: modules and its own files', () => {
    const dist = path.join(sdkDir, 'dist');
    const files = readdirSync(dist).filter((f) => f.endsWith('.js'));
    expect(files).toContain('index.js');
    for (const file of files) {
      const text = readFileSync(path.join(dist, file), 'utf8');
      const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!);
      for (const specifier of specifiers) expect(specifier, `${file} imports ${specifier}`).toMatch(/^(node:|\.\/)/);
      expect(text, file).not.toMatch(/@huiliu\/core|require\(/);
    }
    const manifest = JSON.parse(readFileSync(path.join(sdkDir, 'package.json'), 'utf8'));
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.version).toBe(SDK_VERSION);
  });

  it('backs off exponentially with jitter, Retry-After as a floor, within the cap', () => {
    const policy = { maxRetries: 5, minDelayMs: 500, maxDelayMs: 30_000 };
    expect([0, 1, 2].map((retry) => backoffMs(retry, policy, undefined, () => 0))).toEqual([250, 500, 1000]);
    expect([0, 1, 2].map((retry) => backoffMs(retry, policy, undefined, () => 1))).toEqual([500, 1000, 2000]);
    expect(backoffMs(20, policy, undefined, () => 1)).toBe(30_000);
    expect(backoffMs(0, policy, 3_000, () => 1)).toBe(3_000);
    expect(backoffMs(0, policy, 120_000, () => 1)).toBe(30_000);
    expect(new HuiliuApiError(400, 'validation_failed', 'x').retryable).toBe(false);
    expect(new HuiliuApiError(401, 'token_invalid', 'x').retryable).toBe(false);
    expect([0, 408, 429, 500, 503].every((status) => new HuiliuApiError(status, 'x', 'x').retryable)).toBe(true);
  });
});

describeEngines(
  'sdk-node: Analytics (collect API by writeKey)',
  (ctx) => {
    let proxy: Proxy;
    let t: Awaited<ReturnType<typeof sdkTenant>>;
    const errors: { error: Error; messages: readonly CollectMessage[] }[] = [];
    const analytics = (options: Partial<AnalyticsOptions> = {}) =>
      new Analytics({
        writeKey: t.writeKey,
        host: proxy.url,
        flushOnExit: false,
        retry: quick,
        onError: (error, messages) => errors.push({ error, messages }),
        ...options,
      });
    const batches = () => proxy.to(BATCH).map((s) => JSON.parse(s.body) as { batch: CollectMessage[]; sentAt: string });

    beforeAll(async () => {
      await ctx.app.start();
      proxy = await faultyProxy(baseOf(ctx.app));
      t = await sdkTenant(ctx.app);
    });
    afterAll(async () => {
      await proxy?.close();
    });

    it('identify and track land exactly once; each person in order across parallel lanes', async () => {
      proxy.reset();
      errors.length = 0;
      const a = analytics({ flushAt: 20, concurrency: 3 });
      const ids: string[] = [];
      for (let p = 0; p < 30; p += 1) {
        // Anonymous first, then identified with the same cookie, then more events: one lane per person.
        ids.push(a.track({ anonymousId: `ck-${p}`, event: 'purchase', properties: { amount: p, sku: `S${p}` } }));
        a.identify({ anonymousId: `ck-${p}`, userId: `an-${p}`, traits: { name: `客户${p}`, email: `c${p}@example.com` } });
        for (let i = 0; i < 3; i += 1)
          ids.push(a.track({ anonymousId: `ck-${p}`, userId: `an-${p}`, event: 'purchase', properties: { amount: i } }));
      }
      expect(a.stats.queued + a.stats.delivered).toBeLessThanOrEqual(150);
      await a.flush();
      expect(a.stats).toMatchObject({ delivered: 150, failed: 0, queued: 0, inFlight: 0 });
      expect(errors).toEqual([]);
      const sent = batches();
      expect(sent.every((b) => b.batch.length <= 20 && typeof b.sentAt === 'string')).toBe(true);
      expect(sent.flatMap((b) => b.batch).map((m) => m.messageId)).toHaveLength(150);
      expect(proxy.to(BATCH).every((s) => s.status === 200)).toBe(true);
      await t.drain();
      for (let p = 0; p < 30; p += 1) {
        const person = await t.contactOfUser(`an-${p}`);
        expect(person, `an-${p}`).toBeTruthy();
        // The anonymous contact became the person (the identify came after the first track, in order).
        expect(await t.contactOfCookie(`ck-${p}`)).toBe(person);
      }
      for (const id of ids) {
        const events = await t.eventsWithId(id);
        expect(events, id).toHaveLength(1);
      }
      const [one] = await t.eventsWithId(ids[0]!);
      expect(String(one!.contact_id)).toBe(await t.contactOfUser('an-0'));
      await a.closeAndFlush();
    });

    it('keeps given messageIds (a resent demo run is deduplicated) and sends page and screen as such', async () => {
      proxy.reset();
      const a = analytics({ concurrency: 1 });
      a.track({
        userId: 'det-1',
        event: 'purchase',
        properties: { amount: 1 },
        messageId: 'demo-det-1',
        timestamp: new Date(Date.now() - 60_000),
      });
      a.page({ anonymousId: 'ck-page', name: '首页', properties: { url: 'https://shop.example.com/' } });
      a.screen({ anonymousId: 'ck-app', name: 'Home' });
      await a.flush();
      a.track({ userId: 'det-1', event: 'purchase', properties: { amount: 1 }, messageId: 'demo-det-1' });
      await a.closeAndFlush();
      const sent = batches().flatMap((b) => b.batch);
      expect(sent.map((m) => m.type)).toEqual(['track', 'page', 'screen', 'track']);
      expect(sent[1]).toMatchObject({
        type: 'page',
        name: '首页',
        anonymousId: 'ck-page',
        properties: { url: 'https://shop.example.com/' },
      });
      expect(sent[2]).toMatchObject({ type: 'screen', name: 'Home' });
      expect(sent[0]!.context).toMatchObject({ library: { name: '@huiliu/sdk-node', version: SDK_VERSION } });
      expect(proxy.to(BATCH).map((s) => s.status)).toEqual([200, 200]);
      await t.drain();
      expect(await t.eventsWithId('demo-det-1')).toHaveLength(1);
    });

    it('resends a batch after a lost answer, a 503 and a 429 with Retry-After — no duplicates', async () => {
      proxy.reset();
      errors.length = 0;
      proxy.fail(BATCH, { forwardThen: 503 }, { status: 429, headers: { 'retry-after': '1' } }, { forwardThen: 500 });
      const a = analytics({ flushAt: 1000 });
      const ids = Array.from({ length: 5 }, (_, i) =>
        a.track({ userId: 'retry-1', event: 'purchase', properties: { amount: i } }),
      );
      const started = Date.now();
      await a.flush();
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      expect(proxy.to(BATCH).map((s) => s.status)).toEqual([503, 429, 500, 200]);
      const bodies = batches();
      expect(new Set(bodies.map((b) => b.batch.map((m) => m.messageId).join()))).toEqual(new Set([ids.join()]));
      expect(a.stats).toMatchObject({ delivered: 5, failed: 0 });
      expect(errors).toEqual([]);
      await t.drain();
      for (const id of ids) expect(await t.eventsWithId(id), id).toHaveLength(1);
    });

    it('never resends a refused batch (400, 401) and reports it with its messages; gives up after maxRetries', async () => {
      proxy.reset();
      errors.length = 0;
      proxy.fail(BATCH, { status: 400, body: { statusCode: 400, code: 'validation_failed', message: 'bad', requestId: 'p' } });
      const a = analytics();
      const id = a.track({ userId: 'refused', event: 'purchase' });
      await a.flush();
      expect(proxy.to(BATCH)).toHaveLength(1);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.error).toBeInstanceOf(HuiliuApiError);
      expect(errors[0]!.error).toMatchObject({ status: 400, code: 'validation_failed', attempts: 1 });
      expect(errors[0]!.messages.map((m) => m.messageId)).toEqual([id]);
      expect(a.stats).toMatchObject({ delivered: 0, failed: 1 });

      // A writeKey the server does not know: its real 401, not resent.
      errors.length = 0;
      proxy.reset();
      const wrong = analytics({ writeKey: 'wk_unknown' });
      wrong.track({ userId: 'x', event: 'purchase' });
      await wrong.flush();
      expect(proxy.to(BATCH).map((s) => s.status)).toEqual([401]);
      expect(errors[0]!.error).toMatchObject({ status: 401, code: 'write_key_invalid' });

      errors.length = 0;
      proxy.reset();
      proxy.fail(BATCH, { status: 503 }, { status: 503 }, { status: 503 });
      const tired = analytics({ maxRetries: 2 });
      tired.track({ userId: 'x', event: 'purchase' });
      await tired.flush();
      expect(proxy.to(BATCH)).toHaveLength(3);
      expect(errors[0]!.error).toMatchObject({ status: 503, attempts: 3 });
    });

    it('refuses what the server would refuse: a message over 32 KB, a full queue, calls after close, no person', async () => {
      proxy.reset();
      errors.length = 0;
      const a = analytics({ maxQueueSize: 2, flushAt: 100 });
      a.track({ userId: 'big', event: 'purchase', properties: { blob: 'x'.repeat(33 * 1024) } });
      a.track({ userId: 'q', event: 'purchase' });
      a.track({ userId: 'q', event: 'purchase' });
      a.track({ userId: 'q', event: 'purchase' });
      expect(errors.map((e) => (e.error as { code?: string }).code)).toEqual(['message_too_large', 'queue_full']);
      await a.closeAndFlush();
      a.track({ userId: 'q', event: 'purchase' });
      expect(errors.map((e) => (e.error as { code?: string }).code)).toEqual(['message_too_large', 'queue_full', 'closed']);
      expect(a.stats).toMatchObject({ delivered: 2, failed: 3 });
      expect(() => a.track({ event: 'purchase' } as never)).toThrow(/userId or an anonymousId/);
    });

    it('sends in bulk: batches of up to 2000 and under 500 KB, several in flight, memory bounded by drained()', async () => {
      proxy.reset();
      errors.length = 0;
      const a = analytics({ flushAt: 2000, concurrency: 3, maxQueueSize: 20_000 });
      const total = 8_000;
      let maxQueued = 0;
      const started = Date.now();
      for (let i = 0; i < total; i += 1) {
        a.track({
          userId: `bulk-${i % 500}`,
          event: 'purchase',
          properties: { amount: i, sku: `SKU-${i}`, note: 'y'.repeat(200) },
          messageId: `bulk-${i}`,
        });
        maxQueued = Math.max(maxQueued, a.stats.queued);
        await a.drained();
      }
      await a.flush();
      const seconds = (Date.now() - started) / 1000;
      expect(errors).toEqual([]);
      expect(a.stats.delivered).toBe(total);
      expect(maxQueued).toBeLessThanOrEqual(2000 * 3);
      const sizes = proxy.to(BATCH).map((s) => Buffer.byteLength(s.body));
      expect(Math.max(...sizes)).toBeLessThan(500 * 1024);
      expect(batches().every((b) => b.batch.length <= 2000)).toBe(true);
      await t.drain();
      const loaded = (
        await ctx.app.olap
          .forTenant(t.tenantId)
          .query("SELECT count(*) AS n FROM events WHERE message_id LIKE 'bulk-%'", { rowMode: 'json' })
      ).rows as { n: number | bigint }[];
      expect(Number(loaded[0]!.n)).toBe(total);
      console.log(`bulk: ${total} events in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s), ${sizes.length} batches`);
    });

    it('flushes on exit: a script that tracks and ends without flush() delivers; opted out it does not', async () => {
      const script = (flushOnExit: boolean, messageId: string) => `
        import { Analytics } from '@huiliu/sdk-node';
        const analytics = new Analytics({ writeKey: ${JSON.stringify(t.writeKey)}, host: ${JSON.stringify(baseOf(ctx.app))}, flushOnExit: ${flushOnExit} });
        analytics.identify({ userId: 'exit-user', traits: { name: '退出前' } });
        analytics.track({ userId: 'exit-user', event: 'purchase', properties: { amount: 7 }, messageId: ${JSON.stringify(messageId)} });
      `;
      await run(process.execPath, ['--input-type=module', '-e', script(true, 'exit-flushed')], { cwd: repo, timeout: 30_000 });
      await run(process.execPath, ['--input-type=module', '-e', script(false, 'exit-dropped')], { cwd: repo, timeout: 30_000 });
      await t.drain();
      expect(await t.eventsWithId('exit-flushed')).toHaveLength(1);
      expect(await t.eventsWithId('exit-dropped')).toHaveLength(0);
      expect(await t.contactOfUser('exit-user')).toBeTruthy();
    });
  },
  { plugins: firstPartyPlugins },
);
