import type { FunnelReportResult } from '@huiliu/core/reports';
import { Table, Tooltip, Typography } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { formatMetricValue } from '../../../components/charts/report-format';
import { formatDuration, funnelTableRows, type FunnelTableRow, type FunnelTexts } from './funnel-state';

/** The texts of the funnel chart and table, in the console language. */
export function useFunnelTexts(): FunnelTexts {
  const { t } = useTranslation();
  return useMemo(
    () => ({
      overall: t('reports.funnelAnalysis.overall'),
      empty: t('reports.chart.empty'),
      units: {
        day: t('reports.funnelAnalysis.units.day'),
        hour: t('reports.funnelAnalysis.units.hour'),
        minute: t('reports.funnelAnalysis.units.minute'),
        second: t('reports.funnelAnalysis.units.second'),
      },
      users: t('reports.funnelAnalysis.table.users'),
      conversion: t('reports.funnelAnalysis.table.conversion'),
      overallConversion: t('reports.funnelAnalysis.table.overall'),
    }),
    [t],
  );
}

/**
 * 漏斗表格: per funnel (group · value) and step — users, step conversion, overall conversion, median time.
 * With `onSaveCell`, a step's users above 0 are a link that saves them as a group (ADR 0063).
 */
export function FunnelTable({
  result,
  testId = 'funnel-table',
  scrollY,
  onSaveCell,
}: {
  result: FunnelReportResult;
  testId?: string;
  scrollY?: number;
  onSaveCell?: (row: FunnelTableRow) => void;
}) {
  const { t, i18n } = useTranslation();
  const texts = useFunnelTexts();
  const rows = useMemo(() => funnelTableRows(result, texts), [result, texts]);
  const several = result.funnels.length > 1;
  const percent = (value: number | null) => formatMetricValue(value, 'percent', i18n.language);
  return (
    <Table<FunnelTableRow>
      size="small"
      rowKey="key"
      dataSource={rows}
      pagination={false}
      scroll={{ x: 'max-content', ...(scrollY ? { y: scrollY } : {}) }}
      data-testid={testId}
      columns={[
        ...(several
          ? [
              {
                key: 'funnel',
                title: t('reports.funnelAnalysis.table.funnel'),
                dataIndex: 'funnel',
                onCell: (row: FunnelTableRow) => ({ rowSpan: row.rowSpan }),
              },
            ]
          : []),
        { key: 'step', title: t('reports.funnelAnalysis.table.step'), dataIndex: 'step' },
        {
          key: 'users',
          title: t('reports.funnelAnalysis.table.users'),
          dataIndex: 'users',
          align: 'right' as const,
          render: (value: number, row: FunnelTableRow) => {
            const text = formatMetricValue(value, 'number', i18n.language);
            if (!onSaveCell || value <= 0) return text;
            return (
              <Tooltip title={t('reports.cellGroup.action')}>
                <Typography.Link onClick={() => onSaveCell(row)} data-testid={`${testId}-save-${row.key}`}>
                  {text}
                </Typography.Link>
              </Tooltip>
            );
          },
        },
        {
          key: 'conversion',
          title: t('reports.funnelAnalysis.table.conversion'),
          dataIndex: 'conversion',
          align: 'right' as const,
          render: (value: number | null) => percent(value),
        },
        {
          key: 'overall',
          title: t('reports.funnelAnalysis.table.overall'),
          dataIndex: 'overall',
          align: 'right' as const,
          render: (value: number | null) => percent(value),
        },
        {
          key: 'median',
          title: t('reports.funnelAnalysis.table.median'),
          dataIndex: 'medianSeconds',
          align: 'right' as const,
          render: (value: number | null) => <Typography.Text>{formatDuration(value, texts.units)}</Typography.Text>,
        },
      ]}
    />
  );
}

/** 转化耗时分布: the users who completed the funnel, by the time from step 1 to the last step. */
export function TimeToConvert({ result, testId = 'funnel-time-to-convert' }: { result: FunnelReportResult; testId?: string }) {
  const { t, i18n } = useTranslation();
  const texts = useFunnelTexts();
  const all = result.funnels.filter((f) => f.dimension === undefined);
  const labelOf = (index: number) =>
    t(`reports.funnelAnalysis.timeBuckets.${index}`, { defaultValue: result.timeBuckets[index]?.label });
  return (
    <Table
      size="small"
      rowKey="key"
      pagination={false}
      scroll={{ x: 'max-content' }}
      data-testid={testId}
      dataSource={all.map((funnel, f) => ({
        key: String(f),
        funnel: result.groups.length ? (result.groups[funnel.group ?? 0]?.name ?? '') : texts.overall,
        ...Object.fromEntries(funnel.timeToConvert.map((count, i) => [`b${i}`, count])),
      }))}
      columns={[
        { key: 'funnel', title: t('reports.funnelAnalysis.timeToConvert'), dataIndex: 'funnel' },
        ...result.timeBuckets.map((_, i) => ({
          key: `b${i}`,
          title: labelOf(i),
          dataIndex: `b${i}`,
          align: 'right' as const,
          render: (value: number) => formatMetricValue(value, 'number', i18n.language),
        })),
      ]}
    />
  );
}
