import type { SeriesReportResult } from '@huiliu/core/reports';
import { Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { formatMetricValue } from './report-format';
import { reportTableLayout, type ReportTableRow } from './report-table';
import { useChartLabels } from './use-chart-labels';

/**
 * The table under a report's chart (and the 表格 chart): group, dimensions, metric, 合计, buckets —
 * the export's layout, numbers formatted per metric, the text columns fixed while the buckets scroll.
 */
export function ReportTable({
  result,
  pageSize = 20,
  size = 'small',
  testId = 'report-table',
}: {
  result: SeriesReportResult;
  pageSize?: number;
  size?: 'small' | 'middle';
  testId?: string;
}) {
  const { t, i18n } = useTranslation();
  const chartLabels = useChartLabels();
  const layout = useMemo(
    () => reportTableLayout(result, { ...chartLabels, group: t('reports.table.group'), metric: t('reports.table.metric') }),
    [result, chartLabels, t],
  );
  const leading = layout.heads.length;
  const hasTotal = result.granularity !== 'total';
  const columns: ColumnsType<ReportTableRow> = [
    ...layout.heads.map((title, index) => ({
      key: `h${index}`,
      title,
      fixed: 'left' as const,
      ellipsis: true,
      width: index === leading - 1 ? 180 : 120,
      render: (_: unknown, row: ReportTableRow) => (
        <Typography.Text type={row.previous ? 'secondary' : undefined} title={row.cells[index]}>
          {row.cells[index]}
        </Typography.Text>
      ),
    })),
    ...layout.valueHeads.map((title, index) => ({
      key: `v${index}`,
      title,
      align: 'right' as const,
      width: 120,
      render: (_: unknown, row: ReportTableRow) => {
        const value = hasTotal ? (index === 0 ? row.total : row.values[index - 1]) : row.values[index];
        const text = formatMetricValue(value, row.format, i18n.language);
        return hasTotal && index === 0 ? <strong>{text}</strong> : text;
      },
    })),
  ];
  return (
    <Table<ReportTableRow>
      rowKey="key"
      size={size}
      columns={columns}
      dataSource={layout.rows}
      scroll={{ x: 'max-content' }}
      pagination={layout.rows.length > pageSize ? { pageSize, showSizeChanger: false } : false}
      bordered
      data-testid={testId}
      onRow={(row) => ({ 'data-testid': `${testId}-row`, 'data-previous': row.previous ? 'true' : undefined }) as object}
    />
  );
}
