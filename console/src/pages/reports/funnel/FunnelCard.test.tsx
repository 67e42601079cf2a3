// @vitest-environment jsdom
import '../../../test-utils/dom';
import type { FunnelReportResult } from '@huiliu/core/reports';
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

// ECharts draws on a canvas jsdom lacks: the funnel chart is a placeholder naming its funnels.
vi.mock('./FunnelChart', () => ({
  FunnelChart: ({ result, testId }: { result: FunnelReportResult; testId: string }) => (
    <div data-testid={testId} data-kind="funnel" data-users={result.funnels[0]!.steps.map((s) => s.users).join(',')} />
  ),
}));

const result: FunnelReportResult = {
  kind: 'funnel',
  model: 'funnel',
  timeZone: 'Asia/Shanghai',
  from: '2025-03-01',
  to: '2025-03-07',
  steps: [
    { name: '浏览', event: 'view' },
    { name: '支付', event: 'pay' },
  ],
  window: { unit: 'day', value: 7 },
  groups: [],
  timeBuckets: [],
  funnels: [
    {
      steps: [
        { users: 10, conversion: 1, overall: 1, medianSeconds: null },
        { users: 4, conversion: 0.4, overall: 0.4, medianSeconds: 60 },
      ],
      timeToConvert: [],
    },
  ],
  groupCount: 0,
  truncated: false,
  computedAt: Date.UTC(2025, 2, 7, 2, 30, 5),
  cached: false,
};

afterEach(() => vi.unstubAllGlobals());

describe('漏斗分析 on a dashboard', () => {
  it('a card of a funnel report draws the funnel chart and links to the funnel builder', async () => {
    stubFetch((request) =>
      request.url === '/api/v1/console/dashboards/7/cards/21/run'
        ? { status: 200, body: result }
        : { status: 404, body: { statusCode: 404, code: 'not_found', message: 'not found' } },
    );
    const card: DashboardCard = {
      id: '21',
      reportId: '5',
      size: 'M',
      position: 0,
      status: 'ok',
      report: { id: '5', name: '购买漏斗', model: 'funnel', modelName: '漏斗分析', query: {}, timeRange: true },
    } as DashboardCard;
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    client.setQueryData(sessionQueryKey, {
      staff: { id: '1', tenantId: '1', name: 'Admin', isSuper: true },
      tenant: { id: '1', name: '租户', timeZone: 'Asia/Shanghai' },
      csrfToken: 'csrf',
      permissions: ['dashboards.view', 'reports.view'],
      disabledPlugins: [],
    } as unknown as Session);
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
    const chart = await screen.findByTestId('dashboard-card-21-chart', {}, { timeout: 10_000 });
    expect(chart.dataset.kind).toBe('funnel');
    expect(chart.dataset.users).toBe('10,4');
    expect(screen.getByText('购买漏斗').closest('a')?.getAttribute('href')).toBe('/analytics/funnel/5');
  });
});
