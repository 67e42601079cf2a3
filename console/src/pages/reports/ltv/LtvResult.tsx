import { ltvMetrics, ltvPeriodLabel, type LtvMetric, type LtvReportResult, type LtvRow } from '@huiliu/core/reports';
import { Empty, Table, Tabs, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { CHART_THEME, echarts, type EChartsType } from '../../../components/charts/echarts';
import { formatMetricValue } from '../../../components/charts/report-format';
import { ltvLines } from './ltv-state';

/** Counts are integers; revenue, ARPU and ARPPU up to 2 decimals. */
const formatValue = (value: number | null | undefined, language: string) => formatMetricValue(value, 'number', language);

/**
 * LTV趋势图 (§1.7.11.2.1): the chosen metric of each group / dimension combination's 总体 over
 * periods 第0天 … 第N天 (a line per combination; periods not started yet have no point).
 */
export function LtvChart({
  result,
  metric,
  height = 360,
  onChartReady,
  testId = 'ltv-chart',
}: {
  result: LtvReportResult;
  metric: LtvMetric;
  height?: number;
  onChartReady?: (instance: EChartsType) => void;
  testId?: string;
}) {
  const { t, i18n } = useTranslation();
  const data = useMemo(
    () => ltvLines(result, metric, { overall: t('reports.ltvAnalysis.overall'), empty: t('reports.chart.empty') }),
    [result, metric, t],
  );
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis', valueFormatter: (value: number | null) => formatValue(value, i18n.language) },
      legend: { type: 'scroll', bottom: 0 },
      grid: { left: 16, right: 24, top: 24, bottom: 40, containLabel: true },
      xAxis: { type: 'category', data: data.periods, boundaryGap: false },
      yAxis: { type: 'value', axisLabel: { formatter: (value: number) => formatValue(value, i18n.language) } },
      series: data.lines.map((line) => ({ type: 'line', name: line.name, data: line.values, connectNulls: false })),
    }),
    [data, i18n.language],
  );
  if (data.lines.length === 0)
    return (
      <Empty
        image={Empty.PRESENTED_IMAGE_SIMPLE}
        description={t('reports.ltvAnalysis.noUsers')}
        data-testid={`${testId}-empty`}
      />
    );
  return (
    <div data-testid={testId} data-metric={metric}>
      <ReactEChartsCore
        echarts={echarts}
        theme={CHART_THEME}
        option={option}
        notMerge
        style={{ height, width: '100%' }}
        opts={{ locale: i18n.language.startsWith('zh') ? 'ZH' : 'EN' }}
        onChartReady={onChartReady}
      />
    </div>
  );
}

/**
 * LTV详情表 (§1.7.11.2.2) of one metric: per group / dimension combination its 总体 row first, then
 * each cohort (初始日期) with 初始人数, 付费人数 (and rate), and 第0 … 第N; blanks for periods not started.
 */
export function LtvMetricTable({ result, metric, testId }: { result: LtvReportResult; metric: LtvMetric; testId: string }) {
  const { t, i18n } = useTranslation();
  const empty = t('reports.chart.empty');
  const columns: ColumnsType<LtvRow> = [
    ...(result.groups.length
      ? [
          {
            key: 'group',
            title: t('reports.table.group'),
            render: (_: unknown, row: LtvRow) => result.groups[row.group ?? 0]?.name,
          },
        ]
      : []),
    ...result.dimensions.map((dimension, index) => ({
      key: `d${index}`,
      title: dimension.name,
      render: (_: unknown, row: LtvRow) => row.dimensions[index] ?? empty,
    })),
    {
      key: 'cohort',
      title: t('reports.ltvAnalysis.cohort'),
      fixed: 'left',
      render: (_, row) =>
        row.cohort === null ? <Typography.Text strong>{t('reports.ltvAnalysis.overall')}</Typography.Text> : row.cohort,
    },
    {
      key: 'initial',
      title: t('reports.ltvAnalysis.initialUsers'),
      align: 'right',
      render: (_, row) => formatValue(row.initialUsers, i18n.language),
    },
    {
      key: 'paying',
      title: t('reports.ltvAnalysis.payingUsers'),
      align: 'right',
      render: (_, row) => (
        <span>
          {formatValue(row.payingUsers, i18n.language)}{' '}
          <Typography.Text type="secondary">
            {formatMetricValue(row.initialUsers ? row.payingUsers / row.initialUsers : null, 'percent', i18n.language)}
          </Typography.Text>
        </span>
      ),
    },
    ...Array.from({ length: result.periods + 1 }, (_, n) => ({
      key: `p${n}`,
      title: ltvPeriodLabel(result.unit, n),
      align: 'right' as const,
      render: (_: unknown, row: LtvRow) => {
        const value = row.values[metric][n];
        return value === null || value === undefined ? '' : formatValue(value, i18n.language);
      },
    })),
  ];
  return (
    <Table<LtvRow>
      size="small"
      rowKey={(row) => JSON.stringify([row.group ?? null, row.dimensions, row.cohort])}
      columns={columns}
      dataSource={result.rows}
      pagination={false}
      scroll={{ x: 'max-content' }}
      data-testid={testId}
    />
  );
}

/** The 详情表 of every metric, one tab each (the chosen one first shown). */
export function LtvTables({
  result,
  metric,
  onMetricChange,
}: {
  result: LtvReportResult;
  metric: LtvMetric;
  onMetricChange: (metric: LtvMetric) => void;
}) {
  const { t } = useTranslation();
  return (
    <Tabs
      activeKey={metric}
      onChange={(key) => onMetricChange(key as LtvMetric)}
      items={ltvMetrics.map((m) => ({
        key: m,
        label: <span data-testid={`ltv-metric-tab-${m}`}>{t(`reports.ltvAnalysis.metrics.${m}`)}</span>,
        children: <LtvMetricTable result={result} metric={m} testId={`ltv-table-${m}`} />,
      }))}
      data-testid="ltv-tables"
    />
  );
}
