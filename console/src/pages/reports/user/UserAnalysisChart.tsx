import type { UserAnalysisReportResult } from '@huiliu/core/reports';
import { Col, Empty, Flex, Row, Table, Tag, Typography } from 'antd';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import type { EChartsCoreOption } from 'echarts/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { CHART_THEME, echarts, type EChartsType } from '../../../components/charts/echarts';
import { barOption, drawsPies, groupIndexes, pieOption, tableRows, type UserAnalysisLabels } from './user-view';

export function useUserAnalysisLabels(): UserAnalysisLabels {
  const { t } = useTranslation();
  return useMemo(
    () => ({
      unknown: t('reports.userAnalysis.unknown'),
      other: t('reports.userAnalysis.other'),
      overall: t('reports.userAnalysis.overall'),
    }),
    [t],
  );
}

function Chart({
  option,
  height,
  onChartReady,
  testId,
  kind,
}: {
  option: EChartsCoreOption;
  height: number;
  onChartReady?: (instance: EChartsType) => void;
  testId: string;
  kind: string;
}) {
  const { i18n } = useTranslation();
  return (
    <div data-testid={testId} data-chart={kind}>
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
 * 多个标签组对比 (§1.7.4.4.2): one pie per group side by side, the first metric per dimension value; a
 * group without contacts shows an empty pie with 无数据.
 */
export function UserAnalysisPies({
  result,
  height = 320,
  onChartReady,
  testId = 'user-analysis-pies',
}: {
  result: UserAnalysisReportResult;
  height?: number;
  onChartReady?: (instance: EChartsType) => void;
  testId?: string;
}) {
  const { t } = useTranslation();
  const labels = useUserAnalysisLabels();
  const groups = groupIndexes(result);
  const span = groups.length === 1 ? 24 : groups.length === 2 ? 12 : 8;
  return (
    <Row gutter={[16, 16]} data-testid={testId}>
      {groups.map((group) => {
        const total = result.totals.find((t) => (t.group ?? 0) === group);
        const empty = !total || total.users === 0 || !(total.values[0] ?? 0);
        return (
          <Col span={span} key={group} data-testid={`${testId}-${group}`}>
            <Flex vertical align="center" gap={4}>
              {result.groups.length > 0 && <Typography.Text strong>{result.groups[group]?.name}</Typography.Text>}
              {empty ? (
                <Empty
                  image={Empty.PRESENTED_IMAGE_SIMPLE}
                  description={t('reports.userAnalysis.noData')}
                  data-testid={`${testId}-${group}-empty`}
                  style={{ height: height - 40, display: 'flex', flexDirection: 'column', justifyContent: 'center' }}
                />
              ) : (
                <div style={{ width: '100%' }}>
                  <Chart
                    option={pieOption(result, group, labels)}
                    height={height}
                    onChartReady={group === 0 ? onChartReady : undefined}
                    testId={`${testId}-${group}-chart`}
                    kind="pie"
                  />
                </div>
              )}
            </Flex>
          </Col>
        );
      })}
    </Row>
  );
}

/** The bars: every metric (× group) per dimension combination, or 总体 without a dimension. */
export function UserAnalysisBars({
  result,
  height = 360,
  onChartReady,
  testId = 'user-analysis-bars',
}: {
  result: UserAnalysisReportResult;
  height?: number;
  onChartReady?: (instance: EChartsType) => void;
  testId?: string;
}) {
  const labels = useUserAnalysisLabels();
  const option = useMemo(() => barOption(result, labels), [result, labels]);
  return <Chart option={option} height={height} onChartReady={onChartReady} testId={testId} kind="bar" />;
}

/** The table: per group its 总体 then each dimension combination, a column per metric, the share of 总体. */
export function UserAnalysisTable({
  result,
  testId = 'user-analysis-table',
}: {
  result: UserAnalysisReportResult;
  testId?: string;
}) {
  const { t, i18n } = useTranslation();
  const labels = useUserAnalysisLabels();
  const rows = useMemo(() => tableRows(result, labels), [result, labels]);
  const number = new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 2 });
  const shared = rows.some((row) => row.share !== undefined);
  return (
    <Table
      size="small"
      data-testid={testId}
      rowKey="key"
      dataSource={rows}
      pagination={{ pageSize: 50, showSizeChanger: false, hideOnSinglePage: true }}
      scroll={{ x: 'max-content' }}
      columns={[
        ...(result.groups.length ? [{ key: 'group', title: t('reports.userAnalysis.group'), dataIndex: 'group' }] : []),
        // Without a dimension the only row is 总体: named in a column of its own.
        ...(result.dimensions.length
          ? []
          : [{ key: 'overall', title: '', render: () => <Typography.Text strong>{labels.overall}</Typography.Text> }]),
        ...result.dimensions.map((dimension, d) => ({
          key: `d${d}`,
          title: dimension.name,
          render: (_: unknown, row: (typeof rows)[number]) => (
            <Flex gap={4} align="center">
              {row.overall ? <Typography.Text strong>{row.dimensions[d]}</Typography.Text> : row.dimensions[d]}
              {row.aggregate && <Tag color="blue">{t('reports.userAnalysis.aggregateTag')}</Tag>}
            </Flex>
          ),
        })),
        ...result.metrics.map((metric, m) => ({
          key: `m${m}`,
          title: metric.name,
          align: 'right' as const,
          render: (_: unknown, row: (typeof rows)[number]) => {
            const value = row.values[m];
            return value === null || value === undefined ? '—' : number.format(value);
          },
        })),
        ...(shared
          ? [
              {
                key: 'share',
                title: t('reports.userAnalysis.share'),
                dataIndex: 'share',
                align: 'right' as const,
                render: (value: number) => `${number.format(value)}%`,
              },
            ]
          : []),
      ]}
    />
  );
}

/** A dashboard card: the pies when the first metric adds up over a dimension, else the bars. */
export function UserAnalysisCardChart({
  result,
  height,
  onChartReady,
  testId,
}: {
  result: UserAnalysisReportResult;
  height: number;
  onChartReady?: (instance: EChartsType) => void;
  testId: string;
}) {
  return drawsPies(result) ? (
    <UserAnalysisPies result={result} height={height} onChartReady={onChartReady} testId={testId} />
  ) : (
    <UserAnalysisBars result={result} height={height} onChartReady={onChartReady} testId={testId} />
  );
}
