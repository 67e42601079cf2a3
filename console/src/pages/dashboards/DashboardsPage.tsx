import {
  AppstoreAddOutlined,
  DashboardOutlined,
  FolderAddOutlined,
  FolderOutlined,
  MoreOutlined,
  PlusOutlined,
} from '@ant-design/icons';
import { PageContainer } from '@ant-design/pro-components';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Dropdown, Empty, Flex, Modal, Space, Tooltip, Tree, TreeSelect, Typography } from 'antd';
import type { MenuProps } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router-dom';
import {
  DASHBOARD_FOLDER_DEPTH,
  DASHBOARD_NAME_MAX,
  dashboardKeys,
  dashboardsApi,
  type DashboardFolder,
  type DashboardSummary,
  type PositionDirection,
} from '../../api/dashboards';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { NameModal } from '../../components/NameModal';
import { hasPermission, useSession } from '../../session/session';
import { useErrorText } from '../../utils/errors';
import { dashboardTree, type DashboardTreeNode } from './dashboard-tree';
import { DashboardView } from './DashboardView';
import { PresetsModal } from './PresetsModal';

type Naming =
  | { kind: 'newDashboard'; folderId: string | null }
  | { kind: 'newFolder'; parentId: string | null }
  | { kind: 'renameDashboard'; dashboard: DashboardSummary }
  | { kind: 'renameFolder'; folder: DashboardFolder };

/** The folders as a TreeSelect's data (a dashboard moves into any of them, or to the top level). */
function folderOptions(
  nodes: DashboardTreeNode[],
): { value: string; title: string; children: ReturnType<typeof folderOptions> }[] {
  return nodes
    .filter((node) => node.kind === 'folder')
    .map((node) => ({ value: node.id, title: node.name, children: folderOptions(node.children) }));
}

function MoveDashboardModal({
  dashboard,
  tree,
  onClose,
  onMove,
}: {
  dashboard: DashboardSummary;
  tree: DashboardTreeNode[];
  onClose: () => void;
  onMove: (folderId: string | null) => Promise<unknown>;
}) {
  const { t } = useTranslation();
  const [target, setTarget] = useState<string>(dashboard.folderId ?? '');
  return (
    <Modal
      open
      title={t('dashboards.actions.move')}
      onCancel={onClose}
      onOk={() => onMove(target === '' ? null : target).then(onClose)}
    >
      <TreeSelect
        style={{ width: '100%' }}
        value={target}
        onChange={(value: string) => setTarget(value)}
        treeDefaultExpandAll
        treeData={[{ value: '', title: t('dashboards.folders.root'), children: folderOptions(tree) }]}
        data-testid="dashboard-move-target"
      />
    </Modal>
  );
}

/**
 * 仪表盘 (seed §1.3): 所有仪表盘 — folders (4 levels) and dashboards in one tree, each with its
 * actions (新建, 重命名, 移动, 置顶/上移/下移, 删除) — and the open dashboard beside it. 预置仪表盘
 * installs a plugin's dashboards into a folder.
 */
export default function DashboardsPage() {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const { dashboardId } = useParams();
  const queryClient = useQueryClient();
  const session = useSession();
  const canEdit = hasPermission(session, 'dashboards.edit');
  const canDelete = hasPermission(session, 'dashboards.delete');
  const canEditFolders = hasPermission(session, 'dashboardFolders.edit');
  const canDeleteFolders = hasPermission(session, 'dashboardFolders.delete');
  const [naming, setNaming] = useState<Naming>();
  const [moving, setMoving] = useState<DashboardSummary>();
  const [presets, setPresets] = useState(false);
  const folders = useQuery({ queryKey: dashboardKeys.folders, queryFn: dashboardsApi.folders });
  const list = useQuery({ queryKey: dashboardKeys.list, queryFn: dashboardsApi.list });
  const folderItems = folders.data?.items ?? [];
  const dashboards = list.data?.items ?? [];
  const tree = useMemo(() => dashboardTree(folderItems, dashboards), [folderItems, dashboards]);
  const folderById = new Map(folderItems.map((folder) => [folder.id, folder]));
  const dashboardById = new Map(dashboards.map((dashboard) => [dashboard.id, dashboard]));
  const refreshAll = () => void queryClient.invalidateQueries({ queryKey: dashboardKeys.all });
  const act = useMutation({
    mutationFn: (run: () => Promise<unknown>) => run(),
    onSuccess: refreshAll,
    onError: (error) => void message.error(errorText(error)),
  });

  const moveItems = (): MenuProps['items'] => [
    { key: 'top', label: t('dashboards.actions.top') },
    { key: 'up', label: t('dashboards.actions.up') },
    { key: 'down', label: t('dashboards.actions.down') },
  ];
  const isDirection = (key: string): key is PositionDirection => key === 'top' || key === 'up' || key === 'down';

  const folderMenu = (folder: DashboardFolder): MenuProps => ({
    items: [
      ...(canEdit ? [{ key: 'newDashboard', label: t('dashboards.actions.newHere') }] : []),
      ...(canEditFolders
        ? [
            { key: 'newFolder', disabled: folder.depth >= DASHBOARD_FOLDER_DEPTH, label: t('dashboards.folders.newChild') },
            { key: 'rename', label: t('dashboards.actions.rename') },
            ...(moveItems() ?? []),
          ]
        : []),
      ...(canDeleteFolders
        ? [
            {
              key: 'delete',
              danger: true,
              label: <span data-testid="dashboard-folder-delete">{t('dashboards.actions.delete')}</span>,
            },
          ]
        : []),
    ],
    onClick: ({ key, domEvent }) => {
      domEvent.stopPropagation();
      if (key === 'newDashboard') setNaming({ kind: 'newDashboard', folderId: folder.id });
      if (key === 'newFolder') setNaming({ kind: 'newFolder', parentId: folder.id });
      if (key === 'rename') setNaming({ kind: 'renameFolder', folder });
      if (isDirection(key)) act.mutate(() => dashboardsApi.moveFolder(folder.id, key));
      if (key === 'delete')
        modal.confirm({
          title: t('dashboards.folders.deleteConfirm', { name: folder.name }),
          content: t('dashboards.folders.deleteHint'),
          okButtonProps: { danger: true },
          onOk: () => act.mutateAsync(() => dashboardsApi.removeFolder(folder.id)),
        });
    },
  });
  const dashboardMenu = (dashboard: DashboardSummary): MenuProps => ({
    items: [
      ...(canEdit
        ? [
            { key: 'rename', label: t('dashboards.actions.rename') },
            { key: 'move', label: t('dashboards.actions.move') },
            ...(moveItems() ?? []),
          ]
        : []),
      ...(canDelete
        ? [{ key: 'delete', danger: true, label: <span data-testid="dashboard-delete">{t('dashboards.actions.delete')}</span> }]
        : []),
    ],
    onClick: ({ key, domEvent }) => {
      domEvent.stopPropagation();
      if (key === 'rename') setNaming({ kind: 'renameDashboard', dashboard });
      if (key === 'move') setMoving(dashboard);
      if (isDirection(key)) act.mutate(() => dashboardsApi.move(dashboard.id, key));
      if (key === 'delete')
        modal.confirm({
          title: t('dashboards.deleteConfirm', { name: dashboard.name }),
          content: t('dashboards.deleteHint'),
          okButtonProps: { danger: true },
          onOk: () =>
            act.mutateAsync(async () => {
              await dashboardsApi.remove(dashboard.id);
              if (dashboardId === dashboard.id) navigate('/dashboards', { replace: true });
            }),
        });
    },
  });

  const toTreeData = (nodes: DashboardTreeNode[]): object[] =>
    nodes.map((node) => {
      const folder = node.kind === 'folder' ? folderById.get(node.id) : undefined;
      const dashboard = node.kind === 'dashboard' ? dashboardById.get(node.id) : undefined;
      const menu = folder ? folderMenu(folder) : dashboard ? dashboardMenu(dashboard) : undefined;
      const testId = `dashboard-node-${node.kind}-${node.id}`;
      return {
        key: node.key,
        selectable: node.kind === 'dashboard',
        title: (
          <Flex justify="space-between" align="center" gap={4} data-testid={testId} data-name={node.name}>
            <Flex gap={6} align="center" style={{ minWidth: 0 }}>
              {node.kind === 'folder' ? <FolderOutlined /> : <DashboardOutlined />}
              <Typography.Text ellipsis style={{ maxWidth: 170 }}>
                {node.name}
              </Typography.Text>
            </Flex>
            {menu && (menu.items?.length ?? 0) > 0 && (
              <Dropdown menu={menu} trigger={['click']}>
                <Button
                  type="text"
                  size="small"
                  icon={<MoreOutlined />}
                  onClick={(event) => event.stopPropagation()}
                  data-testid={`${testId}-menu`}
                />
              </Dropdown>
            )}
          </Flex>
        ),
        children: toTreeData(node.children),
      };
    });

  const submitName = (name: string): Promise<unknown> => {
    if (!naming) return Promise.resolve();
    switch (naming.kind) {
      case 'newDashboard':
        return dashboardsApi.create({ name, folderId: naming.folderId }).then((created) => {
          refreshAll();
          navigate(`/dashboards/${created.id}`);
        });
      case 'newFolder':
        return dashboardsApi.createFolder({ name, parentId: naming.parentId }).then(refreshAll);
      case 'renameDashboard':
        return dashboardsApi.update(naming.dashboard.id, { name }).then(refreshAll);
      case 'renameFolder':
        return dashboardsApi.updateFolder(naming.folder.id, { name }).then(refreshAll);
    }
  };
  const namingTitle = naming
    ? {
        newDashboard: t('dashboards.actions.new'),
        newFolder:
          naming.kind === 'newFolder' && naming.parentId ? t('dashboards.folders.newChild') : t('dashboards.folders.new'),
        renameDashboard: t('dashboards.actions.rename'),
        renameFolder: t('dashboards.actions.rename'),
      }[naming.kind]
    : '';
  const namingInitial =
    naming?.kind === 'renameDashboard' ? naming.dashboard.name : naming?.kind === 'renameFolder' ? naming.folder.name : '';
  const isFolderNaming = naming?.kind === 'newFolder' || naming?.kind === 'renameFolder';
  const loading = folders.isPending || list.isPending;

  return (
    <div data-testid="dashboards-page">
      <PageContainer
        title={t('dashboards.title')}
        extra={[
          ...(canEditFolders
            ? [
                <Button
                  key="folder"
                  icon={<FolderAddOutlined />}
                  onClick={() => setNaming({ kind: 'newFolder', parentId: null })}
                  data-testid="dashboard-folder-new"
                >
                  {t('dashboards.folders.new')}
                </Button>,
              ]
            : []),
          ...(canEdit
            ? [
                <Button
                  key="presets"
                  icon={<AppstoreAddOutlined />}
                  onClick={() => setPresets(true)}
                  data-testid="dashboard-presets"
                >
                  {t('dashboards.presets.title')}
                </Button>,
                <Button
                  key="new"
                  type="primary"
                  icon={<PlusOutlined />}
                  onClick={() => setNaming({ kind: 'newDashboard', folderId: null })}
                  data-testid="dashboard-new"
                >
                  {t('dashboards.actions.new')}
                </Button>,
              ]
            : []),
        ]}
      >
        <Flex gap={16} align="flex-start">
          <Card size="small" title={t('dashboards.all')} style={{ width: 300, flex: 'none' }} data-testid="dashboard-tree">
            <LoadErrorAlert error={folders.error ?? list.error} onRetry={refreshAll} testId="dashboard-tree-error" />
            {loading ? (
              <Typography.Text type="secondary">{t('app.loading')}</Typography.Text>
            ) : tree.length === 0 ? (
              <Empty
                image={Empty.PRESENTED_IMAGE_SIMPLE}
                description={t('dashboards.emptyTree')}
                data-testid="dashboard-tree-empty"
              />
            ) : (
              <Tree
                blockNode
                defaultExpandAll
                treeData={toTreeData(tree) as never}
                selectedKeys={dashboardId ? [`dashboard:${dashboardId}`] : []}
                onSelect={(keys) => {
                  const key = String(keys[0] ?? '');
                  if (key.startsWith('dashboard:')) navigate(`/dashboards/${key.slice('dashboard:'.length)}`);
                }}
              />
            )}
          </Card>
          <div style={{ flex: 1, minWidth: 0 }}>
            {dashboardId ? (
              <DashboardView key={dashboardId} dashboardId={dashboardId} />
            ) : (
              <Card>
                <Empty
                  description={
                    <Space direction="vertical">
                      <Typography.Text strong>{t('dashboards.welcome.title')}</Typography.Text>
                      <Typography.Text type="secondary">{t('dashboards.welcome.description')}</Typography.Text>
                    </Space>
                  }
                  data-testid="dashboards-welcome"
                >
                  {canEdit && (
                    <Tooltip title={t('dashboards.welcome.hint')}>
                      <Button type="primary" onClick={() => setNaming({ kind: 'newDashboard', folderId: null })}>
                        {t('dashboards.actions.new')}
                      </Button>
                    </Tooltip>
                  )}
                </Empty>
              </Card>
            )}
          </div>
        </Flex>
        {naming && (
          <NameModal
            title={namingTitle}
            label={isFolderNaming ? t('dashboards.folders.name') : t('dashboards.fields.name')}
            requiredMessage={isFolderNaming ? t('dashboards.folders.nameRequired') : t('dashboards.fields.nameRequired')}
            initialName={namingInitial}
            max={DASHBOARD_NAME_MAX}
            nameCodes={['dashboard_name_taken', 'dashboard_folder_name_taken']}
            testId="dashboard-name"
            onClose={() => setNaming(undefined)}
            onSubmit={submitName}
          />
        )}
        {moving && (
          <MoveDashboardModal
            dashboard={moving}
            tree={tree}
            onClose={() => setMoving(undefined)}
            onMove={(folderId) => act.mutateAsync(() => dashboardsApi.update(moving.id, { folderId }))}
          />
        )}
        {presets && <PresetsModal folders={folderItems} onClose={() => setPresets(false)} onInstalled={refreshAll} />}
      </PageContainer>
    </div>
  );
}
