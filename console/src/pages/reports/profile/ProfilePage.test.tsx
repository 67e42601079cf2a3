// @vitest-environment jsdom
import '../../../test-utils/dom';
import type { ConditionCatalogue } from '@huiliu/core/conditions';
import type { ProfileReportResult } from '@huiliu/core/reports';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../../api/auth';
import type { Session } from '../../../api/types';
import { stubFetch } from '../../../test-utils/fetch';
import ProfilePage from './ProfilePage';

// ECharts draws on a canvas jsdom lacks: the chart is a placeholder holding its series.
vi.mock('echarts-for-react/esm/core', () => ({
  default: ({ option }: { option: { series: { type: string; data: unknown[] }[] } }) => (
    <div data-testid="echarts" data-type={option.series[0]!.type} data-series={JSON.stringify(option.series[0]!.data)} />
  ),
}));

const catalogue: ConditionCatalogue = {
  timeZone: 'Asia/Shanghai',
  contactProperties: [],
  events: [{ code: 'purchase', name: '购买', properties: [] }],
  groups: [],
  tags: [],
};

const matrix = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 0));
matrix[1]![7] = 2;
matrix[6]![22] = 1;

/** 3 contacts: 周一 7点 ×2, 周六 22点; 上海 2, 广西 1, 未知 1 of 4 members. */
const answer: ProfileReportResult = {
  kind: 'profile',
  model: 'profile',
  timeZone: 'Asia/Shanghai',
  group: { name: '全部用户' },
  view: 'time',
  members: 4,
  updatedAt: Date.UTC(2026, 11, 4, 18, 0, 7),
  time: {
    matrix,
    weekdays: [0, 2, 0, 0, 0, 0, 1].map((count) => ({ count, share: count / 3 })),
    hours: Array.from({ length: 24 }, (_, h) => {
      const count = h === 7 ? 2 : h === 22 ? 1 : 0;
      return { count, share: count / 3 };
    }),
    total: 3,
    withoutCreatedTime: 1,
  },
  region: {
    provinces: [
      { name: '上海', count: 2, share: 0.5 },
      { name: '广西', count: 1, share: 0.25 },
      { name: '未知', count: 1, share: 0.25 },
    ],
    total: 4,
  },
  groupCount: 3,
  truncated: false,
  computedAt: Date.UTC(2026, 11, 4, 18, 0, 7),
  cached: true,
};

const SLOW = { timeout: 10_000 };

function renderPage(result: ProfileReportResult = answer) {
  const requests = stubFetch((request) => {
    if (request.url === '/api/v1/conditions/catalogue') return { status: 200, body: catalogue };
    if (request.url.startsWith('/api/v1/console/reports'))
      return { status: 200, body: { items: [], total: 0, page: 1, pageSize: 100 } };
    if (request.url === '/api/v1/console/group-selections')
      return {
        status: 200,
        body: {
          groups: [{ id: '7', name: '高价值', kind: 'static' }],
          exclusiveGroups: [],
          temporaryGroups: [],
          temporaryLimit: 3,
        },
      };
    if (request.url === '/api/v1/console/report-runs') return { status: 200, body: result };
    if (request.url === '/api/v1/console/report-exports') return { status: 200, body: '省份,用户数,占比(%)\n上海,2,50\n' };
    return { status: 404, body: { statusCode: 404, code: 'not_found', message: 'not found' } };
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  client.setQueryData(sessionQueryKey, {
    staff: { id: '1', tenantId: '1', name: 'Admin', isSuper: true },
    tenant: { id: '1', name: '租户', timeZone: 'Asia/Shanghai' },
    csrfToken: 'csrf',
    permissions: ['reports.view', 'reports.edit', 'dashboards.view', 'dashboards.edit'],
    disabledPlugins: [],
  } as unknown as Session);
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={['/analytics/profile']}>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <Routes>
              <Route path="/analytics/profile" element={<ProfilePage />} />
              <Route path="/analytics/profile/:reportId" element={<ProfilePage />} />
            </Routes>
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  const posted = (url: string) =>
    requests
      .filter((r) => r.method === 'POST' && r.url === url)
      .map((r) => JSON.parse(String(r.body)) as Record<string, unknown>);
  return { posted, user: userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never }) };
}

afterEach(() => vi.unstubAllGlobals());

describe('用户画像 page', () => {
  it('时域分析 of 全部用户: the heatmap, weekday and hour charts, 最近更新时间; no 添加到仪表盘, no 强制刷新', async () => {
    const { posted } = renderPage();
    const time = await screen.findByTestId('profile-time', {}, SLOW);
    expect(posted('/api/v1/console/report-runs')[0]).toEqual({
      model: 'profile',
      query: { group: { type: 'all' } },
      force: false,
    });
    // 2026-12-04 18:00:07 UTC is 2026-12-05 02:00 in Shanghai.
    expect(screen.getByTestId('profile-updated-at').textContent).toBe('最近更新时间：2026-12-05 02:00');
    const charts = within(time).getAllByTestId('echarts');
    expect(charts.map((chart) => chart.dataset.type)).toEqual(['heatmap', 'bar', 'bar']);
    const cells = (JSON.parse(charts[0]!.dataset.series!) as number[][]).filter((cell) => cell[2]);
    expect(cells).toEqual([
      [7, 1, 2],
      [22, 6, 1],
    ]);
    expect(JSON.parse(charts[1]!.dataset.series!)).toEqual([0, 2, 0, 0, 0, 0, 1]);
    expect(screen.getByTestId('profile-time-note').textContent).toContain('另有 1 位匿名用户');
    expect(screen.queryByTestId('report-add-to-dashboard')).toBeNull();
    expect(screen.queryByTestId('report-refresh')).toBeNull();
    expect(screen.getByTestId('report-save')).toBeTruthy();
  });

  it('地域分析: map, pie, and a table the search filters (上 finds 上海); 导出数据 exports what the table shows', async () => {
    const { posted, user } = renderPage();
    await screen.findByTestId('profile-time', {}, SLOW);
    await user.click(screen.getByText('地域分析'));
    const table = await screen.findByTestId('profile-region-table', {}, SLOW);
    expect(within(table).getByText('未知')).toBeTruthy();
    expect(within(table).getByText('50.0%')).toBeTruthy();
    await waitFor(() => expect(within(screen.getByTestId('profile-map')).getByTestId('echarts').dataset.type).toBe('map'), SLOW);
    // The map has no 未知; the pie has every row.
    expect(JSON.parse(within(screen.getByTestId('profile-map')).getByTestId('echarts').dataset.series!)).toEqual([
      { name: '上海', value: 2 },
      { name: '广西', value: 1 },
    ]);
    expect(JSON.parse(within(screen.getByTestId('profile-pie')).getByTestId('echarts').dataset.series!)).toHaveLength(3);
    await user.type(screen.getByTestId('profile-region-search'), '上');
    await waitFor(() => expect(within(table).queryByText('广西')).toBeNull(), SLOW);
    expect(within(table).getByText('上海')).toBeTruthy();
    const createObjectURL = vi.fn(() => 'blob:x');
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }));
    await user.click(screen.getByTestId('profile-region-export'));
    await waitFor(() => expect(posted('/api/v1/console/report-exports')).toHaveLength(1), SLOW);
    expect(posted('/api/v1/console/report-exports')[0]).toMatchObject({
      model: 'profile',
      query: { group: { type: 'all' }, view: 'region', search: '上' },
      format: 'csv',
    });
    // The run was not repeated for the tab or the search.
    expect(posted('/api/v1/console/report-runs')).toHaveLength(1);
  });

  it('地域分析 with 省份 masked for the staff member: a 已脱敏 state instead of the map, the pie and the table', async () => {
    const { user } = renderPage({ ...answer, region: { provinces: [], total: 4, masked: true }, groupCount: 0 });
    await screen.findByTestId('profile-time', {}, SLOW);
    await user.click(screen.getByText('地域分析'));
    const masked = await screen.findByTestId('profile-region-masked', {}, SLOW);
    expect(masked.textContent).toContain('已脱敏');
    expect(screen.queryByTestId('profile-map')).toBeNull();
    expect(screen.queryByTestId('profile-region-table')).toBeNull();
  });
});
