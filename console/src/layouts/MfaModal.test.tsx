// @vitest-environment jsdom
import '../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MfaStatus } from '../api/types';
import { stubFetch, type FakeReply } from '../test-utils/fetch';
import { MfaModal } from './MfaModal';

function renderModal(status: MfaStatus, posts: FakeReply[] = []) {
  let current = status;
  const requests = stubFetch((request) => {
    if (request.method === 'GET') return { status: 200, body: current };
    const reply = posts.shift()!;
    if (reply.status === 200) current = { ...current, recoveryCodesLeft: 10 };
    return reply;
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <ConfigProvider theme={{ token: { motion: false } }}>
        <App>
          <MfaModal onClose={() => undefined} />
        </App>
      </ConfigProvider>
    </QueryClientProvider>,
  );
  return { requests, user: userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never }) };
}

afterEach(() => vi.unstubAllGlobals());

describe('多因素验证 in the staff menu', () => {
  it('says MFA is off and who switches it on, with nothing to regenerate', async () => {
    renderModal({ enabled: false, bound: false, recoveryCodesLeft: 0 });
    expect((await screen.findByTestId('mfa-modal-status')).textContent).toBe('未开启');
    expect(screen.getByText(/高级员工在“设置 > 高级设置 > 员工”中/)).toBeTruthy();
    expect(screen.queryByTestId('mfa-regenerate-code')).toBeNull();
  });

  it('regenerates the recovery codes with a current code and shows them once', async () => {
    const codes = Array.from({ length: 10 }, (_, i) => `wxyz-2345-67${i}a`);
    const { requests, user } = renderModal({ enabled: true, bound: true, recoveryCodesLeft: 3 }, [
      { status: 400, body: { statusCode: 400, code: 'mfa_code_invalid', message: 'x', requestId: 'r' } },
      { status: 200, body: { recoveryCodes: codes } },
    ]);
    expect((await screen.findByTestId('mfa-modal-status')).textContent).toBe('已开启，已绑定设备');
    expect(screen.getByTestId('mfa-modal-codes-left').textContent).toBe('3 个');
    await user.type(screen.getByTestId('mfa-regenerate-code'), '111111');
    await user.click(screen.getByTestId('mfa-regenerate-submit'));
    expect(await screen.findByText(/^验证码不正确或已使用/)).toBeTruthy();
    await user.clear(screen.getByTestId('mfa-regenerate-code'));
    await user.type(screen.getByTestId('mfa-regenerate-code'), '222222');
    await user.click(screen.getByTestId('mfa-regenerate-submit'));
    expect((await screen.findAllByTestId('mfa-recovery-code')).map((item) => item.textContent)).toEqual(codes);
    expect(screen.queryByTestId('mfa-regenerate-code')).toBeNull();
    expect(
      requests.filter((r) => r.method === 'POST').map((r) => [r.url, JSON.parse(String(r.body)) as { code: string }]),
    ).toEqual([
      ['/api/v1/auth/mfa/recovery-codes', { code: '111111' }],
      ['/api/v1/auth/mfa/recovery-codes', { code: '222222' }],
    ]);
    expect((await screen.findByTestId('mfa-modal-codes-left')).textContent).toBe('10 个');
  });
});
