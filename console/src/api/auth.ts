import { api, isApiError, setCsrfToken } from './client';
import type {
  LoginRequest,
  LoginResponse,
  MfaBoundSession,
  MfaCodeRequest,
  MfaStatus,
  PasswordChange,
  PasswordResetConfirm,
  PasswordResetRequest,
  Session,
} from './types';

export const sessionQueryKey = ['session'] as const;
export const mfaStatusQueryKey = ['auth', 'mfa'] as const;

/** The password step: a session, or with MFA on a challenge to answer with a code (no session yet). */
export async function login(body: LoginRequest): Promise<LoginResponse> {
  const result = await api.post<LoginResponse>('/api/v1/auth/login', body);
  if ('csrfToken' in result) setCsrfToken(result.csrfToken);
  return result;
}

/** The login's second step: the authenticator's code (or a recovery code) opens the session. */
export async function verifyMfa(body: MfaCodeRequest): Promise<Session> {
  const session = await api.post<Session>('/api/v1/auth/mfa/verify', body);
  setCsrfToken(session.csrfToken);
  return session;
}

/** The first login with MFA on: the first code binds the device; the recovery codes come this once. */
export async function bindMfa(body: MfaCodeRequest): Promise<MfaBoundSession> {
  const bound = await api.post<MfaBoundSession>('/api/v1/auth/mfa/bind', body);
  setCsrfToken(bound.csrfToken);
  return bound;
}

/** The signed-in staff member's MFA: on, bound, recovery codes left. */
export function getMfaStatus(): Promise<MfaStatus> {
  return api.get<MfaStatus>('/api/v1/auth/mfa');
}

/** New recovery codes (the old ones stop working); needs a current code of the authenticator app. */
export function regenerateRecoveryCodes(code: string): Promise<{ recoveryCodes: string[] }> {
  return api.post<{ recoveryCodes: string[] }>('/api/v1/auth/mfa/recovery-codes', { code });
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
