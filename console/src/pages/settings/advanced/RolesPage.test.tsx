// @vitest-environment jsdom
import '../../../test-utils/dom';
import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { permissionMatrix, rolePresets } from '../../../../../core/src/kernel/permission-matrix';
import { PermissionRegistry } from '../../../../../core/src/kernel/permissions';
import type { PermissionCatalog, PermissionRow, Role, StaffMember } from '../../../api/staff';
import { changeLanguage } from '../../../i18n';
import { stubFetch, type FakeReply, type FakeRequest } from '../../../test-utils/fetch';
import { rowSpans } from './PermissionMatrix';
import RolesPage from './RolesPage';
import { admin, apiError, at, bodyOf, choose, fieldErrors, member, renderPage, role, type User, writes } from './test-support';

/** The catalogue of a tenant with these features, as the server builds it (roles.service catalog). */
function catalogOf(features: string[]): PermissionCatalog {
  const registry = new PermissionRegistry();
  const matrix: PermissionRow[] = permissionMatrix
    .filter((row) => features.includes(row.feature))
    .map((row) => ({ ...row, fixed: Boolean(row.fixed), requires: row.requires ?? [] }));
  const extra: PermissionRow[] = [
    {
      id: 'tasks.cancel',
      menu: { 'zh-CN': '其他', 'en-US': 'Other' },
      submenu: { 'zh-CN': '其他', 'en-US': 'Other' },
      right: { 'zh-CN': '任务-取消', 'en-US': 'Tasks — cancel' },
      description: null,
      fixed: false,
      requires: [],
    },
  ];
  const configurable = new Set([...matrix, ...extra].filter((row) => !row.fixed).map((row) => row.id));
  const presets = rolePresets.map((preset) => ({
    key: preset.key,
    name: preset.name,
    permissions: [...registry.close(preset.permissions)].filter((id) => configurable.has(id)).sort(),
  }));
  return { matrix, extra, presets };
}

const catalog = catalogOf(['contacts', 'connections', 'metadata', 'privateApps', 'groups']);

interface Fixture {
  roles: Role[];
  staff: StaffMember[];
  reply?: (request: FakeRequest, url: URL) => FakeReply | undefined;
}

function server(fixture: Fixture) {
  return (request: FakeRequest): FakeReply => {
    const url = new URL(request.url, 'http://console');
    const own = fixture.reply?.(request, url);
    if (own) return own;
    if (url.pathname === '/api/v1/permissions') return { status: 200, body: catalog };
    if (url.pathname === '/api/v1/staff') {
      return { status: 200, body: { items: fixture.staff, total: fixture.staff.length, page: 1, pageSize: 100 } };
    }
    if (url.pathname === '/api/v1/roles' && request.method === 'GET') return { status: 200, body: fixture.roles };
    if (url.pathname === '/api/v1/roles' && request.method === 'POST') {
      const body = JSON.parse(String(request.body)) as { name: string; permissions: string[] };
      const created = role('20', body.name, { permissions: body.permissions });
      fixture.roles = [...fixture.roles, created];
      return { status: 201, body: created };
    }
    const one = url.pathname.match(/^\/api\/v1\/roles\/(\d+)(\/members)?$/);
    if (one) {
      const found = fixture.roles.find((r) => r.id === one[1])!;
      if (request.method === 'DELETE') {
        fixture.roles = fixture.roles.filter((r) => r !== found);
        return { status: 204 };
      }
      const body = JSON.parse(String(request.body)) as Partial<Role> & { staffIds?: string[] };
      if (one[2]) found.memberIds = body.staffIds ?? [];
      else Object.assign(found, body);
      return { status: 200, body: found };
    }
    return { status: 404 };
  };
}

const alice = member('2', 'Alice', { roleIds: ['5'] });
const bob = member('3', 'Bob', { roleIds: ['5'] });
const carol = member('4', 'Carol', { status: 'disabled' });
const operators = role('5', '运营', {
  permissions: ['contacts.edit', 'groupFolders.view', 'groups.view'],
  memberIds: ['2', '3'],
  updatedAt: at,
});
const viewers = role('6', '只读', { status: 'disabled' });

afterEach(async () => {
  vi.unstubAllGlobals();
  await changeLanguage('zh-CN');
});

const box = (id: string) => screen.getByTestId(`permission-${id}`) as HTMLInputElement;
const ticked = () =>
  [...document.querySelectorAll<HTMLInputElement>('[data-testid^="permission-"][type="checkbox"]')]
    .filter((input) => input.checked)
    .map((input) => input.getAttribute('data-testid')!.slice('permission-'.length))
    .sort();

/** 更多操作 of a role, then one of its items (earlier menus stay in the DOM, hidden). */
async function openMore(user: User, roleId: string, action: string) {
  await user.click(within(screen.getByTestId(`role-row-${roleId}`)).getByTestId('role-more'));
  const item = await waitFor(() => {
    const found = document.querySelector<HTMLElement>(
      `.ant-dropdown:not(.ant-dropdown-hidden) [data-testid="role-action-${action}"]`,
    );
    expect(found).toBeTruthy();
    return found!;
  });
  await user.click(item);
}

describe('RolesPage — 角色', () => {
  it('lists roles with status, member names, the number of rights and the update time', async () => {
    stubFetch(server({ roles: [operators, viewers], staff: [admin, alice, bob, carol] }));
    renderPage(<RolesPage />);
    const row = await screen.findByTestId('role-row-5');
    expect(within(row).getByTestId('role-name').textContent).toBe('运营');
    expect(within(row).getByTestId('role-status').textContent).toBe('启用');
    await waitFor(() => expect(within(row).getByTestId('role-members').textContent).toBe('Alice、Bob'));
    expect(within(row).getByTestId('role-permission-count').textContent).toBe('3 项');
    expect(row.textContent).toContain('2025-06-01 12:00');
    const other = screen.getByTestId('role-row-6');
    expect(within(other).getByTestId('role-status').textContent).toBe('停用');
    expect(other.textContent).toContain('暂无');
  });

  it('creates a role from a preset, with linked and fixed rights as the server has them', async () => {
    let refusal: FakeReply | undefined = apiError(409, 'role_name_taken');
    const fixture: Fixture = {
      roles: [],
      staff: [admin],
      reply: (request) => (request.method === 'POST' && request.url === '/api/v1/roles' ? refusal : undefined),
    };
    const requests = stubFetch(server(fixture));
    const user = renderPage(<RolesPage />);
    expect((await screen.findByTestId('roles-empty')).textContent).toContain('还没有角色');
    await user.click(screen.getByTestId('roles-create'));
    await screen.findByTestId('permission-matrix');

    // The seed's groups: 一级菜单 and 二级菜单 once per group; fixed rows ticked, disabled, tagged 默认.
    expect(box('contacts.view').checked).toBe(true);
    expect(box('contacts.view').disabled).toBe(true);
    expect(screen.getByTestId('permission-fixed-contacts.view').textContent).toBe('默认');
    expect(screen.getByTestId('permission-row-contacts.view').textContent).toContain(
      '可查看用户列表，搜索用户，以及查看用户详情。',
    );
    expect(ticked()).toEqual(['connections.view', 'contacts.view', 'metadata.view']);
    expect(within(screen.getByTestId('permission-extra')).getByTestId('permission-tasks.cancel')).toBeTruthy();

    // 快速选择 运营专员: views and edits; adjustable after.
    await choose(user, screen.getByTestId('role-form-preset'), '运营专员');
    expect(ticked()).toEqual([
      'connections.edit',
      'connections.view',
      'contacts.edit',
      'contacts.view',
      'groupFolders.edit',
      'groupFolders.view',
      'groups.edit',
      'groups.view',
      'metadata.view',
    ]);
    // Unticking a view unticks its pair and every right needing it.
    await user.click(box('groups.view'));
    expect(ticked()).toEqual(['connections.edit', 'connections.view', 'contacts.edit', 'contacts.view', 'metadata.view']);
    // Ticking a right ticks the views it needs.
    await user.click(box('groups.delete'));
    expect(box('groups.view').checked).toBe(true);
    expect(box('groupFolders.view').checked).toBe(true);
    await user.click(box('connections.edit'));
    await user.click(box('settings.privateApps'));
    // A fixed right cannot be unticked.
    await user.click(box('contacts.view'));
    expect(box('contacts.view').checked).toBe(true);

    // A name is required; the server's refusals land on their field.
    await user.click(screen.getByTestId('role-form-submit'));
    await waitFor(() => expect(fieldErrors(screen.getByTestId('role-form-name'))).toBe('请输入角色名称'));
    await user.type(screen.getByTestId('role-form-name'), '运营');
    await user.click(screen.getByTestId('role-form-submit'));
    await waitFor(() => expect(fieldErrors(screen.getByTestId('role-form-name'))).toBe('已有同名角色'));
    refusal = apiError(400, 'permission_not_assignable', { permission: 'settings.privateApps' }, [
      { path: 'permissions.3', code: 'permission_not_assignable' },
    ]);
    await user.click(screen.getByTestId('role-form-submit'));
    await waitFor(() =>
      expect(fieldErrors(screen.getByTestId('permission-matrix'))).toBe(
        '权限 设置 - 私有App设置 不能分配给角色（仅限高级员工、未开通的功能或默认权限）',
      ),
    );

    refusal = undefined;
    await user.click(screen.getByTestId('role-form-submit'));
    expect(await screen.findByText('已新建角色 运营', {}, { timeout: 3_000 })).toBeTruthy();
    // Stored without the fixed rights, closed.
    expect(bodyOf(requests, 'POST', '/api/v1/roles')).toEqual({
      name: '运营',
      permissions: ['contacts.edit', 'groupFolders.view', 'groups.delete', 'groups.view', 'settings.privateApps'],
    });
    await screen.findByTestId('role-row-20');
  });

  it('edits a role’s rights, disables it after a warning, sets its members and deletes it', async () => {
    const fixture: Fixture = { roles: [operators, viewers], staff: [admin, alice, bob, carol] };
    const requests = stubFetch(server(fixture));
    const user = renderPage(<RolesPage />);
    await screen.findByTestId('role-row-5');
    await waitFor(() => expect(screen.getByTestId('role-members')).toBeTruthy());

    // 编辑 opens with the stored rights (and the fixed ones) ticked.
    await openMore(user, '5', 'edit');
    await screen.findByTestId('permission-matrix');
    expect((screen.getByTestId('role-form-name') as HTMLInputElement).value).toBe('运营');
    expect(ticked()).toEqual([
      'connections.view',
      'contacts.edit',
      'contacts.view',
      'groupFolders.view',
      'groups.view',
      'metadata.view',
    ]);
    await user.click(box('contacts.edit'));
    await user.click(screen.getByTestId('role-form-submit'));
    await waitFor(() =>
      expect(bodyOf(requests, 'PATCH', '/api/v1/roles/5')).toEqual({
        name: '运营',
        permissions: ['groupFolders.view', 'groups.view'],
      }),
    );
    expect(await screen.findByText('已保存角色 运营', {}, { timeout: 3_000 })).toBeTruthy();

    // 停用 warns; 启用 does not.
    await openMore(user, '5', 'toggle');
    expect(
      await screen.findByText('停用后使用该角色的员工不再拥有它的权限，并立即退出登录。', {}, { timeout: 3_000 }),
    ).toBeTruthy();
    await user.click(screen.getByTestId('role-disable-confirm'));
    await waitFor(() => expect(bodyOf(requests, 'PATCH', '/api/v1/roles/5')).toEqual({ status: 'disabled' }));
    await openMore(user, '6', 'toggle');
    await waitFor(() => expect(bodyOf(requests, 'PATCH', '/api/v1/roles/6')).toEqual({ status: 'enabled' }));

    // 关联成员: normal staff only (super staff are not offered).
    await openMore(user, '5', 'members');
    const select = await screen.findByTestId('role-members-select');
    await user.click(select.closest('.ant-select')!.querySelector('.ant-select-selector')!);
    const options = [
      ...document.querySelectorAll<HTMLElement>('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option'),
    ];
    expect(options.map((option) => option.textContent)).toEqual([
      'Alice（alice@example.com）',
      'Bob（bob@example.com）',
      'Carol（carol@example.com） · 停用',
    ]);
    await user.click(options[2]!);
    await user.click(screen.getByTestId('role-members-submit'));
    expect(await screen.findByText('已更新使用成员', {}, { timeout: 3_000 })).toBeTruthy();
    expect(bodyOf(requests, 'PUT', '/api/v1/roles/5/members')).toEqual({ staffIds: ['2', '3', '4'] });

    // 删除 says what happens to the members, and how many there are.
    await openMore(user, '5', 'delete');
    const content = await screen.findByTestId('role-delete-content');
    expect(content.textContent).toContain('删除角色后，已关联该角色的员工将不再拥有该角色');
    await waitFor(() =>
      expect(screen.getByTestId('role-delete-members').textContent).toBe('该角色有 3 名使用成员，他们将立即退出登录。'),
    );
    await user.click(screen.getByTestId('role-delete-confirm'));
    await waitFor(() => expect(screen.queryByTestId('role-row-5')).toBeNull());
    expect(writes(requests)).toEqual([
      'PATCH /api/v1/roles/5',
      'PATCH /api/v1/roles/5',
      'PATCH /api/v1/roles/6',
      'PUT /api/v1/roles/5/members',
      'DELETE /api/v1/roles/5',
    ]);
  });

  it('hides the rights of a plugin disabled for the tenant: not shown, not sent back (the server keeps them in the role)', async () => {
    // The catalogue leaves out a disabled plugin's rights (ADR 0041); the role still stores them.
    const clerks = role('7', '记账员', { permissions: ['contacts.edit', 'ledger.edit', 'ledger.view'] });
    const fixture: Fixture = { roles: [clerks], staff: [admin] };
    const requests = stubFetch(server(fixture));
    const user = renderPage(<RolesPage />);
    await screen.findByTestId('role-row-7');
    await openMore(user, '7', 'edit');
    await screen.findByTestId('permission-matrix');
    expect(screen.queryByTestId('permission-ledger.view')).toBeNull();
    expect(screen.queryByTestId('permission-ledger.edit')).toBeNull();
    expect(ticked()).toEqual(['connections.view', 'contacts.edit', 'contacts.view', 'metadata.view']);
    await user.click(box('tasks.cancel'));
    await user.click(screen.getByTestId('role-form-submit'));
    await waitFor(() =>
      expect(bodyOf(requests, 'PATCH', '/api/v1/roles/7')).toEqual({
        name: '记账员',
        permissions: ['contacts.edit', 'tasks.cancel'],
      }),
    );
  });

  it('speaks English when switched', async () => {
    stubFetch(server({ roles: [operators], staff: [admin, alice, bob] }));
    const user = renderPage(<RolesPage />);
    await screen.findByTestId('role-row-5');
    await changeLanguage('en-US');
    await waitFor(() => expect(screen.getByTestId('roles-create').textContent).toBe('New role'));
    await user.click(screen.getByTestId('roles-create'));
    await screen.findByTestId('permission-matrix');
    expect(screen.getByTestId('permission-row-contacts.edit').textContent).toContain('Create and edit contacts');
    expect(screen.getByTestId('permission-fixed-contacts.view').textContent).toBe('Default');
  });
});

describe('the matrix’s grouped cells', () => {
  it('spans each run of equal keys from its first row', () => {
    const rows = ['a', 'a', 'b', 'c', 'c', 'c'].map((key, index) => ({ id: String(index), key }));
    expect(rowSpans(rows as unknown as PermissionRow[], (row) => (row as unknown as { key: string }).key)).toEqual([
      2, 0, 1, 3, 0, 0,
    ]);
  });
});
