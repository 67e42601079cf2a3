import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { PageContainer } from '@ant-design/pro-components';
import type { ConditionCatalogue, ConditionTree, TimeRange } from '@huiliu/core/conditions';
import { pathLimits, reportLimits, type PathQuery, type PathReportResult } from '@huiliu/core/reports';
import {
  Alert,
  Button,
  Card,
  Divider,
  Empty,
  Flex,
  InputNumber,
  Radio,
  Segmented,
  Select,
  Skeleton,
  Space,
  Spin,
  Switch,
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
import { matchOption } from '../../../components/conditions/PropertySelect';
import { TimeRangeInput } from '../../../components/conditions/TimeRangeInput';
import { ErrorResult } from '../../../components/ErrorResult';
import { GroupPicker } from '../../../components/GroupPicker';
import { errorText as translateError } from '../../../i18n';
import { ReportDialogs } from '../ReportDialogs';
import { ReportPage } from '../ReportPage';
import { ReportToolbar } from '../ReportToolbar';
import { useReportActions, useReportRun } from '../use-report-actions';
import { placed, problemsUnder, type QueryProblem } from '../event/query-state';
import { ComputedAt } from '../event/ResultPanel';
import { RetentionEventSection } from '../retention/EventSection';
import { PathChart, PathTable } from './PathChart';
import { defaultQuery, dimensionProperties, editableQuery, nextLayer, queryToSend, withoutEvent } from './query-state';

const MODEL = 'path';
const PATH = '/analytics/path';
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
const placedPrefixes = ['events', 'anchor', 'interval', 'dimension', 'filters.contacts', 'groups', 'timeRange'];

/** The answer: layers and nodes controls, 展开下一层, the sankey of one path (a group's) and the table of nodes. */
function PathResult({
  result,
  query,
  onChange,
  loading,
  error,
  problems,
  onRetry,
}: {
  result: PathReportResult | undefined;
  query: PathQuery;
  onChange: (change: Partial<PathQuery>) => void;
  loading: boolean;
  error: unknown;
  problems: QueryProblem[];
  onRetry: () => void;
}) {
  const { t } = useTranslation();
  const [group, setGroup] = useState(0);
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
    const shown = result.paths[Math.min(group, result.paths.length - 1)];
    const empty = result.paths.every((p) => p.nodes.length === 0);
    const more = result.paths.some((p) => p.more);
    body = (
      <Spin spinning={loading}>
        <Flex vertical gap={16}>
          <Flex gap={12} align="center" wrap>
            <Space size={4}>
              <Typography.Text type="secondary">{t('reports.pathAnalysis.layers')}</Typography.Text>
              <InputNumber
                size="small"
                min={1}
                max={pathLimits.maxLayers}
                precision={0}
                value={query.layers}
                onChange={(value) => value && onChange({ layers: value })}
                data-testid="path-layers"
              />
            </Space>
            <Space size={4}>
              <Typography.Text type="secondary">{t('reports.pathAnalysis.nodes')}</Typography.Text>
              <InputNumber
                size="small"
                min={1}
                max={pathLimits.maxNodes}
                precision={0}
                value={query.nodes}
                onChange={(value) => value && onChange({ nodes: value })}
                data-testid="path-nodes"
              />
            </Space>
            <Tooltip
              title={
                query.layers >= pathLimits.maxLayers
                  ? t('reports.pathAnalysis.maxLayers', { count: pathLimits.maxLayers })
                  : undefined
              }
            >
              <Button
                size="small"
                icon={<PlusOutlined />}
                disabled={!more || query.layers >= pathLimits.maxLayers}
                onClick={() => onChange(nextLayer(query))}
                data-testid="path-next-layer"
              >
                {t('reports.pathAnalysis.nextLayer')}
              </Button>
            </Tooltip>
            {result.groups.length > 0 && (
              <Segmented
                size="small"
                value={Math.min(group, result.paths.length - 1)}
                onChange={(value) => setGroup(Number(value))}
                options={result.groups.map((g, index) => ({ value: index, label: g.name }))}
                data-testid="path-group"
              />
            )}
          </Flex>
          {empty ? (
            <Empty description={t('reports.pathAnalysis.empty')} data-testid="report-result-empty" />
          ) : (
            <>
              <PathChart result={result} path={shown} />
              <PathTable result={result} />
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
function PathBuilder({ catalogue, saved }: { catalogue: ConditionCatalogue; saved?: SavedReport }) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const [query, setQuery] = useState<PathQuery>(() => (saved ? editableQuery(saved.query) : defaultQuery(catalogue)!));
  const [naming, setNaming] = useState<Naming>();
  const [addingToDashboard, setAddingToDashboard] = useState(false);
  const [saveProblems, setSaveProblems] = useState<{ for: PathQuery; problems: QueryProblem[] }>();
  const edit = (change: Partial<PathQuery>) => setQuery((current) => ({ ...current, ...change }));

  const toSend = useMemo(() => queryToSend(query), [query]);
  const savedQuery = useMemo(() => (saved ? JSON.stringify(queryToSend(editableQuery(saved.query))) : undefined), [saved]);
  const dirty = saved !== undefined && savedQuery !== JSON.stringify(toSend);
  const { run, runProblems } = useReportRun(MODEL, toSend);
  const problems = [...runProblems, ...(saveProblems?.for === query ? saveProblems.problems : [])];

  const { canEdit, canDelete, canDashboard, refresh, exportFile, onSaved, onSaveError, save, remove, history } = useReportActions(
    {
      model: MODEL,
      path: PATH,
      title: t('reports.pathAnalysis.title'),
      saved,
      toSend,
      onProblems: (found) => setSaveProblems({ for: query, problems: found }),
    },
  );

  const result = run.data?.kind === 'path' ? run.data : undefined;
  const blocked = problems.length > 0;
  const builderContext = useMemo(() => ({ catalogue, problems: placeProblems(emptyTree, []), disabled: false }), [catalogue]);
  const eventName = (code: string) => catalogue.events.find((e) => e.code === code)?.name ?? code;
  const properties = dimensionProperties(query, catalogue);
  const first = catalogue.events[0];

  return (
    <PageContainer
      title={saved ? saved.name : t('reports.pathAnalysis.newTitle')}
      subTitle={
        dirty ? (
          <Tag color="orange" data-testid="report-dirty">
            {t('reports.pathAnalysis.unsaved')}
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
      <Flex gap={token.margin} align="flex-start" data-testid="path-analysis">
        <Card
          size="small"
          style={{ width: 520, flex: 'none' }}
          styles={{ body: { paddingTop: 0 } }}
          data-testid="report-question"
        >
          <BuilderContext.Provider value={builderContext}>
            <Section title={t('reports.pathAnalysis.events')} testId="report-section-events">
              <Flex vertical gap={token.marginXS}>
                <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                  {t('reports.pathAnalysis.eventsHint')}
                </Typography.Text>
                {query.events.map((item, index) => (
                  <Flex key={index} gap={token.marginXXS} align="flex-start">
                    <div style={{ flex: 1, minWidth: 0 }}>
                      <RetentionEventSection
                        value={item}
                        catalogue={catalogue}
                        onChange={(next) => edit({ events: query.events.map((current, at) => (at === index ? next : current)) })}
                        problems={placed(problemsUnder(problems, `events.${index}`))}
                        testId={`path-event-${index}`}
                      />
                    </div>
                    <Button
                      type="text"
                      size="small"
                      icon={<DeleteOutlined />}
                      disabled={query.events.length <= 1}
                      onClick={() => setQuery(withoutEvent(query, index))}
                      aria-label={t('reports.pathAnalysis.removeEvent')}
                      data-testid={`path-event-${index}-remove`}
                    />
                  </Flex>
                ))}
                <Button
                  type="link"
                  size="small"
                  icon={<PlusOutlined />}
                  disabled={!first || query.events.length >= pathLimits.events}
                  onClick={() => first && edit({ events: [...query.events, { event: first.code }] })}
                  data-testid="path-add-event"
                  style={{ alignSelf: 'flex-start' }}
                >
                  {t('reports.pathAnalysis.addEvent')}
                </Button>
              </Flex>
            </Section>
            <Section title={t('reports.pathAnalysis.anchor')} testId="report-section-anchor">
              <Flex vertical gap={token.marginXS}>
                <Space wrap>
                  <Radio.Group
                    optionType="button"
                    value={query.anchor.kind}
                    onChange={(change) => edit({ anchor: { ...query.anchor, kind: change.target.value as 'start' | 'end' } })}
                    options={(['start', 'end'] as const).map((kind) => ({
                      value: kind,
                      label: <span data-testid={`path-anchor-${kind}`}>{t(`reports.pathAnalysis.anchors.${kind}`)}</span>,
                    }))}
                    aria-label={t('reports.pathAnalysis.anchor')}
                  />
                  <Select<number>
                    value={Math.min(query.anchor.event, query.events.length - 1)}
                    onChange={(event) => edit({ anchor: { ...query.anchor, event } })}
                    options={query.events.map((item, index) => ({
                      value: index,
                      label: `${index + 1}. ${eventName(item.event)}`,
                    }))}
                    aria-label={t('reports.pathAnalysis.anchorEvent')}
                    data-testid="path-anchor-event"
                    status={errorIf(problems.some((p) => p.path.startsWith('anchor')))}
                    popupMatchSelectWidth={false}
                    style={{ minWidth: 160 }}
                  />
                </Space>
                <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                  {t(`reports.pathAnalysis.anchorHints.${query.anchor.kind}`)}
                </Typography.Text>
                <Problems problems={problems.filter((p) => p.path.startsWith('anchor'))} testId="path-anchor-problem" />
              </Flex>
            </Section>
            <Section title={t('reports.pathAnalysis.interval')} testId="report-section-interval">
              <Flex vertical gap={token.marginXS}>
                <Space.Compact>
                  <InputNumber
                    min={1}
                    max={query.interval.unit === 'hour' ? pathLimits.maxIntervalMinutes / 60 : pathLimits.maxIntervalMinutes}
                    precision={0}
                    value={query.interval.value}
                    onChange={(value) => value && edit({ interval: { ...query.interval, value } })}
                    aria-label={t('reports.pathAnalysis.interval')}
                    data-testid="path-interval"
                    status={errorIf(problems.some((p) => p.path.startsWith('interval')))}
                  />
                  <Select<'minute' | 'hour'>
                    value={query.interval.unit}
                    onChange={(unit) =>
                      edit({
                        interval: { unit, value: unit === 'hour' ? Math.min(query.interval.value, 24) : query.interval.value },
                      })
                    }
                    options={(['minute', 'hour'] as const).map((unit) => ({
                      value: unit,
                      label: t(`reports.pathAnalysis.units.${unit}`),
                    }))}
                    aria-label={t('reports.pathAnalysis.intervalUnit')}
                    data-testid="path-interval-unit"
                    style={{ width: 90 }}
                  />
                </Space.Compact>
                <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                  {t('reports.pathAnalysis.intervalHint')}
                </Typography.Text>
              </Flex>
            </Section>
            <Section title={t('reports.pathAnalysis.dimension')} testId="report-section-dimension">
              <Flex vertical gap={token.marginXXS}>
                <Select<string>
                  allowClear
                  showSearch
                  filterOption={matchOption}
                  value={query.dimension?.property}
                  onChange={(property) => edit({ dimension: property ? { property } : undefined })}
                  options={properties.map((p) => ({ value: p.key, label: p.name }))}
                  placeholder={t('reports.pathAnalysis.noDimension')}
                  aria-label={t('reports.pathAnalysis.dimension')}
                  data-testid="path-dimension"
                  status={errorIf(problems.some((p) => p.path.startsWith('dimension')))}
                  style={{ width: 260 }}
                />
                <Problems problems={problems.filter((p) => p.path.startsWith('dimension'))} testId="path-dimension-problem" />
              </Flex>
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
            <Section title={t('reports.pathAnalysis.merge')} testId="report-section-merge">
              <Space>
                <Switch checked={query.merge} onChange={(merge) => edit({ merge })} data-testid="path-merge" />
                <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                  {t('reports.pathAnalysis.mergeHint')}
                </Typography.Text>
              </Space>
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
          <PathResult
            result={blocked ? undefined : result}
            query={query}
            onChange={edit}
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
 * 报表分析 → 路径分析 (seed §1.7.8; ADR 0058): /analytics/path builds a new question,
 * /analytics/path/:reportId opens a saved report.
 */
export default function PathAnalysisPage() {
  const { t } = useTranslation();
  return <ReportPage title={t('reports.pathAnalysis.title')} testId="path-analysis" builder={PathBuilder} />;
}
