// @vitest-environment jsdom
import '../../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../../api/auth';
import type { ContactMerge, ContactSummary, MergeCandidate } from '../../api/contacts';
import type { Session } from '../../api/types';
import { changeLanguage } from '../../i18n';
import { stubFetch, type FakeReply, type FakeRequest } from '../../test-utils/fetch';
import MergesPage from './MergesPage';

const at = Date.UTC(2025, 5, 1, 4, 0);

const contact = (id: string, name: string | null, updatedAt: number, extra: Partial<ContactSummary> = {}): ContactSummary => ({
  id,
  exists: true,
  identified: name !== null,
  name,
  mobile: null,
  email: null,
  nickname: null,
  updatedAt,
  accounts: [{ id: `a${id}`, channelId: '7', idType: 'externalId', userId: (name ?? 'anon').toLowerCase() }],
  ...extra,
});

const alice = contact('11', 'Alice', at, {
  mobile: '13800000000',
  accounts: [
    { id: 'a11', channelId: '7', idType: 'externalId', userId: 'alice' },
    { id: 'a12', channelId: '7', idType: 'anonymousId', userId: 'shared' },
  ],
});
const bob = contact('12', 'Bob', at + 60_000, { email: 'bob@example.com' });

const candidate = (
  id: string,
  contacts: [ContactSummary, ContactSummary],
  extra: Partial<MergeCandidate> = {},
): MergeCandidate => ({
  id,
  reason: 'shared_anonymous_id',
  evidence: { channelId: '7', idType: 'anonymousId', userId: 'shared' },
  status: 'pending',
  contacts,
  sameContact: false,
  createdAt: at,
  decidedAt: null,
  decidedBy: null,
  ...extra,
});

const merge = (id: string, extra: Partial<ContactMerge> = {}): ContactMerge => ({
  id,
  survivorId: '12',
  mergedId: '11',
  rule: 'candidate_accepted',
  actorStaffId: '1',
  candidateId: '5',
  evidence: { channelId: '7', idType: 'anonymousId', userId: 'shared' },
  before: {
    survivor: { id: '12', tenant_id: '1', name: 'Bob', mobile: null, email: 'bob@example.com', updated_at: at + 60_000 },
    merged: { id: '11', tenant_id: '1', name: 'Alice', mobile: '13800000000', email: null, updated_at: at },
    movedAccountIds: ['a11', 'a12'],
  },
  mergedAt: at + 120_000,
  ...extra,
});

interface Fixture {
  candidates: Record<string, MergeCandidate[]>;
  /** The second page of pending candidates (after cursor "5"). */
  morePending?: MergeCandidate[];
  merges: ContactMerge[];
  blockedValues: string[];
  reply?: (request: FakeRequest, url: URL) => FakeReply | undefined;
}

function server(fixture: Fixture) {
  return (request: FakeRequest): FakeReply => {
    const url = new URL(request.url, 'http://console');
    const own = fixture.reply?.(request, url);
    if (own) return own;
    if (url.pathname === '/api/v1/channels')
      return { status: 200, body: { items: [{ id: '7', name: '官网', type: 'custom' }], total: 1, page: 1, pageSize: 100 } };
    if (url.pathname === '/api/v1/contacts/merge-candidates') {
      const status = url.searchParams.get('status') ?? 'pending';
      const pending = fixture.candidates.pending?.length ?? 0;
      if (status === 'pending' && url.searchParams.get('cursor') === '5')
        return { status: 200, body: { items: fixture.morePending ?? [], nextCursor: null, pending } };
      return {
        status: 200,
        body: {
          items: fixture.candidates[status] ?? [],
          nextCursor: status === 'pending' && fixture.morePending ? '5' : null,
          pending,
        },
      };
    }
    const decided = url.pathname.match(/^\/api\/v1\/contacts\/merge-candidates\/(\d+)\/(accept|dismiss)$/);
    if (decided && request.method === 'POST') {
      const found = (fixture.candidates.pending ?? []).find((c) => c.id === decided[1])!;
      if (decided[2] === 'dismiss') return { status: 200, body: { ...found, status: 'dismissed' } };
      return {
        status: 200,
        body: {
          candidate: { ...found, status: 'accepted', sameContact: true },
          merge: found.sameContact ? null : merge('9', { candidateId: found.id }),
        },
      };
    }
    if (url.pathname === '/api/v1/contacts/merges') {
      const contactId = url.searchParams.get('contactId');
      const items =
        contactId === null ? fixture.merges : fixture.merges.filter((m) => [m.survivorId, m.mergedId].includes(contactId));
      return { status: 200, body: { items, nextCursor: null } };
    }
    if (url.pathname === '/api/v1/contacts/identity-settings') {
      if (request.method === 'PUT') {
        fixture.blockedValues = (JSON.parse(String(request.body)) as { blockedValues: string[] }).blockedValues;
      }
      return { status: 200, body: { blockedValues: fixture.blockedValues } };
    }
    return { status: 404 };
  };
}

const superPermissions = ['contacts.view', 'contacts.merge', 'connections.view'];

function renderPage(permissions: string[], path = '/contacts/merges') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  client.setQueryData(sessionQueryKey, {
    staff: { id: '1', name: 'Admin' },
    tenant: { id: '1', name: '租户', timeZone: 'Asia/Shanghai' },
    csrfToken: 'csrf',
    permissions,
  } as unknown as Session);
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <MergesPage />
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never });
}

const posts = (requests: FakeRequest[]) => requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.url}`);

afterEach(async () => {
  vi.unstubAllGlobals();
  await changeLanguage('zh-CN');
});

describe('MergesPage — 合并候选', () => {
  it('shows both contacts, the reason in words with its evidence, and merges or dismisses after asking', async () => {
    const same = candidate('4', [bob, bob], { sameContact: true });
    const fixture: Fixture = {
      candidates: { pending: [candidate('6', [alice, bob]), same], accepted: [] },
      morePending: [
        candidate('3', [contact('21', 'Carol', at), contact('22', 'Dave', at)], {
          reason: 'segment_alias',
          evidence: { channelId: '7', idType: 'externalId', userId: 'carol-old' },
        }),
      ],
      merges: [],
      blockedValues: [],
    };
    const requests = stubFetch(server(fixture));
    const user = renderPage(superPermissions);

    const row = await screen.findByTestId('candidate-row-6');
    const [left, right] = within(row).getAllByTestId('candidate-contact');
    expect(left!.getAttribute('data-contact-id')).toBe('11');
    expect(within(left!).getByTestId('candidate-contact-name').textContent).toBe('Alice');
    expect(left!.textContent).toContain('手机：13800000000');
    expect(left!.textContent).toContain('实名');
    expect(
      within(left!)
        .getAllByTestId('candidate-contact-account')
        .map((a) => a.textContent),
    ).toEqual(['externalId: alice', 'anonymousId: shared']);
    // Bob was updated last: he survives a merge.
    expect(within(left!).queryByTestId('candidate-contact-survives')).toBeNull();
    expect(within(right!).getByTestId('candidate-contact-survives').textContent).toBe('将保留');
    expect(right!.textContent).toContain('邮箱：bob@example.com');
    expect(within(row).getByTestId('candidate-reason').textContent).toBe('同一匿名 ID 已属于另一位实名用户');
    await waitFor(() => expect(within(row).getByTestId('candidate-evidence').textContent).toBe('官网 · anonymousId：shared'));
    expect(screen.getByTestId('candidate-pending-count').getAttribute('data-count')).toBe('2');
    // A pair that became one contact meanwhile says so.
    expect(within(screen.getByTestId('candidate-row-4')).getByTestId('candidate-same-contact').textContent).toBe('已是同一用户');

    // 加载更多 asks for the next page with the cursor and appends it.
    await user.click(screen.getByTestId('candidates-load-more'));
    const aliased = await screen.findByTestId('candidate-row-3');
    // A Segment alias between two identified contacts (docs/decisions/0026), in words.
    expect(within(aliased).getByTestId('candidate-reason').textContent).toBe('Segment alias 关联了两位实名用户');
    expect(requests.some((r) => r.url.includes('/merge-candidates?status=pending&cursor=5'))).toBe(true);
    expect(screen.queryByTestId('candidates-load-more')).toBeNull();

    // 合并: the confirmation explains the survivor rule; then the server is asked.
    await user.click(within(row).getByTestId('candidate-accept'));
    expect(await screen.findByText('最近更新的用户保留，其空值由另一位补齐', { exact: false })).toBeTruthy();
    await user.click(screen.getByTestId('candidate-accept-confirm-6'));
    await waitFor(() => expect(posts(requests)).toEqual(['POST /api/v1/contacts/merge-candidates/6/accept']));
    expect(await screen.findByText('已合并，保留用户 12')).toBeTruthy();

    // 不合并, asked first too.
    await user.click(within(screen.getByTestId('candidate-row-4')).getByTestId('candidate-dismiss'));
    await user.click(await screen.findByTestId('candidate-dismiss-confirm-4'));
    await waitFor(() => expect(posts(requests)).toHaveLength(2));
    expect(posts(requests)[1]).toBe('POST /api/v1/contacts/merge-candidates/4/dismiss');
    expect(await screen.findByText('已标记为不合并')).toBeTruthy();

    // The status filter asks the server; 已合并 has its own empty state and no actions.
    await user.click(screen.getByTestId('candidate-status-accepted'));
    await screen.findByTestId('candidates-empty-accepted');
    expect(requests.some((r) => r.url.includes('status=accepted'))).toBe(true);
  });

  it('shows decided candidates with who decided, without actions', async () => {
    const accepted = candidate('8', [bob, bob], { status: 'accepted', sameContact: true, decidedAt: at, decidedBy: '3' });
    stubFetch(server({ candidates: { pending: [], accepted: [accepted] }, merges: [], blockedValues: [] }));
    const user = renderPage(superPermissions);
    expect((await screen.findByTestId('candidates-empty-pending')).textContent).toContain('没有待处理的合并候选');
    expect(screen.queryByTestId('candidate-pending-count')).toBeNull();
    await user.click(screen.getByTestId('candidate-status-accepted'));
    const row = await screen.findByTestId('candidate-row-8');
    expect(within(row).getByTestId('candidate-decided').textContent).toContain('已合并');
    expect(within(row).getByTestId('candidate-decided').textContent).toContain('2025-06-01 12:00 · 员工 3');
    expect(within(row).getByTestId('candidate-same-contact')).toBeTruthy();
    expect(within(row).queryByTestId('candidate-accept')).toBeNull();
  });

  it('shows the server’s reason when a candidate was decided meanwhile', async () => {
    const requests = stubFetch(
      server({
        candidates: { pending: [candidate('6', [alice, bob])] },
        merges: [],
        blockedValues: [],
        reply: (request, url) =>
          request.method === 'POST' && url.pathname.endsWith('/accept')
            ? {
                status: 409,
                body: {
                  statusCode: 409,
                  code: 'merge_candidate_decided',
                  message: 'x',
                  params: { status: 'dismissed' },
                  requestId: 'r',
                },
              }
            : undefined,
      }),
    );
    const user = renderPage(superPermissions);
    await user.click(within(await screen.findByTestId('candidate-row-6')).getByTestId('candidate-accept'));
    await user.click(await screen.findByTestId('candidate-accept-confirm-6'));
    expect(await screen.findByText('该合并候选已处理（dismissed）')).toBeTruthy();
    // The list is asked again (it changed under us).
    await waitFor(() => expect(requests.filter((r) => r.url.startsWith('/api/v1/contacts/merge-candidates?')).length).toBe(2));
  });
});

describe('MergesPage — 合并历史 and 设置', () => {
  it('lists merges with the rule in words, the actor and the values before; filters by contact id', async () => {
    const automatic = merge('2', {
      survivorId: '30',
      mergedId: '31',
      rule: 'anonymous_identified',
      actorStaffId: null,
      candidateId: null,
      evidence: { channelId: '7', idType: 'anonymousId', userId: 'ck-1' },
    });
    const requests = stubFetch(server({ candidates: { pending: [] }, merges: [merge('9'), automatic], blockedValues: [] }));
    const user = renderPage(superPermissions, '/contacts/merges?tab=history');

    const row = await screen.findByTestId('merge-row-9');
    expect(within(row).getByTestId('merge-survivor').textContent).toBe('12');
    expect(within(row).getByTestId('merge-merged').textContent).toBe('11');
    expect(within(row).getByTestId('merge-rule').textContent).toBe('操作员合并候选');
    expect(within(row).getByTestId('merge-actor').textContent).toBe('员工 1');
    const other = screen.getByTestId('merge-row-2');
    expect(within(other).getByTestId('merge-rule').textContent).toBe('匿名用户登录识别');
    expect(within(other).getByTestId('merge-actor').textContent).toBe('自动');
    await waitFor(() => expect(within(other).getByTestId('merge-evidence').textContent).toBe('官网 · anonymousId：ck-1'));

    // The expanded row: both contacts' values before, only the fields either had.
    await user.click(row.querySelector('.ant-table-row-expand-icon')!);
    const before = await screen.findByTestId('merge-before-9');
    const name = within(before).getByTestId('merge-before-row-name');
    expect(within(name).getByTestId('merge-before-survivor').textContent).toBe('Bob');
    expect(within(name).getByTestId('merge-before-merged').textContent).toBe('Alice');
    expect(within(within(before).getByTestId('merge-before-row-updated_at')).getByTestId('merge-before-merged').textContent).toBe(
      '2025-06-01 12:00',
    );
    expect(within(before).queryByTestId('merge-before-row-tenant_id')).toBeNull();
    expect(before.textContent).toContain('转移到保留用户的渠道账号：2 个');

    // A contact id filters on the server; a non-number is refused here.
    const filter = within(screen.getByTestId('merges-filter-contact').closest('.ant-input-search')!).getByRole('searchbox');
    await user.type(filter, 'abc{Enter}');
    expect((await screen.findByTestId('merges-filter-invalid')).textContent).toBe('用户 ID 是数字');
    await user.clear(filter);
    await user.type(filter, '31{Enter}');
    await waitFor(() => expect(screen.queryByTestId('merge-row-9')).toBeNull());
    expect(screen.getByTestId('merge-row-2')).toBeTruthy();
    expect(requests.some((r) => r.url === '/api/v1/contacts/merges?contactId=31&limit=20')).toBe(true);
    await user.clear(filter);
    await user.type(filter, '99{Enter}');
    expect((await screen.findByTestId('merges-empty-filtered')).textContent).toContain('该用户没有合并记录');
  });

  it('edits the blocked values as tags and saves them; the server’s refusal is shown', async () => {
    let refuse = false;
    const fixture: Fixture = {
      candidates: { pending: [] },
      merges: [],
      blockedValues: ['nil', 'null', 'undefined', '1'],
      reply: (request) =>
        refuse && request.method === 'PUT'
          ? {
              status: 400,
              body: {
                statusCode: 400,
                code: 'identity_blocked_values_invalid',
                message: 'x',
                params: { max: 100, length: 191 },
                requestId: 'r',
              },
            }
          : undefined,
    };
    const requests = stubFetch(server(fixture));
    const user = renderPage(superPermissions, '/contacts/merges?tab=settings');

    await waitFor(() =>
      expect(screen.getAllByTestId('blocked-value').map((tag) => tag.getAttribute('data-value'))).toEqual([
        'nil',
        'null',
        'undefined',
        '1',
      ]),
    );
    expect(screen.getByTestId('identity-settings').textContent).toContain('永远不会把两位用户认作同一个人');
    expect((screen.getByTestId('identity-settings-save') as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId('identity-settings-restore') as HTMLButtonElement).disabled).toBe(true);

    // Remove 1, add unknown; NULL is refused (compared case-insensitively).
    const one = screen.getAllByTestId('blocked-value').find((tag) => tag.getAttribute('data-value') === '1')!;
    await user.click(one.querySelector('.ant-tag-close-icon')!);
    await user.type(screen.getByTestId('blocked-value-input'), ' NULL {Enter}');
    expect(screen.getByTestId('blocked-value-error').textContent).toBe('「NULL」已在列表中');
    await user.clear(screen.getByTestId('blocked-value-input'));
    await user.type(screen.getByTestId('blocked-value-input'), 'unknown');
    await user.click(screen.getByTestId('blocked-value-add'));
    expect(screen.getAllByTestId('blocked-value').map((tag) => tag.getAttribute('data-value'))).toEqual([
      'nil',
      'null',
      'undefined',
      'unknown',
    ]);
    await user.click(screen.getByTestId('identity-settings-save'));
    await waitFor(() => expect(fixture.blockedValues).toEqual(['nil', 'null', 'undefined', 'unknown']));
    expect(await screen.findByText('已保存过滤条件')).toBeTruthy();
    await waitFor(() => expect((screen.getByTestId('identity-settings-save') as HTMLButtonElement).disabled).toBe(true));

    // 恢复默认值, and a refusal from the server in its words.
    refuse = true;
    await user.click(screen.getByTestId('identity-settings-restore'));
    await user.click(screen.getByTestId('identity-settings-save'));
    expect((await screen.findByTestId('identity-settings-save-error')).textContent).toBe(
      '过滤值最多 100 个，每个 1 到 191 个字符，且不能重复',
    );
    expect(requests.filter((r) => r.method === 'PUT').map((r) => JSON.parse(String(r.body)) as unknown)).toEqual([
      { blockedValues: ['nil', 'null', 'undefined', 'unknown'] },
      { blockedValues: ['nil', 'null', 'undefined', '1'] },
    ]);
  });

  it('shows staff without 用户-合并用户 the history and the settings only, read-only', async () => {
    const requests = stubFetch(
      server({ candidates: { pending: [candidate('6', [alice, bob])] }, merges: [merge('9')], blockedValues: ['nil'] }),
    );
    const user = renderPage(['contacts.view']);
    await screen.findByTestId('merge-row-9');
    expect(screen.queryByTestId('merges-tab-candidates')).toBeNull();
    // Without connections.view the connection shows by id.
    expect(within(screen.getByTestId('merge-row-9')).getByTestId('merge-evidence').textContent).toBe(
      '连接 #7 · anonymousId：shared',
    );
    await user.click(screen.getByTestId('merges-tab-settings'));
    await screen.findByTestId('identity-settings-view-only');
    await waitFor(() => expect(screen.getAllByTestId('blocked-value')).toHaveLength(1));
    expect(screen.getByTestId('blocked-value').querySelector('.ant-tag-close-icon')).toBeNull();
    expect(screen.queryByTestId('identity-settings-save')).toBeNull();
    expect(screen.queryByTestId('blocked-value-input')).toBeNull();
    expect(requests.some((r) => r.url.includes('merge-candidates') || r.url.includes('/api/v1/channels'))).toBe(false);
  });

  it('speaks English when switched', async () => {
    stubFetch(server({ candidates: { pending: [candidate('6', [alice, bob])] }, merges: [], blockedValues: [] }));
    renderPage(superPermissions);
    const row = await screen.findByTestId('candidate-row-6');
    await changeLanguage('en-US');
    await waitFor(() =>
      expect(within(row).getByTestId('candidate-reason').textContent).toBe(
        'The same anonymous ID already belongs to another identified contact',
      ),
    );
    expect(screen.getByTestId('merges-tab-history').textContent).toBe('Merge history');
    expect(within(row).getByTestId('candidate-accept').textContent).toBe('Merge');
  });
});
