import { PageContainer } from '@ant-design/pro-components';
import type { ConditionCatalogue, ConditionTree, TimeRange } from '@huiliu/core/conditions';
import { reportLimits, retentionMaxPeriods, retentionUnits, type RetentionQuery, type RetentionUnit } from '@huiliu/core/reports';
import {
  Alert,
  Card,
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
  Typography,
} from 'antd';
import { useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { COMPARE_MAX, parseSelectionKey, selectionKey } from '../../../api/group-selections';
import { type SavedReport } from '../../../api/reports';
import { ConditionBuilder } from '../../../components/conditions';
import { TimeRangeInput } from '../../../components/conditions/TimeRangeInput';
import { ErrorResult } from '../../../components/ErrorResult';
import { GroupPicker } from '../../../components/GroupPicker';
import { errorText as translateError } from '../../../i18n';
import { CellGroupDialog, useCanSaveCellGroups, type CellToSave } from '../CellGroupDialog';
import { ReportDialogs } from '../ReportDialogs';
import { ReportPage } from '../ReportPage';
import { useReportActions, useReportRun } from '../use-report-actions';
import { ReportToolbar } from '../ReportToolbar';
import { placed, problemsUnder, type QueryProblem } from '../event/query-state';
import { ComputedAt } from '../event/ResultPanel';
import { RetentionEventSection } from './EventSection';
import { defaultQuery, editableQuery, MODEL, periodPresets, queryToSend, withUnit } from './query-state';
import { RetentionResultView } from './RetentionResult';

const emptyTree: ConditionTree = { type: 'and', conditions: [] };
const PATH = '/analytics/retention';

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
const placedPrefixes = ['initial', 'return', 'filters.contacts', 'groups', 'timeRange', 'periods', 'unit', 'metric', 'mode'];
const isUnder = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`);
const problemText = (problem: QueryProblem) => problem.message ?? translateError(problem.code) ?? problem.code;

function ProblemTexts({ problems, testId }: { problems: QueryProblem[]; testId: string }) {
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

/** The builder over one question: new (`saved` absent) or a saved report's. */
function RetentionBuilder({ catalogue, saved }: { catalogue: ConditionCatalogue; saved?: SavedReport }) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const [query, setQuery] = useState<RetentionQuery>(() => (saved ? editableQuery(saved.query) : defaultQuery(catalogue)!));
  const [naming, setNaming] = useState<Naming>();
  const [addingToDashboard, setAddingToDashboard] = useState(false);
  const [saveProblems, setSaveProblems] = useState<{ for: RetentionQuery; problems: QueryProblem[] }>();
  const [cellToSave, setCellToSave] = useState<CellToSave>();
  const canSaveCells = useCanSaveCellGroups();
  const edit = (change: Partial<RetentionQuery>) => setQuery((current) => ({ ...current, ...change }));

  const toSend = useMemo(() => queryToSend(query), [query]);
  const savedQuery = useMemo(() => (saved ? JSON.stringify(queryToSend(editableQuery(saved.query))) : undefined), [saved]);
  const dirty = saved !== undefined && savedQuery !== JSON.stringify(toSend);
  const { settled, run, runProblems } = useReportRun(MODEL, toSend);
  const problems = [...runProblems, ...(saveProblems?.for === query ? saveProblems.problems : [])];

  const { canEdit, canDelete, canDashboard, refresh, exportFile, onSaved, onSaveError, save, remove, history } = useReportActions(
    {
      model: MODEL,
      path: PATH,
      title: t('reports.retentionAnalysis.title'),
      saved,
      toSend,
      onProblems: (found) => setSaveProblems({ for: query, problems: found }),
    },
  );

  const result = run.data?.kind === 'retention' ? run.data : undefined;
  const blocked = problems.length > 0;
  const under = (prefix: string) => problemsUnder(problems, prefix);

  const maxPeriods = retentionMaxPeriods[query.unit];
  const unplaced = problems.filter((p) => !placedPrefixes.some((prefix) => isUnder(p.path, prefix))).map(problemText);
  let body: ReactNode;
  if (problems.length > 0) {
    body = (
      <Alert
        type="error"
        showIcon
        message={t('reports.result.problems', { count: problems.length })}
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
  } else if (run.error) {
    body = <ErrorResult error={run.error} onRetry={() => void run.refetch()} />;
  } else if (!result) {
    body = run.isFetching ? <Skeleton active paragraph={{ rows: 8 }} /> : <Empty description={t('reports.result.waiting')} />;
  } else {
    body = (
      <Spin spinning={run.isFetching || refresh.isPending}>
        <RetentionResultView
          result={result}
          onSaveCell={
            // 保存为群组: the cell of the question that answered (not of one still being edited).
            canSaveCells && !run.isPlaceholderData && !run.isFetching
              ? ({ users, label, ...cell }) => setCellToSave({ model: MODEL, query: settled, cell, users, label })
              : undefined
          }
        />
      </Spin>
    );
  }

  return (
    <PageContainer
      title={saved ? saved.name : t('reports.retentionAnalysis.newTitle')}
      subTitle={
        dirty ? (
          <Tag color="orange" data-testid="report-dirty">
            {t('reports.retentionAnalysis.unsaved')}
          </Tag>
        ) : undefined
      }
      extra={
        <ReportToolbar
          path={PATH}
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
      <Flex gap={token.margin} align="flex-start" data-testid="retention-analysis">
        <Card
          size="small"
          style={{ width: 520, flex: 'none' }}
          styles={{ body: { paddingTop: 0 } }}
          data-testid="report-question"
        >
          <Section title={t('reports.retentionAnalysis.initial')} testId="retention-section-initial">
            <RetentionEventSection
              value={query.initial}
              catalogue={catalogue}
              onChange={(initial) => edit({ initial })}
              problems={under('initial')}
              testId="retention-initial"
            />
          </Section>
          <Section title={t('reports.retentionAnalysis.return')} testId="retention-section-return">
            <RetentionEventSection
              value={query.return}
              catalogue={catalogue}
              onChange={(value) => edit({ return: value })}
              problems={under('return')}
              testId="retention-return"
            />
          </Section>
          <Section title={t('reports.retentionAnalysis.metric')} testId="retention-section-metric">
            <Flex vertical gap={token.marginXS}>
              <Radio.Group
                optionType="button"
                value={query.metric ?? 'retained'}
                onChange={(change) => edit({ metric: change.target.value as RetentionQuery['metric'] })}
                options={(['retained', 'churned'] as const).map((metric) => ({
                  value: metric,
                  label: t(`reports.retentionAnalysis.metrics.${metric}`),
                }))}
                data-testid="retention-metric"
              />
              <Space wrap>
                <Select<RetentionUnit>
                  value={query.unit}
                  onChange={(unit) => setQuery((current) => withUnit(current, unit))}
                  options={retentionUnits.map((unit) => ({ value: unit, label: t(`reports.retentionAnalysis.units.${unit}`) }))}
                  aria-label={t('reports.retentionAnalysis.unit')}
                  data-testid="retention-unit"
                  style={{ width: 90 }}
                />
                <Select<number>
                  value={periodPresets[query.unit].includes(query.periods) ? query.periods : undefined}
                  placeholder={t('reports.retentionAnalysis.custom')}
                  onChange={(periods) => edit({ periods })}
                  options={periodPresets[query.unit].map((n) => ({
                    value: n,
                    label:
                      n === 1
                        ? t(`reports.retentionAnalysis.next.${query.unit}`)
                        : t(`reports.retentionAnalysis.presets.${query.unit}`, { n }),
                  }))}
                  aria-label={t('reports.retentionAnalysis.preset')}
                  data-testid="retention-preset"
                  style={{ width: 120 }}
                />
                <InputNumber<number>
                  min={1}
                  max={maxPeriods}
                  precision={0}
                  value={query.periods}
                  onChange={(periods) => periods && edit({ periods: Math.min(Math.max(1, periods), maxPeriods) })}
                  addonBefore="N"
                  aria-label={t('reports.retentionAnalysis.periods')}
                  data-testid="retention-periods"
                  style={{ width: 110 }}
                />
              </Space>
              <Radio.Group
                value={query.mode ?? 'period'}
                onChange={(change) => edit({ mode: change.target.value as RetentionQuery['mode'] })}
                disabled={query.metric === 'churned'}
                options={(['period', 'onOrAfter'] as const).map((mode) => ({
                  value: mode,
                  label: t(`reports.retentionAnalysis.modes.${mode}`),
                }))}
                data-testid="retention-mode"
              />
              <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                {t(`reports.retentionAnalysis.hints.${query.metric === 'churned' ? 'churned' : (query.mode ?? 'period')}`)}
              </Typography.Text>
              <ProblemTexts
                problems={problems.filter((p) => ['periods', 'unit', 'metric', 'mode'].some((f) => isUnder(p.path, f)))}
                testId="retention-period-problem"
              />
            </Flex>
          </Section>
          <Section title={t('reports.retentionAnalysis.filters')} testId="retention-section-filters">
            <ConditionBuilder
              value={query.filters?.contacts ?? emptyTree}
              onChange={(tree) => edit({ filters: tree.conditions.length ? { contacts: tree } : {} })}
              catalogue={catalogue}
              problems={placed(under('filters.contacts'))}
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
              <ProblemTexts problems={problems.filter((p) => isUnder(p.path, 'groups'))} testId="report-groups-problem" />
            </Flex>
          </Section>
          <Section title={t('reports.retentionAnalysis.time')} testId="report-section-time">
            <Flex vertical gap={token.marginXS}>
              <TimeRangeInput
                value={query.timeRange}
                onChange={(timeRange: TimeRange) => edit({ timeRange })}
                timeType="date"
                timeZone={catalogue.timeZone}
                testId="report-time"
                status={problems.some((p) => isUnder(p.path, 'timeRange')) ? 'error' : undefined}
              />
              <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                {t('reports.retentionAnalysis.timeHint')}
              </Typography.Text>
              <ProblemTexts problems={problems.filter((p) => isUnder(p.path, 'timeRange'))} testId="report-time-problem" />
            </Flex>
          </Section>
        </Card>
        <Card size="small" style={{ flex: 1, minWidth: 0 }} data-testid="report-result">
          <Flex vertical gap={16}>
            {result && !run.error && problems.length === 0 && <ComputedAt result={result} />}
            {body}
          </Flex>
        </Card>
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
 * 报表分析 → 留存分析 (seed §1.7.7): /analytics/retention builds a new question,
 * /analytics/retention/:reportId opens a saved report. Without any event there is nothing to analyse.
 */
export default function RetentionAnalysisPage() {
  const { t } = useTranslation();
  return <ReportPage title={t('reports.retentionAnalysis.title')} testId="retention-analysis" builder={RetentionBuilder} />;
}
