import { LockOutlined, MailOutlined } from '@ant-design/icons';
import { LoginForm, type ProFormInstance, ProFormText } from '@ant-design/pro-components';
import { useQueryClient } from '@tanstack/react-query';
import { Alert } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useLocation, useNavigate } from 'react-router-dom';
import { login, sessionQueryKey } from '../../api/auth';
import type { Session } from '../../api/types';
import { AuthFrame } from '../../components/AuthFrame';
import type { LoginLocationState } from '../../session/guards';
import { pagePermission } from '../../routes';
import { hasPermission, useSessionQuery } from '../../session/session';
import { useErrorText } from '../../utils/errors';
import { testId } from '../../utils/test-id';
import type { ForgotPasswordLocationState } from './ForgotPasswordPage';
import { type MfaStep, MfaStepForm, mfaStepOf } from './MfaSteps';

interface LoginFormValues {
  email: string;
  password: string;
}

/**
 * Where to go after login: the page that sent us here, never /login or /setup, and home instead of
 * a page this staff member may not open (the page was another member's, or their rights changed).
 */
function targetAfterLogin(state: LoginLocationState | null, session: Session): string {
  const from = state?.from;
  if (!from || !from.startsWith('/') || from.startsWith('//')) return '/';
  if (from.startsWith('/login') || from.startsWith('/setup')) return '/';
  if (!hasPermission(session, pagePermission(new URL(from, window.location.origin).pathname))) return '/';
  return from;
}

export default function LoginPage() {
  const { t } = useTranslation();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const state = (location.state ?? null) as LoginLocationState | null;
  const [error, setError] = useState<unknown>(null);
  // With MFA on, the password leads to a second step (a code, or binding a device first).
  const [mfaStep, setMfaStep] = useState<MfaStep | null>(null);
  const [email, setEmail] = useState(state?.email ?? '');
  const formRef = useRef<ProFormInstance<LoginFormValues>>(undefined);
  // Already logged in (e.g. a bookmark to /login): straight to the console.
  const { data: session } = useSessionQuery();

  if (session) return <Navigate to={targetAfterLogin(state, session)} replace />;

  const enter = (newSession: Session) => {
    queryClient.setQueryData(sessionQueryKey, newSession);
    navigate(targetAfterLogin(state, newSession), { replace: true });
  };

  if (mfaStep) {
    return (
      <AuthFrame>
        <MfaStepForm
          step={mfaStep}
          onSession={enter}
          onBound={(bound, recoveryCodes) => setMfaStep({ kind: 'codes', session: bound, recoveryCodes })}
          onRestart={(restartError) => {
            setError(restartError ?? null);
            setMfaStep(null);
          }}
        />
      </AuthFrame>
    );
  }

  const onFinish = async (values: LoginFormValues) => {
    setError(null);
    try {
      const result = await login({ email: values.email.trim(), password: values.password });
      if ('mfa' in result) {
        // Kept for the way back from the second step.
        setEmail(values.email.trim());
        setMfaStep(mfaStepOf(result));
      } else enter(result);
      return true;
    } catch (caught) {
      setError(caught);
      return false;
    }
  };

  return (
    <AuthFrame>
      <LoginForm<LoginFormValues>
        logo="/logo.svg"
        title={t('app.brand')}
        subTitle={t('login.subtitle')}
        formRef={formRef}
        initialValues={{ email }}
        onFinish={onFinish}
        submitter={{
          searchConfig: { submitText: t('login.submit') },
          submitButtonProps: testId('login-submit'),
        }}
      >
        {state?.setupDone && !error && (
          <Alert
            type="success"
            showIcon
            message={t('login.setupDone')}
            style={{ marginBottom: 24 }}
            data-testid="login-setup-done"
          />
        )}
        {state?.passwordReset && !error && (
          <Alert
            type="success"
            showIcon
            message={t('login.passwordReset')}
            style={{ marginBottom: 24 }}
            data-testid="login-password-reset-done"
          />
        )}
        {error !== null && (
          <Alert type="error" showIcon message={errorText(error)} style={{ marginBottom: 24 }} data-testid="login-error" />
        )}
        <ProFormText
          name="email"
          placeholder={t('login.email.placeholder')}
          fieldProps={{
            size: 'large',
            prefix: <MailOutlined />,
            autoComplete: 'username',
            ...testId('login-email'),
          }}
          rules={[
            { required: true, message: t('login.email.required') },
            { type: 'email', message: t('login.email.invalid') },
          ]}
        />
        <ProFormText.Password
          name="password"
          placeholder={t('login.password.placeholder')}
          fieldProps={{
            size: 'large',
            prefix: <LockOutlined />,
            autoComplete: 'current-password',
            ...testId('login-password'),
          }}
          rules={[{ required: true, message: t('login.password.required') }]}
        />
        <div style={{ marginTop: -8, marginBottom: 24, textAlign: 'right' }}>
          <Link
            to="/forgot-password"
            data-testid="login-forgot-password"
            onClick={(event) => {
              // The email typed so far goes along.
              event.preventDefault();
              const email = String(formRef.current?.getFieldValue('email') ?? '').trim();
              const forgotState: ForgotPasswordLocationState = email ? { email } : {};
              navigate('/forgot-password', { state: forgotState });
            }}
          >
            {t('login.forgotPassword')}
          </Link>
        </div>
      </LoginForm>
    </AuthFrame>
  );
}
