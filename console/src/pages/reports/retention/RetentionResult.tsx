import type { RetentionReportResult } from '@huiliu/core/reports';
import { Empty, Flex, Segmented, Table, Tooltip, Typography } from 'antd';
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

/** A cell of the retention table whose users 保存为群组 saves (ADR 0063): `offset` null = the cohort's users. */
export interface RetentionCellClick {
  group?: number;
  cohort: string;
  offset: number | null;
  users: number;
  label: string;
}

/**
 * 留存表: 合计 then each initial period — date, users, and per offset its users and rate (blank: not yet).
 * With `onSaveCell`, a cohort's numbers above 0 are links that save their users as a group.
 */
export function RetentionTableView({
  result,
  table = 0,
  testId = 'retention-table',
  onSaveCell,
}: {
  result: RetentionReportResult;
  table?: number;
  testId?: string;
  onSaveCell?: (cell: RetentionCellClick) => void;
}) {
  const { t, i18n } = useTranslation();
  const labels = useRetentionLabels(result);
  const rows = result.tables[table] ? retentionRows(result.tables[table], labels) : [];
  const group = result.groups.length ? { group: table } : {};
  /** The number, as a 保存为群组 link when the cell is a cohort's and holds someone. */
  const saving = (row: (typeof rows)[number], users: number, offset: number | null, text: string) =>
    onSaveCell && !row.total && users > 0 ? (
      <Tooltip title={t('reports.cellGroup.action')}>
        <Typography.Link
          onClick={() =>
            onSaveCell({
              ...group,
              cohort: row.date,
              offset,
              users,
              label: `${row.date} · ${offset === null ? t('reports.retentionAnalysis.table.users') : labels.offset(offset)}`,
            })
          }
          data-testid={`${testId}-save-${row.date}-${offset ?? 'users'}`}
        >
          {text}
        </Typography.Link>
      </Tooltip>
    ) : (
      text
    );
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
          render: (users: number, row) => saving(row, users, null, formatNumber(users, i18n.language)),
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
                <span>{saving(row, cell.value, k, formatNumber(cell.value, i18n.language))}</span>
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
export function RetentionResultView({
  result,
  onSaveCell,
}: {
  result: RetentionReportResult;
  onSaveCell?: (cell: RetentionCellClick) => void;
}) {
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
      <RetentionTableView result={result} table={shown} onSaveCell={onSaveCell} />
    </Flex>
  );
}
