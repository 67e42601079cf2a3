import { ListEmpty } from '../../components/ListEmpty';
import { type ProColumns, ProTable } from '@ant-design/pro-components';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Badge, Popconfirm, Segmented, Space, Tag, Typography } from 'antd';
import type { HTMLAttributes } from 'react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  candidateStatuses,
  contactsApi,
  contactsKeys,
  type CandidateStatus,
  type MergeCandidate,
  type MergeCandidatePage,
} from '../../api/contacts';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { useSession } from '../../session/session';
import { useCursorList } from '../../utils/cursor-list';
import { useErrorText } from '../../utils/errors';
import { formatDateTime } from '../../utils/format';
import { testId } from '../../utils/test-id';
import { candidateReasonText, ContactCard, EvidenceText, LoadMore, predictedSurvivor } from './merge-parts';

/**
 * 合并候选: pairs the pipeline would not merge on its own, by status (待处理 with its count), each
 * with both contacts side by side, why they were proposed, and 合并 / 不合并 while pending.
 */
export function MergeCandidatesTab() {
  const { t } = useTranslation();
  const timeZone = useSession().tenant.timeZone;
  const { message } = App.useApp();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<CandidateStatus>('pending');
  const candidates = useCursorList<MergeCandidatePage>({
    queryKey: contactsKeys.candidates(status),
    queryFn: (cursor) => contactsApi.candidates({ status, cursor }),
  });
  const pending = candidates.first?.pending;

  // Every candidate list, the history and the pending count change with a decision.
  const refresh = () => void queryClient.invalidateQueries({ queryKey: contactsKeys.all });
  const accept = useMutation({
    mutationFn: (candidate: MergeCandidate) => contactsApi.accept(candidate.id),
    // Callbacks return nothing: react-query would wait for a returned toast (a thenable) to close.
    onSuccess: ({ merge }) => {
      if (merge === null) message.success(t('contacts.merges.candidates.acceptedSame'));
      else message.success(t('contacts.merges.candidates.accepted', { id: merge.survivorId }));
    },
    onError: (error) => {
      message.error(errorText(error));
    },
    onSettled: refresh,
  });
  const dismiss = useMutation({
    mutationFn: (candidate: MergeCandidate) => contactsApi.dismiss(candidate.id),
    onSuccess: () => {
      message.success(t('contacts.merges.candidates.dismissed'));
    },
    onError: (error) => {
      message.error(errorText(error));
    },
    onSettled: refresh,
  });

  const survivorOf = (candidate: MergeCandidate) =>
    candidate.status === 'pending' && !candidate.sameContact
      ? predictedSurvivor(candidate.contacts[0], candidate.contacts[1])
      : undefined;

  const columns: ProColumns<MergeCandidate>[] = [
    {
      title: t('contacts.merges.candidates.columns.contactA'),
      key: 'contactA',
      onCell: () => ({ style: { verticalAlign: 'top' } }),
      render: (_, candidate) => (
        <ContactCard contact={candidate.contacts[0]} survives={survivorOf(candidate) === candidate.contacts[0].id} />
      ),
    },
    {
      title: t('contacts.merges.candidates.columns.contactB'),
      key: 'contactB',
      onCell: () => ({ style: { verticalAlign: 'top' } }),
      render: (_, candidate) => (
        <ContactCard contact={candidate.contacts[1]} survives={survivorOf(candidate) === candidate.contacts[1].id} />
      ),
    },
    {
      title: t('contacts.merges.candidates.columns.reason'),
      key: 'reason',
      onCell: () => ({ style: { verticalAlign: 'top' } }),
      render: (_, candidate) => (
        <Space direction="vertical" size={2} style={{ maxWidth: 280 }}>
          <Typography.Text data-testid="candidate-reason">{candidateReasonText(t, candidate.reason)}</Typography.Text>
          <EvidenceText evidence={candidate.evidence} testId="candidate-evidence" />
          {candidate.sameContact && (
            <Tag color="cyan" data-testid="candidate-same-contact">
              {t('contacts.merges.candidates.sameContact')}
            </Tag>
          )}
        </Space>
      ),
    },
    {
      title: t('contacts.merges.candidates.columns.createdAt'),
      dataIndex: 'createdAt',
      width: 150,
      onCell: () => ({ style: { verticalAlign: 'top', whiteSpace: 'nowrap' } }),
      render: (_, candidate) => formatDateTime(candidate.createdAt, timeZone),
    },
    {
      title: t('contacts.merges.candidates.columns.decided'),
      key: 'decided',
      hideInTable: status === 'pending',
      onCell: () => ({ style: { verticalAlign: 'top' } }),
      render: (_, candidate) => (
        <Space direction="vertical" size={2} data-testid="candidate-decided">
          <Tag color={candidate.status === 'accepted' ? 'green' : 'default'}>
            {t(`contacts.merges.candidates.status.${candidate.status}`)}
          </Tag>
          {candidate.decidedAt !== null && (
            <Typography.Text type="secondary" style={{ fontSize: 12, whiteSpace: 'nowrap' }}>
              {t('contacts.merges.candidates.decidedAt', {
                time: formatDateTime(candidate.decidedAt, timeZone),
                staff: candidate.decidedBy ?? '',
              })}
            </Typography.Text>
          )}
        </Space>
      ),
    },
    {
      title: t('common.actions'),
      valueType: 'option',
      key: 'actions',
      fixed: 'right',
      hideInTable: status !== 'pending',
      onCell: () => ({ style: { verticalAlign: 'top', whiteSpace: 'nowrap' } }),
      render: (_, candidate) => [
        <Popconfirm
          key="accept"
          title={t('contacts.merges.candidates.acceptConfirm.title')}
          description={<div style={{ maxWidth: 360 }}>{t('contacts.merges.candidates.acceptConfirm.description')}</div>}
          okText={t('contacts.merges.candidates.accept')}
          okButtonProps={{ danger: true, ...testId(`candidate-accept-confirm-${candidate.id}`) }}
          cancelText={t('common.cancel')}
          onConfirm={() => accept.mutateAsync(candidate).catch(() => undefined)}
        >
          <Typography.Link data-testid="candidate-accept">{t('contacts.merges.candidates.accept')}</Typography.Link>
        </Popconfirm>,
        <Popconfirm
          key="dismiss"
          title={t('contacts.merges.candidates.dismissConfirm.title')}
          description={<div style={{ maxWidth: 360 }}>{t('contacts.merges.candidates.dismissConfirm.description')}</div>}
          okText={t('contacts.merges.candidates.dismiss')}
          okButtonProps={testId(`candidate-dismiss-confirm-${candidate.id}`)}
          cancelText={t('common.cancel')}
          onConfirm={() => dismiss.mutateAsync(candidate).catch(() => undefined)}
        >
          <Typography.Link data-testid="candidate-dismiss">{t('contacts.merges.candidates.dismiss')}</Typography.Link>
        </Popconfirm>,
      ],
    },
  ];

  return (
    <>
      <LoadErrorAlert
        error={candidates.list.error}
        onRetry={() => void candidates.list.refetch()}
        testId="candidates-load-error"
      />
      <ProTable<MergeCandidate>
        rowKey="id"
        columns={columns}
        dataSource={candidates.items}
        loading={candidates.list.isPending || (candidates.list.isFetching && !candidates.loadingMore)}
        search={false}
        cardBordered
        pagination={false}
        scroll={{ x: 'max-content' }}
        options={{ reload: () => void candidates.list.refetch(), density: false, setting: false }}
        onRow={(candidate) => testId(`candidate-row-${candidate.id}`) as HTMLAttributes<HTMLElement>}
        headerTitle={
          <Space>
            <Typography.Text type="secondary">{t('contacts.merges.candidates.statusLabel')}</Typography.Text>
            <Segmented<CandidateStatus>
              value={status}
              onChange={setStatus}
              options={candidateStatuses.map((value) => ({
                value,
                label: (
                  <span data-testid={`candidate-status-${value}`}>
                    {t(`contacts.merges.candidates.status.${value}`)}
                    {value === 'pending' && pending !== undefined && pending > 0 && (
                      <span data-testid="candidate-pending-count" data-count={pending} style={{ marginInlineStart: 6 }}>
                        <Badge count={pending} overflowCount={999} size="small" />
                      </span>
                    )}
                  </span>
                ),
              }))}
            />
          </Space>
        }
        locale={{
          emptyText: candidates.list.error ? (
            <ListEmpty title={t('common.loadFailed')} testId="candidates-load-failed" />
          ) : (
            <ListEmpty
              title={t(`contacts.merges.candidates.empty.${status}.title`)}
              description={t(`contacts.merges.candidates.empty.${status}.description`)}
              testId={`candidates-empty-${status}`}
            />
          ),
        }}
      />
      <LoadMore
        hasMore={candidates.hasMore}
        loading={candidates.loadingMore}
        onClick={candidates.loadMore}
        testId="candidates-load-more"
      />
    </>
  );
}
