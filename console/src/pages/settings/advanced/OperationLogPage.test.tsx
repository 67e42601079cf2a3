// @vitest-environment jsdom
import '../../../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../../api/auth';
import type { OperationCatalogue, OperationLogItem } from '../../../api/operation-logs';
import type { Session } from '../../../api/types';
import { changeLanguage } from '../../../i18n';
import { stubFetch, type FakeReply, type FakeRequest } from '../../../test-utils/fetch';
import OperationLogPage from './OperationLogPage';

const at = Date.UTC(2026, 0, 1, 0, 0, 5);

const catalogue: OperationCatalogue = {
  objectTypes: [
    { objectType: 'staff', label: { 'zh-CN': '员工', 'en-US': 'Staff' } },
    { objectType: 'channel', label: { 'zh-CN': '连接', 'en-US': 'Connection' } },
  ],
  operations: [
    { objectType: 'staff', operation: 'login', label: { 'zh-CN': '登录', 'en-US': 'Sign in' } },
    { objectType: 'channel', operation: 'create', label: { 'zh-CN': '新建', 'en-US': 'Create' } },
    { objectType: 'channel', operation: 'delete', label: { 'zh-CN': '删除', 'en-US': 'Delete' } },
  ],
};

const item = (id: string, extra: Partial<OperationLogItem> = {}): OperationLogItem => ({
  id,
  staffId: '1',
  objectType: 'staff',
  operation: 'login',
  objectId: '1',
  detail: null,
  ip: '10.0.0.8',
  at,
  ...extra,
});

const rows = [
  item('3', { objectType: 'channel', operation: 'delete', objectId: '42', at: at + 2000 }),
  item('2', { objectType: 'channel', operation: 'create', objectId: '42', detail: { type: 'custom' }, at: at + 1000 }),
  // A staff member deleted since: the log keeps the id.
  item('1', { staffId: '9', objectId: '9' }),
];

function server(options: { items?: OperationLogItem[]; more?: OperationLogItem[] } = {}) {
  return (request: FakeRequest): FakeReply => {
    const url = new URL(request.url, 'http://console');
    if (url.pathname === '/api/v1/operation-logs/operations') return { status: 200, body: catalogue };
    if (url.pathname === '/api/v1/staff')
      return {
        status: 200,
        body: {
          items: [
            { id: '1', name: '王管理', email: 'admin@example.com' },
            { id: '2', name: '李运营', email: 'ops@example.com' },
          ],
          total: 2,
          page: 1,
          pageSize: 100,
        },
      };
    if (url.pathname === '/api/v1/operation-logs') {
      if (url.searchParams.get('cursor') === 'next')
        return { status: 200, body: { items: options.more ?? [], nextCursor: null } };
      return { status: 200, body: { items: options.items ?? rows, nextCursor: options.more ? 'next' : null } };
    }
    return { status: 404 };
  };
}

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  client.setQueryData(sessionQueryKey, {
    staff: { id: '1', name: '王管理' },
    tenant: { id: '1', name: '租户', timeZone: 'Asia/Tokyo' },
    csrfToken: 'csrf',
    permissions: ['operationLog.view'],
  } as unknown as Session);
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={['/settings/advanced/operation-log']}>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <OperationLogPage />
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never });
}

type User = ReturnType<typeof userEvent.setup>;

/** Opens a select and clicks the option showing `label` in its (only open) dropdown. */
async function choose(user: User, combobox: HTMLElement, label: string) {
  await user.click(combobox);
  const dropdowns = document.querySelectorAll<HTMLElement>('.ant-select-dropdown:not(.ant-select-dropdown-hidden)');
  const options = [...dropdowns].flatMap((dropdown) => [...dropdown.querySelectorAll<HTMLElement>('.ant-select-item-option')]);
  const option = options.find((candidate) => (candidate.getAttribute('title') ?? candidate.textContent) === label);
  expect(option, `option ${label} among ${options.map((candidate) => candidate.textContent).join(', ')}`).toBeDefined();
  await user.click(option!);
}

const listRequests = (requests: FakeRequest[]) =>
  requests.map((r) => new URL(r.url, 'http://console')).filter((url) => url.pathname === '/api/v1/operation-logs');

afterEach(async () => {
  vi.unstubAllGlobals();
  await changeLanguage('zh-CN');
});

describe('OperationLogPage — 操作日志', () => {
  it('shows each row with the staff member’s current name, the operation’s labels and the time in the tenant’s zone', async () => {
    stubFetch(server());
    renderPage();
    const created = await screen.findByTestId('operation-log-row-2');
    await waitFor(() => expect(within(created).getByTestId('operation-log-staff').textContent).toBe('王管理'));
    await waitFor(() => expect(within(created).getByTestId('operation-log-operation').textContent).toBe('新建'));
    expect(within(created).getByTestId('operation-log-object-type').textContent).toBe('连接');
    expect(within(created).getByTestId('operation-log-object-id').textContent).toBe('42');
    expect(within(created).getByTestId('operation-log-detail').textContent).toBe('type: custom');
    expect(within(created).getByTestId('operation-log-ip').textContent).toBe('10.0.0.8');
    // 2026-01-01 00:00:06 UTC in Asia/Tokyo.
    expect(within(created).getByTestId('operation-log-at').textContent).toBe('2026-01-01 09:00:06');
    const login = screen.getByTestId('operation-log-row-1');
    expect(within(login).getByTestId('operation-log-operation').textContent).toBe('登录');
    expect(within(login).getByTestId('operation-log-staff').textContent).toBe('已删除的员工（ID 9）');
    // Newest first, as the server sends them.
    expect(screen.getAllByTestId('operation-log-operation').map((cell) => cell.getAttribute('data-operation'))).toEqual([
      'channel.delete',
      'channel.create',
      'staff.login',
    ]);
  });

  it('filters by staff, operation and whole days in the tenant’s zone on 查询, and exports with the same filters', async () => {
    const requests = stubFetch(server());
    const user = renderPage();
    await screen.findByTestId('operation-log-row-2');
    expect(screen.getByTestId('operation-log-export').getAttribute('href')).toBe('/api/v1/operation-logs/export?locale=zh-CN');

    await waitFor(() => expect(screen.getByRole('combobox', { name: '员工', hidden: true })).toBeTruthy());
    await choose(user, screen.getByRole('combobox', { name: '员工', hidden: true }), '李运营');
    await choose(user, screen.getByRole('combobox', { name: '操作', hidden: true }), '连接 · 删除');
    // Choosing asks nothing: the search runs on 查询.
    expect(listRequests(requests).every((url) => !url.searchParams.has('staffId'))).toBe(true);
    const range = screen.getByTestId('operation-log-filters').querySelectorAll<HTMLInputElement>('.ant-picker-input input');
    await user.click(range[0]!);
    await user.type(range[0]!, '2026-01-01{Enter}');
    await user.type(range[1]!, '2026-01-02{Enter}');
    await user.click(screen.getByTestId('operation-log-search'));

    // Asia/Tokyo is UTC+9: from 2026-01-01 00:00 to the start of 2026-01-03 there.
    const from = Date.UTC(2025, 11, 31, 15);
    const to = Date.UTC(2026, 0, 2, 15);
    await waitFor(() => expect(listRequests(requests).some((url) => url.searchParams.has('to'))).toBe(true));
    const asked = listRequests(requests).find((url) => url.searchParams.has('to'))!;
    expect(Object.fromEntries(asked.searchParams)).toEqual({
      staffId: '2',
      objectType: 'channel',
      operation: 'delete',
      from: String(from),
      to: String(to),
      limit: '20',
    });
    expect(screen.getByTestId('operation-log-export').getAttribute('href')).toBe(
      `/api/v1/operation-logs/export?staffId=2&objectType=channel&operation=delete&from=${from}&to=${to}&locale=zh-CN`,
    );

    // 重置 clears every filter.
    await user.click(screen.getByTestId('operation-log-reset'));
    await waitFor(() =>
      expect(screen.getByTestId('operation-log-export').getAttribute('href')).toBe('/api/v1/operation-logs/export?locale=zh-CN'),
    );
  });

  it('loads more rows with the cursor until the last page', async () => {
    const requests = stubFetch(server({ items: [rows[0]!], more: [rows[2]!] }));
    const user = renderPage();
    await screen.findByTestId('operation-log-row-3');
    await user.click(screen.getByTestId('operation-log-load-more'));
    await screen.findByTestId('operation-log-row-1');
    expect(listRequests(requests).some((url) => url.searchParams.get('cursor') === 'next')).toBe(true);
    expect(screen.queryByTestId('operation-log-load-more')).toBeNull();
  });

  it('speaks English: labels, the deleted staff member and the export’s language', async () => {
    await changeLanguage('en-US');
    stubFetch(server());
    renderPage();
    const created = await screen.findByTestId('operation-log-row-2');
    await waitFor(() => expect(within(created).getByTestId('operation-log-operation').textContent).toBe('Create'));
    expect(within(created).getByTestId('operation-log-object-type').textContent).toBe('Connection');
    await waitFor(() =>
      expect(within(screen.getByTestId('operation-log-row-1')).getByTestId('operation-log-staff').textContent).toBe(
        'Deleted staff member (ID 9)',
      ),
    );
    expect(screen.getByTestId('operation-log-export').getAttribute('href')).toBe('/api/v1/operation-logs/export?locale=en-US');
  });

  it('shows the empty state of a filtered search', async () => {
    stubFetch(server({ items: [] }));
    const user = renderPage();
    await screen.findByTestId('operation-log-empty');
    await waitFor(() => expect(screen.getByRole('combobox', { name: '操作', hidden: true })).toBeTruthy());
    await choose(user, screen.getByRole('combobox', { name: '操作', hidden: true }), '员工 · 登录');
    await user.click(screen.getByTestId('operation-log-search'));
    expect((await screen.findByTestId('operation-log-empty-filtered')).textContent).toContain('没有符合条件的操作日志');
  });
});
