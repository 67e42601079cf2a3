import { type ActionType, PageContainer, ProCard, type ProColumns, ProTable } from '@ant-design/pro-components';
import { Button, Empty, Select, Skeleton, Space, Tag, Typography, theme } from 'antd';
import { type HTMLAttributes, type KeyboardEvent, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router-dom';
import { CHANNELS_PAGE_SIZE_MAX, listChannels, useChannelTypes } from '../../api/channels';
import type { Channel, ChannelType } from '../../api/types';
import { ErrorResult } from '../../components/ErrorResult';
import { hasPermission, useSession } from '../../session/session';
import { formatDateTime, formatNumber } from '../../utils/format';
import { useLocalized } from '../../utils/localized';
import { testId } from '../../utils/test-id';
import { CreateChannelButton } from './CreateChannelModal';
import { ChannelStatusTag } from './ChannelStatusTag';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';

const DEFAULT_PAGE_SIZE = 20;

/** One clickable card: a channel type (or "all") with its count; the selected one is outlined. */
function TypeCard(props: {
  testId: string;
  title: string;
  description: string | null;
  count: number;
  tag?: { color: string; text: string };
  selected: boolean;
  onClick: () => void;
}) {
  const { t, i18n } = useTranslation();
  const { token } = theme.useToken();
  return (
    <ProCard
      hoverable
      bordered
      onClick={props.onClick}
      role="button"
      tabIndex={0}
      onKeyDown={(event: KeyboardEvent) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          props.onClick();
        }
      }}
      data-testid={props.testId}
      aria-pressed={props.selected}
      style={{
        height: '100%',
        cursor: 'pointer',
        borderColor: props.selected ? token.colorPrimary : undefined,
        boxShadow: props.selected ? `0 0 0 1px ${token.colorPrimary}` : undefined,
      }}
      bodyStyle={{ padding: token.paddingMD }}
    >
      <Typography.Text strong ellipsis={{ tooltip: props.title }} style={{ display: 'block' }}>
        {props.title}
      </Typography.Text>
      <div style={{ margin: `${token.marginXS}px 0` }}>
        <span data-testid={`${props.testId}-count`} style={{ fontSize: 24, fontWeight: 600, marginRight: 6 }}>
          {formatNumber(props.count, i18n.language)}
        </span>
        <Typography.Text type="secondary">{t('connections.types.countLabel')}</Typography.Text>
      </div>
      {props.tag && (
        <Tag color={props.tag.color} style={{ marginBottom: token.marginXS }}>
          {props.tag.text}
        </Tag>
      )}
      <Typography.Paragraph type="secondary" ellipsis={{ rows: 2, tooltip: props.description }} style={{ marginBottom: 0 }}>
        {props.description ?? '\u00a0'}
      </Typography.Paragraph>
    </ProCard>
  );
}

/** The channel types as cards with this tenant's count of each ("by type with counts"). */
function TypeCards({
  types,
  selected,
  onSelect,
}: {
  types: ChannelType[];
  selected: string | undefined;
  onSelect: (type: string | undefined) => void;
}) {
  const { t } = useTranslation();
  const text = useLocalized();
  const total = types.reduce((sum, type) => sum + type.count, 0);
  return (
    // A grid that fits as many cards per row as the width allows (five types fit one row at 1366 px).
    <div
      data-testid="channel-type-cards"
      style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(190px, 1fr))', gap: 16, marginBottom: 16 }}
    >
      <TypeCard
        testId="channel-type-card-all"
        title={t('connections.types.all')}
        description={t('connections.types.allDescription')}
        count={total}
        selected={selected === undefined}
        onClick={() => onSelect(undefined)}
      />
      {types.map((type) => (
        <TypeCard
          key={type.type}
          testId={`channel-type-card-${type.type}`}
          title={text(type.name)}
          description={
            !type.available
              ? t(type.pluginId ? 'connections.pluginDisabled.typeDescription' : 'connections.pluginRemoved.typeDescription')
              : type.description
                ? text(type.description)
                : null
          }
          count={type.count}
          tag={
            !type.available
              ? { color: 'warning', text: t(type.pluginId ? 'connections.pluginDisabled.tag' : 'connections.pluginRemoved.tag') }
              : type.manual
                ? { color: 'blue', text: t('connections.types.manual') }
                : { color: 'default', text: t('connections.types.authorized') }
          }
          selected={selected === type.type}
          onClick={() => onSelect(selected === type.type ? undefined : type.type)}
        />
      ))}
    </div>
  );
}

/** 连接管理: the tenant's connections by channel type, with counts; create, open, filter. */
export default function ConnectionsPage() {
  const { t } = useTranslation();
  const session = useSession();
  const text = useLocalized();
  const timeZone = session.tenant.timeZone;
  // 连接-查看 lists; opening, creating and editing need 连接-编辑 (the server enforces it too).
  const canEdit = hasPermission(session, 'connections.edit');
  const actionRef = useRef<ActionType>(undefined);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [searchParams, setSearchParams] = useSearchParams();
  const typeFilter = searchParams.get('type') ?? undefined;
  const types = useChannelTypes();

  const selectType = (type: string | undefined) => {
    setSearchParams(type ? { type } : {}, { replace: true });
    actionRef.current?.setPageInfo?.({ current: 1 });
  };
  const reloadAll = () => {
    void types.refetch();
    void actionRef.current?.reload();
  };

  const typeByKey = new Map((types.data?.items ?? []).map((type) => [type.type, type]));
  const typeName = (type: string) => {
    const known = typeByKey.get(type);
    return known ? text(known.name) : type;
  };

  const columns: ProColumns<Channel>[] = [
    {
      title: t('connections.columns.name'),
      dataIndex: 'name',
      ellipsis: true,
      render: (_, channel) =>
        canEdit ? (
          <Link to={`/connections/${channel.id}`} data-testid="channel-name-link">
            {channel.name}
          </Link>
        ) : (
          <span data-testid="channel-name">{channel.name}</span>
        ),
    },
    {
      title: t('connections.columns.type'),
      dataIndex: 'type',
      render: (_, channel) => (
        <Space size={4}>
          <span>{typeName(channel.type)}</span>
          <Typography.Text type="secondary" code>
            {channel.type}
          </Typography.Text>
          {!channel.typeAvailable && (
            <Tag color="warning" data-testid="channel-plugin-removed">
              {t(typeByKey.get(channel.type)?.pluginId ? 'connections.pluginDisabled.tag' : 'connections.pluginRemoved.tag')}
            </Tag>
          )}
        </Space>
      ),
    },
    {
      title: t('connections.columns.key'),
      dataIndex: 'channelKey',
      render: (_, channel) => (
        <Typography.Text
          copyable={{ text: channel.channelKey }}
          style={{ fontFamily: 'monospace' }}
          data-testid="channel-key-cell"
        >
          {channel.channelKey}
        </Typography.Text>
      ),
    },
    {
      title: t('connections.columns.status'),
      dataIndex: 'status',
      width: 100,
      render: (_, channel) => <ChannelStatusTag status={channel.status} />,
    },
    {
      title: t('connections.columns.createdAt'),
      dataIndex: 'createdAt',
      width: 170,
      render: (_, channel) => formatDateTime(channel.createdAt, timeZone),
    },
    {
      title: t('common.actions'),
      valueType: 'option',
      key: 'actions',
      fixed: 'right',
      hideInTable: !canEdit,
      onCell: () => ({ style: { whiteSpace: 'nowrap' } }),
      render: (_, channel) => [
        <Link key="open" to={`/connections/${channel.id}`} data-testid="channel-action-open">
          {t('connections.open')}
        </Link>,
      ],
    },
  ];

  const emptyText = () => {
    if (loadError) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('common.loadFailed')} />;
    if (typeFilter) {
      return (
        <Empty
          data-testid="connections-empty-filtered"
          description={
            <>
              <Typography.Title level={5}>{t('connections.empty.filteredTitle')}</Typography.Title>
              <Typography.Paragraph type="secondary">{t('connections.empty.filteredDescription')}</Typography.Paragraph>
            </>
          }
        >
          <Button onClick={() => selectType(undefined)}>{t('connections.empty.showAll')}</Button>
        </Empty>
      );
    }
    return (
      <Empty
        data-testid="connections-empty"
        description={
          <>
            <Typography.Title level={5}>{t('connections.empty.title')}</Typography.Title>
            <Typography.Paragraph type="secondary" style={{ maxWidth: 560, margin: '0 auto' }}>
              {t('connections.empty.description')}
            </Typography.Paragraph>
            {!canEdit && <Typography.Paragraph type="secondary">{t('connections.empty.viewOnly')}</Typography.Paragraph>}
          </>
        }
      />
    );
  };

  return (
    <div data-testid="connections-page">
      <PageContainer title={t('connections.title')} content={t('connections.description')}>
        {types.isPending ? (
          <ProCard style={{ marginBottom: 16 }}>
            <Skeleton active paragraph={{ rows: 3 }} />
          </ProCard>
        ) : types.error && !types.data ? (
          <ProCard style={{ marginBottom: 16 }}>
            <div data-testid="connections-types-error">
              <ErrorResult error={types.error} onRetry={() => void types.refetch()} />
            </div>
          </ProCard>
        ) : types.data.items.length === 0 ? (
          <ProCard style={{ marginBottom: 16 }}>
            <Empty data-testid="channel-types-empty" description={t('connections.types.empty')} />
          </ProCard>
        ) : (
          <TypeCards types={types.data.items} selected={typeFilter} onSelect={selectType} />
        )}
        <LoadErrorAlert error={loadError} onRetry={reloadAll} testId="connections-load-error" />
        <ProTable<Channel>
          rowKey="id"
          actionRef={actionRef}
          columns={columns}
          params={{ type: typeFilter }}
          search={false}
          cardBordered
          scroll={{ x: 'max-content' }}
          headerTitle={
            <Select
              allowClear
              style={{ minWidth: 200 }}
              placeholder={t('connections.filter.all')}
              value={typeFilter}
              onChange={(value: string | undefined) => selectType(value)}
              options={(types.data?.items ?? []).map((type) => ({ value: type.type, label: text(type.name) }))}
              data-testid="connections-type-filter"
            />
          }
          columnsState={{
            persistenceKey: `huiliu.connections.columns.${session.staff.id}`,
            persistenceType: 'localStorage',
          }}
          pagination={{
            defaultPageSize: DEFAULT_PAGE_SIZE,
            showSizeChanger: true,
            pageSizeOptions: [10, 20, 50, CHANNELS_PAGE_SIZE_MAX],
          }}
          options={{ reload: reloadAll }}
          request={async ({ current = 1, pageSize = DEFAULT_PAGE_SIZE, type }) => {
            const page = await listChannels({ type: type as string | undefined, page: current, pageSize });
            setLoadError(null);
            if (page.items.length === 0 && current > 1 && page.total > 0) {
              actionRef.current?.setPageInfo?.({ current: Math.ceil(page.total / pageSize) });
            }
            return { data: page.items, total: page.total, success: true };
          }}
          onRequestError={(error) => setLoadError(error)}
          onRow={(channel) => testId(`channel-row-${channel.id}`) as HTMLAttributes<HTMLElement>}
          toolBarRender={() => [
            canEdit && (
              <CreateChannelButton
                key="create"
                types={(types.data?.items ?? []).filter((type) => type.available)}
                preferredType={typeFilter}
              />
            ),
          ]}
          locale={{ emptyText: emptyText() }}
        />
      </PageContainer>
    </div>
  );
}
