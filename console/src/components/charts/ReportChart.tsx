import { ArrowDownOutlined, ArrowUpOutlined } from '@ant-design/icons';
import type { ChartType, SeriesReportResult } from '@huiliu/core/reports';
import { Card, Empty, Flex, Statistic, Typography } from 'antd';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { CHART_THEME, echarts, type EChartsType } from './echarts';
import { changeRatio, formatMetricValue } from './report-format';
import { isEChart, reportChartOption, seriesKey, seriesLabel } from './report-option';
import { ReportTable } from './ReportTable';
import { useChartLabels } from './use-chart-labels';

/** 数字 (§1.7.2.6.6): each series' value over the whole range; with 上一周期, its value and the change. */
function NumberCards({ result, testId }: { result: SeriesReportResult; testId: string }) {
  const { t, i18n } = useTranslation();
  const labels = useChartLabels();
  const formats = new Map(result.metrics.map((m) => [m.id, m.format]));
  const previous = new Map((result.previous?.series ?? []).map((s) => [seriesKey(s), s]));
  const single = result.series.length === 1;
  return (
    <Flex wrap gap={16} justify={single ? 'center' : 'flex-start'} data-testid={testId} style={{ padding: 16 }}>
      {result.series.map((series, index) => {
        const format = formats.get(series.metric) ?? 'number';
        const before = previous.get(seriesKey(series));
        const ratio = before ? changeRatio(series.total, before.total) : null;
        return (
          <Card
            key={index}
            size="small"
            style={{ minWidth: single ? 'min(280px, 100%)' : 'min(200px, 100%)', textAlign: single ? 'center' : undefined }}
            data-testid={`${testId}-card`}
          >
            <Statistic
              title={seriesLabel(result, series, labels)}
              value={formatMetricValue(series.total, format, i18n.language)}
              valueStyle={{ fontSize: single ? 40 : 28 }}
            />
            {before && (
              <Typography.Text type="secondary" data-testid={`${testId}-previous`}>
                {t('reports.chart.previousValue', { value: formatMetricValue(before.total, format, i18n.language) })}
                {ratio !== null && (
                  <Typography.Text type={ratio >= 0 ? 'success' : 'danger'} style={{ marginInlineStart: 8 }}>
                    {ratio >= 0 ? <ArrowUpOutlined /> : <ArrowDownOutlined />}
                    {formatMetricValue(Math.abs(ratio), 'percent', i18n.language)}
                  </Typography.Text>
                )}
              </Typography.Text>
            )}
          </Card>
        );
      })}
    </Flex>
  );
}

/**
 * A series result drawn as one of the §1.7.2.6 charts: ECharts (one shared theme) for line, time
 * bar, stacked bar, pie and stacked area; cards for 数字; the report table for 表格.
 */
export function ReportChart({
  result,
  chart,
  height = 360,
  onChartReady,
  testId = 'report-chart',
}: {
  result: SeriesReportResult;
  chart: ChartType;
  height?: number;
  /** The ECharts instance once drawn (a dashboard's 保存为图片 reads its canvas). */
  onChartReady?: (instance: EChartsType) => void;
  testId?: string;
}) {
  const { i18n } = useTranslation();
  const labels = useChartLabels();
  const option = useMemo(
    () => (isEChart(chart) ? reportChartOption(result, chart, { labels, language: i18n.language }) : undefined),
    [result, chart, labels, i18n.language],
  );
  if (result.series.length === 0) {
    return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} data-testid={`${testId}-empty`} style={{ padding: 24 }} />;
  }
  if (chart === 'table') return <ReportTable result={result} testId={`${testId}-table`} />;
  if (chart === 'number') return <NumberCards result={result} testId={`${testId}-number`} />;
  return (
    <div data-testid={testId} data-chart={chart}>
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
