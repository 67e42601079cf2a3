// @vitest-environment jsdom
import '../../../test-utils/dom';
import type { UserAnalysisReportResult } from '@huiliu/core/reports';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../../api/auth';
import type { DashboardCard } from '../../../api/dashboards';
import type { Session } from '../../../api/types';
import { stubFetch } from '../../../test-utils/fetch';
import { DashboardCardView } from '../../dashboards/DashboardCardView';

vi.mock('echarts-for-react/esm/core', () => ({
  default: ({ option }: { option: { series: { type: string; data: unknown[] }[] } }) => (
    <div data-testid="echarts" data-series={JSON.stringify(option.series.map((s) => [s.type, s.data]))} />
  ),
}));

const result: UserAnalysisReportResult = {
  kind: 'userAnalysis',
  model: 'user',
  timeZone: 'Asia/Shanghai',
  metrics: [{ name: '用户数', aggregate: 'users' }],
  dimensions: [{ key: 'contact.province', name: '省份' }],
  groups: [],
  totals: [{ users: 4, values: [4] }],
  rows: [
    { dimensions: ['上海'], values: [3] },
    { dimensions: [null], values: [1] },
  ],
  groupCount: 2,
  truncated: false,
  computedAt: 0,
  cached: false,
};

afterEach(() => vi.unstubAllGlobals());

describe('用户分析 on a dashboard', () => {
  it('a card of a user analysis draws its pie, keeps its own time (原时间), and links to the builder', async () => {
    stubFetch((request) =>
      request.url === '/api/v1/console/dashboards/7/cards/3/run'
        ? { status: 200, body: result }
        : { status: 404, body: { statusCode: 404, code: 'not_found', message: 'not found' } },
    );
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    client.setQueryData(sessionQueryKey, {
      staff: { id: '1', tenantId: '1', name: 'Admin', isSuper: true },
      tenant: { id: '1', name: '租户', timeZone: 'Asia/Shanghai' },
      csrfToken: 'csrf',
      permissions: ['dashboards.view'],
      disabledPlugins: [],
    } as unknown as Session);
    const card: DashboardCard = {
      id: '3',
      reportId: '5',
      size: 'M',
      position: 0,
      status: 'ok',
      report: {
        id: '5',
        name: '用户省份分布',
        model: 'user',
        modelName: '用户分析',
        query: { metrics: [{ aggregate: 'users' }], dimensions: [{ kind: 'contactProperty', property: 'province' }] },
        timeRange: false,
      },
    };
    render(
      <QueryClientProvider client={client}>
        <MemoryRouter>
          <ConfigProvider theme={{ token: { motion: false } }}>
            <App>
              <DashboardCardView
                dashboardId="7"
                card={card}
                timeRange={{ kind: 'past', days: 7, includeToday: true }}
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
    const chart = await screen.findByTestId('echarts', {}, { timeout: 10_000 });
    expect(JSON.parse(chart.dataset.series!)).toEqual([
      [
        'pie',
        [
          { name: '上海', value: 3 },
          { name: '未知', value: 1 },
        ],
      ],
    ]);
    expect(screen.getByTestId('dashboard-card-3-chart-0-chart').dataset.chart).toBe('pie');
    // A snapshot of the contacts: the dashboard's temporary range does not apply (ADR 0060).
    expect(screen.getByText('原时间')).toBeTruthy();
    expect(screen.getByRole('link', { name: '用户省份分布' }).getAttribute('href')).toBe('/analytics/user/5');
  });
});
