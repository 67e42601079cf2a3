// @vitest-environment jsdom
import '../../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stubFetch, type FakeRequest, type FakeReply } from '../../test-utils/fetch';
import { VirtualEventDrawer } from './VirtualEventDrawer';

const properties = [
  { key: '$sdk_version', name: '$sdk_version', type: 'string', source: 'custom' },
  { key: 'amount', name: 'amount', type: 'number', source: 'custom' },
];

function api(request: FakeRequest): FakeReply {
  if (request.url.startsWith('/api/v1/metadata/event-types')) {
    const event = (code: string, name: string) => ({
      id: '1',
      code,
      name,
      names: { 'zh-CN': name, 'en-US': name },
      source: 'custom',
      channelType: 'custom',
      channelId: '1',
      parentCode: null,
      direction: 'inbound',
      description: null,
      properties: [],
      sdk: true,
      subEvents: [],
      createdAt: 1,
      updatedAt: 1,
    });
    return { status: 200, body: { items: [event('order_paid', '支付订单'), event('order_item', '购买商品')] } };
  }
  if (request.url === '/api/v1/conditions/catalogue') {
    return {
      status: 200,
      body: {
        timeZone: 'Asia/Shanghai',
        contactProperties: [],
        events: [
          { code: 'order_paid', name: 'order_paid', properties },
          { code: 'order_item', name: 'order_item', properties },
        ],
        groups: [],
        tags: [],
      },
    };
  }
  if (request.method === 'POST') return { status: 201, body: {} };
  return { status: 404 };
}

afterEach(() => vi.unstubAllGlobals());

type User = ReturnType<typeof userEvent.setup>;
async function choose(user: User, combobox: HTMLElement, label: string) {
  await user.click(combobox);
  const dropdowns = document.querySelectorAll<HTMLElement>('.ant-select-dropdown:not(.ant-select-dropdown-hidden)');
  const options = [...dropdowns].flatMap((dropdown) => [...dropdown.querySelectorAll<HTMLElement>('.ant-select-item-option')]);
  const option = options.find((candidate) => candidate.textContent?.includes(label));
  expect(option, `option ${label} among ${options.map((candidate) => candidate.textContent).join(', ')}`).toBeDefined();
  await user.click(option!);
}

describe('VirtualEventDrawer', () => {
  it('builds a member with a property filter from the condition builder’s rows', async () => {
    const requests = stubFetch(api);
    const onSaved = vi.fn();
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <VirtualEventDrawer virtualEvent={null} onClose={() => undefined} onSaved={onSaved} />
          </App>
        </ConfigProvider>
      </QueryClientProvider>,
    );
    const user = userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never });
    await user.type(screen.getByTestId('virtual-event-name'), '大额支付');
    await waitFor(() => expect(requests.some((r) => r.url === '/api/v1/conditions/catalogue')).toBe(true));
    const member = screen.getByTestId('virtual-member-0');
    await choose(user, within(member).getByRole('combobox', { name: '事件', hidden: true }), 'order_paid');
    await waitFor(() => expect((screen.getByTestId('virtual-member-0-add-filter') as HTMLButtonElement).disabled).toBe(false));
    await user.click(screen.getByTestId('virtual-member-0-add-filter'));
    const row = screen.getByTestId('virtual-member-0-filter-0');
    await user.type(within(row).getByRole('combobox', { name: '事件属性', hidden: true }), 'amount{Enter}');
    await choose(user, within(row).getByRole('combobox', { name: '运算符', hidden: true }), '大于');
    await user.type(within(row).getByRole('spinbutton', { hidden: true }), '50');
    await user.click(screen.getByTestId('virtual-event-submit'));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const post = requests.find((r) => r.method === 'POST');
    expect(JSON.parse(String(post?.body))).toEqual({
      name: '大额支付',
      description: null,
      members: [{ event: 'order_paid', filters: [{ property: 'amount', operator: 'gt', values: [50] }] }],
    });
  });
});
