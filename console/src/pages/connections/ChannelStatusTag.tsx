import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ChannelStatus } from '../../api/types';

const colors: Record<ChannelStatus, string> = { active: 'green', disabled: 'default' };

/** 正常 (green) / 停用 (default). */
export function ChannelStatusTag({ status }: { status: ChannelStatus }) {
  const { t } = useTranslation();
  return (
    <Tag color={colors[status] ?? 'default'} data-testid="channel-status">
      {t(`connections.status.${status}`)}
    </Tag>
  );
}
