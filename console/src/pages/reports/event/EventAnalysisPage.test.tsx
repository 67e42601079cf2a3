// @vitest-environment jsdom
import '../../../test-utils/dom';
import type { ConditionCatalogue } from '@huiliu/core/conditions';
import type { EventAnalysisQuery, SeriesReportResult } from '@huiliu/core/reports';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../../api/auth';
import type { Session } from '../../../api/types';
import { stubFetch, type FakeRequest } from '../../../test-utils/fetch';
import EventAnalysisPage from './EventAnalysisPage';

// ECharts draws on a canvas jsdom lacks: the chart is a placeholder naming its type.
vi.mock('../../../components/charts/ReportChart', () => ({
  ReportChart: ({ chart }: { chart: string }) => <div data-testid="report-chart" data-chart={chart} />,
}));

const catalogue: ConditionCatalogue = {
  timeZone: 'Asia/Shanghai',
  contactProperties: [{ key: 'city', name: '城市', type: 'string', source: 'system' }],
  events: [
    { code: 'purchase', name: '购买', properties: [{ key: 'amount', name: '金额', type: 'number', source: 'custom' }] },
    { code: 'refund', name: '退款', properties: [{ key: 'amount', name: '金额', type: 'number', source: 'custom' }] },
  ],
  groups: [],
  tags: [],
};

function answer(query: EventAnalysisQuery, extra: Partial<SeriesReportResult> = {}): SeriesReportResult {
  return {
    kind: 'series',
    model: 'event',
    timeZone: 'Asia/Shanghai',
    granularity: 'total',
    from: '2025-03-01',
    to: '2025-03-07',
    buckets: ['合计'],
    series: query.metrics.map((m, index) => ({ metric: m.id, dimensions: [], values: [1200 + index], total: 1200 + index })),
    metrics: query.metrics.map((m) => ({
      id: m.id,
      name: m.kind === 'formula' ? m.name : `${m.event}的总次数`,
      format: 'number',
    })),
    dimensions: [],
    groups: [],
    groupCount: 1,
    truncated: false,
    computedAt: Date.UTC(2025, 2, 7, 2, 30, 5),
    cached: false,
    ...extra,
  };
}

const runs = (requests: FakeRequest[]) =>
  requests
    .filter((r) => r.method === 'POST' && r.url === '/api/v1/console/report-runs')
    .map((r) => (JSON.parse(String(r.body)) as { query: EventAnalysisQuery }).query);

function renderBuilder(
  reply: (query: EventAnalysisQuery) => { status: number; body: unknown },
  savedReport?: { id: string; name: string; query: EventAnalysisQuery },
) {
  const requests = stubFetch((request) => {
    if (request.url === '/api/v1/conditions/catalogue') return { status: 200, body: catalogue };
    if (savedReport && request.url === `/api/v1/console/reports/${savedReport.id}`) {
      if (request.method === 'PATCH') Object.assign(savedReport, JSON.parse(String(request.body)));
      return {
        status: 200,
        body: {
          ...savedReport,
          model: 'event',
          modelName: '事件分析',
          dashboard: true,
          departmentId: null,
          createdBy: '1',
          updatedBy: '1',
          createdAt: 0,
          updatedAt: 0,
        },
      };
    }
    if (request.url.startsWith('/api/v1/console/reports'))
      return { status: 200, body: { items: [], total: 0, page: 1, pageSize: 100 } };
    if (request.url === '/api/v1/console/group-selections')
      return { status: 200, body: { groups: [], exclusiveGroups: [], temporaryGroups: [], temporaryLimit: 3 } };
    if (request.url === '/api/v1/console/report-runs')
      return reply((JSON.parse(String(request.body)) as { query: EventAnalysisQuery }).query);
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
      <MemoryRouter initialEntries={[savedReport ? `/analytics/event/${savedReport.id}` : '/analytics/event']}>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <Routes>
              <Route path="/analytics/event" element={<EventAnalysisPage />} />
              <Route path="/analytics/event/:reportId" element={<EventAnalysisPage />} />
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

describe('事件分析 builder', () => {
  it('asks for 总次数 of the first event by day, then shows the answer: table, computed time (tenant zone), 缓存, truncated notice', async () => {
    const { requests } = renderBuilder((query) => ({
      status: 200,
      body: answer(query, { cached: true, truncated: true, groupCount: 1234 }),
    }));
    await screen.findByTestId('report-table', {}, SLOW);
    expect(runs(requests)[0]).toEqual({
      metrics: [{ id: 'A', kind: 'event', event: 'purchase', aggregate: 'count' }],
      dimensions: [],
      filters: {},
      groups: [],
      timeRange: { kind: 'past', days: 7, includeToday: true },
      granularity: 'day',
      compare: false,
      chart: 'line',
    });
    expect(screen.getByTestId('report-chart').dataset.chart).toBe('line');
    expect(within(screen.getByTestId('report-table')).getByText('1,200')).toBeTruthy();
    expect(screen.getByTestId('report-computed-at').textContent).toBe('最后计算于 2025-03-07 10:30:05');
    expect(screen.getByTestId('report-computed-at-cached').textContent).toBe('缓存');
    expect(screen.getByTestId('report-truncated').textContent).toContain('共 1,234 个分组，仅显示前 1 个');
  });

  it('disables the charts the §1.7.2.6 matrix refuses, says why, and never sends one', async () => {
    const { requests, user } = renderBuilder((query) => ({ status: 200, body: answer(query) }));
    await screen.findByTestId('report-table', {}, SLOW);
    // By day: 饼图, 数字, 堆叠柱状图 need 合计.
    for (const chart of ['pie', 'number', 'stackedBar']) {
      const button = screen.getByTestId(`report-chart-type-${chart}`) as HTMLButtonElement;
      expect(button.disabled).toBe(true);
      expect(button.dataset.refusal).toBe('chart_needs_total');
    }
    await user.click(screen.getByTestId('report-chart-type-timeBar'));
    await waitFor(() => expect(runs(requests).at(-1)?.chart).toBe('timeBar'), SLOW);
    // A formula makes two metrics: the time bar stays (n × 0 is allowed); a second metric with a
    // dimension would leave only the table.
    await user.click(screen.getByTestId('report-add-formula'));
    await waitFor(() => expect(runs(requests).at(-1)?.metrics).toHaveLength(2), SLOW);
    expect(runs(requests).at(-1)?.chart).toBe('timeBar');
    await user.click(screen.getByTestId('report-add-dimension'));
    await waitFor(() => expect(runs(requests).at(-1)?.dimensions).toHaveLength(1), SLOW);
    expect(runs(requests).at(-1)?.chart).toBe('table');
    expect((screen.getByTestId('report-chart-type-line') as HTMLButtonElement).dataset.refusal).toBe(
      'chart_metrics_and_dimensions',
    );
    const refused = new Set(['pie', 'number', 'stackedBar']);
    expect(runs(requests).filter((query) => query.granularity !== 'total' && refused.has(query.chart))).toEqual([]);
  });

  it('shows the server’s problem on the field its path names (a formula naming a missing metric)', async () => {
    const { user } = renderBuilder((query) => {
      const formula = query.metrics.find((m) => m.kind === 'formula');
      if (formula && formula.kind === 'formula' && formula.formula.includes('Z'))
        return {
          status: 400,
          body: {
            statusCode: 400,
            code: 'report_query_invalid',
            message: '报表条件有 1 处不正确，请检查后重试',
            params: { count: 1 },
            details: [
              { path: 'metrics.1.formula', code: 'report_formula_unknown_metric', message: '公式引用了不存在或排在其后的指标' },
            ],
          },
        };
      return { status: 200, body: answer(query) };
    });
    await screen.findByTestId('report-table', {}, SLOW);
    await user.click(screen.getByTestId('report-add-formula'));
    const formula = screen.getByTestId('report-metric-B-formula') as HTMLInputElement;
    expect(formula.value).toBe('A');
    await user.clear(formula);
    await user.type(formula, 'A - Z');
    const problems = await screen.findByTestId('report-metric-B-problems', {}, SLOW);
    expect(problems.textContent).toBe('公式引用了不存在或排在其后的指标');
    expect(formula.className).toContain('ant-input-status-error');
    expect(screen.getByTestId('report-problems').textContent).toContain('1 处不正确');
    await user.clear(formula);
    await user.type(formula, 'A * 2');
    await waitFor(() => expect(screen.queryByTestId('report-metric-B-problems')).toBeNull(), SLOW);
    await screen.findByTestId('report-table', {}, SLOW);
  });

  it('renames the open saved report from the toolbar: only the name is sent', async () => {
    const query: EventAnalysisQuery = {
      metrics: [{ id: 'A', kind: 'event', event: 'purchase', aggregate: 'count' }],
      dimensions: [],
      filters: {},
      groups: [],
      timeRange: { kind: 'past', days: 7, includeToday: true },
      granularity: 'day',
      compare: false,
      chart: 'line',
    };
    const { requests, user } = renderBuilder((q) => ({ status: 200, body: answer(q) }), { id: '5', name: '购买次数', query });
    await screen.findByTestId('report-table', {}, SLOW);
    await user.click(screen.getByTestId('report-rename'));
    const input = (await screen.findByTestId('report-rename-modal-input')) as HTMLInputElement;
    expect(input.value).toBe('购买次数');
    await user.clear(input);
    await user.type(input, '每日购买次数');
    await user.click(screen.getByTestId('report-rename-modal-ok'));
    await waitFor(() => expect(requests.filter((r) => r.method === 'PATCH')).toHaveLength(1), SLOW);
    const patch = requests.find((r) => r.method === 'PATCH')!;
    expect(patch.url).toBe('/api/v1/console/reports/5');
    expect(JSON.parse(String(patch.body))).toEqual({ name: '每日购买次数' });
    await waitFor(() => expect(screen.queryByTestId('report-rename-modal')).toBeNull(), SLOW);
    await waitFor(() => expect(screen.getAllByText('每日购买次数').length).toBeGreaterThan(0), SLOW);
    // The question was not touched: nothing unsaved, no query sent.
    expect(screen.queryByTestId('report-dirty')).toBeNull();
  });
});
