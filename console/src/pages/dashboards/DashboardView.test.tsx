// @vitest-environment jsdom
import '../../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../api/auth';
import type { Dashboard, DashboardCard } from '../../api/dashboards';
import type { Session } from '../../api/types';
import { stubFetch, type FakeRequest } from '../../test-utils/fetch';
import { DashboardView } from './DashboardView';

vi.mock('../../components/charts/ReportChart', () => ({
  ReportChart: ({ chart }: { chart: string }) => <div data-testid="report-chart" data-chart={chart} />,
}));

// Cards of reports the caller cannot see: nothing to run, the menu is the same.
const card = (id: string, position: number): DashboardCard => ({
  id,
  reportId: `r${id}`,
  size: 'M',
  position,
  status: 'forbidden',
});

function renderDashboard(permissions = ['dashboards.view', 'dashboards.edit']) {
  let order = ['11', '12', '13'];
  const dashboard = (): Dashboard => ({
    id: '7',
    folderId: null,
    name: '运营看板',
    position: 0,
    departmentId: null,
    cardCount: order.length,
    createdBy: '1',
    updatedBy: '1',
    createdAt: 0,
    updatedAt: 0,
    cards: order.map((id, index) => card(id, index)),
  });
  const requests = stubFetch((request: FakeRequest) => {
    if (request.url === '/api/v1/console/dashboards/quota')
      return { status: 200, body: { dashboards: { used: 1, max: 100 }, cardsPerDashboard: 10 } };
    if (request.method === 'PUT' && request.url === '/api/v1/console/dashboards/7/cards/order') {
      order = (JSON.parse(String(request.body)) as { cardIds: string[] }).cardIds;
      return { status: 200, body: dashboard() };
    }
    if (request.method === 'GET' && request.url === '/api/v1/console/dashboards/7') return { status: 200, body: dashboard() };
    return { status: 404, body: { statusCode: 404, code: 'not_found', message: 'not found' } };
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  client.setQueryData(sessionQueryKey, {
    staff: { id: '1', tenantId: '1', name: 'Admin', isSuper: false },
    tenant: { id: '1', name: '租户', timeZone: 'Asia/Shanghai' },
    csrfToken: 'csrf',
    permissions,
    disabledPlugins: [],
  } as unknown as Session);
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <DashboardView dashboardId="7" />
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return { requests, user: userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never }) };
}

const SLOW = { timeout: 10_000 };
const shownOrder = () =>
  [...document.querySelectorAll<HTMLElement>('[data-testid="dashboard-grid"] [data-card-id]')].map((el) => el.dataset.cardId);
const menuItem = (testId: string) => screen.getByTestId(testId).closest('li')!;

afterEach(() => vi.unstubAllGlobals());

describe('仪表盘 — card order', () => {
  it('下移 sends the whole new order and shows the server’s order', async () => {
    const { requests, user } = renderDashboard();
    await screen.findByTestId('dashboard-grid', {}, SLOW);
    expect(shownOrder()).toEqual(['11', '12', '13']);
    await user.click(screen.getByTestId('dashboard-card-11-menu'));
    // The first card cannot move up.
    await screen.findByTestId('dashboard-card-11-down');
    expect(menuItem('dashboard-card-11-up').getAttribute('aria-disabled')).toBe('true');
    await user.click(screen.getByTestId('dashboard-card-11-down'));
    await waitFor(() => expect(requests.filter((r) => r.method === 'PUT')).toHaveLength(1), SLOW);
    const sent = requests.find((r) => r.method === 'PUT')!;
    expect(sent.url).toBe('/api/v1/console/dashboards/7/cards/order');
    expect(JSON.parse(String(sent.body))).toEqual({ cardIds: ['12', '11', '13'] });
    await waitFor(() => expect(shownOrder()).toEqual(['12', '11', '13']), SLOW);
  });

  it('上移 of the last card moves it before the one above', async () => {
    const { requests, user } = renderDashboard();
    await screen.findByTestId('dashboard-grid', {}, SLOW);
    await user.click(screen.getByTestId('dashboard-card-13-menu'));
    await screen.findByTestId('dashboard-card-13-up');
    expect(menuItem('dashboard-card-13-down').getAttribute('aria-disabled')).toBe('true');
    await user.click(screen.getByTestId('dashboard-card-13-up'));
    await waitFor(() => expect(requests.filter((r) => r.method === 'PUT')).toHaveLength(1), SLOW);
    expect(JSON.parse(String(requests.find((r) => r.method === 'PUT')!.body))).toEqual({ cardIds: ['11', '13', '12'] });
    await waitFor(() => expect(shownOrder()).toEqual(['11', '13', '12']), SLOW);
  });

  it('offers no menu to move cards without dashboards.edit', async () => {
    renderDashboard(['dashboards.view']);
    await screen.findByTestId('dashboard-grid', {}, SLOW);
    expect(screen.queryByTestId('dashboard-card-11-menu')).toBeNull();
  });
});
