import { PlusOutlined } from '@ant-design/icons';
import { PageContainer } from '@ant-design/pro-components';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  parseSelectionKey,
  selectionKeys,
  selectionsApi,
  type ExclusiveGroup,
  type GroupSelection,
} from '../../api/group-selections';
import { GroupPicker } from '../../components/GroupPicker';
import { ListEmpty } from '../../components/ListEmpty';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { TemporaryGroupModal } from '../../components/TemporaryGroupModal';
import { hasPermission, useSession } from '../../session/session';
import { useErrorText } from '../../utils/errors';
import { formatDateTime, formatNumber } from '../../utils/format';
import { testId } from '../../utils/test-id';
import { ExclusiveGroupModal } from './ExclusiveGroupModal';

/** Each segment's count now (disjoint: they add up to the union of the member groups). */
function SegmentCounts({ group }: { group: ExclusiveGroup }) {
  const { t, i18n } = useTranslation();
  const counts = useQuery({ queryKey: selectionKeys.counts(group.id), queryFn: () => selectionsApi.exclusiveCounts(group.id) });
  if (counts.error)
    return <LoadErrorAlert error={counts.error} onRetry={() => void counts.refetch()} testId="exclusive-counts-error" />;
  const total = (counts.data?.items ?? []).reduce((sum, item) => sum + item.count, 0);
  return (
    <Table
      size="small"
      rowKey={(row) => String((row.selection as { position: number }).position)}
      loading={counts.isLoading}
      pagination={false}
      dataSource={counts.data?.items ?? []}
      data-testid={`exclusive-counts-${group.id}`}
      columns={[
        {
          title: t('groupSelections.exclusive.priority'),
          render: (_, row) => (row.selection as { position: number }).position,
          width: 80,
        },
        {
          title: t('groupSelections.exclusive.segment'),
          render: (_, row) => group.members.find((m) => m.position === (row.selection as { position: number }).position)?.name,
        },
        {
          title: t('groups.fields.members'),
          render: (_, row) => (
            <span data-testid="exclusive-segment-count" data-count={row.count}>
              {formatNumber(row.count, i18n.language)}
            </span>
          ),
        },
      ]}
      footer={() => (
        <span data-testid={`exclusive-total-${group.id}`} data-count={total}>
          {t('groupSelections.exclusive.total', { count: formatNumber(total, i18n.language) })}
        </span>
      )}
    />
  );
}

/** 群组人数对比: up to 5 selections counted at one evaluation time; my temporary groups, editable here. */
function CompareCard() {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const { modal } = App.useApp();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const [keys, setKeys] = useState<string[]>([]);
  const [editing, setEditing] = useState<string>();
  const temporary = useQuery({ queryKey: selectionKeys.temporary, queryFn: selectionsApi.temporaryGroups });
  const compare = useMutation({
    mutationFn: () => selectionsApi.count(keys.map(parseSelectionKey).filter((s): s is GroupSelection => s !== undefined)),
  });
  const remove = useMutation({
    mutationFn: (id: string) => selectionsApi.removeTemporary(id),
    onSuccess: (_, id) => {
      setKeys((current) => current.filter((key) => key !== `temporary:${id}`));
      void queryClient.invalidateQueries({ queryKey: selectionKeys.all });
    },
  });
  const editingGroup = temporary.data?.items.find((g) => g.id === editing);
  return (
    <Card title={t('groupSelections.compare.title')} data-testid="group-compare">
      <Space wrap align="start">
        <GroupPicker value={keys} onChange={setKeys} />
        <Button
          type="primary"
          disabled={keys.length === 0}
          loading={compare.isPending}
          onClick={() => compare.mutate()}
          data-testid="group-compare-run"
        >
          {t('groupSelections.compare.run')}
        </Button>
      </Space>
      <div style={{ marginTop: 12 }}>
        <Typography.Text type="secondary">{t('groupSelections.temporary.mine')}</Typography.Text>{' '}
        {(temporary.data?.items ?? []).map((g) => (
          <Tag
            key={g.id}
            closable
            onClick={() => setEditing(g.id)}
            onClose={(event) => {
              event.preventDefault();
              modal.confirm({
                title: t('groupSelections.temporary.deleteConfirm', { name: g.name }),
                onOk: () => remove.mutateAsync(g.id),
              });
            }}
            style={{ cursor: 'pointer' }}
            data-testid="temporary-group-tag"
          >
            {g.name}
          </Tag>
        ))}
        {temporary.data?.items.length === 0 && <Typography.Text type="secondary">—</Typography.Text>}
      </div>
      {compare.error ? <Typography.Text type="danger">{errorText(compare.error)}</Typography.Text> : null}
      {compare.data && (
        <Table
          style={{ marginTop: 12 }}
          size="small"
          rowKey={(_, index) => String(index)}
          pagination={false}
          dataSource={compare.data.items}
          data-testid="group-compare-result"
          columns={[
            { title: t('groupSelections.compare.selection'), dataIndex: 'name' },
            {
              title: t('groups.fields.members'),
              render: (_, row) => (
                <span data-testid="group-compare-count" data-count={row.count}>
                  {formatNumber(row.count, i18n.language)}
                </span>
              ),
            },
          ]}
          footer={() =>
            t('groupSelections.compare.at', { time: formatDateTime(compare.data.computedAt, session.tenant.timeZone) })
          }
        />
      )}
      {editingGroup && <TemporaryGroupModal group={editingGroup} onClose={() => setEditing(undefined)} />}
    </Card>
  );
}

/**
 * 互斥组 (SPEC §4, seed §1.7.4.3): groups in priority order whose segments never overlap — a contact
 * counts in the first group it is in. The list with each segment's count, 新建 / 编辑 / 删除, and the
 * comparison of up to 5 groups, segments or temporary groups (the reports' picker).
 */
export default function ExclusiveGroupsPage() {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const errorText = useErrorText();
  const session = useSession();
  const queryClient = useQueryClient();
  const canEdit = hasPermission(session, 'groups.edit');
  const canDelete = hasPermission(session, 'groups.delete');
  const [editing, setEditing] = useState<{ group?: ExclusiveGroup }>();
  const list = useQuery({ queryKey: selectionKeys.exclusive, queryFn: selectionsApi.exclusiveGroups });
  const remove = useMutation({
    mutationFn: (id: string) => selectionsApi.removeExclusive(id),
    onSuccess: () => {
      void message.success(t('groupSelections.exclusive.deleted'));
      void queryClient.invalidateQueries({ queryKey: selectionKeys.all });
    },
    onError: (error) => void message.error(errorText(error)),
  });
  return (
    <div data-testid="exclusive-groups-page">
      <PageContainer
        title={t('groupSelections.exclusive.title')}
        content={t('groupSelections.exclusive.description')}
        extra={
          canEdit ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({})} data-testid="exclusive-group-new">
              {t('groupSelections.exclusive.createTitle')}
            </Button>
          ) : undefined
        }
      >
        <Space direction="vertical" size="large" style={{ width: '100%' }}>
          <Card>
            {list.error ? (
              <LoadErrorAlert error={list.error} onRetry={() => void list.refetch()} testId="exclusive-groups-error" />
            ) : (
              <Table
                rowKey="id"
                loading={list.isLoading}
                dataSource={list.data?.items ?? []}
                pagination={false}
                locale={{
                  emptyText: (
                    <ListEmpty
                      title={t('groupSelections.exclusive.emptyTitle')}
                      description={t('groupSelections.exclusive.emptyDescription')}
                      testId="exclusive-groups-empty"
                    />
                  ),
                }}
                expandable={{ expandedRowRender: (group) => <SegmentCounts group={group} /> }}
                onRow={(group) => ({ 'data-testid': `exclusive-row-${group.id}` }) as Record<string, string>}
                columns={[
                  { title: t('groupSelections.exclusive.name'), dataIndex: 'name' },
                  {
                    title: t('groupSelections.exclusive.members'),
                    render: (_, group) => (
                      <Space size={[0, 4]} wrap>
                        {group.members.map((m) => (
                          <Tag key={m.position} data-testid="exclusive-row-member">
                            {m.position}. {m.name}
                          </Tag>
                        ))}
                      </Space>
                    ),
                  },
                  {
                    title: t('groupSelections.exclusive.updatedAt'),
                    render: (_, group) => formatDateTime(group.updatedAt, session.tenant.timeZone),
                  },
                  {
                    title: t('groupSelections.exclusive.actions'),
                    render: (_, group) => (
                      <Space>
                        {canEdit && (
                          <Button
                            type="link"
                            size="small"
                            onClick={() => setEditing({ group })}
                            data-testid={`exclusive-edit-${group.id}`}
                          >
                            {t('common.edit')}
                          </Button>
                        )}
                        {canDelete && (
                          <Button
                            type="link"
                            size="small"
                            danger
                            data-testid={`exclusive-delete-${group.id}`}
                            onClick={() =>
                              modal.confirm({
                                title: t('groupSelections.exclusive.deleteConfirm', { name: group.name }),
                                content: t('groupSelections.exclusive.deleteHint'),
                                okButtonProps: { danger: true, ...testId('exclusive-delete-confirm') },
                                onOk: () => remove.mutateAsync(group.id),
                              })
                            }
                          >
                            {t('groups.actions.delete')}
                          </Button>
                        )}
                      </Space>
                    ),
                  },
                ]}
              />
            )}
          </Card>
          <CompareCard />
        </Space>
        {editing && <ExclusiveGroupModal group={editing.group} onClose={() => setEditing(undefined)} />}
      </PageContainer>
    </div>
  );
}
