// @vitest-environment jsdom
import '../../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Session } from '../../api/types';
import { stubFetch, type FakeReply, type FakeRequest } from '../../test-utils/fetch';
import LoginPage from './LoginPage';

const session = {
  staff: { id: '7', name: '运营', email: 'ops@example.com', mfaEnabled: true, mfaBound: true },
  tenant: { id: '1', name: '租户', timeZone: 'Asia/Shanghai' },
  csrfToken: 'csrf-after',
  permissions: [],
} as unknown as Session;

const codes = Array.from({ length: 10 }, (_, i) => `abcd-efgh-${String(i).padStart(4, '2')}`);
const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const error = (statusCode: number, code: string, message: string): FakeReply => ({
  status: statusCode,
  body: { statusCode, code, message, requestId: 'r1' },
});

/** The login page with a fake server: `posts` answers each POST in turn (the session probe is 401). */
function renderLogin(posts: FakeReply[]) {
  const requests = stubFetch((request) =>
    request.method === 'GET' ? error(401, 'unauthenticated', '未登录') : (posts.shift() ?? error(500, 'internal_error', 'x')),
  );
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={['/login']}>
        <ConfigProvider theme={{ token: { motion: false } }}>
          <App>
            <Routes>
              <Route path="/login" element={<LoginPage />} />
              <Route path="/" element={<div data-testid="home">HOME</div>} />
            </Routes>
          </App>
        </ConfigProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  const user = userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never });
  const signIn = async () => {
    await user.type(await screen.findByTestId('login-email'), 'ops@example.com');
    await user.type(screen.getByTestId('login-password'), 'Member-pass-1');
    await user.click(screen.getByTestId('login-submit'));
  };
  return { user, requests, signIn };
}

const bodies = (requests: FakeRequest[]) =>
  requests.filter((r) => r.method === 'POST').map((r) => [r.url, JSON.parse(String(r.body)) as Record<string, string>]);

afterEach(() => vi.unstubAllGlobals());

describe('login with multi-factor authentication (§1.11.4.5.4)', () => {
  it('binds a device at the first login: QR, 获取密钥, a code, then the recovery codes once', async () => {
    const { user, requests, signIn } = renderLogin([
      {
        status: 200,
        body: { mfa: 'setup', challenge: 'c1', secret, otpauthUri: 'otpauth://totp/x', qrDataUrl: 'data:image/png;base64,AAAA' },
      },
      error(400, 'mfa_code_invalid', '验证码不正确'),
      { status: 200, body: { ...session, recoveryCodes: codes } },
    ]);
    await signIn();
    expect((await screen.findByTestId('mfa-qr')).getAttribute('src')).toBe('data:image/png;base64,AAAA');
    expect(screen.getByText('绑定多因素验证设备')).toBeTruthy();
    // The key appears only on request, grouped by four.
    expect(screen.queryByTestId('mfa-secret')).toBeNull();
    await user.click(screen.getByTestId('mfa-show-secret'));
    expect(screen.getByTestId('mfa-secret').textContent).toContain('JBSW Y3DP EHPK 3PXP');

    // Not six digits: said at once, nothing sent.
    await user.type(screen.getByTestId('mfa-code'), '12345');
    await user.click(screen.getByTestId('mfa-submit'));
    expect(await screen.findByText('验证码为 6 位数字')).toBeTruthy();
    expect(bodies(requests)).toHaveLength(1);

    await user.type(screen.getByTestId('mfa-code'), '6');
    await user.click(screen.getByTestId('mfa-submit'));
    expect(await screen.findByText(/^验证码不正确或已使用/)).toBeTruthy();
    await user.clear(screen.getByTestId('mfa-code'));
    await user.type(screen.getByTestId('mfa-code'), '654 321');
    await user.click(screen.getByTestId('mfa-submit'));

    const shown = await screen.findAllByTestId('mfa-recovery-code');
    expect(shown.map((item) => item.textContent)).toEqual(codes);
    expect(screen.queryByTestId('home')).toBeNull();
    await user.click(screen.getByTestId('mfa-codes-continue'));
    await screen.findByTestId('home');
    expect(bodies(requests)).toEqual([
      ['/api/v1/auth/login', { email: 'ops@example.com', password: 'Member-pass-1' }],
      ['/api/v1/auth/mfa/bind', { challenge: 'c1', code: '123456' }],
      ['/api/v1/auth/mfa/bind', { challenge: 'c1', code: '654 321' }],
    ]);
  });

  it('asks for the code at a later login, or takes a recovery code instead', async () => {
    const { user, requests, signIn } = renderLogin([
      { status: 200, body: { mfa: 'required', challenge: 'c2' } },
      { status: 200, body: session },
    ]);
    await signIn();
    await screen.findByTestId('mfa-verify');
    expect(screen.queryByTestId('mfa-qr')).toBeNull();
    await user.click(screen.getByTestId('mfa-toggle-recovery'));
    expect(screen.queryByTestId('mfa-code')).toBeNull();
    await user.type(screen.getByTestId('mfa-recovery-code'), ' abcd-efgh-2222 ');
    await user.click(screen.getByTestId('mfa-submit'));
    await screen.findByTestId('home');
    expect(bodies(requests)[1]).toEqual(['/api/v1/auth/mfa/verify', { challenge: 'c2', code: 'abcd-efgh-2222' }]);
  });

  it('goes back to the password with the reason when the challenge has expired', async () => {
    const { user, signIn } = renderLogin([
      { status: 200, body: { mfa: 'required', challenge: 'c3' } },
      error(401, 'mfa_challenge_invalid', '验证已过期或失败次数过多，请重新登录'),
    ]);
    await signIn();
    await user.type(await screen.findByTestId('mfa-code'), '123456');
    await user.click(screen.getByTestId('mfa-submit'));
    await waitFor(() => expect(screen.getByTestId('login-error').textContent).toContain('验证已过期或失败次数过多，请重新登录'));
    expect((screen.getByTestId('login-email') as HTMLInputElement).value).toBe('ops@example.com');
  });
});
