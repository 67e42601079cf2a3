import { PageContainer, ProCard, type ProColumns, ProTable } from '@ant-design/pro-components';
import { useQuery } from '@tanstack/react-query';
import { Alert, Empty, Skeleton, Space, Tag, Typography } from 'antd';
import { type HTMLAttributes, type Key, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { listPlugins, pluginsQueryKey } from '../../../api/plugins';
import type { PluginInfo } from '../../../api/types';
import { ErrorResult } from '../../../components/ErrorResult';
import { formatNumber } from '../../../utils/format';
import { testId } from '../../../utils/test-id';
import { contributionCount, PluginContributions } from './PluginContributions';
import { LoadErrorAlert } from '../../../components/LoadErrorAlert';

const stateColors: Record<PluginInfo['state'], string> = {
  registered: 'default',
  started: 'green',
  stopped: 'default',
  failed: 'error',
};

function PluginsTable({ plugins, refreshing, onReload }: { plugins: PluginInfo[]; refreshing: boolean; onReload: () => void }) {
  const { t, i18n } = useTranslation();
  const [expanded, setExpanded] = useState<readonly Key[]>([]);

  const toggle = (id: string) => setExpanded((keys) => (keys.includes(id) ? keys.filter((key) => key !== id) : [...keys, id]));

  const columns: ProColumns<PluginInfo>[] = [
    {
      title: t('plugins.columns.id'),
      dataIndex: 'id',
      render: (_, plugin) => (
        <Space direction="vertical" size={0}>
          <Typography.Text strong style={{ whiteSpace: 'nowrap' }}>
            {plugin.id}
          </Typography.Text>
          {plugin.namespace && plugin.namespace !== plugin.id && (
            <Typography.Text type="secondary" style={{ whiteSpace: 'nowrap' }}>
              {t('plugins.namespace', { namespace: plugin.namespace })}
            </Typography.Text>
          )}
        </Space>
      ),
    },
    { title: t('plugins.columns.version'), dataIndex: 'version', width: 100 },
    {
      title: t('plugins.columns.source'),
      dataIndex: 'source',
      render: (_, plugin) => (
        <Space direction="vertical" size={0}>
          <span>{t(`plugins.source.${plugin.source}`)}</span>
          {plugin.packageName && (
            <Typography.Text type="secondary" code style={{ whiteSpace: 'nowrap' }}>
              {plugin.packageName}
            </Typography.Text>
          )}
        </Space>
      ),
    },
    {
      title: t('plugins.columns.state'),
      dataIndex: 'state',
      width: 160,
      render: (_, plugin) => (
        <Space direction="vertical" size={2}>
          <Tag color={stateColors[plugin.state]} data-testid={`plugin-state-${plugin.id}`}>
            {t(`plugins.state.${plugin.state}`)}
          </Tag>
          {plugin.error && (
            <Typography.Text type="danger" data-testid={`plugin-error-${plugin.id}`}>
              {plugin.error}
            </Typography.Text>
          )}
        </Space>
      ),
    },
    {
      title: t('plugins.columns.tenant'),
      dataIndex: 'enabledForTenant',
      tooltip: t('plugins.tenant.hint'),
      width: 120,
      render: (_, plugin) => (
        <Space size={4} wrap>
          <Tag color={plugin.enabledForTenant ? 'green' : 'orange'} data-testid={`plugin-tenant-${plugin.id}`}>
            {plugin.enabledForTenant ? t('plugins.tenant.enabled') : t('plugins.tenant.disabled')}
          </Tag>
          {!plugin.defaultEnabled && <Tag data-testid={`plugin-licensed-${plugin.id}`}>{t('plugins.tenant.licensed')}</Tag>}
        </Space>
      ),
    },
    {
      title: t('plugins.columns.requiresCore'),
      dataIndex: ['requires', 'core'],
      render: (_, plugin) => <Typography.Text code>{plugin.requires.core}</Typography.Text>,
    },
    {
      title: t('plugins.columns.dependencies'),
      dataIndex: 'dependencies',
      render: (_, plugin) => {
        const dependencies = Object.entries(plugin.dependencies);
        if (dependencies.length === 0) return <Typography.Text type="secondary">{t('plugins.noDependencies')}</Typography.Text>;
        return (
          <Space size={[4, 4]} wrap>
            {dependencies.map(([id, range]) => (
              <Tag key={id}>
                {id} <Typography.Text type="secondary">{range}</Typography.Text>
              </Tag>
            ))}
          </Space>
        );
      },
    },
    {
      title: t('plugins.columns.contributions'),
      key: 'contributions',
      width: 100,
      render: (_, plugin) =>
        t('plugins.contributionCount', { total: formatNumber(contributionCount(plugin.contributions), i18n.language) }),
    },
    {
      title: t('common.actions'),
      valueType: 'option',
      key: 'actions',
      onCell: () => ({ style: { whiteSpace: 'nowrap' } }),
      render: (_, plugin) => [
        <Typography.Link key="toggle" onClick={() => toggle(plugin.id)} data-testid={`plugin-toggle-${plugin.id}`}>
          {expanded.includes(plugin.id) ? t('plugins.hideContributions') : t('plugins.viewContributions')}
        </Typography.Link>,
      ],
    },
  ];

  return (
    <ProTable<PluginInfo>
      rowKey="id"
      columns={columns}
      dataSource={plugins}
      loading={refreshing}
      search={false}
      cardBordered
      pagination={false}
      options={{ reload: onReload, density: false, setting: false }}
      // Rows take any HTML attribute; antd's type lists only the known ones.
      onRow={(plugin) => testId(`plugin-row-${plugin.id}`) as HTMLAttributes<HTMLElement>}
      expandable={{
        expandedRowKeys: expanded,
        onExpandedRowsChange: (keys) => setExpanded(keys),
        expandedRowRender: (plugin) => <PluginContributions plugin={plugin} />,
      }}
      locale={{
        emptyText: (
          <Empty
            data-testid="plugins-empty"
            description={
              <>
                <Typography.Title level={5}>{t('plugins.empty.title')}</Typography.Title>
                <Typography.Paragraph type="secondary" style={{ maxWidth: 520, margin: '0 auto' }}>
                  {t('plugins.empty.description')}
                </Typography.Paragraph>
              </>
            }
          />
        ),
      }}
    />
  );
}

/** Plugins isolated because their start failed: what that means and how to get them back. */
function FailedPluginsAlert({ plugins }: { plugins: PluginInfo[] }) {
  const { t } = useTranslation();
  const failed = plugins.filter((plugin) => plugin.state === 'failed');
  if (failed.length === 0) return null;
  return (
    <Alert
      type="error"
      showIcon
      message={t('plugins.failedAlert.title', { count: failed.length })}
      description={
        <>
          <Typography.Paragraph style={{ marginBottom: 8 }}>{t('plugins.failedAlert.description')}</Typography.Paragraph>
          <ul style={{ margin: 0, paddingInlineStart: 20 }}>
            {failed.map((plugin) => (
              <li key={plugin.id}>
                <Typography.Text strong>{plugin.id}</Typography.Text>
                {plugin.error ? ` — ${plugin.error}` : ''}
              </li>
            ))}
          </ul>
        </>
      }
      style={{ marginBottom: 16 }}
      data-testid="plugins-failed-alert"
    />
  );
}

/** 插件: the plugins the server loaded, their versions, state and contributions (read-only). */
export default function PluginsPage() {
  const { t } = useTranslation();
  const { data, isPending, isFetching, error, refetch } = useQuery({ queryKey: pluginsQueryKey, queryFn: listPlugins });
  const reload = () => void refetch();

  return (
    <div data-testid="plugins-page">
      <PageContainer title={t('plugins.title')} content={t('plugins.description')}>
        {isPending ? (
          <ProCard>
            <Skeleton active paragraph={{ rows: 6 }} />
          </ProCard>
        ) : !data ? (
          <ProCard>
            <div data-testid="plugins-load-error">
              <ErrorResult error={error} onRetry={reload} />
            </div>
          </ProCard>
        ) : (
          <>
            <LoadErrorAlert error={error} onRetry={reload} testId="plugins-load-error" />
            <FailedPluginsAlert plugins={data.items} />
            <PluginsTable plugins={data.items} refreshing={isFetching} onReload={reload} />
          </>
        )}
      </PageContainer>
    </div>
  );
}
