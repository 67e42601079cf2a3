import type { DistributionReportResult } from '@huiliu/core/reports';
import { Empty, Table } from 'antd';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { CHART_THEME, echarts, type EChartsType } from '../../../components/charts/echarts';
import { distributionChartOption, distributionRows, type DistributionLabels } from './distribution-view';

export function useDistributionLabels(): DistributionLabels {
  const { t } = useTranslation();
  return useMemo(
    () => ({ unknown: t('reports.distributionAnalysis.unknown'), users: t('reports.distributionAnalysis.users') }),
    [t],
  );
}

/** 分布分析's bar chart: users per interval, one bar series per group × dimension value. */
export function DistributionChart({
  result,
  height = 360,
  onChartReady,
  testId = 'distribution-chart',
}: {
  result: DistributionReportResult;
  height?: number;
  onChartReady?: (instance: EChartsType) => void;
  testId?: string;
}) {
  const { i18n } = useTranslation();
  const labels = useDistributionLabels();
  const option = useMemo(() => distributionChartOption(result, labels), [result, labels]);
  if (result.series.length === 0 || result.intervals.length === 0) {
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

/** 分布分析's table: interval, users and share of each series (group × dimension value). */
export function DistributionTable({
  result,
  testId = 'distribution-table',
}: {
  result: DistributionReportResult;
  testId?: string;
}) {
  const { t, i18n } = useTranslation();
  const labels = useDistributionLabels();
  const rows = useMemo(() => distributionRows(result, labels), [result, labels]);
  const number = new Intl.NumberFormat(i18n.language);
  return (
    <Table
      size="small"
      data-testid={testId}
      rowKey="key"
      dataSource={rows}
      pagination={{ pageSize: Math.max(result.intervals.length, 1) * 10, showSizeChanger: false, hideOnSinglePage: true }}
      scroll={{ x: 'max-content' }}
      columns={[
        ...(result.groups.length ? [{ key: 'group', title: t('reports.distributionAnalysis.group'), dataIndex: 'group' }] : []),
        ...(result.dimension ? [{ key: 'dimension', title: result.dimension.name, dataIndex: 'dimension' }] : []),
        { key: 'interval', title: t('reports.distributionAnalysis.interval'), dataIndex: 'interval' },
        {
          key: 'users',
          title: labels.users,
          dataIndex: 'users',
          align: 'right' as const,
          render: (value: number) => number.format(value),
        },
        {
          key: 'share',
          title: t('reports.distributionAnalysis.share'),
          dataIndex: 'share',
          align: 'right' as const,
          render: (value: number) => `${number.format(value)}%`,
        },
      ]}
    />
  );
}
