// @vitest-environment jsdom
import '../../../test-utils/dom';
import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Role, StaffMember } from '../../../api/staff';
import { changeLanguage } from '../../../i18n';
import { stubFetch, type FakeReply, type FakeRequest } from '../../../test-utils/fetch';
import StaffPage from './StaffPage';
import { admin, apiError, at, bodyOf, choose, fieldErrors, member, renderPage, role, writes } from './test-support';

interface Fixture {
  staff: StaffMember[];
  roles: Role[];
  reply?: (request: FakeRequest, url: URL) => FakeReply | undefined;
}

function server(fixture: Fixture) {
  return (request: FakeRequest): FakeReply => {
    const url = new URL(request.url, 'http://console');
    const own = fixture.reply?.(request, url);
    if (own) return own;
    if (url.pathname === '/api/v1/roles') return { status: 200, body: fixture.roles };
    if (url.pathname === '/api/v1/staff' && request.method === 'GET') {
      return { status: 200, body: { items: fixture.staff, total: fixture.staff.length, page: 1, pageSize: 20 } };
    }
    if (url.pathname === '/api/v1/staff' && request.method === 'POST') {
      const body = JSON.parse(String(request.body)) as { email: string; name: string; roleIds: string[] };
      const created = member('9', body.name, { email: body.email, roleIds: body.roleIds });
      fixture.staff = [...fixture.staff, created];
      return { status: 201, body: created };
    }
    const one = url.pathname.match(/^\/api\/v1\/staff\/(\d+)(\/status|\/password)?$/);
    if (one) {
      const found = fixture.staff.find((m) => m.id === one[1])!;
      if (request.method === 'DELETE') {
        fixture.staff = fixture.staff.filter((m) => m !== found);
        return { status: 204 };
      }
      if (one[2] === '/password') return { status: 204 };
      const patch = JSON.parse(String(request.body)) as Partial<StaffMember>;
      Object.assign(found, patch);
      return { status: 200, body: found };
    }
    return { status: 404 };
  };
}

const operators = role('5', '运营');
const analysts = role('6', '分析', { status: 'disabled' });

afterEach(async () => {
  vi.unstubAllGlobals();
  await changeLanguage('zh-CN');
});

describe('StaffPage — 员工', () => {
  it('lists staff with type, role names, status and last sign-in in the tenant’s time zone; super staff rows have no actions', async () => {
    const alice = member('2', 'Alice', { roleIds: ['5', '6'], lastLoginAt: at });
    const bob = member('3', 'Bob', { status: 'disabled', roleIds: [] });
    stubFetch(server({ staff: [admin, alice, bob], roles: [operators, analysts] }));
    renderPage(<StaffPage />);

    const aliceRow = await screen.findByTestId('staff-row-2');
    expect(within(aliceRow).getByTestId('staff-type').textContent).toBe('员工');
    await waitFor(() =>
      expect(
        within(aliceRow)
          .getAllByTestId('staff-role')
          .map((tag) => tag.textContent),
      ).toEqual(['运营', '分析（已停用）']),
    );
    expect(within(aliceRow).getByTestId('staff-status').textContent).toBe('启用');
    // 12:00 in Asia/Shanghai.
    expect(within(aliceRow).getByTestId('staff-last-login').textContent).toBe('2025-06-01 12:00');
    expect(aliceRow.textContent).toContain('alice@example.com');
    expect(within(aliceRow).getByTestId('staff-action-edit')).toBeTruthy();

    const bobRow = screen.getByTestId('staff-row-3');
    expect(within(bobRow).getByTestId('staff-status').textContent).toBe('停用');
    expect(bobRow.textContent).toContain('无角色（仅默认权限）');
    expect(bobRow.textContent).toContain('从未登录');
    expect(within(bobRow).getByTestId('staff-action-toggle').textContent).toBe('启用');

    // The signed-in super staff: 高级员工, marked 我, no actions at all.
    const adminRow = screen.getByTestId('staff-row-1');
    expect(within(adminRow).getByTestId('staff-type').textContent).toBe('高级员工');
    expect(adminRow.textContent).toContain('我');
    expect(within(adminRow).getByTestId('staff-protected')).toBeTruthy();
    expect(within(adminRow).queryByTestId('staff-action-edit')).toBeNull();
    expect(within(adminRow).queryByTestId('staff-action-delete')).toBeNull();
    // Super staff switch MFA for anyone, themselves included.
    expect(within(adminRow).getByTestId('staff-mfa-switch-1').getAttribute('aria-checked')).toBe('false');
  });

  it('adds a staff member with a role, showing the server’s refusal on the field', async () => {
    let taken = true;
    const fixture: Fixture = {
      staff: [admin],
      roles: [operators, analysts],
      reply: (request) =>
        taken && request.method === 'POST' && request.url === '/api/v1/staff' ? apiError(409, 'email_taken') : undefined,
    };
    const requests = stubFetch(server(fixture));
    const user = renderPage(<StaffPage />);
    await screen.findByTestId('staff-row-1');
    await waitFor(() => expect((screen.getByTestId('staff-create') as HTMLButtonElement).disabled).toBe(false));
    await user.click(screen.getByTestId('staff-create'));

    // Required fields first: nothing is sent.
    await user.click(await screen.findByTestId('staff-form-submit'));
    await waitFor(() => expect(fieldErrors(screen.getByTestId('staff-form-roles'))).toBe('请为员工选择至少一个角色'));
    expect(fieldErrors(screen.getByTestId('staff-form-email'))).toBe('请输入邮箱');

    await user.type(screen.getByTestId('staff-form-email'), 'carol@example.com');
    await user.type(screen.getByTestId('staff-form-name'), 'Carol');
    await user.type(screen.getByTestId('staff-form-password'), 'Carol-pass-1');
    await choose(user, screen.getByTestId('staff-form-roles'), '运营');
    await user.click(screen.getByTestId('staff-form-submit'));
    await waitFor(() => expect(fieldErrors(screen.getByTestId('staff-form-email'))).toBe('该邮箱已被使用'));

    taken = false;
    await user.clear(screen.getByTestId('staff-form-email'));
    await user.type(screen.getByTestId('staff-form-email'), 'carol2@example.com');
    await user.click(screen.getByTestId('staff-form-submit'));
    expect(await screen.findByText('已添加员工 Carol', {}, { timeout: 3_000 })).toBeTruthy();
    expect(bodyOf(requests, 'POST', '/api/v1/staff')).toEqual({
      email: 'carol2@example.com',
      name: 'Carol',
      password: 'Carol-pass-1',
      roleIds: ['5'],
    });
    await screen.findByTestId('staff-row-9');
  });

  it('asks to add a role first when the tenant has none, linking to the roles page', async () => {
    const requests = stubFetch(server({ staff: [admin], roles: [] }));
    const user = renderPage(<StaffPage />);
    await screen.findByTestId('staff-row-1');
    await waitFor(() => expect((screen.getByTestId('staff-create') as HTMLButtonElement).disabled).toBe(false));
    await user.click(screen.getByTestId('staff-create'));
    const empty = await screen.findByTestId('staff-no-roles');
    expect(empty.textContent).toContain('请先在【角色】中添加角色');
    expect(empty.textContent).toContain('需要先添加角色，才能成功添加员工。');
    expect(screen.getByTestId('staff-no-roles-link').getAttribute('href')).toBe('/settings/advanced/roles');
    expect(screen.queryByTestId('staff-form-submit')).toBeNull();
    expect(writes(requests)).toEqual([]);
  });

  it('edits, disables after a warning, enables, sets a password and deletes a staff member', async () => {
    const alice = member('2', 'Alice', { roleIds: ['5'] });
    const bob = member('3', 'Bob', { roleIds: ['5'], status: 'disabled' });
    const requests = stubFetch(server({ staff: [admin, alice, bob], roles: [operators, analysts] }));
    const user = renderPage(<StaffPage />);

    // 编辑: roles cannot be emptied; a change of roles is sent with name and email.
    await user.click(within(await screen.findByTestId('staff-row-2')).getByTestId('staff-action-edit'));
    const roles = await screen.findByTestId('staff-form-roles');
    expect((screen.getByTestId('staff-form-email') as HTMLInputElement).value).toBe('alice@example.com');
    expect(screen.queryByTestId('staff-form-password')).toBeNull();
    const select = roles.closest('.ant-select')!;
    await user.click(select.querySelector('.ant-select-selection-item-remove')!);
    await user.click(screen.getByTestId('staff-form-submit'));
    await waitFor(() => expect(fieldErrors(roles)).toBe('请为员工选择至少一个角色'));
    await choose(user, roles, '分析（已停用）');
    await user.clear(screen.getByTestId('staff-form-name'));
    await user.type(screen.getByTestId('staff-form-name'), 'Alice Liu');
    await user.click(screen.getByTestId('staff-form-submit'));
    expect(await screen.findByText('已保存员工信息', {}, { timeout: 3_000 })).toBeTruthy();
    expect(bodyOf(requests, 'PATCH', '/api/v1/staff/2')).toEqual({
      email: 'alice@example.com',
      name: 'Alice Liu',
      roleIds: ['6'],
    });

    // 停用 warns that the member is signed out at once.
    await user.click(within(screen.getByTestId('staff-row-2')).getByTestId('staff-action-toggle'));
    expect(await screen.findByText('停用后该员工立即退出登录，再次启用前无法登录。', {}, { timeout: 3_000 })).toBeTruthy();
    await user.click(screen.getByTestId('staff-disable-confirm'));
    expect(await screen.findByText('已停用员工，该员工已退出登录', {}, { timeout: 3_000 })).toBeTruthy();
    expect(bodyOf(requests, 'POST', '/api/v1/staff/2/status')).toEqual({ status: 'disabled' });

    // 启用 needs no confirmation.
    await user.click(within(screen.getByTestId('staff-row-3')).getByTestId('staff-action-toggle'));
    await waitFor(() => expect(bodyOf(requests, 'POST', '/api/v1/staff/3/status')).toEqual({ status: 'enabled' }));

    // 修改密码: both entries must match.
    await user.click(within(screen.getByTestId('staff-row-3')).getByTestId('staff-action-password'));
    expect((await screen.findByTestId('staff-password-modal')).textContent).toContain('所有登录立即退出');
    await user.type(screen.getByTestId('staff-password-new'), 'New-pass-123');
    await user.type(screen.getByTestId('staff-password-confirm'), 'New-pass-124');
    await user.click(screen.getByTestId('staff-password-submit'));
    await waitFor(() => expect(fieldErrors(screen.getByTestId('staff-password-confirm'))).toBe('两次输入的密码不一致'));
    await user.clear(screen.getByTestId('staff-password-confirm'));
    await user.type(screen.getByTestId('staff-password-confirm'), 'New-pass-123');
    await user.click(screen.getByTestId('staff-password-submit'));
    expect(await screen.findByText('密码已修改，该员工需使用新密码重新登录', {}, { timeout: 3_000 })).toBeTruthy();
    expect(bodyOf(requests, 'POST', '/api/v1/staff/3/password')).toEqual({ password: 'New-pass-123' });

    // 删除, asked first.
    await user.click(within(screen.getByTestId('staff-row-3')).getByTestId('staff-action-delete'));
    expect(await screen.findByText('删除后该员工立即退出登录，且无法恢复。', {}, { timeout: 3_000 })).toBeTruthy();
    await user.click(screen.getByTestId('staff-delete-confirm'));
    await waitFor(() => expect(screen.queryByTestId('staff-row-3')).toBeNull());
    expect(writes(requests)).toEqual([
      'PATCH /api/v1/staff/2',
      'POST /api/v1/staff/2/status',
      'POST /api/v1/staff/3/status',
      'POST /api/v1/staff/3/password',
      'DELETE /api/v1/staff/3',
    ]);
  });

  it('shows the MFA column once the server sends the MFA fields', async () => {
    const alice = member('2', 'Alice', { roleIds: ['5'], mfaEnabled: true, mfaBound: false });
    const bob = member('3', 'Bob', { roleIds: ['5'], mfaEnabled: false, mfaBound: false });
    stubFetch(server({ staff: [{ ...admin, mfaEnabled: false, mfaBound: false }, alice, bob], roles: [operators] }));
    renderPage(<StaffPage />);
    // On but not bound: 否 (seed: 已开启…但并未绑定…会显示否); off: the switch alone.
    expect((await screen.findByTestId('staff-mfa-2')).textContent).toBe('否');
    expect(screen.getByTestId('staff-mfa-switch-2').getAttribute('aria-checked')).toBe('true');
    expect(screen.getByTestId('staff-mfa-3').textContent).toBe('');
    expect(screen.getByTestId('staff-mfa-switch-3').getAttribute('aria-checked')).toBe('false');
    expect(screen.queryByTestId('staff-mfa-reset-2')).toBeNull();
    expect(screen.getAllByText('多因素验证').length).toBeGreaterThan(0);
  });

  it('speaks English when switched', async () => {
    stubFetch(server({ staff: [admin, member('2', 'Alice', { roleIds: ['5'] })], roles: [operators] }));
    renderPage(<StaffPage />);
    const row = await screen.findByTestId('staff-row-2');
    await changeLanguage('en-US');
    await waitFor(() => expect(within(row).getByTestId('staff-action-edit').textContent).toBe('Edit'));
    expect(within(screen.getByTestId('staff-row-1')).getByTestId('staff-type').textContent).toBe('Super staff');
    expect(screen.getByTestId('staff-create').textContent).toBe('Add staff');
  });
});
