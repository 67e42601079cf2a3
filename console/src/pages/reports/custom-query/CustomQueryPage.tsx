import { CaretRightOutlined } from '@ant-design/icons';
import { PageContainer } from '@ant-design/pro-components';
import type { ConditionCatalogue } from '@huiliu/core/conditions';
import type { TableReportResult } from '@huiliu/core/reports';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Collapse, Empty, Flex, Input, Skeleton, Space, Spin, Table, Tag, theme, Typography } from 'antd';
import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { CUSTOM_QUERY_ROWS, reportKeys, reportsApi, type OperatorView, type SavedReport } from '../../../api/reports';
import { ErrorResult } from '../../../components/ErrorResult';
import { useErrorText } from '../../../utils/errors';
import { formatNumber } from '../../../utils/format';
import { ReportDialogs } from '../ReportDialogs';
import { ReportPage } from '../ReportPage';
import { ReportToolbar } from '../ReportToolbar';
import { ComputedAt } from '../event/ResultPanel';
import { serverProblems, useReportActions, type ReportProblem } from '../use-report-actions';

const MODEL = 'customQuery';
const PATH = '/analytics/sql';
const MONOSPACE = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace';

const sqlOf = (saved?: SavedReport) => {
  const query = saved?.query as { sql?: unknown } | undefined;
  return typeof query?.sql === 'string' ? query.sql : '';
};

/** A cell's text: lists and structs as JSON, nothing as empty. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** 可查询的表: event_view and contact_view with their columns; a click inserts the column's name. */
function ViewsPanel({ onInsert }: { onInsert: (name: string) => void }) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const views = useQuery({ queryKey: reportKeys.views, queryFn: reportsApi.views, staleTime: 60_000 });
  const matches = (view: OperatorView) => {
    const needle = search.trim().toLowerCase();
    return needle
      ? view.columns.filter((c) => c.name.toLowerCase().includes(needle) || (c.label ?? '').toLowerCase().includes(needle))
      : view.columns;
  };
  let body;
  if (views.isPending) body = <Skeleton active paragraph={{ rows: 8 }} />;
  else if (views.isError) body = <ErrorResult error={views.error} onRetry={() => void views.refetch()} />;
  else if (views.data.items.every((view) => view.columns.length === 0))
    body = <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('reports.customQuery.viewsEmpty')} />;
  else
    body = (
      <Collapse
        size="small"
        defaultActiveKey={views.data.items.map((view) => view.name)}
        items={views.data.items.map((view) => ({
          key: view.name,
          label: (
            <Typography.Link
              style={{ fontFamily: MONOSPACE }}
              onClick={(event) => {
                event.stopPropagation();
                onInsert(view.name);
              }}
              data-testid={`custom-query-view-${view.name}`}
            >
              {view.name}
            </Typography.Link>
          ),
          children: (
            <Flex
              vertical
              gap={2}
              style={{ maxHeight: 320, overflowY: 'auto' }}
              data-testid={`custom-query-columns-${view.name}`}
            >
              {matches(view).map((column) => (
                <Flex key={column.name} justify="space-between" gap={8}>
                  <Typography.Link
                    style={{ fontFamily: MONOSPACE, fontSize: 12 }}
                    onClick={() => onInsert(column.name)}
                    title={column.label}
                  >
                    {column.name}
                  </Typography.Link>
                  <Typography.Text type="secondary" ellipsis style={{ fontSize: 12, maxWidth: 110 }}>
                    {column.label ?? column.type}
                  </Typography.Text>
                </Flex>
              ))}
            </Flex>
          ),
        }))}
      />
    );
  return (
    <Card
      size="small"
      title={t('reports.customQuery.views')}
      style={{ width: 300, flex: 'none' }}
      data-testid="custom-query-views"
    >
      <Flex vertical gap={8}>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('reports.customQuery.viewsHint')}
        </Typography.Text>
        <Input.Search allowClear placeholder={t('reports.customQuery.search')} onChange={(e) => setSearch(e.target.value)} />
        {body}
      </Flex>
    </Card>
  );
}

/** The answer: its rows (at most 1,000), the count, and the truncation notice. */
function ResultTable({ result }: { result: TableReportResult }) {
  const { t, i18n } = useTranslation();
  const n = (value: number) => formatNumber(value, i18n.language);
  return (
    <Flex vertical gap={8}>
      {result.truncated && (
        <Alert
          type="warning"
          showIcon
          message={t('reports.customQuery.truncated', {
            shown: n(CUSTOM_QUERY_ROWS.shown),
            exported: n(CUSTOM_QUERY_ROWS.exported),
          })}
          data-testid="custom-query-truncated"
        />
      )}
      <Typography.Text type="secondary" data-testid="custom-query-count">
        {t('reports.customQuery.rows', { formatted: n(result.rows.length) })}
      </Typography.Text>
      <Table
        size="small"
        rowKey={(_, index) => String(index)}
        columns={result.columns.map((column) => ({
          key: column.name,
          title: (
            <span title={column.type} style={{ fontFamily: MONOSPACE }}>
              {column.name}
            </span>
          ),
          dataIndex: column.name,
          render: (value: unknown) => cellText(value),
        }))}
        dataSource={result.rows}
        pagination={{ pageSize: 50, showSizeChanger: false, hideOnSinglePage: true }}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('reports.customQuery.noRows') }}
        data-testid="custom-query-rows"
      />
    </Flex>
  );
}

type Naming = { kind: 'save' | 'saveAs' | 'rename' } | undefined;

/** The editor over one question: new (`saved` absent) or a saved report's. */
function CustomQueryBuilder({ saved }: { catalogue: ConditionCatalogue; saved?: SavedReport }) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const errorText = useErrorText();
  const [sql, setSql] = useState(() => sqlOf(saved));
  // What 运行 ran last: a saved report runs as it opens; typing does not run anything.
  const [submitted, setSubmitted] = useState<string | undefined>(() => (saved ? sqlOf(saved) : undefined));
  const [naming, setNaming] = useState<Naming>();
  const [addingToDashboard, setAddingToDashboard] = useState(false);
  const [saveProblems, setSaveProblems] = useState<{ for: string; problems: ReportProblem[] }>();
  const [emptyRun, setEmptyRun] = useState(false);
  const editor = useRef<HTMLTextAreaElement | null>(null);

  const toSend = useMemo(() => ({ sql }), [sql]);
  const dirty = saved !== undefined && sqlOf(saved) !== sql;
  const run = useQuery({
    queryKey: reportKeys.run(MODEL, { sql: submitted }),
    queryFn: ({ signal }) => reportsApi.run(MODEL, { sql: submitted }, false, signal),
    enabled: submitted !== undefined && submitted.trim() !== '',
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    retry: false,
  });
  const runProblems = serverProblems(run.error);
  const problems = [...(submitted === sql ? runProblems : []), ...(saveProblems?.for === sql ? saveProblems.problems : [])];
  const { canEdit, canDelete, canDashboard, refresh, exportFile, onSaved, onSaveError, save, remove, history } = useReportActions(
    {
      model: MODEL,
      path: PATH,
      title: t('reports.customQuery.title'),
      saved,
      toSend,
      onProblems: (found) => setSaveProblems({ for: sql, problems: found }),
    },
  );
  const result = run.data?.kind === 'table' ? run.data : undefined;
  const start = () => {
    setEmptyRun(sql.trim() === '');
    if (sql.trim() === '') return;
    if (submitted === sql) void run.refetch();
    else setSubmitted(sql);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      start();
    }
  };
  /** Inserts a name at the caret (with a space before it when it would stick to a word). */
  const insert = (name: string) => {
    const element = editor.current;
    const at = element?.selectionStart ?? sql.length;
    const end = element?.selectionEnd ?? at;
    const before = sql.slice(0, at);
    const text = (before && /[\w.]$/.test(before) ? ' ' : '') + name;
    setSql(before + text + sql.slice(end));
    requestAnimationFrame(() => {
      element?.focus();
      element?.setSelectionRange(at + text.length, at + text.length);
    });
  };

  let body;
  if (run.error && runProblems.length === 0) body = <ErrorResult error={run.error} onRetry={() => void run.refetch()} />;
  else if (run.error) body = null;
  else if (!result)
    body = run.isFetching ? (
      <Skeleton active paragraph={{ rows: 8 }} />
    ) : (
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('reports.customQuery.waiting')} />
    );
  else
    body = (
      <Spin spinning={run.isFetching || refresh.isPending}>
        <ResultTable result={result} />
      </Spin>
    );

  return (
    <PageContainer
      title={saved ? saved.name : t('reports.customQuery.newTitle')}
      subTitle={
        dirty ? (
          <Tag color="orange" data-testid="report-dirty">
            {t('reports.customQuery.unsaved')}
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
          blocked={sql.trim() === '' || problems.length > 0}
          save={save}
          exportFile={exportFile}
          refresh={refresh}
          remove={remove}
          onNaming={(kind) => setNaming({ kind })}
          onAddToDashboard={() => setAddingToDashboard(true)}
        />
      }
    >
      <Flex gap={token.margin} align="flex-start" data-testid="custom-query">
        <ViewsPanel onInsert={insert} />
        <Flex vertical gap={token.margin} style={{ flex: 1, minWidth: 0 }}>
          <Card size="small" data-testid="report-question">
            <Flex vertical gap={8}>
              <Input.TextArea
                ref={(instance) => {
                  editor.current = instance?.resizableTextArea?.textArea ?? null;
                }}
                value={sql}
                onChange={(event) => {
                  setSql(event.target.value);
                  setEmptyRun(false);
                }}
                onKeyDown={onKeyDown}
                placeholder={t('reports.customQuery.placeholder')}
                autoSize={{ minRows: 8, maxRows: 24 }}
                spellCheck={false}
                status={problems.length || emptyRun ? 'error' : undefined}
                style={{ fontFamily: MONOSPACE, fontSize: 13 }}
                aria-label={t('reports.customQuery.editor')}
                data-testid="custom-query-sql"
              />
              {(problems.length > 0 || emptyRun) && (
                <Alert
                  type="error"
                  showIcon
                  message={
                    emptyRun
                      ? t('reports.customQuery.sqlRequired')
                      : // The run's own message names what was refused (`SQL 不能使用 getenv()`, the engine's error).
                        submitted === sql && run.error
                        ? errorText(run.error)
                        : t('reports.customQuery.error')
                  }
                  description={
                    problems.length ? (
                      <Space direction="vertical" size={2}>
                        {problems.map((problem, index) => (
                          <Typography.Text key={index} style={{ fontFamily: MONOSPACE, whiteSpace: 'pre-wrap' }}>
                            {problem.message ?? problem.code}
                          </Typography.Text>
                        ))}
                      </Space>
                    ) : undefined
                  }
                  data-testid="custom-query-error"
                />
              )}
              <Flex justify="space-between" align="center">
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('reports.customQuery.runHint')}
                </Typography.Text>
                <Button
                  type="primary"
                  icon={<CaretRightOutlined />}
                  loading={run.isFetching}
                  onClick={start}
                  data-testid="custom-query-run"
                >
                  {t('reports.customQuery.run')}
                </Button>
              </Flex>
            </Flex>
          </Card>
          <Card size="small" data-testid="report-result">
            <Flex vertical gap={12}>
              {result && !run.error && <ComputedAt result={result} />}
              {body}
            </Flex>
          </Card>
        </Flex>
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
 * 报表分析 → 自定义查询 (seed §1.7.12; ADR 0062): SQL over event_view and contact_view, run in the
 * operator-SQL sandbox. /analytics/sql writes a new query, /analytics/sql/:reportId opens a saved one.
 */
export default function CustomQueryPage() {
  const { t } = useTranslation();
  return <ReportPage title={t('reports.customQuery.title')} testId="custom-query" builder={CustomQueryBuilder} />;
}
