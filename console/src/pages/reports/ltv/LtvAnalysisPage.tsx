import { FilterOutlined } from '@ant-design/icons';
import { PageContainer } from '@ant-design/pro-components';
import type { CatalogueEvent, ConditionCatalogue, ConditionTree, EventPropertyFilter, TimeRange } from '@huiliu/core/conditions';
import {
  ltvLimits,
  ltvMetrics,
  ltvUnits,
  type LtvMetric,
  type LtvQuery,
  type LtvReportResult,
  type LtvRevenue,
  type LtvUnit,
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
import { isPickable, newFilter } from '../../../components/conditions/condition-tree';
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
import { filterRowProblems, placed, problemsUnder } from '../event/query-state';
import { ComputedAt, TruncatedNotice } from '../event/ResultPanel';
import {
  defaultLtvQuery,
  editableLtvQuery,
  localLtvProblems,
  ltvDimensionFromKey,
  ltvDimensionKey,
  ltvQueryToSend,
  numberProperties,
  timeProperties,
  type QueryProblem,
} from './ltv-state';
import { LtvChart, LtvTables } from './LtvResult';

const MODEL = 'ltv';
const emptyTree: ConditionTree = { type: 'and', conditions: [] };

const problemText = (problem: QueryProblem) => problem.message ?? translateError(problem.code) ?? problem.code;
const errorIf = (flag: boolean): 'error' | undefined => (flag ? 'error' : undefined);

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

function Problems({ problems, prefix, testId }: { problems: QueryProblem[]; prefix: string[]; testId: string }) {
  const mine = problems.filter((p) => prefix.some((x) => p.path === x || p.path.startsWith(`${x}.`)));
  return (
    <>
      {mine.map((p) => (
        <Typography.Text key={`${p.path}-${p.code}`} type="danger" data-testid={testId}>
          {problemText(p)}
        </Typography.Text>
      ))}
    </>
  );
}

/** The property filters of an event (且/或), as the initial and the revenue event take them. */
function EventFilters({
  event,
  filters,
  filterOp,
  onChange,
  problems,
  testId,
}: {
  event: CatalogueEvent | undefined;
  filters: EventPropertyFilter[];
  filterOp: 'and' | 'or' | undefined;
  onChange: (filters: EventPropertyFilter[], filterOp: 'and' | 'or' | undefined) => void;
  problems: QueryProblem[];
  testId: string;
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  if (filters.length === 0) return null;
  return (
    <Flex gap={token.marginXS} align="flex-start" style={{ paddingInlineStart: 16 }}>
      {filters.length > 1 && (
        <Radio.Group
          size="small"
          optionType="button"
          value={filterOp ?? 'and'}
          onChange={(change) => onChange(filters, change.target.value as 'and' | 'or')}
          options={[
            { value: 'and', label: t('conditions.relation.and') },
            { value: 'or', label: t('conditions.relation.or') },
          ]}
          aria-label={t('reports.metric.filterRelation')}
        />
      )}
      <Flex vertical gap={token.marginXXS}>
        {filters.map((filter, index) => (
          <FilterRow
            key={index}
            event={event}
            filter={filter}
            onChange={(next) =>
              onChange(
                filters.map((current, at) => (at === index ? next : current)),
                filterOp,
              )
            }
            onRemove={() =>
              onChange(
                filters.filter((_, at) => at !== index),
                filterOp,
              )
            }
            problems={filterRowProblems(problems, index)}
            testId={`${testId}-${index}`}
          />
        ))}
      </Flex>
    </Flex>
  );
}

function AddFilterButton({
  event,
  onAdd,
  testId,
}: {
  event: CatalogueEvent | undefined;
  onAdd: (filter: EventPropertyFilter) => void;
  testId: string;
}) {
  const { t } = useTranslation();
  const first = event && newFilter(event);
  return (
    <Tooltip title={first ? t('reports.metric.addFilter') : t('reports.metric.noProperties')}>
      <Button
        type="text"
        size="small"
        icon={<FilterOutlined />}
        disabled={!first}
        onClick={() => first && onAdd(first)}
        aria-label={t('reports.metric.addFilter')}
        data-testid={testId}
      />
    </Tooltip>
  );
}

type Naming = { kind: 'save' | 'saveAs' | 'rename' } | undefined;

/** Where the builder shows a problem; any other is listed above the answer. */
const placedPrefixes = [
  'initial',
  'revenue',
  'dimensions',
  'filters.contacts',
  'groups',
  'timeRange',
  'unit',
  'periods',
  'rolling24h',
];

function LtvBuilder({ catalogue, saved }: { catalogue: ConditionCatalogue; saved?: SavedReport }) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const [query, setQuery] = useState<LtvQuery>(() => (saved ? editableLtvQuery(saved.query) : defaultLtvQuery(catalogue)!));
  const [naming, setNaming] = useState<Naming>();
  const [addingToDashboard, setAddingToDashboard] = useState(false);
  const [saveProblems, setSaveProblems] = useState<{ for: LtvQuery; problems: QueryProblem[] }>();
  const edit = (change: Partial<LtvQuery>) => setQuery((current) => ({ ...current, ...change }));

  const toSend = useMemo(() => ltvQueryToSend(query), [query]);
  const savedQuery = useMemo(() => (saved ? JSON.stringify(ltvQueryToSend(editableLtvQuery(saved.query))) : undefined), [saved]);
  const dirty = saved !== undefined && savedQuery !== JSON.stringify(toSend);
  const texts = {
    propertyRequired: t('reports.ltvAnalysis.propertyRequired'),
    initialRequired: t('reports.ltvAnalysis.initialRequired'),
  };
  const local = localLtvProblems(query, texts);
  const { run, runProblems } = useReportRun(MODEL, toSend, (q) => localLtvProblems(q, texts).length === 0);
  const problems = [
    ...local,
    ...(local.length ? [] : runProblems),
    ...(saveProblems?.for === query ? saveProblems.problems : []),
  ];

  const { canEdit, canDelete, canDashboard, refresh, exportFile, onSaved, onSaveError, save, remove, history } = useReportActions(
    {
      model: MODEL,
      path: '/analytics/ltv',
      title: t('reports.ltvAnalysis.title'),
      saved,
      toSend,
      onProblems: (found) => setSaveProblems({ for: query, problems: found }),
    },
  );

  const result = run.data?.kind === 'ltv' ? (run.data as LtvReportResult) : undefined;
  const blocked = problems.length > 0;
  const metric: LtvMetric = query.metric ?? 'sum';

  const builderContext = useMemo(() => ({ catalogue, problems: placeProblems(emptyTree, []), disabled: false }), [catalogue]);
  const initial = query.initial;
  const initialEvent = initial.kind === 'event' ? catalogue.events.find((e) => e.code === initial.event) : undefined;
  const revenue = query.revenue;
  const revenueEvent = catalogue.events.find((e) => e.code === revenue.event);
  const setRevenue = (change: Partial<LtvRevenue>) => edit({ revenue: { ...revenue, ...change } });
  const groupCount = query.groups?.length ?? 0;
  const dimensionOptions = [
    ...(initialEvent
      ? [
          {
            label: t('reports.ltvAnalysis.eventProperties'),
            title: 'event',
            options: initialEvent.properties.map((p) => propertyOption(p, `event:${p.key}`, p.name)),
          },
        ]
      : []),
    {
      label: t('reports.dimension.contactProperties'),
      title: 'contact',
      options: catalogue.contactProperties.map((p) => propertyOption(p, `contact:${p.key}`, p.name)),
    },
    ...(catalogue.tags.length
      ? [
          {
            label: t('reports.dimension.tags'),
            title: 'tags',
            options: catalogue.tags.map((tag) => ({ value: `tag:${tag.id}`, label: tag.name })),
          },
        ]
      : []),
  ];
  const initialProblems = problemsUnder(problems, 'initial');
  const revenueProblems = problemsUnder(problems, 'revenue');

  return (
    <PageContainer
      title={saved ? saved.name : t('reports.ltvAnalysis.newTitle')}
      subTitle={
        dirty ? (
          <Tag color="orange" data-testid="report-dirty">
            {t('reports.event.unsaved')}
          </Tag>
        ) : undefined
      }
      extra={
        <ReportToolbar
          path={'/analytics/ltv'}
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
      <Flex gap={token.margin} align="flex-start" data-testid="ltv-analysis">
        <Card
          size="small"
          style={{ width: 520, flex: 'none' }}
          styles={{ body: { paddingTop: 0 } }}
          data-testid="report-question"
        >
          <BuilderContext.Provider value={builderContext}>
            <Section title={t('reports.ltvAnalysis.sections.initial')} testId="ltv-section-initial">
              <Flex vertical gap={token.marginXS}>
                <Radio.Group
                  size="small"
                  optionType="button"
                  value={initial.kind}
                  onChange={(change) => {
                    const kind = change.target.value as 'event' | 'property';
                    const first = timeProperties(catalogue).find(isPickable);
                    edit({
                      initial:
                        kind === 'event'
                          ? { kind: 'event', event: revenue.event || catalogue.events[0]?.code || '' }
                          : { kind: 'property', property: first?.key ?? '' },
                      // Event properties of the initial event are no dimension of a property's users.
                      dimensions: (query.dimensions ?? []).filter((d) => kind === 'event' || d.kind !== 'eventProperty'),
                    });
                  }}
                  options={[
                    { value: 'event', label: t('reports.ltvAnalysis.initialByEvent') },
                    { value: 'property', label: t('reports.ltvAnalysis.initialByProperty') },
                  ]}
                  data-testid="ltv-initial-kind"
                />
                {initial.kind === 'event' ? (
                  <Space size={4} wrap>
                    <Typography.Text type="secondary">{t('reports.ltvAnalysis.initialEvent')}</Typography.Text>
                    <EventSelect
                      catalogue={catalogue}
                      value={initial.event}
                      onChange={(event) =>
                        edit({
                          initial: { kind: 'event', event: event.code },
                          dimensions: (query.dimensions ?? []).filter((d) => d.kind !== 'eventProperty'),
                        })
                      }
                      testId="ltv-initial-event"
                      status={errorIf(initialProblems.some((p) => p.path === 'event'))}
                    />
                    <AddFilterButton
                      event={initialEvent}
                      onAdd={(filter) => edit({ initial: { ...initial, filters: [...(initial.filters ?? []), filter] } })}
                      testId="ltv-initial-add-filter"
                    />
                  </Space>
                ) : (
                  <Space size={4} wrap>
                    <Typography.Text type="secondary">{t('reports.ltvAnalysis.initialProperty')}</Typography.Text>
                    <PropertySelect
                      properties={timeProperties(catalogue)}
                      value={initial.property || undefined}
                      onChange={(property) => edit({ initial: { kind: 'property', property } })}
                      ariaLabel={t('reports.ltvAnalysis.initialProperty')}
                      testId="ltv-initial-property"
                      status={errorIf(initialProblems.some((p) => p.path === 'property'))}
                    />
                  </Space>
                )}
                {initial.kind === 'event' && (
                  <EventFilters
                    event={initialEvent}
                    filters={initial.filters ?? []}
                    filterOp={initial.filterOp}
                    onChange={(filters, filterOp) =>
                      edit({
                        initial: {
                          kind: 'event',
                          event: initial.event,
                          ...(filters.length ? { filters, ...(filterOp ? { filterOp } : {}) } : {}),
                        },
                      })
                    }
                    problems={initialProblems}
                    testId="ltv-initial-filter"
                  />
                )}
                <ProblemList
                  problems={placed(initialProblems.filter((p) => !p.path.startsWith('filters.')))}
                  testId="ltv-initial-problems"
                />
                <Space size={4} wrap>
                  <Typography.Text type="secondary">{t('reports.ltvAnalysis.revenueEvent')}</Typography.Text>
                  <EventSelect
                    catalogue={catalogue}
                    value={revenue.event}
                    onChange={(event) => {
                      const numeric = numberProperties(event.properties)[0];
                      setRevenue({
                        event: event.code,
                        filters: undefined,
                        filterOp: undefined,
                        ...(revenue.aggregate === 'sum' ? { property: numeric?.key } : {}),
                      });
                    }}
                    testId="ltv-revenue-event"
                    status={errorIf(revenueProblems.some((p) => p.path === 'event'))}
                  />
                  <Select<'sum' | 'count'>
                    value={revenue.aggregate}
                    onChange={(aggregate) =>
                      setRevenue(
                        aggregate === 'sum'
                          ? { aggregate, property: numberProperties(revenueEvent?.properties)[0]?.key }
                          : { aggregate, property: undefined },
                      )
                    }
                    options={[
                      {
                        value: 'sum',
                        label: t('reports.aggregates.sum'),
                        disabled: numberProperties(revenueEvent?.properties).length === 0,
                      },
                      { value: 'count', label: t('reports.aggregates.count') },
                    ]}
                    aria-label={t('reports.ltvAnalysis.revenueMetric')}
                    data-testid="ltv-revenue-aggregate"
                    style={{ minWidth: 90 }}
                  />
                  {revenue.aggregate === 'sum' && (
                    <PropertySelect
                      properties={numberProperties(revenueEvent?.properties)}
                      value={revenue.property}
                      onChange={(property) => setRevenue({ property })}
                      ariaLabel={t('reports.metric.property')}
                      testId="ltv-revenue-property"
                      status={errorIf(revenueProblems.some((p) => p.path === 'property'))}
                    />
                  )}
                  <AddFilterButton
                    event={revenueEvent}
                    onAdd={(filter) => setRevenue({ filters: [...(revenue.filters ?? []), filter] })}
                    testId="ltv-revenue-add-filter"
                  />
                </Space>
                <EventFilters
                  event={revenueEvent}
                  filters={revenue.filters ?? []}
                  filterOp={revenue.filterOp}
                  onChange={(filters, filterOp) =>
                    setRevenue({
                      filters: filters.length ? filters : undefined,
                      filterOp: filters.length > 1 ? filterOp : undefined,
                    })
                  }
                  problems={revenueProblems}
                  testId="ltv-revenue-filter"
                />
                <ProblemList
                  problems={placed(revenueProblems.filter((p) => !p.path.startsWith('filters.')))}
                  testId="ltv-revenue-problems"
                />
              </Flex>
            </Section>
            <Section title={t('reports.sections.filters')} testId="ltv-section-filters">
              <ConditionBuilder
                value={query.filters?.contacts ?? emptyTree}
                onChange={(tree) => edit({ filters: tree.conditions.length ? { contacts: tree } : {} })}
                catalogue={catalogue}
                problems={placed(problemsUnder(problems, 'filters.contacts'))}
              />
            </Section>
            <Section title={t('reports.ltvAnalysis.sections.dimensions')} testId="ltv-section-dimensions">
              <Flex vertical gap={token.marginXXS}>
                <Tooltip title={groupCount >= 2 ? t('reports.ltvAnalysis.dimensionsWithGroups') : undefined}>
                  <Select<string[]>
                    mode="multiple"
                    allowClear
                    disabled={groupCount >= 2}
                    value={groupCount >= 2 ? [] : (query.dimensions ?? []).map(ltvDimensionKey)}
                    onChange={(keys) =>
                      edit({
                        dimensions: keys
                          .map(ltvDimensionFromKey)
                          .filter((d) => d !== undefined)
                          .slice(0, ltvLimits.dimensions),
                      })
                    }
                    options={dimensionOptions}
                    filterOption={matchOption}
                    placeholder={t('reports.dimension.placeholder')}
                    maxCount={ltvLimits.dimensions}
                    aria-label={t('reports.ltvAnalysis.sections.dimensions')}
                    data-testid="ltv-dimensions"
                    status={errorIf(problems.some((p) => p.path.startsWith('dimensions')))}
                    style={{ width: '100%' }}
                  />
                </Tooltip>
                <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                  {t('reports.ltvAnalysis.dimensionsHint', { max: ltvLimits.dimensions })}
                </Typography.Text>
                <Problems problems={problems} prefix={['dimensions']} testId="ltv-dimensions-problem" />
              </Flex>
            </Section>
            <Section title={t('reports.ltvAnalysis.sections.groups')} testId="ltv-section-groups">
              <Flex vertical gap={token.marginXXS}>
                <GroupPicker
                  value={(query.groups ?? []).map(selectionKey)}
                  onChange={(keys) =>
                    edit({
                      groups: keys
                        .map(parseSelectionKey)
                        .filter((s) => s !== undefined)
                        .slice(0, ltvLimits.groups),
                    })
                  }
                  max={COMPARE_MAX}
                  testId="report-groups"
                />
                <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                  {t('reports.ltvAnalysis.groupsHint')}
                </Typography.Text>
                <Problems problems={problems} prefix={['groups']} testId="report-groups-problem" />
              </Flex>
            </Section>
            <Section title={t('reports.ltvAnalysis.sections.period')} testId="ltv-section-period">
              <Flex vertical gap={token.marginXS}>
                <TimeRangeInput
                  value={query.timeRange}
                  onChange={(timeRange: TimeRange) => edit({ timeRange })}
                  timeType="date"
                  timeZone={catalogue.timeZone}
                  testId="report-time"
                  status={errorIf(problems.some((p) => p.path.startsWith('timeRange')))}
                />
                <Space wrap>
                  <Select<LtvUnit>
                    value={query.unit}
                    onChange={(unit) => edit({ unit, ...(unit === 'day' ? {} : { rolling24h: false }) })}
                    options={ltvUnits.map((unit) => ({ value: unit, label: t(`reports.ltvAnalysis.units.${unit}`) }))}
                    aria-label={t('reports.ltvAnalysis.unit')}
                    data-testid="ltv-unit"
                    style={{ width: 100 }}
                  />
                  <InputNumber
                    min={1}
                    max={ltvLimits.periods}
                    precision={0}
                    value={query.periods}
                    onChange={(periods) => periods && edit({ periods })}
                    addonBefore={t('reports.ltvAnalysis.periodsBefore')}
                    addonAfter={t(`reports.ltvAnalysis.unitNames.${query.unit}`)}
                    aria-label={t('reports.ltvAnalysis.periods')}
                    data-testid="ltv-periods"
                    style={{ width: 170 }}
                  />
                  <Tooltip
                    title={query.unit === 'day' ? t('reports.ltvAnalysis.rollingHint') : t('reports.ltvAnalysis.rollingDaysOnly')}
                  >
                    <Checkbox
                      checked={query.rolling24h ?? false}
                      disabled={query.unit !== 'day'}
                      onChange={(change) => edit({ rolling24h: change.target.checked })}
                      data-testid="ltv-rolling"
                    >
                      {t('reports.ltvAnalysis.rolling')}
                    </Checkbox>
                  </Tooltip>
                </Space>
                <Problems
                  problems={problems}
                  prefix={['timeRange', 'unit', 'periods', 'rolling24h']}
                  testId="report-time-problem"
                />
              </Flex>
            </Section>
          </BuilderContext.Provider>
        </Card>
        <div style={{ flex: 1, minWidth: 0 }}>
          <LtvResultPanel
            result={blocked ? undefined : result}
            metric={metric}
            onMetricChange={(next) => edit({ metric: next })}
            loading={run.isFetching || refresh.isPending}
            error={runProblems.length ? undefined : run.error}
            problemCount={problems.length}
            unplaced={problems
              .filter((p) => !placedPrefixes.some((prefix) => p.path === prefix || p.path.startsWith(`${prefix}.`)))
              .map(problemText)}
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

/** The right side: the metric picker and trend chart over the 详情表 of every metric. */
function LtvResultPanel({
  result,
  metric,
  onMetricChange,
  loading,
  error,
  problemCount,
  unplaced,
  onRetry,
}: {
  result: LtvReportResult | undefined;
  metric: LtvMetric;
  onMetricChange: (metric: LtvMetric) => void;
  loading: boolean;
  error: unknown;
  problemCount: number;
  unplaced: string[];
  onRetry: () => void;
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  let body: ReactNode;
  if (problemCount > 0) {
    body = (
      <Flex vertical gap={token.marginXS}>
        <Alert
          type="error"
          showIcon
          message={t('reports.result.problems', { count: problemCount })}
          data-testid="report-problems"
        />
        {unplaced.map((text) => (
          <Typography.Text key={text} type="danger" data-testid="report-unplaced-problem">
            {text}
          </Typography.Text>
        ))}
      </Flex>
    );
  } else if (error) body = <ErrorResult error={error} onRetry={onRetry} />;
  else if (!result)
    body = loading ? <Skeleton active paragraph={{ rows: 8 }} /> : <Empty description={t('reports.result.waiting')} />;
  else
    body = (
      <Spin spinning={loading}>
        <Flex vertical gap={token.margin}>
          <Flex justify="space-between" align="center" wrap gap={token.marginXS}>
            <Select<LtvMetric>
              value={metric}
              onChange={onMetricChange}
              options={ltvMetrics.map((m) => ({ value: m, label: t(`reports.ltvAnalysis.metrics.${m}`) }))}
              aria-label={t('reports.ltvAnalysis.chartMetric')}
              data-testid="ltv-chart-metric"
              style={{ width: 160 }}
            />
            <ComputedAt result={result} />
          </Flex>
          <TruncatedNotice result={result} />
          <LtvChart result={result} metric={metric} />
          <Typography.Text type="secondary">{t('reports.ltvAnalysis.revenueName', { name: result.revenueName })}</Typography.Text>
          {result.rows.length === 0 ? (
            <Empty description={t('reports.ltvAnalysis.noUsers')} data-testid="ltv-no-users" />
          ) : (
            <LtvTables result={result} metric={metric} onMetricChange={onMetricChange} />
          )}
        </Flex>
      </Spin>
    );
  return (
    <Card size="small" data-testid="report-result">
      {body}
    </Card>
  );
}

/**
 * 报表分析 → LTV分析 (seed §1.7.11): /analytics/ltv builds a new question, /analytics/ltv/:reportId
 * opens a saved report.
 */
export default function LtvAnalysisPage() {
  const { t } = useTranslation();
  return <ReportPage title={t('reports.ltvAnalysis.title')} testId="ltv-analysis" builder={LtvBuilder} />;
}
