import { DownOutlined, FolderAddOutlined, PlusOutlined } from '@ant-design/icons';
import { PageContainer, ProTable, type ProColumns } from '@ant-design/pro-components';
import type { ConditionTree } from '@huiliu/core/conditions';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Dropdown, Flex, Input, Modal, Select, Space, Tooltip, Tree, Typography } from 'antd';
import { useMemo, useRef, useState, type HTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import {
  GROUP_FOLDER_DEPTH,
  canEdit,
  canRecompute,
  groupKeys,
  groupsApi,
  isBusy,
  type Group,
  type GroupFolder,
} from '../../api/groups';
import { ListEmpty } from '../../components/ListEmpty';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { hasPermission, useSession } from '../../session/session';
import { useErrorText } from '../../utils/errors';
import { formatDateTime, formatNumber } from '../../utils/format';
import { testId } from '../../utils/test-id';
import { DynamicGroupDrawer } from './DynamicGroupDrawer';
import { RealtimeTag, GroupKindTag, GroupStatusTag } from './group-parts';
import { StaticGroupModal } from './StaticGroupModal';

type Editing = { kind: 'dynamic'; group?: Group; condition?: ConditionTree } | { kind: 'static'; group?: Group } | undefined;

/** The folder tree's nodes from the flat list (parents before children). */
function folderTree(folders: GroupFolder[]) {
  type Node = { key: string; title: string; depth: number; children: Node[] };
  const nodes = new Map<string, Node>(folders.map((f) => [f.id, { key: f.id, title: f.name, depth: f.depth, children: [] }]));
  const roots: Node[] = [];
  for (const f of folders) (f.parentId ? nodes.get(f.parentId)?.children : roots)?.push(nodes.get(f.id)!);
  return roots;
}

/** `?condition=<json>` of /groups/new (the tag report links there): a tree, or nothing. */
function conditionParam(value: string | null): ConditionTree | undefined {
  if (!value) return undefined;
  try {
    const tree = JSON.parse(value) as ConditionTree;
    return tree && (tree.type === 'and' || tree.type === 'or') && Array.isArray(tree.conditions) ? tree : undefined;
  } catch {
    return undefined;
  }
}

/**
 * 用户群组 (seed §1.5): 群组目录 (4 levels) on the left, the groups of the chosen folder on the right
 * with their kind and status; 新建动态组 / 新建静态组; per group: 编辑 (dynamic only at 完成),
 * 重新计算 (完成 / 计算失败 / 失败), 另存为, 移至目录, 删除 — disabled actions say why.
 */
export default function GroupsPage() {
  const { t, i18n } = useTranslation();
  const { message, modal } = App.useApp();
  const errorText = useErrorText();
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [params] = useSearchParams();
  const queryClient = useQueryClient();
  const canEditGroups = hasPermission(session, 'groups.edit');
  const canDelete = hasPermission(session, 'groups.delete');
  const canEditFolders = hasPermission(session, 'groupFolders.edit');
  const canDeleteFolders = hasPermission(session, 'groupFolders.delete');
  const [folderId, setFolderId] = useState<string | undefined>();
  const [keyword, setKeyword] = useState('');
  const isNew = location.pathname === '/groups/new';
  const [editing, setEditing] = useState<Editing>(() =>
    isNew ? { kind: 'dynamic', condition: conditionParam(params.get('condition')) } : undefined,
  );
  const [moving, setMoving] = useState<Group>();

  const folders = useQuery({ queryKey: groupKeys.folders, queryFn: groupsApi.folders });
  const list = useQuery({
    queryKey: groupKeys.list(folderId, keyword),
    queryFn: () => groupsApi.list({ folderId, keyword }),
    // While a computation runs, the status moves on by itself.
    refetchInterval: (query) => (query.state.data?.items.some(isBusy) ? 2000 : false),
  });
  const tree = useMemo(() => folderTree(folders.data?.items ?? []), [folders.data]);
  const folderById = new Map((folders.data?.items ?? []).map((f) => [f.id, f]));
  const refresh = () => void queryClient.invalidateQueries({ queryKey: groupKeys.all });
  const act = useMutation({
    mutationFn: (run: () => Promise<unknown>) => run(),
    onSuccess: refresh,
    onError: (error) => void message.error(errorText(error)),
  });

  const askName = (title: string, initial: string, onOk: (name: string) => Promise<unknown>) => {
    let value = initial;
    modal.confirm({
      title,
      icon: null,
      content: (
        <Input defaultValue={initial} maxLength={64} onChange={(e) => (value = e.target.value)} data-testid="name-prompt" />
      ),
      onOk: () => act.mutateAsync(() => onOk(value.trim())),
    });
  };

  const columns: ProColumns<Group>[] = [
    {
      title: t('groups.fields.name'),
      dataIndex: 'name',
      render: (_, group) => (
        <Link to={`/groups/${group.id}`} data-testid="group-link">
          {group.name}
        </Link>
      ),
    },
    { title: 'ID', dataIndex: 'id', width: 80 },
    { title: t('groups.fields.kind'), dataIndex: 'kind', width: 90, render: (_, group) => <GroupKindTag kind={group.kind} /> },
    { title: t('groups.fields.status'), dataIndex: 'status', width: 120, render: (_, group) => <GroupStatusTag group={group} /> },
    {
      title: t('groups.fields.members'),
      dataIndex: 'memberCount',
      width: 110,
      render: (_, group) => (group.memberCount === null ? '-' : formatNumber(group.memberCount, i18n.language)),
    },
    {
      title: t('groups.fields.updateMode'),
      dataIndex: 'updateMode',
      width: 130,
      render: (_, group) =>
        group.updateMode ? (
          <Space size={4}>
            {t(`groups.updateMode.${group.updateMode}`)}
            {group.realtime && <RealtimeTag />}
          </Space>
        ) : (
          '-'
        ),
    },
    {
      title: t('groups.fields.computedAt'),
      dataIndex: 'computedAt',
      width: 170,
      render: (_, group) => (group.computedAt ? formatDateTime(group.computedAt, session.tenant.timeZone) : '-'),
    },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 180,
      render: (_, group) => {
        const editable = canEdit(group);
        return (
          <Space>
            <Tooltip title={editable ? undefined : t('groups.rules.editOnlyDone')}>
              <Button
                type="link"
                size="small"
                disabled={!canEditGroups || !editable}
                onClick={() => setEditing(group.kind === 'dynamic' ? { kind: 'dynamic', group } : { kind: 'static', group })}
                data-testid={`group-edit-${group.id}`}
              >
                {t('common.edit')}
              </Button>
            </Tooltip>
            <Dropdown
              menu={{
                items: [
                  ...(group.kind === 'dynamic'
                    ? [
                        {
                          key: 'recompute',
                          disabled: !canEditGroups || !canRecompute(group),
                          label: (
                            <Tooltip title={canRecompute(group) ? undefined : t('groups.rules.recompute')}>
                              <span data-testid="group-recompute">{t('groups.actions.recompute')}</span>
                            </Tooltip>
                          ),
                        },
                        { key: 'saveAs', disabled: !canEditGroups, label: t('groups.actions.saveAs') },
                      ]
                    : []),
                  { key: 'move', disabled: !canEditGroups, label: t('groups.actions.move') },
                  {
                    key: 'delete',
                    danger: true,
                    disabled: !canDelete || isBusy(group),
                    label: <span data-testid="group-delete">{t('groups.actions.delete')}</span>,
                  },
                ],
                onClick: ({ key }) => {
                  if (key === 'recompute') act.mutate(() => groupsApi.recompute(group.id));
                  if (key === 'saveAs')
                    askName(t('groups.actions.saveAs'), `${group.name}${t('groups.copySuffix')}`, (name) =>
                      groupsApi.saveAs(group.id, name),
                    );
                  if (key === 'move') setMoving(group);
                  if (key === 'delete')
                    modal.confirm({
                      title: t('groups.actions.deleteConfirm', { name: group.name }),
                      content: t('groups.actions.deleteHint'),
                      okButtonProps: { danger: true },
                      onOk: () => act.mutateAsync(() => groupsApi.remove(group.id)),
                    });
                },
              }}
            >
              <Button type="link" size="small" data-testid={`group-more-${group.id}`}>
                {t('groups.actions.more')} <DownOutlined />
              </Button>
            </Dropdown>
          </Space>
        );
      },
    },
  ];

  const selected = folderId ? folderById.get(folderId) : undefined;
  // A new group saved from /groups/new goes to its detail page; only a cancelled one returns to /groups.
  const savedNew = useRef(false);
  const closeEditor = () => {
    setEditing(undefined);
    if (isNew && !savedNew.current) navigate('/groups', { replace: true });
    savedNew.current = false;
  };

  return (
    <div data-testid="groups-page">
      <PageContainer
        title={t('groups.title')}
        extra={
          canEditGroups
            ? [
                <Button
                  key="dynamic"
                  type="primary"
                  icon={<PlusOutlined />}
                  onClick={() => setEditing({ kind: 'dynamic' })}
                  data-testid="group-new-dynamic"
                >
                  {t('groups.actions.newDynamic')}
                </Button>,
                <Button
                  key="static"
                  icon={<PlusOutlined />}
                  onClick={() => setEditing({ kind: 'static' })}
                  data-testid="group-new-static"
                >
                  {t('groups.actions.newStatic')}
                </Button>,
              ]
            : []
        }
      >
        <Flex gap={16} align="flex-start">
          <Card
            size="small"
            style={{ width: 260, flex: 'none' }}
            title={t('groups.folders.title')}
            data-testid="group-folders"
            extra={
              canEditFolders && (
                <Tooltip title={selected ? t('groups.folders.newChild') : t('groups.folders.new')}>
                  <Button
                    size="small"
                    type="text"
                    icon={<FolderAddOutlined />}
                    disabled={selected !== undefined && selected.depth >= GROUP_FOLDER_DEPTH}
                    onClick={() =>
                      askName(selected ? t('groups.folders.newChild') : t('groups.folders.new'), '', (name) =>
                        groupsApi.createFolder(name, folderId ?? null),
                      )
                    }
                    data-testid="group-folder-new"
                  />
                </Tooltip>
              )
            }
          >
            <Typography.Link onClick={() => setFolderId(undefined)} strong={folderId === undefined}>
              {t('groups.folders.all')}
            </Typography.Link>
            <LoadErrorAlert error={folders.error} onRetry={() => void folders.refetch()} testId="group-folders-error" />
            <Tree
              blockNode
              defaultExpandAll
              treeData={tree}
              selectedKeys={folderId ? [folderId] : []}
              onSelect={(keys) => setFolderId(keys[0] === undefined ? undefined : String(keys[0]))}
            />
            {selected && (
              <Space style={{ marginTop: 8 }}>
                {canEditFolders && (
                  <Button
                    size="small"
                    onClick={() =>
                      askName(t('groups.folders.rename'), selected.name, (name) => groupsApi.updateFolder(selected.id, { name }))
                    }
                  >
                    {t('groups.folders.rename')}
                  </Button>
                )}
                {canDeleteFolders && (
                  <Button
                    size="small"
                    danger
                    onClick={() =>
                      modal.confirm({
                        title: t('groups.folders.deleteConfirm', { name: selected.name }),
                        onOk: () =>
                          act.mutateAsync(async () => {
                            await groupsApi.removeFolder(selected.id);
                            setFolderId(undefined);
                          }),
                      })
                    }
                  >
                    {t('groups.folders.delete')}
                  </Button>
                )}
              </Space>
            )}
          </Card>
          <div style={{ flex: 1, minWidth: 0 }}>
            <LoadErrorAlert error={list.error} onRetry={() => void list.refetch()} testId="groups-load-error" />
            <ProTable<Group>
              rowKey="id"
              columns={columns}
              dataSource={list.data?.items}
              loading={list.isPending}
              search={false}
              cardBordered
              pagination={{ pageSize: 20 }}
              options={{ reload: () => void list.refetch(), density: false, setting: false }}
              onRow={(group) => testId(`group-row-${group.id}`) as HTMLAttributes<HTMLElement>}
              toolBarRender={() => [
                <Input.Search
                  key="keyword"
                  allowClear
                  style={{ width: 240 }}
                  placeholder={t('groups.search')}
                  onSearch={(value) => setKeyword(value.trim())}
                  data-testid="groups-keyword"
                />,
              ]}
              locale={{
                emptyText: (
                  <ListEmpty title={t('groups.empty.title')} description={t('groups.empty.description')} testId="groups-empty" />
                ),
              }}
            />
          </div>
        </Flex>
        {editing?.kind === 'dynamic' && (
          <DynamicGroupDrawer
            group={editing.group}
            folderId={folderId}
            initialCondition={editing.condition}
            onClose={closeEditor}
            onSaved={(group) => {
              if (editing.group) return;
              savedNew.current = true;
              navigate(`/groups/${group.id}`);
            }}
          />
        )}
        {editing?.kind === 'static' && (
          <StaticGroupModal
            group={editing.group}
            folderId={folderId}
            onClose={closeEditor}
            onSaved={(group) => {
              if (editing.group) return;
              savedNew.current = true;
              navigate(`/groups/${group.id}`);
            }}
          />
        )}
        {moving && (
          <MoveModal
            group={moving}
            folders={folders.data?.items ?? []}
            onClose={() => setMoving(undefined)}
            onMove={(target) => act.mutateAsync(() => groupsApi.move(moving.id, target)).then(() => setMoving(undefined))}
          />
        )}
      </PageContainer>
    </div>
  );
}

function MoveModal({
  group,
  folders,
  onClose,
  onMove,
}: {
  group: Group;
  folders: GroupFolder[];
  onClose: () => void;
  onMove: (folderId: string | null) => Promise<unknown>;
}) {
  const { t } = useTranslation();
  const [target, setTarget] = useState<string | null>(group.folderId);
  return (
    <Modal open title={t('groups.actions.move')} onCancel={onClose} onOk={() => onMove(target)}>
      <Select
        style={{ width: '100%' }}
        value={target ?? ''}
        onChange={(value) => setTarget(value === '' ? null : value)}
        options={[
          { value: '', label: t('groups.folders.none') },
          ...folders.map((f) => ({ value: f.id, label: `${'— '.repeat(f.depth - 1)}${f.name}` })),
        ]}
      />
    </Modal>
  );
}
