// @vitest-environment jsdom
import '../../../test-utils/dom';
import type { ConditionCatalogue } from '@huiliu/core/conditions';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../../api/auth';
import type { Session } from '../../../api/types';
import { stubFetch } from '../../../test-utils/fetch';
import CustomQueryPage, { cellText } from './CustomQueryPage';

const catalogue: ConditionCatalogue = {
  timeZone: 'Asia/Shanghai',
  contactProperties: [{ key: 'city', name: '城市', type: 'string', source: 'system' }],
  events: [{ code: 'purchase', name: '购买', properties: [] }],
  groups: [],
  tags: [],
};

const views = {
  items: [
    {
      name: 'event_view',
      columns: [
        { name: 'contact_id', type: 'BIGINT' },
        { name: 'event', type: 'VARCHAR' },
        { name: 'p_amount', type: 'DOUBLE', label: '金额' },
      ],
    },
    {
      name: 'contact_view',
      columns: [
        { name: 'id', type: 'BIGINT' },
        { name: 'group_12', type: 'BOOLEAN', label: '高价值用户' },
      ],
    },
  ],
};

const SLOW = { timeout: 10_000 };

function renderPage(path = '/analytics/sql') {
  const saved: Record<string, unknown> = {
    id: '9',
    model: 'customQuery',
    modelName: '自定义查询',
    name: '每个事件的人数',
    query: { sql: 'SELECT event, count(*) AS n FROM event_view GROUP BY event' },
    dashboard: true,
    departmentId: null,
    createdBy: '1',
    updatedBy: '1',
    createdAt: 0,
    updatedAt: 0,
  };
  const requests = stubFetch((request) => {
    if (request.url === '/api/v1/conditions/catalogue') return { status: 200, body: catalogue };
    if (request.url === '/api/v1/console/custom-query/views') return { status: 200, body: views };
    if (request.url === '/api/v1/console/reports/9') return { status: 200, body: saved };
    if (request.url.startsWith('/api/v1/console/reports'))
      return { status: 200, body: { items: [], total: 0, page: 1, pageSize: 100 } };
    if (request.url === '/api/v1/console/report-runs') {
      const { query } = JSON.parse(String(request.body)) as { query: { sql: string } };
      if (query.sql.includes('getenv'))
        return {
          status: 400,
          body: {
            statusCode: 400,
            code: 'olap_sql_refused',
            message: 'SQL 被拒绝',
            details: [{ path: 'sql', code: 'olap_sql_function_refused', message: '不允许使用函数 getenv()' }],
          },
        };
      return {
        status: 200,
        body: {
          kind: 'table',
          model: 'customQuery',
          timeZone: 'Asia/Shanghai',
          columns: [
            { name: 'event', type: 'VARCHAR' },
            { name: 'n', type: 'BIGINT' },
            { name: 'skus', type: 'VARCHAR[]' },
          ],
          rows: [
            { event: 'purchase', n: '4', skus: ['a', 'b'] },
            { event: 'refund', n: '1', skus: null },
          ],
          groupCount: 2,
          truncated: query.sql.includes('range'),
          computedAt: Date.UTC(2025, 2, 7, 2, 30, 5),
          cached: false,
        },
      };
    }
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
      <MemoryRouter initialEntries={[path]}>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <Routes>
              <Route path="/analytics/sql" element={<CustomQueryPage />} />
              <Route path="/analytics/sql/:reportId" element={<CustomQueryPage />} />
            </Routes>
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  const runs = () =>
    requests
      .filter((r) => r.method === 'POST' && r.url === '/api/v1/console/report-runs')
      .map((r) => JSON.parse(String(r.body)) as { model: string; query: { sql: string } });
  return { requests, runs, user: userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never }) };
}

afterEach(() => vi.unstubAllGlobals());

describe('自定义查询 page', () => {
  it('lists the views’ columns, inserts a clicked one, runs nothing until 运行, then shows the rows', async () => {
    const { runs, user } = renderPage();
    const columns = await screen.findByTestId('custom-query-columns-event_view', {}, SLOW);
    expect(within(columns).getByText('金额')).toBeTruthy();
    expect(within(screen.getByTestId('custom-query-columns-contact_view')).getByText('高价值用户')).toBeTruthy();
    const editor = screen.getByTestId('custom-query-sql') as HTMLTextAreaElement;
    await user.type(editor, 'SELECT');
    await user.click(within(columns).getByText('event'));
    await waitFor(() => expect(editor.value).toBe('SELECT event'));
    await user.type(editor, ', count(*) AS n FROM');
    await user.click(screen.getByTestId('custom-query-view-event_view'));
    await waitFor(() => expect(editor.value).toBe('SELECT event, count(*) AS n FROM event_view'));
    expect(runs()).toEqual([]);
    await user.click(screen.getByTestId('custom-query-run'));
    const rows = await screen.findByTestId('custom-query-rows', {}, SLOW);
    expect(runs()).toEqual([
      { model: 'customQuery', query: { sql: 'SELECT event, count(*) AS n FROM event_view' }, force: false },
    ]);
    expect(within(rows).getByText('purchase')).toBeTruthy();
    expect(within(rows).getByText('["a","b"]')).toBeTruthy();
    expect(screen.getByTestId('custom-query-count').textContent).toBe('共 2 行');
    expect(screen.queryByTestId('custom-query-truncated')).toBeNull();
  });

  it('Ctrl+Enter runs; the sandbox’s refusal shows at the editor; a truncated answer says so', async () => {
    const { runs } = renderPage();
    const editor = (await screen.findByTestId('custom-query-sql', {}, SLOW)) as HTMLTextAreaElement;
    fireEvent.change(editor, { target: { value: "SELECT getenv('HOME')" } });
    fireEvent.keyDown(editor, { key: 'Enter', ctrlKey: true });
    const error = await screen.findByTestId('custom-query-error', {}, SLOW);
    expect(error.textContent).toContain('不允许使用函数 getenv()');
    expect(runs().map((r) => r.query.sql)).toEqual(["SELECT getenv('HOME')"]);
    fireEvent.change(editor, { target: { value: 'SELECT n FROM range(5000) AS r(n)' } });
    // Editing hides the old error; the new SQL runs with Ctrl+Enter.
    expect(screen.queryByTestId('custom-query-error')).toBeNull();
    fireEvent.keyDown(editor, { key: 'Enter', ctrlKey: true });
    expect((await screen.findByTestId('custom-query-truncated', {}, SLOW)).textContent).toContain('1,000');
  });

  it('opens a saved query at /analytics/sql/:id and runs it at once', async () => {
    const { runs } = renderPage('/analytics/sql/9');
    await screen.findByTestId('custom-query-rows', {}, SLOW);
    expect((screen.getByTestId('custom-query-sql') as HTMLTextAreaElement).value).toBe(
      'SELECT event, count(*) AS n FROM event_view GROUP BY event',
    );
    expect(runs()[0]?.query.sql).toBe('SELECT event, count(*) AS n FROM event_view GROUP BY event');
    expect(screen.getAllByText('每个事件的人数').length).toBeGreaterThan(0);
  });

  it('writes cells as text: lists and structs as JSON, nothing as empty', () => {
    expect([cellText(null), cellText(undefined), cellText('a'), cellText(3), cellText(['x']), cellText({ a: 1 })]).toEqual([
      '',
      '',
      'a',
      '3',
      '["x"]',
      '{"a":1}',
    ]);
  });
});
