import { expect, it } from 'vitest';
import { nestsDeeperThan } from '../../src/modules/ingestion/message.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines, type TestApp } from '../support/test-app.js';
import { ingestTenant, segmentTenant, uuidv7 } from './support.js';

/**
 * The limits of docs/decisions/0026 (amended after the review of issue 17): nesting (64 levels,
 * quarantined as message_too_deep, never a 500), the request limits after a batch context is
 * merged (413 request_too_large), per-item writeKey batches all-or-nothing, alias as Segment's
 * server-side rename, and a previousId of the wrong type.
 */
describeEngines(
  'Segment limits: nesting, merged size, mixed writeKeys, alias rename',
  (ctx) => {
    async function setUp(app: TestApp) {
      const t = await segmentTenant(app, 'wx-lim');
      const quarantined = async () =>
        (
          (await t.staff.request('GET', '/api/v1/ingestion/quarantine?pageSize=100')).body.items as {
            messageId: string;
            reason: string;
            type: string;
            problems: { path: string; code: string }[];
            message: Record<string, unknown>;
          }[]
        ).map(({ messageId, reason, type, problems, message }) => ({ messageId, reason, type, problems, message }));
      const loaded = async (messageId: string) =>
        (
          await ctx.app.olap
            .forTenant(t.tenantId)
            .query('SELECT message_id, contact_id FROM events WHERE message_id = ?', { params: [messageId], rowMode: 'json' })
        ).rows as { message_id: string; contact_id: string }[];
      return { ...t, quarantined, loaded };
    }
    /** `levels` objects nested in one another: {"a":{"a":…1}}. */
    const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

    it('measures nesting without recursion', () => {
      expect(nestsDeeperThan(1, 0)).toBe(false);
      expect(nestsDeeperThan({}, 0)).toBe(true);
      expect(nestsDeeperThan({ a: [{}] }, 3)).toBe(false);
      expect(nestsDeeperThan({ a: [{}] }, 2)).toBe(true);
      expect(nestsDeeperThan(JSON.parse(nested(200_000)), 64)).toBe(true);
    });

    it('quarantines a message nested deeper than 64 levels (the field left out), loads one at 64, keeps the rest of its batch', async () => {
      const t = await setUp(ctx.app);
      const ids = { deep: uuidv7(), atLimit: uuidv7(), overLimit: uuidv7(), good: uuidv7(), rawDeep: uuidv7() };
      // The message is level 1, properties level 2, x's chain 3…: 62 objects reach level 64.
      const single = await t.v1(
        'track',
        `{"messageId":"${ids.deep}","userId":"deep-1","event":"purchase","properties":{"amount":1,"x":${nested(20_000)}}}`,
      );
      expect(single.statusCode, single.payload).toBe(200);
      const batch = await t.v1(
        'batch',
        `{"batch":[` +
          `{"type":"track","messageId":"${ids.good}","userId":"deep-2","event":"purchase","properties":{"amount":2}},` +
          `{"type":"track","messageId":"${ids.atLimit}","userId":"deep-2","event":"purchase","properties":{"x":${nested(62)}}},` +
          `{"type":"track","messageId":"${ids.overLimit}","userId":"deep-2","event":"purchase","properties":{"x":${nested(63)}}},` +
          `[${nested(6000)}]]}`,
      );
      expect(batch.statusCode, batch.payload).toBe(200);
      expect(JSON.parse(batch.payload)).toMatchObject({ accepted: 4 });
      await t.drain();
      expect(await t.loaded(ids.good)).toHaveLength(1);
      expect(await t.loaded(ids.atLimit)).toHaveLength(1);
      const items = await t.quarantined();
      const deep = items.find((item) => item.messageId === ids.deep)!;
      expect(deep).toMatchObject({
        reason: 'message_too_deep',
        type: 'track',
        problems: [{ path: 'properties', code: 'message_too_deep' }],
      });
      // What could be kept is kept: the operator sees who sent which event.
      expect(deep.message).toMatchObject({ userId: 'deep-1', event: 'purchase' });
      expect(deep.message.properties).toBeUndefined();
      expect(items.find((item) => item.messageId === ids.overLimit)).toMatchObject({
        reason: 'message_too_deep',
        problems: [{ path: 'properties', code: 'message_too_deep' }],
      });
      // A batch item that is not an object and too deep: not kept as sent, quarantined for its depth.
      expect(items.filter((item) => item.reason === 'message_too_deep' && item.type === 'invalid')).toEqual([
        expect.objectContaining({ problems: [{ path: 'raw', code: 'message_too_deep' }] }),
      ]);
      expect(items).toHaveLength(3);
    });

    it('answers 400 message_too_deep for a batch context or an Open API identify nested too deep; an Open API track is quarantined', async () => {
      const t = await setUp(ctx.app);
      const res = await t.v1(
        'batch',
        `{"context":{"x":${nested(64)}},"batch":[{"type":"track","userId":"d","event":"purchase"}]}`,
      );
      expect(res.statusCode, res.payload).toBe(400);
      expect(JSON.parse(res.payload)).toMatchObject({
        code: 'message_too_deep',
        params: { limit: 64 },
        details: [{ path: 'context', code: 'message_too_deep' }],
      });
      expect(await t.inboxCount(t.tenantId)).toBe(0);
      // A context one level shallower is fine (it becomes level 2 of each message).
      expect(
        (await t.v1('batch', `{"context":{"x":${nested(62)}},"batch":[{"type":"track","userId":"d","event":"purchase"}]}`))
          .statusCode,
      ).toBe(200);

      const identify = await ctx.app.server.inject({
        method: 'POST',
        url: '/api/v1/contacts/identify',
        payload: `{"externalId":"d-1","channel":{"channelId":"${t.channelKey}"},"props":{"attr1":${nested(5000)}}}`,
        headers: { 'content-type': 'application/json', ...t.api.authHeaders() },
      });
      expect(identify.statusCode, identify.payload).toBe(400);
      expect(JSON.parse(identify.payload)).toMatchObject({ code: 'message_too_deep' });

      const messageId = uuidv7();
      const track = await ctx.app.server.inject({
        method: 'POST',
        url: '/api/v1/events/track',
        payload: `{"channelId":"${t.channelKey}","messageId":"${messageId}","externalId":"d-1","event":"purchase","properties":${nested(5000)}}`,
        headers: { 'content-type': 'application/json', ...t.api.authHeaders() },
      });
      expect(track.statusCode, track.payload).toBe(200);
      await t.drain();
      expect((await t.quarantined()).find((item) => item.messageId === messageId)).toMatchObject({ reason: 'message_too_deep' });
    });

    it('counts a batch context in every item: 413 request_too_large over 500 KB in all, nothing kept; under it, accepted', async () => {
      const t = await setUp(ctx.app);
      const items = (n: number, prefix: string) =>
        Array.from({ length: n }, (_, i) => ({ type: 'track', messageId: `${prefix}-${i}`, userId: 'amp', event: 'purchase' }));
      const over = await t.v1('batch', { context: { pad: 'x'.repeat(10_000) }, batch: items(60, 'over') });
      expect(over.statusCode, over.payload).toBe(413);
      expect(JSON.parse(over.payload)).toMatchObject({ code: 'request_too_large', params: { limit: 500 } });
      expect(await t.inboxCount(t.tenantId)).toBe(0);
      // 40 items × ~10 KB = ~400 KB as stored: within the limit.
      const under = await t.v1('batch', { context: { pad: 'x'.repeat(10_000) }, batch: items(40, 'under') });
      expect(under.statusCode, under.payload).toBe(200);
      expect(await t.inboxCount(t.tenantId)).toBe(40);
      // Each item with the merged context is still limited to 32 KB.
      const big = await t.v1('batch', {
        context: { pad: 'x'.repeat(20_000) },
        batch: [{ ...items(1, 'big')[0], context: { more: 'y'.repeat(13_000) } }],
      });
      expect(big.statusCode).toBe(400);
      expect(JSON.parse(big.payload)).toMatchObject({ code: 'message_too_large', details: [{ path: 'batch.0' }] });
    });

    it('appends a per-item writeKey batch of two tenants together; over the merged limit keeps nothing of either', async () => {
      const a = await setUp(ctx.app);
      const b = await ingestTenant(ctx.app);
      const [m1, m2, m3] = [uuidv7(), uuidv7(), uuidv7()];
      const res = await a.v1(
        'batch',
        {
          batch: [
            { type: 'track', writeKey: a.web.writeKey, messageId: m1, userId: 'mix-a', event: 'purchase' },
            { type: 'track', writeKey: b.web.writeKey, messageId: m2, userId: 'mix-b', event: 'purchase' },
            { type: 'track', writeKey: a.web.writeKey, messageId: m3, userId: 'mix-a', event: 'purchase' },
          ],
        },
        {},
      );
      expect(res.statusCode, res.payload).toBe(200);
      expect(JSON.parse(res.payload)).toMatchObject({ accepted: 3, dropped: 0, messageIds: [m1, m2, m3] });
      expect([await a.inboxCount(a.tenantId), await a.inboxCount(b.tenantId)]).toEqual([2, 1]);

      const pad = { pad: 'x'.repeat(12_000) };
      const over = await a.v1(
        'batch',
        {
          context: pad,
          batch: Array.from({ length: 50 }, (_, i) => ({
            type: 'track',
            writeKey: i % 2 ? a.web.writeKey : b.web.writeKey,
            userId: 'mix',
            event: 'purchase',
          })),
        },
        {},
      );
      expect(over.statusCode).toBe(413);
      expect([await a.inboxCount(a.tenantId), await a.inboxCount(b.tenantId)]).toEqual([2, 1]);
    });

    it('alias renames: the new userId joins the earlier userId’s contact (with its cookie); a known person’s cookie stays a candidate', async () => {
      const t = await setUp(ctx.app);
      await t.collect('batch', {
        batch: [
          { type: 'identify', userId: 'rn-old', traits: { name: '王五' } },
          { type: 'identify', userId: 'rn-other', anonymousId: 'rn-cookie', traits: { name: '赵六' } },
        ],
      });
      await t.drain();
      const [person, other] = [(await t.contactOf('rn-old'))!, (await t.contactOf('rn-other'))!];
      const contacts = await t.contactCount();
      // The rename, sent by a browser with a cookie of its own (anonymous, never seen).
      expect((await t.v1('alias', { userId: 'rn-new', previousId: 'rn-old', anonymousId: 'rn-fresh' })).statusCode).toBe(200);
      await t.drain();
      expect(await t.contactOf('rn-new')).toBe(person);
      expect(await t.contactOf('rn-fresh', 'anonymousId')).toBe(person);
      expect(await t.contactCount()).toBe(contacts);
      // Later events of the new id are the same person's.
      const later = uuidv7();
      expect((await t.v1('track', { messageId: later, userId: 'rn-new', event: 'purchase' })).statusCode).toBe(200);
      await t.drain();
      expect(await t.loaded(later)).toEqual([{ message_id: later, contact_id: person }]);
      expect(await t.candidates()).toEqual([]);
      expect(await t.history()).toEqual([]);

      // A known person's cookie as previousId: a new contact for the new userId and a candidate.
      expect((await t.v1('alias', { userId: 'rn-stranger', previousId: 'rn-cookie' })).statusCode).toBe(200);
      await t.drain();
      const stranger = (await t.contactOf('rn-stranger'))!;
      expect(stranger).not.toBe(other);
      expect(await t.contactCount()).toBe(contacts + 1);
      const candidates = await t.candidates();
      expect(candidates).toHaveLength(1);
      expect(candidates[0]).toMatchObject({ reason: 'segment_alias', evidence: { idType: 'anonymousId', userId: 'rn-cookie' } });
      expect(candidates[0]!.contacts.map((c) => c.id).sort()).toEqual([stranger, other].sort());
    });

    it('quarantines an alias whose previousId is an object or a boolean as identity_invalid / string.base', async () => {
      const t = await setUp(ctx.app);
      const [object, boolean, missing] = [uuidv7(), uuidv7(), uuidv7()];
      for (const [messageId, previousId] of [
        [object, { id: 'x' }],
        [boolean, true],
        [missing, null],
      ] as const)
        expect((await t.v1('alias', { messageId, userId: 'pt-u', previousId })).statusCode).toBe(200);
      await t.drain();
      const byId = new Map((await t.quarantined()).map((item) => [item.messageId, item]));
      for (const id of [object, boolean])
        expect(byId.get(id)).toMatchObject({
          reason: 'identity_invalid',
          problems: [{ path: 'previousId', code: 'string.base' }],
        });
      expect(byId.get(missing)).toMatchObject({
        reason: 'alias_previous_id_missing',
        problems: [{ path: 'previousId', code: 'any.required' }],
      });
    });
  },
  { plugins: firstPartyPlugins },
);
