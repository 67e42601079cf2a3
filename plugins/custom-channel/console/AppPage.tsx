import { CopyOutlined, EditOutlined, ReloadOutlined } from '@ant-design/icons';
import { PageContainer, ProCard } from '@ant-design/pro-components';
import { useQuery } from '@tanstack/react-query';
import { ErrorResult, formatDateTime, isNotFoundError, StatusResult, useChannel, useSession } from '@huiliu/console/sdk';
import { Alert, App, Button, Descriptions, Skeleton, Space, Switch, Typography, theme } from 'antd';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { AppFormModal } from './AppFormModal';
import { appQueryKey, type CustomApp, getApp, identifierOf } from './api';
import { useT } from './i18n';
import { AppStatusTag, useAppActions } from './shared';
import { asyncSnippet, scriptTagSnippet } from './snippets';

/** Copies text: the Clipboard API, else a selected textarea and `execCommand('copy')`. */
async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    // Not a secure context or no permission: the old way below.
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  const copied = document.execCommand('copy');
  area.remove();
  if (!copied) throw new Error('copy failed');
}

function useCopy(): (text: string) => Promise<void> {
  const { t } = useT();
  const { message } = App.useApp();
  return async (text) => {
    try {
      await copyText(text);
      message.success(t('app.copied'));
    } catch {
      message.error(t('app.copyFailed'));
    }
  };
}

/** A snippet in a box, with its copy button. */
function Snippet({ title, text, testId }: { title: string; text: string; testId: string }) {
  const { t } = useT();
  const { token } = theme.useToken();
  const copy = useCopy();
  return (
    <div style={{ marginBottom: token.margin }}>
      <Space style={{ marginBottom: token.marginXS }}>
        <Typography.Text strong>{title}</Typography.Text>
        <Button size="small" icon={<CopyOutlined />} onClick={() => void copy(text)} data-testid={`${testId}-copy`}>
          {t('app.web.copy')}
        </Button>
      </Space>
      <pre
        data-testid={testId}
        style={{
          margin: 0,
          padding: token.padding,
          background: token.colorFillAlter,
          border: `1px solid ${token.colorBorderSecondary}`,
          borderRadius: token.borderRadius,
          fontSize: token.fontSizeSM,
          overflowX: 'auto',
        }}
      >
        <code>{text}</code>
      </pre>
    </div>
  );
}

/** How to send this app's data: the web SDK's snippets (writeKey and this server filled in), or the mobile notes. */
export function Integration({ app, origin = window.location.origin }: { app: CustomApp; origin?: string }) {
  const { t } = useT();
  const { token } = theme.useToken();

  if (app.platform === 'web') {
    return (
      <ProCard title={t('app.web.title')} data-testid="custom-app-integration">
        <Typography.Paragraph type="secondary">{t('app.web.description')}</Typography.Paragraph>
        <Snippet title={t('app.web.scriptTag')} text={scriptTagSnippet(origin, app.writeKey)} testId="custom-app-snippet" />
        <Snippet title={t('app.web.async')} text={asyncSnippet(origin, app.writeKey)} testId="custom-app-snippet-async" />
        <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }} data-testid="custom-app-web-notes">
          {t('app.web.usage')}
          <br />
          {t('app.web.wechat')}
        </Typography.Paragraph>
      </ProCard>
    );
  }
  return (
    <ProCard title={t('app.mobile.title')} data-testid="custom-app-integration">
      <Alert type="info" showIcon message={t('app.mobile.sdkPending')} style={{ marginBottom: token.margin }} />
      <Typography.Paragraph style={{ marginBottom: 0 }} data-testid="custom-app-mobile-note">
        {t(`app.mobile.${app.platform}`, { serverUrl: `${origin}/api/v1/collect`, identifier: identifierOf(app) })}
      </Typography.Paragraph>
    </ProCard>
  );
}

function AppDetail({ app, channelName }: { app: CustomApp; channelName: string | undefined }) {
  const { t } = useT();
  const session = useSession();
  const navigate = useNavigate();
  const { token } = theme.useToken();
  const copy = useCopy();
  const { toggle, regenerate } = useAppActions();
  const [editing, setEditing] = useState(false);
  const timeZone = session.tenant.timeZone;
  const channelPath = `/connections/${app.channelId}`;

  return (
    <PageContainer
      title={<span data-testid="custom-app-title">{app.name}</span>}
      tags={<AppStatusTag status={app.status} />}
      subTitle={t(`platforms.${app.platform}`)}
      onBack={() => navigate(channelPath)}
      breadcrumb={{
        items: [
          { title: <Link to="/connections">{t('breadcrumb.connections')}</Link> },
          { title: <Link to={channelPath}>{channelName ?? app.channelId}</Link> },
          { title: app.name },
        ],
      }}
      extra={
        <Button icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="custom-app-edit">
          {t('actions.edit')}
        </Button>
      }
    >
      {app.status === 'disabled' && (
        <Alert
          type="warning"
          showIcon
          message={t('app.disabledNotice')}
          style={{ marginBottom: 16 }}
          data-testid="custom-app-disabled-notice"
        />
      )}
      <ProCard title={t('app.basics')} style={{ marginBottom: 16 }} data-testid="custom-app-basics">
        <Descriptions
          column={{ xs: 1, sm: 1, md: 2, lg: 3, xl: 3, xxl: 3 }}
          items={[
            { key: 'name', label: t('app.name'), children: app.name },
            { key: 'platform', label: t('app.platform'), children: t(`platforms.${app.platform}`) },
            {
              key: 'identifier',
              label: t(`identifiers.${app.platform}`),
              children: (
                <Typography.Text code data-testid="custom-app-identifier">
                  {identifierOf(app)}
                </Typography.Text>
              ),
            },
            { key: 'channel', label: t('app.channel'), children: <Link to={channelPath}>{channelName ?? app.channelId}</Link> },
            { key: 'createdAt', label: t('app.createdAt'), children: formatDateTime(app.createdAt, timeZone) },
            { key: 'updatedAt', label: t('app.updatedAt'), children: formatDateTime(app.updatedAt, timeZone) },
            {
              key: 'status',
              label: t('app.status'),
              span: 'filled',
              children: (
                <Space>
                  <Switch
                    checked={app.status === 'enabled'}
                    onChange={() => toggle(app)}
                    aria-label={t('app.status')}
                    data-testid="custom-app-status-switch"
                  />
                  <span style={{ whiteSpace: 'nowrap' }}>{t(`status.${app.status}`)}</span>
                  <Typography.Text type="secondary">{t('app.statusHint')}</Typography.Text>
                </Space>
              ),
            },
          ]}
        />
      </ProCard>
      <ProCard
        title={t('app.writeKey')}
        style={{ marginBottom: 16 }}
        data-testid="custom-app-write-key-card"
        extra={
          <Button danger icon={<ReloadOutlined />} onClick={() => regenerate(app)} data-testid="custom-app-regenerate">
            {t('actions.regenerate')}
          </Button>
        }
      >
        <Space wrap style={{ marginBottom: token.marginSM }}>
          <Typography.Text code style={{ fontSize: token.fontSizeLG }} data-testid="custom-app-write-key">
            {app.writeKey}
          </Typography.Text>
          <Button icon={<CopyOutlined />} onClick={() => void copy(app.writeKey)} data-testid="custom-app-write-key-copy">
            {t('app.copyWriteKey')}
          </Button>
        </Space>
        <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
          {t('app.writeKeyIssuedAt')}: {formatDateTime(app.writeKeyIssuedAt, timeZone)}
          <br />
          {t('app.writeKeyHint')}
        </Typography.Paragraph>
      </ProCard>
      <Integration app={app} />
      {editing && <AppFormModal mode="edit" app={app} onClose={() => setEditing(false)} />}
    </PageContainer>
  );
}

/** 应用详情 (a plugin route): name, platform, identifier, status switch, writeKey and how to use it. */
export default function AppPage() {
  const { t } = useT();
  const { channelId = '', customAppId = '' } = useParams();
  const app = useQuery({ queryKey: appQueryKey(customAppId), queryFn: () => getApp(customAppId) });
  // Only for the channel's name; the page works without it.
  const channel = useChannel(channelId);

  const notFound = (
    <StatusResult
      status="404"
      title={t('app.notFound.title')}
      subTitle={t('app.notFound.subTitle')}
      backTo={`/connections/${channelId}`}
      backLabel={t('app.notFound.back')}
      testId="custom-app-not-found"
    />
  );

  let content;
  if (app.isPending) {
    content = (
      <PageContainer title={t('appPage.title')}>
        <ProCard>
          <Skeleton active paragraph={{ rows: 8 }} />
        </ProCard>
      </PageContainer>
    );
  } else if (!app.data) {
    // A malformed id (…/apps/abc) is as missing as an unknown one (…/apps/999999).
    content = isNotFoundError(app.error, ['customAppId']) ? (
      notFound
    ) : (
      <PageContainer title={t('appPage.title')}>
        <ProCard>
          <div data-testid="custom-app-load-error">
            <ErrorResult error={app.error} onRetry={() => void app.refetch()} />
          </div>
        </ProCard>
      </PageContainer>
    );
  } else if (app.data.channelId !== channelId) {
    // The app exists but the address names another channel.
    content = notFound;
  } else {
    content = <AppDetail app={app.data} channelName={channel.data?.name} />;
  }
  return <div data-testid="custom-app-page">{content}</div>;
}
