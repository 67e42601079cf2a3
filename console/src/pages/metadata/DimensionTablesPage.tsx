import { ListEmpty } from '../../components/ListEmpty';
import { SyncOutlined } from '@ant-design/icons';
import type { ProColumns } from '@ant-design/pro-components';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Popover, Space, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { metadataApi, metadataKeys, type DimensionTable, type DimensionTableStatus } from '../../api/metadata';
import { useTaskSubmitted } from '../../notifications/useTaskSubmitted';
import { useSession } from '../../session/session';
import { formatDateTime, formatNumber } from '../../utils/format';
import { CsvUploadModal } from './CsvUploadModal';
import { DimensionTableDrawer } from './DimensionTableDrawer';
import { actionsColumn, codeColumn, ConfirmLink, CreateButton, MetadataPage, MetadataTable, useRowAction } from './scaffold';
import { propertyTypeText, useCanManageMetadata } from './shared';

/** CONSOLE.md's status colours: 无数据 default, 导入中/清空中 processing with a spinner, 已导入 green. */
const statusColors: Record<DimensionTableStatus, string> = {
  empty: 'default',
  loading: 'processing',
  ready: 'green',
  clearing: 'processing',
};

const busy = (table: DimensionTable) => table.status === 'loading' || table.status === 'clearing';

export function DimensionStatusTag({ status }: { status: DimensionTableStatus }) {
  const { t } = useTranslation();
  return (
    <Tag
      color={statusColors[status] ?? 'default'}
      icon={status === 'loading' || status === 'clearing' ? <SyncOutlined spin /> : undefined}
      data-testid="dimension-table-status"
    >
      {t(`metadata.dimensionTables.status.${status}`)}
    </Tag>
  );
}

/** 维度表 (§1.10.13): tables linked to an event or contact property; create, edit, upload, clear, delete. */
export default function DimensionTablesPage() {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const canManage = useCanManageMetadata();
  const queryClient = useQueryClient();
  const taskSubmitted = useTaskSubmitted();
  const list = useQuery({
    queryKey: metadataKeys.dimensionTables,
    queryFn: metadataApi.dimensionTables,
    // While a load or clear runs, follow its status.
    refetchInterval: (query) => ((query.state.data ?? []).some(busy) ? 5_000 : false),
  });
  const [editing, setEditing] = useState<DimensionTable | 'new' | null>(null);
  const [uploading, setUploading] = useState<DimensionTable | null>(null);

  const refresh = () => void queryClient.invalidateQueries({ queryKey: metadataKeys.dimensionTables });

  const runRowAction = useRowAction(refresh);
  const remove = (tableId: string) => runRowAction(() => metadataApi.deleteDimensionTable(tableId), t('metadata.deleted'));
  const clear = (tableId: string) =>
    runRowAction(async () => taskSubmitted((await metadataApi.clearDimensionTable(tableId)).taskId));

  const columns: ProColumns<DimensionTable>[] = [
    codeColumn<DimensionTable>(t('metadata.dimensionTables.columns.code'), 'code'),
    {
      title: t('metadata.dimensionTables.columns.name'),
      dataIndex: 'name',
      ellipsis: true,
      render: (_, table) => <span data-testid="dimension-table-name-cell">{table.name}</span>,
    },
    {
      title: t('metadata.dimensionTables.columns.link'),
      key: 'link',
      render: (_, table) => (
        <Space size={4}>
          <Tag color={table.linkTarget === 'event' ? 'blue' : 'purple'}>{t(`metadata.targets.${table.linkTarget}`)}</Tag>
          <span>{table.linkPropertyName}</span>
          <Typography.Text type="secondary" code>
            {table.linkProperty}
          </Typography.Text>
        </Space>
      ),
    },
    {
      title: t('metadata.dimensionTables.columns.fields'),
      key: 'fields',
      render: (_, table) => (
        <Popover
          content={
            <Space direction="vertical" size={2}>
              {table.fields.map((field) => (
                <span key={field.id}>
                  <Typography.Text code>{field.code}</Typography.Text> {field.name}
                  <Typography.Text type="secondary"> · {propertyTypeText(t, field.type)}</Typography.Text>
                  {field.code === table.primaryField && (
                    <Tag color="gold" style={{ marginInlineStart: 6 }}>
                      {t('metadata.dimensionTables.primary')}
                    </Tag>
                  )}
                </span>
              ))}
            </Space>
          }
        >
          <Typography.Link data-testid="dimension-table-fields">
            {t('metadata.dimensionTables.fieldCount', { count: table.fields.length })}
          </Typography.Link>
        </Popover>
      ),
    },
    {
      title: t('metadata.dimensionTables.columns.status'),
      dataIndex: 'status',
      render: (_, table) => <DimensionStatusTag status={table.status} />,
    },
    {
      title: t('metadata.dimensionTables.columns.rowCount'),
      dataIndex: 'rowCount',
      align: 'right',
      render: (_, table) => <span data-testid="dimension-table-rows">{formatNumber(table.rowCount, i18n.language)}</span>,
    },
    {
      title: t('metadata.dimensionTables.columns.loadedAt'),
      dataIndex: 'loadedAt',
      width: 170,
      render: (_, table) => (
        <span data-testid="dimension-table-loaded-at">
          {table.loadedAt ? formatDateTime(table.loadedAt, session.tenant.timeZone) : ''}
        </span>
      ),
    },
    actionsColumn<DimensionTable>(t, (_, table) => {
      const running = busy(table);
      const empty = table.status === 'empty' && table.rowCount === 0;
      const busyText = t('metadata.dimensionTables.actions.busy');
      return [
        canManage && (
          <Typography.Link key="edit" onClick={() => setEditing(table)} data-testid="dimension-table-edit">
            {t('common.edit')}
          </Typography.Link>
        ),
        canManage && (
          <Tooltip key="upload" title={running ? busyText : undefined}>
            <Typography.Link
              disabled={running}
              aria-disabled={running}
              onClick={() => setUploading(table)}
              data-testid="dimension-table-upload"
            >
              {t('metadata.dimensionTables.actions.upload')}
            </Typography.Link>
          </Tooltip>
        ),
        <Typography.Link
          key="template"
          href={metadataApi.dimensionTemplateUrl(table.id)}
          download
          data-testid="dimension-table-template"
        >
          {t('metadata.dimensionTables.actions.template')}
        </Typography.Link>,
        canManage &&
          (running || empty ? (
            <Tooltip key="clear" title={running ? busyText : t('metadata.dimensionTables.actions.alreadyEmpty')}>
              <Typography.Link disabled aria-disabled data-testid="dimension-table-clear">
                {t('metadata.dimensionTables.actions.clear')}
              </Typography.Link>
            </Tooltip>
          ) : (
            <ConfirmLink
              key="clear"
              title={t('metadata.dimensionTables.clear.title', { name: table.name })}
              description={t('metadata.dimensionTables.clear.description')}
              okText={t('metadata.dimensionTables.actions.clear')}
              confirmTestId={`dimension-table-clear-confirm-${table.id}`}
              onConfirm={() => clear(table.id)}
              testId="dimension-table-clear"
              danger={false}
            >
              {t('metadata.dimensionTables.actions.clear')}
            </ConfirmLink>
          )),
        canManage && (
          <ConfirmLink
            key="delete"
            title={t('metadata.dimensionTables.remove.title', { name: table.name })}
            description={t('metadata.dimensionTables.remove.description')}
            confirmTestId={`dimension-table-delete-confirm-${table.id}`}
            onConfirm={() => remove(table.id)}
            testId="dimension-table-delete"
          >
            {t('metadata.dimensionTables.actions.delete')}
          </ConfirmLink>
        ),
      ];
    }),
  ];

  return (
    <MetadataPage
      testId="dimension-tables-page"
      title={t('metadata.dimensionTables.title')}
      description={t('metadata.dimensionTables.description')}
      canManage={canManage}
      list={list}
      loadErrorTestId="dimension-tables-load-error"
    >
      <MetadataTable<DimensionTable>
        list={list}
        columns={columns}
        dataSource={list.data ?? []}
        loading={list.isPending}
        pageSize="short"
        rowTestId={(table) => `dimension-table-row-${table.code}`}
        toolBarRender={() => [
          canManage && (
            <CreateButton key="create" onClick={() => setEditing('new')} testId="dimension-tables-create">
              {t('metadata.dimensionTables.create.button')}
            </CreateButton>
          ),
        ]}
        loadFailedTestId="dimension-tables-load-failed"
        empty={
          <ListEmpty
            title={t('metadata.dimensionTables.empty.title')}
            description={t('metadata.dimensionTables.empty.description')}
            testId="dimension-tables-empty"
          />
        }
      />
      {editing !== null && (
        <DimensionTableDrawer table={editing === 'new' ? null : editing} onClose={() => setEditing(null)} onSaved={refresh} />
      )}
      {uploading && (
        <CsvUploadModal<{ taskId: string }>
          key={uploading.id}
          title={t('metadata.dimensionTables.upload.title', { name: uploading.name })}
          hint={t('metadata.dimensionTables.upload.hint')}
          selectText={t('metadata.dimensionTables.upload.select')}
          submitText={t('metadata.dimensionTables.upload.submit')}
          requiredText={t('metadata.dimensionTables.upload.required')}
          upload={(file) => metadataApi.uploadDimensionTable(uploading.id, file)}
          onDone={({ taskId }) => {
            taskSubmitted(taskId);
            refresh();
          }}
          onClose={() => setUploading(null)}
          testIdPrefix="dimension-upload"
        />
      )}
    </MetadataPage>
  );
}
