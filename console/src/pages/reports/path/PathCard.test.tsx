// @vitest-environment jsdom
import '../../../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../../api/auth';
import type { DashboardCard } from '../../../api/dashboards';
import type { Session } from '../../../api/types';
import { stubFetch } from '../../../test-utils/fetch';
import { DashboardCardView } from '../../dashboards/DashboardCardView';
import { pathResult } from './fixtures';

vi.mock('echarts-for-react/esm/core', () => ({
  default: ({ option }: { option: { series: { type: string; data: { name: string }[] }[] } }) => (
    <div data-testid="echarts" data-type={option.series[0]!.type} data-nodes={option.series[0]!.data.length} />
  ),
}));

afterEach(() => vi.unstubAllGlobals());

function sessionClient() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  client.setQueryData(sessionQueryKey, {
    staff: { id: '1', tenantId: '1', name: 'Admin', isSuper: true },
    tenant: { id: '1', name: '租户', timeZone: 'Asia/Shanghai' },
    csrfToken: 'csrf',
    permissions: ['dashboards.view'],
    disabledPlugins: [],
  } as unknown as Session);
  return client;
}

function renderCard(forceToken: number, client: QueryClient, timeRange: boolean) {
  const card: DashboardCard = {
    id: '3',
    reportId: '5',
    size: 'M',
    position: 0,
    status: 'ok',
    report: { id: '5', name: '浏览路径', model: 'path', modelName: '路径分析', query: {}, timeRange },
  };
  return (
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <DashboardCardView
              dashboardId="7"
              card={card}
              timeRange={{ kind: 'today' }}
              forceToken={forceToken}
              canEdit={false}
              onChartReady={() => undefined}
              onRemove={() => undefined}
              onResize={() => undefined}
            />
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>
  );
}

describe('路径分析 on a dashboard', () => {
  it('draws the sankey, keeps its own time range and ignores the global 强制刷新 (暂不支持), saying so', async () => {
    const requests = stubFetch((request) =>
      request.url === '/api/v1/console/dashboards/7/cards/3/run'
        ? { status: 200, body: pathResult() }
        : { status: 404, body: { statusCode: 404, code: 'not_found', message: 'not found' } },
    );
    const client = sessionClient();
    const view = render(renderCard(0, client, false));
    const chart = await screen.findByTestId('echarts', {}, { timeout: 10_000 });
    expect([chart.dataset.type, chart.dataset.nodes]).toEqual(['sankey', '4']);
    expect(screen.getByTestId('dashboard-card-3-chart').dataset.chart).toBe('sankey');
    expect(screen.getByRole('link', { name: '浏览路径' }).getAttribute('href')).toBe('/analytics/path/5');
    expect(screen.getByTestId('dashboard-card-3-detached').textContent).toBe('原时间');
    const runs = () =>
      requests.filter((r) => r.url === '/api/v1/console/dashboards/7/cards/3/run').map((r) => JSON.parse(String(r.body)));
    // The dashboard's temporary range (today) is not sent.
    expect(runs()).toEqual([{}]);
    // 强制刷新 of the whole dashboard: this card does not recompute.
    view.rerender(renderCard(1, client, false));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(runs()).toEqual([{}]);
  });

  it('a card that takes the temporary range recomputes on the global 强制刷新', async () => {
    const requests = stubFetch((request) =>
      request.url === '/api/v1/console/dashboards/7/cards/3/run'
        ? { status: 200, body: pathResult() }
        : { status: 404, body: { statusCode: 404, code: 'not_found', message: 'not found' } },
    );
    const client = sessionClient();
    const view = render(renderCard(0, client, true));
    await screen.findByTestId('echarts', {}, { timeout: 10_000 });
    expect(screen.queryByTestId('dashboard-card-3-detached')).toBeNull();
    view.rerender(renderCard(1, client, true));
    const runs = () =>
      requests.filter((r) => r.url === '/api/v1/console/dashboards/7/cards/3/run').map((r) => JSON.parse(String(r.body)));
    await waitFor(() => expect(runs().at(-1)).toEqual({ force: true, timeRange: { kind: 'today' } }));
  });
});
