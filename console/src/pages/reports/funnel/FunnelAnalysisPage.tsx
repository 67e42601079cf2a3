import { PageContainer } from '@ant-design/pro-components';
import type { ConditionCatalogue, ConditionTree, TimeRange } from '@huiliu/core/conditions';
import { reportLimits, type FunnelAnalysisQuery, type FunnelReportResult } from '@huiliu/core/reports';
import {
  Alert,
  Card,
  Checkbox,
  Divider,
  Empty,
  Flex,
  InputNumber,
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
import { BuilderContext, ConditionBuilder, placeProblems } from '../../../components/conditions';
import { ProblemList } from '../../../components/conditions/ProblemList';
import { propertyOption } from '../../../components/conditions/PropertySelect';
import { TimeRangeInput } from '../../../components/conditions/TimeRangeInput';
import { ErrorResult } from '../../../components/ErrorResult';
import { GroupPicker } from '../../../components/GroupPicker';
import { errorText as translateError } from '../../../i18n';
import { CellGroupDialog, useCanSaveCellGroups, type CellToSave } from '../CellGroupDialog';
import { ReportDialogs } from '../ReportDialogs';
import { ReportPage } from '../ReportPage';
import { useReportActions, useReportRun } from '../use-report-actions';
import { ReportToolbar } from '../ReportToolbar';
import { placed, problemsUnder } from '../event/query-state';
import { ComputedAt, TruncatedNotice } from '../event/ResultPanel';
import {
  addStep,
  defaultQuery,
  editableQuery,
  localProblems,
  queryToSend,
  removeStep,
  windowMax,
  withWindowUnit,
  type FunnelTableRow,
  type QueryProblem,
} from './funnel-state';
import { FunnelChart } from './FunnelChart';
import { FunnelTable, TimeToConvert } from './FunnelTable';
import { StepsSection } from './StepsSection';

const MODEL = 'funnel';
const BASE = '/analytics/funnel';
const emptyTree: ConditionTree = { type: 'and', conditions: [] };

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

/** Event properties every step's event carries (关联属性). */
function commonProperties(catalogue: ConditionCatalogue, query: FunnelAnalysisQuery) {
  const events = query.steps.map((step) => catalogue.events.find((e) => e.code === step.event));
  if (events.some((e) => !e)) return [];
  const [first, ...rest] = events as NonNullable<(typeof events)[number]>[];
  return (first?.properties ?? []).filter((p) => rest.every((e) => e.properties.some((q) => q.key === p.key)));
}

/** 按…查看: an event property of step 1, or a user property. */
function dimensionOptions(catalogue: ConditionCatalogue, query: FunnelAnalysisQuery, labels: { event: string; contact: string }) {
  const first = catalogue.events.find((e) => e.code === query.steps[0]?.event);
  return [
    {
      label: labels.event,
      title: 'event',
      options: (first?.properties ?? []).map((p) => propertyOption(p, `eventProperty:${p.key}`, p.name)),
    },
    {
      label: labels.contact,
      title: 'contact',
      options: catalogue.contactProperties
        .filter((p) => p.source !== 'dynamicDate')
        .map((p) => propertyOption(p, `contactProperty:${p.key}`, p.name)),
    },
  ].filter((group) => group.options.length > 0);
}

/** The right side: the funnel chart over the table of steps and the time to convert; problems and errors instead. */
function FunnelResultPanel({
  result,
  loading,
  error,
  problemCount,
  unplaced,
  onRetry,
  onSaveCell,
}: {
  result: FunnelReportResult | undefined;
  loading: boolean;
  error: unknown;
  problemCount: number;
  unplaced: string[];
  onRetry: () => void;
  onSaveCell?: (row: FunnelTableRow) => void;
}) {
  const { t } = useTranslation();
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
    const empty = result.funnels.every((f) => f.steps[0]?.users === 0);
    body = (
      <Spin spinning={loading}>
        <Flex vertical gap={16}>
          <TruncatedNotice result={result} />
          {empty && <Empty description={t('reports.result.empty')} data-testid="report-result-empty" />}
          {!empty && <FunnelChart result={result} />}
          {!empty && <FunnelTable result={result} onSaveCell={onSaveCell} />}
          {!empty && <TimeToConvert result={result} />}
        </Flex>
      </Spin>
    );
  }
  return (
    <Card size="small" data-testid="report-result">
      <Flex vertical gap={16}>
        {result && !error && problemCount === 0 && <ComputedAt result={result} />}
        {body}
      </Flex>
    </Card>
  );
}

type Naming = { kind: 'save' | 'saveAs' | 'rename' } | undefined;

/** Where the builder shows a problem by its path; any other is listed above the answer. */
const placedPrefixes = ['steps', 'exclusions', 'window', 'holdProperty', 'dimension', 'filters.contacts', 'groups', 'timeRange'];

const problemText = (problem: QueryProblem) => problem.message ?? translateError(problem.code) ?? problem.code;

/** The builder over one question: new (`saved` absent) or a saved report's. */
function FunnelBuilder({ catalogue, saved }: { catalogue: ConditionCatalogue; saved?: SavedReport }) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const [query, setQuery] = useState<FunnelAnalysisQuery>(() => (saved ? editableQuery(saved.query) : defaultQuery(catalogue)!));
  const [naming, setNaming] = useState<Naming>();
  const [cellToSave, setCellToSave] = useState<CellToSave>();
  const canSaveCells = useCanSaveCellGroups();
  const [addingToDashboard, setAddingToDashboard] = useState(false);
  const [saveProblems, setSaveProblems] = useState<{ for: FunnelAnalysisQuery; problems: QueryProblem[] }>();
  const edit = (change: Partial<FunnelAnalysisQuery>) => setQuery((current) => ({ ...current, ...change }));

  const toSend = useMemo(() => queryToSend(query), [query]);
  const savedQuery = useMemo(() => (saved ? JSON.stringify(queryToSend(editableQuery(saved.query))) : undefined), [saved]);
  const dirty = saved !== undefined && savedQuery !== JSON.stringify(toSend);
  const local = localProblems(query, {
    eventRequired: t('reports.funnelAnalysis.eventRequired'),
    window: t('reports.funnelAnalysis.windowLimit', { max: windowMax(query.window.unit) }),
  });
  const { settled, run, runProblems } = useReportRun(
    MODEL,
    toSend,
    (q) => localProblems(q, { eventRequired: '', window: '' }).length === 0,
  );
  const problems = [
    ...local,
    ...(local.length ? [] : runProblems),
    ...(saveProblems?.for === query ? saveProblems.problems : []),
  ];

  const { canEdit, canDelete, canDashboard, refresh, exportFile, onSaved, onSaveError, save, remove, history } = useReportActions(
    {
      model: MODEL,
      path: BASE,
      title: t('reports.funnelAnalysis.title'),
      saved,
      toSend,
      onProblems: (found) => setSaveProblems({ for: query, problems: found }),
    },
  );

  const result = run.data?.kind === 'funnel' ? (run.data as FunnelReportResult) : undefined;
  const blocked = problems.length > 0;

  const builderContext = useMemo(() => ({ catalogue, problems: placeProblems(emptyTree, []), disabled: false }), [catalogue]);

  return (
    <PageContainer
      title={saved ? saved.name : t('reports.funnelAnalysis.newTitle')}
      subTitle={
        dirty ? (
          <Tag color="orange" data-testid="report-dirty">
            {t('reports.funnelAnalysis.unsaved')}
          </Tag>
        ) : undefined
      }
      extra={
        <ReportToolbar
          path={BASE}
          saved={saved}
          history={history}
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
      <Flex gap={token.margin} align="flex-start" data-testid="funnel-analysis">
        <Card
          size="small"
          style={{ width: 520, flex: 'none' }}
          styles={{ body: { paddingTop: 0 } }}
          data-testid="report-question"
        >
          <BuilderContext.Provider value={builderContext}>
            <Section title={t('reports.funnelAnalysis.steps')} testId="funnel-section-steps">
              <StepsSection
                steps={query.steps}
                exclusions={query.exclusions ?? []}
                catalogue={catalogue}
                onSteps={(steps) => edit({ steps })}
                onAddStep={() => setQuery((current) => addStep(current))}
                onRemoveStep={(index) => setQuery((current) => removeStep(current, index))}
                onExclusions={(exclusions) => edit({ exclusions })}
                problems={problems}
              />
            </Section>
            <Section title={t('reports.funnelAnalysis.window')} testId="funnel-section-window">
              <Flex vertical gap={token.marginXXS}>
                <Space wrap>
                  <InputNumber<number>
                    min={1}
                    max={windowMax(query.window.unit)}
                    precision={0}
                    value={query.window.value}
                    onChange={(value) => edit({ window: { ...query.window, value: value ?? 1 } })}
                    aria-label={t('reports.funnelAnalysis.window')}
                    status={problems.some((p) => p.path.startsWith('window')) ? 'error' : undefined}
                    data-testid="funnel-window-value"
                    style={{ width: 90 }}
                  />
                  <Select<'day' | 'hour'>
                    value={query.window.unit}
                    onChange={(unit) => setQuery((current) => withWindowUnit(current, unit))}
                    options={[
                      { value: 'day', label: t('reports.funnelAnalysis.units.days') },
                      { value: 'hour', label: t('reports.funnelAnalysis.units.hours') },
                    ]}
                    aria-label={t('reports.funnelAnalysis.windowUnit')}
                    data-testid="funnel-window-unit"
                    style={{ width: 90 }}
                  />
                  <Checkbox
                    checked={query.windowWithinRange ?? false}
                    onChange={(change) => edit({ windowWithinRange: change.target.checked })}
                    data-testid="funnel-window-within-range"
                  >
                    {t('reports.funnelAnalysis.withinRange')}
                  </Checkbox>
                </Space>
                <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                  {t('reports.funnelAnalysis.windowHint', { days: windowMax('day'), hours: windowMax('hour') })}
                </Typography.Text>
                <ProblemList problems={placed(problemsUnder(problems, 'window'))} testId="funnel-window-problems" />
              </Flex>
            </Section>
            <Section title={t('reports.funnelAnalysis.more')} testId="funnel-section-more">
              <Flex vertical gap={token.marginXS}>
                <Space wrap>
                  <Typography.Text type="secondary">{t('reports.funnelAnalysis.holdProperty')}</Typography.Text>
                  <Select<string>
                    allowClear
                    value={query.holdProperty}
                    onChange={(holdProperty) => edit({ holdProperty })}
                    options={commonProperties(catalogue, query).map((p) => ({ value: p.key, label: p.name }))}
                    placeholder={t('reports.funnelAnalysis.holdPlaceholder')}
                    aria-label={t('reports.funnelAnalysis.holdProperty')}
                    status={problems.some((p) => p.path === 'holdProperty') ? 'error' : undefined}
                    data-testid="funnel-hold-property"
                    popupMatchSelectWidth={false}
                    style={{ minWidth: 160 }}
                  />
                </Space>
                <ProblemList problems={placed(problemsUnder(problems, 'holdProperty'))} testId="funnel-hold-problems" />
                <Space wrap>
                  <Typography.Text type="secondary">{t('reports.funnelAnalysis.dimension')}</Typography.Text>
                  <Select<string>
                    allowClear
                    value={query.dimension ? `${query.dimension.kind}:${query.dimension.property}` : undefined}
                    onChange={(key) => {
                      if (!key) return edit({ dimension: undefined });
                      const [kind, ...rest] = key.split(':');
                      edit({ dimension: { kind: kind as 'eventProperty' | 'contactProperty', property: rest.join(':') } });
                    }}
                    options={dimensionOptions(catalogue, query, {
                      event: t('reports.funnelAnalysis.stepOneProperties'),
                      contact: t('reports.dimension.contactProperties'),
                    })}
                    placeholder={t('reports.dimension.overall')}
                    aria-label={t('reports.funnelAnalysis.dimension')}
                    status={problems.some((p) => p.path.startsWith('dimension')) ? 'error' : undefined}
                    data-testid="funnel-dimension"
                    popupMatchSelectWidth={false}
                    style={{ minWidth: 160 }}
                  />
                </Space>
                <ProblemList problems={placed(problemsUnder(problems, 'dimension'))} testId="funnel-dimension-problems" />
              </Flex>
            </Section>
            <Section title={t('reports.sections.filters')} testId="report-section-filters">
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
                <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                  {t('reports.groups.hint', { max: COMPARE_MAX })}
                </Typography.Text>
                {problems
                  .filter((p) => p.path === 'groups' || p.path.startsWith('groups.'))
                  .map((p) => (
                    <Typography.Text key={`${p.path}-${p.code}`} type="danger" data-testid="report-groups-problem">
                      {problemText(p)}
                    </Typography.Text>
                  ))}
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
                  status={problems.some((p) => p.path.startsWith('timeRange')) ? 'error' : undefined}
                />
                <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                  {t('reports.funnelAnalysis.timeHint')}
                </Typography.Text>
                {problems
                  .filter((p) => p.path.startsWith('timeRange'))
                  .map((p) => (
                    <Typography.Text key={`${p.path}-${p.code}`} type="danger" data-testid="report-time-problem">
                      {problemText(p)}
                    </Typography.Text>
                  ))}
              </Flex>
            </Section>
          </BuilderContext.Provider>
        </Card>
        <div style={{ flex: 1, minWidth: 0 }}>
          <FunnelResultPanel
            result={blocked ? undefined : result}
            loading={run.isFetching || refresh.isPending}
            error={runProblems.length ? undefined : run.error}
            problemCount={problems.length}
            unplaced={problems
              .filter((p) => !placedPrefixes.some((prefix) => p.path === prefix || p.path.startsWith(`${prefix}.`)))
              .map(problemText)}
            onRetry={() => void run.refetch()}
            onSaveCell={
              // 保存为群组: the cell of the question that answered (not of one still being edited).
              canSaveCells && !run.isPlaceholderData && !run.isFetching
                ? (row) =>
                    setCellToSave({
                      model: MODEL,
                      query: settled,
                      cell: row.cell,
                      users: row.users,
                      label: [row.funnel, row.step].filter(Boolean).join(' · '),
                    })
                : undefined
            }
          />
        </div>
      </Flex>
      <CellGroupDialog cell={cellToSave} onClose={() => setCellToSave(undefined)} />
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
 * 报表分析 → 漏斗分析 (seed §1.7.3; ADR 0054): /analytics/funnel builds a new funnel,
 * /analytics/funnel/:reportId opens a saved report. Needs the condition catalogue (events, properties, tags); without any event
 * there is nothing to analyse yet.
 */
export default function FunnelAnalysisPage() {
  const { t } = useTranslation();
  return <ReportPage title={t('reports.funnelAnalysis.title')} testId="funnel-analysis" builder={FunnelBuilder} />;
}
