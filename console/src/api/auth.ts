import { api, isApiError, setCsrfToken } from './client';
import type { LoginRequest, PasswordChange, PasswordResetConfirm, PasswordResetRequest, Session } from './types';

export const sessionQueryKey = ['session'] as const;

export async function login(body: LoginRequest): Promise<Session> {
  const session = await api.post<Session>('/api/v1/auth/login', body);
  setCsrfToken(session.csrfToken);
  return session;
}

/** The current session, or null when nobody is logged in. */
export async function getSession(): Promise<Session | null> {
  try {
    const session = await api.get<Session>('/api/v1/auth/session', {
      redirectOnUnauthenticated: false,
    });
    setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (isApiError(error, 'unauthenticated')) {
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

/** Changes the signed-in staff member's password; their other sessions are signed out, this one stays. */
export async function changePassword(body: PasswordChange): Promise<void> {
  await api.post<void>('/api/v1/auth/password', body);
}

/** 忘记密码: asks for a reset mail. The server answers the same whether the email is registered or not. */
export async function requestPasswordReset(body: PasswordResetRequest): Promise<void> {
  await api.post<{ accepted: true }>('/api/v1/auth/password-reset', body, { redirectOnUnauthenticated: false });
}

/** Sets a new password with the token of a reset mail; every session of that staff member ends. */
export async function confirmPasswordReset(body: PasswordResetConfirm): Promise<void> {
  await api.post<void>('/api/v1/auth/password-reset/confirm', body, { redirectOnUnauthenticated: false });
}

export async function logout(): Promise<void> {
  try {
    await api.post<void>('/api/v1/auth/logout', undefined, { redirectOnUnauthenticated: false });
  } finally {
    setCsrfToken(null);
  }
}
