import { CheckCircleFilled, CloseCircleFilled, DownloadOutlined } from '@ant-design/icons';
import { Space, Tag, Tooltip, Typography, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { fileDownloadUrl } from '../api/notifications';
import type { Notification, NotificationFile } from '../api/types';
import { formatDateTime, formatFileSize, formatRelativeTime } from '../utils/format';
import { useCountItems } from './texts';

type Level = Notification['level'];

/** Success: a green CheckCircle; failure: a red CloseCircle. */
export function LevelIcon({ level, testId }: { level: Level; testId?: string }) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const Icon = level === 'success' ? CheckCircleFilled : CloseCircleFilled;
  return (
    <Icon
      role="img"
      aria-label={t(`notifications.level.${level}`)}
      style={{ color: level === 'success' ? token.colorSuccess : token.colorError, fontSize: 18 }}
      data-testid={testId}
    />
  );
}

/** 成功 green / 失败 red. */
export function LevelTag({ level, testId }: { level: Level; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Tag
      color={level === 'success' ? 'green' : 'red'}
      icon={level === 'success' ? <CheckCircleFilled /> : <CloseCircleFilled />}
      data-testid={testId}
    >
      {t(`notifications.level.${level}`)}
    </Tag>
  );
}

/** "3 分钟前" with the date and time in the tenant's zone on hover (older than a week: the date-time). */
export function TimeText({ at, timeZone, now = Date.now() }: { at: number; timeZone: string; now?: number }) {
  const absolute = formatDateTime(at, timeZone);
  const recent = now - at < 7 * 24 * 3600_000;
  return (
    <Tooltip title={absolute}>
      <Typography.Text type="secondary" style={{ fontSize: 12, whiteSpace: 'nowrap' }}>
        {recent ? formatRelativeTime(at, now) : absolute}
      </Typography.Text>
    </Tooltip>
  );
}

/** "notes：1,234 · …" */
export function CountsText({ kind, counts, testId }: { kind: string; counts: Record<string, number>; testId?: string }) {
  const countItems = useCountItems();
  const items = countItems(kind, counts);
  if (items.length === 0) return null;
  return (
    <span data-testid={testId}>
      {items.map((item, index) => (
        <span key={item.name}>
          {index > 0 && ' · '}
          {item.text}
        </span>
      ))}
    </span>
  );
}

/**
 * Result files as plain download links (same origin: the session cookie goes along). An expired
 * file answers 410 JSON, so it is shown disabled with 已过期 instead of a link.
 */
export function FileLinks({ files }: { files: NotificationFile[] }) {
  const { t, i18n } = useTranslation();
  if (files.length === 0) return null;
  return (
    <Space direction="vertical" size={2} style={{ display: 'flex', marginTop: 2 }}>
      {files.map((file) =>
        file.expired ? (
          <Tooltip key={file.id} title={t('notifications.files.expiredHint')}>
            <Typography.Text disabled aria-disabled="true" data-testid={`notification-download-${file.id}`}>
              <DownloadOutlined /> {file.name}
              <Tag style={{ marginInlineStart: 6 }} data-testid={`notification-file-expired-${file.id}`}>
                {t('notifications.files.expired')}
              </Tag>
            </Typography.Text>
          </Tooltip>
        ) : (
          <Typography.Link
            key={file.id}
            href={fileDownloadUrl(file.id)}
            download={file.name}
            title={t('notifications.files.download', { name: file.name })}
            data-testid={`notification-download-${file.id}`}
          >
            <DownloadOutlined /> {file.name}{' '}
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              ({formatFileSize(file.size, i18n.language)})
            </Typography.Text>
          </Typography.Link>
        ),
      )}
    </Space>
  );
}
