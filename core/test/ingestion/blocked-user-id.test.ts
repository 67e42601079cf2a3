import { expect, it } from 'vitest';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { ingestTenant, uuidv7 } from './support.js';

/**
 * Reported as "a track of `userId: '1'` in a collect batch is silently dropped; `'u-1'` works".
 * Not a bug: "1" is one of the tenant's blocked identifier values (default nil, null, undefined, 1 —
 * contacts/identity-rules.ts, ADR 0019 §7), which never identify anyone. The collect API accepts
 * the message (it is durable: judged asynchronously by the worker), and the worker quarantines a
 * message left with no usable id as `identity_blocked` — listed in 数据质量 with its body, and
 * replayable once the operator removes the value from the blocked list. Numeric-looking ids that
 * are not blocked ("0", "01") load like any other id.
 */
describeEngines(
  'ingestion: a blocked userId ("1" by default) is quarantined, never dropped silently',
  (ctx) => {
    it('quarantines a track whose only id is blocked ("1", 1, " 1") as identity_blocked, loads "0", "01", "u-1", and replays once unblocked', async () => {
      const t = await ingestTenant(ctx.app);
      const track = (userId: unknown, extra: Record<string, unknown> = {}) => ({
        type: 'track',
        messageId: uuidv7(),
        userId,
        event: 'purchase',
        properties: { amount: 1, sku: 'A-1' },
        ...extra,
      });
      const loaded = {
        text: track('u-1'),
        zero: track('0'),
        leadingZero: track('01'),
        // A blocked userId counts as absent: the cookie identifies the person.
        withCookie: track('1', { anonymousId: 'cookie-1' }),
      };
      const blocked = { text: track('1'), number: track(1), spaced: track(' 1') };
      const res = await t.collect('batch', { batch: [...Object.values(loaded), ...Object.values(blocked)] });
      // Accepted (made durable) as every message is: what becomes of it is the worker's to decide.
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatchObject({ accepted: 7, dropped: 0 });
      await t.drain();

      const loadedIds = Object.values(loaded).map((m) => m.messageId);
      const blockedIds = Object.values(blocked).map((m) => m.messageId);
      expect((await t.events()).map((e) => e.message_id).sort()).toEqual([...loadedIds].sort());

      // Not silent: each blocked message is in the quarantine with its reason and what was sent.
      const quality = (await t.staff.request('GET', '/api/v1/ingestion/quality')).body;
      expect(quality.quarantine).toEqual([expect.objectContaining({ reason: 'identity_blocked', event: 'purchase', count: 3 })]);
      const list = (await t.staff.request('GET', '/api/v1/ingestion/quarantine?reason=identity_blocked')).body;
      expect(list.total).toBe(3);
      expect(
        list.items
          .map((q: { messageId: string; type: string; event: string; message: { userId: unknown } }) => ({
            messageId: q.messageId,
            type: q.type,
            event: q.event,
            userId: q.message.userId,
          }))
          .sort((a: { messageId: string }, b: { messageId: string }) => a.messageId.localeCompare(b.messageId)),
      ).toEqual(
        Object.values(blocked)
          .map((m) => ({ messageId: m.messageId, type: 'track', event: 'purchase', userId: m.userId }))
          .sort((a, b) => a.messageId.localeCompare(b.messageId)),
      );

      // The operator allows "1" (合并管理 → 设置) and replays: the three events load.
      const saved = await t.staff.request('PUT', '/api/v1/contacts/identity-settings', {
        blockedValues: ['nil', 'null', 'undefined'],
      });
      expect(saved.statusCode).toBe(200);
      const replay = await t.staff.request('POST', '/api/v1/ingestion/quarantine/replay', { reason: 'identity_blocked' });
      expect(replay.body).toEqual({ replayed: 3 });
      await t.drain();
      expect((await t.events()).map((e) => e.message_id).sort()).toEqual([...loadedIds, ...blockedIds].sort());
    });
  },
  { plugins: firstPartyPlugins },
);
