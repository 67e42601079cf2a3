import { PlusOutlined } from '@ant-design/icons';
import { ProCard } from '@ant-design/pro-components';
import { useQuery } from '@tanstack/react-query';
import { type ChannelSectionProps, ErrorResult, formatDateTime, testId, useSession } from '@huiliu/console/sdk';
import { Button, Empty, Skeleton, Space, Table, type TableColumnsType, Tabs, Typography } from 'antd';
import { type HTMLAttributes, useState } from 'react';
import { Link } from 'react-router-dom';
import { AppFormModal } from './AppFormModal';
import { type AppPlatform, appsQueryKey, type CustomApp, identifierOf, listApps, platforms } from './api';
import { useT } from './i18n';
import { AppStatusTag, MaskedWriteKey, useAppActions } from './shared';

/** The path of an app's page (this plugin's console route). */
export function appPath(app: Pick<CustomApp, 'channelId' | 'id'>): string {
  return `/connections/${app.channelId}/apps/${app.id}`;
}

function AppsTable({ platform, apps, onEdit }: { platform: AppPlatform; apps: CustomApp[]; onEdit: (app: CustomApp) => void }) {
  const { t } = useT();
  const session = useSession();
  const { toggle, regenerate } = useAppActions();

  const columns: TableColumnsType<CustomApp> = [
    {
      title: t('section.columns.name'),
      dataIndex: 'name',
      render: (_, app) => (
        <Link to={appPath(app)} data-testid="custom-app-name">
          {app.name}
        </Link>
      ),
    },
    {
      title: t(`identifiers.${platform}`),
      key: 'identifier',
      render: (_, app) => (
        <Typography.Text style={{ fontFamily: 'monospace' }} data-testid="custom-app-identifier">
          {identifierOf(app)}
        </Typography.Text>
      ),
    },
    {
      title: t('section.columns.status'),
      dataIndex: 'status',
      width: 90,
      render: (_, app) => <AppStatusTag status={app.status} />,
    },
    {
      title: t('section.columns.writeKey'),
      dataIndex: 'writeKey',
      render: (_, app) => <MaskedWriteKey writeKey={app.writeKey} />,
    },
    {
      title: t('section.columns.createdAt'),
      dataIndex: 'createdAt',
      width: 160,
      render: (_, app) => formatDateTime(app.createdAt, session.tenant.timeZone),
    },
    {
      title: t('section.columns.actions'),
      key: 'actions',
      fixed: 'right',
      onCell: () => ({ style: { whiteSpace: 'nowrap' } }),
      render: (_, app) => (
        <Space size="middle">
          <Link to={appPath(app)} data-testid="custom-app-view">
            {t('actions.view')}
          </Link>
          <Typography.Link onClick={() => onEdit(app)} data-testid="custom-app-edit">
            {t('actions.edit')}
          </Typography.Link>
          <Typography.Link onClick={() => toggle(app)} data-testid="custom-app-toggle">
            {app.status === 'enabled' ? t('actions.disable') : t('actions.enable')}
          </Typography.Link>
          <Typography.Link onClick={() => regenerate(app)} data-testid="custom-app-regenerate">
            {t('actions.regenerate')}
          </Typography.Link>
        </Space>
      ),
    },
  ];

  return (
    <Table<CustomApp>
      rowKey="id"
      size="middle"
      columns={columns}
      dataSource={apps}
      pagination={false}
      scroll={{ x: 'max-content' }}
      onRow={(app) => testId(`custom-app-row-${app.id}`) as HTMLAttributes<HTMLElement>}
      locale={{
        emptyText: (
          <Empty
            image={Empty.PRESENTED_IMAGE_SIMPLE}
            description={t(`section.empty.${platform}`)}
            data-testid={`custom-apps-empty-${platform}`}
          />
        ),
      }}
    />
  );
}

/**
 * 自定义渠道 section of a channel's detail page: its web / iOS / Android apps by platform, each
 * with its status and writeKey; add, edit, disable / enable, regenerate the writeKey.
 */
export default function ChannelApps({ channel }: ChannelSectionProps) {
  const { t } = useT();
  const { data, isPending, error, refetch } = useQuery({
    queryKey: appsQueryKey(channel.id),
    queryFn: () => listApps(channel.id),
  });
  const [chosenTab, setChosenTab] = useState<AppPlatform | null>(null);
  const [editing, setEditing] = useState<CustomApp | null>(null);

  const apps = data?.items ?? [];
  const byPlatform = (platform: AppPlatform) => apps.filter((app) => app.platform === platform);
  // Until the operator picks a tab: the first platform that has apps.
  const activeTab = chosenTab ?? platforms.find((platform) => byPlatform(platform).length > 0) ?? 'web';

  return (
    <ProCard
      title={t('section.title')}
      subTitle={t('section.description')}
      data-testid="custom-apps"
      extra={
        <AppFormModal
          mode="create"
          channelId={channel.id}
          platform={activeTab}
          trigger={
            <Button type="primary" icon={<PlusOutlined />} disabled={!data} data-testid="custom-apps-add">
              {t('section.add')}
            </Button>
          }
          onCreated={(app) => setChosenTab(app.platform)}
        />
      }
    >
      {isPending ? (
        <Skeleton active paragraph={{ rows: 4 }} />
      ) : error && !data ? (
        <div data-testid="custom-apps-load-error">
          <ErrorResult error={error} onRetry={() => void refetch()} />
        </div>
      ) : (
        <Tabs
          activeKey={activeTab}
          onChange={(key) => setChosenTab(key as AppPlatform)}
          items={platforms.map((platform) => ({
            key: platform,
            label: (
              <span data-testid={`custom-apps-tab-${platform}`}>
                {t(`tabs.${platform}`)}
                <Typography.Text type="secondary" style={{ marginLeft: 6 }} data-testid={`custom-apps-count-${platform}`}>
                  {byPlatform(platform).length}
                </Typography.Text>
              </span>
            ),
            children: <AppsTable platform={platform} apps={byPlatform(platform)} onEdit={setEditing} />,
          }))}
        />
      )}
      {editing && <AppFormModal key={editing.id} mode="edit" app={editing} onClose={() => setEditing(null)} />}
    </ProCard>
  );
}
