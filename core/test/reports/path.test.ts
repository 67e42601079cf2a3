import { beforeAll, expect, it } from 'vitest';
import { ZonedClock } from '../../src/lib/zoned-clock.js';
import { ingestTenant } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { EXPORTS, RUNS, addDays, shanghai } from './support.js';

const ZONE = 'Asia/Shanghai';
const between = (from: string, to: string) => ({ kind: 'between', from, to });

interface PathNodeBody {
  id: string;
  layer: number;
  event: number | null;
  value?: string | null;
  sessions: number;
  retained: number;
  churned: number;
}
interface PathBody {
  kind: 'path';
  from: string;
  to: string;
  anchor: string;
  events: { event: string; name: string }[];
  dimension?: { key: string; name: string };
  layers: number;
  nodes: number;
  groups: { name: string }[];
  paths: {
    group?: number;
    sessions: number;
    more: boolean;
    nodes: PathNodeBody[];
    edges: { source: string; target: string; sessions: number }[];
  }[];
  groupCount: number;
  truncated: boolean;
}

/**
 * A tenant in Asia/Shanghai, every event on day D (3 days ago) unless said otherwise. Path events
 * [浏览 view (page), 加购 cart, 支付 pay] (indexes 0, 1, 2). With 事件间隔 30 minutes:
 *
 * | contact | city | events (Shanghai time)                                              | sessions                      |
 * |---------|------|---------------------------------------------------------------------|-------------------------------|
 * | u-1     | 上海 | view home 10:00, view home 10:05, view list 10:10, cart 10:20,      | S1 10:00–10:50 (10:20→10:50   |
 * |         |      | pay 10:50; view home 12:00, cart 12:10                              | is exactly 30 min: kept), S2  |
 * | u-2     | 北京 | view home 09:00, cart 09:10, view home 09:15; pay 09:46             | S1 09:00–09:15, S2 pay (31 min) |
 * | u-3     | 上海 | cart 11:00, view list 11:01                                         | S1                            |
 * | u-4     | 广州 | pay 08:00, pay 08:10                                                | S1                            |
 * | u-5     | 北京 | view home 13:00:00 and cart 13:00:00 (the same second); view D+1 00:05 (out of range) | S1 |
 *
 * u-5's tie is ordered by the path events' order (view before cart): see ADR 0058.
 */
async function pathTenant(app: Parameters<typeof ingestTenant>[0]) {
  const t = await ingestTenant(app, { timeZone: ZONE });
  for (const [code, name, properties] of [
    ['view', '浏览', [{ code: 'page', name: '页面', type: 'string' }]],
    ['cart', '加购', []],
    ['pay', '支付', []],
  ] as const) {
    const res = await t.staff.request('POST', '/api/v1/metadata/event-types', { channelId: t.channelId, code, name, properties });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
  }
  const today = new ZonedClock(ZONE).localDate(Date.now());
  const D = addDays(today, -3);
  const ev = (userId: string, event: string, time: string, page?: string, date = D) => ({
    type: 'track',
    userId,
    event,
    ...(page ? { properties: { page } } : {}),
    timestamp: time.length > 5 ? new Date(Date.parse(`${date}T${time}+08:00`)).toISOString() : shanghai(date, time),
  });
  const res = await t.collect('batch', {
    batch: [
      { type: 'identify', userId: 'u-1', traits: { name: '甲', city: '上海' } },
      { type: 'identify', userId: 'u-2', traits: { name: '乙', city: '北京' } },
      { type: 'identify', userId: 'u-3', traits: { name: '丙', city: '上海' } },
      { type: 'identify', userId: 'u-4', traits: { name: '丁', city: '广州' } },
      { type: 'identify', userId: 'u-5', traits: { name: '戊', city: '北京' } },
      ev('u-1', 'view', '10:00', 'home'),
      ev('u-1', 'view', '10:05', 'home'),
      ev('u-1', 'view', '10:10', 'list'),
      ev('u-1', 'cart', '10:20'),
      ev('u-1', 'pay', '10:50'),
      ev('u-1', 'view', '12:00', 'home'),
      ev('u-1', 'cart', '12:10'),
      ev('u-2', 'view', '09:00', 'home'),
      ev('u-2', 'cart', '09:10'),
      ev('u-2', 'view', '09:15', 'home'),
      ev('u-2', 'pay', '09:46'),
      ev('u-3', 'cart', '11:00'),
      ev('u-3', 'view', '11:01', 'list'),
      ev('u-4', 'pay', '08:00'),
      ev('u-4', 'pay', '08:10'),
      // The same second: cart first in the batch, view first in the path (the events' order).
      ev('u-5', 'cart', '13:00:00'),
      ev('u-5', 'view', '13:00:00', 'home'),
      ev('u-5', 'view', '00:05', 'home', addDays(D, 1)),
    ],
  });
  expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
  await t.drain();
  return { ...t, D };
}

/** Nodes as `[id, event, value?, sessions, retained, churned]` and edges as `source>target:sessions`. */
const nodesOf = (body: PathBody, g = 0) =>
  body.paths[g]!.nodes.map((n) => [
    n.id,
    n.event,
    ...(n.value !== undefined ? [n.value] : []),
    n.sessions,
    n.retained,
    n.churned,
  ]);
const edgesOf = (body: PathBody, g = 0) => body.paths[g]!.edges.map((e) => `${e.source}>${e.target}:${e.sessions}`);

describeEngines(
  'reports: path analysis (seed §1.7.8; SPEC §6; ADR 0058)',
  (ctx) => {
    let t: Awaited<ReturnType<typeof pathTenant>>;
    let day: { kind: string; from: string; to: string };
    const events = [{ event: 'view' }, { event: 'cart' }, { event: 'pay' }];
    const run = (query: Record<string, unknown>) => t.staff.request('POST', RUNS, { model: 'path', query });
    const result = async (query: Record<string, unknown>) => {
      const response = await run(query);
      expect(response.statusCode, JSON.stringify(response.body)).toBe(200);
      return response.body as PathBody;
    };
    const base = () => ({ events, anchor: { kind: 'start', event: 0 }, timeRange: day });
    beforeAll(async () => {
      t = await pathTenant(ctx.app);
      day = between(t.D, t.D);
    });

    it('start event: one path per session from its first start event; an equal gap stays in the session', async () => {
      const body = await result(base());
      expect([body.kind, body.from, body.to, body.anchor, body.layers, body.nodes]).toEqual(['path', t.D, t.D, 'start', 4, 7]);
      expect(body.events).toEqual([
        { event: 'view', name: '浏览' },
        { event: 'cart', name: '加购' },
        { event: 'pay', name: '支付' },
      ]);
      // Paths: u-1 S1 view view view cart (pay is layer 5); u-1 S2 view cart; u-2 S1 view cart view;
      // u-3 view (its cart came before the first view); u-5 view cart (the tie). u-2 S2 and u-4: no view.
      // Layer 1: view 5, 4 go on (u-3 stops). Layer 2: cart 3 (u-1 S2, u-2, u-5; u-2 goes on), view 1 (u-1).
      // Layer 3: view 2 (u-1, u-2; u-1 goes on). Layer 4: cart 1 (u-1, going on to pay: `more`).
      expect(body.paths).toHaveLength(1);
      expect(body.paths[0]!.sessions).toBe(5);
      expect(body.paths[0]!.more).toBe(true);
      expect(nodesOf(body)).toEqual([
        ['1-1', 0, 5, 4, 1],
        ['2-1', 1, 3, 1, 2],
        ['2-2', 0, 1, 1, 0],
        ['3-1', 0, 2, 1, 1],
        ['4-1', 1, 1, 1, 0],
      ]);
      expect(edgesOf(body)).toEqual(['1-1>2-1:3', '1-1>2-2:1', '2-1>3-1:1', '2-2>3-1:1', '3-1>4-1:1']);
      // 5 layers: u-1's pay, exactly 30 minutes after its cart, is in the session — layer 5.
      const five = await result({ ...base(), layers: 5 });
      expect(nodesOf(five).filter((n) => String(n[0]).startsWith('5-'))).toEqual([['5-1', 2, 1, 0, 1]]);
      expect(edgesOf(five).at(-1)).toBe('4-1>5-1:1');
      // 1 hour: u-2's pay (31 minutes later) joins its session; u-1's 12:00 (70 minutes) still does not.
      const hour = await result({ ...base(), interval: { value: 1, unit: 'hour' }, layers: 5 });
      expect(nodesOf(hour).filter((n) => String(n[0]).startsWith('4-'))).toEqual([
        ['4-1', 1, 1, 1, 0],
        ['4-2', 2, 1, 0, 1],
      ]);
      // 5 layers: u-1's pay is layer 5, the end of every path.
      expect(nodesOf(hour).filter((n) => String(n[0]).startsWith('5-'))).toEqual([['5-1', 2, 1, 0, 1]]);
      expect(hour.paths[0]!.more).toBe(false);
      // 29 minutes: u-1's pay (30 minutes after cart) starts a session of its own.
      const short = await result({ ...base(), interval: { value: 29, unit: 'minute' } });
      expect(nodesOf(short).at(-1)).toEqual(['4-1', 1, 1, 0, 1]);
      expect(short.paths[0]!.more).toBe(false);
    });

    it('merges consecutive duplicates (same event and value) when asked', async () => {
      // u-1 S1 becomes view cart pay. Layer 2: cart 4; layer 3: view 1 (u-2) and pay 1 (u-1) — a tie,
      // the earlier path event first.
      const merged = await result({ ...base(), merge: true });
      expect(nodesOf(merged)).toEqual([
        ['1-1', 0, 5, 4, 1],
        ['2-1', 1, 4, 2, 2],
        ['3-1', 0, 1, 0, 1],
        ['3-2', 2, 1, 0, 1],
      ]);
      expect(edgesOf(merged)).toEqual(['1-1>2-1:4', '2-1>3-1:1', '2-1>3-2:1']);
      expect(merged.paths[0]!.more).toBe(false);
      // With the page as dimension, u-1's home home list merges into home list only.
      const pages = await result({ ...base(), merge: true, dimension: { property: 'page' } });
      expect(pages.dimension).toEqual({ key: 'event.page', name: '页面' });
      // Layer 1: view·home 4 (u-1 S1, u-1 S2, u-2, u-5), view·list 1 (u-3). Layer 2: cart 3, view·list 1 (u-1).
      // Layer 3: cart 1 (u-1), view·home 1 (u-2): a tie, the earlier path event first. Layer 4: pay (u-1).
      expect(nodesOf(pages)).toEqual([
        ['1-1', 0, 'home', 4, 4, 0],
        ['1-2', 0, 'list', 1, 0, 1],
        ['2-1', 1, null, 3, 1, 2],
        ['2-2', 0, 'list', 1, 1, 0],
        ['3-1', 0, 'home', 1, 0, 1],
        ['3-2', 1, null, 1, 1, 0],
        ['4-1', 2, null, 1, 0, 1],
      ]);
      expect(edgesOf(pages)).toEqual(['1-1>2-1:3', '1-1>2-2:1', '2-1>3-1:1', '2-2>3-2:1', '3-2>4-1:1']);
    });

    it('a dimension without merging: a node is an event and a value, forwards and backwards', async () => {
      const pages = await result({ ...base(), dimension: { property: 'page' } });
      // u-1 S1 view·home view·home view·list cart (pay next); u-1 S2 view·home cart; u-2 view·home cart view·home;
      // u-3 view·list; u-5 view·home cart. Layer 3: view·home (u-2) before view·list (u-1): a tie, by value text.
      expect(nodesOf(pages)).toEqual([
        ['1-1', 0, 'home', 4, 4, 0],
        ['1-2', 0, 'list', 1, 0, 1],
        ['2-1', 1, null, 3, 1, 2],
        ['2-2', 0, 'home', 1, 1, 0],
        ['3-1', 0, 'home', 1, 0, 1],
        ['3-2', 0, 'list', 1, 1, 0],
        ['4-1', 1, null, 1, 1, 0],
      ]);
      expect(edgesOf(pages)).toEqual(['1-1>2-1:3', '1-1>2-2:1', '2-1>3-1:1', '2-2>3-2:1', '3-2>4-1:1']);
      expect(pages.paths[0]!.more).toBe(true);
      // Back from the last pay: u-1 S1 pay cart view·list view·home (view·home before it: `more`); u-2 S2 pay;
      // u-4 pay pay.
      const end = await result({ ...base(), anchor: { kind: 'end', event: 2 }, dimension: { property: 'page' } });
      expect(nodesOf(end)).toEqual([
        ['1-1', 2, null, 3, 2, 1],
        ['2-1', 1, null, 1, 1, 0],
        ['2-2', 2, null, 1, 0, 1],
        ['3-1', 0, 'list', 1, 1, 0],
        ['4-1', 0, 'home', 1, 1, 0],
      ]);
      expect(edgesOf(end)).toEqual(['1-1>2-1:1', '1-1>2-2:1', '2-1>3-1:1', '3-1>4-1:1']);
      expect(end.paths[0]!.more).toBe(true);
    });

    it('end event: one path per session back from its last end event', async () => {
      const end = await result({ ...base(), anchor: { kind: 'end', event: 2 } });
      expect(end.anchor).toBe('end');
      // u-1 S1 pay cart view view (view home is layer 5); u-2 S2 pay; u-4 pay (08:10) pay (08:00).
      // Layer 1: pay 3, 2 go back further. Layer 2: cart 1 (u-1), pay 1 (u-4). Layers 3, 4: view (u-1).
      expect(nodesOf(end)).toEqual([
        ['1-1', 2, 3, 2, 1],
        ['2-1', 1, 1, 1, 0],
        ['2-2', 2, 1, 0, 1],
        ['3-1', 0, 1, 1, 0],
        ['4-1', 0, 1, 1, 0],
      ]);
      expect(edgesOf(end)).toEqual(['1-1>2-1:1', '1-1>2-2:1', '2-1>3-1:1', '3-1>4-1:1']);
      expect(end.paths[0]!.more).toBe(true);
      // Merged: u-4's two pays are one node; u-1's views one.
      const merged = await result({ ...base(), anchor: { kind: 'end', event: 2 }, merge: true });
      expect(nodesOf(merged)).toEqual([
        ['1-1', 2, 3, 1, 2],
        ['2-1', 1, 1, 1, 0],
        ['3-1', 0, 1, 0, 1],
      ]);
    });

    it('nodes per layer: the rest fold into one 其他 node with its sessions and edges; layers up to 10', async () => {
      const one = await result({ ...base(), nodes: 1, layers: 3 });
      // Layer 2: cart 3 shown, view 1 folded into 其他 (2-2, event null); both lead to layer 3's view.
      expect(nodesOf(one)).toEqual([
        ['1-1', 0, 5, 4, 1],
        ['2-1', 1, 3, 1, 2],
        ['2-2', null, 1, 1, 0],
        ['3-1', 0, 2, 1, 1],
      ]);
      expect(edgesOf(one)).toEqual(['1-1>2-1:3', '1-1>2-2:1', '2-1>3-1:1', '2-2>3-1:1']);
      expect(one.groupCount).toBe(2);
      expect(one.truncated).toBe(false);
      const ten = await result({ ...base(), layers: 10 });
      expect(Math.max(...ten.paths[0]!.nodes.map((n) => n.layer))).toBe(5);
      for (const bad of [{ layers: 11 }, { nodes: 21 }, { nodes: 0 }, { interval: { value: 25, unit: 'hour' } }]) {
        const refused = await run({ ...base(), ...bad });
        expect([refused.statusCode, refused.body.code], JSON.stringify(bad)).toEqual([400, 'report_query_invalid']);
      }
      const day = await run({ ...base(), interval: { value: 1440, unit: 'minute' } });
      expect(day.statusCode).toBe(200);
    });

    it('user filters, compared groups and virtual events', async () => {
      const shanghaiOnly = await result({
        ...base(),
        filters: {
          contacts: { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'eq', values: ['上海'] }] },
        },
      });
      // u-1 (2 sessions) and u-3.
      expect(nodesOf(shanghaiOnly).slice(0, 1)).toEqual([['1-1', 0, 3, 2, 1]]);
      const temporary = async (name: string, city: string) => {
        const res = await t.staff.request('POST', '/api/v1/console/temporary-groups', {
          name,
          condition: { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'eq', values: [city] }] },
        });
        expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
        return res.body.id as string;
      };
      const compared = await result({
        ...base(),
        layers: 2,
        groups: [
          { type: 'temporary', temporaryGroupId: await temporary('北京', '北京') },
          { type: 'temporary', temporaryGroupId: await temporary('广州', '广州') },
        ],
      });
      expect(compared.groups).toEqual([{ name: '北京' }, { name: '广州' }]);
      // 北京: u-2 view cart, u-5 view cart. 广州: u-4 has no view — an empty path.
      expect(compared.paths.map((p) => [p.group, p.sessions])).toEqual([
        [0, 2],
        [1, 0],
      ]);
      expect(nodesOf(compared, 0)).toEqual([
        ['1-1', 0, 2, 2, 0],
        ['2-1', 1, 2, 1, 1],
      ]);
      expect(compared.paths[1]!.nodes).toEqual([]);

      const virtual = await t.staff.request('POST', '/api/v1/metadata/virtual-events', {
        name: '下单',
        members: [{ event: 'cart' }, { event: 'pay' }],
      });
      expect(virtual.statusCode, JSON.stringify(virtual.body)).toBe(201);
      // view, then 下单 (cart or pay): u-1 S1 view view view 下单 (the same layers as cart).
      const body = await result({ ...base(), events: [{ event: 'view' }, { event: virtual.body.key }], layers: 2 });
      expect(body.events[1]).toEqual({ event: virtual.body.key, name: '下单' });
      expect(nodesOf(body)).toEqual([
        ['1-1', 0, 5, 4, 1],
        ['2-1', 1, 3, 1, 2],
        ['2-2', 0, 1, 1, 0],
      ]);
      // Event filters: views of the list page only — u-3's session and u-1 S1 (from 10:10: list cart pay).
      const listEvents = [
        { event: 'view', filters: [{ property: 'page', operator: 'eq', values: ['list'] }] },
        { event: 'cart' },
        { event: 'pay' },
      ];
      const list = await result({ ...base(), events: listEvents, layers: 3 });
      expect(nodesOf(list)).toEqual([
        ['1-1', 0, 2, 1, 1],
        ['2-1', 1, 1, 1, 0],
        ['3-1', 2, 1, 0, 1],
      ]);
      // From cart: the home views are no path events — neither nodes nor keeping a session alive (u-2's cart
      // and pay 36 minutes apart are two sessions). u-1 S1 cart pay; u-3 cart view·list; the rest cart alone.
      const fromCart = await result({ ...base(), events: listEvents, anchor: { kind: 'start', event: 1 }, layers: 3 });
      expect(nodesOf(fromCart)).toEqual([
        ['1-1', 1, 5, 2, 3],
        ['2-1', 0, 1, 0, 1],
        ['2-2', 2, 1, 0, 1],
      ]);
      expect(edgesOf(fromCart)).toEqual(['1-1>2-1:1', '1-1>2-2:1']);
    });

    it('refuses what it cannot compute; exports nodes and edges', async () => {
      const bad = await run({
        ...base(),
        events: [{ event: 'view' }, { event: 'nope' }],
        anchor: { kind: 'end', event: 5 },
        dimension: { property: 'page' },
      });
      expect([bad.statusCode, bad.body.code]).toEqual([400, 'report_query_invalid']);
      const details = (bad.body.details as { path: string; code: string }[]).map((d) => [d.path, d.code]);
      expect(details).toContainEqual(['anchor.event', 'report_path_anchor_invalid']);
      expect(details.some(([path]) => path!.startsWith('events.1'))).toBe(true);
      const unknown = await run({ ...base(), dimension: { property: 'nope' } });
      expect((unknown.body.details as { path: string; code: string }[]).map((d) => [d.path, d.code])).toEqual([
        ['dimension.property', 'report_dimension_unknown'],
      ]);

      const csv = await t.staff.request('POST', EXPORTS, { model: 'path', query: { ...base(), layers: 2 }, format: 'csv' });
      expect(csv.statusCode).toBe(200);
      const lines = String(csv.body)
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\n');
      expect(lines).toEqual([
        '类型,层,事件,会话数,留存量,流失量,下一层节点',
        '节点,1,浏览,5,4,1,',
        '节点,2,加购,3,1,2,',
        '节点,2,浏览,1,1,0,',
        '连线,1,浏览,3,,,加购',
        '连线,1,浏览,1,,,浏览',
      ]);
    });

    it('a saved report on a dashboard keeps its own time range (暂不支持 temporary ranges)', async () => {
      const report = await t.staff.request('POST', '/api/v1/console/reports', { model: 'path', name: '浏览路径', query: base() });
      expect(report.statusCode, JSON.stringify(report.body)).toBe(201);
      const board = await t.staff.request('POST', '/api/v1/console/dashboards', { name: '路径看板' });
      const card = await t.staff.request('POST', `/api/v1/console/dashboards/${board.body.id}/cards`, {
        reportId: report.body.id,
      });
      expect(card.statusCode, JSON.stringify(card.body)).toBe(201);
      const opened = await t.staff.request('GET', `/api/v1/console/dashboards/${board.body.id}`);
      expect(opened.body.cards[0].report.timeRange).toBe(false);
      const runCard = (body: Record<string, unknown>) =>
        t.staff.request('POST', `/api/v1/console/dashboards/${board.body.id}/cards/${card.body.id}/run`, body);
      // A temporary range of a day without events: ignored, the card still answers for D.
      const ignored = await runCard({ timeRange: between(addDays(t.D, 1), addDays(t.D, 1)) });
      expect(ignored.statusCode, JSON.stringify(ignored.body)).toBe(200);
      expect([ignored.body.from, ignored.body.to, ignored.body.paths[0].sessions]).toEqual([t.D, t.D, 5]);
    });
  },
  { plugins: firstPartyPlugins },
);
