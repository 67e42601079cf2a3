import { DeleteOutlined, DownloadOutlined, DownOutlined, PlusOutlined, ReloadOutlined, SaveOutlined } from '@ant-design/icons';
import { App, Button, Dropdown, Select, Space, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import type { ExportFormat, SavedReport } from '../../api/reports';
import { useErrorText } from '../../utils/errors';

export type NamingKind = 'save' | 'saveAs' | 'rename';

export interface ReportToolbarProps {
  /** The builder's path (`/analytics/event`): 新建 goes there, a picked report to `${path}/${id}`. */
  path: string;
  /** The report open in the builder; absent for a new question. */
  saved?: SavedReport;
  /** The model's saved reports, for the history select. */
  history: { data?: { items: { id: string; name: string }[] }; isLoading: boolean; isError: boolean; error: unknown };
  /** Whether the history select shows a failed list (status and message). */
  showHistoryError?: boolean;
  canEdit: boolean;
  canDelete: boolean;
  canDashboard: boolean;
  /** Whether the model's reports may go on dashboards (用户画像 may not: no 添加到仪表盘 at all). */
  addToDashboard?: boolean;
  /** Whether 强制刷新 applies (用户画像 reads a daily snapshot: none). */
  refreshable?: boolean;
  /** The question has problems: no export, no refresh. */
  blocked: boolean;
  /** Saves the open report's question in place. */
  save: { isPending: boolean; mutate: () => void };
  exportFile: { isPending: boolean; mutate: (format: ExportFormat) => void };
  refresh: { isPending: boolean; mutate: () => void };
  remove: { mutateAsync: () => Promise<unknown> };
  /** Opens the name dialog for a first save, a save-as or a rename. */
  onNaming: (kind: NamingKind) => void;
  onAddToDashboard: () => void;
}

/** The report pages' toolbar: history, 新建, 保存, 另存为, 重命名, 添加到仪表盘, 导出, 强制刷新, 删除. */
export function ReportToolbar({
  path,
  saved,
  history,
  showHistoryError = true,
  canEdit,
  canDelete,
  canDashboard,
  addToDashboard = true,
  refreshable = true,
  blocked,
  save,
  exportFile,
  refresh,
  remove,
  onNaming,
  onAddToDashboard,
}: ReportToolbarProps) {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const noEdit = canEdit ? undefined : t('reports.toolbar.noEdit');
  const needsSaved = saved ? undefined : t('reports.toolbar.saveFirst');

  const toolbar = [
    <Select<string>
      key="history"
      showSearch
      optionFilterProp="label"
      value={saved?.id}
      onChange={(id) => navigate(`${path}/${id}`)}
      options={(history.data?.items ?? []).map((report) => ({ value: report.id, label: report.name }))}
      loading={history.isLoading}
      {...(showHistoryError
        ? {
            status: history.isError ? 'error' : undefined,
            notFoundContent: history.isError ? errorText(history.error) : undefined,
          }
        : {})}
      placeholder={t('reports.toolbar.historyPlaceholder')}
      aria-label={t('reports.toolbar.history')}
      data-testid="report-history"
      style={{ width: 220 }}
    />,
    ...(saved
      ? [
          <Button key="new" icon={<PlusOutlined />} onClick={() => navigate(path)} data-testid="report-new">
            {t('reports.toolbar.new')}
          </Button>,
        ]
      : []),
    <Tooltip key="save" title={noEdit}>
      <Button
        type="primary"
        icon={<SaveOutlined />}
        disabled={!canEdit}
        loading={save.isPending}
        onClick={() => (saved ? save.mutate() : onNaming('save'))}
        data-testid="report-save"
      >
        {t('reports.toolbar.save')}
      </Button>
    </Tooltip>,
    <Tooltip key="saveAs" title={noEdit}>
      <Button disabled={!canEdit} onClick={() => onNaming('saveAs')} data-testid="report-save-as">
        {t('reports.toolbar.saveAs')}
      </Button>
    </Tooltip>,
    ...(saved
      ? [
          <Tooltip key="rename" title={noEdit}>
            <Button disabled={!canEdit} onClick={() => onNaming('rename')} data-testid="report-rename">
              {t('reports.toolbar.rename')}
            </Button>
          </Tooltip>,
        ]
      : []),
    ...(addToDashboard
      ? [
          <Tooltip key="dashboard" title={needsSaved ?? (canDashboard ? undefined : t('reports.toolbar.noDashboard'))}>
            <Button disabled={!saved || !canDashboard} onClick={onAddToDashboard} data-testid="report-add-to-dashboard">
              {t('reports.toolbar.addToDashboard')}
            </Button>
          </Tooltip>,
        ]
      : []),
    <Tooltip key="export" title={noEdit}>
      <Dropdown
        disabled={!canEdit || blocked}
        menu={{
          items: [
            { key: 'csv', label: <span data-testid="report-export-csv">{t('reports.toolbar.exportCsv')}</span> },
            { key: 'xlsx', label: <span data-testid="report-export-xlsx">{t('reports.toolbar.exportXlsx')}</span> },
          ],
          onClick: ({ key }) => exportFile.mutate(key as ExportFormat),
        }}
      >
        <Button icon={<DownloadOutlined />} loading={exportFile.isPending} data-testid="report-export">
          {t('reports.toolbar.export')} <DownOutlined />
        </Button>
      </Dropdown>
    </Tooltip>,
    ...(refreshable
      ? [
          <Button
            key="refresh"
            icon={<ReloadOutlined />}
            disabled={blocked}
            loading={refresh.isPending}
            onClick={() => refresh.mutate()}
            data-testid="report-refresh"
          >
            {t('reports.toolbar.refresh')}
          </Button>,
        ]
      : []),
    ...(saved && canDelete
      ? [
          <Button
            key="delete"
            danger
            icon={<DeleteOutlined />}
            onClick={() =>
              modal.confirm({
                title: t('reports.save.deleteConfirm', { name: saved.name }),
                content: t('reports.save.deleteHint'),
                okButtonProps: { danger: true },
                onOk: () => remove.mutateAsync(),
              })
            }
            data-testid="report-delete"
          >
            {t('reports.toolbar.delete')}
          </Button>,
        ]
      : []),
  ];

  return <Space wrap>{toolbar}</Space>;
}
