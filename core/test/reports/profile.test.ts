import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/jobs/scheduler.js';
import {
  chinaProvinces,
  normalizeProvince,
  profileTable,
  provinceMatches,
  type ProfileReportResult,
} from '../../src/modules/reports/profile/profile.types.js';
import { tenantServiceRef } from '../../src/modules/tenancy/tenant.service.js';
import { ingestTenant } from '../ingestion/support.js';
import { staffWith } from '../dashboards/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { EXPORTS, RUNS } from './support.js';

const silent = pino({ level: 'silent' });
const ALL = { type: 'all' };

describe('用户画像: province names (the China map’s 34 divisions)', () => {
  it('lists the 34 provincial-level divisions once each', () => {
    expect(chinaProvinces).toHaveLength(34);
    expect(new Set(chinaProvinces).size).toBe(34);
  });

  it('normalises the forms a province is written in to the map’s name', () => {
    const cases: [string, string][] = [
      ['上海', '上海'],
      ['上海市', '上海'],
      [' 上海市 ', '上海'],
      ['北京市', '北京'],
      ['重庆市', '重庆'],
      ['广西', '广西'],
      ['广西壮族自治区', '广西'],
      ['内蒙古自治区', '内蒙古'],
      ['宁夏回族自治区', '宁夏'],
      ['新疆维吾尔自治区', '新疆'],
      ['西藏自治区', '西藏'],
      ['黑龙江省', '黑龙江'],
      ['广东省', '广东'],
      ['台湾省', '台湾'],
      ['香港特别行政区', '香港'],
      ['中国香港', '香港'],
      ['澳門', '澳门'],
      ['Guangdong', '广东'],
      ['guangdong province', '广东'],
      ['Inner Mongolia', '内蒙古'],
      ['Hong Kong', '香港'],
    ];
    for (const [written, name] of cases) expect(normalizeProvince(written), written).toBe(name);
    // Every map name is its own normal form, with the province / city suffix too.
    for (const name of chinaProvinces) expect(normalizeProvince(name)).toBe(name);
  });

  it('anything else is unknown (未知): 江东, a city, empty, null', () => {
    for (const value of ['江东', '火星', '上海浦东', '广州', '广州市', '中国', '省', '', '   ', null, undefined])
      expect(normalizeProvince(value), String(value)).toBeNull();
  });

  it('the search is a substring of the name, or another form of it (上 finds 上海; 上海市 finds 上海)', () => {
    const hits = (keyword: string) => chinaProvinces.filter((name) => provinceMatches(name, keyword));
    expect(hits('上海')).toEqual(['上海']);
    expect(hits('上')).toEqual(['上海']);
    // 海: 上海, 海南, 青海.
    expect(hits('海')).toEqual(['上海', '海南', '青海']);
    expect(hits('上海市')).toEqual(['上海']);
    expect(hits('江')).toEqual(['黑龙江', '江苏', '浙江', '江西']);
    expect(hits('')).toHaveLength(34);
    expect(provinceMatches('未知', '未')).toBe(true);
    expect(hits('江东')).toEqual([]);
  });
});

interface ProfileBody extends ProfileReportResult {
  kind: 'profile';
}

/**
 * A tenant in Asia/Shanghai (UTC+8) whose contacts were identified (= created) at these instants:
 *
 * | contact | 省份 written     | created (UTC)        | created (Shanghai)       | weekday × hour |
 * |---------|------------------|----------------------|--------------------------|----------------|
 * | p-1     | 上海市           | Sun 2026-11-29 23:30 | Mon 2026-11-30 07:30     | 周一 7         |
 * | p-2     | 上海             | Sun 2026-11-29 23:50 | Mon 2026-11-30 07:50     | 周一 7         |
 * | p-3     | 广西壮族自治区   | Sat 2026-11-28 14:00 | Sat 2026-11-28 22:00     | 周六 22        |
 * | p-4     | 江东             | Sat 2026-11-28 16:15 | Sun 2026-11-29 00:15     | 周日 0         |
 * | p-5     | 北京 (anonymous: no name, so no creation time)                                     |
 * | p-6     | (none)           | Wed 2026-12-02 05:05 | Wed 2026-12-02 13:05     | 周三 13        |
 *
 * All contacts: 6 members; 5 with a creation time. Weekdays 周日 1, 周一 2, 周三 1, 周六 1 of 5 →
 * 20 %, 40 %, 20 %, 20 %; hours 0: 1, 7: 2, 13: 1, 22: 1. Provinces of 6: 上海 2 (33.33 %), 北京 1,
 * 广西 1 (16.67 % each), 未知 2 (江东 and none; 33.33 %), listed last.
 */
describeEngines(
  'reports: 用户画像 (seed §1.7.5; SPEC §6; ADR 0061)',
  (ctx) => {
    let t: Awaited<ReturnType<typeof ingestTenant>>;
    let ids: Record<string, string>;
    const run = (query: Record<string, unknown>, client = t.staff) => client.request('POST', RUNS, { model: 'profile', query });
    const result = async (query: Record<string, unknown>) => {
      const response = await run(query);
      expect(response.statusCode, JSON.stringify(response.body)).toBe(200);
      return response.body as ProfileBody;
    };
    const identify = (userId: string, traits: Record<string, unknown>, timestamp: string) => ({
      type: 'identify',
      userId,
      traits,
      timestamp,
    });
    const runTasks = async () => {
      while ((await ctx.app.jobs.worker.poll()) > 0);
    };

    beforeAll(async () => {
      t = await ingestTenant(ctx.app, { timeZone: 'Asia/Shanghai' });
      const sent = await t.collect('batch', {
        batch: [
          identify('p-1', { name: '赵一', state: '上海市' }, '2026-11-29T23:30:00Z'),
          identify('p-2', { name: '钱二', state: '上海' }, '2026-11-29T23:50:00Z'),
          identify('p-3', { name: '孙三', state: '广西壮族自治区' }, '2026-11-28T14:00:00Z'),
          identify('p-4', { name: '李四', state: '江东' }, '2026-11-28T16:15:00Z'),
          identify('p-5', { state: '北京' }, '2026-12-01T01:00:00Z'),
          identify('p-6', { name: '周六' }, '2026-12-02T05:05:00Z'),
        ],
      });
      expect(sent.statusCode, JSON.stringify(sent.body)).toBe(200);
      await t.drain();
      // Contact ids by name, as OLAP holds them.
      const contacts = await ctx.app.olap.forTenant(t.tenantId).query('SELECT id, name FROM contacts', { rowMode: 'json' });
      ids = Object.fromEntries(contacts.rows.map((row) => [String(row.name), String(row.id)]));
    });

    it('时域分析: weekday × hour of creation in the tenant’s zone (Sun 23:30 UTC is 周一 07:30), shares of the total', async () => {
      const body = await result({ group: ALL, view: 'time' });
      expect(body).toMatchObject({ kind: 'profile', model: 'profile', view: 'time', group: { name: '全部用户' }, members: 6 });
      expect(body.timeZone).toBe('Asia/Shanghai');
      const cells: [number, number, number][] = [];
      body.time.matrix.forEach((hours, day) => hours.forEach((n, hour) => n && cells.push([day, hour, n])));
      expect(cells).toEqual([
        [0, 0, 1],
        [1, 7, 2],
        [3, 13, 1],
        [6, 22, 1],
      ]);
      expect(body.time.total).toBe(5);
      expect(body.time.withoutCreatedTime).toBe(1);
      expect(body.time.weekdays.map((d) => d.count)).toEqual([1, 2, 0, 1, 0, 0, 1]);
      expect(body.time.weekdays.map((d) => d.share)).toEqual([0.2, 0.4, 0, 0.2, 0, 0, 0.2]);
      const hours = body.time.hours.flatMap((h, hour) => (h.count ? [[hour, h.count, h.share]] : []));
      expect(hours).toEqual([
        [0, 1, 0.2],
        [7, 2, 0.4],
        [13, 1, 0.2],
        [22, 1, 0.2],
      ]);
    });

    it('地域分析: provinces normalised to the map’s names, 未知 for 江东 and none, shares of all members', async () => {
      const body = await result({ group: ALL, view: 'region' });
      expect(body.region.total).toBe(6);
      expect(body.region.provinces.map((p) => [p.name, p.count])).toEqual([
        ['上海', 2],
        ['北京', 1],
        ['广西', 1],
        ['未知', 2],
      ]);
      expect(body.region.provinces[0]!.share).toBeCloseTo(2 / 6, 10);
      expect(body.groupCount).toBe(4);
    });

    it('exports the region table as CSV, only the provinces the search keeps; the time table by weekday and hour', async () => {
      const exported = await t.staff.request('POST', EXPORTS, {
        model: 'profile',
        query: { group: ALL, view: 'region', search: '上' },
        format: 'csv',
      });
      expect(exported.statusCode).toBe(200);
      expect(exported.headers['content-type']).toContain('text/csv');
      expect(
        String(exported.body)
          .replace(/^\uFEFF/, '')
          .trim()
          .split(/\r?\n/),
      ).toEqual(['省份,用户数,占比(%)', '上海,2,33.33']);
      const all = await t.staff.request('POST', EXPORTS, {
        model: 'profile',
        query: { group: ALL, view: 'region' },
        format: 'csv',
      });
      expect(
        String(all.body)
          .replace(/^\uFEFF/, '')
          .trim()
          .split(/\r?\n/),
      ).toEqual(['省份,用户数,占比(%)', '上海,2,33.33', '北京,1,16.67', '广西,1,16.67', '未知,2,33.33']);
      const time = await t.staff.request('POST', EXPORTS, {
        model: 'profile',
        query: { group: ALL, view: 'time' },
        format: 'csv',
      });
      const lines = String(time.body)
        .replace(/^\uFEFF/, '')
        .trim()
        .split(/\r?\n/);
      expect(lines[0]).toBe(`星期,${Array.from({ length: 24 }, (_, h) => `${h}点`).join(',')},合计,占比(%)`);
      const row = (label: string) => lines.find((line) => line.startsWith(`${label},`))!.split(',');
      expect(row('周一')).toEqual(['周一', ...Array.from({ length: 24 }, (_, h) => (h === 7 ? '2' : '0')), '2', '40']);
      expect(row('合计').slice(-2)).toEqual(['5', '100']);
      expect(row('占比(%)')[8]).toBe('40');
    });

    it('a static group: only its members; exclusive segments; a temporary group is refused', async () => {
      const group = await t.staff.request('POST', '/api/v1/console/groups/static', { name: '一和三' });
      expect(group.statusCode).toBe(201);
      const added = await t.staff.request('POST', `/api/v1/console/groups/${group.body.id}/members`, {
        contactIds: [ids['赵一'], ids['孙三']],
      });
      expect(added.statusCode, JSON.stringify(added.body)).toBeLessThan(300);
      await runTasks();
      const body = await result({ group: { type: 'group', groupId: group.body.id }, view: 'region' });
      expect(body.group.name).toBe('一和三');
      expect(body.members).toBe(2);
      expect(body.region.provinces.map((p) => [p.name, p.count, p.share])).toEqual([
        // A tie is in pinyin order: 广西 (guangxi) before 上海 (shanghai).
        ['广西', 1, 0.5],
        ['上海', 1, 0.5],
      ]);
      expect(body.time.weekdays.map((d) => d.count)).toEqual([0, 1, 0, 0, 0, 0, 1]);

      // 互斥组 [一和三, 三]: segment 2 = in 三's group and not in 一和三 → nobody.
      const only3 = await t.staff.request('POST', '/api/v1/console/groups/static', { name: '三' });
      await t.staff.request('POST', `/api/v1/console/groups/${only3.body.id}/members`, { contactIds: [ids['孙三']] });
      await runTasks();
      const exclusive = await t.staff.request('POST', '/api/v1/console/exclusive-groups', {
        name: '互斥',
        groupIds: [group.body.id, only3.body.id],
      });
      expect(exclusive.statusCode, JSON.stringify(exclusive.body)).toBe(201);
      const first = await result({ group: { type: 'exclusive', exclusiveGroupId: exclusive.body.id, position: 1 } });
      expect(first.members).toBe(2);
      const second = await result({ group: { type: 'exclusive', exclusiveGroupId: exclusive.body.id, position: 2 } });
      expect([second.members, second.time.total, second.region.provinces]).toEqual([0, 0, []]);
      expect(second.time.weekdays[0]!.share).toBeNull();

      const temporary = await run({ group: { type: 'temporary', temporaryGroupId: '1' } });
      expect([temporary.statusCode, temporary.body.code]).toEqual([400, 'report_query_invalid']);
      const missing = await run({ group: { type: 'group', groupId: '999999999' } });
      expect([missing.statusCode, missing.body.code]).toEqual([404, 'group_not_found']);
      const badView = await run({ group: ALL, view: 'map' });
      expect([badView.statusCode, badView.body.code]).toEqual([400, 'report_query_invalid']);
    });

    it('a daily snapshot: the first view computes and stores it, later views read it (最近更新时间) until 02:00 recomputes it', async () => {
      const s = await ingestTenant(ctx.app, { timeZone: 'Asia/Shanghai' });
      await s.collect('batch', { batch: [identify('q-1', { name: '甲', state: '浙江省' }, '2026-12-01T02:00:00Z')] });
      await s.drain();
      const view = async () => {
        const response = await s.staff.request('POST', RUNS, { model: 'profile', query: { group: ALL, view: 'region' } });
        expect(response.statusCode, JSON.stringify(response.body)).toBe(200);
        return response.body as ProfileBody;
      };
      const first = await view();
      expect([first.cached, first.members, first.updatedAt]).toEqual([false, 1, first.computedAt]);
      const rows = await ctx.app.oltp.forTenant(s.tenantId).from('report_profile');
      expect(rows.map((row: { group_key: string }) => row.group_key)).toEqual(['all']);

      // A new contact: the page keeps showing the snapshot (the seed's daily update).
      await s.collect('batch', { batch: [identify('q-2', { name: '乙', state: '浙江' }, '2026-12-03T02:00:00Z')] });
      await s.drain();
      const second = await view();
      expect([second.cached, second.members, second.updatedAt]).toEqual([true, 1, first.updatedAt]);

      // 02:00 Shanghai = 18:00 UTC the day before; the firing queues one refresh, run by the OLAP worker.
      const entry = ctx.app.jobs.scheduler.entry('reports:profile-daily');
      expect(entry).toBeDefined();
      const scheduler = new Scheduler(ctx.app.service(tenantServiceRef), ctx.app.jobs.queue, [entry!], silent);
      const dueAt = Date.UTC(2026, 11, 9, 18, 0);
      await scheduler.tick(dueAt - 60_000 + 10_000);
      await runTasks();
      expect((await view()).members).toBe(1);
      await scheduler.tick(dueAt + 10_000);
      await runTasks();
      const third = await view();
      expect(third.members).toBe(2);
      expect(third.region.provinces).toEqual([{ name: '浙江', count: 2, share: 1 }]);
      expect(third.updatedAt).toBeGreaterThan(first.updatedAt);
      expect(third.cached).toBe(true);
    });

    it('the daily refresh drops the snapshot of a deleted group', async () => {
      const s = await ingestTenant(ctx.app, { timeZone: 'Asia/Shanghai' });
      const group = await s.staff.request('POST', '/api/v1/console/groups/static', { name: '临时' });
      await runTasks();
      expect(
        (await s.staff.request('POST', RUNS, { model: 'profile', query: { group: { type: 'group', groupId: group.body.id } } }))
          .statusCode,
      ).toBe(200);
      const deleted = await s.staff.request('DELETE', `/api/v1/console/groups/${group.body.id}`);
      expect(deleted.statusCode, JSON.stringify(deleted.body)).toBeLessThan(300);
      const entry = ctx.app.jobs.scheduler.entry('reports:profile-daily');
      const scheduler = new Scheduler(ctx.app.service(tenantServiceRef), ctx.app.jobs.queue, [entry!], silent);
      await scheduler.tick(Date.UTC(2026, 11, 10, 18, 0) + 10_000);
      await runTasks();
      expect(await ctx.app.oltp.forTenant(s.tenantId).from('report_profile')).toEqual([]);
    });

    it('tenant isolation: another tenant’s group is 404 and its snapshot is its own', async () => {
      const other = await ingestTenant(ctx.app, { timeZone: 'Asia/Shanghai' });
      const group = await t.staff.request('POST', '/api/v1/console/groups/static', { name: '别人的' });
      const foreign = await other.staff.request('POST', RUNS, {
        model: 'profile',
        query: { group: { type: 'group', groupId: group.body.id } },
      });
      expect([foreign.statusCode, foreign.body.code]).toEqual([404, 'group_not_found']);
      const own = await other.staff.request('POST', RUNS, { model: 'profile', query: { group: ALL } });
      expect(own.statusCode).toBe(200);
      expect([own.body.members, own.body.region.provinces]).toEqual([0, []]);
    });

    it('permissions: running needs reports.view, exporting reports.edit', async () => {
      const viewer = await staffWith(ctx.app, t.staff, ['reports.view']);
      expect((await run({ group: ALL }, viewer.client)).statusCode).toBe(200);
      const exported = await viewer.client.request('POST', EXPORTS, { model: 'profile', query: { group: ALL }, format: 'csv' });
      expect(exported.statusCode).toBe(403);
      const nobody = await staffWith(ctx.app, t.staff, ['dashboards.view']);
      expect((await run({ group: ALL }, nobody.client)).statusCode).toBe(403);
    });

    it('not on dashboards (seed §1.3.1): the model says so, and adding a saved profile to a dashboard is 400', async () => {
      const models = await t.staff.request('GET', '/api/v1/console/report-models');
      expect(models.body.items.find((m: { id: string }) => m.id === 'profile')).toMatchObject({
        name: '用户画像',
        dashboard: false,
      });
      const saved = await t.staff.request('POST', '/api/v1/console/reports', {
        model: 'profile',
        name: '全部用户画像',
        query: { group: ALL, view: 'region' },
      });
      expect(saved.statusCode, JSON.stringify(saved.body)).toBe(201);
      const board = await t.staff.request('POST', '/api/v1/console/dashboards', { name: '看板' });
      expect(board.statusCode, JSON.stringify(board.body)).toBe(201);
      const refused = await t.staff.request('POST', `/api/v1/console/dashboards/${board.body.id}/cards`, {
        reportId: saved.body.id,
      });
      expect([refused.statusCode, refused.body.code]).toEqual([400, 'report_not_dashboardable']);
      const savedRun = await t.staff.request('POST', `/api/v1/console/reports/${saved.body.id}/run`, {});
      expect(savedRun.statusCode).toBe(200);
      expect(savedRun.body.region.total).toBe(6);
    });

    it('the export table of an empty time profile has no shares', () => {
      const empty = {
        view: 'time',
        time: {
          matrix: Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 0)),
          weekdays: Array.from({ length: 7 }, () => ({ count: 0, share: null })),
          hours: Array.from({ length: 24 }, () => ({ count: 0, share: null })),
          total: 0,
          withoutCreatedTime: 0,
        },
      } as unknown as ProfileReportResult;
      const table = profileTable(empty);
      expect(table.rows).toHaveLength(9);
      expect(table.rows[7]!.slice(-2)).toEqual([0, null]);
    });
  },
  { plugins: firstPartyPlugins },
);
