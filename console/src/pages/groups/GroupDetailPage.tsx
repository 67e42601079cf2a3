import { PageContainer, ProTable, type ProColumns } from '@ant-design/pro-components';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Descriptions, Input, Modal, Space, Table, Tabs, Tooltip, Typography } from 'antd';
import { useMemo, useState, type HTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import type { ContactListRow } from '../../api/contact-list';
import { canEdit, canRecompute, groupKeys, groupsApi, isBusy, type GroupVersion } from '../../api/groups';
import { ListEmpty } from '../../components/ListEmpty';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { FullPageSpin } from '../../components/FullPageSpin';
import { hasPermission, useSession } from '../../session/session';
import { useCursorList } from '../../utils/cursor-list';
import { useErrorText } from '../../utils/errors';
import { formatDateTime, formatNumber } from '../../utils/format';
import { useLocalized } from '../../utils/localized';
import { testId } from '../../utils/test-id';
import { LoadMore } from '../contacts/merge-parts';
import { ExportContactsModal } from '../contacts/export/ExportContactsModal';
import { DynamicGroupDrawer } from './DynamicGroupDrawer';
import { RealtimeTag, GroupKindTag, GroupStatusTag } from './group-parts';
import { ImportMembersModal } from './ImportMembersModal';
import { ContactsTotal } from '../contacts/ContactsTotal';

const idsOf = (text: string) => [...new Set(text.split(/[\s,，]+/).filter((id) => /^[1-9][0-9]{0,18}$/.test(id)))];

/**
 * 群组详情: the group (kind, status, members, update mode), its members as the contact list shows
 * them (筛选用户 within the group: keyword), 导出用户, the 计算记录 (versions, the active one marked);
 * static groups add / remove by id and import an xlsx.
 */
export default function GroupDetailPage() {
  const { groupId = '' } = useParams();
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const localized = useLocalized();
  const session = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const timeZone = session.tenant.timeZone;
  const canEditGroups = hasPermission(session, 'groups.edit');
  const [keyword, setKeyword] = useState('');
  const [dialog, setDialog] = useState<'edit' | 'export' | 'import' | 'add' | 'remove'>();
  const [idsText, setIdsText] = useState('');

  const group = useQuery({
    queryKey: groupKeys.group(groupId),
    queryFn: () => groupsApi.get(groupId),
    refetchInterval: (query) => (query.state.data && isBusy(query.state.data) ? 2000 : false),
  });
  const activeVersion = group.data?.activeVersion ?? null;
  const search = useMemo(
    () => ({ kind: 'all' as const, keyword: keyword || undefined, version: activeVersion }),
    [keyword, activeVersion],
  );
  const members = useCursorList({
    queryKey: groupKeys.members(groupId, search),
    queryFn: (cursor) => groupsApi.members(groupId, search, cursor),
    enabled: group.isSuccess,
  });
  const versions = useQuery({
    queryKey: groupKeys.versions(groupId),
    queryFn: () => groupsApi.versions(groupId),
    enabled: group.isSuccess,
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: groupKeys.all });
  const act = useMutation({
    mutationFn: (run: () => Promise<unknown>) => run(),
    onSuccess: refresh,
    onError: (error) => void message.error(errorText(error)),
  });

  if (group.isPending) return <FullPageSpin />;
  if (!group.data) return <LoadErrorAlert error={group.error} onRetry={() => void group.refetch()} testId="group-load-error" />;
  const g = group.data;
  const page = members.first;

  const memberColumns: ProColumns<ContactListRow>[] = [
    {
      title: t('contacts.list.columns.id'),
      dataIndex: 'id',
      width: 110,
      render: (_, row) => (
        <Link to={`/contacts/${row.id}`} data-testid="group-member-link">
          {row.id}
        </Link>
      ),
    },
    ...(page?.columns ?? []).map((column): ProColumns<ContactListRow> => ({
      title: localized(column.name),
      key: column.key,
      ellipsis: true,
      render: (_, row) => {
        const value = row.values[column.key];
        if (value === null || value === undefined) return null;
        if (column.type === 'datetime' && typeof value === 'number') return formatDateTime(value, timeZone);
        if (column.type === 'bool') return value ? t('contacts.list.yes') : t('contacts.list.no');
        if (column.key === 'gender' && (value === 'male' || value === 'female' || value === 'unknown'))
          return t(`contacts.list.gender.${value}`);
        return String(value);
      },
    })),
  ];
  const versionColumns = [
    { title: t('groups.versions.version'), dataIndex: 'version', width: 90 },
    {
      title: t('groups.fields.status'),
      dataIndex: 'status',
      render: (_: unknown, v: GroupVersion): string =>
        v.active ? t('groups.versions.active') : t(`groups.versions.status.${v.status}`),
    },
    { title: t('groups.fields.members'), dataIndex: 'memberCount' },
    { title: t('groups.versions.added'), dataIndex: 'addedCount' },
    { title: t('groups.versions.removed'), dataIndex: 'removedCount' },
    { title: t('groups.versions.startedAt'), dataIndex: 'startedAt', render: (value: number) => formatDateTime(value, timeZone) },
  ];

  const submitIds = () => {
    const ids = idsOf(idsText);
    if (ids.length === 0) return;
    const run = dialog === 'add' ? () => groupsApi.addMembers(groupId, ids) : () => groupsApi.removeMembers(groupId, ids);
    act.mutate(run, {
      onSuccess: () => {
        setDialog(undefined);
        setIdsText('');
      },
    });
  };

  return (
    <div data-testid="group-detail-page">
      <PageContainer
        title={
          <Space>
            <span data-testid="group-detail-name">{g.name}</span>
            <GroupKindTag kind={g.kind} />
            <GroupStatusTag group={g} />
          </Space>
        }
        onBack={() => navigate('/groups')}
        extra={[
          g.kind === 'dynamic' && (
            <Tooltip key="edit" title={canEdit(g) ? undefined : t('groups.rules.editOnlyDone')}>
              <Button disabled={!canEditGroups || !canEdit(g)} onClick={() => setDialog('edit')} data-testid="group-detail-edit">
                {t('common.edit')}
              </Button>
            </Tooltip>
          ),
          g.kind === 'dynamic' && (
            <Tooltip key="recompute" title={canRecompute(g) ? undefined : t('groups.rules.recompute')}>
              <Button
                disabled={!canEditGroups || !canRecompute(g)}
                onClick={() => act.mutate(() => groupsApi.recompute(g.id))}
                data-testid="group-detail-recompute"
              >
                {t('groups.actions.recompute')}
              </Button>
            </Tooltip>
          ),
          g.kind === 'static' && canEditGroups && (
            <Button key="add" onClick={() => setDialog('add')} data-testid="group-add-members">
              {t('groups.members.add')}
            </Button>
          ),
          g.kind === 'static' && canEditGroups && (
            <Button key="remove" onClick={() => setDialog('remove')} data-testid="group-remove-members">
              {t('groups.members.remove')}
            </Button>
          ),
          g.kind === 'static' && canEditGroups && (
            <Button key="import" onClick={() => setDialog('import')} data-testid="group-import">
              {t('groups.import.title')}
            </Button>
          ),
          hasPermission(session, 'contacts.export') && (
            <Button key="export" onClick={() => setDialog('export')} data-testid="group-export">
              {t('groups.members.export')}
            </Button>
          ),
        ].filter(Boolean)}
      >
        <Descriptions size="small" column={4} style={{ marginBottom: 16 }}>
          <Descriptions.Item label="ID">{g.id}</Descriptions.Item>
          <Descriptions.Item label={t('groups.fields.members')}>
            <span data-testid="group-member-count" data-count={g.memberCount ?? ''}>
              {g.memberCount === null ? '-' : formatNumber(g.memberCount, i18n.language)}
            </span>
          </Descriptions.Item>
          {g.updateMode && (
            <Descriptions.Item label={t('groups.fields.updateMode')}>
              <Space size={4}>
                {t(`groups.updateMode.${g.updateMode}`)}
                {g.realtime && <RealtimeTag />}
              </Space>
            </Descriptions.Item>
          )}
          <Descriptions.Item label={t('groups.fields.computedAt')}>
            {g.computedAt ? formatDateTime(g.computedAt, timeZone) : '-'}
          </Descriptions.Item>
          {g.errorCode && (
            <Descriptions.Item label={t('groups.fields.error')}>
              <Typography.Text type="danger">{t(`errors.${g.errorCode}` as never)}</Typography.Text>
            </Descriptions.Item>
          )}
        </Descriptions>
        <Tabs
          items={[
            {
              key: 'members',
              label: t('groups.members.title'),
              children: (
                <>
                  <LoadErrorAlert
                    error={members.list.error}
                    onRetry={() => void members.list.refetch()}
                    testId="group-members-error"
                  />
                  <ProTable<ContactListRow>
                    rowKey="id"
                    columns={memberColumns}
                    dataSource={members.items}
                    loading={members.list.isPending && group.isSuccess}
                    search={false}
                    pagination={false}
                    options={false}
                    scroll={{ x: 'max-content' }}
                    onRow={(row) => testId(`group-member-${row.id}`) as HTMLAttributes<HTMLElement>}
                    headerTitle={<ContactsTotal total={page?.total} testId="group-members-total" />}
                    toolBarRender={() => [
                      <Input.Search
                        key="keyword"
                        allowClear
                        style={{ width: 280 }}
                        placeholder={t('contacts.list.keyword')}
                        onSearch={(value) => setKeyword(value.trim())}
                        data-testid="group-members-keyword"
                      />,
                    ]}
                    locale={{ emptyText: <ListEmpty title={t('groups.members.empty')} testId="group-members-empty" /> }}
                  />
                  <LoadMore
                    hasMore={members.hasMore}
                    loading={members.loadingMore}
                    onClick={members.loadMore}
                    testId="group-members-more"
                  />
                </>
              ),
            },
            {
              key: 'versions',
              label: t('groups.versions.title'),
              children: (
                <Table
                  size="small"
                  rowKey="version"
                  dataSource={versions.data?.items ?? []}
                  columns={versionColumns}
                  pagination={{ pageSize: 10 }}
                  data-testid="group-versions"
                />
              ),
            },
          ]}
        />
        {dialog === 'edit' && <DynamicGroupDrawer group={g} onClose={() => setDialog(undefined)} />}
        {dialog === 'export' && <ExportContactsModal groupId={g.id} close={() => setDialog(undefined)} />}
        {dialog === 'import' && (
          <ImportMembersModal
            groupId={g.id}
            onClose={() => {
              setDialog(undefined);
              refresh();
            }}
          />
        )}
        {(dialog === 'add' || dialog === 'remove') && (
          <Modal
            open
            title={dialog === 'add' ? t('groups.members.add') : t('groups.members.remove')}
            onCancel={() => setDialog(undefined)}
            onOk={submitIds}
            confirmLoading={act.isPending}
          >
            <Typography.Paragraph type="secondary">{t('groups.members.idsHint')}</Typography.Paragraph>
            <Input.TextArea
              rows={5}
              value={idsText}
              onChange={(e) => setIdsText(e.target.value)}
              data-testid="group-member-ids"
            />
          </Modal>
        )}
      </PageContainer>
    </div>
  );
}
