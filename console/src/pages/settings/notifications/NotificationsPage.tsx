import { PageContainer } from '@ant-design/pro-components';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { hasPermission, useSession } from '../../../session/session';
import { NotificationsTab } from './NotificationsTab';
import { TasksTab } from './TasksTab';

type TabKey = 'notifications' | 'tasks';

/** 设置 → 通知中心: the caller's notifications (task results, files) and the tenant's task list. */
export default function NotificationsPage() {
  const { t } = useTranslation();
  const session = useSession();
  // Every staff member holds tasks.view (a fixed permission); apps could lack it.
  const canViewTasks = hasPermission(session, 'tasks.view');
  const [searchParams, setSearchParams] = useSearchParams();
  const tab: TabKey = searchParams.get('tab') === 'tasks' && canViewTasks ? 'tasks' : 'notifications';

  const tabList = [
    {
      key: 'notifications',
      tab: <span data-testid="notifications-tab-notifications">{t('notifications.tabs.notifications')}</span>,
    },
    ...(canViewTasks
      ? [{ key: 'tasks', tab: <span data-testid="notifications-tab-tasks">{t('notifications.tabs.tasks')}</span> }]
      : []),
  ];

  return (
    <div data-testid="notifications-page">
      <PageContainer
        title={t('notifications.title')}
        content={t('notifications.description')}
        tabList={tabList}
        tabActiveKey={tab}
        onTabChange={(key) => setSearchParams(key === 'tasks' ? { tab: 'tasks' } : {}, { replace: true })}
      >
        {tab === 'tasks' ? <TasksTab /> : <NotificationsTab />}
      </PageContainer>
    </div>
  );
}
