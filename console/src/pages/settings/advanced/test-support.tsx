import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router-dom';
import { expect } from 'vitest';
import { sessionQueryKey } from '../../../api/auth';
import type { Role, StaffMember } from '../../../api/staff';
import type { Session } from '../../../api/types';
import type { FakeRequest } from '../../../test-utils/fetch';

// Shared by the 员工 and 角色 page tests (component tests only; not part of the console bundle).

export const at = Date.UTC(2025, 5, 1, 4, 0);

export const member = (id: string, name: string, extra: Partial<StaffMember> = {}): StaffMember => ({
  id,
  tenantId: '1',
  email: `${name.toLowerCase()}@example.com`,
  name,
  isSuper: false,
  status: 'enabled',
  roleIds: [],
  mfaEnabled: false,
  mfaBound: false,
  lastLoginAt: null,
  createdAt: at,
  updatedAt: at,
  ...extra,
});

export const admin = member('1', 'Admin', { isSuper: true, lastLoginAt: at });

export const role = (id: string, name: string, extra: Partial<Role> = {}): Role => ({
  id,
  name,
  status: 'enabled',
  permissions: [],
  memberIds: [],
  createdAt: at,
  updatedAt: at,
  ...extra,
});

/** The page inside the console's providers, signed in as `admin` (super staff). */
export function renderPage(page: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  client.setQueryData(sessionQueryKey, {
    staff: admin,
    tenant: { id: '1', name: '租户', timeZone: 'Asia/Shanghai' },
    csrfToken: 'csrf',
    permissions: ['staff.manage', 'staff.view'],
  } as unknown as Session);
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>{page}</App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never });
}

export type User = ReturnType<typeof userEvent.setup>;

/** Opens the select (`root`: the element holding the test id, or inside it) and clicks the option holding `label`. */
export async function choose(user: User, root: HTMLElement, label: string): Promise<void> {
  const select = root.closest('.ant-select') ?? root.querySelector('.ant-select') ?? root;
  await user.click(select.querySelector<HTMLElement>('.ant-select-selector') ?? (select as HTMLElement));
  const dropdowns = document.querySelectorAll<HTMLElement>('.ant-select-dropdown:not(.ant-select-dropdown-hidden)');
  const options = [...dropdowns].flatMap((dropdown) => [...dropdown.querySelectorAll<HTMLElement>('.ant-select-item-option')]);
  const option = options.find((candidate) => candidate.textContent === label);
  expect(option, `option ${label} among ${options.map((candidate) => candidate.textContent).join(', ')}`).toBeDefined();
  await user.click(option!);
}

/** `POST /api/v1/…` lines of the writes made, in order. */
export const writes = (requests: FakeRequest[]) => requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.url}`);

/** The JSON body of the last write to `url`. */
export function bodyOf(requests: FakeRequest[], method: string, url: string): unknown {
  const found = requests.filter((r) => r.method === method && r.url === url);
  expect(found.length, `${method} ${url}`).toBeGreaterThan(0);
  return JSON.parse(String(found[found.length - 1]!.body));
}

/** The validation messages under the form item holding `element`. */
export function fieldErrors(element: HTMLElement): string {
  const item = element.closest('.ant-form-item');
  return [...(item?.querySelectorAll('.ant-form-item-explain-error') ?? [])].map((node) => node.textContent).join(' ');
}

export function apiError(statusCode: number, code: string, params: Record<string, string> = {}, details: unknown[] = []) {
  return { status: statusCode, body: { statusCode, code, message: code, params, details, requestId: 'r' } };
}
