import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { PageContainer } from '@ant-design/pro-components';
import type { ConditionCatalogue, ConditionTree, TimeRange } from '@huiliu/core/conditions';
import {
  attributionLimits,
  attributionModelKinds,
  reportLimits,
  type AttributionEvent,
  type AttributionQuery,
  type AttributionReportResult,
} from '@huiliu/core/reports';
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Divider,
  Empty,
  Flex,
  InputNumber,
  Radio,
  Skeleton,
  Space,
  Spin,
  Tag,
  theme,
  Tooltip,
  Typography,
} from 'antd';
import { useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { COMPARE_MAX, parseSelectionKey, selectionKey } from '../../../api/group-selections';
import { type SavedReport } from '../../../api/reports';
import { BuilderContext, ConditionBuilder, placeProblems } from '../../../components/conditions';
import { PropertySelect } from '../../../components/conditions/PropertySelect';
import { TimeRangeInput } from '../../../components/conditions/TimeRangeInput';
import { ErrorResult } from '../../../components/ErrorResult';
import { GroupPicker } from '../../../components/GroupPicker';
import { errorText as translateError } from '../../../i18n';
import { ReportDialogs } from '../ReportDialogs';
import { ReportPage } from '../ReportPage';
import { ReportToolbar } from '../ReportToolbar';
import { useReportActions, useReportRun } from '../use-report-actions';
import { placed, problemsUnder, type QueryProblem } from '../event/query-state';
import { ComputedAt, TruncatedNotice } from '../event/ResultPanel';
import { EventWithFilters } from '../funnel/StepsSection';
import { AttributionChart, AttributionTable } from './AttributionResult';
import { defaultQuery, editableQuery, localProblems, queryToSend, sumProperties } from './attribution-state';

const MODEL = 'attribution';
const PATH = '/analytics/attribution';
const emptyTree: ConditionTree = { type: 'and', conditions: [] };
const errorIf = (flag: boolean): 'error' | undefined => (flag ? 'error' : undefined);
const problemText = (problem: QueryProblem) => problem.message ?? translateError(problem.code) ?? problem.code;
const under = (problems: QueryProblem[], prefix: string) =>
  problems.filter((p) => p.path === prefix || p.path.startsWith(`${prefix}.`));

function Section({ title, children, testId }: { title: string; children: ReactNode; testId: string }) {
  return (
    <section data-testid={testId}>
      <Divider orientation="left" orientationMargin={0} plain style={{ marginBlock: '12px 8px' }}>
        <Typography.Text strong>{title}</Typography.Text>
      </Divider>
      {children}
    </section>
  );
}

function Problems({ problems, testId }: { problems: QueryProblem[]; testId: string }) {
  return (
    <>
      {problems.map((p) => (
        <Typography.Text key={`${p.path}-${p.code}`} type="danger" data-testid={testId}>
          {problemText(p)}
        </Typography.Text>
      ))}
    </>
  );
}

/** Where the builder shows a problem by its path; any other is listed above the answer. */
const placedPrefixes = ['target', 'touches', 'windowDays', 'metric', 'filters.contacts', 'groups', 'timeRange'];

/** The answer: the table (the seed's result) over a bar chart of 贡献度. */
function AttributionResultCard({
  result,
  loading,
  error,
  problems,
  onRetry,
}: {
  result: AttributionReportResult | undefined;
  loading: boolean;
  error: unknown;
  problems: QueryProblem[];
  onRetry: () => void;
}) {
  const { t } = useTranslation();
  let body;
  if (problems.length > 0) {
    const unplaced = problems.filter(
      (p) => !placedPrefixes.some((prefix) => p.path === prefix || p.path.startsWith(`${prefix}.`)),
    );
    body = (
      <Alert
        type="error"
        showIcon
        message={t('reports.result.problems', { count: problems.length })}
        description={
          unplaced.length ? (
            <ul style={{ margin: 0, paddingInlineStart: 16 }} data-testid="report-problems-unplaced">
              {unplaced.map((p, index) => (
                <li key={index}>{problemText(p)}</li>
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
    const conversions = result.totals.reduce((sum, total) => sum + total.conversions, 0);
    body = (
      <Spin spinning={loading}>
        <Flex vertical gap={16}>
          <TruncatedNotice result={result} />
          <Typography.Text type="secondary" data-testid="attribution-summary">
            {t('reports.attributionAnalysis.summary', {
              target: result.target.name,
              count: conversions,
              from: result.touchFrom,
              to: result.to,
            })}
          </Typography.Text>
          {conversions === 0 && <Empty description={t('reports.attributionAnalysis.empty')} data-testid="report-result-empty" />}
          <AttributionTable result={result} />
          <AttributionChart result={result} height={Math.max(160, result.rows.length * 44 + 60)} />
        </Flex>
      </Spin>
    );
  }
  return (
    <Card size="small" data-testid="report-result">
      <Flex vertical gap={16}>
        {result && !error && problems.length === 0 && (
          <Flex justify="flex-end">
            <ComputedAt result={result} />
          </Flex>
        )}
        {body}
      </Flex>
    </Card>
  );
}

type Naming = { kind: 'save' | 'saveAs' | 'rename' } | undefined;

/** The builder over one question: new (`saved` absent) or a saved report's. */
function AttributionBuilder({ catalogue, saved }: { catalogue: ConditionCatalogue; saved?: SavedReport }) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const [query, setQuery] = useState<AttributionQuery>(() => (saved ? editableQuery(saved.query) : defaultQuery(catalogue)!));
  const [naming, setNaming] = useState<Naming>();
  const [addingToDashboard, setAddingToDashboard] = useState(false);
  const [saveProblems, setSaveProblems] = useState<{ for: AttributionQuery; problems: QueryProblem[] }>();
  const edit = (change: Partial<AttributionQuery>) => setQuery((current) => ({ ...current, ...change }));

  const toSend = useMemo(() => queryToSend(query), [query]);
  const savedQuery = useMemo(() => (saved ? JSON.stringify(queryToSend(editableQuery(saved.query))) : undefined), [saved]);
  const dirty = saved !== undefined && savedQuery !== JSON.stringify(toSend);
  const texts = {
    propertyRequired: t('reports.attributionAnalysis.propertyRequired'),
    windowInvalid: t('reports.attributionAnalysis.windowInvalid', { max: attributionLimits.maxWindowDays }),
    touchRequired: t('reports.attributionAnalysis.touchRequired'),
  };
  const local = localProblems(query, texts);
  const { run, runProblems } = useReportRun(MODEL, toSend, (q) => localProblems(q, texts).length === 0);
  const problems = [
    ...local,
    ...(local.length ? [] : runProblems),
    ...(saveProblems?.for === query ? saveProblems.problems : []),
  ];

  const { canEdit, canDelete, canDashboard, refresh, exportFile, onSaved, onSaveError, save, remove, history } = useReportActions(
    {
      model: MODEL,
      path: PATH,
      title: t('reports.attributionAnalysis.title'),
      saved,
      toSend,
      onProblems: (found) => setSaveProblems({ for: query, problems: found }),
    },
  );

  const result = run.data?.kind === 'attribution' ? run.data : undefined;
  const blocked = problems.length > 0;
  const targetEvent = catalogue.events.find((candidate) => candidate.code === query.target.event);
  const numeric = sumProperties(targetEvent);
  const builderContext = useMemo(() => ({ catalogue, problems: placeProblems(emptyTree, []), disabled: false }), [catalogue]);
  const setTouch = (index: number, touch: AttributionEvent) =>
    edit({ touches: query.touches.map((current, at) => (at === index ? touch : current)) });
  const custom = query.windowDays > 0;

  return (
    <PageContainer
      title={saved ? saved.name : t('reports.attributionAnalysis.newTitle')}
      subTitle={
        dirty ? (
          <Tag color="orange" data-testid="report-dirty">
            {t('reports.attributionAnalysis.unsaved')}
          </Tag>
        ) : undefined
      }
      extra={
        <ReportToolbar
          path={PATH}
          saved={saved}
          history={history}
          showHistoryError={false}
          canEdit={canEdit}
          canDelete={canDelete}
          canDashboard={canDashboard}
          blocked={blocked}
          save={save}
          exportFile={exportFile}
          refresh={refresh}
          remove={remove}
          onNaming={(kind) => setNaming({ kind })}
          onAddToDashboard={() => setAddingToDashboard(true)}
        />
      }
    >
      <Flex gap={token.margin} align="flex-start" data-testid="attribution-analysis">
        <Card
          size="small"
          style={{ width: 520, flex: 'none' }}
          styles={{ body: { paddingTop: 0 } }}
          data-testid="report-question"
        >
          <BuilderContext.Provider value={builderContext}>
            <Section title={t('reports.attributionAnalysis.target')} testId="report-section-target">
              <EventWithFilters
                value={query.target}
                catalogue={catalogue}
                onChange={(target) => {
                  // 切换指标's property belongs to the target event: another event drops it.
                  const next = catalogue.events.find((e) => e.code === target.event);
                  const keep =
                    query.metric.aggregate === 'sum' && sumProperties(next).some((p) => p.key === query.metric.property);
                  edit({ target, ...(keep ? {} : { metric: { aggregate: 'count' } }) });
                }}
                problems={problemsUnder(problems, 'target')}
                testId="attribution-target"
                prefix={null}
              />
            </Section>
            <Section title={t('reports.attributionAnalysis.touches')} testId="report-section-touches">
              <Flex vertical gap={token.marginXS}>
                {query.touches.map((touch, index) => (
                  <EventWithFilters
                    key={index}
                    value={touch}
                    catalogue={catalogue}
                    onChange={(next) => setTouch(index, next)}
                    problems={problemsUnder(problems, `touches.${index}`)}
                    testId={`attribution-touch-${index}`}
                    prefix={<Tag>{index + 1}</Tag>}
                    suffix={
                      <Tooltip title={t('reports.attributionAnalysis.removeTouch')}>
                        <Button
                          type="text"
                          size="small"
                          icon={<DeleteOutlined />}
                          disabled={query.touches.length <= 1}
                          onClick={() => edit({ touches: query.touches.filter((_, at) => at !== index) })}
                          aria-label={t('reports.attributionAnalysis.removeTouch')}
                          data-testid={`attribution-touch-${index}-remove`}
                        />
                      </Tooltip>
                    }
                  />
                ))}
                <Button
                  type="link"
                  size="small"
                  icon={<PlusOutlined />}
                  disabled={query.touches.length >= attributionLimits.touches || catalogue.events.length === 0}
                  onClick={() => edit({ touches: [...query.touches, { event: catalogue.events[0]!.code }] })}
                  data-testid="attribution-add-touch"
                  style={{ alignSelf: 'flex-start' }}
                >
                  {t('reports.attributionAnalysis.addTouch', { max: attributionLimits.touches })}
                </Button>
                <Problems problems={problems.filter((p) => p.path === 'touches')} testId="attribution-touches-problem" />
              </Flex>
            </Section>
            <Section title={t('reports.attributionAnalysis.window')} testId="report-section-window">
              <Flex vertical gap={token.marginXXS}>
                <Space wrap>
                  <Radio.Group
                    optionType="button"
                    value={custom ? 'custom' : 'sameDay'}
                    onChange={(change) => edit({ windowDays: change.target.value === 'custom' ? 7 : 0 })}
                    options={[
                      {
                        value: 'sameDay',
                        label: <span data-testid="attribution-window-same-day">{t('reports.attributionAnalysis.sameDay')}</span>,
                      },
                      {
                        value: 'custom',
                        label: <span data-testid="attribution-window-custom">{t('reports.attributionAnalysis.custom')}</span>,
                      },
                    ]}
                    aria-label={t('reports.attributionAnalysis.window')}
                  />
                  {custom && (
                    <InputNumber
                      min={1}
                      max={attributionLimits.maxWindowDays}
                      precision={0}
                      value={query.windowDays}
                      onChange={(value) => typeof value === 'number' && edit({ windowDays: value })}
                      addonAfter={t('reports.attributionAnalysis.days')}
                      aria-label={t('reports.attributionAnalysis.windowDays')}
                      data-testid="attribution-window-days"
                      status={errorIf(under(problems, 'windowDays').length > 0)}
                      style={{ width: 120 }}
                    />
                  )}
                </Space>
                <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                  {custom
                    ? t('reports.attributionAnalysis.customHint', { n: query.windowDays })
                    : t('reports.attributionAnalysis.sameDayHint')}
                </Typography.Text>
                <Problems problems={under(problems, 'windowDays')} testId="attribution-window-problem" />
              </Flex>
            </Section>
            <Section title={t('reports.attributionAnalysis.model')} testId="report-section-model">
              <Flex vertical gap={token.marginXS}>
                <Radio.Group
                  value={query.attributionModel}
                  onChange={(change) => edit({ attributionModel: change.target.value as AttributionQuery['attributionModel'] })}
                  options={attributionModelKinds.map((kind) => ({
                    value: kind,
                    label: (
                      <span data-testid={`attribution-model-${kind}`}>{t(`reports.attributionAnalysis.models.${kind}`)}</span>
                    ),
                  }))}
                  aria-label={t('reports.attributionAnalysis.model')}
                />
                <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                  {t(`reports.attributionAnalysis.modelHints.${query.attributionModel}`)}
                </Typography.Text>
                <Checkbox
                  checked={query.directConversions}
                  onChange={(change) => edit({ directConversions: change.target.checked })}
                  data-testid="attribution-direct"
                >
                  {t('reports.attributionAnalysis.directConversions')}
                </Checkbox>
                <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                  {t('reports.attributionAnalysis.directHint')}
                </Typography.Text>
              </Flex>
            </Section>
            <Section title={t('reports.attributionAnalysis.metric')} testId="report-section-metric">
              <Flex vertical gap={token.marginXXS}>
                <Space wrap>
                  <Radio.Group
                    optionType="button"
                    value={query.metric.aggregate}
                    onChange={(change) =>
                      edit({
                        metric:
                          change.target.value === 'sum'
                            ? { aggregate: 'sum', property: numeric[0]?.key }
                            : { aggregate: 'count' },
                      })
                    }
                    options={[
                      {
                        value: 'count',
                        label: <span data-testid="attribution-metric-count">{t('reports.attributionAnalysis.metricCount')}</span>,
                      },
                      {
                        value: 'sum',
                        disabled: numeric.length === 0,
                        label: <span data-testid="attribution-metric-sum">{t('reports.attributionAnalysis.metricSum')}</span>,
                      },
                    ]}
                    aria-label={t('reports.attributionAnalysis.metric')}
                  />
                  {query.metric.aggregate === 'sum' && (
                    <PropertySelect
                      properties={numeric}
                      value={query.metric.property}
                      onChange={(property) => edit({ metric: { aggregate: 'sum', property } })}
                      ariaLabel={t('reports.attributionAnalysis.property')}
                      testId="attribution-property"
                      status={errorIf(under(problems, 'metric').length > 0)}
                    />
                  )}
                </Space>
                <Problems problems={under(problems, 'metric')} testId="attribution-metric-problem" />
              </Flex>
            </Section>
            <Section title={t('reports.attributionAnalysis.filters')} testId="report-section-filters">
              <ConditionBuilder
                value={query.filters?.contacts ?? emptyTree}
                onChange={(tree) => edit({ filters: tree.conditions.length ? { contacts: tree } : {} })}
                catalogue={catalogue}
                problems={placed(problemsUnder(problems, 'filters.contacts'))}
              />
            </Section>
            <Section title={t('reports.sections.groups')} testId="report-section-groups">
              <Flex vertical gap={token.marginXXS}>
                <GroupPicker
                  value={(query.groups ?? []).map(selectionKey)}
                  onChange={(keys) =>
                    edit({
                      groups: keys
                        .map(parseSelectionKey)
                        .filter((s) => s !== undefined)
                        .slice(0, reportLimits.groups),
                    })
                  }
                  max={COMPARE_MAX}
                  testId="report-groups"
                />
                <Problems problems={under(problems, 'groups')} testId="report-groups-problem" />
              </Flex>
            </Section>
            <Section title={t('reports.attributionAnalysis.time')} testId="report-section-time">
              <Flex vertical gap={token.marginXS}>
                <TimeRangeInput
                  value={query.timeRange}
                  onChange={(timeRange: TimeRange) => edit({ timeRange })}
                  timeType="date"
                  timeZone={catalogue.timeZone}
                  testId="report-time"
                  status={errorIf(under(problems, 'timeRange').length > 0)}
                />
                <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                  {t('reports.attributionAnalysis.timeHint')}
                </Typography.Text>
                <Problems problems={under(problems, 'timeRange')} testId="report-time-problem" />
              </Flex>
            </Section>
          </BuilderContext.Provider>
        </Card>
        <div style={{ flex: 1, minWidth: 0 }}>
          <AttributionResultCard
            result={blocked ? undefined : result}
            loading={run.isFetching || refresh.isPending}
            error={runProblems.length ? undefined : run.error}
            problems={problems}
            onRetry={() => void run.refetch()}
          />
        </div>
      </Flex>
      <ReportDialogs
        model={MODEL}
        saved={saved}
        naming={naming}
        onNamingClose={() => setNaming(undefined)}
        toSend={toSend}
        onSaved={onSaved}
        onSaveError={onSaveError}
        addingToDashboard={addingToDashboard}
        onDashboardClose={() => setAddingToDashboard(false)}
      />
    </PageContainer>
  );
}

/**
 * 报表分析 → 归因分析 (seed §1.7.9; ADR 0059): /analytics/attribution builds a new question,
 * /analytics/attribution/:reportId opens a saved report.
 */
export default function AttributionAnalysisPage() {
  const { t } = useTranslation();
  return <ReportPage title={t('reports.attributionAnalysis.title')} testId="attribution-analysis" builder={AttributionBuilder} />;
}
