import { PageContainer } from '@ant-design/pro-components';
import type { ConditionCatalogue, ConditionTree, TimeRange } from '@huiliu/core/conditions';
import { chartRefusal, granularities, reportLimits, type EventAnalysisQuery, type Granularity } from '@huiliu/core/reports';
import { Card, Checkbox, Divider, Flex, Select, Space, Tag, theme, Typography } from 'antd';
import { useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { COMPARE_MAX, parseSelectionKey, selectionKey } from '../../../api/group-selections';
import { type SavedReport } from '../../../api/reports';
import { BuilderContext, placeProblems } from '../../../components/conditions';
import { TimeRangeInput } from '../../../components/conditions/TimeRangeInput';
import { GroupPicker } from '../../../components/GroupPicker';
import { errorText as translateError } from '../../../i18n';
import { ReportDialogs } from '../ReportDialogs';
import { ReportPage } from '../ReportPage';
import { useReportActions, useReportRun } from '../use-report-actions';
import { ReportToolbar } from '../ReportToolbar';
import { DimensionsSection } from './DimensionsSection';
import { FiltersSection } from './FiltersSection';
import { MetricsSection } from './MetricsSection';
import {
  chartShape,
  defaultQuery,
  editableQuery,
  localProblems,
  queryToSend,
  withAllowedChart,
  type QueryProblem,
} from './query-state';
import { ResultPanel } from './ResultPanel';

const MODEL = 'event';
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

type Naming = { kind: 'save' | 'saveAs' | 'rename' } | undefined;

/** Where the builder shows a problem by its path; any other is listed above the answer. */
const placedPrefixes = [
  'metrics',
  'dimensions',
  'filters.events',
  'filters.contacts',
  'groups',
  'timeRange',
  'granularity',
  'chart',
];

const problemText = (problem: QueryProblem) => problem.message ?? translateError(problem.code) ?? problem.code;

/** The builder over one question: new (`saved` absent) or a saved report's. */
function EventAnalysisBuilder({ catalogue, saved }: { catalogue: ConditionCatalogue; saved?: SavedReport }) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const [query, setQuery] = useState<EventAnalysisQuery>(() =>
    saved ? withAllowedChart(editableQuery(saved.query)) : defaultQuery(catalogue)!,
  );
  const [naming, setNaming] = useState<Naming>();
  const [addingToDashboard, setAddingToDashboard] = useState(false);
  const [saveProblems, setSaveProblems] = useState<{ for: EventAnalysisQuery; problems: QueryProblem[] }>();
  const edit = (change: Partial<EventAnalysisQuery>) => setQuery((current) => withAllowedChart({ ...current, ...change }));

  const toSend = useMemo(() => queryToSend(query), [query]);
  const savedQuery = useMemo(() => (saved ? JSON.stringify(queryToSend(editableQuery(saved.query))) : undefined), [saved]);
  const dirty = saved !== undefined && savedQuery !== JSON.stringify(toSend);
  const local = localProblems(query, {
    propertyRequired: t('reports.metric.propertyRequired'),
    formulaRequired: t('reports.formula.formulaRequired'),
    nameRequired: t('reports.formula.nameRequired'),
  });
  const { run, runProblems } = useReportRun(
    MODEL,
    toSend,
    (q) => localProblems(q, { propertyRequired: '', formulaRequired: '', nameRequired: '' }).length === 0,
  );
  const problems = [
    ...local,
    ...(local.length ? [] : runProblems),
    ...(saveProblems?.for === query ? saveProblems.problems : []),
  ];

  const { canEdit, canDelete, canDashboard, refresh, exportFile, onSaved, onSaveError, save, remove, history } = useReportActions(
    {
      model: MODEL,
      path: '/analytics/event',
      title: t('reports.event.title'),
      saved,
      toSend,
      onProblems: (found) => setSaveProblems({ for: query, problems: found }),
    },
  );

  const result = run.data;
  const shape = chartShape(query);
  const blocked = problems.length > 0;

  const builderContext = useMemo(() => ({ catalogue, problems: placeProblems(emptyTree, []), disabled: false }), [catalogue]);

  return (
    <PageContainer
      title={saved ? saved.name : t('reports.event.newTitle')}
      subTitle={
        dirty ? (
          <Tag color="orange" data-testid="report-dirty">
            {t('reports.event.unsaved')}
          </Tag>
        ) : undefined
      }
      extra={
        <ReportToolbar
          path={'/analytics/event'}
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
      <Flex gap={token.margin} align="flex-start" data-testid="event-analysis">
        <Card
          size="small"
          style={{ width: 520, flex: 'none' }}
          styles={{ body: { paddingTop: 0 } }}
          data-testid="report-question"
        >
          <BuilderContext.Provider value={builderContext}>
            <Section title={t('reports.sections.metrics')} testId="report-section-metrics">
              <MetricsSection
                metrics={query.metrics}
                catalogue={catalogue}
                onChange={(metrics) => edit({ metrics })}
                problems={problems}
              />
            </Section>
            <Section title={t('reports.sections.dimensions')} testId="report-section-dimensions">
              <DimensionsSection
                dimensions={query.dimensions ?? []}
                metrics={query.metrics}
                catalogue={catalogue}
                onChange={(dimensions) => edit({ dimensions })}
                problems={problems}
              />
            </Section>
            <Section title={t('reports.sections.filters')} testId="report-section-filters">
              <FiltersSection
                filters={query.filters ?? {}}
                metrics={query.metrics}
                catalogue={catalogue}
                onChange={(filters) => edit({ filters })}
                problems={problems}
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
                <Space wrap>
                  <Select<Granularity>
                    value={query.granularity}
                    onChange={(granularity) => edit({ granularity })}
                    options={granularities.map((granularity) => ({
                      value: granularity,
                      label: t(`reports.time.granularities.${granularity}`),
                    }))}
                    aria-label={t('reports.time.granularity')}
                    data-testid="report-granularity"
                    status={problems.some((p) => p.path === 'granularity') ? 'error' : undefined}
                    style={{ width: 110 }}
                  />
                  <Checkbox
                    checked={query.compare ?? false}
                    onChange={(change) => edit({ compare: change.target.checked })}
                    data-testid="report-compare"
                  >
                    {t('reports.time.compare')}
                  </Checkbox>
                </Space>
                {problems
                  .filter((p) => p.path.startsWith('timeRange') || p.path === 'granularity' || p.path === 'chart')
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
          <ResultPanel
            chart={query.chart}
            shape={shape}
            onChartChange={(chart) => {
              if (!chartRefusal(chart, shape)) edit({ chart });
            }}
            result={blocked ? undefined : result}
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

/**
 * 报表分析 → 事件分析 (seed §1.7.2): /analytics/event builds a new question, /analytics/event/:reportId
 * opens a saved report. Needs the condition catalogue (events, properties, tags); without any event
 * there is nothing to analyse yet.
 */
export default function EventAnalysisPage() {
  const { t } = useTranslation();
  return <ReportPage title={t('reports.event.title')} testId="event-analysis" builder={EventAnalysisBuilder} />;
}
