import { ReloadOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Drawer, Empty, Segmented, Space, Table, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { tagKeys, tagsApi, type ReportRange, type Tag, type TagReport } from '../../api/tags';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { useSession } from '../../session/session';
import { formatDateTime, formatNumber } from '../../utils/format';

type Row = TagReport['rows'][number];

/** `/groups/new?condition=…`: 新建动态组 from a report cell (the groups module's page). */
export function newGroupHref(row: Row): string | undefined {
  return row.condition ? `/groups/new?condition=${encodeURIComponent(JSON.stringify(row.condition))}` : undefined;
}

/**
 * 用户标签报表 (seed §1.6.3): contacts per value per day — the last 7 days, or 今日 (after a first
 * computation) —, the top 100 values; 强制刷新 shows a same-day recomputation. A count links to 新建动态组.
 */
export function TagReportDrawer({ tag, onClose }: { tag: Tag; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const queryClient = useQueryClient();
  const [range, setRange] = useState<ReportRange>('last7');
  const report = useQuery({ queryKey: tagKeys.report(tag.id, range), queryFn: () => tagsApi.report(tag.id, range) });
  const [refreshing, setRefreshing] = useState(false);
  const refresh = async () => {
    setRefreshing(true);
    try {
      queryClient.setQueryData(tagKeys.report(tag.id, range), await tagsApi.report(tag.id, range, true));
    } finally {
      setRefreshing(false);
    }
  };
  const valueText = (value: Row['value']) =>
    tag.valueType === 'date' && typeof value === 'number'
      ? formatDateTime(value, session.tenant.timeZone)
      : typeof value === 'boolean'
        ? String(value)
        : String(value);
  const data = report.data;
  const columns: ColumnsType<Row> = [
    {
      title: t('tags.report.value'),
      key: 'value',
      fixed: 'left',
      render: (_, row) => <span data-testid="tag-report-value">{valueText(row.value)}</span>,
    },
    ...(data?.dates ?? []).map((date) => ({
      title: date,
      key: date,
      render: (_: unknown, row: Row) => {
        const count = row.counts[date];
        if (count === undefined) return '—';
        const href = newGroupHref(row);
        const text = formatNumber(count, i18n.language);
        return href ? (
          <Tooltip title={t('tags.report.cellLink')}>
            <Link to={href} data-testid="tag-report-cell">
              {text}
            </Link>
          </Tooltip>
        ) : (
          text
        );
      },
    })),
  ];
  return (
    <Drawer open width={960} title={t('tags.report.title', { name: tag.name })} onClose={onClose} data-testid="tag-report">
      <Space style={{ marginBottom: 16 }} wrap>
        <Segmented<ReportRange>
          value={range}
          onChange={setRange}
          options={[
            { value: 'last7', label: t('tags.report.last7') },
            { value: 'today', label: <span data-testid="tag-report-today">{t('tags.report.today')}</span> },
          ]}
        />
        <Button icon={<ReloadOutlined />} loading={refreshing} onClick={() => void refresh()} data-testid="tag-report-refresh">
          {t('tags.report.refresh')}
        </Button>
        {data && (
          <Typography.Text type="secondary">
            {t('tags.report.generatedAt', { time: formatDateTime(data.generatedAt, session.tenant.timeZone) })}
          </Typography.Text>
        )}
      </Space>
      <LoadErrorAlert error={report.error} onRetry={() => void report.refetch()} testId="tag-report-error" />
      {data && data.rows.length === 0 ? (
        <Empty description={t('tags.report.empty')} data-testid="tag-report-empty" />
      ) : (
        <Table<Row>
          rowKey={(row) => String(row.value)}
          size="small"
          loading={report.isLoading}
          columns={columns}
          dataSource={data?.rows ?? []}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          scroll={{ x: true }}
          summary={() =>
            data ? (
              <Table.Summary.Row>
                <Table.Summary.Cell index={0}>{t('tags.report.total')}</Table.Summary.Cell>
                {data.dates.map((date, index) => (
                  <Table.Summary.Cell key={date} index={index + 1}>
                    {data.totals[date] === undefined ? '—' : formatNumber(data.totals[date], i18n.language)}
                  </Table.Summary.Cell>
                ))}
              </Table.Summary.Row>
            ) : null
          }
        />
      )}
    </Drawer>
  );
}
