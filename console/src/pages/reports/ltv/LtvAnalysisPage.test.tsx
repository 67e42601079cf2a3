// @vitest-environment jsdom
import '../../../test-utils/dom';
import type { ConditionCatalogue } from '@huiliu/core/conditions';
import type { LtvQuery, LtvReportResult, LtvRow } from '@huiliu/core/reports';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../../api/auth';
import type { Session } from '../../../api/types';
import { appRoutes, pagePermission, type AppRoute } from '../../../routes';
import { stubFetch, type FakeRequest } from '../../../test-utils/fetch';
import { ltvLines, ltvQueryToSend } from './ltv-state';
import LtvAnalysisPage from './LtvAnalysisPage';

// ECharts draws on a canvas jsdom lacks: the chart is a placeholder naming its metric.
vi.mock('../../../components/charts/echarts', () => ({ echarts: {}, CHART_THEME: 'huiliu' }));
vi.mock('echarts-for-react/esm/core', () => ({ default: () => <div data-testid="echarts" /> }));

const catalogue: ConditionCatalogue = {
  timeZone: 'Asia/Shanghai',
  contactProperties: [
    { key: 'city', name: '城市', type: 'string', source: 'system' },
    { key: 'firstSeenAt', name: '首次访问时间', type: 'time', timeType: 'datetime', source: 'system' },
  ],
  events: [
    { code: 'visit', name: '访问网页', properties: [{ key: 'campaign', name: '活动', type: 'string', source: 'custom' }] },
    { code: 'pay_order', name: '支付订单', properties: [{ key: 'amount', name: '总金额', type: 'number', source: 'custom' }] },
  ],
  groups: [],
  tags: [],
};

const _ = null;
const row = (
  dimension: string,
  cohort: string | null,
  initialUsers: number,
  payingUsers: number,
  sum: (number | null)[],
): LtvRow => ({
  dimensions: [dimension],
  cohort,
  initialUsers,
  payingUsers,
  values: {
    sum,
    payingUsers: sum.map((v) => (v === null ? null : 1)),
    arpu: sum.map((v) => (v === null ? null : v / initialUsers)),
    arppu: sum,
    newPayingUsers: sum.map((v, n) => (v === null ? null : n === 0 ? 1 : 0)),
  },
});

/** The seed's worked example (§1.7.11.2.3) as the server answers it. */
function answer(query: LtvQuery): LtvReportResult {
  return {
    kind: 'ltv',
    model: 'ltv',
    timeZone: 'Asia/Shanghai',
    from: '2020-04-01',
    to: '2020-04-02',
    unit: query.unit,
    periods: 7,
    rolling24h: query.rolling24h ?? false,
    metric: query.metric ?? 'sum',
    revenueName: '支付订单的总金额总和',
    dimensions: [{ key: 'event.campaign', name: '活动' }],
    groups: [],
    rows: [
      row('双十一', null, 2, 1, [300, 400, 500, 500, 500, _, _, _]),
      row('双十一', '2020-04-01', 2, 1, [300, 400, 500, 500, 500, _, _, _]),
      row('618', null, 1, 1, [0, 100, 200, 300, 300, _, _, _]),
      row('618', '2020-04-02', 1, 1, [0, 100, 200, 300, _, _, _, _]),
    ],
    groupCount: 2,
    truncated: false,
    computedAt: Date.UTC(2020, 3, 5, 2, 30, 5),
    cached: false,
  };
}

const runs = (requests: FakeRequest[]) =>
  requests
    .filter((r) => r.method === 'POST' && r.url === '/api/v1/console/report-runs')
    .map((r) => (JSON.parse(String(r.body)) as { query: LtvQuery }).query);

function renderBuilder() {
  let created: Record<string, unknown> | undefined;
  const requests = stubFetch((request) => {
    if (request.url === '/api/v1/conditions/catalogue') return { status: 200, body: catalogue };
    if (request.method === 'POST' && request.url === '/api/v1/console/reports') {
      const body = JSON.parse(String(request.body)) as { name: string; query: LtvQuery };
      created = {
        id: '9',
        ...body,
        model: 'ltv',
        modelName: 'LTV分析',
        dashboard: true,
        departmentId: null,
        createdBy: '1',
        updatedBy: '1',
        createdAt: 0,
        updatedAt: 0,
      };
      return { status: 201, body: created };
    }
    if (created && request.url === '/api/v1/console/reports/9') return { status: 200, body: created };
    if (request.url.startsWith('/api/v1/console/reports'))
      return { status: 200, body: { items: [], total: 0, page: 1, pageSize: 100 } };
    if (request.url === '/api/v1/console/group-selections')
      return { status: 200, body: { groups: [], exclusiveGroups: [], temporaryGroups: [], temporaryLimit: 3 } };
    if (request.url === '/api/v1/console/report-runs')
      return { status: 200, body: answer((JSON.parse(String(request.body)) as { query: LtvQuery }).query) };
    return { status: 404, body: { statusCode: 404, code: 'not_found', message: 'not found' } };
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  client.setQueryData(sessionQueryKey, {
    staff: { id: '1', tenantId: '1', name: 'Admin', isSuper: true },
    tenant: { id: '1', name: '租户', timeZone: 'Asia/Shanghai' },
    csrfToken: 'csrf',
    permissions: ['reports.view', 'reports.edit', 'dashboards.view'],
    disabledPlugins: [],
  } as unknown as Session);
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={['/analytics/ltv']}>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <Routes>
              <Route path="/analytics/ltv" element={<LtvAnalysisPage />} />
              <Route path="/analytics/ltv/:reportId" element={<LtvAnalysisPage />} />
            </Routes>
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return { requests, user: userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never }) };
}

/** antd renders slowly in jsdom on a shared machine; the debounce adds 0.4 s. */
const SLOW = { timeout: 10_000 };

afterEach(() => vi.unstubAllGlobals());

describe('LTV分析 builder', () => {
  it('asks for the first event’s users and its revenue over 7 days, and shows the 详情表 of every metric, 总体 first', async () => {
    const { requests, user } = renderBuilder();
    const table = await screen.findByTestId('ltv-table-sum', {}, SLOW);
    expect(runs(requests)[0]).toEqual({
      initial: { kind: 'event', event: 'visit' },
      revenue: { event: 'visit', aggregate: 'count' },
      timeRange: { kind: 'past', days: 7, includeToday: true },
      unit: 'day',
      periods: 7,
      metric: 'sum',
    });
    const rows = within(table).getAllByRole('row');
    // Header: 活动, 初始日期, 初始人数, 付费人数, 第0天 … 第7天.
    expect(rows[0]!.textContent).toBe('活动初始日期初始人数付费人数第0天第1天第2天第3天第4天第5天第6天第7天');
    expect(rows[1]!.textContent).toBe('双十一总体21 50.0%300400500500500');
    expect(rows[4]!.textContent).toBe('6182020-04-0211 100.0%0100200300');
    await user.click(screen.getByTestId('ltv-metric-tab-arpu'));
    const arpu = await screen.findByTestId('ltv-table-arpu', {}, SLOW);
    expect(within(arpu).getAllByRole('row')[1]!.textContent).toBe('双十一总体21 50.0%150200250250250');
    // The tab is the charted metric, kept in the question (a dashboard card draws it).
    await waitFor(() => expect(runs(requests).at(-1)?.metric).toBe('arpu'), SLOW);
    expect(screen.getByTestId('ltv-chart').dataset.metric).toBe('arpu');
  });

  it('sends rolling 24 h (days only) and saves the question as an ltv report, then opens it', async () => {
    const { requests, user } = renderBuilder();
    await screen.findByTestId('ltv-table-sum', {}, SLOW);
    await user.click(screen.getByTestId('ltv-rolling'));
    await waitFor(() => expect(runs(requests).at(-1)?.rolling24h).toBe(true), SLOW);

    await user.click(screen.getByTestId('report-save'));
    const name = (await screen.findByTestId('report-name-input', {}, SLOW)) as HTMLInputElement;
    await user.type(name, '新客 LTV');
    await user.click(screen.getByTestId('report-name-ok'));
    await waitFor(
      () => expect(requests.some((r) => r.method === 'POST' && r.url === '/api/v1/console/reports')).toBe(true),
      SLOW,
    );
    const created = JSON.parse(
      String(requests.find((r) => r.method === 'POST' && r.url === '/api/v1/console/reports')!.body),
    ) as {
      model: string;
      name: string;
      query: LtvQuery;
    };
    expect(created).toMatchObject({ model: 'ltv', name: '新客 LTV', query: { rolling24h: true, unit: 'day' } });
    // The saved report opens at its own address, under its name.
    await waitFor(() => expect(screen.getAllByText('新客 LTV').length).toBeGreaterThan(0), SLOW);
    expect(screen.getByTestId('report-add-to-dashboard')).toBeTruthy();
  });
});

describe('LTV question and chart data', () => {
  const base: LtvQuery = {
    initial: { kind: 'event', event: 'visit' },
    revenue: { event: 'pay_order', aggregate: 'sum', property: 'amount' },
    dimensions: [{ kind: 'eventProperty', property: 'campaign' }],
    groups: [],
    filters: {},
    timeRange: { kind: 'between', from: '2020-04-01', to: '2020-04-02' },
    unit: 'week',
    periods: 4,
    rolling24h: true,
    metric: 'sum',
  };

  it('drops empty parts, rolling 24 h outside days, and dimensions with two groups', () => {
    expect(ltvQueryToSend(base)).toEqual({
      initial: base.initial,
      revenue: base.revenue,
      dimensions: base.dimensions,
      timeRange: base.timeRange,
      unit: 'week',
      periods: 4,
      metric: 'sum',
    });
    const twoGroups = ltvQueryToSend({
      ...base,
      groups: [
        { type: 'group', groupId: '1' },
        { type: 'group', groupId: '2' },
      ],
    });
    expect(twoGroups.dimensions).toBeUndefined();
    expect(twoGroups.groups).toHaveLength(2);
  });

  it('charts one line per 总体 row: the chosen metric over 第0…第N', () => {
    const lines = ltvLines(answer(base), 'sum', { overall: '总体', empty: '(空)' });
    expect(lines.periods).toEqual(['第0周', '第1周', '第2周', '第3周', '第4周', '第5周', '第6周', '第7周']);
    expect(lines.lines).toEqual([
      { name: '双十一', values: [300, 400, 500, 500, 500, null, null, null] },
      { name: '618', values: [0, 100, 200, 300, 300, null, null, null] },
    ]);
  });
});

describe('LTV分析 in the menu', () => {
  it('sits under 报表分析 after 事件分析 and before 所有报表, guarded by reports.view (saved reports too)', () => {
    const analytics = appRoutes.find((route: AppRoute) => route.name === 'menu.analytics')!;
    const names = (analytics.children ?? []).filter((route) => !route.hideInMenu).map((route) => route.name);
    expect(names.indexOf('menu.ltvAnalysis')).toBeGreaterThan(names.indexOf('menu.eventAnalysis'));
    expect(names.indexOf('menu.ltvAnalysis')).toBeLessThan(names.indexOf('menu.allReports'));
    expect(pagePermission('/analytics/ltv')).toBe('reports.view');
    expect(pagePermission('/analytics/ltv/12')).toBe('reports.view');
  });
});
