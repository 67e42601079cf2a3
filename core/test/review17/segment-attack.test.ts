import { expect, it } from 'vitest';
import { ingestLimits } from '../../src/modules/ingestion/message.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines, type TestApp } from '../support/test-app.js';
import { ingestTenant, segmentTenant, uuidv7 } from '../ingestion/support.js';

/**
 * Review of issue 17 (Segment-compatible /v1/*): attacks whose answers are wrong today. Each test
 * fails until the finding is fixed (failing tests are the evidence).
 */
describeEngines(
  'review17: Segment-compatible /v1 attacks',
  (ctx) => {
    async function setUp(app: TestApp) {
      const t = await segmentTenant(app, 'wx-r17');
      const inboxBytes = async (tenantId: string) => {
        const rows = (await ctx.app.oltp.forTenant(tenantId).from('inbox').select('body')) as { body: string }[];
        return rows.reduce((sum, row) => sum + Buffer.byteLength(String(row.body)), 0);
      };
      return { ...t, inboxBytes };
    }

    it('a deeply nested property is a client error (4xx or quarantine), never a 500 that Segment libraries retry', async () => {
      const t = await setUp(ctx.app);
      const depth = 20_000; // ~120 KB: well under the 500 KB request limit, over 32 KB only by nesting braces
      const nested = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const single = await t.v1(
        'track',
        `{"messageId":"${uuidv7()}","userId":"deep-1","event":"purchase","properties":{"amount":1,"x":${nested}}}`,
      );
      // Today: 500 internal_error (RangeError: Maximum call stack size exceeded in JSON.stringify, toRow).
      expect(single.statusCode, single.payload).toBeLessThan(500);

      // In a batch, one such item makes every good item of the batch fail with a retryable 500 forever.
      const good = uuidv7();
      const smaller = `${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}`;
      const batch = await t.v1(
        'batch',
        `{"batch":[{"type":"track","messageId":"${good}","userId":"deep-2","event":"purchase","properties":{"amount":2}},` +
          `{"type":"track","messageId":"${uuidv7()}","userId":"deep-2","event":"purchase","properties":{"x":${smaller}}}]}`,
      );
      expect(batch.statusCode, batch.payload).toBeLessThan(500);
    });

    it('a batch-level context is not multiplied into every item beyond the request limit (storage amplification)', async () => {
      const t = await setUp(ctx.app);
      // ~200 KB on the wire: a 31 KB top-level context and 2000 tiny items.
      const context = { pad: 'x'.repeat(31_000) };
      const batch = Array.from({ length: ingestLimits.batchMessages }, (_, i) => ({
        type: 'track',
        messageId: `amp-${i}`,
        userId: 'amp',
        event: 'purchase',
        properties: { amount: 1 },
      }));
      const body = JSON.stringify({ context, batch });
      expect(Buffer.byteLength(body)).toBeLessThan(ingestLimits.requestBytes / 2);
      const res = await t.v1('batch', body);
      const stored = await t.inboxBytes(t.tenantId);
      // Today: 200, and ~62 MB of inbox rows (each item carries its own copy of the 31 KB context):
      // a ~300× write amplification from one public, writeKey-authenticated request.
      if (res.statusCode === 200) expect(stored).toBeLessThanOrEqual(2 * ingestLimits.requestBytes);
      else expect(res.statusCode).toBeGreaterThanOrEqual(400);
    });

    it('alias from a known person’s earlier userId to a new userId attaches the new id to that person (no duplicate, no candidate)', async () => {
      const t = await setUp(ctx.app);
      // The classic server-side alias: an identified member changes login id (Segment: previousId = old userId).
      await t.collect('identify', { userId: 'r17-old', traits: { name: '老张', email: 'laozhang@example.com' } });
      await t.drain();
      const person = (await t.contactOf('r17-old'))!;
      const contacts = await t.contactCount();
      const res = await t.v1('alias', { messageId: uuidv7(), userId: 'r17-new', previousId: 'r17-old' });
      expect(res.statusCode).toBe(200);
      await t.drain();
      // Today: a brand-new empty contact holds r17-new, and a segment_alias candidate pairs it with 老张 —
      // although r17-new was nobody yet (no identified→identified merge is involved).
      expect(await t.contactOf('r17-new')).toBe(person);
      expect(await t.contactCount()).toBe(contacts);
      expect(await t.candidates()).toEqual([]);
    });

    it('a per-item writeKey batch is all-or-nothing: a 400 for one tenant’s item keeps nothing of another’s', async () => {
      const a = await setUp(ctx.app);
      const b = await ingestTenant(ctx.app);
      const kept = uuidv7();
      const res = await a.v1(
        'batch',
        {
          batch: [
            { type: 'track', writeKey: a.web.writeKey, messageId: kept, userId: 'mix-a', event: 'purchase' },
            // Tenant B's item is over 32 KB: the request answers 400 message_too_large ("do not retry").
            {
              type: 'track',
              writeKey: b.web.writeKey,
              messageId: uuidv7(),
              userId: 'mix-b',
              event: 'purchase',
              properties: { big: 'y'.repeat(ingestLimits.messageBytes) },
            },
          ],
        },
        {},
      );
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.payload)).toMatchObject({ code: 'message_too_large' });
      // Today: tenant A's item was appended before B's was judged — a 400 that half-happened.
      expect(await a.inboxCount(a.tenantId)).toBe(0);
    });
    it('an alias whose previousId is not a string or number says so (not "previousId missing")', async () => {
      const t = await setUp(ctx.app);
      const messageId = uuidv7();
      expect((await t.v1('alias', { messageId, userId: 'r17-obj', previousId: { id: 'x' } })).statusCode).toBe(200);
      await t.drain();
      const items = (await t.staff.request('GET', '/api/v1/ingestion/quarantine?pageSize=100')).body.items as {
        messageId: string;
        reason: string;
        problems: { path: string; code: string }[];
      }[];
      const quarantined = items.find((item) => item.messageId === messageId);
      // Today: reason alias_previous_id_missing with any.required — the operator looks for a missing field.
      expect(quarantined?.problems).not.toContainEqual({ path: 'previousId', code: 'any.required' });
    });
  },
  { plugins: firstPartyPlugins },
);
