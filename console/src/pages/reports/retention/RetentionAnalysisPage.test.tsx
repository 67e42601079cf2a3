// @vitest-environment jsdom
import '../../../test-utils/dom';
import type { ConditionCatalogue } from '@huiliu/core/conditions';
import type { RetentionQuery, RetentionReportResult } from '@huiliu/core/reports';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../../api/auth';
import type { Session } from '../../../api/types';
import { stubFetch } from '../../../test-utils/fetch';
import RetentionAnalysisPage from './RetentionAnalysisPage';
import { retentionChartOption, retentionRows } from './retention-view';

// ECharts draws on a canvas jsdom lacks: the chart is a placeholder holding its option.
vi.mock('echarts-for-react/esm/core', () => ({
  default: ({ option }: { option: { series: { name: string }[] } }) => (
    <div data-testid="echarts" data-series={option.series.map((s) => s.name).join('|')} />
  ),
}));

const catalogue: ConditionCatalogue = {
  timeZone: 'Asia/Shanghai',
  contactProperties: [{ key: 'city', name: '城市', type: 'string', source: 'system' }],
  events: [
    { code: 'purchase', name: '购买', properties: [{ key: 'amount', name: '金额', type: 'number', source: 'custom' }] },
    { code: 'refund', name: '退款', properties: [{ key: 'amount', name: '金额', type: 'number', source: 'custom' }] },
  ],
  groups: [],
  tags: [],
};

/** Two day cohorts, N = 2: the second cohort's day 2 has not started (blank). */
function answer(query: RetentionQuery): RetentionReportResult {
  const churned = query.metric === 'churned';
  return {
    kind: 'retention',
    model: 'retention',
    timeZone: 'Asia/Shanghai',
    from: '2025-03-01',
    to: '2025-03-02',
    metric: query.metric ?? 'retained',
    unit: 'day',
    mode: 'period',
    offsets: churned ? [1, 2] : [0, 1, 2],
    initialEvent: { event: 'purchase', name: '购买' },
    returnEvent: { event: 'purchase', name: '购买' },
    groups: [],
    tables: [
      {
        cohorts: [
          { date: '2025-03-01', users: 1200, values: [300, 600, 240], rates: [0.25, 0.5, 0.2] },
          { date: '2025-03-02', users: 800, values: [80, 200, null], rates: [0.1, 0.25, null] },
        ],
        total: { users: 2000, values: [380, 800, 240], bases: [2000, 2000, 1200], rates: [0.19, 0.4, 0.2] },
      },
    ],
    groupCount: 2,
    truncated: false,
    computedAt: Date.UTC(2025, 2, 7, 2, 30, 5),
    cached: false,
  };
}

const runs = (requests: { method: string; url: string; body?: unknown }[]) =>
  requests
    .filter((r) => r.method === 'POST' && r.url === '/api/v1/console/report-runs')
    .map((r) => JSON.parse(String(r.body)) as { model: string; query: RetentionQuery });

function renderBuilder(permissions = ['reports.view', 'reports.edit', 'dashboards.view']) {
  const requests = stubFetch((request) => {
    // 保存为群组 (ADR 0063).
    if (request.url === '/api/v1/console/group-folders') return { status: 200, body: { items: [] } };
    if (request.url === '/api/v1/console/report-cell-groups')
      return { status: 201, body: { group: { id: '77', name: '次日留存用户', folderId: null }, count: 600 } };
    if (request.url === '/api/v1/conditions/catalogue') return { status: 200, body: catalogue };
    if (request.method === 'POST' && request.url === '/api/v1/console/reports') {
      const body = JSON.parse(String(request.body)) as { model: string; name: string; query: RetentionQuery };
      return {
        status: 201,
        body: {
          id: '9',
          ...body,
          modelName: '留存分析',
          dashboard: true,
          departmentId: null,
          createdBy: '1',
          updatedBy: '1',
          createdAt: 0,
          updatedAt: 0,
        },
      };
    }
    if (request.url.startsWith('/api/v1/console/reports'))
      return { status: 200, body: { items: [], total: 0, page: 1, pageSize: 100 } };
    if (request.url === '/api/v1/console/group-selections')
      return { status: 200, body: { groups: [], exclusiveGroups: [], temporaryGroups: [], temporaryLimit: 3 } };
    if (request.url === '/api/v1/console/report-runs')
      return { status: 200, body: answer((JSON.parse(String(request.body)) as { query: RetentionQuery }).query) };
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
      <MemoryRouter initialEntries={['/analytics/retention']}>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <Routes>
              <Route path="/analytics/retention" element={<RetentionAnalysisPage />} />
              <Route path="/analytics/retention/:reportId" element={<div data-testid="opened-saved" />} />
              <Route path="/groups/:groupId" element={<div data-testid="opened-group" />} />
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

describe('留存分析 builder', () => {
  it('asks 7-day retention of the first event, then shows the chart per initial date and the table (blank after now)', async () => {
    const { requests } = renderBuilder();
    const table = await screen.findByTestId('retention-table', {}, SLOW);
    expect(runs(requests)[0]).toEqual({
      model: 'retention',
      query: {
        initial: { event: 'purchase' },
        return: { event: 'purchase' },
        metric: 'retained',
        unit: 'day',
        periods: 7,
        mode: 'period',
        filters: {},
        groups: [],
        timeRange: { kind: 'past', days: 7, includeToday: true },
      },
      force: false,
    });
    expect(screen.getByTestId('echarts').dataset.series).toBe('合计|2025-03-01|2025-03-02');
    const rows = within(table).getAllByRole('row');
    // Header, 合计, two cohorts.
    expect(rows).toHaveLength(4);
    expect(rows[0]!.textContent).toBe('初始日期总用户第0天第1天第2天');
    expect(rows[1]!.textContent).toBe('合计2,00038019.0%80040.0%24020.0%');
    expect(rows[2]!.textContent).toBe('2025-03-011,20030025.0%60050.0%24020.0%');
    expect(rows[3]!.textContent).toBe('2025-03-028008010.0%20025.0%');
    expect(within(rows[3]!).getAllByTestId('retention-table-blank')).toHaveLength(1);
    expect(screen.getByTestId('report-computed-at').textContent).toBe('最后计算于 2025-03-07 10:30:05');
  });

  it('churned users disable the mode; N follows the unit; saving sends the model and opens the saved report', async () => {
    const { requests, user } = renderBuilder();
    await screen.findByTestId('retention-table', {}, SLOW);
    await user.click(within(screen.getByTestId('retention-metric')).getByText('流失用户'));
    await waitFor(() => expect(runs(requests).at(-1)?.query.metric).toBe('churned'), SLOW);
    const modes = within(screen.getByTestId('retention-mode')).getAllByRole('radio') as HTMLInputElement[];
    expect(modes.every((radio) => radio.disabled)).toBe(true);
    await waitFor(
      () =>
        expect(within(screen.getByTestId('retention-table')).getAllByRole('row')[0]!.textContent).toBe(
          '初始日期总用户第1天第2天',
        ),
      SLOW,
    );

    const field = screen.getByTestId('retention-periods');
    const periods = field instanceof HTMLInputElement ? field : field.querySelector('input')!;
    await user.clear(periods);
    await user.type(periods, '30');
    await waitFor(() => expect(runs(requests).at(-1)?.query.periods).toBe(30), SLOW);
    const unit = screen.getByTestId('retention-unit');
    await user.click(unit.querySelector('.ant-select-selector') ?? unit);
    const option = [
      ...document.querySelectorAll<HTMLElement>('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option'),
    ].find((candidate) => candidate.getAttribute('title') === '按周');
    expect(option).toBeDefined();
    await user.click(option!);
    // 30 weeks is more than 12: N becomes 12.
    await waitFor(() => expect(runs(requests).at(-1)?.query).toMatchObject({ unit: 'week', periods: 12 }), SLOW);

    await user.click(screen.getByTestId('report-save'));
    const name = (await screen.findByTestId('report-name-input')) as HTMLInputElement;
    await user.type(name, '周留存');
    await user.click(screen.getByTestId('report-name-ok'));
    await screen.findByTestId('opened-saved', {}, SLOW);
    const created = requests.find((r) => r.method === 'POST' && r.url === '/api/v1/console/reports')!;
    expect(JSON.parse(String(created.body))).toMatchObject({
      model: 'retention',
      name: '周留存',
      query: { metric: 'churned', unit: 'week', periods: 12 },
    });
  });
});

describe('留存分析 chart and table mapping', () => {
  const result = answer({} as RetentionQuery);
  const labels = { offset: (k: number) => `第${k}天`, total: '合计' };

  it('保存为群组: a cohort’s cell saves its users as a group (with groups.edit), then links to it', async () => {
    const { requests, user } = renderBuilder(['reports.view', 'reports.edit', 'groups.view', 'groups.edit']);
    await screen.findByTestId('retention-table', {}, SLOW);
    // 合计 and blank cells are no links; 2025-03-01 day 1 (600 users) is.
    expect(screen.queryByTestId('retention-table-save-合计-1')).toBeNull();
    await user.click(await screen.findByTestId('retention-table-save-2025-03-01-1', {}, SLOW));
    expect((await screen.findByTestId('cell-group-cell', {}, SLOW)).textContent).toContain('600');
    await user.type(screen.getByTestId('cell-group-name'), '次日留存用户');
    await user.click(within(screen.getByTestId('cell-group-dialog')).getByRole('button', { name: /保\s*存/ }));
    await screen.findByTestId('cell-group-saved', {}, SLOW);
    const sent = requests.find((r) => r.url === '/api/v1/console/report-cell-groups')!;
    expect(JSON.parse(String(sent.body))).toEqual({
      model: 'retention',
      query: runs(requests)[0]!.query,
      cell: { cohort: '2025-03-01', offset: 1 },
      name: '次日留存用户',
      folderId: null,
    });
    await user.click(screen.getByTestId('cell-group-link'));
    await screen.findByTestId('opened-group', {}, SLOW);
  });

  it('without groups.edit the cells are plain numbers', async () => {
    renderBuilder();
    await screen.findByTestId('retention-table', {}, SLOW);
    expect(screen.queryAllByTestId(/^retention-table-save-/)).toHaveLength(0);
  });

  it('draws one line per initial date and 合计 dashed, x = offsets, blanks as gaps', () => {
    const option = retentionChartOption(result, { labels, language: 'zh-CN' }) as {
      xAxis: { data: string[] };
      series: { name: string; data: (number | null)[]; lineStyle?: { type: string } }[];
    };
    expect(option.xAxis.data).toEqual(['第0天', '第1天', '第2天']);
    expect(option.series.map((s) => [s.name, s.data])).toEqual([
      ['合计', [0.19, 0.4, 0.2]],
      ['2025-03-01', [0.25, 0.5, 0.2]],
      ['2025-03-02', [0.1, 0.25, null]],
    ]);
    expect(option.series[0]!.lineStyle?.type).toBe('dashed');
  });

  it('with compared groups a card draws each group’s 合计', () => {
    const grouped: RetentionReportResult = {
      ...result,
      groups: [{ name: '新客' }, { name: '老客' }],
      tables: [
        { ...result.tables[0]!, group: 0 },
        { ...result.tables[0]!, group: 1, total: { ...result.tables[0]!.total, rates: [0.3, 0.2, null] } },
      ],
    };
    const option = retentionChartOption(grouped, { lines: 'groups', labels, language: 'zh-CN' }) as {
      series: { name: string; data: (number | null)[] }[];
    };
    expect(option.series.map((s) => [s.name, s.data])).toEqual([
      ['新客', [0.19, 0.4, 0.2]],
      ['老客', [0.3, 0.2, null]],
    ]);
  });

  it('rows: 合计 first, then the cohorts with each cell’s count and rate', () => {
    const rows = retentionRows(result.tables[0]!, labels);
    expect(rows.map((r) => [r.date, r.users, r.total])).toEqual([
      ['合计', 2000, true],
      ['2025-03-01', 1200, false],
      ['2025-03-02', 800, false],
    ]);
    expect(rows[2]!.cells[2]).toEqual({ value: null, rate: null });
  });
});
