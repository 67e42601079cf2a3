import { LockOutlined } from '@ant-design/icons';
import { LoginForm, type ProFormInstance, ProFormText } from '@ant-design/pro-components';
import { useQueryClient } from '@tanstack/react-query';
import { Alert } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { confirmPasswordReset } from '../../api/auth';
import { isApiError } from '../../api/client';
import { AuthFrame } from '../../components/AuthFrame';
import { NEW_PASSWORD_MIN } from '../../layouts/ChangePasswordModal';
import type { LoginLocationState } from '../../session/guards';
import { forgetSession } from '../../session/session';
import { useApplyFieldErrors, useErrorText } from '../../utils/errors';
import { testId } from '../../utils/test-id';

interface ResetPasswordValues {
  newPassword: string;
  confirmPassword: string;
}

/**
 * The page of a reset mail's link (`/reset-password?token=…`): the new password twice, then to the
 * login page. The token goes to the server in the request body, never in a URL the server logs.
 */
export default function ResetPasswordPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const applyFieldErrors = useApplyFieldErrors();
  const formRef = useRef<ProFormInstance<ResetPasswordValues>>(undefined);
  const [params] = useSearchParams();
  const token = params.get('token')?.trim() ?? '';
  const [error, setError] = useState<unknown>(null);
  const linkInvalid = token === '' || isApiError(error, 'password_reset_token_invalid');

  const onFinish = async ({ newPassword }: ResetPasswordValues) => {
    setError(null);
    try {
      await confirmPasswordReset({ token, newPassword });
      // Every session of this staff member ended: whatever this browser remembered is gone too.
      forgetSession(queryClient);
      const state: LoginLocationState = { passwordReset: true };
      navigate('/login', { replace: true, state });
      return true;
    } catch (caught) {
      if (!applyFieldErrors(formRef.current, caught)) setError(caught);
      return false;
    }
  };

  return (
    <AuthFrame>
      <LoginForm<ResetPasswordValues>
        logo="/logo.svg"
        title={t('passwordReset.reset.title')}
        subTitle={t('passwordReset.reset.subtitle')}
        formRef={formRef}
        onFinish={onFinish}
        submitter={
          linkInvalid
            ? false
            : { searchConfig: { submitText: t('passwordReset.reset.submit') }, submitButtonProps: testId('reset-submit') }
        }
        actions={
          <div style={{ textAlign: 'center' }}>
            <Link to="/login" data-testid="reset-back-to-login">
              {t('passwordReset.backToLogin')}
            </Link>
          </div>
        }
      >
        {linkInvalid ? (
          <Alert
            type="error"
            showIcon
            message={token === '' ? t('passwordReset.reset.missingToken') : errorText(error)}
            description={
              <Link to="/forgot-password" data-testid="reset-request-again">
                {t('passwordReset.reset.requestAgain')}
              </Link>
            }
            style={{ marginBottom: 24 }}
            data-testid="reset-link-invalid"
          />
        ) : (
          <>
            {error !== null && (
              <Alert type="error" showIcon message={errorText(error)} style={{ marginBottom: 24 }} data-testid="reset-error" />
            )}
            <ProFormText.Password
              name="newPassword"
              placeholder={t('account.password.new.placeholder', { min: NEW_PASSWORD_MIN })}
              fieldProps={{ size: 'large', prefix: <LockOutlined />, autoComplete: 'new-password', ...testId('reset-password') }}
              rules={[
                { required: true, message: t('account.password.new.required') },
                { min: NEW_PASSWORD_MIN, message: t('account.password.new.weak', { min: NEW_PASSWORD_MIN }) },
                { pattern: /(?=.*[A-Za-z])(?=.*[0-9])/, message: t('account.password.new.weak', { min: NEW_PASSWORD_MIN }) },
              ]}
            />
            <ProFormText.Password
              name="confirmPassword"
              placeholder={t('account.password.confirm.label')}
              dependencies={['newPassword']}
              fieldProps={{
                size: 'large',
                prefix: <LockOutlined />,
                autoComplete: 'new-password',
                ...testId('reset-password-confirm'),
              }}
              rules={[
                { required: true, message: t('account.password.confirm.required') },
                ({ getFieldValue }) => ({
                  validator: (_, value) =>
                    !value || getFieldValue('newPassword') === value
                      ? Promise.resolve()
                      : Promise.reject(new Error(t('account.password.confirm.mismatch'))),
                }),
              ]}
            />
          </>
        )}
      </LoginForm>
    </AuthFrame>
  );
}
