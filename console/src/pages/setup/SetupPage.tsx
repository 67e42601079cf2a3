import { ProForm, type ProFormInstance, ProFormSelect, ProFormText } from '@ant-design/pro-components';
import { App, Button, Card, Divider, Typography } from 'antd';
import { useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../api/client';
import { runSetup } from '../../api/setup';
import { AuthFrame } from '../../components/AuthFrame';
import { useFinishSetup } from '../../session/guards';
import { useApplyFieldErrors, useErrorText } from '../../utils/errors';
import { DEFAULT_TIME_ZONE, listTimeZones, utcOffset } from '../../utils/format';
import { testId } from '../../utils/test-id';

export const PASSWORD_MIN = 8;

interface SetupFormValues {
  setupToken: string;
  tenantName: string;
  timeZone: string;
  name: string;
  email: string;
  password: string;
  confirmPassword: string;
}

/** 首次使用: creates the first tenant and its first super staff member (高级员工). */
export default function SetupPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const finishSetup = useFinishSetup();
  const errorText = useErrorText();
  const applyFieldErrors = useApplyFieldErrors();
  const formRef = useRef<ProFormInstance<SetupFormValues>>(undefined);
  const [submitting, setSubmitting] = useState(false);

  const timeZoneOptions = useMemo(
    () => listTimeZones().map((zone) => ({ value: zone, label: `${zone} (${utcOffset(zone)})` })),
    [],
  );

  const onFinish = async (values: SetupFormValues) => {
    setSubmitting(true);
    try {
      const email = values.email.trim();
      await runSetup({
        setupToken: values.setupToken.trim(),
        tenantName: values.tenantName.trim(),
        timeZone: values.timeZone,
        name: values.name.trim(),
        email,
        password: values.password,
      });
      finishSetup({ email, setupDone: true });
      return true;
    } catch (error) {
      message.error(errorText(error));
      if (isApiError(error, 'setup_already_done')) {
        finishSetup();
        return false;
      }
      applyFieldErrors(formRef.current, error, {
        setup_token_invalid: 'setupToken',
        email_taken: 'email',
        time_zone_locked: 'timeZone',
      });
      return false;
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <AuthFrame width={560}>
      <Card data-testid="setup-page">
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {t('setup.title')}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{t('setup.subtitle')}</Typography.Paragraph>
        <ProForm<SetupFormValues>
          formRef={formRef}
          layout="vertical"
          initialValues={{ timeZone: DEFAULT_TIME_ZONE }}
          onFinish={onFinish}
          submitter={{
            render: () => (
              <Button type="primary" htmlType="submit" size="large" block loading={submitting} data-testid="setup-submit">
                {t('setup.submit')}
              </Button>
            ),
          }}
        >
          <ProFormText
            name="setupToken"
            label={t('setup.setupToken.label')}
            placeholder={t('setup.setupToken.placeholder')}
            extra={t('setup.setupToken.extra')}
            fieldProps={{ autoComplete: 'off', ...testId('setup-token') }}
            rules={[{ required: true, whitespace: true, message: t('setup.setupToken.required') }]}
          />
          <Divider orientation="left" plain>
            {t('setup.sectionTenant')}
          </Divider>
          <ProFormText
            name="tenantName"
            label={t('setup.tenantName.label')}
            placeholder={t('setup.tenantName.placeholder')}
            fieldProps={testId('setup-tenant-name')}
            rules={[{ required: true, whitespace: true, message: t('setup.tenantName.required') }]}
          />
          <ProFormSelect
            name="timeZone"
            label={t('setup.timeZone.label')}
            extra={t('setup.timeZone.extra')}
            options={timeZoneOptions}
            fieldProps={{
              showSearch: true,
              allowClear: false,
              placeholder: t('setup.timeZone.placeholder'),
              ...testId('setup-time-zone'),
            }}
            rules={[{ required: true, message: t('setup.timeZone.required') }]}
          />
          <Divider orientation="left" plain>
            {t('setup.sectionAdmin')}
          </Divider>
          <ProFormText
            name="name"
            label={t('setup.name.label')}
            placeholder={t('setup.name.placeholder')}
            fieldProps={{ autoComplete: 'name', ...testId('setup-name') }}
            rules={[{ required: true, whitespace: true, message: t('setup.name.required') }]}
          />
          <ProFormText
            name="email"
            label={t('setup.email.label')}
            placeholder={t('setup.email.placeholder')}
            extra={t('setup.email.extra')}
            fieldProps={{ autoComplete: 'username', ...testId('setup-email') }}
            rules={[
              { required: true, message: t('setup.email.required') },
              { type: 'email', message: t('setup.email.invalid') },
            ]}
          />
          <ProFormText.Password
            name="password"
            label={t('setup.password.label')}
            placeholder={t('setup.password.placeholder')}
            fieldProps={{ autoComplete: 'new-password', ...testId('setup-password') }}
            rules={[
              { required: true, message: t('setup.password.required') },
              { min: PASSWORD_MIN, message: t('setup.password.min') },
            ]}
          />
          <ProFormText.Password
            name="confirmPassword"
            label={t('setup.confirmPassword.label')}
            placeholder={t('setup.confirmPassword.placeholder')}
            dependencies={['password']}
            fieldProps={{ autoComplete: 'new-password', ...testId('setup-password-confirm') }}
            rules={[
              { required: true, message: t('setup.confirmPassword.required') },
              ({ getFieldValue }) => ({
                validator: (_, value) =>
                  !value || getFieldValue('password') === value
                    ? Promise.resolve()
                    : Promise.reject(new Error(t('setup.confirmPassword.mismatch'))),
              }),
            ]}
          />
        </ProForm>
      </Card>
    </AuthFrame>
  );
}
