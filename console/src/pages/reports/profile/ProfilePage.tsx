import { DownloadOutlined, LockOutlined } from '@ant-design/icons';
import { PageContainer } from '@ant-design/pro-components';
import type { ProfileGroup, ProfileQuery, ProfileReportResult, ProfileView } from '@huiliu/core/reports';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Empty, Flex, Input, Row, Select, Table, Tabs, Tag, Typography, theme } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { selectionKey, selectionKeys, selectionsApi } from '../../../api/group-selections';
import { reportKeys, reportsApi, type SavedReport } from '../../../api/reports';
import { ErrorResult } from '../../../components/ErrorResult';
import { formatDateTime } from '../../../utils/format';
import { ReportDialogs } from '../ReportDialogs';
import { ReportPage } from '../ReportPage';
import { ReportToolbar } from '../ReportToolbar';
import { useReportActions } from '../use-report-actions';
import { ProfileChart, useChinaMap } from './ProfileChart';
import { distributionOption, heatmapOption, mapOption, percent, pieOption, regionRows, type ProfileLabels } from './profile-view';

const MODEL = 'profile';
const PATH = '/analytics/profile';
const ALL = 'all';
/** 周日..周六, as the seed orders them. */
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

type Naming = { kind: 'save' | 'saveAs' | 'rename' };

/** The picker's key of a profiled group: `all`, `group:<id>`, `exclusive:<id>:<position>`. */
export function profileGroupKey(group: ProfileGroup): string {
  return group.type === 'all' ? ALL : selectionKey(group);
}

function groupOfKey(key: string): ProfileGroup {
  const [type, id, position] = key.split(':');
  if (type === 'group' && id) return { type, groupId: id };
  if (type === 'exclusive' && id && position) return { type, exclusiveGroupId: id, position: Number(position) };
  return { type: 'all' };
}

/** A saved query as the page edits it (a missing view is 时域分析). */
function editableQuery(query: unknown): ProfileQuery {
  const value = (query ?? {}) as Partial<ProfileQuery>;
  return { group: value.group ?? { type: 'all' }, view: value.view ?? 'time', ...(value.search ? { search: value.search } : {}) };
}

/** What is sent (saved, exported): the search only when there is one. */
function queryToSend(query: ProfileQuery): ProfileQuery {
  const search = query.search?.trim();
  return { group: query.group, view: query.view ?? 'time', ...(search ? { search } : {}) };
}

function useProfileLabels(): ProfileLabels {
  const { t } = useTranslation();
  return useMemo(
    () => ({
      weekdays: WEEKDAYS.map((day) => t(`reports.profile.weekdays.${day}`)),
      hour: (hour: number) => t('reports.profile.hour', { hour }),
      users: t('reports.profile.users'),
      share: t('reports.profile.share'),
    }),
    [t],
  );
}

/** 选择标签组: 全部用户, a group (static, dynamic, WeChat fans) or a segment of a 互斥组 — one at a time. */
function ProfileGroupSelect({ value, onChange }: { value: ProfileGroup; onChange: (group: ProfileGroup) => void }) {
  const { t } = useTranslation();
  const choices = useQuery({ queryKey: selectionKeys.choices, queryFn: selectionsApi.choices });
  const options = [
    { value: ALL, label: t('reports.profile.allContacts') },
    {
      label: t('groupSelections.picker.groups'),
      title: 'groups',
      options: (choices.data?.groups ?? []).map((g) => ({
        value: selectionKey({ type: 'group', groupId: g.id }),
        label: `${g.name}（${t(`groups.kind.${g.kind}` as 'groups.kind.static')}）`,
      })),
    },
    ...(choices.data?.exclusiveGroups ?? []).map((x) => ({
      label: `${t('groupSelections.picker.exclusive')}：${x.name}`,
      title: `exclusive-${x.id}`,
      options: x.segments.map((s) => ({
        value: selectionKey({ type: 'exclusive', exclusiveGroupId: x.id, position: s.position }),
        label: `${x.name} / ${s.position}. ${s.name}`,
      })),
    })),
  ];
  return (
    <Select<string>
      showSearch
      optionFilterProp="label"
      value={profileGroupKey(value)}
      onChange={(key) => onChange(groupOfKey(key))}
      options={options}
      loading={choices.isLoading}
      aria-label={t('reports.profile.group')}
      data-testid="profile-group"
      style={{ width: 320 }}
    />
  );
}

function TimeTab({ result, loading, name }: { result?: ProfileReportResult; loading: boolean; name: string }) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const labels = useProfileLabels();
  if (!result) return <Card loading={loading} />;
  const hours = Array.from({ length: 24 }, (_, hour) => labels.hour(hour));
  return (
    <Flex vertical gap={token.margin} data-testid="profile-time">
      {result.time.total === 0 && (
        <Alert type="info" showIcon message={t('reports.profile.noCreated')} data-testid="profile-time-empty" />
      )}
      <ProfileChart
        title={t('reports.profile.heatmap')}
        option={heatmapOption(result, labels)}
        fileName={`${name}-${t('reports.profile.heatmap')}`}
        height={360}
        loading={loading}
        testId="profile-heatmap"
      />
      <Row gutter={token.margin}>
        <Col xs={24} xl={10}>
          <ProfileChart
            title={t('reports.profile.weekdayChart')}
            option={distributionOption(labels.weekdays, result.time.weekdays, labels)}
            fileName={`${name}-${t('reports.profile.weekdayChart')}`}
            loading={loading}
            testId="profile-weekdays"
          />
        </Col>
        <Col xs={24} xl={14}>
          <ProfileChart
            title={t('reports.profile.hourChart')}
            option={distributionOption(hours, result.time.hours, labels)}
            fileName={`${name}-${t('reports.profile.hourChart')}`}
            loading={loading}
            testId="profile-hours"
          />
        </Col>
      </Row>
      <Typography.Text type="secondary" data-testid="profile-time-note">
        {t('reports.profile.timeNote', {
          total: result.time.total.toLocaleString(),
          without: result.time.withoutCreatedTime.toLocaleString(),
        })}
      </Typography.Text>
    </Flex>
  );
}

function RegionTab({
  result,
  loading,
  name,
  search,
  onSearch,
  canExport,
  exporting,
  onExport,
}: {
  result?: ProfileReportResult;
  loading: boolean;
  name: string;
  search: string;
  onSearch: (search: string) => void;
  canExport: boolean;
  exporting: boolean;
  onExport: () => void;
}) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const labels = useProfileLabels();
  const map = useChinaMap();
  if (!result) return <Card loading={loading} />;
  // 省份 is masked for this staff member (ADR 0069): the answer holds no province at all.
  if (result.region.masked)
    return (
      <Card data-testid="profile-region-masked">
        <Empty
          image={<LockOutlined style={{ fontSize: 48, color: token.colorTextTertiary }} />}
          description={t('reports.profile.regionMasked')}
        />
      </Card>
    );
  const rows = regionRows(result, search);
  return (
    <Flex vertical gap={token.margin} data-testid="profile-region">
      <Row gutter={token.margin}>
        <Col xs={24} xl={14}>
          {map.error ? (
            <ErrorResult error={map.error} />
          ) : (
            <ProfileChart
              title={t('reports.profile.map')}
              option={mapOption(result, labels)}
              fileName={`${name}-${t('reports.profile.map')}`}
              height={420}
              loading={loading || !map.ready}
              testId="profile-map"
            />
          )}
        </Col>
        <Col xs={24} xl={10}>
          <ProfileChart
            title={t('reports.profile.pie')}
            option={pieOption(result, labels)}
            fileName={`${name}-${t('reports.profile.pie')}`}
            height={420}
            loading={loading}
            testId="profile-pie"
          />
        </Col>
      </Row>
      <Card
        size="small"
        title={t('reports.profile.table')}
        extra={
          <Flex gap={token.marginXS}>
            <Input.Search
              allowClear
              size="small"
              value={search}
              onChange={(event) => onSearch(event.target.value)}
              placeholder={t('reports.profile.searchPlaceholder')}
              aria-label={t('reports.profile.search')}
              data-testid="profile-region-search"
              style={{ width: 200 }}
            />
            <Button
              size="small"
              icon={<DownloadOutlined />}
              disabled={!canExport}
              loading={exporting}
              onClick={onExport}
              data-testid="profile-region-export"
            >
              {t('reports.profile.exportData')}
            </Button>
          </Flex>
        }
      >
        <Table
          size="small"
          rowKey="name"
          loading={loading}
          dataSource={rows}
          pagination={false}
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('reports.profile.noRegion')} /> }}
          columns={[
            { key: 'name', dataIndex: 'name', title: t('reports.profile.province') },
            {
              key: 'count',
              dataIndex: 'count',
              title: t('reports.profile.users'),
              align: 'right',
              render: (count: number) => count.toLocaleString(),
            },
            {
              key: 'share',
              dataIndex: 'share',
              title: t('reports.profile.share'),
              align: 'right',
              render: (share: number | null) => percent(share),
            },
          ]}
          data-testid="profile-region-table"
        />
      </Card>
    </Flex>
  );
}

function ProfileBuilder({ saved }: { saved?: SavedReport }) {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const [query, setQuery] = useState<ProfileQuery>(() => editableQuery(saved?.query));
  const [naming, setNaming] = useState<Naming>();
  const toSend = useMemo(() => queryToSend(query), [query]);
  const savedQuery = useMemo(() => (saved ? JSON.stringify(queryToSend(editableQuery(saved.query))) : undefined), [saved]);
  const dirty = saved !== undefined && savedQuery !== JSON.stringify(toSend);
  // One answer holds both tabs: the run asks for the group only, the tab and search stay on the page.
  const asked = useMemo(() => ({ group: query.group }), [query.group]);
  const run = useQuery({
    queryKey: reportKeys.run(MODEL, asked),
    queryFn: ({ signal }) => reportsApi.run(MODEL, asked, false, signal),
    placeholderData: keepPreviousData,
    staleTime: 60_000,
    refetchOnWindowFocus: false,
    retry: false,
  });
  const { canEdit, canDelete, refresh, exportFile, onSaved, onSaveError, save, remove, history } = useReportActions({
    model: MODEL,
    path: PATH,
    title: t('reports.profile.title'),
    saved,
    toSend,
    onProblems: () => undefined,
  });
  const result = run.data?.kind === 'profile' ? run.data : undefined;
  const loading = run.isFetching;
  const view = query.view ?? 'time';
  const name = saved?.name ?? result?.group.name ?? t('reports.profile.title');

  return (
    <PageContainer
      title={saved ? saved.name : t('reports.profile.title')}
      subTitle={
        dirty ? (
          <Tag color="orange" data-testid="report-dirty">
            {t('reports.profile.unsaved')}
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
          canDashboard={false}
          addToDashboard={false}
          refreshable={false}
          blocked={!result}
          save={save}
          exportFile={exportFile}
          refresh={refresh}
          remove={remove}
          onNaming={(kind) => setNaming({ kind })}
          onAddToDashboard={() => undefined}
        />
      }
    >
      <Flex vertical gap={token.margin} data-testid="profile-page">
        <Card size="small">
          <Flex gap={token.margin} align="center" wrap>
            <Typography.Text>{t('reports.profile.group')}</Typography.Text>
            <ProfileGroupSelect value={query.group} onChange={(group) => setQuery((current) => ({ ...current, group }))} />
            {result && (
              <Typography.Text type="secondary" data-testid="profile-updated-at">
                {t('reports.profile.updatedAt', { time: formatDateTime(result.updatedAt, result.timeZone) })}
              </Typography.Text>
            )}
            <Typography.Text type="secondary">{t('reports.profile.dailyHint')}</Typography.Text>
            {result && (
              <Typography.Text data-testid="profile-members">
                {t('reports.profile.members', { count: result.members, formatted: result.members.toLocaleString() })}
              </Typography.Text>
            )}
          </Flex>
        </Card>
        {run.isError ? (
          <ErrorResult error={run.error} onRetry={() => void run.refetch()} />
        ) : (
          <Tabs
            activeKey={view}
            onChange={(key) => setQuery((current) => ({ ...current, view: key as ProfileView }))}
            data-testid="profile-tabs"
            items={[
              {
                key: 'time',
                label: t('reports.profile.time'),
                children: <TimeTab result={result} loading={loading} name={name} />,
              },
              {
                key: 'region',
                label: t('reports.profile.region'),
                children: (
                  <RegionTab
                    result={result}
                    loading={loading}
                    name={name}
                    search={query.search ?? ''}
                    onSearch={(search) => setQuery((current) => ({ ...current, search }))}
                    canExport={canEdit && result !== undefined}
                    exporting={exportFile.isPending}
                    onExport={() => exportFile.mutate('csv')}
                  />
                ),
              },
            ]}
          />
        )}
      </Flex>
      <ReportDialogs
        model={MODEL}
        saved={saved}
        naming={naming}
        onNamingClose={() => setNaming(undefined)}
        toSend={toSend}
        onSaved={onSaved}
        onSaveError={onSaveError}
        addingToDashboard={false}
        onDashboardClose={() => undefined}
      />
    </PageContainer>
  );
}

/**
 * 报表分析 → 用户画像 (seed §1.7.5; ADR 0061): 时域分析 and 地域分析 of one group from its daily snapshot
 * (最近更新时间; every day at 02:00). /analytics/profile asks a new question, /analytics/profile/:reportId
 * opens a saved one. Never on dashboards: no 添加到仪表盘.
 */
export default function ProfilePage() {
  const { t } = useTranslation();
  return <ReportPage title={t('reports.profile.title')} testId="profile" builder={ProfileBuilder} needsEvents={false} />;
}
