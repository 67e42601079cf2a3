// @vitest-environment jsdom
import '../../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../api/auth';
import type { SavedReportSummary } from '../../api/reports';
import type { Session } from '../../api/types';
import { stubFetch, type FakeReply, type FakeRequest } from '../../test-utils/fetch';
import ReportsPage from './ReportsPage';

const report = (id: string, name: string, model = 'event'): SavedReportSummary => ({
  id,
  model,
  modelName: model === 'event' ? '事件分析' : '线索报表',
  dashboard: true,
  name,
  departmentId: null,
  createdBy: '1',
  updatedBy: '1',
  createdAt: Date.UTC(2025, 2, 1),
  updatedAt: Date.UTC(2025, 2, 1),
});

function renderPage(options: { permissions?: string[]; batchDelete?: (ids: string[]) => FakeReply; orgEnabled?: boolean } = {}) {
  let reports = [report('1', '购买次数'), report('2', '退款次数'), report('3', '下单转化', 'acme.leads')];
  const requests = stubFetch((request: FakeRequest) => {
    if (request.url === '/api/v1/console/report-models')
      return {
        status: 200,
        body: {
          items: [
            { id: 'event', name: '事件分析', source: 'core', dashboard: true, limits: { shown: 1000, exported: 10000 } },
            { id: 'acme.leads', name: '线索报表', source: 'acme', dashboard: true, limits: { shown: 1000, exported: 10000 } },
          ],
        },
      };
    if (request.url === '/api/v1/departments')
      return {
        status: 200,
        body: { orgEnabled: options.orgEnabled ?? false, departments: [], myDepartmentId: null, assignableIds: [] },
      };
    if (request.method === 'PATCH' && request.url.startsWith('/api/v1/console/reports/')) {
      const target = reports.find((r) => request.url.endsWith(`/${r.id}`))!;
      Object.assign(target, JSON.parse(String(request.body)));
      return { status: 200, body: { ...target, query: {} } };
    }
    if (request.method === 'POST' && request.url === '/api/v1/console/reports/batch-delete') {
      const { ids } = JSON.parse(String(request.body)) as { ids: string[] };
      const reply = options.batchDelete?.(ids) ?? { status: 200, body: { deleted: ids.length } };
      if (reply.status === 200) reports = reports.filter((r) => !ids.includes(r.id));
      return reply;
    }
    if (request.method === 'GET' && request.url.startsWith('/api/v1/console/reports?'))
      return { status: 200, body: { items: reports, total: reports.length, page: 1, pageSize: 20 } };
    return { status: 404, body: { statusCode: 404, code: 'not_found', message: 'not found' } };
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  client.setQueryData(sessionQueryKey, {
    staff: { id: '1', tenantId: '1', name: 'Admin', isSuper: false },
    tenant: { id: '1', name: '租户', timeZone: 'Asia/Shanghai' },
    csrfToken: 'csrf',
    permissions: options.permissions ?? ['reports.view', 'reports.edit', 'reports.delete'],
    disabledPlugins: [],
  } as unknown as Session);
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <ReportsPage />
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return { requests, user: userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never }) };
}

const SLOW = { timeout: 10_000 };
const listRequests = (requests: FakeRequest[]) =>
  requests.filter((r) => r.method === 'GET' && r.url.startsWith('/api/v1/console/reports?'));
const checkbox = (id: string) => within(screen.getByTestId(`report-row-${id}`)).getByRole('checkbox');

afterEach(() => vi.unstubAllGlobals());

describe('报表分析 → 所有报表', () => {
  it('lists the saved reports a page at a time; 打开 only where a builder exists', async () => {
    const { requests } = renderPage();
    await screen.findByTestId('report-row-1', {}, SLOW);
    expect(listRequests(requests)[0]?.url).toBe('/api/v1/console/reports?page=1&pageSize=20');
    expect(within(screen.getByTestId('report-row-3')).getByText('线索报表')).toBeTruthy();
    expect((screen.getByTestId('report-open-1') as HTMLButtonElement).disabled).toBe(false);
    expect((screen.getByTestId('report-open-3') as HTMLButtonElement).disabled).toBe(true);
  });

  it('批量删除 sends the selected ids once confirmed, then refreshes the list', async () => {
    const { requests, user } = renderPage();
    await screen.findByTestId('report-row-1', {}, SLOW);
    expect(screen.queryByTestId('reports-batch-delete')).toBeNull();
    await user.click(checkbox('1'));
    await user.click(checkbox('3'));
    await user.click(await screen.findByTestId('reports-batch-delete'));
    await user.click(await screen.findByTestId('report-delete-confirm'));
    await waitFor(() => expect(requests.filter((r) => r.url === '/api/v1/console/reports/batch-delete')).toHaveLength(1), SLOW);
    const sent = requests.find((r) => r.url === '/api/v1/console/reports/batch-delete')!;
    expect(JSON.parse(String(sent.body))).toEqual({ ids: ['1', '3'] });
    await waitFor(() => expect(screen.queryByTestId('report-row-1')).toBeNull(), SLOW);
    expect(screen.queryByTestId('report-row-3')).toBeNull();
    expect(screen.getByTestId('report-row-2')).toBeTruthy();
    expect(listRequests(requests).length).toBeGreaterThanOrEqual(2);
    expect(screen.queryByTestId('reports-batch-delete')).toBeNull();
  });

  it('shows the server’s refusal of a batch and keeps every report and the selection', async () => {
    const { requests, user } = renderPage({
      batchDelete: () => ({
        status: 403,
        body: { statusCode: 403, code: 'department_no_access', message: '无权限操作该部门的数据' },
      }),
    });
    await screen.findByTestId('report-row-1', {}, SLOW);
    await user.click(checkbox('1'));
    await user.click(checkbox('2'));
    await user.click(await screen.findByTestId('reports-batch-delete'));
    await user.click(await screen.findByTestId('report-delete-confirm'));
    await waitFor(() => expect(requests.some((r) => r.url === '/api/v1/console/reports/batch-delete')).toBe(true), SLOW);
    await waitFor(() => expect(document.querySelector('.ant-message-error')).not.toBeNull(), SLOW);
    expect(screen.getByTestId('report-row-1')).toBeTruthy();
    expect(screen.getByTestId('report-row-2')).toBeTruthy();
    expect(screen.getByTestId('reports-batch').textContent).toContain('已选择 2 个报表');
  });

  it('offers no selection, rename or delete without reports.edit / reports.delete', async () => {
    renderPage({ permissions: ['reports.view'] });
    await screen.findByTestId('report-row-1', {}, SLOW);
    expect(within(screen.getByTestId('report-row-1')).queryByRole('checkbox')).toBeNull();
    expect(screen.queryByTestId('report-more-1')).toBeNull();
  });

  it('重命名 sends only the new name and shows it; 更新所属部门 only while 组织架构 is on', async () => {
    const { requests, user } = renderPage();
    await screen.findByTestId('report-row-1', {}, SLOW);
    await user.click(screen.getByTestId('report-more-1'));
    const rename = await screen.findByTestId('report-rename');
    // 组织架构 is off: no 更新所属部门.
    expect(screen.queryByTestId('report-department')).toBeNull();
    await user.click(rename);
    const input = (await screen.findByTestId('report-rename-modal-input')) as HTMLInputElement;
    await user.clear(input);
    await user.type(input, '每日购买次数');
    await user.click(screen.getByTestId('report-rename-modal-ok'));
    await waitFor(() => expect(requests.filter((r) => r.method === 'PATCH')).toHaveLength(1), SLOW);
    const patch = requests.find((r) => r.method === 'PATCH')!;
    expect(patch.url).toBe('/api/v1/console/reports/1');
    expect(JSON.parse(String(patch.body))).toEqual({ name: '每日购买次数' });
    await waitFor(() => expect(within(screen.getByTestId('report-row-1')).getByText('每日购买次数')).toBeTruthy(), SLOW);
  });

  it('offers 更新所属部门 while 组织架构 is on', async () => {
    const { user } = renderPage({ orgEnabled: true });
    await screen.findByTestId('report-row-1', {}, SLOW);
    await waitFor(async () => {
      await user.click(screen.getByTestId('report-more-1'));
      expect(screen.getByTestId('report-department')).toBeTruthy();
    }, SLOW);
    await user.click(screen.getByTestId('report-department'));
    expect(await screen.findByTestId('report-department-modal')).toBeTruthy();
  });
});
