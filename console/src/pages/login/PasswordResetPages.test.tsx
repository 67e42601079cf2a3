// @vitest-environment jsdom
import '../../test-utils/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { App, ConfigProvider } from 'antd';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LoginLocationState } from '../../session/guards';
import { stubFetch, type FakeReply } from '../../test-utils/fetch';
import ForgotPasswordPage from './ForgotPasswordPage';
import ResetPasswordPage from './ResetPasswordPage';

/** Stands in for the login page: shows what the reset page handed over. */
function LoginStandIn() {
  const state = useLocation().state as LoginLocationState | null;
  return <div data-testid="login-stand-in">{state?.passwordReset ? 'password reset' : 'plain'}</div>;
}

function renderAt(url: string, state?: unknown) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <ConfigProvider theme={{ token: { motion: false } }}>
      <App>
        <QueryClientProvider client={queryClient}>
          <MemoryRouter
            initialEntries={[{ pathname: url.split('?')[0]!, search: url.includes('?') ? `?${url.split('?')[1]}` : '', state }]}
          >
            <Routes>
              <Route path="/forgot-password" element={<ForgotPasswordPage />} />
              <Route path="/reset-password" element={<ResetPasswordPage />} />
              <Route path="/login" element={<LoginStandIn />} />
            </Routes>
          </MemoryRouter>
        </QueryClientProvider>
      </App>
    </ConfigProvider>,
  );
  return userEvent.setup({ delay: null, pointerEventsCheck: PointerEventsCheckLevel.Never });
}

const error = (status: number, code: string, message: string, details: unknown[] = []): FakeReply => ({
  status,
  body: { statusCode: status, code, message, details, requestId: 'r1' },
});

afterEach(() => vi.unstubAllGlobals());

describe('ForgotPasswordPage (忘记密码, §1.2.2)', () => {
  it('sends the typed email and says the same thing whether or not it is registered', async () => {
    const requests = stubFetch(() => ({ status: 202, body: { accepted: true } }));
    const user = renderAt('/forgot-password', { email: 'ops@example.com' });
    expect((screen.getByTestId('forgot-email') as HTMLInputElement).value).toBe('ops@example.com');

    await user.click(screen.getByTestId('forgot-submit'));
    expect((await screen.findByTestId('forgot-sent')).textContent).toContain('如果该邮箱已注册，你将收到一封重置邮件');
    expect(requests).toHaveLength(1);
    expect(requests[0]!.method).toBe('POST');
    expect(requests[0]!.url).toBe('/api/v1/auth/password-reset');
    expect(JSON.parse(String(requests[0]!.body))).toEqual({ email: 'ops@example.com' });
    // Sent: no second submit from the same page.
    expect(screen.queryByTestId('forgot-submit')).toBeNull();
  });

  it('checks the email before sending, and shows a refusal (429) with the server’s words', async () => {
    const requests = stubFetch(() => error(429, 'too_many_requests', '请求过于频繁，请稍后再试'));
    const user = renderAt('/forgot-password');
    await user.type(screen.getByTestId('forgot-email'), 'not-an-email');
    await user.click(screen.getByTestId('forgot-submit'));
    expect(await screen.findByText('请输入有效的邮箱地址')).toBeTruthy();
    expect(requests).toHaveLength(0);

    await user.clear(screen.getByTestId('forgot-email'));
    await user.type(screen.getByTestId('forgot-email'), 'ops@example.com');
    await user.click(screen.getByTestId('forgot-submit'));
    expect((await screen.findByTestId('forgot-error')).textContent).toContain('请求过于频繁，请稍后再试');
    expect(screen.queryByTestId('forgot-sent')).toBeNull();
  });
});

describe('ResetPasswordPage (the link of the reset mail)', () => {
  it('posts the token with the new password typed twice, then goes to the login page', async () => {
    const requests = stubFetch(() => ({ status: 204 }));
    const user = renderAt('/reset-password?token=tok_abc-123');
    await user.type(screen.getByTestId('reset-password'), 'Brand-new-pass-7');
    await user.type(screen.getByTestId('reset-password-confirm'), 'Brand-new-pass-8');
    await user.click(screen.getByTestId('reset-submit'));
    expect(await screen.findByText('两次输入的新密码不一致')).toBeTruthy();
    expect(requests).toHaveLength(0);

    await user.clear(screen.getByTestId('reset-password-confirm'));
    await user.type(screen.getByTestId('reset-password-confirm'), 'Brand-new-pass-7');
    await user.click(screen.getByTestId('reset-submit'));
    expect((await screen.findByTestId('login-stand-in')).textContent).toBe('password reset');
    expect(requests.map((r) => [r.method, r.url])).toEqual([['POST', '/api/v1/auth/password-reset/confirm']]);
    expect(JSON.parse(String(requests[0]!.body))).toEqual({ token: 'tok_abc-123', newPassword: 'Brand-new-pass-7' });
  });

  it('puts a too weak password on its field and keeps the form', async () => {
    stubFetch(() =>
      error(400, 'password_too_weak', '密码至少 8 位，且需同时包含字母和数字', [
        { path: 'newPassword', code: 'password_too_weak' },
      ]),
    );
    const user = renderAt('/reset-password?token=tok');
    // Letters and digits, long enough for the page: the server's rule decides.
    await user.type(screen.getByTestId('reset-password'), 'abcdefg1');
    await user.type(screen.getByTestId('reset-password-confirm'), 'abcdefg1');
    await user.click(screen.getByTestId('reset-submit'));
    await waitFor(() => expect(screen.getByText('密码至少 8 位，且需同时包含字母和数字')).toBeTruthy());
    expect(screen.getByTestId('reset-submit')).toBeTruthy();
    expect(screen.queryByTestId('reset-link-invalid')).toBeNull();
  });

  it('says an expired or used link is invalid and offers a new mail', async () => {
    stubFetch(() => error(400, 'password_reset_token_invalid', 'x', [{ path: 'token', code: 'password_reset_token_invalid' }]));
    const user = renderAt('/reset-password?token=used');
    await user.type(screen.getByTestId('reset-password'), 'Brand-new-pass-7');
    await user.type(screen.getByTestId('reset-password-confirm'), 'Brand-new-pass-7');
    await user.click(screen.getByTestId('reset-submit'));
    const invalid = await screen.findByTestId('reset-link-invalid');
    expect(invalid.textContent).toContain('重置链接无效或已过期，请重新申请重置密码');
    expect(screen.getByTestId('reset-request-again').getAttribute('href')).toBe('/forgot-password');
    expect(screen.queryByTestId('reset-submit')).toBeNull();
  });

  it('refuses a link without a token before anything is typed', () => {
    const requests = stubFetch(() => ({ status: 204 }));
    renderAt('/reset-password');
    expect(screen.getByTestId('reset-link-invalid').textContent).toContain('重置链接不完整');
    expect(screen.queryByTestId('reset-password')).toBeNull();
    expect(requests).toHaveLength(0);
  });
});
