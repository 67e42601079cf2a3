import { ListEmpty } from '../../components/ListEmpty';
import type { ProColumns } from '@ant-design/pro-components';
import { useQuery } from '@tanstack/react-query';
import { Button, Card, Col, Input, Popconfirm, Row, Segmented, Select, Space, Statistic, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import {
  ingestionApi,
  ingestionKeys,
  QUARANTINE_PAGE_SIZE_MAX,
  quarantineReasons,
  type IssueGroup,
  type QuarantinedMessage,
  type QuarantineGroup,
} from '../../api/ingestion';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { useSession } from '../../session/session';
import { formatDateTime, formatNumber, formatRelativeTime } from '../../utils/format';
import { usePagedList } from '../../utils/paged-list';
import { testId } from '../../utils/test-id';
import { QuarantineDrawer } from './QuarantineDrawer';
import { ReasonLabel, reasonText, ReplayLink, useReplay } from './quality-parts';
import { actionsColumn, MetadataPage, MetadataTable } from './scaffold';
import { useCanManageMetadata } from './shared';

const dayOptions = [7, 30] as const;
type Replayed = 'pending' | 'replayed' | 'all';
const replayedFilter: Record<Replayed, boolean | undefined> = { pending: false, replayed: true, all: undefined };

const groupKey = (group: QuarantineGroup) => `${group.reason}-${group.event ?? ''}`;

/**
 * 数据质量: messages that could not load (quarantined by reason and event, each replayable once the
 * metadata is fixed) and values counted while loading, with the list of quarantined messages.
 */
export default function DataQualityPage() {
  const { t, i18n } = useTranslation();
  const timeZone = useSession().tenant.timeZone;
  const canManage = useCanManageMetadata();
  const [days, setDays] = useState<number>(7);
  const quality = useQuery({ queryKey: ingestionKeys.quality(days), queryFn: () => ingestionApi.quality(days) });

  const [reason, setReason] = useState<string | undefined>(undefined);
  const [event, setEvent] = useState<string | undefined>(undefined);
  const [eventInput, setEventInput] = useState('');
  const [replayed, setReplayed] = useState<Replayed>('pending');
  const [selected, setSelected] = useState<string[]>([]);
  const [viewing, setViewing] = useState<QuarantinedMessage | null>(null);
  const messages = usePagedList({
    filters: { reason, event, replayed: replayedFilter[replayed] },
    queryKey: ingestionKeys.quarantine,
    queryFn: ingestionApi.quarantine,
    maxPageSize: QUARANTINE_PAGE_SIZE_MAX,
  });
  const replay = useReplay(() => setSelected([]));

  const number = (value: number) => formatNumber(value, i18n.language);
  const time = (at: number) => formatDateTime(at, timeZone);
  const summary = quality.data;
  const quarantined = (summary?.quarantine ?? []).reduce((sum, group) => sum + group.count, 0);
  const undeclared = (summary?.quarantine ?? [])
    .filter((group) => group.reason === 'event_undeclared')
    .reduce((sum, group) => sum + group.count, 0);
  const issues = (summary?.issues ?? []).reduce((sum, group) => sum + group.count, 0);
  const reasonCount = (wanted: string) =>
    (summary?.quarantine ?? []).filter((group) => group.reason === wanted).reduce((sum, group) => sum + group.count, 0);

  const showMessages = (group: QuarantineGroup) => {
    setReason(group.reason);
    setEvent(group.event ?? undefined);
    setEventInput(group.event ?? '');
    setReplayed('pending');
    setSelected([]);
    messages.resetPage();
    document.getElementById('quarantine-messages')?.scrollIntoView({ behavior: 'smooth' });
  };

  const noPermission = canManage ? null : t('metadata.dataQuality.replay.noPermission');

  const groupColumns: ProColumns<QuarantineGroup>[] = [
    {
      title: t('metadata.dataQuality.quarantine.columns.reason'),
      dataIndex: 'reason',
      render: (_, group) => (
        <ReasonLabel
          reason={group.reason}
          withHint
          extra={
            canManage &&
            group.reason === 'event_undeclared' && (
              <>
                {' · '}
                <Link to="/metadata/events" data-testid="quality-go-events">
                  {t('metadata.dataQuality.quarantine.goEvents')}
                </Link>
              </>
            )
          }
        />
      ),
    },
    {
      title: t('metadata.dataQuality.quarantine.columns.event'),
      dataIndex: 'event',
      render: (_, group) =>
        group.event === null ? (
          <Typography.Text type="secondary">{t('metadata.dataQuality.quarantine.noEvent')}</Typography.Text>
        ) : (
          <Typography.Text code data-testid="quarantine-group-event">
            {group.event}
          </Typography.Text>
        ),
    },
    {
      title: t('metadata.dataQuality.quarantine.columns.count'),
      dataIndex: 'count',
      align: 'right',
      render: (_, group) => <span data-testid="quarantine-group-count">{number(group.count)}</span>,
    },
    {
      title: t('metadata.dataQuality.quarantine.columns.lastAt'),
      dataIndex: 'lastAt',
      width: 150,
      render: (_, group) => time(group.lastAt),
    },
    actionsColumn<QuarantineGroup>(t, (_, group) => {
      const { label } = reasonText(t, group.reason);
      // Without an event the request names the reason only: every waiting message of that reason.
      const count = group.event === null ? reasonCount(group.reason) : group.count;
      return [
        <Typography.Link key="view" onClick={() => showMessages(group)} data-testid="quarantine-group-view">
          {t('metadata.dataQuality.quarantine.view')}
        </Typography.Link>,
        <ReplayLink
          key="replay"
          title={t('metadata.dataQuality.replay.groupTitle', {
            reason: label,
            event: group.event === null ? '' : t('metadata.dataQuality.replay.groupEvent', { event: group.event }),
            count,
          })}
          onConfirm={() => replay(group.event === null ? { reason: group.reason } : { reason: group.reason, event: group.event })}
          testId="quarantine-group-replay"
          confirmTestId={`quarantine-group-replay-confirm-${groupKey(group)}`}
          disabledReason={noPermission}
        >
          {t('metadata.dataQuality.replay.all')}
        </ReplayLink>,
      ];
    }),
  ];

  const issueColumns: ProColumns<IssueGroup>[] = [
    {
      title: t('metadata.dataQuality.issues.columns.reason'),
      dataIndex: 'reason',
      render: (_, issue) => <ReasonLabel reason={issue.reason} withHint />,
    },
    {
      title: t('metadata.dataQuality.issues.columns.subject'),
      dataIndex: 'subject',
      render: (_, issue) => (
        <Typography.Text code data-testid="quality-issue-subject">
          {issue.subject}
        </Typography.Text>
      ),
    },
    {
      title: t('metadata.dataQuality.issues.columns.count'),
      dataIndex: 'count',
      align: 'right',
      render: (_, issue) => <span data-testid="quality-issue-count">{number(issue.count)}</span>,
    },
    {
      title: t('metadata.dataQuality.issues.columns.lastAt'),
      dataIndex: 'lastAt',
      width: 150,
      render: (_, issue) => time(issue.lastAt),
    },
  ];

  const messageColumns: ProColumns<QuarantinedMessage>[] = [
    {
      title: t('metadata.dataQuality.messages.columns.messageId'),
      dataIndex: 'messageId',
      ellipsis: true,
      width: 220,
      render: (_, row) => (
        <Typography.Link onClick={() => setViewing(row)} data-testid="quarantine-message-id">
          {row.messageId}
        </Typography.Link>
      ),
    },
    {
      title: t('metadata.dataQuality.messages.columns.reason'),
      dataIndex: 'reason',
      render: (_, row) => <ReasonLabel reason={row.reason} />,
    },
    {
      title: t('metadata.dataQuality.messages.columns.event'),
      dataIndex: 'event',
      render: (_, row) =>
        row.event === null ? (
          <Typography.Text type="secondary">—</Typography.Text>
        ) : (
          <Typography.Text code data-testid="quarantine-event-cell">
            {row.event}
          </Typography.Text>
        ),
    },
    { title: t('metadata.dataQuality.messages.columns.type'), dataIndex: 'type' },
    {
      title: t('metadata.dataQuality.messages.columns.receivedAt'),
      dataIndex: 'receivedAt',
      width: 150,
      render: (_, row) => time(row.receivedAt),
    },
    {
      title: t('metadata.dataQuality.messages.columns.expiresAt'),
      dataIndex: 'expiresAt',
      width: 150,
      render: (_, row) => time(row.expiresAt),
    },
    {
      title: t('metadata.dataQuality.messages.columns.replayedAt'),
      dataIndex: 'replayedAt',
      onCell: () => ({ style: { whiteSpace: 'nowrap' } }),
      render: (_, row) => (
        <span data-testid="quarantine-status-cell">
          {row.replayedAt === null ? (
            <Typography.Text type="warning">{t('metadata.dataQuality.messages.pending')}</Typography.Text>
          ) : (
            <Typography.Text type="success">
              {t('metadata.dataQuality.messages.replayedAt', { time: time(row.replayedAt) })}
            </Typography.Text>
          )}
        </span>
      ),
    },
    actionsColumn<QuarantinedMessage>(t, (_, row) => [
      <Typography.Link key="view" onClick={() => setViewing(row)} data-testid="quarantine-view">
        {t('metadata.dataQuality.messages.view')}
      </Typography.Link>,
      <ReplayLink
        key="replay"
        title={t('metadata.dataQuality.replay.title', { count: 1 })}
        onConfirm={() => replay({ ids: [row.id] })}
        testId="quarantine-replay"
        confirmTestId={`quarantine-replay-confirm-${row.id}`}
        disabledReason={noPermission ?? (row.replayedAt !== null ? t('metadata.dataQuality.replay.replayed') : null)}
      />,
    ]),
  ];

  const messagesFiltered = reason !== undefined || event !== undefined || replayed !== 'pending';

  return (
    <MetadataPage
      testId="data-quality-page"
      title={t('metadata.dataQuality.title')}
      description={t('metadata.dataQuality.description')}
      canManage={canManage}
      list={quality}
      loadErrorTestId="data-quality-load-error"
    >
      <Space style={{ marginBottom: 16, width: '100%', justifyContent: 'space-between' }} wrap>
        <Space>
          <Typography.Text type="secondary">{t('metadata.dataQuality.days.label')}</Typography.Text>
          <Segmented<number>
            value={days}
            onChange={setDays}
            options={dayOptions.map((value) => ({
              value,
              label: (
                <span data-testid={`data-quality-days-${value}`}>{t('metadata.dataQuality.days.option', { days: value })}</span>
              ),
            }))}
          />
        </Space>
        <Typography.Text type="secondary" data-testid="data-quality-last-loaded">
          {summary === undefined
            ? null
            : summary.lastLoadedAt === null
              ? t('metadata.dataQuality.neverLoaded')
              : t('metadata.dataQuality.lastLoaded', {
                  time: time(summary.lastLoadedAt),
                  relative: formatRelativeTime(summary.lastLoadedAt),
                })}
        </Typography.Text>
      </Space>

      <Row gutter={16} style={{ marginBottom: 16 }}>
        {[
          { key: 'quarantined', title: t('metadata.dataQuality.stats.quarantined'), value: quarantined },
          { key: 'undeclared', title: t('metadata.dataQuality.stats.undeclared'), value: undeclared },
          { key: 'issues', title: t('metadata.dataQuality.stats.issues', { days }), value: issues },
        ].map((stat) => (
          <Col key={stat.key} xs={24} md={8}>
            <Card size="small" loading={quality.isPending}>
              <Statistic
                title={stat.title}
                value={stat.value}
                formatter={(value) => <span data-testid={`data-quality-stat-${stat.key}`}>{number(Number(value))}</span>}
              />
            </Card>
          </Col>
        ))}
      </Row>

      <MetadataTable<QuarantineGroup>
        list={quality}
        headerTitle={t('metadata.dataQuality.quarantine.title')}
        rowKey={groupKey}
        columns={groupColumns}
        dataSource={summary?.quarantine ?? []}
        pagination={false}
        rowTestId={(group) => `quarantine-group-row-${groupKey(group)}`}
        loadFailedTestId="quarantine-groups-load-failed"
        empty={
          <ListEmpty
            title={t('metadata.dataQuality.quarantine.empty.title')}
            description={t('metadata.dataQuality.quarantine.empty.description')}
            testId="quarantine-groups-empty"
          />
        }
      />

      <div style={{ height: 16 }} />
      <MetadataTable<IssueGroup>
        list={quality}
        headerTitle={t('metadata.dataQuality.issues.title')}
        rowKey={(issue) => `${issue.reason}-${issue.subject}`}
        columns={issueColumns}
        dataSource={summary?.issues ?? []}
        pageSize="short"
        rowTestId={(issue) => `quality-issue-row-${issue.reason}-${issue.subject}`}
        loadFailedTestId="quality-issues-load-failed"
        empty={
          <ListEmpty
            title={t('metadata.dataQuality.issues.empty.title', { days })}
            description={t('metadata.dataQuality.issues.empty.description')}
            testId="quality-issues-empty"
          />
        }
      />

      <div style={{ height: 16 }} id="quarantine-messages" />
      <LoadErrorAlert
        error={messages.list.error}
        onRetry={() => void messages.list.refetch()}
        testId="quarantine-messages-load-error"
      />
      <MetadataTable<QuarantinedMessage>
        {...messages.tableProps}
        list={messages.list}
        headerTitle={t('metadata.dataQuality.messages.title')}
        columns={messageColumns}
        rowTestId={(row) => `quarantine-row-${row.id}`}
        rowSelection={
          canManage
            ? {
                selectedRowKeys: selected,
                onChange: (keys) => setSelected(keys.map(String)),
                getCheckboxProps: (row) => ({ disabled: row.replayedAt !== null }),
              }
            : undefined
        }
        tableAlertRender={false}
        toolBarRender={() => [
          <Select<string>
            key="reason"
            allowClear
            style={{ minWidth: 180 }}
            placeholder={t('metadata.dataQuality.messages.filters.reason')}
            value={reason}
            onChange={(value) => {
              setReason(value);
              setSelected([]);
              messages.resetPage();
            }}
            options={quarantineReasons.map((value) => ({ value, label: reasonText(t, value).label }))}
            data-testid="quarantine-filter-reason"
          />,
          <Input.Search
            key="event"
            allowClear
            style={{ width: 200 }}
            placeholder={t('metadata.dataQuality.messages.filters.event')}
            value={eventInput}
            onChange={(e) => setEventInput(e.target.value)}
            onSearch={(value) => {
              setEvent(value.trim() === '' ? undefined : value.trim());
              setSelected([]);
              messages.resetPage();
            }}
            data-testid="quarantine-filter-event"
          />,
          <Select<Replayed>
            key="replayed"
            style={{ minWidth: 120 }}
            value={replayed}
            onChange={(value) => {
              setReplayed(value);
              setSelected([]);
              messages.resetPage();
            }}
            options={(['pending', 'replayed', 'all'] as const).map((value) => ({
              value,
              label: t(`metadata.dataQuality.messages.filters.replayed.${value}`),
            }))}
            data-testid="quarantine-filter-replayed"
          />,
          canManage && (
            <Popconfirm
              key="replay-selected"
              disabled={selected.length === 0}
              title={t('metadata.dataQuality.replay.title', { count: selected.length })}
              description={<div style={{ maxWidth: 360 }}>{t('metadata.dataQuality.replay.description')}</div>}
              okText={t('metadata.dataQuality.replay.ok')}
              okButtonProps={testId('quarantine-replay-selected-confirm')}
              cancelText={t('common.cancel')}
              onConfirm={() => replay({ ids: selected })}
            >
              <Button type="primary" disabled={selected.length === 0} data-testid="quarantine-replay-selected">
                {t('metadata.dataQuality.messages.replaySelected', { count: selected.length })}
              </Button>
            </Popconfirm>
          ),
        ]}
        loadFailedTestId="quarantine-messages-load-failed"
        empty={
          messagesFiltered ? (
            <ListEmpty
              title={t('metadata.dataQuality.messages.empty.title')}
              description={t('metadata.dataQuality.messages.empty.description')}
              testId="quarantine-messages-empty-filtered"
            />
          ) : (
            <ListEmpty
              title={t('metadata.dataQuality.quarantine.empty.title')}
              description={t('metadata.dataQuality.quarantine.empty.description')}
              testId="quarantine-messages-empty"
            />
          )
        }
      />
      {viewing !== null && <QuarantineDrawer message={viewing} canManage={canManage} onClose={() => setViewing(null)} />}
    </MetadataPage>
  );
}
