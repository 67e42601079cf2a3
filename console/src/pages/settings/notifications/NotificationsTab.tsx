import { type ProColumns, ProTable } from '@ant-design/pro-components';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Badge, Button, Empty, Segmented, Space, Tooltip, Typography } from 'antd';
import { type HTMLAttributes, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  listNotifications,
  markAllNotificationsRead,
  markNotificationRead,
  NOTIFICATIONS_PAGE_SIZE_MAX,
  notificationListQueryKey,
  notificationsQueryKey,
} from '../../../api/notifications';
import type { Notification } from '../../../api/types';
import { CountsText, FileLinks, LevelTag } from '../../../notifications/parts';
import { useTaskErrorText, useTaskKindName } from '../../../notifications/texts';
import { useSession } from '../../../session/session';
import { useErrorText } from '../../../utils/errors';
import { formatDateTime, formatNumber } from '../../../utils/format';
import { testId } from '../../../utils/test-id';
import { LoadErrorAlert } from '../../../components/LoadErrorAlert';
import { usePagedList } from '../../../utils/paged-list';

const POLL_MS = 15_000;

type Filter = 'all' | 'unread';

const none = <Typography.Text type="secondary">—</Typography.Text>;

/** 通知: the caller's notifications with 全部/未读, results, errors, files, 标为已读 and 全部已读. */
export function NotificationsTab() {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const timeZone = session.tenant.timeZone;
  const { message } = App.useApp();
  const errorText = useErrorText();
  const taskErrorText = useTaskErrorText();
  const kindName = useTaskKindName();
  const queryClient = useQueryClient();
  const [filter, setFilter] = useState<Filter>('all');
  const { list, data, resetPage, tableProps } = usePagedList({
    filters: { unread: filter === 'unread' },
    queryKey: notificationListQueryKey,
    queryFn: listNotifications,
    maxPageSize: NOTIFICATIONS_PAGE_SIZE_MAX,
    refetchInterval: POLL_MS,
  });

  const refresh = () => queryClient.invalidateQueries({ queryKey: notificationsQueryKey });
  const markRead = useMutation({
    mutationFn: markNotificationRead,
    onSuccess: () => refresh(),
    onError: (error) => message.error(errorText(error)),
  });
  const readAll = useMutation({
    mutationFn: markAllNotificationsRead,
    onSuccess: async () => {
      message.success(t('notifications.readAllDone'));
      await refresh();
    },
    onError: (error) => message.error(errorText(error)),
  });

  const changeFilter = (value: Filter) => {
    setFilter(value);
    resetPage();
  };

  const columns: ProColumns<Notification>[] = [
    {
      title: t('notifications.columns.level'),
      dataIndex: 'level',
      width: 90,
      render: (_, notification) => <LevelTag level={notification.level} testId={`notification-level-${notification.id}`} />,
    },
    {
      title: t('notifications.columns.kind'),
      dataIndex: 'kind',
      render: (_, notification) => {
        const name = kindName(notification.kind);
        return (
          <Space direction="vertical" size={0}>
            <Typography.Text strong={notification.readAt === null} data-testid={`notification-kind-${notification.id}`}>
              {name}
            </Typography.Text>
            {name !== notification.kind && (
              <Typography.Text type="secondary" code style={{ fontSize: 12 }}>
                {notification.kind}
              </Typography.Text>
            )}
          </Space>
        );
      },
    },
    {
      title: t('notifications.columns.counts'),
      dataIndex: 'counts',
      render: (_, notification) =>
        Object.keys(notification.counts).length === 0 ? (
          none
        ) : (
          <CountsText kind={notification.kind} counts={notification.counts} testId={`notification-counts-${notification.id}`} />
        ),
    },
    {
      title: t('notifications.columns.error'),
      dataIndex: 'error',
      width: 220,
      render: (_, notification) => {
        if (!notification.error) return none;
        const text = taskErrorText(notification.error);
        return (
          <Typography.Paragraph
            type="danger"
            ellipsis={{ rows: 2, tooltip: `${text} (${notification.error.code})` }}
            style={{ margin: 0, maxWidth: 220 }}
            data-testid={`notification-error-${notification.id}`}
          >
            {text}
          </Typography.Paragraph>
        );
      },
    },
    {
      title: t('notifications.columns.files'),
      dataIndex: 'files',
      render: (_, notification) => (notification.files.length === 0 ? none : <FileLinks files={notification.files} />),
    },
    {
      title: t('notifications.columns.createdAt'),
      dataIndex: 'createdAt',
      width: 150,
      render: (_, notification) => formatDateTime(notification.createdAt, timeZone),
    },
    {
      title: t('notifications.columns.readState'),
      dataIndex: 'readAt',
      width: 100,
      render: (_, notification) => (
        <span data-testid={`notification-read-state-${notification.id}`}>
          {notification.readAt === null ? (
            <Badge status="processing" text={t('notifications.unread')} />
          ) : (
            <Tooltip title={formatDateTime(notification.readAt, timeZone)}>
              <Badge status="default" text={t('notifications.read')} />
            </Tooltip>
          )}
        </span>
      ),
    },
    {
      title: t('common.actions'),
      valueType: 'option',
      key: 'actions',
      fixed: 'right',
      onCell: () => ({ style: { whiteSpace: 'nowrap' } }),
      render: (_, notification) => [
        <Typography.Link
          key="read"
          disabled={notification.readAt !== null}
          aria-disabled={notification.readAt !== null}
          onClick={() => {
            if (notification.readAt === null) markRead.mutate(notification.id);
          }}
          data-testid={`notification-read-${notification.id}`}
        >
          {t('notifications.markRead')}
        </Typography.Link>,
      ],
    },
  ];

  const emptyText = () => {
    if (list.error && !data) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('common.loadFailed')} />;
    return (
      <Empty
        data-testid={filter === 'unread' ? 'notifications-page-empty-unread' : 'notifications-page-empty'}
        description={
          <>
            <Typography.Title level={5}>
              {filter === 'unread' ? t('notifications.empty.unreadTitle') : t('notifications.empty.title')}
            </Typography.Title>
            <Typography.Paragraph type="secondary" style={{ maxWidth: 520, margin: '0 auto' }}>
              {filter === 'unread' ? t('notifications.empty.unreadDescription') : t('notifications.empty.description')}
            </Typography.Paragraph>
          </>
        }
      />
    );
  };

  const unread = data?.unread ?? 0;
  return (
    <>
      <LoadErrorAlert error={list.error} onRetry={() => void list.refetch()} testId="notifications-page-error" />
      <ProTable<Notification>
        {...tableProps}
        rowKey="id"
        columns={columns}
        search={false}
        cardBordered
        scroll={{ x: 'max-content' }}
        columnsState={{
          persistenceKey: `huiliu.notifications.columns.${session.staff.id}`,
          persistenceType: 'localStorage',
        }}
        headerTitle={
          <Segmented<Filter>
            value={filter}
            onChange={changeFilter}
            options={[
              { value: 'all', label: <span data-testid="notifications-filter-all">{t('notifications.filter.all')}</span> },
              {
                value: 'unread',
                label: (
                  <span data-testid="notifications-filter-unread">
                    {t('notifications.filter.unread')}
                    {unread > 0 && ` (${formatNumber(unread, i18n.language)})`}
                  </span>
                ),
              },
            ]}
          />
        }
        toolBarRender={() => [
          <Button
            key="read-all"
            disabled={unread === 0}
            loading={readAll.isPending}
            onClick={() => readAll.mutate()}
            data-testid="notifications-page-read-all"
          >
            {t('notifications.readAll')}
          </Button>,
        ]}
        onRow={(notification) => testId(`notification-row-${notification.id}`) as HTMLAttributes<HTMLElement>}
        locale={{ emptyText: emptyText() }}
      />
    </>
  );
}
