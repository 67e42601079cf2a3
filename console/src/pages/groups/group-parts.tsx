import { SyncOutlined, ThunderboltOutlined } from '@ant-design/icons';
import { Tag, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Group, GroupStatus } from '../../api/groups';

const statusColors: Record<GroupStatus, string> = {
  pending: 'default',
  computing: 'processing',
  computed: 'cyan',
  compute_failed: 'red',
  syncing: 'processing',
  done: 'green',
  failed: 'red',
};

/** A group's state as CONSOLE.md says: 计算中 / 冗余中 spin, 计算完成 cyan, 完成 green, failures red. */
export function GroupStatusTag({ group }: { group: Pick<Group, 'kind' | 'status'> }) {
  const { t } = useTranslation();
  if (group.kind === 'static') return null;
  const spinning = group.status === 'computing' || group.status === 'syncing';
  return (
    <Tag
      color={statusColors[group.status]}
      icon={spinning ? <SyncOutlined spin /> : undefined}
      data-testid="group-status"
      data-status={group.status}
    >
      {t(`groups.status.${group.status}`)}
    </Tag>
  );
}

export function GroupKindTag({ kind }: { kind: Group['kind'] }) {
  const { t } = useTranslation();
  return <Tag color={kind === 'dynamic' ? 'blue' : 'purple'}>{t(`groups.kind.${kind}`)}</Tag>;
}

/** 实时: a real-time dynamic group (ADR 0048). */
export function RealtimeTag() {
  const { t } = useTranslation();
  return (
    <Tooltip title={t('groups.realtimeTagHint')}>
      <Tag color="gold" icon={<ThunderboltOutlined />} data-testid="group-realtime-tag">
        {t('groups.realtimeTag')}
      </Tag>
    </Tooltip>
  );
}
