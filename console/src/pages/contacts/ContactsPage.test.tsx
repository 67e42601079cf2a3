// @vitest-environment jsdom
import '../../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../api/auth';
import type { ContactListColumn, ContactListPage, ContactListRow } from '../../api/contact-list';
import type { Session } from '../../api/types';
import { changeLanguage } from '../../i18n';
import { stubFetch, type FakeReply, type FakeRequest } from '../../test-utils/fetch';
import ContactsPage from './ContactsPage';

const at = Date.UTC(2026, 11, 1, 4, 0);

const col = (key: string, zh: string, type: ContactListColumn['type'] = 'string', masked = false): ContactListColumn => ({
  key,
  source: key.startsWith('attr') ? 'custom' : key.endsWith('At') ? 'property' : 'system',
  name: { 'zh-CN': zh, 'en-US': key },
  type,
  masked,
});
const columns = [
  col('name', '姓名'),
  col('mobilePhone', '手机号码', 'string', true),
  col('attr1', '会员等级'),
  col('updatedAt', '更新时间', 'datetime'),
];
const row = (id: string, name: string, extra: Partial<ContactListRow['values']> = {}): ContactListRow => ({
  id,
  identified: true,
  updatedAt: at,
  values: { name, mobilePhone: '***', attr1: '金卡', updatedAt: at, ...extra },
});

function server(pages: {
  first: ContactListPage;
  more?: ContactListPage;
  reply?: (r: FakeRequest, url: URL) => FakeReply | undefined;
}) {
  return (request: FakeRequest): FakeReply => {
    const url = new URL(request.url, 'http://console');
    const own = pages.reply?.(request, url);
    if (own) return own;
    if (url.pathname === '/api/v1/console/contacts/search') {
      const body = JSON.parse(String(request.body)) as { cursor?: string };
      return { status: 200, body: body.cursor === 'c2' && pages.more ? pages.more : pages.first };
    }
    if (url.pathname === '/api/v1/conditions/catalogue')
      return {
        status: 200,
        body: {
          timeZone: 'Asia/Shanghai',
          contactProperties: [
            { key: 'province', name: '省份', type: 'string', source: 'system' },
            { key: 'attr1', name: '会员等级', type: 'string', source: 'custom' },
          ],
          events: [{ code: 'purchase', name: '购买', properties: [] }],
          groups: [],
          tags: [],
        },
      };
    if (url.pathname === '/api/v1/console/contacts/wechat-ids')
      return {
        status: 200,
        body: {
          items: [
            { contactId: '77', idType: 'wechat.openId', channelId: '3', channelName: '服务号', name: null, identified: false },
          ],
        },
      };
    return { status: 404 };
  };
}

function renderPage(permissions = ['contacts.view', 'contacts.edit']) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  client.setQueryData(sessionQueryKey, {
    staff: { id: '1', name: 'Admin' },
    tenant: { id: '1', name: '租户', timeZone: 'Asia/Shanghai' },
    csrfToken: 'csrf',
    permissions,
  } as unknown as Session);
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={['/contacts/all']}>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <Routes>
              <Route path="/contacts/all" element={<ContactsPage />} />
              <Route path="/contacts/:contactId" element={<div data-testid="detail-page" />} />
            </Routes>
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never });
}

const searches = (requests: FakeRequest[]) =>
  requests
    .filter((r) => r.url.includes('/api/v1/console/contacts/search'))
    .map((r) => JSON.parse(String(r.body)) as Record<string, unknown>);

afterEach(async () => {
  vi.unstubAllGlobals();
  await changeLanguage('zh-CN');
});

describe('ContactsPage — 所有用户', () => {
  it('shows the staff member’s columns with masked values, the total, links to the contact, and loads more', async () => {
    const requests = stubFetch(
      server({
        first: { columns, items: [row('12', '张三'), row('11', '李四', { mobilePhone: null })], nextCursor: 'c2', total: 3 },
        more: { columns, items: [row('10', '王五')], nextCursor: null, total: null },
      }),
    );
    const user = renderPage();
    const first = await screen.findByTestId('contact-row-12');
    expect(within(first).getByTestId('contact-cell-name').textContent).toBe('张三');
    expect(within(first).getByTestId('contact-cell-mobilePhone').getAttribute('data-masked')).toBe('true');
    expect(within(first).getByTestId('contact-cell-updatedAt').textContent).toContain('2026');
    expect(within(screen.getByTestId('contact-row-11')).queryByTestId('contact-cell-mobilePhone')).toBeNull();
    expect(within(first).getByTestId('contact-link').getAttribute('href')).toBe('/contacts/12');
    expect(screen.getByTestId('contacts-total').textContent).toBe('共 3 位用户');
    expect(screen.getAllByRole('columnheader', { hidden: true }).map((h) => h.textContent)).toEqual(
      expect.arrayContaining(['姓名', '手机号码', '会员等级', '更新时间']),
    );

    await user.click(screen.getByTestId('contacts-load-more'));
    await screen.findByTestId('contact-row-10');
    expect(searches(requests).map((s) => s.cursor)).toEqual([undefined, 'c2']);
    expect(screen.queryByTestId('contacts-load-more')).toBeNull();
  });

  it('switches kinds, searches by keyword and by an advanced filter of contact properties only', async () => {
    const requests = stubFetch(server({ first: { columns, items: [row('12', '张三')], nextCursor: null, total: 1 } }));
    const user = renderPage();
    await screen.findByTestId('contact-row-12');

    await user.click(screen.getByTestId('contacts-kind-identified'));
    await waitFor(() => expect(searches(requests).at(-1)).toMatchObject({ kind: 'identified' }));

    await user.type(screen.getByPlaceholderText('搜索姓名、手机号、邮箱或用户 ID'), '张{Enter}');
    await waitFor(() => expect(searches(requests).at(-1)).toMatchObject({ kind: 'identified', keyword: '张' }));

    await user.click(screen.getByTestId('contacts-advanced-toggle'));
    await screen.findByTestId('condition-builder');
    await user.click(screen.getByTestId('condition-group-root-add'));
    const menu = document.querySelector<HTMLElement>('.ant-dropdown:not(.ant-dropdown-hidden)')!;
    // Only 用户属性 can be added: the list filters contact properties (§1.4.12).
    expect(within(menu).getByRole('menuitem', { name: '用户行为', hidden: true }).getAttribute('aria-disabled')).toBe('true');
    await user.click(within(menu).getByRole('menuitem', { name: '用户属性', hidden: true }));
    const leaf = screen.getByTestId('condition-0-leaf');
    await user.type(within(leaf).getByRole('combobox', { name: '值', hidden: true }), '上海{Enter}');
    await user.click(screen.getByTestId('contacts-filter-apply'));
    await waitFor(() =>
      expect(searches(requests).at(-1)).toMatchObject({
        kind: 'identified',
        keyword: '张',
        filter: { type: 'and', conditions: [{ type: 'property', property: 'province', operator: 'eq', values: ['上海'] }] },
      }),
    );
    await user.click(screen.getByTestId('contacts-filter-clear'));
    await waitFor(() => expect(searches(requests).at(-1)).not.toHaveProperty('filter'));
  });

  it('shows the empty state, and the server’s filter problems on the leaf', async () => {
    stubFetch(
      server({
        first: { columns, items: [], nextCursor: null, total: 0 },
        reply: (request) => {
          const body = request.body ? (JSON.parse(String(request.body)) as { filter?: unknown }) : {};
          if (!request.url.includes('/search') || !body.filter) return undefined;
          return {
            status: 400,
            body: {
              statusCode: 400,
              code: 'contact_filter_invalid',
              message: '用户筛选条件有 1 处错误，请修改后重试',
              details: [
                {
                  path: 'conditions.0.property',
                  code: 'contact_filter_field_masked',
                  message: '该字段已脱敏，您没有按它筛选的权限',
                },
              ],
            },
          };
        },
      }),
    );
    const user = renderPage();
    expect((await screen.findByTestId('contacts-empty')).textContent).toContain('还没有用户');
    await user.click(screen.getByTestId('contacts-advanced-toggle'));
    await screen.findByTestId('condition-builder');
    await user.click(screen.getByTestId('condition-group-root-add'));
    const menu = document.querySelector<HTMLElement>('.ant-dropdown:not(.ant-dropdown-hidden)')!;
    await user.click(within(menu).getByRole('menuitem', { name: '用户属性', hidden: true }));
    await user.type(
      within(screen.getByTestId('condition-0-leaf')).getByRole('combobox', { name: '值', hidden: true }),
      '上海{Enter}',
    );
    await user.click(screen.getByTestId('contacts-filter-apply'));
    await waitFor(() => expect(screen.getByTestId('condition-builder').textContent).toContain('该字段已脱敏'));
  });

  it('更多操作 → 搜索微信 ID opens the one matching contact; 定制显示列 needs 用户-编辑', async () => {
    stubFetch(server({ first: { columns, items: [], nextCursor: null, total: 0 } }));
    const user = renderPage(['contacts.view']);
    await screen.findByTestId('contacts-empty');
    await user.click(screen.getByTestId('contacts-more-actions'));
    expect(await screen.findByTestId('contacts-action-wechat')).toBeTruthy();
    expect(screen.queryByTestId('contacts-action-columns')).toBeNull();
    await user.click(screen.getByTestId('contacts-action-wechat'));
    const modal = await screen.findByTestId('contacts-wechat-modal');
    await user.type(within(modal).getByPlaceholderText('Open ID 或 Union ID'), 'oFan{Enter}');
    expect(await screen.findByTestId('detail-page')).toBeTruthy();
  });
});
