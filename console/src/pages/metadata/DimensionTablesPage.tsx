import { PlusOutlined, SyncOutlined } from '@ant-design/icons';
import { PageContainer, type ProColumns, ProTable } from '@ant-design/pro-components';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Popconfirm, Popover, Space, Tag, Tooltip, Typography } from 'antd';
import { type HTMLAttributes, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { metadataApi, metadataKeys, type DimensionTable, type DimensionTableStatus } from '../../api/metadata';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { useTaskSubmitted } from '../../notifications/useTaskSubmitted';
import { useSession } from '../../session/session';
import { useErrorText } from '../../utils/errors';
import { formatDateTime, formatNumber } from '../../utils/format';
import { testId } from '../../utils/test-id';
import { CsvUploadModal } from './CsvUploadModal';
import { DimensionTableDrawer } from './DimensionTableDrawer';
import { MetadataEmpty, propertyTypeText, useCanManageMetadata, ViewOnlyNotice } from './shared';

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
  const { message } = App.useApp();
  const errorText = useErrorText();
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

  const remove = async (tableId: string) => {
    try {
      await metadataApi.deleteDimensionTable(tableId);
      message.success(t('metadata.deleted'));
    } catch (error) {
      message.error(errorText(error));
    }
    refresh();
  };

  const clear = async (tableId: string) => {
    try {
      taskSubmitted((await metadataApi.clearDimensionTable(tableId)).taskId);
    } catch (error) {
      message.error(errorText(error));
    }
    refresh();
  };

  const columns: ProColumns<DimensionTable>[] = [
    {
      title: t('metadata.dimensionTables.columns.code'),
      dataIndex: 'code',
      render: (_, table) => <Typography.Text code>{table.code}</Typography.Text>,
    },
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
    {
      title: t('common.actions'),
      valueType: 'option',
      key: 'actions',
      fixed: 'right',
      onCell: () => ({ style: { whiteSpace: 'nowrap' } }),
      render: (_, table) => {
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
              <Popconfirm
                key="clear"
                title={t('metadata.dimensionTables.clear.title', { name: table.name })}
                description={t('metadata.dimensionTables.clear.description')}
                okText={t('metadata.dimensionTables.actions.clear')}
                okButtonProps={{ danger: true, ...testId(`dimension-table-clear-confirm-${table.id}`) }}
                cancelText={t('common.cancel')}
                onConfirm={() => clear(table.id)}
              >
                <Typography.Link data-testid="dimension-table-clear">
                  {t('metadata.dimensionTables.actions.clear')}
                </Typography.Link>
              </Popconfirm>
            )),
          canManage && (
            <Popconfirm
              key="delete"
              title={t('metadata.dimensionTables.remove.title', { name: table.name })}
              description={t('metadata.dimensionTables.remove.description')}
              okText={t('metadata.delete')}
              okButtonProps={{ danger: true, ...testId(`dimension-table-delete-confirm-${table.id}`) }}
              cancelText={t('common.cancel')}
              onConfirm={() => remove(table.id)}
            >
              <Typography.Link type="danger" data-testid="dimension-table-delete">
                {t('metadata.dimensionTables.actions.delete')}
              </Typography.Link>
            </Popconfirm>
          ),
        ];
      },
    },
  ];

  return (
    <div data-testid="dimension-tables-page">
      <PageContainer title={t('metadata.dimensionTables.title')} content={t('metadata.dimensionTables.description')}>
        <ViewOnlyNotice canManage={canManage} />
        <LoadErrorAlert error={list.error} onRetry={() => void list.refetch()} testId="dimension-tables-load-error" />
        <ProTable<DimensionTable>
          rowKey="id"
          columns={columns}
          dataSource={list.data ?? []}
          loading={list.isPending}
          search={false}
          cardBordered
          scroll={{ x: 'max-content' }}
          pagination={{ defaultPageSize: 20, showSizeChanger: true, pageSizeOptions: [10, 20, 50, 100] }}
          options={{ reload: () => void list.refetch() }}
          onRow={(table) => testId(`dimension-table-row-${table.code}`) as HTMLAttributes<HTMLElement>}
          toolBarRender={() => [
            canManage && (
              <Button
                key="create"
                type="primary"
                icon={<PlusOutlined />}
                onClick={() => setEditing('new')}
                data-testid="dimension-tables-create"
              >
                {t('metadata.dimensionTables.create.button')}
              </Button>
            ),
          ]}
          locale={{
            emptyText: list.error ? (
              <MetadataEmpty title={t('common.loadFailed')} testId="dimension-tables-load-failed" />
            ) : (
              <MetadataEmpty
                title={t('metadata.dimensionTables.empty.title')}
                description={t('metadata.dimensionTables.empty.description')}
                testId="dimension-tables-empty"
              />
            ),
          }}
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
      </PageContainer>
    </div>
  );
}
