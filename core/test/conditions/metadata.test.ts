import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ConditionNode,
  ConditionTree,
  EventCondition,
  EventPropertyFilter,
  TimeRange,
} from '../../src/modules/conditions/condition.types.js';
import type { ConditionsService } from '../../src/modules/conditions/conditions.service.js';
import type { OlapEventRow } from '../../src/store/olap/analytics-engine.js';
import type { OlapTenantDeclaration } from '../../src/store/olap/declaration.js';
import { DuckDbEngine } from '../../src/store/olap/duckdb/duckdb-engine.js';
import { OltpSchemaVersionStore } from '../../src/store/olap/schema-versions.js';
import { describeOltpEngines, insertTenant } from '../olap/support.js';
import { MembershipDouble, MetadataDouble, conditionsService, shanghai } from './support.js';

/**
 * The condition engine reading the metadata module's source (ADR 0015, ADR 0016): custom fields by
 * their `attr<seq>` key, custom anniversaries, per-event properties, virtual events and lookups
 * through dimension tables and dictionaries — on a real DuckDB tenant whose declaration carries
 * the ids the metadata double names, with answers worked out by hand in the comments.
 */
const declaration: OlapTenantDeclaration = {
  timeZone: 'Asia/Shanghai',
  events: [
    { code: 'order_paid', alias: 'order_paid' },
    { code: 'refund', alias: 'refund' },
    { code: 'page_view', alias: 'page_view' },
    { code: 'wechat_subscribe', alias: 'wechat_subscribe' },
  ],
  eventProperties: [
    { id: '31', name: 'amount', type: 'number' },
    { id: '32', name: 'sku_id', type: 'string' },
    { id: '33', name: '$os', type: 'string' },
    { id: '34', name: 's_qrCodeType', type: 'string' },
  ],
  contactAttributes: [
    { id: '41', type: 'integer', name: 'level' },
    { id: '42', type: 'date', name: 'wedding' },
    { id: '43', type: 'string', name: 'store' },
  ],
  dimensions: [
    // SKU dimension (linked to the event property sku_id): sku, brand, price.
    {
      id: '51',
      fields: [
        { id: '511', type: 'string' },
        { id: '512', type: 'string' },
        { id: '513', type: 'number' },
      ],
    },
    // Dictionary of s_qrCodeType: value, label.
    {
      id: '52',
      fields: [
        { id: '521', type: 'string' },
        { id: '522', type: 'string' },
      ],
    },
    // Store dimension (linked to the contact field attr3): code, region.
    {
      id: '53',
      fields: [
        { id: '531', type: 'string' },
        { id: '532', type: 'string' },
      ],
    },
    // Dictionary of the system field city: value, label.
    {
      id: '54',
      fields: [
        { id: '541', type: 'string' },
        { id: '542', type: 'string' },
      ],
    },
  ],
};

const metadata = new MetadataDouble({
  timeZone: 'Asia/Shanghai',
  // The key is the field's sequence, not its OLAP id: attr1 reads p_41.
  contactFields: [
    { key: 'attr1', columnId: '41', name: '会员等级', type: 'integer', anniversary: false },
    { key: 'attr2', columnId: '42', name: '结婚纪念日', type: 'date', anniversary: true },
    { key: 'attr3', columnId: '43', name: '门店', type: 'string', anniversary: false },
  ],
  events: [
    { code: 'order_paid', name: '支付订单', properties: ['amount', 'sku_id', '$os'] },
    { code: 'refund', name: '退款', properties: ['amount', 'sku_id'] },
    { code: 'page_view', name: '浏览页面', properties: ['$os'] },
    { code: 'wechat_subscribe', name: '关注公众号', properties: ['s_qrCodeType'] },
  ],
  eventProperties: [
    { code: 'amount', columnId: '31', name: '金额', type: 'number', source: 'custom' },
    { code: 'sku_id', columnId: '32', name: '商品', type: 'string', source: 'custom' },
    { code: '$os', columnId: '33', name: '操作系统', type: 'string', source: 'sdk' },
    { code: 's_qrCodeType', columnId: '34', name: '二维码类型', type: 'string', source: 'system' },
  ],
  virtualEvents: [
    {
      key: 'virtual:1',
      name: '关键交易',
      members: [
        { event: 'order_paid', filters: [{ property: 'amount', operator: 'gte', values: [100] }] },
        { event: 'refund', filters: [{ property: 'sku_id', operator: 'eq', values: ['A'] }] },
        // Deleted since: ignored.
        { event: 'ghost_event' },
      ],
    },
    { key: 'virtual:2', name: '无有效成员', members: [{ event: 'ghost_event' }] },
    {
      key: 'virtual:3',
      name: '定义失效',
      // page_view does not carry amount (any more).
      members: [{ event: 'page_view', filters: [{ property: 'amount', operator: 'gt', values: [1] }] }],
    },
  ],
  lookups: [
    {
      kind: 'dimension',
      dimensionId: '51',
      name: '商品维表',
      target: 'event',
      property: 'sku_id',
      keyFieldId: '511',
      fields: [
        { id: '511', code: 'sku', name: 'SKU', type: 'string' },
        { id: '512', code: 'brand', name: '品牌', type: 'string' },
        { id: '513', code: 'price', name: '价格', type: 'number' },
      ],
    },
    {
      kind: 'dictionary',
      dimensionId: '52',
      name: '二维码类型字典',
      target: 'event',
      property: 's_qrCodeType',
      keyFieldId: '521',
      fields: [
        { id: '521', code: 'value', name: '值', type: 'string' },
        { id: '522', code: 'label', name: '标签', type: 'string' },
      ],
    },
    {
      kind: 'dimension',
      dimensionId: '53',
      name: '门店维表',
      target: 'contact',
      property: 'attr3',
      keyFieldId: '531',
      fields: [
        { id: '531', code: 'code', name: '门店编码', type: 'string' },
        { id: '532', code: 'region', name: '大区', type: 'string' },
      ],
    },
    {
      kind: 'dictionary',
      dimensionId: '54',
      name: '城市字典',
      target: 'contact',
      property: 'city',
      keyFieldId: '541',
      fields: [
        { id: '541', code: 'value', name: '值', type: 'string' },
        { id: '542', code: 'label', name: '标签', type: 'string' },
      ],
    },
  ],
});

/** 2026-02-10 12:00 in Shanghai. */
const NOW = shanghai(2026, 2, 10, 12);

let sequence = 0;
function event(contactId: string, code: string, eventTime: number, properties: Record<string, unknown> = {}): OlapEventRow {
  sequence += 1;
  return { eventTime, event: code, contactId, messageId: `meta-${sequence}`, direction: 'inbound', properties };
}

const where = (...conditions: ConditionNode[]): ConditionTree => ({ type: 'and', conditions });
const anyOf = (...conditions: ConditionNode[]): ConditionTree => ({ type: 'or', conditions });
const past30: TimeRange = { kind: 'past', days: 30, includeToday: true };
const property = (name: string, operator: string, values?: (string | number)[], range?: TimeRange): ConditionNode =>
  ({ type: 'property', property: name, operator, ...(values ? { values } : {}), ...(range ? { range } : {}) }) as ConditionNode;
const did = (code: string, extra: Partial<EventCondition> = {}): EventCondition => ({
  type: 'event',
  did: true,
  event: code,
  time: past30,
  ...extra,
});
const filter = (name: string, operator: string, values?: (string | number)[]): EventPropertyFilter =>
  ({ property: name, operator, ...(values ? { values } : {}) }) as EventPropertyFilter;

describeOltpEngines('condition engine on metadata', (ctx) => {
  let engine: DuckDbEngine | undefined;
  let conditions: ConditionsService;
  let tenant = '';

  beforeAll(async () => {
    engine = await DuckDbEngine.open({
      path: path.join(ctx.fixture.dir, 'metadata.duckdb'),
      versions: new OltpSchemaVersionStore(ctx.fixture.oltp),
      threads: 2,
    });
    await engine.start();
    conditions = conditionsService(engine, ctx.fixture.oltp, new MembershipDouble(), metadata);
    tenant = await insertTenant(ctx.fixture.oltp);
    const olap = engine.forTenant(tenant);
    await olap.declare(declaration);
    await olap.load({
      batchId: 'contacts',
      contacts: [
        // 1: city sh (上海); level 5; wedding anniversary 2-12 (in two days); store S1 (华东).
        { id: '1', city: 'sh', attributes: { '41': 5, '42': '2010-02-12', '43': 'S1' } },
        // 2: city bj (北京); level 3; anniversary in August; store S2 (华北).
        { id: '2', city: 'bj', attributes: { '41': 3, '42': '2015-08-10', '43': 'S2' } },
        // 3: a city and a store no dictionary / dimension row knows.
        { id: '3', city: 'xx', attributes: { '43': 'S9' } },
        // 4 and 5: nothing known.
        { id: '4' },
        { id: '5' },
      ],
    });
    await olap.load({
      batchId: 'events',
      events: [
        // 1: a Nike order of 150 on iOS; subscribed through a permanent QR code.
        event('1', 'order_paid', shanghai(2026, 2, 5, 10), { amount: 150, sku_id: 'A', $os: 'iOS' }),
        event('1', 'wechat_subscribe', shanghai(2026, 2, 6, 10), { s_qrCodeType: '1' }),
        // 2: an Adidas order of 50; a refund of a Nike item.
        event('2', 'order_paid', shanghai(2026, 2, 5, 11), { amount: 50, sku_id: 'B' }),
        event('2', 'refund', shanghai(2026, 2, 6, 11), { amount: 10, sku_id: 'A' }),
        // 3: an order of 120 of an unknown SKU; a page view; a QR code type without a label.
        event('3', 'order_paid', shanghai(2026, 2, 7, 10), { amount: 120, sku_id: 'Z' }),
        event('3', 'page_view', shanghai(2026, 2, 7, 11), { $os: 'Android' }),
        event('3', 'wechat_subscribe', shanghai(2026, 2, 7, 12), { s_qrCodeType: '3' }),
        // 4: a refund of an Adidas item (not a member of virtual:1: its refunds are of A only).
        event('4', 'refund', shanghai(2026, 2, 8, 10), { amount: 5, sku_id: 'B' }),
        // 5: a page view.
        event('5', 'page_view', shanghai(2026, 2, 8, 11), { $os: 'iOS' }),
      ],
    });
    await olap.writeDimensionRows('51', [
      { '511': 'A', '512': 'Nike', '513': 100 },
      { '511': 'B', '512': 'Adidas', '513': 50 },
    ]);
    await olap.writeDimensionRows('52', [
      { '521': '1', '522': '永久二维码' },
      { '521': '2', '522': '临时二维码' },
    ]);
    await olap.writeDimensionRows('53', [
      { '531': 'S1', '532': '华东' },
      { '531': 'S2', '532': '华北' },
    ]);
    await olap.writeDimensionRows('54', [
      { '541': 'sh', '542': '上海' },
      { '541': 'bj', '542': '北京' },
    ]);
  });

  afterAll(async () => {
    await engine?.close();
  });

  const matching = async (tree: ConditionTree, options: { contactIds?: string[] } = {}) =>
    (await conditions.matchingContacts(tenant, tree, { now: NOW, ...options })).sort();
  const problems = async (tree: unknown) => (await conditions.validate(tenant, tree)).map((p) => `${p.path} ${p.code}`);

  describe('custom contact fields', () => {
    it('are named by their attr<seq> key and read their own column', async () => {
      expect(await matching(where(property('attr1', 'eq', [5])))).toEqual(['1']);
      expect(await matching(where(property('attr1', 'ne', [5])))).toEqual(['2', '3', '4', '5']);
      // The OLAP id is not a key.
      expect(await problems(where(property('attr41', 'eq', [5])))).toEqual(['conditions.0.property condition_property_unknown']);
    });

    it('a custom anniversary has its dynamic date, like 生日', async () => {
      // 2-12 is within 未来 7 天 (2-10..2-17); 8-10 is not: its nearest occurrence is 2026-08-10,
      // 181 days ahead (2025-08-10 is 184 days ago).
      expect(await matching(where(property('dynamic:attr2', 'in', undefined, { kind: 'next', days: 7 })))).toEqual(['1']);
      expect(await matching(where(property('dynamic:attr2', 'in', undefined, { kind: 'relativeDay', offset: 181 })))).toEqual([
        '2',
      ]);
      expect(await matching(where(property('dynamic:attr2', 'isNull')))).toEqual(['3', '4', '5']);
      // A field that is no anniversary has none.
      expect(await problems(where(property('dynamic:attr3', 'isNull')))).toEqual([
        'conditions.0.property condition_property_unknown',
      ]);
    });
  });

  describe('per-event properties', () => {
    it('an event offers only the properties it carries', async () => {
      expect(await matching(where(did('order_paid', { filters: [filter('amount', 'gt', [100])] })))).toEqual(['1', '3']);
      expect(await problems(where(did('page_view', { filters: [filter('amount', 'gt', [1])] })))).toEqual([
        'conditions.0.filters.0.property condition_event_property_unknown',
      ]);
      expect(
        await problems(
          where(did('page_view', { measure: { aggregate: 'sum', property: 'amount', operator: 'gt', values: [1] } })),
        ),
      ).toEqual(['conditions.0.measure.property condition_event_property_unknown']);
      expect(await matching(where(did('page_view', { filters: [filter('$os', 'eq', ['iOS'])] })))).toEqual(['5']);
    });
  });

  describe('virtual events', () => {
    it('match any member with its own filters; did NOT is the complement', async () => {
      // order_paid with amount ≥ 100 (1: 150, 3: 120) or refund of A (2); 4's refund is of B.
      expect(await matching(where(did('virtual:1')))).toEqual(['1', '2', '3']);
      expect(await matching(where(did('virtual:1', { did: false })))).toEqual(['4', '5']);
    });

    it('the leaf’s own filters and measure apply on top of the members’', async () => {
      // sku A among the member rows: 1's order (A, 150) and 2's refund (A); 3's order is of Z.
      expect(await matching(where(did('virtual:1', { filters: [filter('sku_id', 'eq', ['A'])] })))).toEqual(['1', '2']);
      // Sum of the member rows' amounts: 1 → 150, 2 → 10, 3 → 120.
      const sum = (value: number): EventCondition['measure'] => ({
        aggregate: 'sum',
        property: 'amount',
        operator: 'gte',
        values: [value],
      });
      expect(await matching(where(did('virtual:1', { measure: sum(100) })))).toEqual(['1', '3']);
      expect(await matching(where(did('virtual:1', { did: false, measure: sum(100) })))).toEqual(['2', '4', '5']);
    });

    it('with other event leaves, the scan reads every member code', async () => {
      // 3 is the only contact with a member row and a page view.
      expect(await matching(where(did('virtual:1'), did('page_view')))).toEqual(['3']);
      expect(await matching(anyOf(did('virtual:1'), did('page_view')))).toEqual(['1', '2', '3', '5']);
      const sql = await conditions.explain(tenant, where(did('virtual:1'), did('page_view')), { now: NOW });
      expect(sql).toContain("event IN ('order_paid', 'refund', 'page_view')");
    });

    it('restricted to contacts, too', async () => {
      expect(await matching(where(did('virtual:1')), { contactIds: ['2', '4'] })).toEqual(['2']);
    });

    it('without a valid member, a virtual event matches nothing (and its did NOT everybody)', async () => {
      expect(await matching(where(did('virtual:2')))).toEqual([]);
      expect(await matching(where(did('virtual:2', { did: false })))).toEqual(['1', '2', '3', '4', '5']);
      // Two leaves and no code to scan.
      expect(await matching(anyOf(did('virtual:2'), did('virtual:2', { did: false })))).toEqual(['1', '2', '3', '4', '5']);
      expect(await matching(anyOf(did('virtual:2'), did('page_view')))).toEqual(['3', '5']);
    });

    it('offers the union of its members’ properties', async () => {
      const catalogue = await conditions.catalogue(tenant);
      const virtual = catalogue.events.find((e) => e.code === 'virtual:1')!;
      expect(virtual).toMatchObject({ name: '关键交易', virtual: true });
      expect(virtual.properties.map((p) => p.key)).toEqual(['amount', 'sku_id', '$os']);
      expect(await matching(where(did('virtual:1', { filters: [filter('$os', 'eq', ['iOS'])] })))).toEqual(['1']);
    });

    it('a stored definition that became invalid is reported on the leaf, not compiled', async () => {
      expect(await problems(where(did('virtual:3')))).toEqual(['conditions.0.event condition_virtual_event_invalid']);
      await expect(conditions.estimate(tenant, where(did('virtual:3')), { now: NOW })).rejects.toMatchObject({
        code: 'condition_invalid',
      });
    });
  });

  describe('lookups through dimension tables and dictionaries', () => {
    it('a dimension field of a contact field, with exact negations when no row matches', async () => {
      expect(await matching(where(property('attr3.region', 'eq', ['华东'])))).toEqual(['1']);
      // 3's store S9 has no dimension row, 4 and 5 no store: NULL, so "not equal".
      expect(await matching(where(property('attr3.region', 'ne', ['华东'])))).toEqual(['2', '3', '4', '5']);
      expect(await matching(where(property('attr3.region', 'empty')))).toEqual(['3', '4', '5']);
      expect(await matching(where(property('attr3.region', 'notEmpty')))).toEqual(['1', '2']);
      expect(await matching(where(property('attr3.region', 'notContains', ['华'])))).toEqual(['3', '4', '5']);
    });

    it('a dictionary label of a system field', async () => {
      expect(await matching(where(property('city.$label', 'eq', ['上海', '北京'])))).toEqual(['1', '2']);
      expect(await matching(where(property('city.$label', 'ne', ['上海'])))).toEqual(['2', '3', '4', '5']);
      expect(await matching(where(property('city.$label', 'contains', ['海'])))).toEqual(['1']);
    });

    it('a dimension field in an event filter and in a measure', async () => {
      expect(await matching(where(did('order_paid', { filters: [filter('sku_id.brand', 'eq', ['Nike'])] })))).toEqual(['1']);
      // 3's order is of an SKU without a row: its brand is NULL, "not equal" to Nike.
      expect(await matching(where(did('order_paid', { filters: [filter('sku_id.brand', 'ne', ['Nike'])] })))).toEqual(['2', '3']);
      expect(await matching(where(did('order_paid', { did: false, filters: [filter('sku_id.brand', 'eq', ['Nike'])] })))).toEqual(
        ['2', '3', '4', '5'],
      );
      // Price of the ordered SKU: 1 → 100, 2 → 50, 3 → NULL (a sum over no value is 0).
      const price: EventCondition['measure'] = { aggregate: 'sum', property: 'sku_id.price', operator: 'gte', values: [60] };
      expect(await matching(where(did('order_paid', { measure: price })))).toEqual(['1']);
      // The same measure next to another event leaf (one scan, the lookup selected for it).
      expect(await matching(where(did('order_paid', { measure: price }), did('wechat_subscribe')))).toEqual(['1']);
      expect(await matching(where(did('refund', { filters: [filter('sku_id.price', 'between', [60, 200])] })))).toEqual(['2']);
    });

    it('a dictionary label in an event filter, including a code without a label under negation', async () => {
      const label = (operator: string, values?: string[]) =>
        did('wechat_subscribe', { filters: [filter('s_qrCodeType.$label', operator, values)] });
      expect(await matching(where(label('eq', ['永久二维码'])))).toEqual(['1']);
      // 3 subscribed through code type 3, which the dictionary does not know.
      expect(await matching(where(label('ne', ['永久二维码'])))).toEqual(['3']);
      expect(await matching(where(label('empty')))).toEqual(['3']);
      expect(await matching(where({ ...label('eq', ['永久二维码']), did: false }))).toEqual(['2', '3', '4', '5']);
    });

    it('operators follow the field’s type', async () => {
      expect(await problems(where(did('order_paid', { filters: [filter('sku_id.price', 'contains', ['1'])] })))).toEqual([
        'conditions.0.filters.0.operator condition_operator_invalid',
      ]);
      expect(await problems(where(property('attr3.code', 'eq', ['S1'])))).toEqual([
        'conditions.0.property condition_property_unknown',
      ]);
    });
  });

  it('the catalogue lists fields by key and name, lookups under their base property, sources and virtual events', async () => {
    const catalogue = await conditions.catalogue(tenant);
    const contact = (key: string) => catalogue.contactProperties.find((p) => p.key === key);
    expect(contact('attr1')).toEqual({ key: 'attr1', name: '会员等级', type: 'number', source: 'custom' });
    expect(contact('dynamic:attr2')).toMatchObject({ type: 'time', timeType: 'date', source: 'dynamicDate' });
    expect(contact('attr3')?.lookups).toEqual([
      {
        key: 'attr3.region',
        name: '门店 · 大区',
        type: 'string',
        source: 'custom',
        lookup: { kind: 'dimension', dimensionId: '53', name: '门店维表' },
      },
    ]);
    expect(contact('city')?.lookups?.map((p) => [p.key, p.lookup?.kind])).toEqual([['city.$label', 'dictionary']]);
    expect(contact('attr3.region')).toBeUndefined();
    const event = (code: string) => catalogue.events.find((e) => e.code === code)!;
    expect(event('page_view').properties).toEqual([{ key: '$os', name: '操作系统', type: 'string', source: 'sdk' }]);
    expect(event('order_paid').properties.map((p) => p.key)).toEqual(['amount', 'sku_id', '$os']);
    expect(
      event('order_paid')
        .properties.find((p) => p.key === 'sku_id')
        ?.lookups?.map((p) => [p.key, p.type]),
    ).toEqual([
      ['sku_id.brand', 'string'],
      ['sku_id.price', 'number'],
    ]);
    expect(event('order_paid').virtual).toBeUndefined();
    expect(catalogue.events.filter((e) => e.virtual).map((e) => e.code)).toEqual(['virtual:1', 'virtual:2', 'virtual:3']);
    expect(event('virtual:2').properties).toEqual([]);
  });
});
