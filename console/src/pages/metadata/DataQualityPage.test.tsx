// @vitest-environment jsdom
import '../../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../api/auth';
import type { QualitySummary, QuarantinedMessage } from '../../api/ingestion';
import type { Session } from '../../api/types';
import { changeLanguage } from '../../i18n';
import { stubFetch, type FakeRequest, type FakeReply } from '../../test-utils/fetch';
import DataQualityPage from './DataQualityPage';

const at = Date.UTC(2025, 5, 1, 4, 0);

const summary: QualitySummary = {
  quarantine: [
    { reason: 'event_undeclared', event: 'signup', count: 2, lastAt: at },
    { reason: 'identity_missing', event: null, count: 1, lastAt: at },
    { reason: 'identity_missing', event: 'purchase', count: 3, lastAt: at },
  ],
  issues: [{ reason: 'property_type_mismatch', subject: 'amount', count: 1234, lastAt: at }],
  lastLoadedAt: at,
};

const message = (id: string, replayedAt: number | null = null): QuarantinedMessage => ({
  id,
  messageId: `m-${id}`,
  reason: 'event_undeclared',
  event: 'signup',
  type: 'track',
  problems: id === '2' ? [{ path: 'properties.plan', code: 'string.base' }] : [],
  message: { type: 'track', event: 'signup', anonymousId: `visitor-${id}`, properties: { plan: 'pro' } },
  receivedAt: at,
  quarantinedAt: at,
  expiresAt: at + 30 * 86_400_000,
  replayedAt,
});

const empty: QualitySummary = { quarantine: [], issues: [], lastLoadedAt: null };

function server(quality: QualitySummary, messages: QuarantinedMessage[]) {
  return (request: FakeRequest): FakeReply => {
    const url = new URL(request.url, 'http://console');
    if (url.pathname === '/api/v1/ingestion/quality') return { status: 200, body: quality };
    if (url.pathname === '/api/v1/ingestion/quarantine')
      return { status: 200, body: { items: messages, total: messages.length, page: 1, pageSize: 20 } };
    if (url.pathname.startsWith('/api/v1/ingestion/quarantine/') && request.method === 'GET') {
      const found = messages.find((m) => url.pathname.endsWith(`/${m.id}`));
      return found ? { status: 200, body: found } : { status: 404 };
    }
    if (url.pathname === '/api/v1/ingestion/quarantine/replay') {
      const body = JSON.parse(String(request.body)) as { ids?: string[] };
      return { status: 200, body: { replayed: body.ids?.length ?? 5 } };
    }
    return { status: 404 };
  };
}

function renderPage(permissions: string[]) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  client.setQueryData(sessionQueryKey, {
    staff: { id: '1', name: 'Admin' },
    tenant: { id: '1', name: '租户', timeZone: 'Asia/Shanghai' },
    csrfToken: 'csrf',
    permissions,
  } as unknown as Session);
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <DataQualityPage />
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never });
}

const replays = (requests: FakeRequest[]) =>
  requests.filter((r) => r.url === '/api/v1/ingestion/quarantine/replay').map((r) => JSON.parse(String(r.body)) as unknown);

afterEach(async () => {
  vi.unstubAllGlobals();
  await changeLanguage('zh-CN');
});

describe('DataQualityPage', () => {
  it('shows each reason with what to do, the counted issues, and replays a group, the selected rows and one message', async () => {
    const requests = stubFetch(server(summary, [message('1'), message('2'), message('3', at + 60_000)]));
    const user = renderPage(['metadata.view', 'metadata.manage']);

    const group = await screen.findByTestId('quarantine-group-row-event_undeclared-signup');
    expect(within(group).getByTestId('quality-reason-label').textContent).toBe('事件未定义');
    expect(within(group).getByTestId('quality-reason-hint').textContent).toContain('在「事件元数据」页面新建该事件后重放');
    expect(within(group).getByTestId('quarantine-group-count').textContent).toBe('2');
    const issue = screen.getByTestId('quality-issue-row-property_type_mismatch-amount');
    expect(within(issue).getByTestId('quality-reason-label').textContent).toBe('属性类型不符');
    expect(within(issue).getByTestId('quality-issue-count').textContent).toBe('1,234');
    expect(screen.getByTestId('data-quality-stat-quarantined').textContent).toBe('6');
    expect(screen.getByTestId('data-quality-last-loaded').textContent).toContain('最近入库：2025-06-01 12:00');
    expect(screen.queryByTestId('metadata-view-only')).toBeNull();

    // 全部重放 of a reason and event: asked first, then both are sent.
    await user.click(within(group).getByTestId('quarantine-group-replay'));
    expect(await screen.findByText('重放「事件未定义」中事件 signup 的全部 2 条消息？')).toBeTruthy();
    await user.click(screen.getByTestId('quarantine-group-replay-confirm-event_undeclared-signup'));
    await waitFor(() => expect(replays(requests)).toEqual([{ reason: 'event_undeclared', event: 'signup' }]));
    expect(await screen.findByText('已重放 5 条消息，正在重新处理')).toBeTruthy();

    // A group without an event replays the whole reason, and says how many that is.
    const noEvent = screen.getByTestId('quarantine-group-row-identity_missing-');
    await user.click(within(noEvent).getByTestId('quarantine-group-replay'));
    expect(await screen.findByText('重放「缺少用户标识」的全部 4 条消息？')).toBeTruthy();
    await user.click(screen.getByTestId('quarantine-group-replay-confirm-identity_missing-'));
    await waitFor(() => expect(replays(requests)).toHaveLength(2));
    expect(replays(requests)[1]).toEqual({ reason: 'identity_missing' });

    // Selected rows: a replayed one cannot be selected; 重放所选 sends the ids.
    const row1 = await screen.findByTestId('quarantine-row-1');
    const row3 = screen.getByTestId('quarantine-row-3');
    expect((within(row3).getByRole('checkbox') as HTMLInputElement).disabled).toBe(true);
    expect(within(row3).getByTestId('quarantine-replay').getAttribute('aria-disabled')).toBe('true');
    expect((screen.getByTestId('quarantine-replay-selected') as HTMLButtonElement).disabled).toBe(true);
    await user.click(within(row1).getByRole('checkbox'));
    await user.click(within(screen.getByTestId('quarantine-row-2')).getByRole('checkbox'));
    expect(screen.getByTestId('quarantine-replay-selected').textContent).toContain('重放所选（2）');
    await user.click(screen.getByTestId('quarantine-replay-selected'));
    await user.click(await screen.findByTestId('quarantine-replay-selected-confirm'));
    await waitFor(() => expect(replays(requests)).toHaveLength(3));
    expect(replays(requests)[2]).toEqual({ ids: ['1', '2'] });
    expect(await screen.findByText('已重放 2 条消息，正在重新处理')).toBeTruthy();

    // The drawer: problems by path, the body as formatted JSON, 重放 of this one message.
    await user.click(within(screen.getByTestId('quarantine-row-2')).getByTestId('quarantine-view'));
    const drawer = await screen.findByTestId('quarantine-drawer');
    expect(within(drawer).getByTestId('quarantine-problem').textContent).toContain('properties.plan');
    expect(within(drawer).getByTestId('quarantine-drawer-body').textContent).toBe(JSON.stringify(message('2').message, null, 2));
    await user.click(within(drawer).getByTestId('quarantine-drawer-replay'));
    await user.click(await screen.findByTestId('quarantine-drawer-replay-confirm'));
    await waitFor(() => expect(replays(requests)).toHaveLength(4));
    expect(replays(requests)[3]).toEqual({ ids: ['2'] });

    // Filters go to the server; 近 30 天 asks for 30 days.
    await user.type(screen.getByPlaceholderText('事件ID'), 'signup{Enter}');
    await waitFor(() =>
      expect(requests.some((r) => r.url.includes('/quarantine?') && r.url.includes('event=signup'))).toBe(true),
    );
    expect(requests.some((r) => r.url.includes('replayed=false'))).toBe(true);
    await user.click(screen.getByTestId('data-quality-days-30'));
    await waitFor(() => expect(requests.some((r) => r.url === '/api/v1/ingestion/quality?days=30')).toBe(true));
  });

  it('shows staff without 元数据-管理 the quality without replay', async () => {
    const requests = stubFetch(server(summary, [message('1')]));
    renderPage(['metadata.view']);
    const group = await screen.findByTestId('quarantine-group-row-event_undeclared-signup');
    await screen.findByTestId('metadata-view-only');
    expect(within(group).getByTestId('quarantine-group-replay').getAttribute('aria-disabled')).toBe('true');
    expect(within(group).queryByTestId('quality-go-events')).toBeNull();
    const row = await screen.findByTestId('quarantine-row-1');
    expect(within(row).queryByRole('checkbox')).toBeNull();
    expect(within(row).getByTestId('quarantine-replay').getAttribute('aria-disabled')).toBe('true');
    expect(screen.queryByTestId('quarantine-replay-selected')).toBeNull();
    expect(requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('says what shows here when nothing is quarantined, in both languages', async () => {
    stubFetch(server(empty, []));
    renderPage(['metadata.view', 'metadata.manage']);
    expect((await screen.findByTestId('quarantine-groups-empty')).textContent).toContain('没有隔离中的消息');
    expect(screen.getByTestId('quality-issues-empty').textContent).toContain('近 7 天没有数据问题');
    expect((await screen.findByTestId('quarantine-messages-empty')).textContent).toContain('没有隔离中的消息');
    expect(screen.getByTestId('data-quality-last-loaded').textContent).toBe('还没有数据入库');

    await changeLanguage('en-US');
    await waitFor(() => expect(screen.getByTestId('quarantine-groups-empty').textContent).toContain('No quarantined messages'));
    expect(screen.getByTestId('quality-issues-empty').textContent).toContain('No data issues in the last 7 days');
    expect(screen.getByTestId('data-quality-last-loaded').textContent).toBe('No data loaded yet');
  });
});
