import { beforeAll, expect, it } from 'vitest';
import { GROUPS } from '../groups/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { staffWithRole } from '../staff/support.js';
import { EXPORTS, RUNS, addDays, reportsTenant } from '../reports/support.js';

const CELL_GROUPS = '/api/v1/console/report-cell-groups';
const REPORTS = '/api/v1/console/reports';
const VIEWS = '/api/v1/console/custom-query/views';
const between = (from: string, to: string) => ({ kind: 'between', from, to });

/**
 * Review 22b: tenancy and permissions of 保存为群组 (ADR 0063) and 自定义查询 (ADR 0062). The victim
 * tenant has a contact named VICTIM_SECRET no other tenant has; no answer to the attacker may hold it.
 */
const VICTIM_SECRET = 'victim-secret-蓝鲸';

describeEngines(
  'review 22b: tenancy and permissions of report cell groups and custom queries',
  (ctx) => {
    let victim: Awaited<ReturnType<typeof reportsTenant>>;
    let attacker: Awaited<ReturnType<typeof reportsTenant>>;
    let victimReportId: string;
    let victimFolderId: string;
    let victimGroupId: string;
    const funnel = () => ({
      steps: [{ event: 'purchase' }, { event: 'refund' }],
      window: { unit: 'day', value: 7 },
      timeRange: between(attacker.D, addDays(attacker.D, 7)),
    });
    const client = (t: typeof victim, name: string, permissions: string[]) => staffWithRole(ctx.app, t.staff, name, permissions);

    beforeAll(async () => {
      victim = await reportsTenant(ctx.app);
      attacker = await reportsTenant(ctx.app);
      const sent = await victim.collect('batch', {
        batch: [
          { type: 'identify', userId: 'secret', traits: { name: VICTIM_SECRET, city: VICTIM_SECRET } },
          { type: 'track', userId: 'secret', event: 'purchase', properties: { amount: 7, sku: VICTIM_SECRET } },
        ],
      });
      expect(sent.statusCode, JSON.stringify(sent.body)).toBe(200);
      await victim.drain();
      const saved = await victim.staff.request('POST', REPORTS, {
        model: 'funnel',
        name: '受害者漏斗',
        query: {
          steps: [{ event: 'purchase' }, { event: 'refund' }],
          window: { unit: 'day', value: 7 },
          timeRange: between(victim.D, addDays(victim.D, 7)),
        },
      });
      expect(saved.statusCode, JSON.stringify(saved.body)).toBe(201);
      victimReportId = saved.body.id;
      const folder = await victim.staff.request('POST', '/api/v1/console/group-folders', { name: '受害者文件夹' });
      expect(folder.statusCode, JSON.stringify(folder.body)).toBe(201);
      victimFolderId = folder.body.id;
      const group = await victim.staff.request('POST', `${GROUPS}/static`, { name: '受害者群组' });
      expect(group.statusCode, JSON.stringify(group.body)).toBe(201);
      victimGroupId = group.body.id;
    }, 120_000);

    it("R22B-1: another tenant's saved report id in 保存为群组 is 404 and creates no group", async () => {
      const res = await attacker.staff.request('POST', CELL_GROUPS, {
        reportId: victimReportId,
        cell: { step: 1 },
        name: 'R22B-1 偷来的报表',
      });
      expect([res.statusCode, res.body.code]).toEqual([404, 'report_not_found']);
      const listed = await attacker.staff.request('GET', `${GROUPS}?keyword=${encodeURIComponent('R22B-1')}`);
      expect(listed.body.items ?? listed.body).toEqual([]);
    });

    it("R22B-2: another tenant's folder id in 保存为群组 is a coded 4xx and creates no group", async () => {
      const res = await attacker.staff.request('POST', CELL_GROUPS, {
        model: 'funnel',
        query: funnel(),
        cell: { step: 1 },
        name: 'R22B-2 别人的文件夹',
        folderId: victimFolderId,
      });
      expect([400, 404], JSON.stringify(res.body)).toContain(res.statusCode);
      expect(typeof res.body.code).toBe('string');
      const listed = await attacker.staff.request('GET', `${GROUPS}?keyword=${encodeURIComponent('R22B-2')}`);
      expect(listed.body.items ?? listed.body).toEqual([]);
      // The victim's folder holds nothing new.
      const victimGroups = await victim.staff.request('GET', `${GROUPS}?keyword=${encodeURIComponent('R22B-2')}`);
      expect(victimGroups.body.items ?? victimGroups.body).toEqual([]);
    });

    it("R22B-3: another tenant's saved report id (and group id) in a run or export of the new models is 404 / 400, never data", async () => {
      expect((await attacker.staff.request('POST', `${REPORTS}/${victimReportId}/run`, {})).statusCode).toBe(404);
      const groups = [{ type: 'group', groupId: victimGroupId }];
      const range = { kind: 'past', days: 30, includeToday: true };
      const queries: Record<string, Record<string, unknown>> = {
        path: {
          events: [{ event: 'purchase' }],
          anchor: { kind: 'start', event: 0 },
          interval: { value: 30, unit: 'minute' },
          merge: false,
          layers: 4,
          nodes: 7,
          timeRange: range,
          groups,
        },
        attribution: {
          target: { event: 'refund' },
          touches: [{ event: 'purchase' }],
          windowDays: 1,
          attributionModel: 'linear',
          directConversions: true,
          metric: { aggregate: 'count' },
          timeRange: range,
          groups,
        },
        userAnalysis: { metrics: [{ aggregate: 'users' }], groups },
      };
      for (const [model, query] of Object.entries(queries)) {
        for (const path of [RUNS, EXPORTS]) {
          const res = await attacker.staff.request('POST', path, {
            model,
            query,
            ...(path === EXPORTS ? { format: 'csv' } : {}),
          });
          expect([400, 404], `${model} ${path} ${JSON.stringify(res.body).slice(0, 300)}`).toContain(res.statusCode);
        }
      }
    });

    it('R22B-4: custom SQL reaching past the sandbox — physical tables, schema-qualified names, files, catalog functions, another tenant’s group column — is refused; nothing of the victim leaks', async () => {
      const attempts = [
        'SELECT * FROM events',
        'SELECT * FROM event_data',
        'SELECT * FROM main.event_view',
        'SELECT * FROM main.event_data',
        'SELECT * FROM memory.main.event_data',
        'SELECT * FROM "main"."contacts"',
        'SELECT * FROM information_schema.tables',
        'SELECT * FROM duckdb_tables()',
        "SELECT * FROM read_csv_auto('/etc/passwd')",
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM query('SELECT * FROM event_data')",
        "SELECT * FROM query_table('event_data')",
        "SELECT current_setting('threads')",
        "SELECT getvariable('x')",
        'WITH contact_view AS (SELECT * FROM contacts) SELECT * FROM contact_view',
        'WITH x AS (SELECT * FROM event_view) SELECT * FROM x, contacts',
        'SELECT (SELECT count(*) FROM contacts) AS n',
        'SELECT * FROM event_view UNION ALL SELECT * FROM events',
        'SELECT * FROM event_view WHERE contact_id IN (SELECT id FROM contacts)',
        `SELECT name FROM contact_view WHERE group_${victimGroupId}`,
        "ATTACH ':memory:' AS other",
        "COPY (SELECT * FROM event_view) TO '/tmp/x.csv'",
        'PRAGMA show_tables',
        'SELECT * FROM event_view; SELECT * FROM events',
        "SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT * FROM events'))",
        "SELECT * FROM sniff_csv('/etc/passwd')",
        "SELECT * FROM glob('/*')",
      ];
      for (const sql of attempts) {
        const res = await attacker.staff.request('POST', RUNS, { model: 'customQuery', query: { sql } });
        expect(res.statusCode, `${sql}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(400);
        expect(JSON.stringify(res.body), sql).not.toContain(VICTIM_SECRET);
      }
      // What the sandbox lets through reads the attacker's own tenant only.
      const all = await attacker.staff.request('POST', RUNS, {
        model: 'customQuery',
        query: {
          sql: 'SELECT e.event, e.p_sku, c.name, c.city FROM event_view AS e FULL JOIN contact_view AS c ON c.id = e.contact_id',
        },
      });
      expect(all.statusCode, JSON.stringify(all.body)).toBe(200);
      expect(JSON.stringify(all.body)).not.toContain(VICTIM_SECRET);
      expect(all.body.rows.length).toBeGreaterThan(0);
      // The victim sees its own secret (the fixture is real).
      const own = await victim.staff.request('POST', RUNS, {
        model: 'customQuery',
        query: { sql: "SELECT count(*) AS n FROM contact_view WHERE name = 'victim-secret-蓝鲸'" },
      });
      expect(own.body.rows).toEqual([{ n: '1' }]);
    });

    it('R22B-5: a staff member with reports.view but not groups.edit cannot save a cell (403), also from a saved report; nothing is created', async () => {
      const viewer = await client(attacker, 'r22b-viewer', ['reports.view', 'groups.view']);
      const saved = await attacker.staff.request('POST', REPORTS, { model: 'funnel', name: 'R22B-5 漏斗', query: funnel() });
      expect(saved.statusCode, JSON.stringify(saved.body)).toBe(201);
      for (const payload of [
        { model: 'funnel', query: funnel(), cell: { step: 1 }, name: 'R22B-5 a' },
        { reportId: saved.body.id, cell: { step: 1 }, name: 'R22B-5 b' },
      ]) {
        const res = await viewer.request('POST', CELL_GROUPS, payload);
        expect([res.statusCode, res.body.code]).toEqual([403, 'forbidden']);
      }
      const listed = await attacker.staff.request('GET', `${GROUPS}?keyword=${encodeURIComponent('R22B-5')}`);
      expect(listed.body.items ?? listed.body).toEqual([]);
    });

    it('R22B-6: custom queries, their views and exports need reports.view (403 without); exports need more than reports.view', async () => {
      const nobody = await client(attacker, 'r22b-nobody', ['groups.view']);
      const sql = 'SELECT count(*) AS n FROM event_view';
      expect((await nobody.request('POST', RUNS, { model: 'customQuery', query: { sql } })).statusCode).toBe(403);
      expect((await nobody.request('GET', VIEWS)).statusCode).toBe(403);
      expect((await nobody.request('POST', EXPORTS, { model: 'customQuery', query: { sql }, format: 'csv' })).statusCode).toBe(
        403,
      );
      const viewer = await client(attacker, 'r22b-reader', ['reports.view']);
      expect((await viewer.request('POST', RUNS, { model: 'customQuery', query: { sql } })).statusCode).toBe(200);
      expect((await viewer.request('GET', VIEWS)).statusCode).toBe(200);
      const exported = await viewer.request('POST', EXPORTS, { model: 'customQuery', query: { sql }, format: 'csv' });
      expect(exported.statusCode).toBe(403);
    });

    // R22B-19 (fixed): 联系人字段加密 (ADR 0024) reaches 自定义查询. contact_view carries every field in
    // clear, so while the tenant masks any, a staff member without contacts.unmasked is refused (403) —
    // runs and exports alike, before the per-tenant cache — and one holding it reads the field.
    it('R22B-19: a masked field (mobile) is not read in clear by a custom query of a staff member without contacts.unmasked', async () => {
      const mobile = '13912345678';
      const sent = await attacker.collect('batch', {
        batch: [{ type: 'identify', userId: 'masked-1', traits: { name: 'masked-1', mobilePhone: mobile } }],
      });
      expect(sent.statusCode, JSON.stringify(sent.body)).toBe(200);
      await attacker.drain();
      const masked = await attacker.staff.request('PUT', '/api/v1/contact-field-masks/mobilePhone', { masked: true });
      expect(masked.statusCode, JSON.stringify(masked.body)).toBe(200);
      const reader = await client(attacker, 'r22b-masked', ['reports.view', 'reports.edit', 'contacts.view']);
      const sql = "SELECT name, mobile FROM contact_view WHERE name = 'masked-1'";
      const run = await reader.request('POST', RUNS, { model: 'customQuery', query: { sql } });
      expect(run.statusCode, JSON.stringify(run.body)).toBe(403);
      expect(run.body.code).toBe('report_custom_query_unmasked_required');
      expect(JSON.stringify(run.body)).not.toContain(mobile);
      const exported = await reader.request('POST', EXPORTS, { model: 'customQuery', query: { sql }, format: 'csv' });
      expect(exported.statusCode).toBe(403);
      expect(String(exported.body)).not.toContain(mobile);
      // With 联系人不脱敏 the same query reads it.
      const clear = await client(attacker, 'r22b-unmasked', [
        'reports.view',
        'reports.edit',
        'contacts.view',
        'contacts.unmasked',
      ]);
      const seen = await clear.request('POST', RUNS, { model: 'customQuery', query: { sql } });
      expect(seen.statusCode, JSON.stringify(seen.body)).toBe(200);
      expect(JSON.stringify(seen.body)).toContain(mobile);
    });
  },
  { plugins: firstPartyPlugins },
);
