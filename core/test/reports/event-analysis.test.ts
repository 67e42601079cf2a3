import { expect, it } from 'vitest';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { EXPORTS, addDays, purchaseMetric, reportsTenant, seriesOf } from './support.js';

const between = (from: string, to: string) => ({ kind: 'between', from, to });

describeEngines(
  'reports: event analysis (seed §1.7.2, §3; SPEC §6)',
  (ctx) => {
    it('computes every metric by day in the tenant’s zone: count, users, per user, distinct, sum, avg, max, min', async () => {
      const t = await reportsTenant(ctx.app);
      const body = await t.result({
        metrics: [
          purchaseMetric('A', 'count'),
          purchaseMetric('B', 'users'),
          purchaseMetric('C', 'perUser'),
          purchaseMetric('D', 'distinct', { property: 'sku' }),
          purchaseMetric('E', 'sum', { property: 'amount' }),
          purchaseMetric('F', 'avg', { property: 'amount' }),
          purchaseMetric('G', 'max', { property: 'amount' }),
          purchaseMetric('H', 'min', { property: 'amount' }),
        ],
        timeRange: between(t.D, addDays(t.D, 7)),
        granularity: 'day',
        chart: 'table',
      });
      expect(body.buckets).toEqual(Array.from({ length: 8 }, (_, i) => addDays(t.D, i)));
      expect([body.from, body.to]).toEqual([t.D, addDays(t.D, 7)]);
      const at = (metric: string) => seriesOf(body, metric);
      // D: u-1 twice (the 23:30 one is D in Shanghai, D in UTC too); D+1: u-2 at 00:10 (D in UTC); D+7: u-3.
      expect(at('A').values).toEqual([2, 1, 0, 0, 0, 0, 0, 1]);
      expect(at('A').total).toBe(4);
      expect(at('B').values).toEqual([1, 1, 0, 0, 0, 0, 0, 1]);
      expect(at('B').total).toBe(3); // distinct over the range, not the sum of the days
      expect(at('C').values).toEqual([2, 1, null, null, null, null, null, 1]);
      expect(at('C').total).toBeCloseTo(4 / 3, 10);
      expect(at('D').values).toEqual([2, 1, 0, 0, 0, 0, 0, 1]);
      expect(at('D').total).toBe(3); // skus a, b, c
      expect(at('E').values).toEqual([150, 20, 0, 0, 0, 0, 0, 30]);
      expect(at('E').total).toBe(200);
      expect(at('F').values).toEqual([75, 20, null, null, null, null, null, 30]);
      expect(at('F').total).toBe(50);
      expect(at('G').total).toBe(100);
      expect(at('H').total).toBe(20);
      expect(body.metrics.map((m) => m.name)).toEqual([
        '购买的总次数',
        '购买的触发用户数',
        '购买的人均次数',
        '购买的去重数',
        '购买的总和',
        '购买的均值',
        '购买的最大值',
        '购买的最小值',
      ]);
    });

    it('buckets hours, natural weeks (Mon–Sun) and months in the tenant’s zone, and totals', async () => {
      const t = await reportsTenant(ctx.app);
      const query = (granularity: string) => ({
        metrics: [purchaseMetric('A', 'count')],
        timeRange: between(t.D, addDays(t.D, 7)),
        granularity,
        chart: granularity === 'total' ? 'number' : 'line',
      });
      const week = await t.result(query('week'));
      // D is a Sunday: its week starts 6 days before; D+1 (Monday) .. D+7 (Sunday) is the next.
      expect(week.buckets).toEqual([addDays(t.D, -6), addDays(t.D, 1)]);
      expect(seriesOf(week, 'A').values).toEqual([2, 2]);

      const hour = await t.result({ ...query('hour'), timeRange: between(t.D, addDays(t.D, 1)) });
      expect(hour.buckets).toHaveLength(48);
      const byHour = Object.fromEntries(hour.buckets.map((b, i) => [b, seriesOf(hour, 'A').values[i]]));
      expect(byHour[`${t.D} 10:00`]).toBe(1);
      expect(byHour[`${t.D} 23:00`]).toBe(1);
      expect(byHour[`${addDays(t.D, 1)} 00:00`]).toBe(1);
      expect(hour.buckets.reduce((sum, _b, i) => sum + (seriesOf(hour, 'A').values[i] ?? 0), 0)).toBe(3);

      const month = await t.result(query('month'));
      const months = [...new Set([t.D, addDays(t.D, 7)].map((d) => `${d.slice(0, 7)}-01`))];
      expect(month.buckets).toEqual(months);
      expect(seriesOf(month, 'A').total).toBe(4);

      const total = await t.result(query('total'));
      expect(total.buckets).toEqual(['合计']);
      expect(seriesOf(total, 'A').values).toEqual([4]);
    });

    it('formulas over metrics: A − B, parentheses, ÷ 0 gives no value', async () => {
      const t = await reportsTenant(ctx.app);
      const body = await t.result({
        metrics: [
          purchaseMetric('A', 'count'),
          { id: 'B', kind: 'event', event: 'refund', aggregate: 'count' },
          { id: 'C', kind: 'formula', formula: 'A - B', name: '净购买' },
          { id: 'D', kind: 'formula', formula: '(A + B) * 2 / B', name: '比' },
          { id: 'E', kind: 'formula', formula: 'B / A', name: '退款率', format: 'percent' },
        ],
        timeRange: between(t.D, addDays(t.D, 1)),
        granularity: 'day',
        chart: 'table',
      });
      expect(seriesOf(body, 'B').values).toEqual([0, 1]);
      expect(seriesOf(body, 'C').values).toEqual([2, 0]);
      expect(seriesOf(body, 'C').total).toBe(2);
      expect(seriesOf(body, 'D').values).toEqual([null, 4]); // ÷ 0 on D
      expect(seriesOf(body, 'E').values).toEqual([0, 1]);
      expect(body.metrics.find((m) => m.id === 'E')!.format).toBe('percent');

      const bad = await t.run({
        metrics: [purchaseMetric('A', 'count'), { id: 'B', kind: 'formula', formula: 'A - Z', name: 'x' }],
        timeRange: between(t.D, t.D),
        granularity: 'day',
        chart: 'table',
      });
      expect([bad.statusCode, bad.body.code]).toEqual([400, 'report_query_invalid']);
      expect(bad.body.details).toEqual([
        { path: 'metrics.1.formula', code: 'report_formula_unknown_metric', message: expect.any(String) },
      ]);
      const syntax = await t.run({
        metrics: [purchaseMetric('A', 'count'), { id: 'B', kind: 'formula', formula: 'A + (', name: 'x' }],
        timeRange: between(t.D, t.D),
        granularity: 'day',
        chart: 'table',
      });
      expect(syntax.body.details[0]).toMatchObject({ path: 'metrics.1.formula', code: 'report_formula_invalid' });
    });

    it('dimensions: contact property, event property by ranges, several = Cartesian product, ranked by the first metric', async () => {
      const t = await reportsTenant(ctx.app);
      const byCity = await t.result({
        metrics: [purchaseMetric('A', 'count'), purchaseMetric('B', 'users')],
        dimensions: [{ kind: 'contactProperty', property: 'city' }],
        timeRange: between(t.D, addDays(t.D, 7)),
        granularity: 'total',
        chart: 'table',
      });
      expect(byCity.series.filter((s) => s.metric === 'A').map((s) => [s.dimensions[0], s.total])).toEqual([
        ['上海', 3],
        ['北京', 1],
      ]);
      expect(seriesOf(byCity, 'B', ['上海']).total).toBe(2);
      expect(byCity.groupCount).toBe(2);
      expect(byCity.truncated).toBe(false);

      const byAmount = await t.result({
        metrics: [purchaseMetric('A', 'count')],
        dimensions: [{ kind: 'eventProperty', property: 'amount', ranges: [30, 100] }],
        timeRange: between(t.D, addDays(t.D, 7)),
        granularity: 'total',
        chart: 'pie',
      });
      expect(Object.fromEntries(byAmount.series.map((s) => [s.dimensions[0], s.total]))).toEqual({
        '<30': 1,
        '[30,100)': 2,
        '≥100': 1,
      });

      const product = await t.result({
        metrics: [purchaseMetric('A', 'count')],
        dimensions: [
          { kind: 'contactProperty', property: 'city' },
          { kind: 'eventProperty', property: 'sku' },
        ],
        timeRange: between(t.D, addDays(t.D, 7)),
        granularity: 'day',
        chart: 'table',
      });
      expect(product.series.map((s) => [...s.dimensions, s.total])).toEqual([
        ['上海', 'a', 1],
        ['上海', 'b', 1],
        ['上海', 'c', 1],
        ['北京', 'a', 1],
      ]);
      expect(seriesOf(product, 'A', ['上海', 'c']).values[7]).toBe(1);
    });

    it('filters: common event filters, user conditions; groups compared side by side; the previous period', async () => {
      const t = await reportsTenant(ctx.app);
      const base = {
        metrics: [purchaseMetric('A', 'count')],
        timeRange: between(t.D, addDays(t.D, 7)),
        granularity: 'total',
        chart: 'number',
      };
      const big = await t.result({ ...base, filters: { events: [{ property: 'amount', operator: 'gt', values: [25] }] } });
      expect(seriesOf(big, 'A').total).toBe(3);
      const beijing = await t.result({
        ...base,
        filters: {
          contacts: { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'eq', values: ['北京'] }] },
        },
      });
      expect(seriesOf(beijing, 'A').total).toBe(1);
      const metricFilter = await t.result({
        ...base,
        metrics: [purchaseMetric('A', 'count', { filters: [{ property: 'sku', operator: 'eq', values: ['a'] }] })],
      });
      expect(seriesOf(metricFilter, 'A').total).toBe(2);

      // A static group holding 张三 only, compared with a temporary group of 上海.
      const group = await t.staff.request('POST', '/api/v1/console/groups/static', { name: '只有张三' });
      expect(group.statusCode).toBe(201);
      const u1 = (await t.staff.request('POST', '/api/v1/console/contacts/search', { keyword: '张三' })).body.items[0].id;
      const added = await t.staff.request('POST', `/api/v1/console/groups/${group.body.id}/members`, { contactIds: [u1] });
      expect(added.statusCode, JSON.stringify(added.body)).toBeLessThan(300);
      while ((await ctx.app.jobs.worker.poll()) > 0);
      const temporary = await t.staff.request('POST', '/api/v1/console/temporary-groups', {
        name: '上海',
        condition: { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'eq', values: ['上海'] }] },
      });
      expect(temporary.statusCode, JSON.stringify(temporary.body)).toBe(201);
      const compared = await t.result({
        ...base,
        chart: 'table',
        groups: [
          { type: 'group', groupId: group.body.id },
          { type: 'temporary', temporaryGroupId: temporary.body.id },
        ],
      });
      expect(compared.groups.map((g) => g.name)).toEqual(['只有张三', '上海']);
      expect(compared.series.map((s) => [s.group, s.total])).toEqual([
        [0, 2],
        [1, 3],
      ]);

      // 对比上一周期: D+1..D+7 against D−6..D.
      const previous = await t.result({
        ...base,
        timeRange: between(addDays(t.D, 1), addDays(t.D, 7)),
        granularity: 'day',
        chart: 'line',
        compare: true,
      });
      expect(seriesOf(previous, 'A').values).toEqual([1, 0, 0, 0, 0, 0, 1]);
      expect(previous.previous!.buckets).toEqual(Array.from({ length: 7 }, (_, i) => addDays(t.D, i - 6)));
      expect(previous.previous!.series[0]!.values).toEqual([0, 0, 0, 0, 0, 0, 2]);
    });

    it('enforces the chart matrix of §1.7.2.6 and names each problem’s path', async () => {
      const t = await reportsTenant(ctx.app);
      const range = between(t.D, addDays(t.D, 1));
      const pie = await t.run({ metrics: [purchaseMetric('A', 'count')], timeRange: range, granularity: 'day', chart: 'pie' });
      expect(pie.body.details).toEqual([{ path: 'chart', code: 'chart_needs_total', message: '该图表仅支持按总体查看' }]);
      const number = await t.run({
        metrics: [purchaseMetric('A', 'count'), purchaseMetric('B', 'users')],
        timeRange: range,
        granularity: 'total',
        chart: 'number',
      });
      expect(number.body.details[0].code).toBe('chart_too_many_metrics');
      const line = await t.run({
        metrics: [purchaseMetric('A', 'count'), purchaseMetric('B', 'users')],
        dimensions: [{ kind: 'contactProperty', property: 'city' }],
        timeRange: range,
        granularity: 'day',
        chart: 'line',
      });
      expect(line.body.details[0].code).toBe('chart_metrics_and_dimensions');
      // Allowed: a line with several metrics and no dimension; a table with anything.
      expect(
        (
          await t.run({
            metrics: [purchaseMetric('A', 'count'), purchaseMetric('B', 'users')],
            timeRange: range,
            granularity: 'day',
            chart: 'line',
          })
        ).statusCode,
      ).toBe(200);

      const unknown = await t.run({
        metrics: [purchaseMetric('A', 'sum', { property: 'sku' }), { id: 'B', kind: 'event', event: 'nope', aggregate: 'count' }],
        dimensions: [{ kind: 'contactProperty', property: 'shoe_size' }],
        timeRange: range,
        granularity: 'day',
        chart: 'table',
      });
      expect(unknown.statusCode).toBe(400);
      const paths = unknown.body.details.map((d: { path: string; code: string }) => `${d.path} ${d.code}`);
      expect(paths).toEqual(
        expect.arrayContaining([
          'metrics.0.property report_metric_invalid',
          'metrics.1.event condition_event_unknown',
          'dimensions.0.property report_dimension_unknown',
        ]),
      );

      const hours = await t.run({
        metrics: [purchaseMetric('A', 'count')],
        timeRange: between('2025-01-01', '2025-12-31'),
        granularity: 'hour',
        chart: 'line',
      });
      expect([hours.statusCode, hours.body.code]).toEqual([400, 'report_too_many_buckets']);
    });

    it('stacked bar: the stack dimension shows its top 12 and one exact 其他', async () => {
      const t = await reportsTenant(ctx.app);
      // sku-0 … sku-13: sku-i bought by the i + 1 buyers x-0 … x-i on D+2.
      const batch = Array.from({ length: 14 }, (_, i) =>
        Array.from({ length: i + 1 }, (_, j) => ({
          type: 'track',
          userId: `x-${j}`,
          event: 'purchase',
          properties: { amount: 1, sku: `sku-${i}` },
          timestamp: new Date(Date.parse(`${addDays(t.D, 2)}T12:00:00+08:00`)).toISOString(),
        })),
      ).flat();
      expect((await t.collect('batch', { batch })).statusCode).toBe(200);
      await t.drain();
      const body = await t.result({
        metrics: [purchaseMetric('A', 'users')],
        dimensions: [{ kind: 'eventProperty', property: 'sku' }],
        timeRange: between(addDays(t.D, 2), addDays(t.D, 2)),
        granularity: 'total',
        chart: 'stackedBar',
      });
      const shown = body.series.map((s) => s.dimensions[0]);
      expect(shown).toHaveLength(13);
      expect(shown.slice(0, 12)).toEqual(expect.arrayContaining(Array.from({ length: 12 }, (_, i) => `sku-${i + 2}`)));
      expect(seriesOf(body, 'A', ['sku-13']).total).toBe(14);
      // 其他 = sku-0 (x-0) and sku-1 (x-0, x-1): 2 buyers, not 1 + 2.
      expect(seriesOf(body, 'A', ['其他']).total).toBe(2);
    });

    it('caches by question and data: a repeat is cached, new data or 强制刷新 computes afresh; exports CSV and xlsx', async () => {
      const t = await reportsTenant(ctx.app);
      const query = {
        metrics: [purchaseMetric('A', 'count')],
        timeRange: between(t.D, addDays(t.D, 7)),
        granularity: 'total',
        chart: 'number',
      };
      const first = await t.result(query);
      expect(first.cached).toBe(false);
      const second = await t.result(query);
      expect([second.cached, second.computedAt]).toEqual([true, first.computedAt]);
      expect(seriesOf(second, 'A').total).toBe(4);
      const forced = await t.result(query, { force: true });
      expect(forced.cached).toBe(false);
      expect((await t.result(query)).cached).toBe(true);
      // A new event in range: the next run sees it.
      await t.collect('track', {
        userId: 'u-4',
        event: 'purchase',
        properties: { amount: 5 },
        timestamp: new Date(Date.parse(`${addDays(t.D, 3)}T12:00:00+08:00`)).toISOString(),
      });
      await t.drain();
      const after = await t.result(query);
      expect([after.cached, seriesOf(after, 'A').total]).toEqual([false, 5]);

      const csv = await t.staff.request('POST', EXPORTS, {
        model: 'event',
        query: { ...query, dimensions: [{ kind: 'contactProperty', property: 'city' }], chart: 'table' },
        format: 'csv',
        name: '按城市',
      });
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.headers['content-disposition']).toContain(encodeURIComponent('按城市.csv'));
      const lines = String(csv.body)
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\n');
      expect(lines).toEqual(['城市,指标,合计', '上海,购买的总次数,3', '北京,购买的总次数,1', '广州,购买的总次数,1']);
      const xlsx = await t.staff.request('POST', EXPORTS, { model: 'event', query, format: 'xlsx' });
      expect(xlsx.statusCode).toBe(200);
      expect(String(xlsx.body).slice(0, 2)).toBe('PK');
    });

    it('calendar days follow the tenant’s zone: the same events by day in UTC', async () => {
      const t = await reportsTenant(ctx.app, { timeZone: 'UTC' });
      const body = await t.result({
        metrics: [purchaseMetric('A', 'count')],
        timeRange: between(t.D, addDays(t.D, 1)),
        granularity: 'day',
        chart: 'line',
      });
      // 23:30 and 00:10 Shanghai are 15:30 and 16:10 UTC of D: three purchases on D, none on D+1.
      expect(seriesOf(body, 'A').values).toEqual([3, 0]);
    });

    it('tags and virtual events: a tag’s value as a dimension, a virtual event as a metric', async () => {
      const t = await reportsTenant(ctx.app);
      const created = await t.staff.request('POST', '/api/v1/tags', {
        code: 'tag_tier',
        name: '城市等级',
        kind: 'layered',
        updateMode: 'manual',
        rule: {
          layers: [
            {
              value: '一线',
              condition: {
                type: 'and',
                conditions: [{ type: 'property', property: 'city', operator: 'eq', values: ['上海', '北京'] }],
              },
            },
          ],
        },
      });
      expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
      expect((await t.staff.request('POST', `/api/v1/tags/${created.body.id}/compute`)).statusCode).toBe(202);
      while ((await ctx.app.jobs.worker.poll()) > 0);
      const virtual = await t.staff.request('POST', '/api/v1/metadata/virtual-events', {
        name: '买 a 或退款',
        members: [{ event: 'purchase', filters: [{ property: 'sku', operator: 'eq', values: ['a'] }] }, { event: 'refund' }],
      });
      expect(virtual.statusCode, JSON.stringify(virtual.body)).toBe(201);
      const body = await t.result({
        metrics: [
          { id: 'A', kind: 'event', event: virtual.body.key, aggregate: 'count' },
          { id: 'B', kind: 'event', event: virtual.body.key, aggregate: 'users' },
        ],
        dimensions: [{ kind: 'tag', tagId: created.body.id }],
        timeRange: between(t.D, addDays(t.D, 7)),
        granularity: 'total',
        chart: 'table',
      });
      // purchase a by u-1 (上海) and u-2 (北京), refund by u-2: 3 events, 2 users, all 一线.
      expect(body.series.map((s) => [s.metric, s.dimensions[0], s.total])).toEqual([
        ['A', '一线', 3],
        ['B', '一线', 2],
      ]);
      expect(body.dimensions).toEqual([{ key: `tag.${created.body.id}`, name: '城市等级' }]);

      // By day, users of two events by tag and city (counted per contact first, then joined).
      const byDay = await t.result({
        metrics: [
          purchaseMetric('A', 'users'),
          { id: 'B', kind: 'event', event: 'refund', aggregate: 'users' },
          purchaseMetric('C', 'count'),
        ],
        dimensions: [
          { kind: 'tag', tagId: created.body.id },
          { kind: 'contactProperty', property: 'city' },
        ],
        timeRange: between(t.D, addDays(t.D, 1)),
        granularity: 'day',
        chart: 'table',
      });
      const cells = byDay.series.map((s) => [s.metric, ...s.dimensions, ...s.values, s.total]);
      expect(cells).toEqual([
        ['A', '一线', '上海', 1, 0, 1],
        ['B', '一线', '上海', 0, 0, 0],
        ['C', '一线', '上海', 2, 0, 2],
        ['A', '一线', '北京', 0, 1, 1],
        ['B', '一线', '北京', 0, 1, 1],
        ['C', '一线', '北京', 0, 1, 1],
      ]);
    });

    it('shows at most 100 dimension groups with a truncated flag; an export takes up to 4,000', async () => {
      const t = await reportsTenant(ctx.app);
      const batch = Array.from({ length: 101 }, (_, i) => ({
        type: 'track',
        userId: 'u-4',
        event: 'purchase',
        properties: { amount: i, sku: `s${String(i).padStart(3, '0')}` },
        timestamp: new Date(Date.parse(`${addDays(t.D, 2)}T12:00:00+08:00`)).toISOString(),
      }));
      expect((await t.collect('batch', { batch })).statusCode).toBe(200);
      await t.drain();
      const query = {
        metrics: [purchaseMetric('A', 'count')],
        dimensions: [{ kind: 'eventProperty', property: 'sku' }],
        timeRange: between(addDays(t.D, 2), addDays(t.D, 2)),
        granularity: 'day',
        chart: 'table',
      };
      const body = await t.result(query);
      expect([body.groupCount, body.truncated, body.series.length]).toEqual([101, true, 100]);
      const csv = await t.staff.request('POST', EXPORTS, { model: 'event', query, format: 'csv' });
      expect(String(csv.body).trim().split('\n')).toHaveLength(102); // header + 101 groups
    });

    it('refuses another tenant’s group and an unknown model', async () => {
      const a = await reportsTenant(ctx.app);
      const b = await reportsTenant(ctx.app);
      const group = await b.staff.request('POST', '/api/v1/console/groups/static', { name: 'B 的组' });
      const res = await a.run({
        metrics: [purchaseMetric('A', 'count')],
        groups: [{ type: 'group', groupId: group.body.id }],
        timeRange: between(a.D, a.D),
        granularity: 'total',
        chart: 'table',
      });
      expect(res.statusCode).toBe(404);
      const unknown = await a.staff.request('POST', '/api/v1/console/report-runs', { model: 'nope', query: {} });
      expect([unknown.statusCode, unknown.body.code]).toEqual([404, 'report_model_unknown']);
      const models = await a.staff.request('GET', '/api/v1/console/report-models');
      expect(models.body.items).toContainEqual({
        id: 'event',
        name: '事件分析',
        source: 'reports',
        dashboard: true,
        limits: { shown: 100, exported: 4000 },
      });
    });
  },
  { plugins: firstPartyPlugins },
);
