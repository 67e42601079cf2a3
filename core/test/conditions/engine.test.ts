import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConditionNode, ConditionTree, TimeRange } from '../../src/modules/conditions/condition.types.js';
import type { ConditionsService } from '../../src/modules/conditions/conditions.service.js';
import type { OlapEventRow } from '../../src/store/olap/analytics-engine.js';
import { DuckDbEngine } from '../../src/store/olap/duckdb/duckdb-engine.js';
import { OltpSchemaVersionStore } from '../../src/store/olap/schema-versions.js';
import { describeOltpEngines, insertTenant } from '../olap/support.js';
import { MembershipDouble, conditionDeclaration as declaration, conditionsService, shanghai } from './support.js';

/**
 * The condition engine end to end on hand-checked fixtures: a tree is validated, compiled and run
 * on a real DuckDB tenant (schema versions recorded in each OLTP engine), and the matching contact
 * ids are compared with the answer worked out by hand in the comments.
 */

/** Evaluation time of the main fixture: 2026-02-10 12:00 in Shanghai (the seed's example date). */
const NOW = shanghai(2026, 2, 10, 12);

let sequence = 0;
function event(contactId: string, code: string, eventTime: number, properties: Record<string, unknown> = {}): OlapEventRow {
  sequence += 1;
  return { eventTime, event: code, contactId, messageId: `m-${sequence}`, direction: 'inbound', properties };
}

const where = (...conditions: ConditionNode[]): ConditionTree => ({ type: 'and', conditions });
const past = (days: number, includeToday = true): TimeRange => ({ kind: 'past', days, includeToday });

describeOltpEngines('condition engine', (ctx) => {
  let engine: DuckDbEngine | undefined;
  let conditions: ConditionsService;
  const memberships = new MembershipDouble();
  let tenant = '';

  beforeAll(async () => {
    engine = await DuckDbEngine.open({
      path: path.join(ctx.fixture.dir, 'analytics.duckdb'),
      versions: new OltpSchemaVersionStore(ctx.fixture.oltp),
      threads: 2,
    });
    await engine.start();
    conditions = conditionsService(engine, ctx.fixture.oltp, memberships);
    tenant = await insertTenant(ctx.fixture.oltp);
    const olap = engine.forTenant(tenant);
    await olap.declare(declaration);
    await olap.load({
      batchId: 'contacts',
      contacts: [
        // 1: 上海; birthday in two days; level 5; created at 2-10 00:00:00 local.
        {
          id: '1',
          identified: true,
          name: '张三',
          province: '上海',
          city: '上海',
          birthday: '1990-02-12',
          email: 'zhang@example.com',
          createdAt: shanghai(2026, 2, 10),
          attributes: { '21': 5, '22': '2026-01-31' },
        },
        // 2: 北京; city and email are empty strings; born on 29 February; created 2-9 23:59:59.
        {
          id: '2',
          identified: false,
          province: '北京',
          city: '',
          birthday: '2000-02-29',
          email: '',
          createdAt: shanghai(2026, 2, 9, 23, 59, 59),
          attributes: { '21': 10, '22': '2026-02-01' },
        },
        // 3: nothing known (every property NULL).
        { id: '3' },
        // 4: 上海 again; birthday at the end of December.
        {
          id: '4',
          province: '上海',
          city: '浦东',
          birthday: '1985-12-30',
          email: 'li@corp.cn',
          createdAt: shanghai(2025, 6, 1),
          attributes: { '21': 7 },
        },
        // 6: 广东; never did anything.
        { id: '6', province: '广东', createdAt: shanghai(2025, 1, 1) },
      ],
    });
    await olap.load({
      batchId: 'events',
      aliases: [{ fromContactId: '5', toContactId: '1' }],
      events: [
        // Contact 1: a purchase at 2-9 23:59:59 and one at 2-10 00:00:00 local (15:59:59 / 16:00:00 UTC).
        event('1', 'purchase', shanghai(2026, 2, 9, 23, 59, 59), { amount: 100, sku: 'A', categories: ['shoes', 'sale'] }),
        event('1', 'purchase', shanghai(2026, 2, 10, 0, 0, 0), { amount: 50, sku: 'B', categories: ['bags'] }),
        // Contact 5 was merged into 1: its purchase counts for 1.
        event('5', 'purchase', shanghai(2026, 2, 5, 9), { amount: 30, sku: 'A' }),
        // Contact 2: one purchase on 2-3 (the first day of 过去 7 天).
        event('2', 'purchase', shanghai(2026, 2, 3, 8), { amount: 200, sku: 'C', paid_at: shanghai(2026, 2, 3, 8, 5) }),
        // Contact 2 subscribed at 2-1 00:00:00 (this month); 4 at 1-31 23:59:59 (last month).
        event('2', 'subscribe', shanghai(2026, 2, 1)),
        event('4', 'subscribe', shanghai(2026, 1, 31, 23, 59, 59)),
        // Contact 4: an old purchase without an amount; an unfollow yesterday.
        event('4', 'purchase', shanghai(2026, 1, 1, 10), { sku: 'C' }),
        event('4', 'unfollow', shanghai(2026, 2, 9, 10)),
      ],
    });
    // Group 9: version 1 is active (members 2 and 4); version 2 is being computed (member 1).
    await olap.replaceGroupVersion('9', 1, { rows: ['2', '4'] });
    await olap.replaceGroupVersion('9', 2, { rows: ['1'] });
    memberships.groupRefs.set('9', { id: '9', name: 'VIP', version: 1 });
    memberships.groupRefs.set('10', { id: '10', name: '未计算', version: null });
    // Tags on their active calculation day 2026-02-09 (2-08 holds stale values).
    await olap.replaceTagValues('5', '2026-02-09', 'string', {
      rows: [
        { contactId: '1', value: 'gold' },
        { contactId: '2', value: '' },
        { contactId: '4', value: 'silver' },
      ],
    });
    await olap.replaceTagValues('5', '2026-02-08', 'string', { rows: [{ contactId: '3', value: 'gold' }] });
    await olap.replaceTagValues('6', '2026-02-09', 'number', {
      rows: [
        { contactId: '1', value: 180 },
        { contactId: '2', value: 200 },
      ],
    });
    await olap.replaceTagValues('7', '2026-02-09', 'string[]', {
      rows: [
        { contactId: '1', value: ['shoes', 'bags'] },
        { contactId: '2', value: ['shoes'] },
        { contactId: '4', value: [] },
      ],
    });
    await olap.replaceTagValues('8', '2026-02-09', 'date', {
      rows: [
        { contactId: '1', value: shanghai(2026, 2, 10, 0, 0, 0) },
        { contactId: '2', value: shanghai(2026, 2, 9, 23, 59, 59) },
      ],
    });
    memberships.tagRefs.set('5', { id: '5', name: '会员等级', type: 'string', calcDate: '2026-02-09' });
    memberships.tagRefs.set('6', { id: '6', name: '累计消费', type: 'number', calcDate: '2026-02-09' });
    memberships.tagRefs.set('7', { id: '7', name: '偏好品类', type: 'strings', calcDate: '2026-02-09' });
    memberships.tagRefs.set('8', { id: '8', name: '最近购买时间', type: 'time', calcDate: '2026-02-09' });
    memberships.tagRefs.set('11', { id: '11', name: '未计算', type: 'string', calcDate: null });
  });

  afterAll(async () => {
    await engine?.close();
  });

  const matching = async (tree: ConditionTree, options: { now?: number; contactIds?: string[] } = {}) =>
    (await conditions.matchingContacts(tenant, tree, { now: NOW, ...options })).sort();
  const property = (name: string, operator: string, values?: (string | number)[], range?: TimeRange): ConditionNode =>
    ({ type: 'property', property: name, operator, ...(values ? { values } : {}), ...(range ? { range } : {}) }) as ConditionNode;

  describe('string operators (§3.3): several values, NULL and ""', () => {
    it('= matches any of several values', async () => {
      expect(await matching(where(property('province', 'eq', ['上海', '北京'])))).toEqual(['1', '2', '4']);
    });
    it('!= excludes all of them, and a missing value is "not equal"', async () => {
      expect(await matching(where(property('province', 'ne', ['上海', '北京'])))).toEqual(['3', '6']);
    });
    it('contains / not contains are literal (no wildcards) and exact complements', async () => {
      expect(await matching(where(property('email', 'contains', ['@'])))).toEqual(['1', '4']);
      expect(await matching(where(property('email', 'contains', ['%'])))).toEqual([]);
      expect(await matching(where(property('email', 'notContains', ['corp'])))).toEqual(['1', '2', '3', '6']);
    });
    it('空值 holds for "" and NULL; 非空 is length > 0', async () => {
      expect(await matching(where(property('city', 'empty')))).toEqual(['2', '3', '6']);
      expect(await matching(where(property('city', 'notEmpty')))).toEqual(['1', '4']);
    });
  });

  describe('number operators', () => {
    it.each([
      ['lt', [7], ['1']],
      ['gt', [5], ['2', '4']],
      ['gte', [7], ['2', '4']],
      ['lte', [5], ['1']],
      ['between', [5, 7], ['1', '4']],
      ['eq', [5, 10], ['1', '2']],
      ['ne', [5], ['2', '3', '4', '6']],
      ['isNull', undefined, ['3', '6']],
      ['notNull', undefined, ['1', '2', '4']],
    ] as const)('level %s %j', async (operator, values, expected) => {
      expect(await matching(where(property('attr21', operator, values ? [...values] : undefined)))).toEqual(expected);
    });
  });

  describe('bool operators', () => {
    it('is true / is false / null', async () => {
      expect(await matching(where(property('identified', 'isTrue')))).toEqual(['1']);
      expect(await matching(where(property('identified', 'isFalse')))).toEqual(['2']);
      expect(await matching(where(property('identified', 'isNull')))).toEqual(['3', '4', '6']);
      expect(await matching(where(property('identified', 'notNull')))).toEqual(['1', '2']);
    });
  });

  describe('time operators: absolute and relative ranges in the tenant zone', () => {
    it('an instant at 00:00:00 local is today; 23:59:59 local is yesterday', async () => {
      expect(await matching(where(property('createdAt', 'in', undefined, { kind: 'today' })))).toEqual(['1']);
      expect(await matching(where(property('createdAt', 'in', undefined, { kind: 'relativeDay', offset: -1 })))).toEqual(['2']);
    });
    it('in the early morning (still yesterday in UTC) today is the local date', async () => {
      const early = shanghai(2026, 2, 10, 6); // 2026-02-09T22:00Z
      const today = where(property('createdAt', 'in', undefined, { kind: 'today' }));
      expect(await matching(today, { now: early })).toEqual(['1']);
      expect(
        await matching(where({ type: 'event', did: true, event: 'purchase', time: past(1, false) }), { now: early }),
      ).toEqual(['1']);
    });
    it('absolute between, before and after are inclusive, by day or to the second', async () => {
      const range = (r: TimeRange) => where(property('createdAt', 'in', undefined, r));
      expect(await matching(range({ kind: 'between', from: '2026-02-09', to: '2026-02-09' }))).toEqual(['2']);
      expect(await matching(range({ kind: 'between', from: '2026-02-09 23:59:59', to: '2026-02-10 00:00:00' }))).toEqual([
        '1',
        '2',
      ]);
      expect(await matching(range({ kind: 'before', date: '2026-02-09' }))).toEqual(['2', '4', '6']);
      expect(await matching(range({ kind: 'after', date: '2026-02-10' }))).toEqual(['1']);
    });
    it('relative before/after N days include that day', async () => {
      const range = (r: TimeRange) => where(property('createdAt', 'in', undefined, r));
      expect(await matching(range({ kind: 'relativeBefore', offset: -1 }))).toEqual(['2', '4', '6']);
      expect(await matching(range({ kind: 'relativeAfter', offset: -1 }))).toEqual(['1', '2']);
      expect(await matching(range({ kind: 'relativeAfter', offset: 0 }))).toEqual(['1']);
    });
    it('date properties compare calendar days (custom date field)', async () => {
      const range = (r: TimeRange) => where(property('attr22', 'in', undefined, r));
      // joined: 1 → 2026-01-31, 2 → 2026-02-01.
      expect(await matching(range({ kind: 'thisMonth' }))).toEqual(['2']);
      expect(await matching(range(past(10, false)))).toEqual(['1', '2']);
      expect(await matching(range({ kind: 'between', from: '2026-01-31', to: '2026-01-31' }))).toEqual(['1']);
      expect(await matching(where(property('birthday', 'in', undefined, { kind: 'before', date: '1989-12-31' })))).toEqual(['4']);
    });
    it('the dynamic date of an anniversary is its occurrence nearest today; 29 February falls on the 28th', async () => {
      const dynamic = (r: TimeRange) => where(property('dynamic:birthday', 'in', undefined, r));
      // 1: 2026-02-12 (in 2 days); 2: 2026-02-28 (2026 is not a leap year); 4: 2025-12-30 (42 days ago).
      expect(await matching(dynamic({ kind: 'next', days: 7 }))).toEqual(['1']);
      expect(await matching(dynamic({ kind: 'relativeDay', offset: 18 }))).toEqual(['2']);
      expect(await matching(dynamic({ kind: 'next', days: 30 }))).toEqual(['1', '2']);
      expect(await matching(dynamic(past(60)))).toEqual(['4']);
      // In a leap year the 29th is itself.
      expect(await matching(dynamic({ kind: 'today' }), { now: shanghai(2028, 2, 29, 9) })).toEqual(['2']);
    });
    it('half a year away, the nearer occurrence wins; a tie goes to the coming one', async () => {
      const dynamic = (r: TimeRange) => where(property('dynamic:birthday', 'in', undefined, r));
      // On 2026-06-30, 4's birthday (12-30) was 182 days ago (2025-12-30) and comes in 183 days.
      const midyear = shanghai(2026, 6, 30, 9);
      expect(await matching(dynamic({ kind: 'relativeDay', offset: -182 }), { now: midyear })).toEqual(['4']);
      expect(await matching(dynamic({ kind: 'next', days: 183 }), { now: midyear })).toEqual([]);
      // On 2028-06-30 it is 183 days either way (2028-02-29 lies in between): the coming one.
      const tie = shanghai(2028, 6, 30, 9);
      expect(await matching(dynamic({ kind: 'relativeDay', offset: 183 }), { now: tie })).toEqual(['4']);
      expect(await matching(dynamic({ kind: 'relativeDay', offset: -183 }), { now: tie })).toEqual([]);
    });
  });

  describe('event leaves: did / did NOT, time ranges, filters, measures', () => {
    const did = (extra: Record<string, unknown> = {}): ConditionNode =>
      ({ type: 'event', did: true, event: 'purchase', time: past(7), ...extra }) as ConditionNode;

    it('did in 过去 7 天 含今天 (2-3..2-10) counts a merged contact’s events for the survivor', async () => {
      expect(await matching(where(did()))).toEqual(['1', '2']);
      expect(await matching(where(did({ measure: { aggregate: 'count', operator: 'gte', values: [3] } })))).toEqual(['1']);
    });
    it('不含今天 (2-3..2-9) leaves out the purchase at 00:00:00 today', async () => {
      expect(
        await matching(where(did({ time: past(7, false), measure: { aggregate: 'count', operator: 'gte', values: [3] } }))),
      ).toEqual([]);
      expect(
        await matching(where(did({ time: past(7, false), measure: { aggregate: 'count', operator: 'eq', values: [2] } }))),
      ).toEqual(['1']);
    });
    it('today and yesterday split at local midnight (16:00 UTC)', async () => {
      expect(await matching(where(did({ time: { kind: 'today' } })))).toEqual(['1']);
      expect(
        await matching(
          where(
            did({ time: { kind: 'relativeDay', offset: -1 }, filters: [{ property: 'sku', operator: 'eq', values: ['A'] }] }),
          ),
        ),
      ).toEqual(['1']);
      expect(await matching(where(did({ time: { kind: 'relativeDay', offset: -2 } })))).toEqual([]);
    });
    it('did NOT is the complement of did, including contacts with no events at all', async () => {
      expect(await matching(where({ type: 'event', did: false, event: 'purchase', time: past(7) }))).toEqual(['3', '4', '6']);
      expect(
        await matching(
          where({
            type: 'event',
            did: false,
            event: 'purchase',
            time: past(7),
            measure: { aggregate: 'count', operator: 'gte', values: [3] },
          }),
        ),
      ).toEqual(['2', '3', '4', '6']);
    });
    it('sum / avg / max / min / distinct count of a property', async () => {
      const measure = (aggregate: string, operator: string, values: number[], property = 'amount') =>
        where(did({ time: past(30), measure: { aggregate, property, operator, values } }));
      // amounts in 30 days: 1 → 100 + 50 + 30 (merged) = 180; 2 → 200.
      expect(await matching(measure('sum', 'gt', [150]))).toEqual(['1', '2']);
      expect(await matching(measure('sum', 'gt', [190]))).toEqual(['2']);
      expect(await matching(measure('avg', 'eq', [60]))).toEqual(['1']);
      expect(await matching(measure('max', 'gte', [200]))).toEqual(['2']);
      expect(await matching(measure('min', 'between', [30, 30]))).toEqual(['1']);
      expect(await matching(measure('distinctCount', 'gte', [2], 'sku'))).toEqual(['1']);
    });
    it('property filters on the event: string, number, NULL, arrays, datetimes; AND / OR', async () => {
      const filtered = (filters: unknown[], filterOp?: 'and' | 'or', time: TimeRange = past(60)) =>
        where(did({ time, filters, ...(filterOp ? { filterOp } : {}) }));
      expect(await matching(filtered([{ property: 'sku', operator: 'eq', values: ['C'] }]))).toEqual(['2', '4']);
      expect(await matching(filtered([{ property: 'amount', operator: 'isNull' }]))).toEqual(['4']);
      expect(await matching(filtered([{ property: 'categories', operator: 'containsAny', values: ['bags', 'toys'] }]))).toEqual([
        '1',
      ]);
      expect(await matching(filtered([{ property: 'categories', operator: 'containsAll', values: ['shoes', 'sale'] }]))).toEqual([
        '1',
      ]);
      expect(
        await matching(filtered([{ property: 'paid_at', operator: 'in', range: { kind: 'relativeDay', offset: -7 } }])),
      ).toEqual(['2']);
      expect(
        await matching(
          filtered(
            [
              { property: 'sku', operator: 'eq', values: ['B'] },
              { property: 'amount', operator: 'gte', values: [200] },
            ],
            'or',
          ),
        ),
      ).toEqual(['1', '2']);
      expect(
        await matching(
          filtered([
            { property: 'sku', operator: 'eq', values: ['A'] },
            { property: 'amount', operator: 'gte', values: [200] },
          ]),
        ),
      ).toEqual([]);
    });
    it('a sum over events without the property is 0; avg stays empty', async () => {
      // Contact 4's only purchase in 60 days has no amount.
      const measure = (aggregate: string, operator: string, values: number[]) =>
        where(did({ time: past(60), measure: { aggregate, property: 'amount', operator, values } }));
      expect(await matching(measure('sum', 'lt', [10]))).toEqual(['4']);
      expect(await matching(measure('avg', 'lt', [10]))).toEqual([]);
    });
    it('this month starts at 00:00:00 on the 1st, local', async () => {
      expect(await matching(where({ type: 'event', did: true, event: 'subscribe', time: { kind: 'thisMonth' } }))).toEqual(['2']);
    });
    it('several event leaves read one scan and keep their own windows', async () => {
      const tree = where(did({ time: past(30), measure: { aggregate: 'count', operator: 'gte', values: [2] } }), {
        type: 'event',
        did: false,
        event: 'unfollow',
        time: past(30),
      });
      expect(await matching(tree)).toEqual(['1']);
      const sql = await conditions.explain(tenant, tree, { now: NOW });
      expect(sql.match(/FROM events/g)).toHaveLength(1);
      // Each leaf's match is written once: a filter value is one parameter, not one per use.
      const filtered = where(did({ time: past(30), filters: [{ property: 'sku', operator: 'eq', values: ['needle'] }] }), {
        type: 'event',
        did: false,
        event: 'unfollow',
        time: past(7),
      });
      const compiled = await conditions.compileCount(tenant, filtered, { now: NOW });
      expect(compiled.params.filter((p) => p === 'needle')).toHaveLength(1);
      expect(await matching(filtered)).toEqual([]);
    });
  });

  describe('groups and tags at their active version', () => {
    it('group in / not in reads the active version only', async () => {
      expect(await matching(where({ type: 'group', groupId: '9', operator: 'in' }))).toEqual(['2', '4']);
      expect(await matching(where({ type: 'group', groupId: '9', operator: 'notIn' }))).toEqual(['1', '3', '6']);
      // A group never computed has no members yet.
      expect(await matching(where({ type: 'group', groupId: '10', operator: 'in' }))).toEqual([]);
      expect(await matching(where({ type: 'group', groupId: '10', operator: 'notIn' }))).toEqual(['1', '2', '3', '4', '6']);
    });
    it('string tag: = / != / 空值 / 非空 on the active calculation day', async () => {
      const tag = (operator: string, values?: string[]) =>
        where({ type: 'tag', tagId: '5', operator, ...(values ? { values } : {}) } as ConditionNode);
      expect(await matching(tag('eq', ['gold']))).toEqual(['1']);
      expect(await matching(tag('ne', ['gold']))).toEqual(['2', '3', '4', '6']);
      expect(await matching(tag('empty'))).toEqual(['2', '3', '6']);
      expect(await matching(tag('notEmpty'))).toEqual(['1', '4']);
      expect(await matching(tag('contains', ['ol']))).toEqual(['1']);
      expect(await matching(where({ type: 'tag', tagId: '11', operator: 'ne', values: ['x'] }))).toEqual([
        '1',
        '2',
        '3',
        '4',
        '6',
      ]);
    });
    it('number, string array and date tags', async () => {
      expect(await matching(where({ type: 'tag', tagId: '6', operator: 'between', values: [180, 190] }))).toEqual(['1']);
      expect(await matching(where({ type: 'tag', tagId: '6', operator: 'isNull' }))).toEqual(['3', '4', '6']);
      expect(await matching(where({ type: 'tag', tagId: '7', operator: 'containsAny', values: ['bags', 'x'] }))).toEqual(['1']);
      expect(await matching(where({ type: 'tag', tagId: '7', operator: 'containsAll', values: ['shoes'] }))).toEqual(['1', '2']);
      expect(await matching(where({ type: 'tag', tagId: '7', operator: 'notContainsAny', values: ['bags'] }))).toEqual([
        '2',
        '3',
        '4',
        '6',
      ]);
      expect(await matching(where({ type: 'tag', tagId: '7', operator: 'empty' }))).toEqual(['3', '4', '6']);
      expect(await matching(where({ type: 'tag', tagId: '8', operator: 'in', range: { kind: 'today' } }))).toEqual(['1']);
    });
  });

  describe('trees', () => {
    const nested = where(property('province', 'eq', ['上海']), {
      type: 'or',
      conditions: [{ type: 'event', did: true, event: 'purchase', time: past(7) }, property('attr21', 'gt', [6])],
    });

    it('two levels of AND / OR', async () => {
      expect(await matching(nested)).toEqual(['1', '4']);
      expect(
        await matching({ type: 'or', conditions: [property('province', 'eq', ['广东']), property('attr21', 'eq', [10])] }),
      ).toEqual(['2', '6']);
    });
    it('an empty root matches every contact', async () => {
      expect(await matching({ type: 'and', conditions: [] })).toEqual(['1', '2', '3', '4', '6']);
    });
    it('a restricted evaluation counts the events of contacts merged into the given ones, filtering the scan by stored id', async () => {
      const three = where({
        type: 'event',
        did: true,
        event: 'purchase',
        time: past(7),
        measure: { aggregate: 'count', operator: 'gte', values: [3] },
      });
      expect(await matching(three, { contactIds: ['1'] })).toEqual(['1']);
      const sql = await conditions.explain(tenant, three, { now: NOW, contactIds: ['1'] });
      expect(sql).toContain("source_contact_id IN (SELECT unnest(CAST('[1,5]' AS BIGINT[])))");
      await expect(conditions.estimate(tenant, three, { contactIds: ['1; DROP'] })).rejects.toMatchObject({
        code: 'condition_contact_ids_invalid',
      });
    });
    it('evaluation restricted to given contacts reads only them', async () => {
      expect(await matching(nested, { contactIds: ['1', '2', '3'] })).toEqual(['1']);
      expect(await matching(nested, { contactIds: [] })).toEqual([]);
      const estimate = await conditions.estimate(tenant, nested, { now: NOW, contactIds: ['4', '6'] });
      expect(estimate).toEqual({ count: 1, computedAt: NOW });
    });
    it('values are bound as parameters, never written into the SQL', async () => {
      const hostile = "上海'); DROP TABLE contacts; --";
      const tree = where(property('province', 'eq', [hostile]), property('email', 'contains', [hostile]));
      expect(await matching(tree)).toEqual([]);
      const compiled = await conditions.compileCount(tenant, tree, { now: NOW });
      expect(compiled.sql).not.toContain('DROP');
      expect(compiled.params).toContain(hostile);
    });
    it('an invalid tree is refused with every problem', async () => {
      await expect(
        conditions.estimate(tenant, where(property('nope', 'eq', ['x']), property('province', 'gt', [1]))),
      ).rejects.toMatchObject({
        code: 'condition_invalid',
        statusCode: 400,
        details: [
          { path: 'conditions.0.property', code: 'condition_property_unknown' },
          { path: 'conditions.1.operator', code: 'condition_operator_invalid' },
        ],
      });
    });
  });

  describe('daylight saving time: a tenant in America/Los_Angeles', () => {
    let la = '';
    // 2026-03-08 02:00 PST → 03:00 PDT: that local day has 23 hours.
    beforeAll(async () => {
      la = await insertTenant(ctx.fixture.oltp, { timeZone: 'America/Los_Angeles' });
      const olap = engine!.forTenant(la);
      await olap.declare({ ...declaration, timeZone: 'America/Los_Angeles' });
      await olap.load({
        batchId: 'la',
        contacts: ['1', '2', '3', '4'].map((id) => ({ id })),
        events: [
          event('1', 'purchase', Date.UTC(2026, 2, 8, 7, 59, 59)), // 3-7 23:59:59 PST
          event('2', 'purchase', Date.UTC(2026, 2, 8, 8, 0, 0)), // 3-8 00:00:00 PST
          event('3', 'purchase', Date.UTC(2026, 2, 9, 6, 59, 59)), // 3-8 23:59:59 PDT
          event('4', 'purchase', Date.UTC(2026, 2, 9, 7, 0, 0)), // 3-9 00:00:00 PDT
        ],
      });
    });
    it('the 23-hour day holds exactly its own events', async () => {
      const now = Date.UTC(2026, 2, 9, 19); // 3-9 12:00 PDT
      const tree = (time: TimeRange) => where({ type: 'event', did: true, event: 'purchase', time });
      const evaluate = async (time: TimeRange) => (await conditions.matchingContacts(la, tree(time), { now })).sort();
      expect(await evaluate({ kind: 'relativeDay', offset: -1 })).toEqual(['2', '3']);
      expect(await evaluate({ kind: 'today' })).toEqual(['4']);
      expect(await evaluate({ kind: 'between', from: '2026-03-07', to: '2026-03-08' })).toEqual(['1', '2', '3']);
      expect(await evaluate(past(1, false))).toEqual(['2', '3']);
    });
  });

  describe('relative ranges across month ends and 29 February', () => {
    it('counts calendar days through the end of February in a leap year', async () => {
      const range = (time: TimeRange, now: number) =>
        conditions.matchingContacts(tenant, where(property('attr22', 'in', undefined, time)), { now });
      // On 2026-03-02, 过去 30 天 不含今天 is 1-31..3-1: both joined dates.
      expect((await range(past(30, false), shanghai(2026, 3, 2, 9))).sort()).toEqual(['1', '2']);
      // On 2026-03-01, 从 29 天前 到 29 天前 is 2026-01-31.
      expect(await range({ kind: 'relativeRange', from: -29, to: -29 }, shanghai(2026, 3, 1, 9))).toEqual(['1']);
      // On 2026-03-02 at 23:59:59, 从 29 天前 到 今天 is 2-1..3-2.
      expect(await range({ kind: 'relativeRange', from: -29, to: 0 }, shanghai(2026, 3, 2, 23, 59, 59))).toEqual(['2']);
      // On 2028-03-01 (leap year) 过去 1 天 不含今天 is exactly 2-29: contact 2's birthday that year.
      const dynamic = where(property('dynamic:birthday', 'in', undefined, past(1, false)));
      expect(await conditions.matchingContacts(tenant, dynamic, { now: shanghai(2028, 3, 1, 9) })).toEqual(['2']);
      expect(await conditions.matchingContacts(tenant, dynamic, { now: shanghai(2027, 3, 1, 9) })).toEqual(['2']);
    });
  });
});
