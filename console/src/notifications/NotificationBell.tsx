import { BellOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Badge, Button, Empty, type GlobalToken, Popover, Skeleton, Typography, theme } from 'antd';
import { type KeyboardEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import {
  latestNotificationsQueryKey,
  listNotifications,
  markAllNotificationsRead,
  markNotificationRead,
  notificationsQueryKey,
} from '../api/notifications';
import type { Notification } from '../api/types';
import { useSession } from '../session/session';
import { useErrorText } from '../utils/errors';
import { formatNumber } from '../utils/format';
import { CountsText, FileLinks, LevelIcon, TimeText } from './parts';
import { settlePendingTasks, usePendingTaskCount } from './pending';
import { useTaskErrorText, useTaskKindName } from './texts';

/** How many notifications the bell lists; the rest are on the notification center page. */
export const BELL_SIZE = 8;
const POLL_MS = 15_000;
/** While a task this console started has not notified yet. */
const POLL_PENDING_MS = 3_000;
export const NOTIFICATIONS_PATH = '/settings/notifications';

/**
 * The bell's count (99+ beyond) as a custom Badge count — an element, not a component, so antd
 * can add its positioning class — so the number itself carries the test id.
 */
function unreadCount(unread: number, language: string, token: GlobalToken) {
  return (
    <span
      data-testid="notification-badge"
      style={{
        minWidth: 16,
        height: 16,
        padding: '0 4px',
        borderRadius: 8,
        background: token.colorError,
        color: token.colorTextLightSolid,
        fontSize: 12,
        lineHeight: '16px',
        textAlign: 'center',
        whiteSpace: 'nowrap',
        boxShadow: `0 0 0 1px ${token.colorBgContainer}`,
        zIndex: 1,
      }}
    >
      {unread > 99 ? '99+' : formatNumber(unread, language)}
    </span>
  );
}

function NotificationItem({
  notification,
  onRead,
}: {
  notification: Notification;
  onRead: (notification: Notification) => void;
}) {
  const session = useSession();
  const { token } = theme.useToken();
  const kindName = useTaskKindName();
  const taskErrorText = useTaskErrorText();
  const unread = notification.readAt === null;
  const errorMessage = notification.level === 'error' && notification.error ? taskErrorText(notification.error) : null;
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.target === event.currentTarget && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      onRead(notification);
    }
  };
  return (
    <div
      role="button"
      tabIndex={0}
      onClick={() => onRead(notification)}
      onKeyDown={onKeyDown}
      data-testid={`notification-item-${notification.id}`}
      data-level={notification.level}
      data-read={unread ? 'false' : 'true'}
      style={{
        display: 'flex',
        gap: 12,
        padding: '10px 12px',
        cursor: unread ? 'pointer' : 'default',
        borderRadius: token.borderRadius,
        background: unread ? token.colorPrimaryBg : undefined,
      }}
    >
      <div style={{ paddingTop: 2 }}>
        <LevelIcon level={notification.level} testId={`notification-level-icon-${notification.id}`} />
      </div>
      <div style={{ flex: 1, minWidth: 0 }}>
        <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
          <Typography.Text
            strong={unread}
            type={unread ? undefined : 'secondary'}
            ellipsis={{ tooltip: notification.kind }}
            data-testid={`notification-title-${notification.id}`}
          >
            {kindName(notification.kind)}
          </Typography.Text>
          <TimeText at={notification.createdAt} timeZone={session.tenant.timeZone} />
        </div>
        {errorMessage !== null ? (
          <Typography.Paragraph
            type="danger"
            ellipsis={{ rows: 2, tooltip: errorMessage }}
            style={{ margin: 0, fontSize: 13 }}
            data-testid={`notification-error-${notification.id}`}
          >
            {errorMessage}
          </Typography.Paragraph>
        ) : (
          <Typography.Text type="secondary" style={{ fontSize: 13 }}>
            <CountsText kind={notification.kind} counts={notification.counts} testId={`notification-counts-${notification.id}`} />
          </Typography.Text>
        )}
        <FileLinks files={notification.files} />
      </div>
      {unread && (
        <Badge status="processing" style={{ alignSelf: 'center' }} data-testid={`notification-unread-${notification.id}`} />
      )}
    </div>
  );
}

/** The header bell: the unread count, and the latest notifications in a popover. */
export function NotificationBell() {
  const { t, i18n } = useTranslation();
  const { token } = theme.useToken();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const pendingTasks = usePendingTaskCount();
  const [open, setOpen] = useState(false);

  const latest = useQuery({
    queryKey: latestNotificationsQueryKey,
    queryFn: () => listNotifications({ page: 1, pageSize: BELL_SIZE }),
    refetchInterval: pendingTasks > 0 ? POLL_PENDING_MS : POLL_MS,
    refetchOnWindowFocus: true,
  });
  useEffect(() => {
    if (latest.data) settlePendingTasks(latest.data.items.map((notification) => notification.taskId));
  }, [latest.data]);

  const refresh = () => queryClient.invalidateQueries({ queryKey: notificationsQueryKey });
  const markRead = useMutation({
    mutationFn: markNotificationRead,
    onSuccess: () => refresh(),
    onError: (error) => message.error(errorText(error)),
  });
  const readAll = useMutation({
    mutationFn: markAllNotificationsRead,
    onSuccess: () => refresh(),
    onError: (error) => message.error(errorText(error)),
  });

  const unread = latest.data?.unread ?? 0;
  const onRead = (notification: Notification) => {
    if (notification.readAt === null) markRead.mutate(notification.id);
  };

  const list = () => {
    if (latest.isPending) return <Skeleton active paragraph={{ rows: 4 }} style={{ padding: 12 }} />;
    if (latest.error && !latest.data) {
      return (
        <div style={{ padding: 16, textAlign: 'center' }} data-testid="notifications-bell-error">
          <Typography.Paragraph type="danger">{errorText(latest.error)}</Typography.Paragraph>
          <Button size="small" onClick={() => void latest.refetch()}>
            {t('common.retry')}
          </Button>
        </div>
      );
    }
    if (latest.data.items.length === 0) {
      return (
        <Empty
          image={Empty.PRESENTED_IMAGE_SIMPLE}
          description={t('notifications.empty.description')}
          style={{ padding: '16px 12px' }}
          data-testid="notifications-bell-empty"
        />
      );
    }
    return (
      <div
        style={{ maxHeight: 440, overflowY: 'auto', padding: 4, display: 'flex', flexDirection: 'column', gap: 2 }}
        data-testid="notifications-bell-list"
      >
        {latest.data.items.map((notification) => (
          <NotificationItem key={notification.id} notification={notification} onRead={onRead} />
        ))}
      </div>
    );
  };

  const content = (
    <div style={{ width: 380 }} data-testid="notifications-popover">
      <div
        style={{
          display: 'flex',
          justifyContent: 'space-between',
          alignItems: 'center',
          padding: '10px 16px',
          borderBottom: `1px solid ${token.colorSplit}`,
        }}
      >
        <Typography.Text strong>
          {t('header.notifications')}
          {unread > 0 && (
            <Typography.Text type="secondary" style={{ fontWeight: 'normal', marginInlineStart: 8 }}>
              {t('notifications.unreadCount', { count: unread })}
            </Typography.Text>
          )}
        </Typography.Text>
        <Button
          type="link"
          size="small"
          disabled={unread === 0}
          loading={readAll.isPending}
          onClick={() => readAll.mutate()}
          data-testid="notifications-read-all"
        >
          {t('notifications.readAll')}
        </Button>
      </div>
      {list()}
      <div style={{ borderTop: `1px solid ${token.colorSplit}`, textAlign: 'center', padding: 8 }}>
        <Button
          type="link"
          size="small"
          onClick={() => {
            setOpen(false);
            navigate(NOTIFICATIONS_PATH);
          }}
          data-testid="notifications-view-all"
        >
          {t('notifications.viewAll')}
        </Button>
      </div>
    </div>
  );

  return (
    <Popover
      trigger="click"
      placement="bottomRight"
      arrow={false}
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (next) void latest.refetch();
      }}
      content={content}
      destroyOnHidden
      styles={{ body: { padding: 0 } }}
    >
      <Button
        type="text"
        title={t('header.notifications')}
        aria-label={t('header.notifications')}
        data-testid="notification-bell"
        icon={
          <Badge count={unread > 0 ? unreadCount(unread, i18n.language, token) : null}>
            <BellOutlined style={{ fontSize: 16 }} />
          </Badge>
        }
      />
    </Popover>
  );
}
