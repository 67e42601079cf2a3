import { beforeAll, describe, expect, it } from 'vitest';
import { QuerySlots } from '../../src/modules/reports/custom-query/query-slots.js';
import { GROUPS } from '../groups/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { EXPORTS, RUNS, reportsTenant } from './support.js';

const VIEWS = '/api/v1/console/custom-query/views';
const REPORTS = '/api/v1/console/reports';
const DASHBOARDS = '/api/v1/console/dashboards';

interface TableBody {
  kind: 'table';
  model: string;
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  groupCount: number;
  truncated: boolean;
  cached: boolean;
}

describe('custom query slots: one running query per staff member (ADR 0062)', () => {
  it('a second query of the same staff member waits for the first; more than 3 waiting are refused with 429', async () => {
    const slots = new QuerySlots(3);
    const order: string[] = [];
    let release!: () => void;
    const first = slots.run('t:1', async () => {
      order.push('first started');
      await new Promise<void>((resolve) => (release = resolve));
      order.push('first ended');
    });
    const waiting = [1, 2, 3].map((n) =>
      slots.run('t:1', async () => {
        order.push(`waiting ${n} started`);
      }),
    );
    // Another staff member is not held up.
    await slots.run('t:2', async () => {
      order.push('other staff');
    });
    expect(slots.load('t:1')).toBe(4);
    await expect(slots.run('t:1', async () => undefined)).rejects.toMatchObject({
      code: 'report_custom_query_busy',
      statusCode: 429,
    });
    release();
    await Promise.all([first, ...waiting]);
    expect(order).toEqual([
      'first started',
      'other staff',
      'first ended',
      'waiting 1 started',
      'waiting 2 started',
      'waiting 3 started',
    ]);
    expect(slots.load('t:1')).toBe(0);
    // A failing query frees its slot too.
    await expect(slots.run('t:1', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(slots.load('t:1')).toBe(0);
  });
});

/**
 * The tenant of `reportsTenant` (Asia/Shanghai; D a Sunday 14–20 days ago):
 *   u-1 上海  purchase 100 (sku a) D 10:00, purchase 50 (sku b) D 23:30
 *   u-2 北京  purchase 20 (sku a) D+1 00:10, refund 20 D+1 09:00
 *   u-3 上海  purchase 30 (sku c) D+7 12:00
 *   u-4 广州  nothing
 * Purchases: 4 events by 3 users; refunds: 1 by 1. By city: 上海 100 + 50 + 30 = 180, 北京 20.
 */
describeEngines(
  'reports: 自定义查询 custom SQL query (seed §1.7.12; ADR 0062)',
  (ctx) => {
    let t: Awaited<ReturnType<typeof reportsTenant>>;
    const run = (sql: string, extra: Record<string, unknown> = {}) =>
      t.staff.request('POST', RUNS, { model: 'customQuery', query: { sql }, ...extra });
    const ok = async (sql: string) => {
      const res = await run(sql);
      expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
      return res.body as TableBody;
    };
    beforeAll(async () => {
      t = await reportsTenant(ctx.app);
    });

    it('answers SQL over event_view as a table: its columns with their types, its rows (BIGINT as text)', async () => {
      const body = await ok(
        "SELECT event, count(*) AS events, count(DISTINCT contact_id) AS users FROM event_view WHERE event IN ('purchase', 'refund') GROUP BY event ORDER BY event",
      );
      expect([body.kind, body.model, body.truncated, body.groupCount]).toEqual(['table', 'customQuery', false, 2]);
      expect(body.columns).toEqual([
        { name: 'event', type: 'VARCHAR' },
        { name: 'events', type: 'BIGINT' },
        { name: 'users', type: 'BIGINT' },
      ]);
      expect(body.rows).toEqual([
        { event: 'purchase', events: '4', users: '3' },
        { event: 'refund', events: '1', users: '1' },
      ]);
      // The second run of the same SQL over the same data comes from the cache.
      expect(
        (
          await run(
            "SELECT event, count(*) AS events, count(DISTINCT contact_id) AS users FROM event_view WHERE event IN ('purchase', 'refund') GROUP BY event ORDER BY event",
          )
        ).body.cached,
      ).toBe(true);
    });

    it('joins contact_view on id: the purchase amount (p_amount) per city', async () => {
      const body = await ok(
        "SELECT c.city, sum(e.p_amount) AS amount FROM event_view AS e JOIN contact_view AS c ON c.id = e.contact_id WHERE e.event = 'purchase' GROUP BY c.city ORDER BY amount DESC",
      );
      expect(body.rows).toEqual([
        { city: '上海', amount: 180 },
        { city: '北京', amount: 20 },
      ]);
    });

    it('shows at most 1,000 rows (truncated) and exports up to 100,000', async () => {
      const sql = 'SELECT n FROM range(1500) AS r(n) ORDER BY n';
      const body = await ok(sql);
      expect([body.rows.length, body.truncated, body.rows[999]]).toEqual([1000, true, { n: '999' }]);
      const exported = await t.staff.request('POST', EXPORTS, { model: 'customQuery', query: { sql }, format: 'csv' });
      expect(exported.statusCode).toBe(200);
      const lines = String(exported.body)
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\n');
      // The header and 1,500 rows: nothing cut below the export limit.
      expect([lines.length, lines[0], lines[1500]]).toEqual([1501, 'n', '1499']);
    });

    it('a group_<id> column reads the group’s members (resolved like SQL tags), an unknown one is refused', async () => {
      const ids = (await ok("SELECT c.id, c.name FROM contact_view AS c WHERE c.name IN ('张三', '李四') ORDER BY c.name")).rows;
      const zhang = ids.find((r) => r.name === '张三')!.id as string;
      const group = await t.staff.request('POST', `${GROUPS}/static`, { name: '自定义查询的群组' });
      expect(group.statusCode, JSON.stringify(group.body)).toBe(201);
      const added = await t.staff.request('POST', `${GROUPS}/${group.body.id}/members`, { contactIds: [zhang] });
      expect(added.statusCode, JSON.stringify(added.body)).toBe(200);
      const body = await ok(`SELECT name FROM contact_view WHERE group_${group.body.id}`);
      expect(body.rows).toEqual([{ name: '张三' }]);
      const unknown = await run('SELECT name FROM contact_view WHERE group_999999');
      expect([unknown.statusCode, unknown.body.details?.[0]?.code]).toEqual([400, 'olap_sql_membership_unknown']);
    });

    it('refusals of the sandbox are 400 with its codes, a field problem on sql', async () => {
      const cases: [string, string, string][] = [
        ["SELECT getenv('HOME')", 'olap_sql_refused', 'olap_sql_function_refused'],
        ['SELECT * FROM events', 'olap_sql_refused', 'olap_sql_relation_unknown'],
        ['SELECT id FROM (SELECT * FROM contact_view) AS c', 'olap_sql_refused', 'olap_sql_star_in_subquery'],
        ['DELETE FROM event_view', 'olap_sql_invalid', 'olap_sql_not_select'],
        ['SELEC 1', 'olap_sql_invalid', 'olap_sql_syntax'],
        ['SELECT no_such_column FROM event_view', 'olap_sql_failed', 'olap_sql_execution'],
      ];
      for (const [sql, code, reason] of cases) {
        const res = await run(sql);
        expect([res.statusCode, res.body.code, res.body.details?.[0]?.path, res.body.details?.[0]?.code], sql).toEqual([
          400,
          code,
          'sql',
          reason,
        ]);
        expect(res.body.details[0].message, sql).toBeTruthy();
      }
      const empty = await run('   ');
      expect([empty.statusCode, empty.body.code]).toEqual([400, 'report_query_invalid']);
    });

    it('saves (refusing SQL the sandbox refuses), runs saved, adds to a dashboard as a table card', async () => {
      const refused = await t.staff.request('POST', REPORTS, {
        model: 'customQuery',
        name: '坏的查询',
        query: { sql: "SELECT getenv('HOME')" },
      });
      expect([refused.statusCode, refused.body.code]).toEqual([400, 'olap_sql_refused']);
      const saved = await t.staff.request('POST', REPORTS, {
        model: 'customQuery',
        name: '每个事件的人数',
        query: { sql: 'SELECT event, count(DISTINCT contact_id) AS users FROM event_view GROUP BY event ORDER BY event' },
      });
      expect(saved.statusCode, JSON.stringify(saved.body)).toBe(201);
      const savedRun = await t.staff.request('POST', `${REPORTS}/${saved.body.id}/run`, {});
      expect(savedRun.statusCode).toBe(200);
      expect(savedRun.body.rows).toContainEqual({ event: 'purchase', users: '3' });
      const board = await t.staff.request('POST', DASHBOARDS, { name: '自定义查询看板' });
      expect(board.statusCode, JSON.stringify(board.body)).toBe(201);
      const card = await t.staff.request('POST', `${DASHBOARDS}/${board.body.id}/cards`, { reportId: saved.body.id });
      expect(card.statusCode, JSON.stringify(card.body)).toBe(201);
      const cardId = card.body.cards?.[0]?.id ?? card.body.id;
      // A dashboard's temporary time range leaves a custom query as it is.
      const cardRun = await t.staff.request('POST', `${DASHBOARDS}/${board.body.id}/cards/${cardId}/run`, {
        timeRange: { kind: 'today' },
      });
      expect(cardRun.statusCode, JSON.stringify(cardRun.body)).toBe(200);
      expect(cardRun.body.rows).toContainEqual({ event: 'purchase', users: '3' });
    });

    it('lists the views’ columns for the editor: event_view and contact_view with property and group names', async () => {
      const res = await t.staff.request('GET', VIEWS);
      expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
      const [events, contacts] = res.body.items as { name: string; columns: { name: string; type: string; label?: string }[] }[];
      expect(events!.name).toBe('event_view');
      const eventColumns = new Map(events!.columns.map((c) => [c.name, c]));
      for (const name of ['contact_id', 'event', 'event_alias', 'event_date', 'event_day'])
        expect(eventColumns.has(name), name).toBe(true);
      expect(eventColumns.get('p_amount')).toMatchObject({ type: 'DOUBLE', label: '金额' });
      expect(contacts!.name).toBe('contact_view');
      const contactColumns = new Map(contacts!.columns.map((c) => [c.name, c]));
      for (const name of ['id', 'name', 'city']) expect(contactColumns.has(name), name).toBe(true);
      expect([...contactColumns.values()].find((c) => c.label === '自定义查询的群组')?.name).toMatch(/^group_[1-9][0-9]*$/);
    });
  },
  { plugins: firstPartyPlugins },
);
