import type { FunnelReportResult } from '@huiliu/core/reports';
import { Empty } from 'antd';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { CHART_THEME, echarts, type EChartsType } from '../../../components/charts/echarts';
import { funnelChartOption } from './funnel-state';
import { useFunnelTexts } from './FunnelTable';

/** 漏斗图 (§1.7.3): bars of users per step with their conversion, one series per charted funnel. */
export function FunnelChart({
  result,
  height = 360,
  onChartReady,
  testId = 'funnel-chart',
}: {
  result: FunnelReportResult;
  height?: number;
  /** The ECharts instance once drawn (a dashboard's 保存为图片 reads its canvas). */
  onChartReady?: (instance: EChartsType) => void;
  testId?: string;
}) {
  const { i18n } = useTranslation();
  const texts = useFunnelTexts();
  const option = useMemo(() => funnelChartOption(result, texts, i18n.language), [result, texts, i18n.language]);
  if (result.funnels.length === 0) {
    return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} data-testid={`${testId}-empty`} style={{ padding: 24 }} />;
  }
  return (
    <div data-testid={testId}>
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
