import { DeleteOutlined, DownOutlined } from '@ant-design/icons';
import { PageContainer, ProTable, type ProColumns } from '@ant-design/pro-components';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Dropdown, Input, Modal, Select, Space, Tooltip, Typography } from 'antd';
import { useEffect, useState, type HTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { departmentsApi, departmentsKeys } from '../../api/departments';
import {
  REPORT_BATCH_MAX,
  REPORT_NAME_MAX,
  reportBuilderPath,
  reportKeys,
  reportsApi,
  type SavedReportSummary,
} from '../../api/reports';
import { DepartmentPicker } from '../../components/DepartmentPicker';
import { ListEmpty } from '../../components/ListEmpty';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { NameModal } from '../../components/NameModal';
import { hasPermission, useSession } from '../../session/session';
import { useErrorText } from '../../utils/errors';
import { formatDateTime } from '../../utils/format';
import { testId } from '../../utils/test-id';

const DEFAULT_PAGE_SIZE = 20;

/**
 * 报表分析 → 所有报表: the saved reports the caller sees (its departments', ADR 0023), newest first,
 * a page at a time from the server; filtered by model and a fragment of the name. Per report: 打开
 * (models with a builder page), 重命名, 更新所属部门 (while 组织架构 is on), 删除 — and 批量删除 of
 * the selected rows (all or nothing on the server). Deleting a report removes it from every dashboard.
 */
export default function ReportsPage() {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const errorText = useErrorText();
  const session = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const canEdit = hasPermission(session, 'reports.edit');
  const canDelete = hasPermission(session, 'reports.delete');
  const [model, setModel] = useState<string>();
  const [keyword, setKeyword] = useState('');
  const [paging, setPaging] = useState({ page: 1, pageSize: DEFAULT_PAGE_SIZE });
  const [selected, setSelected] = useState<string[]>([]);
  const [renaming, setRenaming] = useState<SavedReportSummary>();
  const [reassigning, setReassigning] = useState<SavedReportSummary>();

  const models = useQuery({ queryKey: reportKeys.models, queryFn: reportsApi.models });
  const departments = useQuery({ queryKey: departmentsKeys.tree, queryFn: departmentsApi.tree });
  const pageQuery = { model, keyword, ...paging };
  const list = useQuery({
    queryKey: reportKeys.page(pageQuery),
    queryFn: () => reportsApi.list(pageQuery),
    placeholderData: keepPreviousData,
  });
  const orgEnabled = departments.data?.orgEnabled ?? false;
  const departmentName = new Map((departments.data?.departments ?? []).map((department) => [department.id, department.name]));
  const modelName = new Map((models.data?.items ?? []).map((info) => [info.id, info.name]));

  // After deleting the last reports of the last page, show the page that is now last.
  const total = list.data?.total ?? 0;
  const lastPage = Math.max(1, Math.ceil(total / paging.pageSize));
  useEffect(() => {
    if (list.data && !list.isPlaceholderData && paging.page > lastPage) setPaging((current) => ({ ...current, page: lastPage }));
  }, [list.data, list.isPlaceholderData, paging.page, lastPage]);

  const refresh = () => queryClient.invalidateQueries({ queryKey: reportKeys.saved });
  const filter = (change: () => void) => {
    change();
    setSelected([]);
    setPaging((current) => ({ ...current, page: 1 }));
  };

  const remove = useMutation({
    // One row's 删除, or 批量删除 of the selection (all or nothing on the server).
    mutationFn: async ({ ids, batch }: { ids: string[]; batch: boolean }) => {
      if (batch) await reportsApi.removeMany(ids);
      else await reportsApi.remove(ids[0]!);
    },
    onSuccess: async (_, { ids }) => {
      setSelected((current) => current.filter((id) => !ids.includes(id)));
      void message.success(t('reports.list.deleted', { count: ids.length }));
      await refresh();
    },
    onError: (error) => void message.error(errorText(error)),
  });
  const confirmDelete = (ids: string[], name?: string) =>
    modal.confirm({
      title: name ? t('reports.save.deleteConfirm', { name }) : t('reports.list.batchDeleteConfirm', { count: ids.length }),
      content: t('reports.save.deleteHint'),
      okText: t('reports.toolbar.delete'),
      okButtonProps: { danger: true, ...testId('report-delete-confirm') },
      onOk: () => remove.mutateAsync({ ids, batch: name === undefined }).catch(() => undefined),
    });

  const columns: ProColumns<SavedReportSummary>[] = [
    {
      title: t('reports.list.name'),
      dataIndex: 'name',
      ellipsis: true,
      render: (_, report) => {
        const path = reportBuilderPath(report.model, report.id);
        return path ? (
          <Link to={path} data-testid={`report-link-${report.id}`}>
            {report.name}
          </Link>
        ) : (
          report.name
        );
      },
    },
    {
      title: t('reports.list.model'),
      dataIndex: 'model',
      width: 140,
      render: (_, report) => modelName.get(report.model) ?? report.modelName ?? report.model,
    },
    {
      title: t('reports.list.department'),
      dataIndex: 'departmentId',
      width: 160,
      render: (_, report) => (report.departmentId ? (departmentName.get(report.departmentId) ?? '-') : '-'),
    },
    {
      title: t('reports.list.updatedAt'),
      dataIndex: 'updatedAt',
      width: 170,
      render: (_, report) => formatDateTime(report.updatedAt, session.tenant.timeZone),
    },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 170,
      fixed: 'right',
      render: (_, report) => {
        const path = reportBuilderPath(report.model, report.id);
        const more = [
          ...(canEdit ? [{ key: 'rename', label: <span data-testid="report-rename">{t('reports.list.rename')}</span> }] : []),
          ...(canEdit && orgEnabled
            ? [{ key: 'department', label: <span data-testid="report-department">{t('reports.list.reassign')}</span> }]
            : []),
          ...(canDelete
            ? [
                {
                  key: 'delete',
                  danger: true,
                  label: <span data-testid="report-delete">{t('reports.toolbar.delete')}</span>,
                },
              ]
            : []),
        ];
        return (
          <Space size={0}>
            <Tooltip title={path ? undefined : t('reports.list.noBuilder')}>
              <Button
                type="link"
                size="small"
                disabled={!path}
                onClick={() => path && navigate(path)}
                data-testid={`report-open-${report.id}`}
              >
                {t('reports.list.open')}
              </Button>
            </Tooltip>
            {more.length > 0 && (
              <Dropdown
                menu={{
                  items: more,
                  onClick: ({ key }) => {
                    if (key === 'rename') setRenaming(report);
                    if (key === 'department') setReassigning(report);
                    if (key === 'delete') confirmDelete([report.id], report.name);
                  },
                }}
              >
                <Button type="link" size="small" data-testid={`report-more-${report.id}`}>
                  {t('reports.list.more')} <DownOutlined />
                </Button>
              </Dropdown>
            )}
          </Space>
        );
      },
    },
  ];

  return (
    <div data-testid="reports-page">
      <PageContainer title={t('reports.list.title')}>
        <LoadErrorAlert error={list.error} onRetry={() => void list.refetch()} testId="reports-load-error" />
        <ProTable<SavedReportSummary>
          rowKey="id"
          columns={columns}
          dataSource={list.data?.items}
          loading={list.isPending || list.isPlaceholderData}
          search={false}
          cardBordered
          scroll={{ x: 'max-content' }}
          columnsState={{ persistenceKey: `huiliu.reports.columns.${session.staff.id}`, persistenceType: 'localStorage' }}
          options={{ reload: () => void list.refetch(), density: false, setting: true }}
          pagination={{
            current: paging.page,
            pageSize: paging.pageSize,
            total,
            showSizeChanger: true,
            pageSizeOptions: [10, 20, 50, 100],
            onChange: (page, pageSize) => {
              setSelected([]);
              setPaging({ page: pageSize === paging.pageSize ? page : 1, pageSize });
            },
          }}
          rowSelection={
            canDelete
              ? {
                  selectedRowKeys: selected,
                  onChange: (keys) => setSelected(keys.map(String).slice(0, REPORT_BATCH_MAX)),
                }
              : undefined
          }
          tableAlertRender={false}
          onRow={(report) => testId(`report-row-${report.id}`) as HTMLAttributes<HTMLElement>}
          headerTitle={
            selected.length > 0 ? (
              <Space data-testid="reports-batch">
                <Typography.Text>{t('reports.list.selected', { count: selected.length })}</Typography.Text>
                <Button
                  danger
                  icon={<DeleteOutlined />}
                  loading={remove.isPending}
                  onClick={() => confirmDelete(selected)}
                  data-testid="reports-batch-delete"
                >
                  {t('reports.list.batchDelete')}
                </Button>
                <Button type="link" onClick={() => setSelected([])} data-testid="reports-clear-selection">
                  {t('reports.list.clearSelection')}
                </Button>
              </Space>
            ) : undefined
          }
          toolBarRender={() => [
            <Select<string>
              key="model"
              allowClear
              style={{ minWidth: 160 }}
              placeholder={t('reports.list.allModels')}
              value={model}
              onChange={(value) => filter(() => setModel(value))}
              options={(models.data?.items ?? []).map((info) => ({ value: info.id, label: info.name }))}
              loading={models.isPending}
              data-testid="reports-model-filter"
            />,
            <Input.Search
              key="keyword"
              allowClear
              maxLength={REPORT_NAME_MAX}
              style={{ width: 240 }}
              placeholder={t('reports.list.search')}
              onSearch={(value) => filter(() => setKeyword(value.trim()))}
              data-testid="reports-keyword"
            />,
          ]}
          locale={{
            emptyText: (
              <ListEmpty
                title={keyword || model ? t('reports.list.noMatch') : t('reports.list.emptyTitle')}
                description={keyword || model ? undefined : t('reports.list.emptyDescription')}
                testId="reports-empty"
              />
            ),
          }}
        />
      </PageContainer>
      {renaming && (
        <NameModal
          title={t('reports.list.rename')}
          label={t('reports.save.name')}
          placeholder={t('reports.save.namePlaceholder')}
          requiredMessage={t('reports.save.nameRequired')}
          max={REPORT_NAME_MAX}
          nameCodes={['report_name_taken']}
          initialName={renaming.name}
          testId="report-rename-modal"
          onClose={() => setRenaming(undefined)}
          onSubmit={async (name) => {
            const report = await reportsApi.update(renaming.id, { name });
            queryClient.setQueryData(reportKeys.report(report.id), report);
            void message.success(t('reports.list.renamed'));
            await refresh();
          }}
        />
      )}
      {reassigning && (
        <DepartmentModal
          report={reassigning}
          onClose={() => setReassigning(undefined)}
          onSubmit={async (departmentId) => {
            const report = await reportsApi.setDepartment(reassigning.id, departmentId);
            queryClient.setQueryData(reportKeys.report(report.id), report);
            void message.success(t('reports.list.reassigned'));
            await refresh();
          }}
        />
      )}
    </div>
  );
}

/** 更新所属部门 of one report: the picker offers the caller's own department and those below it. */
function DepartmentModal({
  report,
  onClose,
  onSubmit,
}: {
  report: SavedReportSummary;
  onClose: () => void;
  onSubmit: (departmentId: string) => Promise<unknown>;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [departmentId, setDepartmentId] = useState<string | null>(report.departmentId);
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    if (!departmentId) return;
    setSaving(true);
    try {
      await onSubmit(departmentId);
      onClose();
    } catch (error) {
      void message.error(errorText(error));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal
      open
      title={t('reports.list.reassignTitle', { name: report.name })}
      onCancel={onClose}
      onOk={() => void submit()}
      confirmLoading={saving}
      okButtonProps={{ disabled: !departmentId || departmentId === report.departmentId, ...testId('report-department-ok') }}
      data-testid="report-department-modal"
    >
      <DepartmentPicker value={departmentId} onChange={setDepartmentId} testId="report-department-picker" />
    </Modal>
  );
}
