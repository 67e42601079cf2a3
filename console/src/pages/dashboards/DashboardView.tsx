import { CameraOutlined, DownOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import type { TimeRange } from '@huiliu/core/conditions';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Checkbox, Col, Dropdown, Empty, Flex, Row, Skeleton, Space, Tooltip, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { saveFile } from '../../api/client';
import { dashboardKeys, dashboardsApi, type CardSize, type Dashboard } from '../../api/dashboards';
import type { EChartsType } from '../../components/charts/echarts';
import { TimeRangeInput } from '../../components/conditions/TimeRangeInput';
import { ErrorResult } from '../../components/ErrorResult';
import { ListEmpty } from '../../components/ListEmpty';
import { hasPermission, useSession } from '../../session/session';
import { isNotFoundError, useErrorText } from '../../utils/errors';
import { formatDateTime } from '../../utils/format';
import { AddCardModal } from './AddCardModal';
import { DashboardCardView } from './DashboardCardView';
import { dashboardImage } from './dashboard-image';

/** S a third of the row, M half, L all of it. */
const spans: Record<CardSize, number> = { S: 8, M: 12, L: 24 };

/** The report builders 新建 jumps to (seed §1.3.3), one per model with a builder page. */
const builders = [
  { key: 'event', path: '/analytics/event', label: 'menu.eventAnalysis' },
  { key: 'user', path: '/analytics/user', label: 'menu.userAnalysis' },
  { key: 'distribution', path: '/analytics/distribution', label: 'menu.distributionAnalysis' },
  { key: 'retention', path: '/analytics/retention', label: 'menu.retentionAnalysis' },
  { key: 'funnel', path: '/analytics/funnel', label: 'menu.funnelAnalysis' },
] as const;

/** The default cards per dashboard (seed §1.3.1) until the quota answers. */
const CARDS_DEFAULT = 10;

/**
 * One dashboard (seed §1.3): its cards in a grid by size; a temporary time range for every card
 * (not saved), 强制刷新 of all cards, 保存为图片, 添加报表 (≤ 10), 新建 → a report builder; an editor
 * moves a card earlier or later (上移 / 下移 in its menu, saved on the server).
 */
export function DashboardView({ dashboardId }: { dashboardId: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const session = useSession();
  const canEdit = hasPermission(session, 'dashboards.edit');
  const canEditReports = hasPermission(session, 'reports.edit');
  const [timeRange, setTimeRange] = useState<TimeRange>();
  const [forceToken, setForceToken] = useState(0);
  const [adding, setAdding] = useState(false);
  const [imaging, setImaging] = useState(false);
  const charts = useRef(new Map<string, EChartsType>());
  const grid = useRef<HTMLDivElement>(null);
  const dashboard = useQuery({ queryKey: dashboardKeys.dashboard(dashboardId), queryFn: () => dashboardsApi.get(dashboardId) });
  const quota = useQuery({ queryKey: dashboardKeys.quota, queryFn: dashboardsApi.quota, enabled: canEdit });
  const maxCards = quota.data?.cardsPerDashboard ?? CARDS_DEFAULT;
  const refresh = () => void queryClient.invalidateQueries({ queryKey: dashboardKeys.dashboard(dashboardId), exact: true });
  const change = useMutation({
    mutationFn: (run: () => Promise<unknown>) => run(),
    onSuccess: () => {
      refresh();
      void queryClient.invalidateQueries({ queryKey: dashboardKeys.list });
    },
    onError: (error) => void message.error(errorText(error)),
  });

  if (dashboard.isPending) return <Skeleton active paragraph={{ rows: 10 }} data-testid="dashboard-loading" />;
  if (dashboard.isError) {
    return isNotFoundError(dashboard.error, ['dashboardId']) ? (
      <ListEmpty title={t('dashboards.notFound')} testId="dashboard-not-found" />
    ) : (
      <ErrorResult error={dashboard.error} onRetry={() => void dashboard.refetch()} />
    );
  }
  const data: Dashboard = dashboard.data;
  const full = data.cards.length >= maxCards;
  const cards = [...data.cards].sort((a, b) => a.position - b.position);

  /** 上移 / 下移: the whole order goes to the server, which answers the dashboard in its order. */
  const move = (from: number, to: number) => {
    const ids = cards.map((card) => card.id);
    const [moved] = ids.splice(from, 1);
    ids.splice(to, 0, moved!);
    change.mutate(async () => {
      const next = await dashboardsApi.orderCards(data.id, ids);
      queryClient.setQueryData(dashboardKeys.dashboard(data.id), next);
    });
  };

  const saveImage = async () => {
    if (!grid.current) return;
    setImaging(true);
    try {
      const subtitle = timeRange
        ? t('dashboards.image.temporary', { time: formatDateTime(Date.now(), session.tenant.timeZone) })
        : formatDateTime(Date.now(), session.tenant.timeZone);
      const blob = await dashboardImage(grid.current, data.name, subtitle, charts.current);
      saveFile({ blob, fileName: `${data.name}.png` });
    } catch (error) {
      void message.error(error instanceof Error ? error.message : String(error));
    } finally {
      setImaging(false);
    }
  };

  return (
    <Flex vertical gap={16} data-testid="dashboard-view" data-dashboard-id={data.id}>
      <Card size="small">
        <Flex justify="space-between" align="center" wrap gap={8}>
          <Typography.Title level={4} style={{ margin: 0 }} data-testid="dashboard-title">
            {data.name}
          </Typography.Title>
          <Space wrap>
            <Checkbox
              checked={timeRange !== undefined}
              onChange={(event) => setTimeRange(event.target.checked ? { kind: 'past', days: 7, includeToday: true } : undefined)}
              data-testid="dashboard-temporary-toggle"
            >
              {t('dashboards.temporary.label')}
            </Checkbox>
            {timeRange && (
              <TimeRangeInput
                value={timeRange}
                onChange={setTimeRange}
                timeType="date"
                timeZone={session.tenant.timeZone}
                testId="dashboard-time"
              />
            )}
            <Button
              icon={<ReloadOutlined />}
              disabled={cards.length === 0}
              onClick={() => setForceToken((token) => token + 1)}
              data-testid="dashboard-refresh"
            >
              {t('dashboards.actions.refresh')}
            </Button>
            <Button
              icon={<CameraOutlined />}
              loading={imaging}
              disabled={cards.length === 0}
              onClick={() => void saveImage()}
              data-testid="dashboard-image"
            >
              {t('dashboards.actions.image')}
            </Button>
            {canEdit && (
              <Tooltip title={full ? t('dashboards.cards.full', { max: maxCards }) : undefined}>
                <Button icon={<PlusOutlined />} disabled={full} onClick={() => setAdding(true)} data-testid="dashboard-add-card">
                  {t('dashboards.actions.addCard')}
                </Button>
              </Tooltip>
            )}
            {canEditReports && (
              <Dropdown
                menu={{
                  items: builders.map((builder) => ({ key: builder.key, label: t(builder.label) })),
                  onClick: ({ key }) => {
                    const builder = builders.find((candidate) => candidate.key === key);
                    if (builder) navigate(builder.path);
                  },
                }}
              >
                <Button type="primary" icon={<PlusOutlined />} data-testid="dashboard-new-report">
                  {t('dashboards.actions.newReport')} <DownOutlined />
                </Button>
              </Dropdown>
            )}
          </Space>
        </Flex>
        {timeRange && (
          <Typography.Text type="secondary" data-testid="dashboard-temporary-hint">
            {t('dashboards.temporary.hint')}
          </Typography.Text>
        )}
      </Card>
      {cards.length === 0 ? (
        <Card>
          <Empty description={t('dashboards.cards.empty')} data-testid="dashboard-empty" />
        </Card>
      ) : (
        <div ref={grid} data-testid="dashboard-grid">
          <Row gutter={[16, 16]}>
            {cards.map((card, index) => (
              <Col key={card.id} xs={24} lg={spans[card.size]}>
                <DashboardCardView
                  dashboardId={data.id}
                  card={card}
                  timeRange={timeRange}
                  forceToken={forceToken}
                  canEdit={canEdit}
                  onChartReady={(cardId, instance) => charts.current.set(cardId, instance)}
                  onRemove={() => change.mutate(() => dashboardsApi.removeCard(data.id, card.id))}
                  onResize={(size) => change.mutate(() => dashboardsApi.resizeCard(data.id, card.id, size))}
                  onMove={{
                    up: index > 0 ? () => move(index, index - 1) : undefined,
                    down: index < cards.length - 1 ? () => move(index, index + 1) : undefined,
                  }}
                />
              </Col>
            ))}
          </Row>
        </div>
      )}
      {adding && (
        <AddCardModal
          dashboard={data}
          onClose={() => setAdding(false)}
          onAdded={() => {
            refresh();
            void queryClient.invalidateQueries({ queryKey: dashboardKeys.list });
          }}
        />
      )}
    </Flex>
  );
}
