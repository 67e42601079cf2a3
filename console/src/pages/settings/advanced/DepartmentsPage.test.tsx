// @vitest-environment jsdom
import '../../../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../../api/auth';
import type { Department } from '../../../api/departments';
import type { Session, Staff } from '../../../api/types';
import { changeLanguage } from '../../../i18n';
import { stubFetch, type FakeReply, type FakeRequest } from '../../../test-utils/fetch';
import DepartmentsPage from './DepartmentsPage';
import { member } from './test-support';

const at = Date.UTC(2025, 5, 1, 4, 0);

const person = (id: string, name: string): Staff => member(id, name);

/** A small in-memory departments API: the tree, the switch, and who is where. */
function fakeServer(initial: { departments: [string, string, string | null][]; members?: Record<string, string> }) {
  const state = {
    orgEnabled: false,
    departments: initial.departments.map(([id, name, parentId], sort) => ({ id, name, parentId, sort })),
    members: new Map(Object.entries(initial.members ?? {})),
    nextId: 100,
  };
  const staff = [person('7', 'Alice'), person('8', 'Bob'), person('9', 'Carol')];
  const view = (): Department[] =>
    state.departments.map((d) => ({
      ...d,
      staffCount: [...state.members.values()].filter((id) => id === d.id).length,
      createdAt: at,
      updatedAt: at,
    }));
  const body = (request: FakeRequest) => JSON.parse(String(request.body ?? '{}')) as Record<string, unknown>;
  const reply = (request: FakeRequest): FakeReply => {
    const url = new URL(request.url, 'http://console');
    const path = url.pathname;
    if (path === '/api/v1/departments' && request.method === 'GET')
      return {
        status: 200,
        body: { orgEnabled: state.orgEnabled, departments: view(), myDepartmentId: null, assignableIds: [] },
      };
    if (path === '/api/v1/departments' && request.method === 'POST') {
      const { name, parentId } = body(request) as { name: string; parentId: string | null };
      if (state.departments.some((d) => d.parentId === parentId && d.name === name))
        return {
          status: 400,
          body: { statusCode: 400, code: 'department_name_taken', message: 'taken', params: { name }, requestId: 'r' },
        };
      const created = { id: String((state.nextId += 1)), name, parentId, sort: 0 };
      state.departments.push(created);
      return { status: 201, body: view().find((d) => d.id === created.id) };
    }
    if (path === '/api/v1/departments/settings') {
      state.orgEnabled = Boolean(body(request).orgEnabled);
      return { status: 200, body: { orgEnabled: state.orgEnabled } };
    }
    const one = path.match(/^\/api\/v1\/departments\/(\d+)(\/staff)?$/);
    if (one && one[2]) {
      const ids = [...state.members].filter(([, d]) => d === one[1]).map(([s]) => s);
      return { status: 200, body: { items: staff.filter((s) => ids.includes(s.id)) } };
    }
    if (one && request.method === 'PATCH') {
      const department = state.departments.find((d) => d.id === one[1])!;
      Object.assign(department, body(request));
      return { status: 200, body: view().find((d) => d.id === department.id) };
    }
    if (one && request.method === 'DELETE') {
      if ([...state.members.values()].includes(one[1]!))
        return { status: 400, body: { statusCode: 400, code: 'department_has_staff', message: 'staff', requestId: 'r' } };
      state.departments = state.departments.filter((d) => d.id !== one[1]);
      return { status: 204 };
    }
    if (path === '/api/v1/staff') return { status: 200, body: { items: staff, total: staff.length, page: 1, pageSize: 100 } };
    const member = path.match(/^\/api\/v1\/staff\/(\d+)\/department$/);
    if (member) {
      const { departmentId } = body(request) as { departmentId: string | null };
      if (departmentId === null) state.members.delete(member[1]!);
      else state.members.set(member[1]!, departmentId);
      return { status: 200, body: { staffId: member[1], departmentId } };
    }
    return { status: 404, body: { statusCode: 404, code: 'route_not_found', message: 'no', requestId: 'r' } };
  };
  return { state, reply };
}

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  client.setQueryData(sessionQueryKey, {
    staff: { id: '1', name: 'Admin', isSuper: true },
    tenant: { id: '1', name: '租户', timeZone: 'Asia/Shanghai' },
    csrfToken: 'csrf',
    permissions: ['departments.manage', 'staff.view'],
  } as unknown as Session);
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={['/settings/advanced/departments']}>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <DepartmentsPage />
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never });
}

const writes = (requests: FakeRequest[]) =>
  requests
    .filter((r) => r.method !== 'GET')
    .map((r) => `${r.method} ${new URL(r.url, 'http://c').pathname} ${String(r.body ?? '')}`);

/** The open dropdown of a select or tree select. */
const openDropdown = () =>
  [...document.querySelectorAll<HTMLElement>('.ant-select-dropdown')].find((d) => !d.className.includes('hidden'))!;

afterEach(async () => {
  vi.unstubAllGlobals();
  await changeLanguage('zh-CN');
});

describe('DepartmentsPage — 设置 → 高级设置 → 部门', () => {
  it('says what the 组织架构 switch does and switches it only after asking', async () => {
    const server = fakeServer({ departments: [] });
    const requests = stubFetch(server.reply);
    const user = renderPage();

    expect(await screen.findByTestId('departments-empty')).toBeTruthy();
    expect(screen.getByTestId('department-org-hint').textContent).toContain('未开启：数据权限不生效');
    await user.click(screen.getByTestId('department-org-switch'));
    expect((await screen.findAllByText('开启组织架构？')).length).toBeGreaterThan(0);
    await user.click(screen.getByTestId('department-org-confirm'));
    await waitFor(() => expect(writes(requests)).toEqual(['PUT /api/v1/departments/settings {"orgEnabled":true}']));
    await waitFor(() => expect(screen.getByTestId('department-org-hint').textContent).toContain('已开启'));
    expect(server.state.orgEnabled).toBe(true);
  });

  it('creates a top-level department and a sub-department, and puts a sibling’s name refusal on the field', async () => {
    const server = fakeServer({ departments: [['1', '总公司', null]] });
    const requests = stubFetch(server.reply);
    const user = renderPage();

    await user.click(await screen.findByTestId('department-node-1'));
    await user.click(screen.getByTestId('department-add-child'));
    expect(await screen.findByText('在「总公司」下添加子部门')).toBeTruthy();
    await user.type(screen.getByTestId('department-name-input'), '市场部');
    await user.click(screen.getByTestId('department-name-submit'));
    await waitFor(() => expect(writes(requests)).toEqual(['POST /api/v1/departments {"name":"市场部","parentId":"1"}']));
    // The new department is shown, under its parent, and selected.
    const created = await screen.findByTestId('department-node-101');
    expect(created.getAttribute('data-name')).toBe('市场部');
    await waitFor(() => expect(within(screen.getByTestId('department-detail')).getByText('总公司')).toBeTruthy());

    // A second 市场部 under 总公司 is refused by the server: said on the field, the modal stays open.
    await user.click(screen.getByTestId('department-node-1'));
    await user.click(screen.getByTestId('department-add-child'));
    await user.type(await screen.findByTestId('department-name-input'), '市场部');
    await user.click(screen.getByTestId('department-name-submit'));
    expect(await screen.findByText('同级已有名为「市场部」的部门')).toBeTruthy();
    expect(screen.getByTestId('department-name-input')).toBeTruthy();
  });

  it('moves a department with the picker, where it and its sub-departments cannot be chosen', async () => {
    const server = fakeServer({
      departments: [
        ['1', '总公司', null],
        ['2', '市场部', '1'],
        ['3', '市场一组', '2'],
        ['4', '销售部', '1'],
      ],
    });
    const requests = stubFetch(server.reply);
    const user = renderPage();

    await user.click(await screen.findByTestId('department-node-2'));
    await user.click(screen.getByTestId('department-move'));
    await user.click(within(await screen.findByTestId('department-move-parent')).getByRole('combobox', { hidden: true }));
    const dropdown = openDropdown();
    const node = (title: string) =>
      [...dropdown.querySelectorAll<HTMLElement>('.ant-select-tree-treenode')].find(
        (n) => n.querySelector('.ant-select-tree-title')?.textContent === title,
      )!;
    expect(node('市场部').className).toContain('disabled');
    expect(node('市场一组').className).toContain('disabled');
    expect(node('销售部').className).not.toContain('disabled');
    await user.click(node('销售部').querySelector<HTMLElement>('.ant-select-tree-node-content-wrapper')!);
    await user.click(screen.getByTestId('department-move-submit'));
    await waitFor(() => expect(writes(requests)).toEqual(['PATCH /api/v1/departments/2 {"parentId":"4"}']));
    expect(server.state.departments.find((d) => d.id === '2')?.parentId).toBe('4');
  });

  it('assigns staff to the selected department, removes one, and refuses to delete a department with staff', async () => {
    const server = fakeServer({ departments: [['1', '市场部', null]], members: { '9': '1' } });
    const requests = stubFetch(server.reply);
    const user = renderPage();

    await user.click(await screen.findByTestId('department-node-1'));
    expect(await screen.findByTestId('department-staff-9')).toBeTruthy();
    await user.click(screen.getByTestId('department-assign'));
    await user.click(within(await screen.findByTestId('department-assign-staff')).getByRole('combobox', { hidden: true }));
    await waitFor(() => expect(openDropdown().querySelectorAll('.ant-select-item-option').length).toBe(2));
    // Carol is in the department already: only Alice and Bob are offered.
    const options = [...openDropdown().querySelectorAll<HTMLElement>('.ant-select-item-option')];
    expect(options.map((o) => o.textContent)).toEqual(['Alice (alice@example.com)', 'Bob (bob@example.com)']);
    await user.click(options[0]!);
    await user.click(options[1]!);
    await user.click(screen.getByTestId('department-assign-submit'));
    await waitFor(() =>
      expect(writes(requests)).toEqual([
        'PUT /api/v1/staff/7/department {"departmentId":"1"}',
        'PUT /api/v1/staff/8/department {"departmentId":"1"}',
      ]),
    );
    expect(await screen.findByTestId('department-staff-7')).toBeTruthy();
    expect(await screen.findByTestId('department-staff-8')).toBeTruthy();

    await user.click(screen.getByTestId('department-staff-remove-9'));
    await user.click(await screen.findByTestId('department-staff-remove-confirm-9'));
    await waitFor(() => expect(writes(requests)).toContain('PUT /api/v1/staff/9/department {"departmentId":null}'));
    await waitFor(() => expect(screen.queryByTestId('department-staff-9')).toBeNull());

    await user.click(screen.getByTestId('department-remove'));
    await user.click(await screen.findByTestId('department-remove-confirm'));
    expect(await screen.findByText('该部门下还有员工，请先把员工分配到其他部门')).toBeTruthy();
    expect(screen.getByTestId('department-node-1')).toBeTruthy();
  });
});
