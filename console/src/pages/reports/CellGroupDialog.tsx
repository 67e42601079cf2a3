import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Form, Input, Modal, Select, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { GROUP_NAME_MAX, groupKeys, groupsApi } from '../../api/groups';
import { reportsApi, type ReportCell } from '../../api/reports';
import { hasPermission, useSession } from '../../session/session';
import { useErrorText } from '../../utils/errors';
import { formatNumber } from '../../utils/format';
import { serverProblems } from './use-report-actions';

/** What 保存为群组 saves: a cell of a question's result, with what the dialog shows of it. */
export interface CellToSave {
  model: string;
  query: unknown;
  cell: ReportCell;
  /** The cell as the table names it (`2024-05-01 · 第1天`, `2. 支付`). */
  label: string;
  /** The cell's number of users. */
  users: number;
}

/** Whether the caller may save a cell as a group (reports.view is given on a report page; groups.edit too). */
export function useCanSaveCellGroups(): boolean {
  return hasPermission(useSession(), 'groups.edit');
}

/**
 * 保存为群组 (seed §1.7.7 表格; ADR 0063): a name and a folder for a new static group holding the users
 * of one cell; once saved, a link to the group.
 */
export function CellGroupDialog({ cell, onClose }: { cell?: CellToSave; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ name: string; folderId?: string }>();
  const [saved, setSaved] = useState<{ id: string; name: string; count: number }>();
  const folders = useQuery({ queryKey: groupKeys.folders, queryFn: groupsApi.folders, enabled: cell !== undefined });
  const save = useMutation({
    mutationFn: (values: { name: string; folderId?: string }) =>
      reportsApi.saveCellGroup({
        model: cell!.model,
        query: cell!.query,
        cell: cell!.cell,
        name: values.name.trim(),
        folderId: values.folderId ?? null,
      }),
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: ['groups'] });
      setSaved({ id: result.group.id, name: result.group.name, count: result.count });
    },
    onError: (error) => {
      const nameProblem = serverProblems(error).find((p) => p.path === 'name');
      if (nameProblem) form.setFields([{ name: 'name', errors: [nameProblem.message ?? errorText(error)] }]);
      else void message.error(errorText(error));
    },
  });
  const close = () => {
    setSaved(undefined);
    save.reset();
    form.resetFields();
    onClose();
  };
  return (
    <Modal
      open={cell !== undefined}
      title={t('reports.cellGroup.title')}
      onCancel={close}
      onOk={saved ? close : () => void form.validateFields().then((values) => save.mutate(values))}
      okText={saved ? t('reports.cellGroup.done') : t('reports.cellGroup.submit')}
      cancelButtonProps={saved ? { style: { display: 'none' } } : undefined}
      confirmLoading={save.isPending}
      destroyOnClose
      data-testid="cell-group-dialog"
    >
      {saved ? (
        <Alert
          type="success"
          showIcon
          data-testid="cell-group-saved"
          message={t('reports.cellGroup.saved', { name: saved.name, count: formatNumber(saved.count, i18n.language) })}
          description={
            <Link to={`/groups/${encodeURIComponent(saved.id)}`} data-testid="cell-group-link">
              {t('reports.cellGroup.open')}
            </Link>
          }
        />
      ) : (
        <>
          <Typography.Paragraph data-testid="cell-group-cell">
            {t('reports.cellGroup.description', {
              cell: cell?.label ?? '',
              count: formatNumber(cell?.users ?? 0, i18n.language),
            })}
          </Typography.Paragraph>
          <Form form={form} layout="vertical" preserve={false}>
            <Form.Item
              name="name"
              label={t('reports.cellGroup.name')}
              rules={[{ required: true, whitespace: true, message: t('reports.cellGroup.nameRequired') }]}
            >
              <Input maxLength={GROUP_NAME_MAX} data-testid="cell-group-name" />
            </Form.Item>
            <Form.Item name="folderId" label={t('reports.cellGroup.folder')}>
              <Select
                allowClear
                placeholder={t('reports.cellGroup.noFolder')}
                loading={folders.isLoading}
                options={(folders.data?.items ?? []).map((folder) => ({ value: folder.id, label: folder.name }))}
                data-testid="cell-group-folder"
              />
            </Form.Item>
          </Form>
        </>
      )}
    </Modal>
  );
}
