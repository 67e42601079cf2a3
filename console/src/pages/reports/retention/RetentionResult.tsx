import type { RetentionReportResult } from '@huiliu/core/reports';
import { Empty, Flex, Segmented, Table, Typography } from 'antd';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CHART_THEME, echarts, type EChartsType } from '../../../components/charts/echarts';
import { formatMetricValue } from '../../../components/charts/report-format';
import { formatNumber } from '../../../utils/format';
import { retentionChartOption, retentionRows, type RetentionLabels } from './retention-view';

/** The labels of a result's unit: 第k天 / 第k周 / 第k月. */
export function useRetentionLabels(result: Pick<RetentionReportResult, 'unit'>): RetentionLabels {
  const { t } = useTranslation();
  return useMemo(
    () => ({
      offset: (k: number) => t(`reports.retentionAnalysis.offsets.${result.unit}`, { k }),
      total: t('reports.retentionAnalysis.total'),
    }),
    [t, result.unit],
  );
}

/** 折线图: each initial period's rate over the offsets (or, `lines="groups"`, each group's 合计). */
export function RetentionChart({
  result,
  table = 0,
  lines = 'cohorts',
  height = 360,
  onChartReady,
  testId = 'retention-chart',
}: {
  result: RetentionReportResult;
  table?: number;
  lines?: 'cohorts' | 'groups';
  height?: number;
  onChartReady?: (instance: EChartsType) => void;
  testId?: string;
}) {
  const { i18n } = useTranslation();
  const labels = useRetentionLabels(result);
  const option = useMemo(
    () => retentionChartOption(result, { table, lines, labels, language: i18n.language }),
    [result, table, lines, labels, i18n.language],
  );
  if (result.tables.every((t) => t.cohorts.length === 0)) {
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

/** 留存表: 合计 then each initial period — date, users, and per offset its users and rate (blank: not yet). */
export function RetentionTableView({
  result,
  table = 0,
  testId = 'retention-table',
}: {
  result: RetentionReportResult;
  table?: number;
  testId?: string;
}) {
  const { t, i18n } = useTranslation();
  const labels = useRetentionLabels(result);
  const rows = result.tables[table] ? retentionRows(result.tables[table], labels) : [];
  return (
    <Table
      size="small"
      rowKey="key"
      data-testid={testId}
      dataSource={rows}
      pagination={false}
      scroll={{ x: 'max-content' }}
      rowClassName={(row) => (row.total ? 'retention-total-row' : '')}
      columns={[
        {
          key: 'date',
          title: t('reports.retentionAnalysis.table.date'),
          dataIndex: 'date',
          fixed: 'left',
          render: (date: string, row) => (row.total ? <Typography.Text strong>{date}</Typography.Text> : date),
        },
        {
          key: 'users',
          title: t('reports.retentionAnalysis.table.users'),
          dataIndex: 'users',
          align: 'right',
          render: (users: number) => formatNumber(users, i18n.language),
        },
        ...result.offsets.map((k, index) => ({
          key: `k${k}`,
          title: labels.offset(k),
          align: 'right' as const,
          render: (_: unknown, row: (typeof rows)[number]) => {
            const cell = row.cells[index];
            if (!cell || cell.value === null) return <span data-testid={`${testId}-blank`} />;
            return (
              <Flex vertical align="flex-end" data-testid={`${testId}-cell`}>
                <span>{formatNumber(cell.value, i18n.language)}</span>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {formatMetricValue(cell.rate, 'percent', i18n.language)}
                </Typography.Text>
              </Flex>
            );
          },
        })),
      ]}
    />
  );
}

/** The builder's answer: a group switch (compared groups), the chart over the table. */
export function RetentionResultView({ result }: { result: RetentionReportResult }) {
  const [table, setTable] = useState(0);
  const shown = Math.min(table, Math.max(0, result.tables.length - 1));
  if (result.tables.every((t) => t.cohorts.length === 0)) {
    return <RetentionChart result={result} />;
  }
  return (
    <Flex vertical gap={16}>
      {result.groups.length > 0 && (
        <Segmented
          value={shown}
          onChange={(value) => setTable(Number(value))}
          options={result.groups.map((group, index) => ({ value: index, label: group.name }))}
          data-testid="retention-group-switch"
        />
      )}
      <RetentionChart result={result} table={shown} />
      <RetentionTableView result={result} table={shown} />
    </Flex>
  );
}
