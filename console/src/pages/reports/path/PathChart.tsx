import type { PathReportResult, PathSeries } from '@huiliu/core/reports';
import { Empty, Table } from 'antd';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { CHART_THEME, echarts, type EChartsType } from '../../../components/charts/echarts';
import { pathChartOption, pathRows, type PathLabels } from './path-view';

export function usePathLabels(): PathLabels {
  const { t } = useTranslation();
  return useMemo(
    () => ({
      other: t('reports.pathAnalysis.other'),
      empty: t('reports.pathAnalysis.unknown'),
      sessions: t('reports.pathAnalysis.sessions'),
      retained: t('reports.pathAnalysis.retained'),
      churned: t('reports.pathAnalysis.churned'),
      layer: (layer: number) => t('reports.pathAnalysis.layer', { layer }),
    }),
    [t],
  );
}

/** 路径分析's sankey of one path (a compared group's, or everyone's). */
export function PathChart({
  result,
  path = result.paths[0],
  height = 420,
  onChartReady,
  testId = 'path-chart',
}: {
  result: PathReportResult;
  path?: PathSeries;
  height?: number;
  onChartReady?: (instance: EChartsType) => void;
  testId?: string;
}) {
  const { i18n } = useTranslation();
  const labels = usePathLabels();
  const option = useMemo(() => (path ? pathChartOption(result, path, labels) : undefined), [result, path, labels]);
  if (!path || !option || path.nodes.length === 0) {
    return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} data-testid={`${testId}-empty`} style={{ padding: 24 }} />;
  }
  return (
    <div data-testid={testId} data-chart="sankey">
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

/** 路径分析's table: every node with its layer, sessions, retained and churned. */
export function PathTable({ result, testId = 'path-table' }: { result: PathReportResult; testId?: string }) {
  const { t, i18n } = useTranslation();
  const labels = usePathLabels();
  const rows = useMemo(() => pathRows(result, labels), [result, labels]);
  const number = new Intl.NumberFormat(i18n.language);
  const count = (value: number) => number.format(value);
  return (
    <Table
      size="small"
      data-testid={testId}
      rowKey="key"
      dataSource={rows}
      pagination={{ pageSize: 50, showSizeChanger: false, hideOnSinglePage: true }}
      scroll={{ x: 'max-content' }}
      columns={[
        ...(result.groups.length ? [{ key: 'group', title: t('reports.pathAnalysis.group'), dataIndex: 'group' }] : []),
        { key: 'layer', title: t('reports.pathAnalysis.layerColumn'), dataIndex: 'layer', render: labels.layer },
        { key: 'node', title: t('reports.pathAnalysis.node'), dataIndex: 'node' },
        { key: 'sessions', title: labels.sessions, dataIndex: 'sessions', align: 'right' as const, render: count },
        { key: 'retained', title: labels.retained, dataIndex: 'retained', align: 'right' as const, render: count },
        { key: 'churned', title: labels.churned, dataIndex: 'churned', align: 'right' as const, render: count },
      ]}
    />
  );
}
