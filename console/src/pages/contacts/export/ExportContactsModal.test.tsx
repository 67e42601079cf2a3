// @vitest-environment jsdom
import '../../../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ContactExportOptions } from '../../../api/contact-exports';
import { stubFetch, type FakeReply, type FakeRequest } from '../../../test-utils/fetch';
import { ExportContactsModal } from './ExportContactsModal';

const options: ContactExportOptions = {
  fields: [
    { key: 'name', label: '姓名', group: 'system', masked: false },
    { key: 'mobilePhone', label: '手机号码', group: 'system', masked: true },
    { key: 'email', label: '邮箱', group: 'system', masked: false },
    { key: 'attr1', label: '优惠码', group: 'custom', masked: false },
    { key: 'createdAt', label: '创建时间', group: 'readOnly', masked: false },
  ],
  wechatChannels: [{ id: '8', name: '服务号' }],
  customChannels: [{ id: '7', name: '官网' }],
  maxRows: 100_000,
};

function renderModal(reply: (request: FakeRequest) => FakeReply | undefined, filter?: unknown) {
  const requests = stubFetch((request) => {
    const url = new URL(request.url, 'http://console');
    if (url.pathname === '/api/v1/console/contact-exports/options') return { status: 200, body: options };
    return reply(request) ?? { status: 404 };
  });
  const close = vi.fn();
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <ExportContactsModal close={close} filter={filter} />
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  const user = userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never });
  return { requests, close, user };
}

const posted = (requests: FakeRequest[]) =>
  requests.filter((r) => r.method === 'POST').map((r) => JSON.parse(String(r.body)) as Record<string, unknown>);

afterEach(() => vi.unstubAllGlobals());

describe('ExportContactsModal — 导出用户', () => {
  it('sends the ticked fields, the list filter and the chosen channels; masked fields cannot be ticked', async () => {
    const filter = { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'eq', values: ['上海'] }] };
    const { requests, close, user } = renderModal(
      (request) =>
        request.method === 'POST'
          ? { status: 202, body: { exportId: '3', taskId: '9', count: 2, excludedFields: [] } }
          : undefined,
      filter,
    );
    await screen.findByTestId('contact-export-field-name');
    expect(screen.getByTestId('contact-export-scope').textContent).toContain('符合当前筛选条件');
    // 手机号码 is masked for this caller: shown, disabled, not ticked.
    expect(screen.getByTestId('contact-export-masked-mobilePhone').textContent).toBe('已脱敏，不导出');
    // antd puts the test id on the checkbox input itself.
    const mobile = screen.getByTestId('contact-export-field-mobilePhone') as HTMLInputElement;
    expect(mobile.disabled).toBe(true);
    expect(mobile.checked).toBe(false);
    await user.click(screen.getByTestId('contact-export-field-attr1'));
    await user.click(screen.getByTestId('contact-export-custom'));
    // A channel is needed once ticked.
    await user.click(screen.getByTestId('contact-export-submit'));
    await screen.findByTestId('contact-export-channel-missing');
    expect(posted(requests)).toEqual([]);
    await user.click(screen.getByTestId('contact-export-custom-channel').querySelector('.ant-select-selector')!);
    await user.click(await screen.findByTitle('官网'));
    await user.click(screen.getByTestId('contact-export-submit'));
    await waitFor(() => expect(close).toHaveBeenCalled());
    expect(posted(requests)).toEqual([
      { fields: ['name', 'email', 'attr1'], filter, wechatChannelId: null, customChannelId: '7' },
    ]);
    await screen.findByTestId('task-submitted');
  });

  it('says which masked fields were left out, and shows the server’s refusal (too many) without closing', async () => {
    let tooMany = true;
    const { close, user } = renderModal((request) => {
      if (request.method !== 'POST') return undefined;
      if (tooMany)
        return {
          status: 400,
          body: {
            statusCode: 400,
            code: 'contact_export_too_many',
            message: '符合条件的实名用户有 120000 个，每次最多导出 100000 个，请缩小筛选条件后再导出',
            params: { count: 120000, limit: 100000 },
          },
        };
      return { status: 202, body: { exportId: '3', taskId: '9', count: 2, excludedFields: ['attr1'] } };
    });
    await screen.findByTestId('contact-export-field-name');
    expect(screen.getByTestId('contact-export-scope').textContent).toContain('所有实名用户');
    await user.click(screen.getByTestId('contact-export-submit'));
    expect((await screen.findByTestId('contact-export-error')).textContent).toContain('请缩小筛选条件');
    expect(close).not.toHaveBeenCalled();
    tooMany = false;
    await user.click(screen.getByTestId('contact-export-submit'));
    expect((await screen.findByTestId('contact-export-excluded')).textContent).toBe('以下字段已脱敏，未导出：优惠码');
    expect(close).toHaveBeenCalled();
  });
});
