// @vitest-environment jsdom
import '../../../test-utils/dom';
import type { ConditionCatalogue } from '@huiliu/core/conditions';
import type { FunnelAnalysisQuery, FunnelReportResult } from '@huiliu/core/reports';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../../api/auth';
import type { Session } from '../../../api/types';
import { stubFetch, type FakeRequest } from '../../../test-utils/fetch';
import FunnelAnalysisPage from './FunnelAnalysisPage';

// ECharts draws on a canvas jsdom lacks: the chart is a placeholder.
vi.mock('./FunnelChart', () => ({ FunnelChart: () => <div data-testid="funnel-chart" /> }));

const catalogue: ConditionCatalogue = {
  timeZone: 'Asia/Shanghai',
  contactProperties: [{ key: 'city', name: '城市', type: 'string', source: 'system' }],
  events: [
    { code: 'view', name: '浏览', properties: [{ key: 'sku', name: '商品', type: 'string', source: 'custom' }] },
    { code: 'pay', name: '支付', properties: [{ key: 'sku', name: '商品', type: 'string', source: 'custom' }] },
  ],
  groups: [],
  tags: [],
};

function answer(query: FunnelAnalysisQuery): FunnelReportResult {
  const users = [1200, 300, 30, 3, 1, 1, 1, 1].slice(0, query.steps.length);
  return {
    kind: 'funnel',
    model: 'funnel',
    timeZone: 'Asia/Shanghai',
    from: '2025-03-01',
    to: '2025-03-07',
    steps: query.steps.map((s) => ({ name: s.event === 'view' ? '浏览' : '支付', event: s.event })),
    window: query.window,
    groups: [],
    timeBuckets: [{ label: '<1分钟', from: 0, to: 60 }],
    funnels: [
      {
        steps: users.map((u, k) => ({
          users: u,
          conversion: k === 0 ? 1 : u / users[k - 1]!,
          overall: u / users[0]!,
          medianSeconds: k === 0 ? null : 3700,
        })),
        timeToConvert: [users.at(-1)!],
      },
    ],
    groupCount: 0,
    truncated: false,
    computedAt: Date.UTC(2025, 2, 7, 2, 30, 5),
    cached: false,
  };
}

const runs = (requests: FakeRequest[]) =>
  requests
    .filter((r) => r.method === 'POST' && r.url === '/api/v1/console/report-runs')
    .map((r) => JSON.parse(String(r.body)) as { model: string; query: FunnelAnalysisQuery });

function renderBuilder(permissions = ['reports.view', 'reports.edit', 'dashboards.view']) {
  const requests = stubFetch((request) => {
    // 保存为群组 (ADR 0063).
    if (request.url === '/api/v1/console/group-folders') return { status: 200, body: { items: [] } };
    if (request.url === '/api/v1/console/report-cell-groups')
      return { status: 201, body: { group: { id: '78', name: '支付用户', folderId: null }, count: 300 } };
    if (request.url === '/api/v1/conditions/catalogue') return { status: 200, body: catalogue };
    if (request.url === '/api/v1/console/reports' && request.method === 'POST') {
      const body = JSON.parse(String(request.body)) as Record<string, unknown>;
      return {
        status: 201,
        body: {
          ...body,
          id: '9',
          modelName: '漏斗分析',
          dashboard: true,
          departmentId: null,
          createdBy: '1',
          updatedBy: '1',
          createdAt: 0,
          updatedAt: 0,
        },
      };
    }
    if (request.url.startsWith('/api/v1/console/reports/9'))
      return {
        status: 200,
        body: {
          id: '9',
          name: '购买漏斗',
          model: 'funnel',
          query: runs(requests)[0]!.query,
          modelName: '漏斗分析',
          dashboard: true,
          departmentId: null,
          createdBy: '1',
          updatedBy: '1',
          createdAt: 0,
          updatedAt: 0,
        },
      };
    if (request.url.startsWith('/api/v1/console/reports'))
      return { status: 200, body: { items: [], total: 0, page: 1, pageSize: 100 } };
    if (request.url === '/api/v1/console/group-selections')
      return { status: 200, body: { groups: [], exclusiveGroups: [], temporaryGroups: [], temporaryLimit: 3 } };
    if (request.url === '/api/v1/console/report-runs')
      return { status: 200, body: answer((JSON.parse(String(request.body)) as { query: FunnelAnalysisQuery }).query) };
    return { status: 404, body: { statusCode: 404, code: 'not_found', message: 'not found' } };
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  client.setQueryData(sessionQueryKey, {
    staff: { id: '1', tenantId: '1', name: 'Admin', isSuper: true },
    tenant: { id: '1', name: '租户', timeZone: 'Asia/Shanghai' },
    csrfToken: 'csrf',
    permissions,
    disabledPlugins: [],
  } as unknown as Session);
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={['/analytics/funnel']}>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <Routes>
              <Route path="/analytics/funnel" element={<FunnelAnalysisPage />} />
              <Route path="/analytics/funnel/:reportId" element={<FunnelAnalysisPage />} />
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

describe('漏斗分析 builder', () => {
  it('保存为群组: a step’s users (with groups.edit) are saved as a group of that step', async () => {
    const { requests, user } = renderBuilder(['reports.view', 'reports.edit', 'groups.view', 'groups.edit']);
    await screen.findByTestId('funnel-table', {}, SLOW);
    // Step 2 of the only funnel: 300 users.
    await user.click(await screen.findByTestId('funnel-table-save-0-1', {}, SLOW));
    expect((await screen.findByTestId('cell-group-cell', {}, SLOW)).textContent).toContain('300');
    await user.type(screen.getByTestId('cell-group-name'), '支付用户');
    await user.click(within(screen.getByTestId('cell-group-dialog')).getByRole('button', { name: /保\s*存/ }));
    await screen.findByTestId('cell-group-saved', {}, SLOW);
    const sent = requests.find((r) => r.url === '/api/v1/console/report-cell-groups')!;
    expect(JSON.parse(String(sent.body))).toMatchObject({ model: 'funnel', cell: { step: 2 }, name: '支付用户', folderId: null });
  });

  it('asks for the first two events over 7 days, shows the chart and the table of steps', async () => {
    const { requests } = renderBuilder();
    await screen.findByTestId('funnel-table', {}, SLOW);
    expect(runs(requests)[0]).toEqual({
      model: 'funnel',
      force: false,
      query: {
        steps: [{ event: 'view' }, { event: 'pay' }],
        window: { unit: 'day', value: 7 },
        windowWithinRange: false,
        timeRange: { kind: 'past', days: 7, includeToday: true },
        exclusions: [],
        filters: {},
        groups: [],
      },
    });
    expect(screen.getByTestId('funnel-chart')).toBeTruthy();
    const table = within(screen.getByTestId('funnel-table'));
    expect(table.getByText('1,200')).toBeTruthy();
    expect(table.getAllByText('25.0%')).toHaveLength(2); // step and overall conversion of step 2
    expect(table.getByText('1小时1分钟')).toBeTruthy();
    // The time-to-convert buckets in the console language.
    expect(within(screen.getByTestId('funnel-time-to-convert')).getAllByText('1 分钟内').length).toBeGreaterThan(0);
    expect(screen.getByTestId('report-computed-at').textContent).toBe('最后计算于 2025-03-07 10:30:05');
  });

  it('the default two steps cannot be deleted; added steps can, up to 8; the window toggle is sent', async () => {
    const { requests, user } = renderBuilder();
    await screen.findByTestId('funnel-table', {}, SLOW);
    expect(screen.queryByTestId('funnel-step-0-remove')).toBeNull();
    expect(screen.queryByTestId('funnel-step-1-remove')).toBeNull();
    for (let i = 0; i < 6; i += 1) await user.click(screen.getByTestId('funnel-add-step'));
    await waitFor(() => expect(runs(requests).at(-1)?.query.steps).toHaveLength(8), SLOW);
    expect((screen.getByTestId('funnel-add-step') as HTMLButtonElement).disabled).toBe(true);
    await user.click(screen.getByTestId('funnel-step-7-remove'));
    await user.click(screen.getByTestId('funnel-window-within-range'));
    await waitFor(() => expect(runs(requests).at(-1)?.query.windowWithinRange).toBe(true), SLOW);
    expect(runs(requests).at(-1)?.query.steps).toHaveLength(7);
  });

  it('saves a new funnel under a name (required) and opens it', async () => {
    const { requests, user } = renderBuilder();
    await screen.findByTestId('funnel-table', {}, SLOW);
    await user.click(screen.getByTestId('report-save'));
    const input = (await screen.findByTestId('report-name-input')) as HTMLInputElement;
    await user.type(input, '购买漏斗');
    await user.click(screen.getByTestId('report-name-ok'));
    await waitFor(
      () => expect(requests.some((r) => r.method === 'POST' && r.url === '/api/v1/console/reports')).toBe(true),
      SLOW,
    );
    const created = requests.find((r) => r.method === 'POST' && r.url === '/api/v1/console/reports')!;
    expect(JSON.parse(String(created.body))).toMatchObject({ model: 'funnel', name: '购买漏斗' });
    await waitFor(() => expect(screen.getAllByText('购买漏斗').length).toBeGreaterThan(0), SLOW);
  });
});
