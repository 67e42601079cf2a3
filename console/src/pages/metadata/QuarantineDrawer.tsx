import { useQuery } from '@tanstack/react-query';
import { Button, Descriptions, Drawer, Empty, Popconfirm, Space, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ingestionApi, ingestionKeys, type QuarantinedMessage } from '../../api/ingestion';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { useSession } from '../../session/session';
import { formatDateTime } from '../../utils/format';
import { testId } from '../../utils/test-id';
import { ReasonLabel, useReplay } from './quality-parts';

const none = <Typography.Text type="secondary">—</Typography.Text>;

/** One quarantined message: its reason and what to do, the problems by path, the body as received, 重放. */
export function QuarantineDrawer({
  message: initial,
  canManage,
  onClose,
}: {
  message: QuarantinedMessage;
  canManage: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const timeZone = useSession().tenant.timeZone;
  const detail = useQuery({
    queryKey: ingestionKeys.message(initial.id),
    queryFn: () => ingestionApi.message(initial.id),
    placeholderData: initial,
  });
  const message = detail.data ?? initial;
  const replay = useReplay();
  const time = (at: number | null) => (at === null ? none : formatDateTime(at, timeZone));

  const replayButton = () => {
    if (!canManage) return null;
    const disabledReason = message.replayedAt !== null ? t('metadata.dataQuality.replay.replayed') : null;
    const button = (
      <Button type="primary" disabled={disabledReason !== null} data-testid="quarantine-drawer-replay">
        {t('metadata.dataQuality.replay.action')}
      </Button>
    );
    if (disabledReason) return <Tooltip title={disabledReason}>{button}</Tooltip>;
    return (
      <Popconfirm
        title={t('metadata.dataQuality.replay.title', { count: 1 })}
        description={<div style={{ maxWidth: 360 }}>{t('metadata.dataQuality.replay.description')}</div>}
        okText={t('metadata.dataQuality.replay.ok')}
        okButtonProps={testId('quarantine-drawer-replay-confirm')}
        cancelText={t('common.cancel')}
        onConfirm={() => replay({ ids: [message.id] })}
      >
        {button}
      </Popconfirm>
    );
  };

  return (
    <Drawer
      open
      width={640}
      title={t('metadata.dataQuality.drawer.title')}
      onClose={onClose}
      destroyOnHidden
      extra={replayButton()}
      {...testId('quarantine-drawer')}
    >
      <LoadErrorAlert error={detail.error} onRetry={() => void detail.refetch()} testId="quarantine-drawer-error" />
      <Descriptions column={1} size="small" bordered>
        <Descriptions.Item label={t('metadata.dataQuality.drawer.reason')}>
          <ReasonLabel reason={message.reason} withHint />
        </Descriptions.Item>
        <Descriptions.Item label={t('metadata.dataQuality.drawer.event')}>
          {message.event === null ? none : <Typography.Text code>{message.event}</Typography.Text>}
        </Descriptions.Item>
        <Descriptions.Item label={t('metadata.dataQuality.drawer.type')}>{message.type}</Descriptions.Item>
        <Descriptions.Item label={t('metadata.dataQuality.drawer.messageId')}>
          <Typography.Text copyable data-testid="quarantine-drawer-message-id">
            {message.messageId}
          </Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('metadata.dataQuality.drawer.receivedAt')}>{time(message.receivedAt)}</Descriptions.Item>
        <Descriptions.Item label={t('metadata.dataQuality.drawer.quarantinedAt')}>
          {time(message.quarantinedAt)}
        </Descriptions.Item>
        <Descriptions.Item label={t('metadata.dataQuality.drawer.expiresAt')}>{time(message.expiresAt)}</Descriptions.Item>
        <Descriptions.Item label={t('metadata.dataQuality.drawer.replayedAt')}>
          <span data-testid="quarantine-drawer-replayed-at">{time(message.replayedAt)}</span>
        </Descriptions.Item>
      </Descriptions>

      <Typography.Title level={5} style={{ marginTop: 24 }}>
        {t('metadata.dataQuality.drawer.problems')}
      </Typography.Title>
      {message.problems.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('metadata.dataQuality.drawer.noProblems')} />
      ) : (
        <Space direction="vertical" size={4} data-testid="quarantine-problems">
          {message.problems.map((problem, index) => (
            <span key={`${problem.path}-${index}`} data-testid="quarantine-problem">
              <Typography.Text code>{problem.path}</Typography.Text> <Tag>{problem.code}</Tag>
            </span>
          ))}
        </Space>
      )}

      <Typography.Title level={5} style={{ marginTop: 24 }}>
        {t('metadata.dataQuality.drawer.body')}
      </Typography.Title>
      <Typography.Paragraph copyable={{ text: JSON.stringify(message.message, null, 2) }} style={{ marginBottom: 0 }}>
        <pre
          data-testid="quarantine-drawer-body"
          style={{ maxHeight: 480, overflow: 'auto', margin: 0, padding: 12, fontSize: 12, whiteSpace: 'pre-wrap' }}
        >
          {JSON.stringify(message.message, null, 2)}
        </pre>
      </Typography.Paragraph>
    </Drawer>
  );
}
