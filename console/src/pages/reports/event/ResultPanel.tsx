import { DatabaseOutlined } from '@ant-design/icons';
import type { ChartShape, ChartType, ReportResult, SeriesReportResult } from '@huiliu/core/reports';
import { Alert, Card, Empty, Flex, Skeleton, Spin, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ReportChart } from '../../../components/charts/ReportChart';
import { ReportTable } from '../../../components/charts/ReportTable';
import { ErrorResult } from '../../../components/ErrorResult';
import { useSession } from '../../../session/session';
import { formatDateTimeSeconds, formatNumber } from '../../../utils/format';
import { ChartSwitcher } from './ChartSwitcher';

/** 最后计算于 <time> (tenant zone) and, for an answer from the cache, a 缓存 tag that says so. */
export function ComputedAt({ result, testId = 'report-computed-at' }: { result: ReportResult; testId?: string }) {
  const { t } = useTranslation();
  const session = useSession();
  return (
    <Flex gap={8} align="center">
      <Typography.Text type="secondary" data-testid={testId}>
        {t('reports.result.computedAt', { time: formatDateTimeSeconds(result.computedAt, session.tenant.timeZone) })}
      </Typography.Text>
      {result.cached && (
        <Tooltip title={t('reports.result.cachedHint')}>
          <Tag icon={<DatabaseOutlined />} data-testid={`${testId}-cached`}>
            {t('reports.result.cached')}
          </Tag>
        </Tooltip>
      )}
    </Flex>
  );
}

/** 共 N 个分组，仅显示前 100 个. */
export function TruncatedNotice({ result, testId = 'report-truncated' }: { result: ReportResult; testId?: string }) {
  const { t, i18n } = useTranslation();
  if (!result.truncated) return null;
  const shown =
    result.kind === 'series'
      ? new Set(result.series.map((s) => JSON.stringify(s.dimensions))).size
      : result.kind === 'distribution'
        ? new Set(result.series.map((s) => s.dimension ?? null)).size
        : result.kind === 'funnel'
          ? new Set(result.funnels.filter((f) => f.dimension !== undefined).map((f) => f.dimension)).size
          : result.kind === 'table'
            ? result.rows.length
            : result.kind === 'userAnalysis'
              ? Math.max(
                  0,
                  ...(result.groups.length ? result.groups : [{}]).map(
                    (_, g) => result.rows.filter((r) => (r.group ?? 0) === g).length,
                  ),
                )
              : result.groupCount;
  return (
    <Alert
      type="warning"
      showIcon
      message={t('reports.result.truncated', {
        count: formatNumber(result.groupCount, i18n.language),
        shown: formatNumber(shown, i18n.language),
      })}
      description={t('reports.result.truncatedHint')}
      data-testid={testId}
    />
  );
}

/**
 * The right side of the builder: the chart type switcher, the chart over the table, when the
 * numbers were computed, and the truncated notice. Loading keeps the last answer dimmed.
 */
export function ResultPanel({
  chart,
  shape,
  onChartChange,
  result,
  loading,
  error,
  problemCount,
  unplaced = [],
  onRetry,
}: {
  chart: ChartType;
  shape: ChartShape;
  onChartChange: (chart: ChartType) => void;
  result: ReportResult | undefined;
  loading: boolean;
  error: unknown;
  /** Problems of the question shown on its fields (the answer waits for them). */
  problemCount: number;
  /** Problems no field of the builder shows (listed here, so none is lost). */
  unplaced?: string[];
  onRetry: () => void;
}) {
  const { t } = useTranslation();
  const series: SeriesReportResult | undefined = result?.kind === 'series' ? result : undefined;
  let body;
  if (problemCount > 0) {
    body = (
      <Alert
        type="error"
        showIcon
        message={t('reports.result.problems', { count: problemCount })}
        description={
          unplaced.length ? (
            <ul style={{ margin: 0, paddingInlineStart: 16 }} data-testid="report-problems-unplaced">
              {unplaced.map((text, index) => (
                <li key={index}>{text}</li>
              ))}
            </ul>
          ) : undefined
        }
        data-testid="report-problems"
      />
    );
  } else if (error) {
    body = <ErrorResult error={error} onRetry={onRetry} />;
  } else if (!result) {
    body = loading ? <Skeleton active paragraph={{ rows: 8 }} /> : <Empty description={t('reports.result.waiting')} />;
  } else {
    body = (
      <Spin spinning={loading}>
        <Flex vertical gap={16}>
          <TruncatedNotice result={result} />
          {series && series.series.length === 0 && (
            <Empty description={t('reports.result.empty')} data-testid="report-result-empty" />
          )}
          {series && series.series.length > 0 && chart !== 'table' && <ReportChart result={series} chart={chart} />}
          {series && series.series.length > 0 && <ReportTable result={series} />}
        </Flex>
      </Spin>
    );
  }
  return (
    <Card size="small" data-testid="report-result">
      <Flex vertical gap={16}>
        <Flex justify="space-between" align="center" wrap gap={8}>
          <ChartSwitcher value={chart} shape={shape} onChange={onChartChange} />
          {result && !error && problemCount === 0 && <ComputedAt result={result} />}
        </Flex>
        {body}
      </Flex>
    </Card>
  );
}
