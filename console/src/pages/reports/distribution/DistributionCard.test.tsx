// @vitest-environment jsdom
import '../../../test-utils/dom';
import type { DistributionReportResult } from '@huiliu/core/reports';
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
  default: ({ option }: { option: { xAxis: { data: string[] } } }) => (
    <div data-testid="echarts" data-x={JSON.stringify(option.xAxis.data)} />
  ),
}));

const result: DistributionReportResult = {
  kind: 'distribution',
  model: 'distribution',
  timeZone: 'Asia/Shanghai',
  from: '2025-03-01',
  to: '2025-03-07',
  metric: { name: '购买的次数', aggregate: 'count' },
  intervals: [
    { label: '1', from: 1, to: 2 },
    { label: '≥2', from: 2, to: null },
  ],
  groups: [],
  series: [{ users: [3, 1], total: 4 }],
  groupCount: 1,
  truncated: false,
  computedAt: 0,
  cached: false,
};

afterEach(() => vi.unstubAllGlobals());

describe('分布分析 on a dashboard', () => {
  it('a card of a distribution report draws its bar chart and links to the builder', async () => {
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
        name: '购买次数分布',
        model: 'distribution',
        modelName: '分布分析',
        query: { metric: { event: 'purchase', aggregate: 'count' } },
        timeRange: true,
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
    const chart = await screen.findByTestId('echarts', {}, { timeout: 10_000 });
    expect(JSON.parse(chart.dataset.x!)).toEqual(['1', '≥2']);
    expect(screen.getByTestId('dashboard-card-3-chart').dataset.chart).toBe('bar');
    expect(screen.getByRole('link', { name: '购买次数分布' }).getAttribute('href')).toBe('/analytics/distribution/5');
  });
});
