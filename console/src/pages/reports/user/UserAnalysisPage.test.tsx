// @vitest-environment jsdom
import '../../../test-utils/dom';
import type { ConditionCatalogue } from '@huiliu/core/conditions';
import type { UserAnalysisQuery, UserAnalysisReportResult } from '@huiliu/core/reports';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../../api/auth';
import type { Session } from '../../../api/types';
import { stubFetch } from '../../../test-utils/fetch';
import { UserAnalysisPies } from './UserAnalysisChart';
import UserAnalysisPage from './UserAnalysisPage';

// ECharts draws on a canvas jsdom lacks: the chart is a placeholder holding its option.
vi.mock('echarts-for-react/esm/core', () => ({
  default: ({ option }: { option: { series: { type: string; data: unknown[] }[] } }) => (
    <div data-testid="echarts" data-series={JSON.stringify(option.series.map((s) => [s.type, s.data]))} />
  ),
}));

// No event at all: 用户分析 reads contacts, so the builder opens anyway.
const catalogue: ConditionCatalogue = {
  timeZone: 'Asia/Shanghai',
  contactProperties: [
    { key: 'city', name: '城市', type: 'string', source: 'system' },
    { key: 'province', name: '省份', type: 'string', source: 'system' },
    { key: 'attr1', name: '积分', type: 'number', source: 'custom' },
  ],
  events: [],
  groups: [],
  tags: [],
};

/** 上海 2, 北京 1 of 4 contacts (one without a city); with 聚合分组, 一线城市 3. */
function answer(query: UserAnalysisQuery): UserAnalysisReportResult {
  const byCity = query.dimensions?.length === 1;
  const aggregated = (query.aggregateGroups ?? []).length > 0;
  return {
    kind: 'userAnalysis',
    model: 'user',
    timeZone: 'Asia/Shanghai',
    metrics: query.metrics.map((m) => ({ name: m.aggregate === 'users' ? '用户数' : '积分的总和', aggregate: m.aggregate })),
    dimensions: byCity ? [{ key: 'contact.city', name: '城市' }] : [],
    groups: [],
    totals: [{ users: 4, values: query.metrics.map(() => 4) }],
    rows: !byCity
      ? []
      : aggregated
        ? [
            { dimensions: ['一线城市'], aggregate: true, values: [3] },
            { dimensions: [null], values: [1] },
          ]
        : [
            { dimensions: ['上海'], values: [2] },
            { dimensions: ['北京'], values: [1] },
            { dimensions: [null], values: [1] },
          ],
    groupCount: byCity ? 3 : 0,
    truncated: false,
    computedAt: Date.UTC(2025, 2, 7, 2, 30, 5),
    cached: false,
  };
}

const SLOW = { timeout: 10_000 };

function renderBuilder() {
  const requests = stubFetch((request) => {
    if (request.url === '/api/v1/conditions/catalogue') return { status: 200, body: catalogue };
    if (request.url.startsWith('/api/v1/console/reports'))
      return { status: 200, body: { items: [], total: 0, page: 1, pageSize: 100 } };
    if (request.url === '/api/v1/console/group-selections')
      return { status: 200, body: { groups: [], exclusiveGroups: [], temporaryGroups: [], temporaryLimit: 3 } };
    if (request.url === '/api/v1/console/report-runs')
      return { status: 200, body: answer((JSON.parse(String(request.body)) as { query: UserAnalysisQuery }).query) };
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
      <MemoryRouter initialEntries={['/analytics/user']}>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <Routes>
              <Route path="/analytics/user" element={<UserAnalysisPage />} />
              <Route path="/analytics/user/:reportId" element={<UserAnalysisPage />} />
            </Routes>
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  const runs = () =>
    requests
      .filter((r) => r.method === 'POST' && r.url === '/api/v1/console/report-runs')
      .map((r) => (JSON.parse(String(r.body)) as { model: string; query: UserAnalysisQuery }).query);
  return { requests, runs, user: userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never }) };
}

afterEach(() => vi.unstubAllGlobals());

describe('用户分析 builder', () => {
  it('opens without any event and asks for every contact’s count; 聚合分组 waits for a place dimension', async () => {
    const { runs } = renderBuilder();
    const table = await screen.findByTestId('user-analysis-table', {}, SLOW);
    expect(runs()[0]).toEqual({
      metrics: [{ aggregate: 'users' }],
      dimensions: [],
      filters: {},
      groups: [],
      aggregateGroups: [],
    });
    expect(within(table).getByText('总体')).toBeTruthy();
    // No dimension: no pie to draw, the bars show 总体.
    expect(JSON.parse(screen.getByTestId('echarts').dataset.series!)).toEqual([['bar', [4]]]);
    expect(screen.getByTestId('user-aggregate-disabled').textContent).toContain('国家、省份或城市');
    expect(screen.getByTestId('report-computed-at').textContent).toBe('最后计算于 2025-03-07 10:30:05');
  });

  it('a city dimension draws a pie with shares; an aggregate group replaces its values', async () => {
    const { runs, user } = renderBuilder();
    await screen.findByTestId('user-analysis-table', {}, SLOW);
    await user.click(screen.getByTestId('report-add-dimension'));
    await waitFor(() => expect(runs().at(-1)?.dimensions).toEqual([{ kind: 'contactProperty', property: 'city' }]), SLOW);
    const pie = await screen.findByTestId('user-analysis-pies-0-chart', {}, SLOW);
    expect(JSON.parse(within(pie).getByTestId('echarts').dataset.series!)).toEqual([
      [
        'pie',
        [
          { name: '上海', value: 2 },
          { name: '北京', value: 1 },
          { name: '未知', value: 1 },
        ],
      ],
    ]);
    // 2 of 4: 50 %.
    await waitFor(() => expect(within(screen.getByTestId('user-analysis-table')).getByText('50%')).toBeTruthy(), SLOW);

    await user.click(screen.getByTestId('user-add-aggregate'));
    await user.type(screen.getByTestId('user-aggregate-0-name'), '一线城市');
    const values = within(screen.getByTestId('user-aggregate-0-values')).getByRole('combobox');
    await user.type(values, '上海{enter}北京{enter}');
    await waitFor(() => expect(runs().at(-1)?.aggregateGroups).toEqual([{ name: '一线城市', values: ['上海', '北京'] }]), SLOW);
    await waitFor(() => expect(screen.getByText('聚合')).toBeTruthy(), SLOW);
  });

  it('an empty group shows an empty pie with 无数据 beside the others', () => {
    const result = answer({ metrics: [{ aggregate: 'users' }], dimensions: [{ kind: 'contactProperty', property: 'city' }] });
    render(
      <UserAnalysisPies
        result={{
          ...result,
          groups: [{ name: '上海人' }, { name: '火星' }],
          totals: [
            { group: 0, users: 2, values: [2] },
            { group: 1, users: 0, values: [0] },
          ],
          rows: [{ group: 0, dimensions: ['上海'], values: [2] }],
        }}
        testId="pies"
      />,
    );
    expect(screen.getByTestId('pies-0-chart')).toBeTruthy();
    expect(screen.getByTestId('pies-1-empty').textContent).toContain('无数据');
  });
});
