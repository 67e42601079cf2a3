import { ReloadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Button, Drawer, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  contactExportDownloadUrl,
  contactExportKeys,
  contactExportsApi,
  type ContactExport,
  type ContactExportStatus,
} from '../../../api/contact-exports';
import { LoadErrorAlert } from '../../../components/LoadErrorAlert';
import { errorText } from '../../../i18n';
import { useSession } from '../../../session/session';
import { formatDateTime, formatNumber } from '../../../utils/format';

const PAGE_SIZE = 10;
const statusColor: Record<ContactExportStatus, string> = {
  queued: 'default',
  running: 'processing',
  succeeded: 'success',
  failed: 'error',
  cancelled: 'warning',
};

/**
 * 更多操作 → 导出任务列表 (seed §1.4.4.2, 新版本): the tenant's exports, newest first, with their
 * state, rows and expiry; a finished export's file downloads here for 3 days.
 */
export function ExportTasksDrawer({ close }: { close: () => void }) {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const timeZone = session.tenant.timeZone;
  const [page, setPage] = useState(1);
  const list = useQuery({
    queryKey: contactExportKeys.list(page, PAGE_SIZE),
    queryFn: () => contactExportsApi.list(page, PAGE_SIZE),
    // Follow exports that are still being written.
    refetchInterval: (query) =>
      query.state.data?.items.some((item) => item.status === 'queued' || item.status === 'running') ? 2000 : false,
  });

  const columns: ColumnsType<ContactExport> = [
    {
      title: t('contacts.export.tasks.createdAt'),
      dataIndex: 'createdAt',
      render: (_, item) => formatDateTime(item.createdAt, timeZone),
    },
    {
      title: t('contacts.export.tasks.status'),
      dataIndex: 'status',
      render: (_, item) => {
        const tag = (
          <Tag color={statusColor[item.status]} data-testid={`contact-export-status-${item.id}`}>
            {t(`contacts.export.status.${item.status}`)}
          </Tag>
        );
        return item.errorCode ? <Tooltip title={errorText(item.errorCode, {}) ?? item.errorCode}>{tag}</Tooltip> : tag;
      },
    },
    {
      title: t('contacts.export.tasks.rows'),
      dataIndex: 'rowCount',
      render: (_, item) => (item.rowCount === null ? '—' : formatNumber(item.rowCount, i18n.language)),
    },
    {
      title: t('contacts.export.tasks.columns'),
      dataIndex: 'columns',
      render: (_, item) => (
        <Space size={4}>
          {formatNumber(item.columns.length, i18n.language)}
          {item.excludedFields.length > 0 && (
            <Tooltip title={t('contacts.export.tasks.excluded', { count: item.excludedFields.length })}>
              <Tag color="warning">{t('contacts.export.masked')}</Tag>
            </Tooltip>
          )}
        </Space>
      ),
    },
    {
      title: t('contacts.export.tasks.scope'),
      dataIndex: 'filtered',
      render: (_, item) => (item.filtered ? t('contacts.export.tasks.filtered') : t('contacts.export.tasks.all')),
    },
    {
      title: t('contacts.export.tasks.expiresAt'),
      dataIndex: 'expiresAt',
      render: (_, item) =>
        item.expiresAt === null ? (
          '—'
        ) : (
          <Typography.Text type={item.expired ? 'secondary' : undefined}>
            {item.expired ? t('contacts.export.tasks.expired') : formatDateTime(item.expiresAt, timeZone)}
          </Typography.Text>
        ),
    },
    {
      title: t('contacts.export.tasks.actions'),
      key: 'download',
      render: (_, item) =>
        item.status === 'succeeded' && !item.expired ? (
          <Typography.Link href={contactExportDownloadUrl(item.id)} data-testid={`contact-export-download-${item.id}`}>
            {t('contacts.export.tasks.download')}
          </Typography.Link>
        ) : (
          <Typography.Text disabled data-testid={`contact-export-download-${item.id}`}>
            {t('contacts.export.tasks.download')}
          </Typography.Text>
        ),
    },
  ];

  return (
    <Drawer
      open
      width={900}
      title={t('contacts.export.tasks.title')}
      onClose={close}
      extra={
        <Button icon={<ReloadOutlined />} onClick={() => void list.refetch()} data-testid="contact-export-tasks-reload">
          {t('contacts.export.tasks.reload')}
        </Button>
      }
      data-testid="contact-export-tasks"
    >
      <Typography.Paragraph type="secondary">{t('contacts.export.tasks.description')}</Typography.Paragraph>
      <LoadErrorAlert error={list.error} onRetry={() => void list.refetch()} testId="contact-export-tasks-error" />
      <Table<ContactExport>
        rowKey="id"
        size="middle"
        loading={list.isPending}
        columns={columns}
        dataSource={list.data?.items ?? []}
        pagination={{
          current: page,
          pageSize: PAGE_SIZE,
          total: list.data?.total ?? 0,
          onChange: setPage,
          showSizeChanger: false,
        }}
        locale={{ emptyText: t('contacts.export.tasks.empty') }}
      />
    </Drawer>
  );
}
