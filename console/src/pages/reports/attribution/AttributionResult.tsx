import type { AttributionReportResult } from '@huiliu/core/reports';
import { Empty, Table } from 'antd';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { CHART_THEME, echarts, type EChartsType } from '../../../components/charts/echarts';
import { attributionChartOption, attributionRows } from './attribution-state';

/** 归因分析's bar chart: each row's 贡献度 (%), one series per compared group. */
export function AttributionChart({
  result,
  height = 280,
  onChartReady,
  testId = 'attribution-chart',
}: {
  result: AttributionReportResult;
  height?: number;
  onChartReady?: (instance: EChartsType) => void;
  testId?: string;
}) {
  const { t, i18n } = useTranslation();
  const option = useMemo(
    () =>
      attributionChartOption(result, {
        direct: t('reports.attributionAnalysis.direct'),
        contribution: t('reports.attributionAnalysis.columns.contribution'),
      }),
    [result, t],
  );
  if (result.rows.length === 0) {
    return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} data-testid={`${testId}-empty`} style={{ padding: 24 }} />;
  }
  return (
    <div data-testid={testId} data-chart="bar">
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

/** 归因分析's table: per touch (and 直接转化) the four indicators and 贡献度; a dashboard card shows it too. */
export function AttributionTable({
  result,
  testId = 'attribution-table',
  scrollY,
}: {
  result: AttributionReportResult;
  testId?: string;
  scrollY?: number;
}) {
  const { t, i18n } = useTranslation();
  const rows = useMemo(() => attributionRows(result, { direct: t('reports.attributionAnalysis.direct') }), [result, t]);
  const number = new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 2 });
  const show = (value: number | null) => (value === null ? '-' : number.format(value));
  const pct = (value: number | null) => (value === null ? '-' : `${number.format(value)}%`);
  const metricTitle =
    result.metric.aggregate === 'count' ? t('reports.attributionAnalysis.columns.conversions') : result.metric.name;
  return (
    <Table
      size="small"
      data-testid={testId}
      rowKey="key"
      dataSource={rows}
      pagination={false}
      scroll={{ x: 'max-content', ...(scrollY ? { y: scrollY } : {}) }}
      columns={[
        ...(result.groups.length ? [{ key: 'group', title: t('reports.attributionAnalysis.group'), dataIndex: 'group' }] : []),
        { key: 'touch', title: t('reports.attributionAnalysis.columns.touch'), dataIndex: 'touch' },
        {
          key: 'totalClicks',
          title: t('reports.attributionAnalysis.columns.totalClicks'),
          dataIndex: 'totalClicks',
          align: 'right' as const,
          render: show,
        },
        {
          key: 'effectiveClicks',
          title: t('reports.attributionAnalysis.columns.effectiveClicks'),
          dataIndex: 'effectiveClicks',
          align: 'right' as const,
          render: show,
        },
        {
          key: 'clickRate',
          title: t('reports.attributionAnalysis.columns.clickRate'),
          dataIndex: 'clickRate',
          align: 'right' as const,
          render: pct,
        },
        { key: 'value', title: metricTitle, dataIndex: 'value', align: 'right' as const, render: show },
        {
          key: 'contribution',
          title: t('reports.attributionAnalysis.columns.contribution'),
          dataIndex: 'contribution',
          align: 'right' as const,
          render: pct,
        },
      ]}
    />
  );
}
