import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { PageContainer } from '@ant-design/pro-components';
import type { ConditionCatalogue, ConditionTree, TimeRange } from '@huiliu/core/conditions';
import {
  reportLimits,
  userAnalysisAggregates,
  userAnalysisLimits,
  type UserAnalysisAggregate,
  type UserAnalysisAggregateGroup,
  type UserAnalysisMetric,
  type UserAnalysisQuery,
  type UserAnalysisReportResult,
} from '@huiliu/core/reports';
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Divider,
  Empty,
  Flex,
  Input,
  Segmented,
  Select,
  Skeleton,
  Space,
  Spin,
  Tag,
  theme,
  Typography,
} from 'antd';
import { useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { COMPARE_MAX, parseSelectionKey, selectionKey } from '../../../api/group-selections';
import { type SavedReport } from '../../../api/reports';
import { ConditionBuilder } from '../../../components/conditions';
import { PropertySelect } from '../../../components/conditions/PropertySelect';
import { TimeRangeInput } from '../../../components/conditions/TimeRangeInput';
import { ErrorResult } from '../../../components/ErrorResult';
import { GroupPicker } from '../../../components/GroupPicker';
import { errorText as translateError } from '../../../i18n';
import { DimensionsSection } from '../event/DimensionsSection';
import { hasProblem, placed, problemsUnder, type QueryProblem } from '../event/query-state';
import { ComputedAt, TruncatedNotice } from '../event/ResultPanel';
import { ReportDialogs } from '../ReportDialogs';
import { ReportPage } from '../ReportPage';
import { ReportToolbar } from '../ReportToolbar';
import { useReportActions, useReportRun } from '../use-report-actions';
import { UserAnalysisBars, UserAnalysisPies, UserAnalysisTable } from './UserAnalysisChart';
import { drawsPies } from './user-view';
import {
  addMetric,
  canAggregate,
  defaultQuery,
  editableQuery,
  localProblems,
  metricProperties,
  needsProperty,
  queryToSend,
  toUserDimensions,
  withAggregate,
} from './user-state';

const MODEL = 'user';
const PATH = '/analytics/user';
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
      {problems.map((p, index) => (
        <Typography.Text key={`${p.path}-${p.code}-${index}`} type="danger" data-testid={testId}>
          {problemText(p)}
        </Typography.Text>
      ))}
    </>
  );
}

/** Where the builder shows a problem by its path; any other is listed above the answer. */
const placedPrefixes = ['metrics', 'dimensions', 'filters.contacts', 'groups', 'aggregateGroups', 'timeRange'];

/** 选择指标: 用户数, or a contact property's 去重数 / 总和 / 均值 / 最大值 / 最小值; several. */
function MetricsSection({
  metrics,
  catalogue,
  onChange,
  problems,
}: {
  metrics: UserAnalysisMetric[];
  catalogue: ConditionCatalogue;
  onChange: (metrics: UserAnalysisMetric[]) => void;
  problems: QueryProblem[];
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const replace = (index: number, metric: UserAnalysisMetric) => onChange(metrics.map((m, at) => (at === index ? metric : m)));
  return (
    <Flex vertical gap={token.marginXS} data-testid="user-metrics">
      {metrics.map((metric, index) => {
        const own = problemsUnder(problems, `metrics.${index}`);
        return (
          <Flex vertical gap={token.marginXXS} key={index} data-testid={`user-metric-${index}`}>
            <Space size={4} wrap>
              <Select<UserAnalysisAggregate>
                value={metric.aggregate}
                onChange={(aggregate) => replace(index, withAggregate(metric, aggregate, catalogue))}
                options={userAnalysisAggregates.map((aggregate) => ({
                  value: aggregate,
                  label: t(`reports.userAnalysis.aggregates.${aggregate}`),
                  disabled: needsProperty(aggregate) && metricProperties(aggregate, catalogue).length === 0,
                }))}
                aria-label={t('reports.userAnalysis.aggregate')}
                data-testid={`user-metric-${index}-aggregate`}
                popupMatchSelectWidth={false}
                style={{ minWidth: 120 }}
              />
              {needsProperty(metric.aggregate) && (
                <PropertySelect
                  properties={metricProperties(metric.aggregate, catalogue)}
                  value={metric.property}
                  onChange={(property) => replace(index, { ...metric, property })}
                  ariaLabel={t('reports.userAnalysis.property')}
                  testId={`user-metric-${index}-property`}
                  status={errorIf(hasProblem(own, 'property'))}
                />
              )}
              {metrics.length > 1 && (
                <Button
                  type="text"
                  size="small"
                  icon={<DeleteOutlined />}
                  onClick={() => onChange(metrics.filter((_, at) => at !== index))}
                  aria-label={t('reports.userAnalysis.removeMetric')}
                  title={t('reports.userAnalysis.removeMetric')}
                  data-testid={`user-metric-${index}-remove`}
                />
              )}
            </Space>
            <Problems problems={own.map((p) => ({ ...p }))} testId={`user-metric-${index}-problem`} />
          </Flex>
        );
      })}
      <Button
        type="link"
        size="small"
        icon={<PlusOutlined />}
        disabled={metrics.length >= userAnalysisLimits.metrics}
        onClick={() => onChange(addMetric(metrics, catalogue))}
        data-testid="user-add-metric"
        style={{ alignSelf: 'flex-start' }}
      >
        {t('reports.userAnalysis.addMetric')}
      </Button>
    </Flex>
  );
}

/** 聚合分组 (§1.7.4.4.1): named lists of the only dimension's values (country, province or city). */
function AggregateGroupsSection({
  groups,
  enabled,
  onChange,
  problems,
}: {
  groups: UserAnalysisAggregateGroup[];
  enabled: boolean;
  onChange: (groups: UserAnalysisAggregateGroup[]) => void;
  problems: QueryProblem[];
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const replace = (index: number, group: UserAnalysisAggregateGroup) =>
    onChange(groups.map((g, at) => (at === index ? group : g)));
  if (!enabled) {
    return (
      <Typography.Text type="secondary" data-testid="user-aggregate-disabled">
        {t('reports.userAnalysis.aggregateHint')}
      </Typography.Text>
    );
  }
  return (
    <Flex vertical gap={token.marginXS} data-testid="user-aggregate-groups">
      {groups.map((group, index) => {
        const own = problemsUnder(problems, `aggregateGroups.${index}`);
        return (
          <Flex vertical gap={token.marginXXS} key={index} data-testid={`user-aggregate-${index}`}>
            <Space size={4} align="start" wrap>
              <Input
                value={group.name}
                onChange={(change) => replace(index, { ...group, name: change.target.value })}
                placeholder={t('reports.userAnalysis.aggregateName')}
                aria-label={t('reports.userAnalysis.aggregateName')}
                maxLength={50}
                status={errorIf(hasProblem(own, 'name'))}
                data-testid={`user-aggregate-${index}-name`}
                style={{ width: 140 }}
              />
              <Select<string[]>
                mode="tags"
                value={group.values}
                onChange={(values) => replace(index, { ...group, values: values.slice(0, userAnalysisLimits.aggregateValues) })}
                tokenSeparators={[',', '，']}
                open={false}
                suffixIcon={null}
                placeholder={t('reports.userAnalysis.aggregateValues')}
                aria-label={t('reports.userAnalysis.aggregateValues')}
                status={errorIf(hasProblem(own, 'values'))}
                data-testid={`user-aggregate-${index}-values`}
                style={{ minWidth: 220, maxWidth: 300 }}
              />
              <Button
                type="text"
                size="small"
                icon={<DeleteOutlined />}
                onClick={() => onChange(groups.filter((_, at) => at !== index))}
                aria-label={t('reports.userAnalysis.removeAggregate')}
                title={t('reports.userAnalysis.removeAggregate')}
                data-testid={`user-aggregate-${index}-remove`}
              />
            </Space>
            <Problems problems={own} testId={`user-aggregate-${index}-problem`} />
          </Flex>
        );
      })}
      <Problems problems={problems.filter((p) => p.path === 'aggregateGroups')} testId="user-aggregate-problem" />
      <Button
        type="link"
        size="small"
        icon={<PlusOutlined />}
        disabled={groups.length >= userAnalysisLimits.aggregateGroups}
        onClick={() => onChange([...groups, { name: '', values: [] }])}
        data-testid="user-add-aggregate"
        style={{ alignSelf: 'flex-start' }}
      >
        {t('reports.userAnalysis.addAggregate')}
      </Button>
    </Flex>
  );
}

type View = 'pie' | 'bar' | 'table';

/** The answer: pies per group (or bars), over the table; 总体 without a dimension. */
function UserAnalysisResult({
  result,
  loading,
  error,
  problems,
  onRetry,
}: {
  result: UserAnalysisReportResult | undefined;
  loading: boolean;
  error: unknown;
  problems: QueryProblem[];
  onRetry: () => void;
}) {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState<View>('pie');
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
    const pies = drawsPies(result);
    const view: View = chosen === 'pie' && !pies ? 'bar' : chosen;
    body = (
      <Spin spinning={loading}>
        <Flex vertical gap={16}>
          <TruncatedNotice result={result} />
          <Segmented<View>
            value={view}
            onChange={setChosen}
            options={(['pie', 'bar', 'table'] as const).map((kind) => ({
              value: kind,
              disabled: kind === 'pie' && !pies,
              label: <span data-testid={`user-view-${kind}`}>{t(`reports.userAnalysis.views.${kind}`)}</span>,
            }))}
            style={{ alignSelf: 'flex-start' }}
          />
          {view === 'pie' && <UserAnalysisPies result={result} />}
          {view === 'bar' && <UserAnalysisBars result={result} />}
          <UserAnalysisTable result={result} />
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
function UserAnalysisBuilder({ catalogue, saved }: { catalogue: ConditionCatalogue; saved?: SavedReport }) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const [query, setQuery] = useState<UserAnalysisQuery>(() => (saved ? editableQuery(saved.query) : defaultQuery()));
  const [naming, setNaming] = useState<Naming>();
  const [addingToDashboard, setAddingToDashboard] = useState(false);
  const [saveProblems, setSaveProblems] = useState<{ for: UserAnalysisQuery; problems: QueryProblem[] }>();
  const edit = (change: Partial<UserAnalysisQuery>) => setQuery((current) => ({ ...current, ...change }));

  const toSend = useMemo(() => queryToSend(query), [query]);
  const savedQuery = useMemo(() => (saved ? JSON.stringify(queryToSend(editableQuery(saved.query))) : undefined), [saved]);
  const dirty = saved !== undefined && savedQuery !== JSON.stringify(toSend);
  const texts = {
    propertyRequired: t('reports.userAnalysis.propertyRequired'),
    aggregateName: t('reports.userAnalysis.aggregateNameRequired'),
    aggregateValues: t('reports.userAnalysis.aggregateValuesRequired'),
    aggregateTaken: t('errors.report_user_aggregate_value_taken'),
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
      title: t('reports.userAnalysis.title'),
      saved,
      toSend,
      onProblems: (found) => setSaveProblems({ for: query, problems: found }),
    },
  );

  const result = run.data?.kind === 'userAnalysis' ? run.data : undefined;
  const blocked = problems.length > 0;
  const aggregatable = canAggregate(query.dimensions);

  return (
    <PageContainer
      title={saved ? saved.name : t('reports.userAnalysis.newTitle')}
      subTitle={
        dirty ? (
          <Tag color="orange" data-testid="report-dirty">
            {t('reports.userAnalysis.unsaved')}
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
      <Flex gap={token.margin} align="flex-start" data-testid="user-analysis">
        <Card
          size="small"
          style={{ width: 520, flex: 'none' }}
          styles={{ body: { paddingTop: 0 } }}
          data-testid="report-question"
        >
          <Section title={t('reports.userAnalysis.metrics')} testId="report-section-metrics">
            <MetricsSection
              metrics={query.metrics}
              catalogue={catalogue}
              onChange={(metrics) => edit({ metrics })}
              problems={problems}
            />
          </Section>
          <Section title={t('reports.sections.filters')} testId="report-section-filters">
            <Flex vertical gap={token.marginXXS}>
              <Typography.Text type="secondary">{t('reports.filters.contacts')}</Typography.Text>
              <ConditionBuilder
                value={query.filters?.contacts ?? emptyTree}
                onChange={(tree) => edit({ filters: tree.conditions.length ? { contacts: tree } : {} })}
                catalogue={catalogue}
                problems={placed(problemsUnder(problems, 'filters.contacts'))}
              />
            </Flex>
          </Section>
          <Section title={t('reports.userAnalysis.dimensions')} testId="report-section-dimensions">
            <DimensionsSection
              dimensions={query.dimensions ?? []}
              metrics={[]}
              catalogue={catalogue}
              onChange={(dimensions) => edit({ dimensions: toUserDimensions(dimensions) })}
              problems={problems}
            />
          </Section>
          <Section title={t('reports.userAnalysis.aggregateGroups')} testId="report-section-aggregate">
            <AggregateGroupsSection
              groups={query.aggregateGroups ?? []}
              enabled={aggregatable}
              onChange={(aggregateGroups) => edit({ aggregateGroups })}
              problems={problems}
            />
          </Section>
          <Section title={t('reports.userAnalysis.groups')} testId="report-section-groups">
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
          <Section title={t('reports.userAnalysis.created')} testId="report-section-time">
            <Flex vertical gap={token.marginXS}>
              <Checkbox
                checked={query.timeRange !== undefined}
                onChange={(change) => {
                  if (change.target.checked) edit({ timeRange: { kind: 'past', days: 30, includeToday: true } });
                  else {
                    const { timeRange: _timeRange, ...rest } = query;
                    void _timeRange;
                    setQuery(rest);
                  }
                }}
                data-testid="user-created-toggle"
              >
                {t('reports.userAnalysis.createdToggle')}
              </Checkbox>
              {query.timeRange && (
                <TimeRangeInput
                  value={query.timeRange}
                  onChange={(timeRange: TimeRange) => edit({ timeRange })}
                  timeType="date"
                  timeZone={catalogue.timeZone}
                  testId="report-time"
                  status={errorIf(problems.some((p) => p.path.startsWith('timeRange')))}
                />
              )}
              <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                {t('reports.userAnalysis.createdHint')}
              </Typography.Text>
              <Problems problems={problems.filter((p) => p.path.startsWith('timeRange'))} testId="report-time-problem" />
            </Flex>
          </Section>
        </Card>
        <div style={{ flex: 1, minWidth: 0 }}>
          <UserAnalysisResult
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
 * 报表分析 → 用户分析 (seed §1.7.4; ADR 0060): /analytics/user builds a new question, /analytics/user/:reportId
 * opens a saved report. Contacts, not events: it needs no event to exist.
 */
export default function UserAnalysisPage() {
  const { t } = useTranslation();
  return (
    <ReportPage
      title={t('reports.userAnalysis.title')}
      testId="user-analysis"
      builder={UserAnalysisBuilder}
      needsEvents={false}
    />
  );
}
