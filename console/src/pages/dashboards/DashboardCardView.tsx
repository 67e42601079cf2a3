import { LockOutlined, MoreOutlined } from '@ant-design/icons';
import type { TimeRange } from '@huiliu/core/conditions';
import type { ChartType, ReportResult } from '@huiliu/core/reports';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Card, Dropdown, Flex, Result, Skeleton, Spin, Table, Tag, Tooltip, Typography } from 'antd';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { cardSizes, dashboardKeys, dashboardsApi, type CardSize, type DashboardCard } from '../../api/dashboards';
import type { EChartsType } from '../../components/charts/echarts';
import { ReportChart } from '../../components/charts/ReportChart';
import { reportBuilderPath } from '../../api/reports';
import { ErrorResult } from '../../components/ErrorResult';
import { DistributionChart } from '../reports/distribution/DistributionChart';
import { ComputedAt, TruncatedNotice } from '../reports/event/ResultPanel';
import { RetentionChart } from '../reports/retention/RetentionResult';
import { LtvChart } from '../reports/ltv/LtvResult';
import { FunnelChart } from '../reports/funnel/FunnelChart';
import { UserAnalysisCardChart } from '../reports/user/UserAnalysisChart';
import { AttributionTable } from '../reports/attribution/AttributionResult';
import { PathChart } from '../reports/path/PathChart';

function ResultBody({
  result,
  chart,
  testId,
  onChartReady,
}: {
  result: ReportResult;
  chart: ChartType;
  testId: string;
  onChartReady: (instance: EChartsType) => void;
}) {
  if (result.kind === 'ltv') {
    return (
      <div data-card-chart="">
        <LtvChart result={result} metric={result.metric} height={280} onChartReady={onChartReady} testId={`${testId}-chart`} />
      </div>
    );
  }
  if (result.kind === 'table') {
    return (
      <Table
        size="small"
        rowKey={(_, index) => String(index)}
        columns={result.columns.map((column) => ({ key: column.name, title: column.name, dataIndex: column.name }))}
        dataSource={result.rows}
        pagination={false}
        scroll={{ x: 'max-content', y: 260 }}
        data-testid={`${testId}-rows`}
      />
    );
  }
  if (result.kind === 'retention') {
    return (
      <div data-card-chart="">
        <RetentionChart
          result={result}
          lines={result.groups.length ? 'groups' : 'cohorts'}
          height={280}
          onChartReady={onChartReady}
          testId={`${testId}-retention`}
        />
      </div>
    );
  }
  if (result.kind === 'distribution') {
    return (
      <div data-card-chart="">
        <DistributionChart result={result} height={280} onChartReady={onChartReady} testId={`${testId}-chart`} />
      </div>
    );
  }
  if (result.kind === 'userAnalysis') {
    return (
      <div data-card-chart="">
        <UserAnalysisCardChart result={result} height={260} onChartReady={onChartReady} testId={`${testId}-chart`} />
      </div>
    );
  }
  if (result.kind === 'attribution') {
    return <AttributionTable result={result} scrollY={260} testId={`${testId}-attribution`} />;
  }
  if (result.kind === 'path') {
    return (
      <div data-card-chart="">
        <PathChart result={result} height={280} onChartReady={onChartReady} testId={`${testId}-chart`} />
      </div>
    );
  }
  // 用户画像 never goes on a dashboard (report_not_dashboardable): nothing to draw.
  if (result.kind === 'profile') return null;
  if (result.kind === 'funnel') {
    return (
      <div data-card-chart="">
        <FunnelChart result={result} height={280} onChartReady={onChartReady} testId={`${testId}-chart`} />
      </div>
    );
  }
  return (
    <div data-card-chart={chart === 'table' || chart === 'number' ? undefined : ''}>
      <ReportChart result={result} chart={chart} height={280} onChartReady={onChartReady} testId={`${testId}-chart`} />
    </div>
  );
}

/**
 * One card of a dashboard: its saved report run with the dashboard's temporary time range (a model
 * without one ignores it), drawn as the report's chart; 无权限 when the caller does not see the report.
 * `forceToken` changing (强制刷新 of the whole dashboard) recomputes it, skipping the cache.
 */
export function DashboardCardView({
  dashboardId,
  card,
  timeRange,
  forceToken,
  canEdit,
  onChartReady,
  onRemove,
  onResize,
  onMove,
}: {
  dashboardId: string;
  card: DashboardCard;
  timeRange: TimeRange | undefined;
  forceToken: number;
  canEdit: boolean;
  onChartReady: (cardId: string, instance: EChartsType) => void;
  onRemove: () => void;
  onResize: (size: CardSize) => void;
  /** 上移 / 下移 among the dashboard's cards; absent where the card cannot move that way. */
  onMove?: { up?: () => void; down?: () => void };
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const testId = `dashboard-card-${card.id}`;
  const ok = card.status === 'ok';
  const applies = ok && card.report.timeRange;
  const range = applies ? timeRange : undefined;
  const key = dashboardKeys.card(dashboardId, card.id, range);
  const run = useQuery({
    queryKey: key,
    queryFn: () => dashboardsApi.runCard(dashboardId, card.id, range ? { timeRange: range } : {}),
    enabled: ok,
    staleTime: 60_000,
    refetchOnWindowFocus: false,
    retry: false,
  });
  const force = useMutation({
    mutationFn: () => dashboardsApi.runCard(dashboardId, card.id, { force: true, ...(range ? { timeRange: range } : {}) }),
    onSuccess: (result) => queryClient.setQueryData(key, result),
  });
  const handled = useRef(forceToken);
  // A report that ignores temporary ranges (路径分析) ignores the dashboard's global 强制刷新 too (seed
  // §1.7.8: 暂不支持, ADR 0058); its own 刷新 in the card's menu still recomputes it.
  const detached = ok && !card.report.timeRange;
  useEffect(() => {
    if (forceToken === handled.current || !ok || detached) return;
    handled.current = forceToken;
    force.mutate();
  }, [forceToken, ok, detached, force]);

  const title = ok ? card.report.name : t('dashboards.cards.forbiddenTitle');
  const path = ok ? reportBuilderPath(card.report.model, card.report.id) : undefined;
  const chart = (ok ? (card.report.query.chart as ChartType | undefined) : undefined) ?? 'table';
  const menu = canEdit
    ? {
        items: [
          ...cardSizes.map((size) => ({
            key: `size:${size}`,
            disabled: size === card.size,
            label: t('dashboards.cards.resize', { size: t(`dashboards.sizes.${size}`) }),
          })),
          { type: 'divider' as const },
          {
            key: 'up',
            disabled: !onMove?.up,
            label: <span data-testid={`${testId}-up`}>{t('dashboards.actions.up')}</span>,
          },
          {
            key: 'down',
            disabled: !onMove?.down,
            label: <span data-testid={`${testId}-down`}>{t('dashboards.actions.down')}</span>,
          },
          { type: 'divider' as const },
          ...(ok ? [{ key: 'refresh', label: t('dashboards.cards.refresh') }] : []),
          { key: 'remove', danger: true, label: <span data-testid={`${testId}-remove`}>{t('dashboards.cards.remove')}</span> },
        ],
        onClick: ({ key: choice }: { key: string }) => {
          if (choice.startsWith('size:')) onResize(choice.slice(5) as CardSize);
          if (choice === 'refresh') force.mutate();
          if (choice === 'remove') onRemove();
          if (choice === 'up') onMove?.up?.();
          if (choice === 'down') onMove?.down?.();
        },
      }
    : ok
      ? { items: [{ key: 'refresh', label: t('dashboards.cards.refresh') }], onClick: () => force.mutate() }
      : undefined;

  const result = run.data;
  let body;
  if (!ok) {
    body = (
      <Result
        icon={<LockOutlined />}
        title={t('dashboards.cards.forbidden')}
        subTitle={t('dashboards.cards.forbiddenHint')}
        data-testid={`${testId}-forbidden`}
      />
    );
  } else if (run.isPending) {
    body = <Skeleton active paragraph={{ rows: 6 }} />;
  } else if (run.isError) {
    body = <ErrorResult error={run.error} onRetry={() => void run.refetch()} />;
  } else if (force.isError) {
    body = <ErrorResult error={force.error} onRetry={() => force.mutate()} />;
  } else {
    body = (
      <Spin spinning={run.isFetching || force.isPending}>
        <Flex vertical gap={8}>
          <TruncatedNotice result={result!} testId={`${testId}-truncated`} />
          <ResultBody
            result={result!}
            chart={chart}
            testId={testId}
            onChartReady={(instance) => onChartReady(card.id, instance)}
          />
          <ComputedAt result={result!} testId={`${testId}-computed-at`} />
        </Flex>
      </Spin>
    );
  }

  return (
    <Card
      size="small"
      data-card-id={card.id}
      data-testid={testId}
      title={
        <Flex gap={8} align="center" style={{ minWidth: 0 }}>
          <Typography.Text strong ellipsis data-card-title="" data-testid={`${testId}-title`}>
            {path ? <Link to={path}>{title}</Link> : title}
          </Typography.Text>
          {detached && (
            <Tooltip title={t('dashboards.cards.noTemporaryHint')}>
              <Tag data-testid={`${testId}-detached`}>{t('dashboards.cards.noTemporary')}</Tag>
            </Tooltip>
          )}
        </Flex>
      }
      extra={
        <Flex gap={4} align="center">
          {menu && (
            <Dropdown menu={menu} trigger={['click']}>
              <Button type="text" size="small" icon={<MoreOutlined />} data-testid={`${testId}-menu`} />
            </Dropdown>
          )}
        </Flex>
      }
      styles={{ body: { minHeight: 320 } }}
    >
      <div data-card-body="">{body}</div>
    </Card>
  );
}
