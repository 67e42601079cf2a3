import { type ProColumns, ProTable } from '@ant-design/pro-components';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Empty, Popconfirm, Select, Space, Tooltip, Typography } from 'antd';
import { type HTMLAttributes, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../../api/client';
import { notificationsQueryKey } from '../../../api/notifications';
import { cancelTask, isTaskActive, listTasks, TASKS_PAGE_SIZE_MAX, taskListQueryKey, tasksQueryKey } from '../../../api/tasks';
import type { Task, TaskStatus } from '../../../api/types';
import { CountsText } from '../../../notifications/parts';
import { useTaskErrorText, useTaskKindName } from '../../../notifications/texts';
import { hasPermission, useSession } from '../../../session/session';
import { useErrorText } from '../../../utils/errors';
import { formatDateTime } from '../../../utils/format';
import { testId } from '../../../utils/test-id';
import { TaskStatusTag } from './TaskStatusTag';
import { LoadErrorAlert } from '../../../components/LoadErrorAlert';
import { usePagedList } from '../../../utils/paged-list';

/** While a listed task is queued or running its progress is followed closely; otherwise now and then. */
const POLL_ACTIVE_MS = 2_000;
const POLL_IDLE_MS = 15_000;
const statuses: TaskStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

const none = <Typography.Text type="secondary">—</Typography.Text>;

/** 任务列表: the tenant's long-running tasks with status, progress, attempts, times, errors and 取消. */
export function TasksTab() {
  const { t } = useTranslation();
  const session = useSession();
  const timeZone = session.tenant.timeZone;
  const canCancel = hasPermission(session, 'tasks.cancel');
  const { message } = App.useApp();
  const errorText = useErrorText();
  const taskErrorText = useTaskErrorText();
  const kindName = useTaskKindName();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<TaskStatus | undefined>(undefined);
  const { list, data, resetPage, tableProps } = usePagedList({
    filters: { status },
    queryKey: taskListQueryKey,
    queryFn: listTasks,
    maxPageSize: TASKS_PAGE_SIZE_MAX,
    refetchInterval: (q) => (q.state.data?.items.some(isTaskActive) ? POLL_ACTIVE_MS : POLL_IDLE_MS),
  });

  // A listed task just ended: its notification is there now, show it in the bell without waiting.
  const activeIds = useRef<Set<string>>(new Set());
  useEffect(() => {
    if (!data) return;
    const ended = data.items.some((task) => activeIds.current.has(task.id) && !isTaskActive(task));
    activeIds.current = new Set(data.items.filter(isTaskActive).map((task) => task.id));
    if (ended) void queryClient.invalidateQueries({ queryKey: notificationsQueryKey });
  }, [data, queryClient]);

  const cancel = useMutation({
    mutationFn: cancelTask,
    onSuccess: async (task) => {
      message.success(task.status === 'cancelled' ? t('tasks.cancel.done') : t('tasks.cancel.requested'));
      await queryClient.invalidateQueries({ queryKey: tasksQueryKey });
    },
    onError: (error) => {
      message.error(errorText(error));
      if (isApiError(error, 'task_not_found')) void list.refetch();
    },
  });

  const columns: ProColumns<Task>[] = [
    {
      title: t('tasks.columns.kind'),
      dataIndex: 'kind',
      render: (_, task) => {
        const name = kindName(task.kind);
        return (
          <Space direction="vertical" size={0}>
            <span data-testid={`task-kind-${task.id}`}>{name}</span>
            {task.scheduleKey ? (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('tasks.schedule', { key: task.scheduleKey })}
              </Typography.Text>
            ) : (
              name !== task.kind && (
                <Typography.Text type="secondary" code style={{ fontSize: 12 }}>
                  {task.kind}
                </Typography.Text>
              )
            )}
          </Space>
        );
      },
    },
    {
      title: t('tasks.columns.status'),
      dataIndex: 'status',
      render: (_, task) => <TaskStatusTag task={task} />,
    },
    {
      title: t('tasks.columns.attempts'),
      dataIndex: 'attempts',
      width: 100,
      render: (_, task) => (
        <span data-testid={`task-attempts-${task.id}`}>
          {t('tasks.attempts', { attempts: task.attempts, max: task.maxAttempts })}
        </span>
      ),
    },
    {
      title: t('tasks.columns.createdBy'),
      dataIndex: 'createdBy',
      render: (_, task) => {
        if (task.createdBy === null) return t('tasks.createdBy.system');
        if (task.createdBy === session.staff.id) return t('tasks.createdBy.me');
        return t('tasks.createdBy.staff', { id: task.createdBy });
      },
    },
    {
      title: t('tasks.columns.createdAt'),
      dataIndex: 'createdAt',
      width: 150,
      render: (_, task) => formatDateTime(task.createdAt, timeZone),
    },
    {
      title: t('tasks.columns.startedAt'),
      dataIndex: 'startedAt',
      width: 150,
      render: (_, task) => (task.startedAt === null ? none : formatDateTime(task.startedAt, timeZone)),
    },
    {
      title: t('tasks.columns.finishedAt'),
      dataIndex: 'finishedAt',
      width: 150,
      render: (_, task) => (task.finishedAt === null ? none : formatDateTime(task.finishedAt, timeZone)),
    },
    {
      title: t('tasks.columns.result'),
      dataIndex: 'result',
      render: (_, task) =>
        task.result?.counts && Object.keys(task.result.counts).length > 0 ? (
          <CountsText kind={task.kind} counts={task.result.counts} testId={`task-counts-${task.id}`} />
        ) : (
          none
        ),
    },
    {
      title: t('tasks.columns.error'),
      dataIndex: 'error',
      width: 220,
      render: (_, task) => {
        if (!task.error) return none;
        const text = taskErrorText(task.error);
        return (
          <Typography.Paragraph
            type="danger"
            ellipsis={{ rows: 2, tooltip: `${text} (${task.error.code})` }}
            style={{ margin: 0, maxWidth: 220 }}
            data-testid={`task-error-${task.id}`}
          >
            {text}
          </Typography.Paragraph>
        );
      },
    },
    {
      title: t('common.actions'),
      valueType: 'option',
      key: 'actions',
      fixed: 'right',
      onCell: () => ({ style: { whiteSpace: 'nowrap' } }),
      render: (_, task) => [
        isTaskActive(task) && canCancel ? (
          <Popconfirm
            key="cancel"
            title={t('tasks.cancel.title')}
            description={task.status === 'queued' ? t('tasks.cancel.queuedDescription') : t('tasks.cancel.runningDescription')}
            okText={t('tasks.cancel.ok')}
            okButtonProps={{ danger: true, ...testId(`task-cancel-confirm-${task.id}`) }}
            cancelText={t('tasks.cancel.back')}
            onConfirm={() => cancel.mutateAsync(task.id).catch(() => undefined)}
          >
            <Typography.Link type="danger" data-testid={`task-cancel-${task.id}`}>
              {t('tasks.cancel.action')}
            </Typography.Link>
          </Popconfirm>
        ) : (
          // Only what the state allows is enabled; the disabled action says why.
          <Tooltip key="cancel" title={isTaskActive(task) ? t('tasks.cancel.noPermission') : t('tasks.cancel.notAllowed')}>
            <span>
              <Typography.Link disabled aria-disabled data-testid={`task-cancel-${task.id}`}>
                {t('tasks.cancel.action')}
              </Typography.Link>
            </span>
          </Tooltip>
        ),
      ],
    },
  ];

  const emptyText = () => {
    if (list.error && !data) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('common.loadFailed')} />;
    if (status) return <Empty data-testid="tasks-empty-filtered" description={t('tasks.empty.filteredTitle')} />;
    return (
      <Empty
        data-testid="tasks-empty"
        description={
          <>
            <Typography.Title level={5}>{t('tasks.empty.title')}</Typography.Title>
            <Typography.Paragraph type="secondary" style={{ maxWidth: 520, margin: '0 auto' }}>
              {t('tasks.empty.description')}
            </Typography.Paragraph>
          </>
        }
      />
    );
  };

  return (
    <>
      <LoadErrorAlert error={list.error} onRetry={() => void list.refetch()} testId="tasks-error" />
      <ProTable<Task>
        {...tableProps}
        rowKey="id"
        columns={columns}
        search={false}
        cardBordered
        scroll={{ x: 'max-content' }}
        columnsState={{
          persistenceKey: `huiliu.tasks.columns.${session.staff.id}`,
          persistenceType: 'localStorage',
        }}
        headerTitle={
          <Select<TaskStatus>
            allowClear
            style={{ minWidth: 160 }}
            placeholder={t('tasks.filter.allStatuses')}
            value={status}
            onChange={(value) => {
              setStatus(value);
              resetPage();
            }}
            options={statuses.map((value) => ({ value, label: t(`tasks.status.${value}`) }))}
            data-testid="tasks-status-filter"
          />
        }
        onRow={(task) => testId(`task-row-${task.id}`) as HTMLAttributes<HTMLElement>}
        locale={{ emptyText: emptyText() }}
      />
    </>
  );
}
