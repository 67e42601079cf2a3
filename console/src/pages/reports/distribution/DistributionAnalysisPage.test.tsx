// @vitest-environment jsdom
import '../../../test-utils/dom';
import type { ConditionCatalogue } from '@huiliu/core/conditions';
import type { DistributionQuery, DistributionReportResult } from '@huiliu/core/reports';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../../api/auth';
import type { Session } from '../../../api/types';
import { stubFetch } from '../../../test-utils/fetch';
import DistributionAnalysisPage from './DistributionAnalysisPage';

// ECharts draws on a canvas jsdom lacks: the chart is a placeholder holding its option.
vi.mock('echarts-for-react/esm/core', () => ({
  default: ({ option }: { option: { series: { name: string; data: number[] }[] } }) => (
    <div data-testid="echarts" data-series={JSON.stringify(option.series.map((s) => [s.name, s.data]))} />
  ),
}));

const catalogue: ConditionCatalogue = {
  timeZone: 'Asia/Shanghai',
  contactProperties: [{ key: 'city', name: '城市', type: 'string', source: 'system' }],
  events: [{ code: 'purchase', name: '购买', properties: [{ key: 'amount', name: '金额', type: 'number', source: 'custom' }] }],
  groups: [],
  tags: [],
};

function answer(query: DistributionQuery): DistributionReportResult {
  const custom = query.intervals.mode === 'custom';
  return {
    kind: 'distribution',
    model: 'distribution',
    timeZone: 'Asia/Shanghai',
    from: '2025-03-01',
    to: '2025-03-07',
    metric: { name: '购买的次数', aggregate: query.metric.aggregate },
    intervals: custom
      ? [
          { label: '<1000', from: null, to: 1000 },
          { label: '[1000,2000)', from: 1000, to: 2000 },
          { label: '≥2000', from: 2000, to: null },
        ]
      : [
          { label: '1', from: 1, to: 2 },
          { label: '2', from: 2, to: 3 },
        ],
    groups: [],
    series: [{ users: custom ? [1, 2, 1] : [2, 1], total: custom ? 4 : 3 }],
    groupCount: 1,
    truncated: false,
    computedAt: Date.UTC(2025, 2, 7, 2, 30, 5),
    cached: false,
  };
}

const SLOW = { timeout: 10_000 };

function renderBuilder() {
  const saved: Record<string, unknown> = {};
  const requests = stubFetch((request) => {
    if (request.url === '/api/v1/conditions/catalogue') return { status: 200, body: catalogue };
    if (request.url === '/api/v1/console/reports' && request.method === 'POST') {
      Object.assign(saved, JSON.parse(String(request.body)), {
        id: '9',
        modelName: '分布分析',
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
      return { status: 200, body: answer((JSON.parse(String(request.body)) as { query: DistributionQuery }).query) };
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
      <MemoryRouter initialEntries={['/analytics/distribution']}>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <Routes>
              <Route path="/analytics/distribution" element={<DistributionAnalysisPage />} />
              <Route path="/analytics/distribution/:reportId" element={<DistributionAnalysisPage />} />
            </Routes>
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  const runs = () =>
    requests
      .filter((r) => r.method === 'POST' && r.url === '/api/v1/console/report-runs')
      .map((r) => (JSON.parse(String(r.body)) as { model: string; query: DistributionQuery }).query);
  return { requests, runs, user: userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never }) };
}

afterEach(() => vi.unstubAllGlobals());

describe('分布分析 builder', () => {
  it('asks for the users per default interval of the first event’s count, and shows chart and table with shares', async () => {
    const { runs } = renderBuilder();
    const table = await screen.findByTestId('distribution-table', {}, SLOW);
    expect(runs()[0]).toEqual({
      metric: { event: 'purchase', aggregate: 'count' },
      intervals: { mode: 'default' },
      filters: {},
      groups: [],
      timeRange: { kind: 'past', days: 7, includeToday: true },
    });
    // 2 of 3 users in 1, 1 of 3 in 2.
    expect(within(table).getByText('66.67%')).toBeTruthy();
    expect(within(table).getByText('33.33%')).toBeTruthy();
    expect(JSON.parse(screen.getByTestId('echarts').dataset.series!)).toEqual([['购买的次数', [2, 1]]]);
    expect(screen.getByTestId('report-computed-at').textContent).toBe('最后计算于 2025-03-07 10:30:05');
  });

  it('custom intervals (boundaries 1000, 2000) and a saved report under its own path', async () => {
    const { runs, requests, user } = renderBuilder();
    await screen.findByTestId('distribution-table', {}, SLOW);
    await user.click(screen.getByTestId('distribution-intervals-custom'));
    await waitFor(() => expect(runs().at(-1)?.intervals).toEqual({ mode: 'custom', boundaries: [1000, 2000] }), SLOW);
    await waitFor(() => expect(screen.getByText('[1000,2000)')).toBeTruthy(), SLOW);
    await user.click(screen.getByTestId('report-save'));
    await user.type(await screen.findByTestId('report-name-input'), '客单分布');
    await user.click(screen.getByTestId('report-name-ok'));
    await waitFor(
      () => expect(requests.some((r) => r.method === 'POST' && r.url === '/api/v1/console/reports')).toBe(true),
      SLOW,
    );
    const created = JSON.parse(String(requests.find((r) => r.url === '/api/v1/console/reports' && r.method === 'POST')!.body));
    expect(created).toMatchObject({
      model: 'distribution',
      name: '客单分布',
      query: { intervals: { mode: 'custom', boundaries: [1000, 2000] } },
    });
    await waitFor(() => expect(screen.getAllByText('客单分布').length).toBeGreaterThan(0), SLOW);
  });
});
