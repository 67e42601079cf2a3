import { MailOutlined } from '@ant-design/icons';
import { LoginForm, ProFormText } from '@ant-design/pro-components';
import { Alert } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router-dom';
import { requestPasswordReset } from '../../api/auth';
import { AuthFrame } from '../../components/AuthFrame';
import { useErrorText } from '../../utils/errors';
import { testId } from '../../utils/test-id';

/** What the login page hands over: the email typed there. */
export interface ForgotPasswordLocationState {
  email?: string;
}

interface ForgotPasswordValues {
  email: string;
}

/**
 * 忘记密码 (§1.1.3.1.1, §1.2.2): the account's email → a reset mail. The answer never tells whether
 * the email is registered, so neither does the page.
 */
export default function ForgotPasswordPage() {
  const { t } = useTranslation();
  const location = useLocation();
  const errorText = useErrorText();
  const state = (location.state ?? null) as ForgotPasswordLocationState | null;
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const onFinish = async (values: ForgotPasswordValues) => {
    setError(null);
    try {
      await requestPasswordReset({ email: values.email.trim() });
      setSent(true);
      return true;
    } catch (caught) {
      setError(caught);
      return false;
    }
  };

  return (
    <AuthFrame>
      <LoginForm<ForgotPasswordValues>
        logo="/logo.svg"
        title={t('passwordReset.forgot.title')}
        subTitle={t('passwordReset.forgot.subtitle')}
        initialValues={{ email: state?.email ?? '' }}
        onFinish={onFinish}
        submitter={
          sent
            ? false
            : { searchConfig: { submitText: t('passwordReset.forgot.submit') }, submitButtonProps: testId('forgot-submit') }
        }
        actions={
          <div style={{ textAlign: 'center' }}>
            <Link to="/login" data-testid="forgot-back-to-login">
              {t('passwordReset.backToLogin')}
            </Link>
          </div>
        }
      >
        {sent ? (
          <Alert
            type="success"
            showIcon
            message={t('passwordReset.forgot.sent')}
            style={{ marginBottom: 24 }}
            data-testid="forgot-sent"
          />
        ) : (
          <>
            {error !== null && (
              <Alert type="error" showIcon message={errorText(error)} style={{ marginBottom: 24 }} data-testid="forgot-error" />
            )}
            <ProFormText
              name="email"
              placeholder={t('login.email.placeholder')}
              fieldProps={{ size: 'large', prefix: <MailOutlined />, autoComplete: 'username', ...testId('forgot-email') }}
              rules={[
                { required: true, message: t('login.email.required') },
                { type: 'email', message: t('login.email.invalid') },
              ]}
            />
          </>
        )}
      </LoginForm>
    </AuthFrame>
  );
}
