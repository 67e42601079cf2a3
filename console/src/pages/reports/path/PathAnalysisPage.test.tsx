// @vitest-environment jsdom
import '../../../test-utils/dom';
import type { ConditionCatalogue } from '@huiliu/core/conditions';
import type { PathQuery } from '@huiliu/core/reports';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../../api/auth';
import type { Session } from '../../../api/types';
import { stubFetch } from '../../../test-utils/fetch';
import { pathResult } from './fixtures';
import PathAnalysisPage from './PathAnalysisPage';

// ECharts draws on a canvas jsdom lacks: the chart is a placeholder holding its option.
vi.mock('echarts-for-react/esm/core', () => ({
  default: ({ option }: { option: { series: { type: string; data: { name: string }[] }[] } }) => (
    <div
      data-testid="echarts"
      data-type={option.series[0]!.type}
      data-nodes={JSON.stringify(option.series[0]!.data.map((d) => d.name))}
    />
  ),
}));

const catalogue: ConditionCatalogue = {
  timeZone: 'Asia/Shanghai',
  contactProperties: [{ key: 'city', name: '城市', type: 'string', source: 'system' }],
  events: [
    { code: 'view', name: '浏览', properties: [{ key: 'page', name: '页面', type: 'string', source: 'custom' }] },
    { code: 'cart', name: '加购', properties: [] },
  ],
  groups: [],
  tags: [],
};

const SLOW = { timeout: 10_000 };

function renderBuilder() {
  const saved: Record<string, unknown> = {};
  const requests = stubFetch((request) => {
    if (request.url === '/api/v1/conditions/catalogue') return { status: 200, body: catalogue };
    if (request.url === '/api/v1/console/reports' && request.method === 'POST') {
      Object.assign(saved, JSON.parse(String(request.body)), {
        id: '9',
        modelName: '路径分析',
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
      return { status: 200, body: pathResult((JSON.parse(String(request.body)) as { query: PathQuery }).query.layers) };
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
      <MemoryRouter initialEntries={['/analytics/path']}>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <Routes>
              <Route path="/analytics/path" element={<PathAnalysisPage />} />
              <Route path="/analytics/path/:reportId" element={<PathAnalysisPage />} />
            </Routes>
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  const runs = () =>
    requests
      .filter((r) => r.method === 'POST' && r.url === '/api/v1/console/report-runs')
      .map((r) => (JSON.parse(String(r.body)) as { model: string; query: PathQuery }).query);
  return { requests, runs, user: userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never }) };
}

afterEach(() => vi.unstubAllGlobals());

describe('路径分析 builder', () => {
  it('asks for the paths from the first event, draws the sankey and the table of nodes; 展开下一层 adds a layer', async () => {
    const { runs, user } = renderBuilder();
    const table = await screen.findByTestId('path-table', {}, SLOW);
    expect(runs()[0]).toEqual({
      events: [{ event: 'view' }],
      anchor: { kind: 'start', event: 0 },
      interval: { value: 30, unit: 'minute' },
      filters: {},
      groups: [],
      merge: false,
      layers: 4,
      nodes: 7,
      timeRange: { kind: 'past', days: 7, includeToday: true },
    });
    expect(screen.getByTestId('echarts').dataset.type).toBe('sankey');
    expect(JSON.parse(screen.getByTestId('echarts').dataset.nodes!)).toEqual(['1-1', '2-1', '2-2', '3-1']);
    expect(within(table).getByText('浏览 · home')).toBeTruthy();
    expect(within(table).getByText('其他')).toBeTruthy();
    expect(within(table).getAllByText('第 2 层')).toHaveLength(2);
    // The answer for 4 layers says nothing goes further: 展开下一层 is off.
    expect(screen.getByTestId('path-next-layer').hasAttribute('disabled')).toBe(true);
    await user.clear(screen.getByTestId('path-layers'));
    await user.type(screen.getByTestId('path-layers'), '3');
    await waitFor(() => expect(runs().at(-1)?.layers).toBe(3), SLOW);
    await waitFor(() => expect(screen.getByTestId('path-next-layer').hasAttribute('disabled')).toBe(false), SLOW);
    await user.click(screen.getByTestId('path-next-layer'));
    // Back to 4 layers: the answer already asked for (cached), where nothing goes further.
    await waitFor(() => expect((screen.getByTestId('path-layers') as HTMLInputElement).value).toBe('4'), SLOW);
    await waitFor(() => expect(screen.getByTestId('path-next-layer').hasAttribute('disabled')).toBe(true), SLOW);
    expect(runs().map((r) => r.layers)).toEqual([4, 3]);
  });

  it('end event, merge, a second event; saved under its own path', async () => {
    const { runs, requests, user } = renderBuilder();
    await screen.findByTestId('path-table', {}, SLOW);
    await user.click(screen.getByTestId('path-add-event'));
    await user.click(screen.getByTestId('path-anchor-end'));
    await user.click(screen.getByTestId('path-merge'));
    await waitFor(
      () =>
        expect(runs().at(-1)).toMatchObject({
          events: [{ event: 'view' }, { event: 'view' }],
          anchor: { kind: 'end', event: 0 },
          merge: true,
        }),
      SLOW,
    );
    await user.click(screen.getByTestId('report-save'));
    await user.type(await screen.findByTestId('report-name-input'), '购买前路径');
    await user.click(screen.getByTestId('report-name-ok'));
    await waitFor(
      () => expect(requests.some((r) => r.method === 'POST' && r.url === '/api/v1/console/reports')).toBe(true),
      SLOW,
    );
    const created = JSON.parse(String(requests.find((r) => r.url === '/api/v1/console/reports' && r.method === 'POST')!.body));
    expect(created).toMatchObject({
      model: 'path',
      name: '购买前路径',
      query: { anchor: { kind: 'end', event: 0 }, merge: true },
    });
    await waitFor(() => expect(screen.getAllByText('购买前路径').length).toBeGreaterThan(0), SLOW);
  });
});
