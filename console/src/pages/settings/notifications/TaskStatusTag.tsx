import {
  CheckCircleOutlined,
  ClockCircleOutlined,
  CloseCircleOutlined,
  MinusCircleOutlined,
  SyncOutlined,
} from '@ant-design/icons';
import { Progress, Space, Tag } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Task, TaskStatus } from '../../../api/types';

/** CONSOLE.md's status-machine colours: waiting default, working processing (spinner), done green, failed red. */
const looks: Record<TaskStatus, { color: string; icon: ReactNode }> = {
  queued: { color: 'default', icon: <ClockCircleOutlined /> },
  running: { color: 'processing', icon: <SyncOutlined spin /> },
  succeeded: { color: 'green', icon: <CheckCircleOutlined /> },
  failed: { color: 'red', icon: <CloseCircleOutlined /> },
  cancelled: { color: 'default', icon: <MinusCircleOutlined /> },
};

/** 排队中 / 进行中 (with its progress) / 成功 / 失败 / 已取消. */
export function TaskStatusTag({ task }: { task: Pick<Task, 'id' | 'status' | 'progress'> }) {
  const { t } = useTranslation();
  const look = looks[task.status] ?? looks.queued;
  const tag = (
    <Tag color={look.color} icon={look.icon} data-testid={`task-status-${task.id}`}>
      {t(`tasks.status.${task.status}`)}
    </Tag>
  );
  if (task.status !== 'running') return tag;
  return (
    <Space size={4}>
      {tag}
      <Progress percent={task.progress} size="small" style={{ width: 110, margin: 0 }} data-testid={`task-progress-${task.id}`} />
    </Space>
  );
}
