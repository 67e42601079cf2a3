import { useQueryClient } from '@tanstack/react-query';
import { App, Typography } from 'antd';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { notificationsQueryKey } from '../api/notifications';
import { tasksQueryKey } from '../api/tasks';
import { addPendingTask } from './pending';

/** The notification center's task list. */
export const TASKS_PATH = '/settings/notifications?tab=tasks';

/**
 * For pages that start long work (imports, exports, computations, syncs): call the returned
 * function with the new task's id once the server accepted it (202 `{taskId}`). It shows
 * "任务已提交，完成后将在通知中心提醒" with a link to the task list, refreshes the notification
 * and task queries, and makes the header bell watch for the task's result.
 *
 * ```ts
 * const taskSubmitted = useTaskSubmitted();
 * const { taskId } = await api.post<{ taskId: string }>('/api/v1/p/acme-crm/exports', {});
 * taskSubmitted(taskId);
 * ```
 */
export function useTaskSubmitted(): (taskId?: string) => void {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useCallback(
    (taskId?: string) => {
      if (taskId) addPendingTask(taskId);
      void queryClient.invalidateQueries({ queryKey: notificationsQueryKey });
      void queryClient.invalidateQueries({ queryKey: tasksQueryKey });
      const key = `task-submitted-${taskId ?? Date.now()}`;
      message.success({
        key,
        content: (
          <span data-testid="task-submitted">
            {t('notifications.taskSubmitted')}
            <Typography.Link
              style={{ marginInlineStart: 8 }}
              onClick={() => {
                message.destroy(key);
                navigate(TASKS_PATH);
              }}
              data-testid="task-submitted-view"
            >
              {t('notifications.viewTasks')}
            </Typography.Link>
          </span>
        ),
      });
    },
    [t, message, queryClient, navigate],
  );
}
