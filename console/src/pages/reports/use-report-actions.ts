import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { isApiError, saveFile } from '../../api/client';
import { reportKeys, reportsApi, type ExportFormat, type SavedReport } from '../../api/reports';
import { hasPermission, useSession } from '../../session/session';
import { useErrorText } from '../../utils/errors';
import { useDebouncedValue } from '../../utils/use-debounced-value';

/** A problem of a question, placed on its field by `path` (the server's `details`). */
export interface ReportProblem {
  path: string;
  code: string;
  message?: string;
}

/** The per-field problems of a 400 answer (a run, a save); none for any other error. */
export function serverProblems(error: unknown): ReportProblem[] {
  if (!isApiError(error) || error.statusCode !== 400) return [];
  return error.details.map((detail) => ({
    path: Array.isArray(detail.path) ? detail.path.join('.') : detail.path,
    code: detail.code,
    message: detail.message,
  }));
}

/**
 * What every report builder does with its question besides building it: the caller's permissions,
 * 强制刷新, 导出, 保存 (its server problems shown on the fields through `onProblems`), 删除 and the
 * history of the model's saved reports. `path` is the builder's address (`/analytics/<model>`).
 */
export function useReportActions({
  model,
  path,
  title,
  saved,
  toSend,
  onProblems,
}: {
  model: string;
  path: string;
  /** The export's file name when the question is not saved yet. */
  title: string;
  saved?: SavedReport;
  toSend: object;
  onProblems: (problems: ReportProblem[]) => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const session = useSession();
  const refresh = useMutation({
    mutationFn: () => reportsApi.run(model, toSend, true),
    onSuccess: (result) => queryClient.setQueryData(reportKeys.run(model, toSend), result),
    onError: (error) => void message.error(errorText(error)),
  });
  const exportFile = useMutation({
    mutationFn: (format: ExportFormat) => reportsApi.exportFile(model, toSend, format, saved?.name ?? title),
    onSuccess: (file) => {
      saveFile(file);
      void message.success(t('reports.export.done', { name: file.fileName }));
    },
    onError: (error) => void message.error(errorText(error)),
  });
  /** Saving runs the server's full check: its problems show on the fields like a run's. */
  const onSaveError = (error: unknown) => {
    const found = serverProblems(error);
    if (found.length) onProblems(found);
    throw error;
  };
  const onSaved = (report: SavedReport) => {
    void queryClient.invalidateQueries({ queryKey: reportKeys.saved });
    queryClient.setQueryData(reportKeys.report(report.id), report);
    void message.success(t('reports.save.saved'));
    if (report.id !== saved?.id) navigate(`${path}/${report.id}`);
  };
  const save = useMutation({
    mutationFn: () => reportsApi.update(saved!.id, { query: toSend }),
    onSuccess: onSaved,
    onError: (error) => {
      const found = serverProblems(error);
      if (found.length) onProblems(found);
      void message.error(errorText(error));
    },
  });
  const remove = useMutation({
    mutationFn: () => reportsApi.remove(saved!.id),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: reportKeys.saved });
      void message.success(t('reports.save.deleted'));
      navigate(path, { replace: true });
    },
    onError: (error) => void message.error(errorText(error)),
  });
  const history = useQuery({ queryKey: reportKeys.list(model, ''), queryFn: () => reportsApi.list({ model }) });
  return {
    canEdit: hasPermission(session, 'reports.edit'),
    canDelete: hasPermission(session, 'reports.delete'),
    canDashboard: hasPermission(session, 'dashboards.edit'),
    refresh,
    exportFile,
    onSaved,
    onSaveError,
    save,
    remove,
    history,
  };
}

/**
 * A builder's live run: the query debounced 400 ms, run once `valid(settled)` holds, the previous answer kept
 * while the next loads, never retried; `runProblems` are the server's field problems of the shown answer.
 */
export function useReportRun<Q>(model: string, toSend: Q, valid: (settled: Q) => boolean = () => true) {
  const settled = useDebouncedValue(toSend, 400);
  const run = useQuery({
    queryKey: reportKeys.run(model, settled),
    queryFn: ({ signal }) => reportsApi.run(model, settled, false, signal),
    enabled: valid(settled),
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    retry: false,
  });
  const runProblems = run.isPlaceholderData ? [] : serverProblems(run.error);
  return { settled, run, runProblems };
}
