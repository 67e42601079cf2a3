import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Checkbox, Empty, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { dedupeApi, dedupeKeys, type DedupeSet, type SetMergeResult } from '../../api/dedupe';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { MaskedValue } from '../../components/MaskedValue';
import { errorText as translateError } from '../../i18n';
import { useSession } from '../../session/session';
import { formatDateTime } from '../../utils/format';
import { useErrorText } from '../../utils/errors';
import { testId } from '../../utils/test-id';

const setStatusColor: Record<DedupeSet['status'], string> = { pending: 'processing', merged: 'success', stale: 'warning' };

/**
 * 启动查重 → the latest run's duplicate sets (members masked by the server) → 合并用户 of the
 * checked sets, each whole or only its checked members, after an irreversible-action confirm.
 */
export function DedupeResults({ onMerged }: { onMerged: () => void }) {
  const { t } = useTranslation();
  const timeZone = useSession().tenant.timeZone;
  const { message } = App.useApp();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const runs = useQuery({
    queryKey: dedupeKeys.runs,
    queryFn: () => dedupeApi.runs(1),
    refetchInterval: (query) => (query.state.data?.items[0]?.status === 'running' ? 1500 : false),
  });
  const run = runs.data?.items[0];
  const done = run?.status === 'done' ? run : undefined;
  const sets = useInfiniteQuery({
    queryKey: dedupeKeys.sets(done?.id ?? ''),
    queryFn: ({ pageParam }) => dedupeApi.sets(done!.id, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    enabled: Boolean(done),
  });
  const items = useMemo(() => sets.data?.pages.flatMap((page) => page.items) ?? [], [sets.data]);
  const [selected, setSelected] = useState<string[]>([]);
  /** Members left out of the merge of their set (unticked). */
  const [leftOut, setLeftOut] = useState<Record<string, string[]>>({});
  const [refusals, setRefusals] = useState<SetMergeResult[]>([]);

  const start = useMutation({
    mutationFn: dedupeApi.start,
    onSuccess: () => {
      setSelected([]);
      setLeftOut({});
      setRefusals([]);
      void queryClient.invalidateQueries({ queryKey: dedupeKeys.runs });
    },
    onError: (error) => message.error(errorText(error)),
  });

  const merge = useMutation({
    mutationFn: () =>
      dedupeApi.merge(
        done!.id,
        selected.map((setId) => {
          const set = items.find((item) => item.id === setId)!;
          const out = leftOut[setId] ?? [];
          return out.length === 0
            ? { setId }
            : { setId, contactIds: set.members.filter((member) => !out.includes(member.id)).map((member) => member.id) };
        }),
      ),
    onSuccess: ({ results }) => {
      const merged = results.filter((result) => result.merged).length;
      setRefusals(results.filter((result) => !result.merged));
      if (merged > 0) message.success(t('contacts.dedupe.results.mergedCount', { count: merged }));
      setSelected([]);
      setLeftOut({});
      void queryClient.invalidateQueries({ queryKey: dedupeKeys.all });
      onMerged();
    },
    onError: (error) => message.error(errorText(error)),
  });

  const chosenCount = (set: DedupeSet) => set.members.length - (leftOut[set.id]?.length ?? 0);
  const selectionValid =
    selected.length > 0 &&
    selected.every((setId) => {
      const set = items.find((item) => item.id === setId);
      return set !== undefined && chosenCount(set) >= 2;
    });

  const columns: ColumnsType<DedupeSet> = [
    {
      title: t('contacts.dedupe.results.columns.matched'),
      dataIndex: 'matchedFields',
      width: 140,
      render: (_, set) => (
        <Space size={[4, 4]} wrap>
          {set.matchedFields.map((field) => (
            <Tag key={field}>{t(`contacts.dedupe.fields.${field}`)}</Tag>
          ))}
        </Space>
      ),
    },
    {
      title: t('contacts.dedupe.results.columns.members'),
      dataIndex: 'members',
      render: (_, set) => (
        <Space direction="vertical" size={4} style={{ width: '100%' }}>
          {set.members.map((member) => {
            const out = leftOut[set.id] ?? [];
            return (
              <Space key={member.id} size={8} wrap data-testid="dedupe-member" data-contact-id={member.id}>
                {set.status === 'pending' && set.fresh && (
                  <Checkbox
                    checked={!out.includes(member.id)}
                    onChange={(event) =>
                      setLeftOut({
                        ...leftOut,
                        [set.id]: event.target.checked ? out.filter((id) => id !== member.id) : [...out, member.id],
                      })
                    }
                    data-testid="dedupe-member-check"
                  />
                )}
                {member.exists && (
                  <Link to={`/contacts/${member.id}`}>
                    <MaskedValue value={member.name ?? member.nickname ?? member.id} />
                  </Link>
                )}
                <Typography.Text type="secondary">ID {member.id}</Typography.Text>
                {member.mobile && <MaskedValue value={member.mobile} />}
                {member.idCard && <MaskedValue value={member.idCard} />}
                {member.email && <MaskedValue value={member.email} />}
                <Typography.Text type="secondary">
                  {t('contacts.dedupe.results.updatedAt', { time: formatDateTime(member.updatedAt, timeZone) })}
                </Typography.Text>
                {set.status === 'merged' ? (
                  member.id === set.survivorId ? (
                    <Tag color="success" data-testid="dedupe-member-survivor">
                      {t('contacts.dedupe.results.survivor')}
                    </Tag>
                  ) : (
                    !member.exists && <Tag>{t('contacts.dedupe.results.mergedAway')}</Tag>
                  )
                ) : (
                  <>
                    {!member.exists && <Tag color="default">{t('contacts.dedupe.results.gone')}</Tag>}
                    {member.changed && <Tag color="warning">{t('contacts.dedupe.results.changed')}</Tag>}
                  </>
                )}
              </Space>
            );
          })}
        </Space>
      ),
    },
    {
      title: t('contacts.dedupe.results.columns.status'),
      dataIndex: 'status',
      width: 120,
      render: (_, set) => (
        <Tag color={setStatusColor[set.status]} data-testid="dedupe-set-status" data-status={set.status}>
          {set.status === 'pending' && !set.fresh
            ? t('contacts.dedupe.results.status.changed')
            : t(`contacts.dedupe.results.status.${set.status}`)}
        </Tag>
      ),
    },
  ];

  return (
    <Card
      title={t('contacts.dedupe.results.title')}
      extra={
        <Link to="/contacts/merges?tab=history" data-testid="dedupe-history-link">
          {t('contacts.dedupe.results.history')}
        </Link>
      }
      data-testid="dedupe-results"
    >
      <Space direction="vertical" size={16} style={{ width: '100%' }}>
        <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
          {t('contacts.dedupe.results.description')}
        </Typography.Paragraph>
        <Space wrap>
          <Button
            type="primary"
            onClick={() => start.mutate()}
            loading={start.isPending || run?.status === 'running'}
            data-testid="dedupe-start"
          >
            {t('contacts.dedupe.results.start')}
          </Button>
          <Popconfirm
            title={t('contacts.dedupe.results.confirm.title', { count: selected.length })}
            description={
              <div style={{ maxWidth: 380 }}>{t('contacts.dedupe.results.confirm.description', { count: selected.length })}</div>
            }
            okText={t('contacts.dedupe.results.merge')}
            okButtonProps={{ danger: true, ...testId('dedupe-merge-confirm') }}
            cancelText={t('common.cancel')}
            disabled={!selectionValid}
            onConfirm={() => merge.mutateAsync().catch(() => undefined)}
          >
            <Button danger disabled={!selectionValid} loading={merge.isPending} data-testid="dedupe-merge">
              {t('contacts.dedupe.results.merge')}
              {selected.length > 0 ? ` (${selected.length})` : ''}
            </Button>
          </Popconfirm>
        </Space>
        <LoadErrorAlert error={runs.error ?? sets.error} onRetry={() => void runs.refetch()} testId="dedupe-load-error" />
        {run && (
          <Typography.Text data-testid="dedupe-run-summary" data-status={run.status}>
            {run.status === 'running'
              ? t('contacts.dedupe.results.running')
              : run.status === 'failed'
                ? t('contacts.dedupe.results.failed')
                : t('contacts.dedupe.results.summary', {
                    time: formatDateTime(run.finishedAt ?? run.startedAt, timeZone),
                    sets: run.setCount,
                    contacts: run.contactCount,
                  })}
            {run.trigger === 'auto' && run.status !== 'running' ? ` · ${t('contacts.dedupe.results.auto')}` : ''}
          </Typography.Text>
        )}
        {refusals.length > 0 && (
          <Alert
            type="warning"
            showIcon
            data-testid="dedupe-refusals"
            message={t('contacts.dedupe.results.refused', { count: refusals.length })}
            description={
              <ul style={{ margin: 0, paddingInlineStart: 20 }}>
                {refusals.map((result) => (
                  <li key={result.setId}>{translateError(result.code ?? '', { setId: result.setId }) ?? result.code}</li>
                ))}
              </ul>
            }
          />
        )}
        {done && (
          <Table<DedupeSet>
            rowKey="id"
            size="small"
            columns={columns}
            dataSource={items}
            loading={sets.isPending}
            pagination={false}
            locale={{ emptyText: <Empty description={t('contacts.dedupe.results.empty')} /> }}
            rowSelection={{
              selectedRowKeys: selected,
              onChange: (keys) => setSelected(keys.map(String)),
              getCheckboxProps: (set) => ({ disabled: set.status !== 'pending' || !set.fresh }),
            }}
            onRow={(set) => ({ 'data-testid': 'dedupe-set', 'data-set-id': set.id }) as object}
            footer={
              sets.hasNextPage
                ? () => (
                    <Button onClick={() => void sets.fetchNextPage()} loading={sets.isFetchingNextPage} data-testid="dedupe-more">
                      {t('contacts.dedupe.results.more')}
                    </Button>
                  )
                : undefined
            }
          />
        )}
      </Space>
    </Card>
  );
}
