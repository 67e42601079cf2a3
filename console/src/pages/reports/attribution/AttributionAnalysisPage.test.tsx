// @vitest-environment jsdom
import '../../../test-utils/dom';
import type { ConditionCatalogue } from '@huiliu/core/conditions';
import type { AttributionQuery, AttributionReportResult } from '@huiliu/core/reports';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../../api/auth';
import type { DashboardCard } from '../../../api/dashboards';
import type { Session } from '../../../api/types';
import { stubFetch } from '../../../test-utils/fetch';
import { DashboardCardView } from '../../dashboards/DashboardCardView';
import AttributionAnalysisPage from './AttributionAnalysisPage';

// ECharts draws on a canvas jsdom lacks: the chart is a placeholder holding its option.
vi.mock('echarts-for-react/esm/core', () => ({
  default: ({ option }: { option: { yAxis: { data: string[] }; series: { data: number[] }[] } }) => (
    <div data-testid="echarts" data-y={JSON.stringify(option.yAxis.data)} data-x={JSON.stringify(option.series[0]?.data)} />
  ),
}));

const catalogue: ConditionCatalogue = {
  timeZone: 'Asia/Shanghai',
  contactProperties: [{ key: 'city', name: '城市', type: 'string', source: 'system' }],
  events: [
    {
      code: 'pay_order',
      name: '支付订单',
      properties: [
        { key: 'amount', name: '金额', type: 'number', source: 'custom' },
        { key: 'channel', name: '支付方式', type: 'string', source: 'custom' },
      ],
    },
    { code: 'ad_click', name: '广告位点击', properties: [] },
  ],
  groups: [],
  tags: [],
};

/** The seed's direct-conversion example: one A direct, one credited to B (50 % each); without direct, B 100 %. */
function answer(query: AttributionQuery): AttributionReportResult {
  const direct = query.directConversions;
  const sum = query.metric.aggregate === 'sum';
  return {
    kind: 'attribution',
    model: 'attribution',
    timeZone: 'Asia/Shanghai',
    from: '2025-03-01',
    to: '2025-03-07',
    touchFrom: '2025-03-01',
    windowDays: query.windowDays,
    attributionModel: query.attributionModel,
    directConversions: direct,
    metric: sum ? { aggregate: 'sum', name: '支付订单的金额总和' } : { aggregate: 'count', name: '支付订单的次数' },
    target: { name: '支付订单', event: 'pay_order' },
    touches: [{ name: '广告位点击', event: 'ad_click' }],
    groups: [],
    rows: [
      { touch: 0, totalClicks: 3, effectiveClicks: 1, clickRate: 1 / 3, value: sum ? 100 : 1, contribution: direct ? 0.5 : 1 },
      ...(direct
        ? [{ touch: null, totalClicks: null, effectiveClicks: null, clickRate: null, value: sum ? 100 : 1, contribution: 0.5 }]
        : []),
    ],
    totals: [{ conversions: 2, value: sum ? 200 : 2 }],
    groupCount: 2,
    truncated: false,
    computedAt: Date.UTC(2025, 2, 7, 2, 30, 5),
    cached: false,
  };
}

const SLOW = { timeout: 10_000 };

function session(client: QueryClient, permissions: string[]) {
  client.setQueryData(sessionQueryKey, {
    staff: { id: '1', tenantId: '1', name: 'Admin', isSuper: true },
    tenant: { id: '1', name: '租户', timeZone: 'Asia/Shanghai' },
    csrfToken: 'csrf',
    permissions,
    disabledPlugins: [],
  } as unknown as Session);
}

function renderBuilder() {
  const saved: Record<string, unknown> = {};
  const requests = stubFetch((request) => {
    if (request.url === '/api/v1/conditions/catalogue') return { status: 200, body: catalogue };
    if (request.url === '/api/v1/console/reports' && request.method === 'POST') {
      Object.assign(saved, JSON.parse(String(request.body)), {
        id: '9',
        modelName: '归因分析',
        dashboard: true,
        departmentId: null,
        createdBy: '1',
        updatedBy: '1',
        createdAt: 0,
        updatedAt: 0,
      });
      return { status: 201, body: saved };
    }
    if (request.url === '/api/v1/console/reports/9') return { status: 200, body: saved };
    if (request.url.startsWith('/api/v1/console/reports'))
      return { status: 200, body: { items: [], total: 0, page: 1, pageSize: 100 } };
    if (request.url === '/api/v1/console/group-selections')
      return { status: 200, body: { groups: [], exclusiveGroups: [], temporaryGroups: [], temporaryLimit: 3 } };
    if (request.url === '/api/v1/console/report-runs')
      return { status: 200, body: answer((JSON.parse(String(request.body)) as { query: AttributionQuery }).query) };
    return { status: 404, body: { statusCode: 404, code: 'not_found', message: 'not found' } };
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  session(client, ['reports.view', 'reports.edit', 'dashboards.view']);
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={['/analytics/attribution']}>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <Routes>
              <Route path="/analytics/attribution" element={<AttributionAnalysisPage />} />
              <Route path="/analytics/attribution/:reportId" element={<AttributionAnalysisPage />} />
            </Routes>
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  const runs = () =>
    requests
      .filter((r) => r.method === 'POST' && r.url === '/api/v1/console/report-runs')
      .map((r) => (JSON.parse(String(r.body)) as { model: string; query: AttributionQuery }).query);
  return { requests, runs, user: userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never }) };
}

afterEach(() => vi.unstubAllGlobals());

describe('归因分析 builder', () => {
  it('asks with the first event as target and the second as touch, 当天, last touch; shows the table and the contribution chart', async () => {
    const { runs } = renderBuilder();
    const table = await screen.findByTestId('attribution-table', {}, SLOW);
    expect(runs()[0]).toEqual({
      target: { event: 'pay_order' },
      touches: [{ event: 'ad_click' }],
      windowDays: 0,
      attributionModel: 'last',
      directConversions: true,
      metric: { aggregate: 'count' },
      filters: {},
      groups: [],
      timeRange: { kind: 'past', days: 7, includeToday: true },
    });
    const rows = within(table).getAllByRole('row');
    // Header, 广告位点击 (3 clicks, 1 effective, 33.33 %, 1, 50 %), 直接转化 (-, -, -, 1, 50 %).
    expect(rows.map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent))).toEqual([
      ['待归因事件', '总点击数', '有效转化点击数', '有效转化点击率', '目标转化事件总次数', '贡献度'],
      ['广告位点击', '3', '1', '33.33%', '1', '50%'],
      ['直接转化', '-', '-', '-', '1', '50%'],
    ]);
    const chart = screen.getByTestId('echarts');
    expect(JSON.parse(chart.dataset.y!)).toEqual(['广告位点击', '直接转化']);
    expect(JSON.parse(chart.dataset.x!)).toEqual([50, 50]);
    expect(screen.getByTestId('report-computed-at').textContent).toBe('最后计算于 2025-03-07 10:30:05');
  });

  it('window 2 days, linear, without direct conversions, the sum of 金额; saved under its own path', async () => {
    const { runs, requests, user } = renderBuilder();
    await screen.findByTestId('attribution-table', {}, SLOW);
    await user.click(screen.getByTestId('attribution-window-custom'));
    const days =
      screen.getByTestId('attribution-window-days').querySelector('input') ?? screen.getByTestId('attribution-window-days');
    await user.tripleClick(days);
    await user.keyboard('2');
    await user.click(screen.getByTestId('attribution-model-linear'));
    await user.click(screen.getByTestId('attribution-direct'));
    await user.click(screen.getByTestId('attribution-metric-sum'));
    await waitFor(
      () =>
        expect(runs().at(-1)).toMatchObject({
          windowDays: 2,
          attributionModel: 'linear',
          directConversions: false,
          metric: { aggregate: 'sum', property: 'amount' },
        }),
      SLOW,
    );
    await waitFor(() => expect(screen.queryByText('直接转化', { selector: 'td' })).toBeNull(), SLOW);
    expect(within(screen.getByTestId('attribution-table')).getAllByText('支付订单的金额总和').length).toBeGreaterThan(0);
    await user.click(screen.getByTestId('report-save'));
    await user.type(await screen.findByTestId('report-name-input'), '广告归因');
    await user.click(screen.getByTestId('report-name-ok'));
    await waitFor(
      () => expect(requests.some((r) => r.method === 'POST' && r.url === '/api/v1/console/reports')).toBe(true),
      SLOW,
    );
    const created = JSON.parse(String(requests.find((r) => r.url === '/api/v1/console/reports' && r.method === 'POST')!.body));
    expect(created).toMatchObject({
      model: 'attribution',
      name: '广告归因',
      query: { windowDays: 2, attributionModel: 'linear' },
    });
    await waitFor(() => expect(screen.getAllByText('广告归因').length).toBeGreaterThan(0), SLOW);
  });
});

describe('归因分析 on a dashboard', () => {
  it('a card of an attribution report shows its table and links to the builder', async () => {
    stubFetch((request) =>
      request.url === '/api/v1/console/dashboards/7/cards/3/run'
        ? {
            status: 200,
            body: answer({
              target: { event: 'pay_order' },
              touches: [{ event: 'ad_click' }],
              windowDays: 1,
              attributionModel: 'first',
              directConversions: true,
              metric: { aggregate: 'count' },
              timeRange: { kind: 'past', days: 7, includeToday: true },
            }),
          }
        : { status: 404, body: { statusCode: 404, code: 'not_found', message: 'not found' } },
    );
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    session(client, ['dashboards.view']);
    const card: DashboardCard = {
      id: '3',
      reportId: '5',
      size: 'M',
      position: 0,
      status: 'ok',
      report: { id: '5', name: '广告归因', model: 'attribution', modelName: '归因分析', query: {}, timeRange: true },
    };
    render(
      <QueryClientProvider client={client}>
        <MemoryRouter>
          <ConfigProvider theme={{ token: { motion: false } }}>
            <App>
              <DashboardCardView
                dashboardId="7"
                card={card}
                timeRange={undefined}
                forceToken={0}
                canEdit={false}
                onChartReady={() => undefined}
                onRemove={() => undefined}
                onResize={() => undefined}
              />
            </App>
          </ConfigProvider>
        </MemoryRouter>
      </QueryClientProvider>,
    );
    const table = await screen.findByTestId('dashboard-card-3-attribution', {}, SLOW);
    expect(within(table).getByText('广告位点击')).toBeTruthy();
    expect(within(table).getByText('33.33%')).toBeTruthy();
    expect(screen.getByRole('link', { name: '广告归因' }).getAttribute('href')).toBe('/analytics/attribution/5');
  });
});
