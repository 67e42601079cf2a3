import { DeleteOutlined, EditOutlined, FolderOutlined, PlusOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Col, Input, Layout, Menu, Popconfirm, Row, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RUNNING_STATUSES, tagKeys, tagsApi, type Tag as UserTag, type TagFolder, type TagStatus } from '../../api/tags';
import { ListEmpty } from '../../components/ListEmpty';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { errorText as translateError } from '../../i18n';
import { hasPermission, useSession } from '../../session/session';
import { useErrorText } from '../../utils/errors';
import { formatDateTime } from '../../utils/format';
import { TagEditorDrawer } from './TagEditorDrawer';
import { TagReportDrawer } from './TagReportDrawer';

/** CONSOLE.md's status colours: 待计算 default, 计算中/冗余中 processing, 计算完成 cyan, 完成 green, failures red. */
const statusColor: Record<TagStatus, string> = {
  new: 'default',
  pending: 'default',
  computing: 'processing',
  computed: 'cyan',
  syncing: 'processing',
  done: 'green',
  compute_failed: 'red',
  failed: 'red',
};

export function TagStatusTag({ status }: { status: TagStatus }) {
  const { t } = useTranslation();
  return (
    <Tag color={statusColor[status]} data-testid="tag-status" data-status={status}>
      {t(`tags.statuses.${status}`)}
    </Tag>
  );
}

/** The folder list of 标签体系: 全部 / 未分组 / each folder, with new / rename / delete. */
function FolderPanel({
  folders,
  selected,
  onSelect,
  onChanged,
}: {
  folders: TagFolder[];
  selected: string;
  onSelect: (folder: string) => void;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const session = useSession();
  const canEdit = hasPermission(session, 'tagFolders.edit');
  const canDelete = hasPermission(session, 'tagFolders.delete');
  const [name, setName] = useState('');
  const [renaming, setRenaming] = useState<string | null>(null);
  const run = async (work: () => Promise<unknown>) => {
    try {
      await work();
      onChanged();
    } catch (error) {
      message.error(errorText(error));
    }
  };
  return (
    <Card size="small" title={t('tags.folders.title')} data-testid="tag-folders">
      <Menu
        mode="inline"
        selectedKeys={[selected]}
        onClick={({ key }) => onSelect(key)}
        style={{ borderInlineEnd: 'none' }}
        items={[
          { key: 'all', label: t('tags.folders.all') },
          { key: 'none', label: t('tags.folders.none') },
          ...folders.map((folder) => ({
            key: folder.id,
            icon: <FolderOutlined />,
            label:
              renaming === folder.id ? (
                <Input
                  size="small"
                  autoFocus
                  defaultValue={folder.name}
                  onClick={(event) => event.stopPropagation()}
                  onPressEnter={(event) => {
                    const value = (event.target as HTMLInputElement).value;
                    setRenaming(null);
                    void run(() => tagsApi.renameFolder(folder.id, value));
                  }}
                  onBlur={() => setRenaming(null)}
                />
              ) : (
                <span data-testid={`tag-folder-${folder.name}`}>
                  {folder.name} ({folder.tagCount})
                  {canEdit && (
                    <EditOutlined
                      style={{ marginInlineStart: 8 }}
                      aria-label={t('tags.folders.rename')}
                      onClick={(event) => {
                        event.stopPropagation();
                        setRenaming(folder.id);
                      }}
                    />
                  )}
                  {canDelete && (
                    <Popconfirm
                      title={t('tags.folders.deleteConfirm', { name: folder.name })}
                      onConfirm={() => run(() => tagsApi.removeFolder(folder.id))}
                    >
                      <DeleteOutlined
                        style={{ marginInlineStart: 8 }}
                        aria-label={t('tags.folders.delete')}
                        onClick={(event) => event.stopPropagation()}
                      />
                    </Popconfirm>
                  )}
                </span>
              ),
          })),
        ]}
      />
      {canEdit && (
        <Space.Compact style={{ width: '100%', marginTop: 8 }}>
          <Input
            size="small"
            value={name}
            placeholder={t('tags.folders.namePlaceholder')}
            onChange={(event) => setName(event.target.value)}
            data-testid="tag-folder-name"
          />
          <Button
            size="small"
            icon={<PlusOutlined />}
            disabled={!name.trim()}
            data-testid="tag-folder-create"
            onClick={() =>
              void run(async () => {
                await tagsApi.createFolder(name);
                setName('');
              })
            }
          >
            {t('tags.folders.create')}
          </Button>
        </Space.Compact>
      )}
    </Card>
  );
}

/** 用户标签 (seed §1.6): folders left, tags right; create / edit in a drawer, compute, report, export, delete. */
export default function TagsPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const session = useSession();
  const queryClient = useQueryClient();
  const canEdit = hasPermission(session, 'tags.edit');
  const canDelete = hasPermission(session, 'tags.delete');
  const canExport = hasPermission(session, 'tags.export');
  const canSeeFolders = hasPermission(session, 'tagFolders.view');
  const [folder, setFolder] = useState('all');
  const [keyword, setKeyword] = useState('');
  const [editing, setEditing] = useState<UserTag | 'new' | null>(null);
  const [reporting, setReporting] = useState<UserTag | null>(null);

  const folders = useQuery({ queryKey: tagKeys.folders, queryFn: tagsApi.folders, enabled: canSeeFolders });
  const list = useQuery({
    queryKey: tagKeys.list(folder),
    queryFn: () => tagsApi.list(folder),
    // A computation moves the status on its own: follow it while one runs.
    refetchInterval: (query) => ((query.state.data ?? []).some((tag) => RUNNING_STATUSES.includes(tag.status)) ? 2000 : false),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: tagKeys.all });
  const act = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      message.success(done);
      refresh();
    } catch (error) {
      message.error(errorText(error));
    }
  };

  const needle = keyword.trim().toLowerCase();
  const shown = (list.data ?? []).filter(
    (tag) => needle === '' || tag.name.toLowerCase().includes(needle) || tag.code.toLowerCase().includes(needle),
  );

  const columns: ColumnsType<UserTag> = [
    {
      title: t('tags.columns.name'),
      dataIndex: 'name',
      render: (_, tag) => (
        <Typography.Link onClick={() => setReporting(tag)} data-testid={`tag-row-${tag.code}`}>
          {tag.name}
        </Typography.Link>
      ),
    },
    {
      title: t('tags.columns.code'),
      dataIndex: 'code',
      render: (code: string) => <Typography.Text code>{code}</Typography.Text>,
    },
    { title: t('tags.columns.kind'), dataIndex: 'kind', render: (_, tag) => t(`tags.kinds.${tag.kind}`) },
    { title: t('tags.columns.valueType'), dataIndex: 'valueType', render: (_, tag) => t(`tags.valueTypes.${tag.valueType}`) },
    { title: t('tags.columns.updateMode'), dataIndex: 'updateMode', render: (_, tag) => t(`tags.updateModes.${tag.updateMode}`) },
    {
      title: t('tags.columns.status'),
      dataIndex: 'status',
      render: (_, tag) => (
        <Tooltip title={tag.error ? (translateError(tag.error.code, {}, tag.error.message) ?? tag.error.message) : undefined}>
          <span data-testid={`tag-status-${tag.code}`}>
            <TagStatusTag status={tag.status} />
          </span>
        </Tooltip>
      ),
    },
    {
      title: t('tags.columns.computedAt'),
      dataIndex: 'computedAt',
      render: (_, tag) => (tag.computedAt ? formatDateTime(tag.computedAt, session.tenant.timeZone) : '—'),
    },
    {
      title: t('tags.columns.actions'),
      key: 'actions',
      render: (_, tag) => (
        <Space size="small" wrap>
          {canEdit && (
            <Tooltip title={tag.canEdit ? undefined : t('tags.actions.editDisabled')}>
              <Button
                size="small"
                type="link"
                disabled={!tag.canEdit}
                onClick={() => setEditing(tag)}
                data-testid={`tag-edit-${tag.code}`}
              >
                {t('tags.actions.edit')}
              </Button>
            </Tooltip>
          )}
          {canEdit && (
            <Tooltip title={tag.canCompute ? undefined : t('tags.actions.computeDisabled')}>
              <Button
                size="small"
                type="link"
                disabled={!tag.canCompute}
                data-testid={`tag-compute-${tag.code}`}
                onClick={() => void act(() => tagsApi.compute(tag.id), t('tags.actions.submitted'))}
              >
                {t('tags.actions.compute')}
              </Button>
            </Tooltip>
          )}
          <Button size="small" type="link" onClick={() => setReporting(tag)} data-testid={`tag-report-${tag.code}`}>
            {t('tags.actions.report')}
          </Button>
          {canExport && (
            <Button size="small" type="link" href={tagsApi.exportUrl(tag.id)} target="_blank" rel="noopener">
              {t('tags.actions.export')}
            </Button>
          )}
          {canDelete && (
            <Tooltip title={tag.canDelete ? undefined : t('tags.actions.deleteDisabled')}>
              <Popconfirm
                title={t('tags.actions.deleteConfirm')}
                disabled={!tag.canDelete}
                onConfirm={() => act(() => tagsApi.remove(tag.id), t('tags.actions.deleted'))}
              >
                <Button size="small" type="link" danger disabled={!tag.canDelete} data-testid={`tag-delete-${tag.code}`}>
                  {t('tags.actions.delete')}
                </Button>
              </Popconfirm>
            </Tooltip>
          )}
        </Space>
      ),
    },
  ];

  return (
    <Layout style={{ background: 'transparent' }} data-testid="tags-page">
      <Typography.Title level={4}>{t('tags.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('tags.subtitle')}</Typography.Paragraph>
      <Row gutter={16}>
        {canSeeFolders && (
          <Col xs={24} md={6}>
            <FolderPanel
              folders={folders.data ?? []}
              selected={folder}
              onSelect={setFolder}
              onChanged={() => void queryClient.invalidateQueries({ queryKey: tagKeys.all })}
            />
          </Col>
        )}
        <Col xs={24} md={canSeeFolders ? 18 : 24}>
          <Card
            size="small"
            title={
              <Input.Search
                allowClear
                placeholder={t('tags.search')}
                style={{ maxWidth: 320 }}
                onChange={(event) => setKeyword(event.target.value)}
                data-testid="tags-search"
              />
            }
            extra={
              canEdit && (
                <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="tags-create">
                  {t('tags.create')}
                </Button>
              )
            }
          >
            {list.error ? (
              <LoadErrorAlert error={list.error} onRetry={() => void list.refetch()} testId="tags-load-error" />
            ) : (
              <Table<UserTag>
                rowKey="id"
                size="middle"
                loading={list.isLoading}
                columns={columns}
                dataSource={shown}
                pagination={{ pageSize: 20, hideOnSinglePage: true }}
                locale={{
                  emptyText: (
                    <ListEmpty title={t('tags.empty.title')} description={t('tags.empty.description')} testId="tags-empty" />
                  ),
                }}
              />
            )}
          </Card>
        </Col>
      </Row>
      {editing && (
        <TagEditorDrawer
          tag={editing === 'new' ? null : editing}
          folders={folders.data ?? []}
          defaultFolderId={folder !== 'all' && folder !== 'none' ? folder : null}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            refresh();
          }}
        />
      )}
      {reporting && <TagReportDrawer tag={reporting} onClose={() => setReporting(null)} />}
    </Layout>
  );
}
