import { useQueryClient } from '@tanstack/react-query';
import { App } from 'antd';
import { useTranslation } from 'react-i18next';
import { REPORT_NAME_MAX, reportKeys, reportsApi, type SavedReport } from '../../api/reports';
import { NameModal } from '../../components/NameModal';
import { AddToDashboardModal } from '../dashboards/AddToDashboardModal';
import type { NamingKind } from './ReportToolbar';

export interface ReportDialogsProps {
  /** The report model (`event`, `funnel`, …) a first save creates. */
  model: string;
  /** The report open in the builder; absent for a new question. */
  saved?: SavedReport;
  /** The name dialog open, if any. */
  naming?: { kind: NamingKind };
  onNamingClose: () => void;
  /** The builder's question as it is sent. */
  toSend: unknown;
  onSaved: (report: SavedReport) => void;
  onSaveError: (error: unknown) => void;
  addingToDashboard: boolean;
  onDashboardClose: () => void;
}

/** The report pages' dialogs: rename, save / save-as under a name, add to a dashboard. */
export function ReportDialogs({
  model,
  saved,
  naming,
  onNamingClose,
  toSend,
  onSaved,
  onSaveError,
  addingToDashboard,
  onDashboardClose,
}: ReportDialogsProps) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  return (
    <>
      {naming?.kind === 'rename' && saved && (
        <NameModal
          title={t('reports.list.rename')}
          label={t('reports.save.name')}
          placeholder={t('reports.save.namePlaceholder')}
          requiredMessage={t('reports.save.nameRequired')}
          max={REPORT_NAME_MAX}
          nameCodes={['report_name_taken']}
          testId="report-rename-modal"
          initialName={saved.name}
          onClose={onNamingClose}
          // Only the name changes: unsaved edits of the question stay in the builder.
          onSubmit={(name) =>
            reportsApi.update(saved.id, { name }).then((report) => {
              queryClient.setQueryData(reportKeys.report(report.id), report);
              void queryClient.invalidateQueries({ queryKey: reportKeys.saved });
              void message.success(t('reports.list.renamed'));
            })
          }
        />
      )}
      {naming && naming.kind !== 'rename' && (
        <NameModal
          title={naming.kind === 'save' ? t('reports.save.title') : t('reports.save.saveAsTitle')}
          label={t('reports.save.name')}
          placeholder={t('reports.save.namePlaceholder')}
          requiredMessage={t('reports.save.nameRequired')}
          max={REPORT_NAME_MAX}
          nameCodes={['report_name_taken']}
          testId="report-name"
          initialName={
            naming.kind === 'saveAs' && saved ? `${saved.name}${t('reports.save.copySuffix')}`.slice(0, REPORT_NAME_MAX) : ''
          }
          onClose={onNamingClose}
          onSubmit={(name) =>
            (saved && naming.kind === 'saveAs'
              ? reportsApi.saveAs(saved.id, { name, query: toSend })
              : reportsApi.create({ model, name, query: toSend })
            ).then(onSaved, onSaveError)
          }
        />
      )}
      {addingToDashboard && saved && <AddToDashboardModal reportId={saved.id} onClose={onDashboardClose} />}
    </>
  );
}
