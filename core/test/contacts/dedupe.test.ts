import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { duplicateSets, type DedupeField, type Holder } from '../../src/modules/dedupe/dedupe-rules.js';
import { dedupeServiceRef } from '../../src/modules/dedupe/dedupe.service.js';
import { tenantServiceRef } from '../../src/modules/tenancy/tenant.service.js';
import { ingestTenant } from '../ingestion/support.js';
import { roleHolder } from '../masking/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { normalStaff } from '../support/staff.js';
import { describeEngines, type TestApp } from '../support/test-app.js';

const silent = pino({ level: 'silent' });
const withPlugins = { plugins: firstPartyPlugins };
const BASE = '/api/v1/console/contacts/dedupe';

const holders = (entries: Partial<Record<DedupeField, [id: string, value: string][]>>) =>
  new Map(
    Object.entries(entries).map(([field, list]) => [
      field as DedupeField,
      list.map(([id, value]): Holder => ({ id, value, updatedAt: Number(id) })),
    ]),
  );
const ids = (sets: ReturnType<typeof duplicateSets>) => sets.map((set) => set.members.map((member) => member.id));
const defaults = ['nil', 'null', 'undefined', '1'];

describe('dedupe rules (seed §1.4.7)', () => {
  it('"any of": sets are connected components across the chosen fields', () => {
    const sets = duplicateSets(
      { fields: ['mobilePhone', 'idCard', 'email'], mode: 'any', excludedValues: defaults },
      holders({
        mobilePhone: [
          ['1', '13800000001'],
          ['2', '13800000001'],
          ['7', '13900000009'],
          ['8', '13900000009'],
        ],
        email: [
          ['2', 'b@x.cn'],
          ['3', 'B@X.cn '],
        ],
        idCard: [
          ['3', '11010119900101123x'],
          ['4', '11010119900101123X'],
        ],
      }),
    );
    // 1–2 share a mobile, 2–3 an email, 3–4 an ID card (x = X): one person; 7–8 another.
    expect(ids(sets)).toEqual([
      ['1', '2', '3', '4'],
      ['7', '8'],
    ]);
    expect(sets[0]!.matchedFields).toEqual(['mobilePhone', 'idCard', 'email']);
    expect(sets[1]!.matchedFields).toEqual(['mobilePhone']);
  });

  it('"all of": every chosen field present and equal; a missing field is no match', () => {
    const sets = duplicateSets(
      { fields: ['mobilePhone', 'email'], mode: 'all', excludedValues: defaults },
      holders({
        mobilePhone: [
          ['1', '13800000001'],
          ['2', '13800000001'],
          ['3', '13800000001'],
          ['5', '13700000000'],
          ['6', '13700000000'],
        ],
        email: [
          ['1', 'a@x.cn'],
          ['2', ' A@x.CN'],
          ['3', 'c@x.cn'],
          ['5', 'e@x.cn'],
          ['9', 'e@x.cn'],
        ],
      }),
    );
    expect(ids(sets)).toEqual([['1', '2']]);
    expect(sets[0]!.matchedFields).toEqual(['mobilePhone', 'email']);
  });

  it('excluded values (trimmed, any case) and RSA-encrypted mobiles never match; only the chosen fields count', () => {
    const data = holders({
      mobilePhone: [
        ['1', '13800000001'],
        ['2', ' 13800000001 '],
        ['5', 'MIGfMA0GCSq+Gb3DQEB/AQUAA4GN=='],
        ['6', 'MIGfMA0GCSq+Gb3DQEB/AQUAA4GN=='],
      ],
      email: [
        ['3', ' NULL'],
        ['4', 'null'],
        ['7', 'x@y.cn'],
        ['8', 'x@y.cn'],
        ['9', 'Nil'],
        ['10', 'nil '],
      ],
    });
    // Ciphertexts (5, 6) never match, even equal ones; plain numbers compare trimmed.
    expect(ids(duplicateSets({ fields: ['mobilePhone'], mode: 'any', excludedValues: defaults }, data))).toEqual([['1', '2']]);
    expect(ids(duplicateSets({ fields: ['email'], mode: 'any', excludedValues: defaults }, data))).toEqual([['7', '8']]);
    // With "null" no longer excluded, the two nulls are one set; "Nil" stays excluded in any case.
    expect(ids(duplicateSets({ fields: ['email'], mode: 'any', excludedValues: ['NIL'] }, data))).toEqual([
      ['3', '4'],
      ['7', '8'],
    ]);
    expect(ids(duplicateSets({ fields: ['email'], mode: 'any', excludedValues: [' X@Y.CN ', 'null', 'nil'] }, data))).toEqual([]);
  });
});

/** A tenant sending data, with helpers to make contacts by identify and to run the dedupe. */
async function dedupeTenant(app: TestApp, options: { timeZone?: string } = {}) {
  const t = await ingestTenant(app, options);
  const db = () => app.oltp.forTenant(t.tenantId);
  const contactOf = async (userId: string) => {
    const row = (await db()
      .from('channel_account')
      .where({ channel_id: t.channelId, id_type: 'externalId', user_id: userId })
      .first()) as { contact_id: number | string } | undefined;
    return row ? String(row.contact_id) : undefined;
  };
  /** Identifies each person (one batch each, in order: later ones are updated later) → their contact ids. */
  const people = async (list: [userId: string, traits: Record<string, unknown>][]) => {
    const out: Record<string, string> = {};
    for (const [userId, traits] of list) {
      const sent = await t.collect('batch', { batch: [{ type: 'identify', userId, traits }] });
      expect(sent.statusCode).toBe(200);
      await t.drain();
      out[userId] = (await contactOf(userId))!;
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    return out;
  };
  const runTasks = async () => {
    while ((await app.jobs.worker.poll()) > 0);
  };
  const save = async (settings: Record<string, unknown>, client = t.staff) =>
    client.request('PUT', `${BASE}/settings`, {
      fields: ['mobilePhone', 'idCard', 'email'],
      mode: 'any',
      excludedValues: defaults,
      autoMerge: false,
      ...settings,
    });
  /** 启动查重 and let the task run; the run as it ended. */
  const run = async () => {
    const started = await t.staff.request('POST', `${BASE}/runs`);
    expect(started.statusCode).toBe(201);
    await runTasks();
    const done = await t.staff.request('GET', `${BASE}/runs/${started.body.id}`);
    expect(done.body.status).toBe('done');
    return done.body as { id: string; setCount: number; contactCount: number };
  };
  const sets = async (runId: string, client: { request: typeof t.staff.request } = t.staff) =>
    (await client.request('GET', `${BASE}/runs/${runId}/sets`)).body.items as {
      id: string;
      status: string;
      fresh: boolean;
      matchedFields: string[];
      members: (Record<string, unknown> & { id: string })[];
    }[];
  const memberIds = (list: Awaited<ReturnType<typeof sets>>) => list.map((set) => set.members.map((m) => m.id).sort());
  const contactCount = async () => Number(((await db().from('contact').count({ n: '*' }).first()) as { n: number | string }).n);
  return { ...t, db, contactOf, people, runTasks, save, run, sets, memberIds, contactCount };
}

const sorted = (...values: (string | undefined)[]) => values.map(String).sort();

describeEngines(
  'contacts: dedupe and merge (合并用户, seed §1.4.7)',
  (ctx) => {
    it('settings: defaults until saved; saved as a whole; bad excluded values and fields are refused', async () => {
      const t = await dedupeTenant(ctx.app);
      expect((await t.staff.request('GET', `${BASE}/settings`)).body).toEqual({
        fields: ['mobilePhone', 'idCard', 'email'],
        mode: 'any',
        excludedValues: ['nil', 'null', 'undefined', '1'],
        autoMerge: false,
        saved: false,
        updatedAt: null,
      });
      const saved = await t.save({
        fields: ['email', 'mobilePhone'],
        mode: 'all',
        excludedValues: [' null ', 'n/a'],
        autoMerge: true,
      });
      expect(saved.statusCode).toBe(200);
      expect(saved.body).toMatchObject({
        fields: ['mobilePhone', 'email'],
        mode: 'all',
        excludedValues: ['null', 'n/a'],
        autoMerge: true,
        saved: true,
      });
      expect((await t.staff.request('GET', `${BASE}/settings`)).body).toEqual(saved.body);
      const repeated = await t.save({ excludedValues: ['null', 'NULL'] });
      expect([repeated.statusCode, repeated.body.code]).toEqual([400, 'dedupe_excluded_values_invalid']);
      const blank = await t.save({ excludedValues: ['  '] });
      expect([blank.statusCode, blank.body.code]).toEqual([400, 'dedupe_excluded_values_invalid']);
      const noField = await t.save({ fields: [] });
      expect(noField.statusCode).toBe(400);
      const otherField = await t.save({ fields: ['name'] });
      expect(otherField.statusCode).toBe(400);
      expect((await t.staff.request('GET', `${BASE}/settings`)).body).toEqual(saved.body);
    });

    it('permissions: reading the rules needs 用户-查看; saving, running, reviewing and merging need 用户-合并用户', async () => {
      const t = await dedupeTenant(ctx.app);
      const normal = await normalStaff(ctx.app, t.tenantId);
      expect((await normal.request('GET', `${BASE}/settings`)).statusCode).toBe(200);
      expect((await t.save({}, normal)).statusCode).toBe(403);
      expect((await normal.request('POST', `${BASE}/runs`)).statusCode).toBe(403);
      expect((await normal.request('GET', `${BASE}/runs`)).statusCode).toBe(403);
      const run = await t.run();
      expect((await normal.request('GET', `${BASE}/runs/${run.id}/sets`)).statusCode).toBe(403);
      expect((await normal.request('POST', `${BASE}/runs/${run.id}/merge`, { sets: [{ setId: '1' }] })).statusCode).toBe(403);
      const merger = roleHolder(ctx.app, t.tenantId, ['contacts.view', 'contacts.merge']);
      expect((await merger.request('GET', `${BASE}/runs/${run.id}/sets`)).statusCode).toBe(200);
      expect(
        (
          await merger.request('PUT', `${BASE}/settings`, {
            fields: ['email'],
            mode: 'any',
            excludedValues: [],
            autoMerge: false,
          })
        ).statusCode,
      ).toBe(200);
    });

    it('manual flow, "any of": connected components found, reviewed, merged — the most recent contact survives; history and operation log', async () => {
      const t = await dedupeTenant(ctx.app);
      const p = await t.people([
        ['a', { name: '甲', mobilePhone: '13800000001', company: 'ACME' }],
        ['b', { name: '乙', mobilePhone: '13800000001', email: 'B@Example.cn ' }],
        ['c', { name: '丙', email: 'b@example.cn', idCard: '11010119900101123x' }],
        ['d', { name: '丁', idCard: '11010119900101123X' }],
        ['e', { name: '戊', mobilePhone: 'null' }],
        ['f', { name: '己', mobilePhone: 'NULL' }],
        ['g', { name: '庚', email: 'g@example.cn' }],
        ['h', { name: '辛', email: 'g@example.cn', city: '上海' }],
      ]);
      const run = await t.run();
      expect(run).toMatchObject({ setCount: 2, contactCount: 6 });
      const sets = await t.sets(run.id);
      expect(t.memberIds(sets)).toEqual([sorted(p.a, p.b, p.c, p.d), sorted(p.g, p.h)]);
      expect(sets[0]).toMatchObject({ status: 'pending', fresh: true, matchedFields: ['mobilePhone', 'idCard', 'email'] });
      expect(sets[1]!.members.find((m) => m.id === p.h)).toMatchObject({
        name: '辛',
        email: 'g@example.cn',
        exists: true,
        changed: false,
      });

      const before = await t.contactCount();
      const merged = await t.staff.request('POST', `${BASE}/runs/${run.id}/merge`, {
        sets: [{ setId: sets[0]!.id }, { setId: sets[1]!.id }],
      });
      expect(merged.statusCode).toBe(200);
      // 保留最近的用户: d and h were identified last.
      expect(merged.body.results).toEqual([
        { setId: sets[0]!.id, merged: true, code: null, survivorId: p.d, mergedIds: expect.any(Array), staleContactIds: [] },
        { setId: sets[1]!.id, merged: true, code: null, survivorId: p.h, mergedIds: [p.g], staleContactIds: [] },
      ]);
      expect([...merged.body.results[0].mergedIds].sort()).toEqual(sorted(p.a, p.b, p.c));
      expect(await t.contactCount()).toBe(before - 4);
      // The survivor keeps its values, gaps filled newest first (c's email before b's, a's company).
      expect(await t.db().from('contact').where('id', p.d).first()).toMatchObject({
        name: '丁',
        id_card: '11010119900101123X',
        email: 'b@example.cn',
        mobile: '13800000001',
        company: 'ACME',
      });
      for (const userId of ['a', 'b', 'c', 'd']) expect(await t.contactOf(userId)).toBe(p.d);
      // Merge history: rule dedupe_rule, the staff member as actor.
      const history = (await t.staff.request('GET', '/api/v1/contacts/merges')).body.items as Record<string, unknown>[];
      expect(history).toHaveLength(4);
      for (const merge of history) expect(merge).toMatchObject({ rule: 'dedupe_rule', actorStaffId: t.tenant.staffId });
      // 用户 · 合并 in the operation log, one per merge.
      const log = (await t.staff.request('GET', '/api/v1/operation-logs?objectType=contact&operation=merge')).body.items as {
        objectId: string;
        detail: Record<string, unknown>;
      }[];
      expect(log).toHaveLength(4);
      expect(log.map((entry) => entry.detail.mergedId).sort()).toEqual(sorted(p.a, p.b, p.c, p.g));
      expect(log.find((entry) => entry.detail.mergedId === p.g)).toMatchObject({
        objectId: p.h,
        detail: { dedupeRunId: run.id, dedupeSetId: sets[1]!.id },
      });
      // The review shows the sets merged; merging again is refused per set.
      expect((await t.sets(run.id)).map((set) => set.status)).toEqual(['merged', 'merged']);
      const again = await t.staff.request('POST', `${BASE}/runs/${run.id}/merge`, { sets: [{ setId: sets[1]!.id }] });
      expect(again.body.results[0]).toMatchObject({ merged: false, code: 'dedupe_set_merged' });
      expect((await t.staff.request('GET', `${BASE}/runs/${run.id}`)).body).toMatchObject({ mergedCount: 2, staleCount: 0 });
      // OLAP follows: the merged-away contacts are gone there too.
      const olap = await ctx.app.olap.forTenant(t.tenantId).query('SELECT id FROM contacts', { rowMode: 'json' });
      const olapIds = (olap.rows as { id: string }[]).map((row) => String(row.id));
      expect(olapIds).toContain(p.d);
      expect(olapIds).not.toContain(p.a);
      // A new run finds nothing left of these.
      const next = await t.run();
      expect(next.setCount).toBe(0);
    });

    it('"all of", edited excluded values, chosen members of a set', async () => {
      const t = await dedupeTenant(ctx.app);
      const p = await t.people([
        ['a', { name: 'A', mobilePhone: '13800000001', email: 'a@x.cn' }],
        ['b', { name: 'B', mobilePhone: '13800000001', email: 'A@X.CN' }],
        ['c', { name: 'C', mobilePhone: '13800000001', email: 'c@x.cn' }],
        ['d', { name: 'D', mobilePhone: '13800000001' }],
        ['e', { name: 'E', mobilePhone: '13900000000', email: 'null' }],
        ['f', { name: 'F', mobilePhone: '13900000000', email: 'Null' }],
      ]);
      await t.save({ fields: ['mobilePhone', 'email'], mode: 'all' });
      expect(t.memberIds(await t.sets((await t.run()).id))).toEqual([sorted(p.a, p.b)]);
      // "null" no longer excluded: e and f (equal mobile, email "null" in any case) are duplicates too.
      await t.save({ fields: ['mobilePhone', 'email'], mode: 'all', excludedValues: ['nil', 'undefined', '1'] });
      expect(t.memberIds(await t.sets((await t.run()).id))).toEqual([sorted(p.a, p.b), sorted(p.e, p.f)]);
      // An operator's own excluded value: this mobile never counts as equal.
      await t.save({ fields: ['mobilePhone'], mode: 'any', excludedValues: ['13800000001 '] });
      const run = await t.run();
      const sets = await t.sets(run.id);
      expect(t.memberIds(sets)).toEqual([sorted(p.e, p.f)]);
      // Back to mobiles only: a, b, c, d one set; merge only c and d of it.
      await t.save({ fields: ['mobilePhone'], mode: 'any' });
      const last = await t.run();
      const [abcd, ef] = await t.sets(last.id);
      expect(abcd!.members.map((m) => m.id).sort()).toEqual(sorted(p.a, p.b, p.c, p.d));
      const outside = await t.staff.request('POST', `${BASE}/runs/${last.id}/merge`, {
        sets: [{ setId: ef!.id }, { setId: abcd!.id, contactIds: [p.c, p.e] }],
      });
      expect([outside.statusCode, outside.body.code]).toEqual([400, 'dedupe_selection_invalid']);
      expect((await t.sets(last.id)).map((set) => set.status)).toEqual(['pending', 'pending']);
      const some = await t.staff.request('POST', `${BASE}/runs/${last.id}/merge`, {
        sets: [{ setId: abcd!.id, contactIds: [p.c, p.d] }],
      });
      expect(some.body.results[0]).toMatchObject({ merged: true, survivorId: p.d, mergedIds: [p.c] });
      expect(await t.contactOf('a')).toBe(p.a);
      expect(await t.contactOf('c')).toBe(p.d);
    });

    it('a set changed or merged since the run is refused as stale — nothing merged; other sets still merge', async () => {
      const t = await dedupeTenant(ctx.app);
      const p = await t.people([
        ['a', { name: 'A', email: 'same@x.cn' }],
        ['b', { name: 'B', email: 'same@x.cn' }],
        ['c', { name: 'C', mobilePhone: '13700000001' }],
        ['d', { name: 'D', mobilePhone: '13700000001' }],
        ['e', { name: 'E', idCard: '110101199001011234' }],
        ['f', { name: 'F', idCard: '110101199001011234' }],
      ]);
      const run = await t.run();
      const [ab, cd, ef] = await t.sets(run.id);
      // b changes its email after the run; e and f are merged by another path meanwhile.
      await t.people([['b', { email: 'other@x.cn' }]]);
      const run2 = await t.run();
      const ef2 = (await t.sets(run2.id)).find((set) => set.members.some((m) => m.id === p.e))!;
      const direct = await t.staff.request('POST', `${BASE}/runs/${run2.id}/merge`, { sets: [{ setId: ef2.id }] });
      expect(direct.body.results[0].merged).toBe(true);
      const review = await t.sets(run.id);
      expect(review.map((set) => set.fresh)).toEqual([false, true, false]);
      expect(review[0]!.members.find((m) => m.id === p.b)).toMatchObject({ exists: true, changed: true });
      expect(review[2]!.members.some((m) => !m.exists)).toBe(true);
      const before = await t.contactCount();
      const res = await t.staff.request('POST', `${BASE}/runs/${run.id}/merge`, {
        sets: [{ setId: ab!.id }, { setId: cd!.id }, { setId: ef!.id }, { setId: '999999999' }],
      });
      expect(res.body.results.map((r: { merged: boolean; code: string | null }) => [r.merged, r.code])).toEqual([
        [false, 'dedupe_set_stale'],
        [true, null],
        [false, 'dedupe_set_stale'],
        [false, 'dedupe_set_not_found'],
      ]);
      expect(res.body.results[0].staleContactIds).toEqual([p.b]);
      expect(await t.contactCount()).toBe(before - 1);
      expect(await t.contactOf('a')).toBe(p.a);
      expect(await t.contactOf('b')).toBe(p.b);
      expect((await t.sets(run.id)).map((set) => set.status)).toEqual(['stale', 'merged', 'stale']);
      expect((await t.staff.request('GET', `${BASE}/runs/${run.id}`)).body).toMatchObject({ mergedCount: 1, staleCount: 2 });
    });

    it('RSA-encrypted mobiles never match, neither each other nor plain numbers', async () => {
      const t = await dedupeTenant(ctx.app);
      const cipher = 'kq3J7v+0Zb1uQ2x/9PzX0w==';
      await t.people([
        ['a', { name: 'A', mobilePhone: cipher }],
        ['b', { name: 'B', mobilePhone: cipher }],
        ['c', { name: 'C', mobilePhone: '13600000000' }],
      ]);
      await t.save({ fields: ['mobilePhone'] });
      expect((await t.run()).setCount).toBe(0);
    });

    it('masks the review for staff without 联系人不脱敏 (合并联系人：加密的字段继续显示为加密格式)', async () => {
      const t = await dedupeTenant(ctx.app);
      const p = await t.people([
        ['a', { name: '甲', mobilePhone: '13800000002', idCard: '110101199001011234' }],
        ['b', { name: '乙', mobilePhone: '13800000002', email: 'b@x.cn' }],
      ]);
      for (const key of ['mobilePhone', 'idCard', 'email'])
        expect((await t.staff.request('PUT', `/api/v1/contact-field-masks/${key}`, { masked: true })).statusCode).toBe(200);
      const run = await t.run();
      const merger = roleHolder(ctx.app, t.tenantId, ['contacts.view', 'contacts.merge']);
      const clear = roleHolder(ctx.app, t.tenantId, ['contacts.view', 'contacts.merge', 'contacts.unmasked']);
      const pick = (members: Record<string, unknown>[]) =>
        members.map(({ id, name, mobile, idCard, email }) => ({ id, name, mobile, idCard, email }));
      expect(pick((await t.sets(run.id, merger))[0]!.members)).toEqual([
        { id: p.a, name: '甲', mobile: '***', idCard: '***', email: null },
        { id: p.b, name: '乙', mobile: '***', idCard: null, email: '***' },
      ]);
      expect(pick((await t.sets(run.id, clear))[0]!.members)).toEqual([
        { id: p.a, name: '甲', mobile: '13800000002', idCard: '110101199001011234', email: null },
        { id: p.b, name: '乙', mobile: '13800000002', idCard: null, email: 'b@x.cn' },
      ]);
      // Super staff see clear values too.
      expect((await t.sets(run.id))[0]!.members[0]).toMatchObject({ mobile: '13800000002' });
    });

    it('one run at a time per tenant (409 dedupe_running); runs of another tenant are 404', async () => {
      const t = await dedupeTenant(ctx.app);
      const first = await t.staff.request('POST', `${BASE}/runs`);
      expect(first.statusCode).toBe(201);
      const second = await t.staff.request('POST', `${BASE}/runs`);
      expect([second.statusCode, second.body.code]).toEqual([409, 'dedupe_running']);
      await t.runTasks();
      const other = await dedupeTenant(ctx.app);
      expect((await other.staff.request('GET', `${BASE}/runs/${first.body.id}`)).statusCode).toBe(404);
      expect((await other.staff.request('GET', `${BASE}/runs/${first.body.id}/sets`)).statusCode).toBe(404);
      expect((await other.staff.request('GET', `${BASE}/runs`)).body.items).toEqual([]);
    });

    it('automatic run: at 02:45 tenant time, only when enabled and saved, merges every set; result in the notification center', async () => {
      const app = ctx.app;
      const on = await dedupeTenant(app, { timeZone: 'Asia/Shanghai' });
      const off = await dedupeTenant(app, { timeZone: 'Asia/Shanghai' });
      const unsaved = await dedupeTenant(app, { timeZone: 'Asia/Shanghai' });
      const make = (t: typeof on) =>
        t.people([
          ['a', { name: 'A', email: 'dup@x.cn' }],
          ['b', { name: 'B', email: 'dup@x.cn' }],
        ]);
      const [pOn] = [await make(on), await make(off), await make(unsaved)];
      expect((await on.save({ autoMerge: true })).statusCode).toBe(200);
      expect((await off.save({ autoMerge: false })).statusCode).toBe(200);
      const entry = app.jobs.scheduler.entry('dedupe:auto-merge');
      expect(entry).toBeDefined();
      const scheduler = new Scheduler(app.service(tenantServiceRef), app.jobs.queue, [entry!], silent);
      // 02:44 Shanghai: not yet.
      const dueAt = Date.UTC(2026, 11, 9, 18, 45);
      await scheduler.tick(dueAt - 60_000 + 10_000);
      await on.runTasks();
      expect(await on.contactOf('a')).not.toBe(await on.contactOf('b'));
      // 02:45 Shanghai (18:45 UTC the day before): the firing, run by the worker, runs the dedupe.
      expect(await scheduler.tick(dueAt + 10_000)).toBeGreaterThanOrEqual(3);
      await on.runTasks();
      expect(await on.contactOf('a')).toBe(pOn!.b);
      expect(await on.contactOf('b')).toBe(pOn!.b);
      for (const t of [off, unsaved]) expect(await t.contactOf('a')).not.toBe(await t.contactOf('b'));
      const [merge] = (await on.staff.request('GET', '/api/v1/contacts/merges')).body.items;
      expect(merge).toMatchObject({ rule: 'dedupe_rule', actorStaffId: null, survivorId: pOn!.b, mergedId: pOn!.a });
      const [run] = (await on.staff.request('GET', `${BASE}/runs`)).body.items;
      expect(run).toMatchObject({ trigger: 'auto', status: 'done', setCount: 1, mergedCount: 1, createdBy: null });
      expect((await on.sets(run.id)).map((set) => set.status)).toEqual(['merged']);
      const notes = (await on.staff.request('GET', '/api/v1/notifications')).body.items as Record<string, unknown>[];
      expect(notes[0]).toMatchObject({
        kind: 'dedupe.run',
        level: 'success',
        counts: { dedupeSets: 1, dedupeContacts: 2, dedupeMerged: 1, dedupeStale: 0 },
      });
      // The firing again (at-least-once) enqueues no second run; automatic merges leave no operation log.
      await app.service(dedupeServiceRef).autoRun(on.tenantId, dueAt);
      await on.runTasks();
      expect((await on.staff.request('GET', `${BASE}/runs`)).body.items).toHaveLength(1);
      expect((await on.staff.request('GET', '/api/v1/operation-logs?objectType=contact&operation=merge')).body.items).toEqual([]);
      expect((await off.staff.request('GET', `${BASE}/runs`)).body.items).toEqual([]);
      // Off or never saved: no run was even enqueued, so nobody is notified of one.
      for (const t of [off, unsaved]) {
        const items = (await t.staff.request('GET', '/api/v1/notifications')).body.items as { kind: string }[];
        expect(items.filter((note) => note.kind === 'dedupe.run')).toEqual([]);
      }
    });
  },
  withPlugins,
);
