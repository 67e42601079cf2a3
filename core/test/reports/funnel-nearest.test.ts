import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noMemberships } from '../../src/modules/conditions/catalogue.js';
import { ConditionsService, clearFieldAccess } from '../../src/modules/conditions/conditions.service.js';
import { funnelModel } from '../../src/modules/reports/funnel/funnel.js';
import type { FunnelAnalysisQuery } from '../../src/modules/reports/report.types.js';
import { ReportsService } from '../../src/modules/reports/reports.service.js';
import type { OlapContactRow, OlapEventRow } from '../../src/store/olap/analytics-engine.js';
import { DuckDbEngine } from '../../src/store/olap/duckdb/duckdb-engine.js';
import { MemorySchemaVersionStore } from '../../src/store/olap/schema-versions.js';

/**
 * ADR 0054 (amended): when no event row can match two steps — or a step and an exclusion — the funnel
 * finds each next step with an ASOF join (the nearest row at or after the previous step) and numbers no
 * rows; otherwise it keeps the range join over numbered rows. Both must give the same funnels: a seeded
 * tenant with many same-second and same-millisecond events, and funnels over every option (windows in
 * days and hours, 限制窗口期在时间区间内, exclusions, a held property, filters, dimensions), each planned
 * twice — by the engine's dialect and by the same dialect without ASOF joins — and run on the same
 * DuckDB tenant. No OLTP store is involved (the tenant's declaration is given to the engine).
 */

const ZONE = 'Asia/Shanghai';
const DAY = 86_400_000;
// 2026-03-01 00:00 Shanghai; events over 12 days from there.
const START = Date.UTC(2026, 1, 28, 16, 0, 0);
const NOW = START + 20 * DAY;

function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

let engine: DuckDbEngine;
let withAsof: ReturnType<typeof funnelModel>;
let withoutAsof: ReturnType<typeof funnelModel>;
let reports: ReportsService;

beforeAll(async () => {
  engine = await DuckDbEngine.open({ path: ':memory:', versions: new MemorySchemaVersionStore() });
  const tenant = engine.forTenant('1');
  await tenant.declare({
    timeZone: ZONE,
    events: ['view', 'cart', 'pay', 'leave'].map((code) => ({ code, alias: code })),
    eventProperties: [{ id: '1', name: 'sku', type: 'string' }],
    contactAttributes: [],
    dimensions: [],
  });
  const rand = random(22);
  const contacts: OlapContactRow[] = Array.from({ length: 240 }, (_, i) => ({
    id: String(1000 + i),
    identified: true,
    name: `c${i}`,
    city: ['上海', '北京', '广州'][i % 3]!,
    createdAt: START - DAY,
    updatedAt: START - DAY,
    attributes: {},
  }));
  await tenant.load({ batchId: 'contacts', contacts });
  const events: OlapEventRow[] = [];
  for (const contact of contacts) {
    const count = 2 + Math.floor(rand() * 14);
    for (let i = 0; i < count; i += 1) {
      // Coarse slots (a 4-hour grid, 0–1 s into it, a random millisecond): many events share a second.
      const eventTime = START + Math.floor(rand() * 36) * 14_400_000 + Math.floor(rand() * 2) * 1000 + Math.floor(rand() * 1000);
      const event = ['view', 'view', 'cart', 'cart', 'pay', 'leave'][Math.floor(rand() * 6)]!;
      events.push({
        eventTime,
        event,
        contactId: contact.id,
        messageId: `m-${contact.id}-${i}`,
        direction: 'inbound',
        channelId: '1',
        channelAccountId: contact.id,
        receivedAt: eventTime,
        properties: event === 'leave' ? {} : { sku: rand() < 0.6 ? 'a' : 'b' },
      });
    }
  }
  await tenant.load({ batchId: 'events', events });

  const tenants = { get: () => Promise.resolve({ id: '1', timeZone: ZONE }) };
  const conditions = new ConditionsService(engine, tenants as never, () => noMemberships);
  const selections = { resolveSelection: () => Promise.reject(new Error('no groups here')) };
  withAsof = funnelModel({ conditions, selections: selections as never, dialect: engine.dialect });
  withoutAsof = funnelModel({ conditions, selections: selections as never, dialect: { ...engine.dialect, asofJoin: false } });
  const contributions = { reportModels: new Map([[withAsof.id, { pluginId: 'core', definition: withAsof }]]) };
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  // No field is masked here: every asker sees every field in clear.
  reports = new ReportsService(contributions as never, engine, tenants as never, silent as never, () =>
    Promise.resolve({ maskedField: () => undefined }),
  );
});

afterAll(async () => {
  await engine?.close();
});

const range = { kind: 'between', from: '2026-03-02', to: '2026-03-08' } as const;
const steps = (...events: string[]) => events.map((event) => ({ event }));

const cases: [string, Partial<FunnelAnalysisQuery>][] = [
  ['2 steps, 1 day', { steps: steps('view', 'cart'), window: { unit: 'day', value: 1 } }],
  ['3 steps, 1 day', { steps: steps('view', 'cart', 'pay'), window: { unit: 'day', value: 1 } }],
  ['3 steps, 3 days', { steps: steps('view', 'cart', 'pay'), window: { unit: 'day', value: 3 } }],
  ['3 steps, 1 hour', { steps: steps('view', 'cart', 'pay'), window: { unit: 'hour', value: 1 } }],
  [
    '3 steps, 24 hours, window within the range',
    {
      steps: steps('view', 'cart', 'pay'),
      window: { unit: 'hour', value: 24 },
      windowWithinRange: true,
    },
  ],
  ['4 steps, 7 days', { steps: steps('leave', 'view', 'cart', 'pay'), window: { unit: 'day', value: 7 } }],
  [
    'exclusion between steps 1 and 2',
    {
      steps: steps('view', 'cart', 'pay'),
      window: { unit: 'day', value: 5 },
      exclusions: [{ event: 'leave', afterStep: 1 }],
    },
  ],
  [
    'filtered steps',
    {
      steps: [
        { event: 'view', filters: [{ property: 'sku', operator: 'eq', values: ['a'] }] },
        { event: 'cart' },
        { event: 'pay', filters: [{ property: 'sku', operator: 'eq', values: ['b'] }] },
      ],
      window: { unit: 'day', value: 7 },
    },
  ],
  [
    'event-property dimension',
    {
      steps: steps('view', 'cart', 'pay'),
      window: { unit: 'day', value: 2 },
      dimension: { kind: 'eventProperty', property: 'sku' },
    },
  ],
  [
    'contact-property dimension',
    {
      steps: steps('cart', 'pay'),
      window: { unit: 'hour', value: 48 },
      dimension: { kind: 'contactProperty', property: 'city' },
    },
  ],
];

describe('reports: the funnel by ASOF joins equals the funnel by range joins (ADR 0054)', () => {
  it.each(cases)('%s', async (_name, partial) => {
    const query = reports.parse('funnel', { timeRange: range, ...partial });
    const context = { tenantId: '1', staffId: null, timeZone: ZONE, now: NOW, maxGroups: 100, fields: clearFieldAccess };
    const run = async (model: ReturnType<typeof funnelModel>) => {
      const plan = await model.plan!(query as unknown as FunnelAnalysisQuery, context);
      const rows = [];
      for (const statement of plan.statements)
        rows.push((await engine.forTenant('1').query(statement.sql, { params: statement.params, rowMode: 'json' })).rows);
      return {
        sql: plan.statements.map((s) => s.sql).join('\n'),
        result: plan.finish(
          rows,
          rows.map(() => ({ columns: [], truncated: false })),
        ),
      };
    };
    const nearest = await run(withAsof);
    const joined = await run(withoutAsof);
    // Two different plans: the comparison is not of a plan with itself.
    expect(nearest.sql).toMatch(/ASOF (LEFT )?JOIN/);
    expect(nearest.sql).not.toContain('row_number() OVER (PARTITION BY contact_id');
    expect(joined.sql).not.toContain('ASOF');
    expect(joined.sql).toContain('row_number() OVER (PARTITION BY contact_id');
    expect(nearest.result).toEqual(joined.result);
    // A funnel that says something: people entered, and someone reached step 2.
    const [all] = (nearest.result as { funnels: { steps: { users: number }[] }[] }).funnels;
    expect(all!.steps[0]!.users).toBeGreaterThan(0);
    expect(all!.steps[1]!.users).toBeGreaterThan(0);
  });

  it.each([
    ['one event row could fill two steps', { steps: steps('view', 'view'), window: { unit: 'day', value: 1 } }],
    ['a property is held', { steps: steps('view', 'cart', 'pay'), window: { unit: 'day', value: 7 }, holdProperty: 'sku' }],
  ])('keeps the range join when %s', async (_name, partial) => {
    const query = reports.parse('funnel', { timeRange: range, ...partial });
    const plan = await withAsof.plan!(query as unknown as FunnelAnalysisQuery, {
      tenantId: '1',
      staffId: null,
      timeZone: ZONE,
      now: NOW,
      maxGroups: 100,
      fields: clearFieldAccess,
    });
    expect(plan.statements[0]!.sql).not.toContain('ASOF');
    expect(plan.statements[0]!.sql).toContain('row_number() OVER (PARTITION BY contact_id');
  });
});
