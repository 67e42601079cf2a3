import { FilterOutlined, PlusOutlined } from '@ant-design/icons';
import { PageContainer } from '@ant-design/pro-components';
import type { ConditionCatalogue, ConditionTree, EventPropertyFilter, TimeRange } from '@huiliu/core/conditions';
import {
  distributionAggregates,
  reportLimits,
  type DistributionAggregate,
  type DistributionQuery,
  type DistributionReportResult,
} from '@huiliu/core/reports';
import {
  Alert,
  Button,
  Card,
  Divider,
  Empty,
  Flex,
  Radio,
  Select,
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
import { BuilderContext, ConditionBuilder, FilterRow, placeProblems } from '../../../components/conditions';
import { newFilter } from '../../../components/conditions/condition-tree';
import { ProblemList } from '../../../components/conditions/ProblemList';
import { matchOption, PropertySelect, propertyOption } from '../../../components/conditions/PropertySelect';
import { TimeRangeInput } from '../../../components/conditions/TimeRangeInput';
import { ErrorResult } from '../../../components/ErrorResult';
import { GroupPicker } from '../../../components/GroupPicker';
import { errorText as translateError } from '../../../i18n';
import { ReportDialogs } from '../ReportDialogs';
import { ReportPage } from '../ReportPage';
import { useReportActions, useReportRun } from '../use-report-actions';
import { ReportToolbar } from '../ReportToolbar';
import { EventSelect } from '../event/MetricsSection';
import { filterRowProblems, hasProblem, placed, problemsUnder, type QueryProblem } from '../event/query-state';
import { ComputedAt, TruncatedNotice } from '../event/ResultPanel';
import { DistributionChart, DistributionTable } from './DistributionChart';
import { chartSeriesLimit } from './distribution-view';
import {
  aggregateProperties,
  defaultQuery,
  dimensionFromKey,
  dimensionKey,
  editableQuery,
  localProblems,
  needsProperty,
  parseBoundaries,
  queryToSend,
  withAggregate,
  withEvent,
  withFilters,
} from './query-state';

const MODEL = 'distribution';
const PATH = '/analytics/distribution';
const emptyTree: ConditionTree = { type: 'and', conditions: [] };
const errorIf = (flag: boolean): 'error' | undefined => (flag ? 'error' : undefined);

const problemText = (problem: QueryProblem) => problem.message ?? translateError(problem.code) ?? problem.code;

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
const placedPrefixes = ['metric', 'intervals', 'dimension', 'filters.events', 'filters.contacts', 'groups', 'timeRange'];

/** 选择指标: event, what is computed per user (次数 or a property's 去重数/总和/均值/最大值/最小值), its filters. */
function MetricSection({
  query,
  catalogue,
  onChange,
  problems,
}: {
  query: DistributionQuery;
  catalogue: ConditionCatalogue;
  onChange: (metric: DistributionQuery['metric']) => void;
  problems: QueryProblem[];
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const metric = query.metric;
  const event = catalogue.events.find((candidate) => candidate.code === metric.event);
  const filters = metric.filters ?? [];
  const firstFilter = event && newFilter(event);
  const own = problemsUnder(problems, 'metric');
  const setFilters = (next: EventPropertyFilter[]) => onChange(withFilters(metric, next));
  return (
    <Flex vertical gap={token.marginXXS} data-testid="distribution-metric">
      <Space size={4} wrap>
        <EventSelect
          catalogue={catalogue}
          value={metric.event}
          onChange={(next) => onChange(withEvent(metric, next, event))}
          testId="distribution-event"
          status={errorIf(hasProblem(own, 'event'))}
        />
        <Select<DistributionAggregate>
          value={metric.aggregate}
          onChange={(aggregate) => onChange(withAggregate(metric, aggregate, event))}
          options={distributionAggregates.map((aggregate) => ({
            value: aggregate,
            label: t(`reports.distributionAnalysis.aggregates.${aggregate}`),
            disabled: needsProperty(aggregate) && aggregateProperties(aggregate, event).length === 0,
          }))}
          aria-label={t('reports.distributionAnalysis.aggregate')}
          data-testid="distribution-aggregate"
          status={errorIf(hasProblem(own, 'aggregate'))}
          popupMatchSelectWidth={false}
          style={{ minWidth: 110 }}
        />
        {needsProperty(metric.aggregate) && (
          <PropertySelect
            properties={aggregateProperties(metric.aggregate, event)}
            value={metric.property}
            onChange={(property) => onChange({ ...metric, property })}
            ariaLabel={t('reports.distributionAnalysis.property')}
            testId="distribution-property"
            status={errorIf(hasProblem(own, 'property'))}
          />
        )}
        <Tooltip title={t('reports.distributionAnalysis.addFilter')}>
          <Button
            type="text"
            size="small"
            icon={<FilterOutlined />}
            disabled={!firstFilter || filters.length >= 20}
            onClick={() => firstFilter && setFilters([...filters, firstFilter])}
            aria-label={t('reports.distributionAnalysis.addFilter')}
            data-testid="distribution-add-filter"
          />
        </Tooltip>
      </Space>
      <ProblemList problems={placed(own.filter((p) => !p.path.startsWith('filters.')))} testId="distribution-metric-problems" />
      {filters.length > 0 && (
        <Flex gap={token.marginXS} align="flex-start" style={{ paddingInlineStart: 16 }}>
          {filters.length > 1 && (
            <Radio.Group
              size="small"
              optionType="button"
              value={metric.filterOp ?? 'and'}
              onChange={(change) => onChange({ ...metric, filterOp: change.target.value as 'and' | 'or' })}
              options={[
                { value: 'and', label: t('conditions.relation.and') },
                { value: 'or', label: t('conditions.relation.or') },
              ]}
              aria-label={t('reports.filters.relation')}
            />
          )}
          <Flex vertical gap={token.marginXXS}>
            {filters.map((filter, index) => (
              <FilterRow
                key={index}
                event={event}
                filter={filter}
                onChange={(next) => setFilters(filters.map((current, at) => (at === index ? next : current)))}
                onRemove={() => setFilters(filters.filter((_, at) => at !== index))}
                problems={filterRowProblems(own, index)}
                testId={`distribution-filter-${index}`}
              />
            ))}
          </Flex>
        </Flex>
      )}
    </Flex>
  );
}

/** 设置分布区间: 默认区间 or 自定义区间 (boundaries typed as tags, [a, b)). */
function IntervalsSection({
  intervals,
  onChange,
  problems,
}: {
  intervals: DistributionQuery['intervals'];
  onChange: (intervals: DistributionQuery['intervals']) => void;
  problems: QueryProblem[];
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const own = problems.filter((p) => p.path === 'intervals' || p.path.startsWith('intervals.'));
  return (
    <Flex vertical gap={token.marginXS} data-testid="distribution-intervals">
      <Radio.Group
        optionType="button"
        value={intervals.mode}
        onChange={(change) =>
          onChange(change.target.value === 'custom' ? { mode: 'custom', boundaries: [1000, 2000] } : { mode: 'default' })
        }
        options={(['default', 'custom'] as const).map((mode) => ({
          value: mode,
          label: <span data-testid={`distribution-intervals-${mode}`}>{t(`reports.distributionAnalysis.modes.${mode}`)}</span>,
        }))}
        aria-label={t('reports.distributionAnalysis.intervals')}
      />
      {intervals.mode === 'default' ? (
        <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
          {t('reports.distributionAnalysis.defaultHint')}
        </Typography.Text>
      ) : (
        <>
          <Select<string[]>
            mode="tags"
            value={intervals.boundaries.map(String)}
            onChange={(tokens) => onChange({ mode: 'custom', boundaries: parseBoundaries(tokens).slice(0, reportLimits.ranges) })}
            tokenSeparators={[',', '，', ' ']}
            open={false}
            suffixIcon={null}
            placeholder={t('reports.distributionAnalysis.boundariesPlaceholder')}
            aria-label={t('reports.distributionAnalysis.boundaries')}
            data-testid="distribution-boundaries"
            status={errorIf(own.length > 0)}
          />
          <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
            {t('reports.distributionAnalysis.boundariesHint')}
          </Typography.Text>
        </>
      )}
      <Problems problems={own} testId="distribution-intervals-problem" />
    </Flex>
  );
}

/** The answer: the bar chart of users per interval over the table (interval, users, share). */
function DistributionResult({
  result,
  loading,
  error,
  problems,
  onRetry,
}: {
  result: DistributionReportResult | undefined;
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
    const empty = result.series.every((s) => s.total === 0);
    body = (
      <Spin spinning={loading}>
        <Flex vertical gap={16}>
          <TruncatedNotice result={result} />
          {empty ? (
            <Empty description={t('reports.distributionAnalysis.empty')} data-testid="report-result-empty" />
          ) : (
            <>
              {result.series.length > chartSeriesLimit && (
                <Typography.Text type="secondary">
                  {t('reports.distributionAnalysis.chartLimit', { count: chartSeriesLimit })}
                </Typography.Text>
              )}
              <DistributionChart result={result} />
              <DistributionTable result={result} />
            </>
          )}
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
function DistributionBuilder({ catalogue, saved }: { catalogue: ConditionCatalogue; saved?: SavedReport }) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const [query, setQuery] = useState<DistributionQuery>(() => (saved ? editableQuery(saved.query) : defaultQuery(catalogue)!));
  const [naming, setNaming] = useState<Naming>();
  const [addingToDashboard, setAddingToDashboard] = useState(false);
  const [saveProblems, setSaveProblems] = useState<{ for: DistributionQuery; problems: QueryProblem[] }>();
  const edit = (change: Partial<DistributionQuery>) => setQuery((current) => ({ ...current, ...change }));

  const toSend = useMemo(() => queryToSend(query), [query]);
  const savedQuery = useMemo(() => (saved ? JSON.stringify(queryToSend(editableQuery(saved.query))) : undefined), [saved]);
  const dirty = saved !== undefined && savedQuery !== JSON.stringify(toSend);
  const texts = {
    propertyRequired: t('reports.distributionAnalysis.propertyRequired'),
    boundariesRequired: t('reports.distributionAnalysis.boundariesRequired'),
    boundariesAscending: t('reports.distributionAnalysis.boundariesAscending'),
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
      title: t('reports.distributionAnalysis.title'),
      saved,
      toSend,
      onProblems: (found) => setSaveProblems({ for: query, problems: found }),
    },
  );

  const result = run.data?.kind === 'distribution' ? run.data : undefined;
  const blocked = problems.length > 0;
  const event = catalogue.events.find((candidate) => candidate.code === query.metric.event);
  const commonEvents = query.filters?.events ?? [];
  const firstCommon = event && newFilter(event);
  const setCommon = (next: EventPropertyFilter[]) => {
    const { events: _events, eventsOp, ...rest } = query.filters ?? {};
    void _events;
    edit({ filters: next.length ? { ...rest, events: next, ...(eventsOp ? { eventsOp } : {}) } : rest });
  };
  const eventProblems = problemsUnder(problems, 'filters.events');

  const builderContext = useMemo(() => ({ catalogue, problems: placeProblems(emptyTree, []), disabled: false }), [catalogue]);
  const dimensionOptions = [
    {
      label: t('reports.distributionAnalysis.eventProperties'),
      title: 'event',
      options: (event?.properties ?? []).map((p) => propertyOption(p, `event:${p.key}`, p.name)),
    },
    {
      label: t('reports.distributionAnalysis.contactProperties'),
      title: 'contact',
      options: catalogue.contactProperties
        .filter((p) => p.source !== 'dynamicDate')
        .map((p) => propertyOption(p, `contact:${p.key}`, p.name)),
    },
  ];

  return (
    <PageContainer
      title={saved ? saved.name : t('reports.distributionAnalysis.newTitle')}
      subTitle={
        dirty ? (
          <Tag color="orange" data-testid="report-dirty">
            {t('reports.distributionAnalysis.unsaved')}
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
      <Flex gap={token.margin} align="flex-start" data-testid="distribution-analysis">
        <Card
          size="small"
          style={{ width: 520, flex: 'none' }}
          styles={{ body: { paddingTop: 0 } }}
          data-testid="report-question"
        >
          <BuilderContext.Provider value={builderContext}>
            <Section title={t('reports.distributionAnalysis.metric')} testId="report-section-metric">
              <MetricSection
                query={query}
                catalogue={catalogue}
                onChange={(metric) => {
                  // An event dimension or common filter on a property the new event lacks goes.
                  const next = catalogue.events.find((candidate) => candidate.code === metric.event);
                  const has = (key: string) => next?.properties.some((p) => p.key === key) ?? false;
                  const dimension =
                    query.dimension?.kind === 'eventProperty' && !has(query.dimension.property) ? undefined : query.dimension;
                  const events = (query.filters?.events ?? []).filter((f) => has(f.property));
                  const { events: _events, ...rest } = query.filters ?? {};
                  void _events;
                  setQuery({ ...query, metric, dimension, filters: events.length ? { ...rest, events } : rest });
                }}
                problems={problems}
              />
            </Section>
            <Section title={t('reports.distributionAnalysis.intervals')} testId="report-section-intervals">
              <IntervalsSection intervals={query.intervals} onChange={(intervals) => edit({ intervals })} problems={problems} />
            </Section>
            <Section title={t('reports.sections.filters')} testId="report-section-filters">
              <Flex vertical gap={token.marginSM}>
                <Flex vertical gap={token.marginXXS}>
                  <Typography.Text type="secondary">{t('reports.filters.events')}</Typography.Text>
                  {commonEvents.length > 1 && (
                    <Radio.Group
                      size="small"
                      optionType="button"
                      value={query.filters?.eventsOp ?? 'and'}
                      onChange={(change) =>
                        edit({ filters: { ...query.filters, eventsOp: change.target.value as 'and' | 'or' } })
                      }
                      options={[
                        { value: 'and', label: t('conditions.relation.and') },
                        { value: 'or', label: t('conditions.relation.or') },
                      ]}
                      aria-label={t('reports.filters.relation')}
                    />
                  )}
                  {commonEvents.map((filter, index) => (
                    <FilterRow
                      key={index}
                      event={event}
                      filter={filter}
                      onChange={(next) => setCommon(commonEvents.map((current, at) => (at === index ? next : current)))}
                      onRemove={() => setCommon(commonEvents.filter((_, at) => at !== index))}
                      problems={filterRowProblems(
                        eventProblems.map((p) => ({ ...p, path: `filters.${p.path}` })),
                        index,
                      )}
                      testId={`distribution-event-filter-${index}`}
                    />
                  ))}
                  <Button
                    type="link"
                    size="small"
                    icon={<PlusOutlined />}
                    disabled={!firstCommon || commonEvents.length >= 20}
                    onClick={() => firstCommon && setCommon([...commonEvents, firstCommon])}
                    data-testid="distribution-add-event-filter"
                    style={{ alignSelf: 'flex-start' }}
                  >
                    {t('reports.filters.addEvent')}
                  </Button>
                </Flex>
                <Flex vertical gap={token.marginXXS}>
                  <Typography.Text type="secondary">{t('reports.filters.contacts')}</Typography.Text>
                  <ConditionBuilder
                    value={query.filters?.contacts ?? emptyTree}
                    onChange={(tree) => {
                      const { contacts: _contacts, ...rest } = query.filters ?? {};
                      void _contacts;
                      edit({ filters: tree.conditions.length ? { ...rest, contacts: tree } : rest });
                    }}
                    catalogue={catalogue}
                    problems={placed(problemsUnder(problems, 'filters.contacts'))}
                  />
                </Flex>
              </Flex>
            </Section>
            <Section title={t('reports.distributionAnalysis.dimension')} testId="report-section-dimension">
              <Flex vertical gap={token.marginXXS}>
                <Select<string>
                  allowClear
                  showSearch
                  filterOption={matchOption}
                  value={dimensionKey(query.dimension)}
                  onChange={(key) => edit({ dimension: dimensionFromKey(key) })}
                  options={dimensionOptions}
                  placeholder={t('reports.distributionAnalysis.overall')}
                  aria-label={t('reports.distributionAnalysis.dimension')}
                  data-testid="distribution-dimension"
                  status={errorIf(problems.some((p) => p.path.startsWith('dimension')))}
                  style={{ width: 260 }}
                />
                <Problems
                  problems={problems.filter((p) => p.path.startsWith('dimension'))}
                  testId="distribution-dimension-problem"
                />
              </Flex>
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
                <Problems
                  problems={problems.filter((p) => p.path === 'groups' || p.path.startsWith('groups.'))}
                  testId="report-groups-problem"
                />
              </Flex>
            </Section>
            <Section title={t('reports.sections.time')} testId="report-section-time">
              <Flex vertical gap={token.marginXS}>
                <TimeRangeInput
                  value={query.timeRange}
                  onChange={(timeRange: TimeRange) => edit({ timeRange })}
                  timeType="date"
                  timeZone={catalogue.timeZone}
                  testId="report-time"
                  status={errorIf(problems.some((p) => p.path.startsWith('timeRange')))}
                />
                <Problems problems={problems.filter((p) => p.path.startsWith('timeRange'))} testId="report-time-problem" />
              </Flex>
            </Section>
          </BuilderContext.Provider>
        </Card>
        <div style={{ flex: 1, minWidth: 0 }}>
          <DistributionResult
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
 * 报表分析 → 分布分析 (seed §1.7.6; ADR 0056): /analytics/distribution builds a new question,
 * /analytics/distribution/:reportId opens a saved report.
 */
export default function DistributionAnalysisPage() {
  const { t } = useTranslation();
  return (
    <ReportPage title={t('reports.distributionAnalysis.title')} testId="distribution-analysis" builder={DistributionBuilder} />
  );
}
