import { DownloadOutlined, UploadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Modal, Progress, Result, Select, Space, Typography, Upload } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import {
  CONTACT_IMPORT_MAX_BYTES,
  CONTACT_IMPORT_MAX_ROWS,
  CONTACT_IMPORT_TEMPLATE_URL,
  contactImportsApi,
  contactImportsKeys,
  type ContactImport,
  type ContactImportKind,
} from '../../api/contact-imports';
import { groupKeys, groupsApi } from '../../api/groups';
import { fileDownloadUrl } from '../../api/notifications';
import { NOTIFICATIONS_PATH } from '../../notifications/NotificationBell';
import { useTaskSubmitted } from '../../notifications/useTaskSubmitted';
import { errorText } from '../../i18n';
import { hasPermission, useSession } from '../../session/session';
import { useErrorText } from '../../utils/errors';
import { formatFileSize, formatNumber } from '../../utils/format';
import type { ContactAction, ContactActionContext } from './contact-actions';

/**
 * 更多操作 → 导入用户 (§1.4.3) / 批量编辑用户 (§1.4.6): the notes, the template download (import),
 * the computed-field warning (batch edit), the upload, then 任务已提交 with the task's progress and
 * a link to 通知中心, where the result and the failure file arrive.
 */
export function ContactImportModal({ kind, close }: { kind: ContactImportKind } & Pick<ContactActionContext, 'close'>) {
  const { t, i18n } = useTranslation();
  const uploadErrorText = useErrorText();
  const navigate = useNavigate();
  const taskSubmitted = useTaskSubmitted();
  const area = kind === 'import' ? 'contacts.import' : 'contacts.batchEdit';
  const [file, setFile] = useState<File | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [started, setStarted] = useState<ContactImport | null>(null);
  const [groupId, setGroupId] = useState<string | undefined>();

  const progress = useQuery({
    queryKey: contactImportsKeys.one(started?.id ?? ''),
    queryFn: () => contactImportsApi.get(started!.id),
    enabled: started !== null,
    refetchInterval: (query) => (query.state.data && query.state.data.status !== 'queued' ? false : 1000),
  });
  const current = progress.data ?? started;

  const submit = async () => {
    if (!file) {
      setProblem(t('contacts.import.fileRequired'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result = await contactImportsApi.upload(kind, file, kind === 'batchEdit' ? groupId : undefined);
      setStarted(result);
      taskSubmitted(result.taskId);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const toNotifications = () => {
    close();
    navigate(NOTIFICATIONS_PATH);
  };

  return (
    <Modal
      open
      title={t(`${area}.title`)}
      width={640}
      maskClosable={!busy}
      onCancel={close}
      destroyOnHidden
      footer={
        current
          ? [
              <Button key="notifications" onClick={toNotifications} data-testid="contact-import-to-notifications">
                {t('contacts.import.toNotifications')}
              </Button>,
              <Button key="close" type="primary" onClick={close} data-testid="contact-import-close">
                {t('contacts.import.close')}
              </Button>,
            ]
          : [
              <Button key="cancel" onClick={close} disabled={busy}>
                {t('common.cancel')}
              </Button>,
              <Button
                key="submit"
                type="primary"
                loading={busy}
                onClick={() => void submit()}
                data-testid="contact-import-submit"
              >
                {t('contacts.import.submit')}
              </Button>,
            ]
      }
    >
      <div data-testid={`contact-import-modal-${kind}`}>
        {current ? (
          <Result
            status={current.status === 'failed' ? 'error' : current.status === 'done' ? 'success' : 'info'}
            title={<span data-testid="contact-import-submitted">{t('contacts.import.submitted')}</span>}
            subTitle={t('contacts.import.submittedHint')}
            extra={
              <Space direction="vertical" style={{ width: '100%' }}>
                <Progress
                  percent={current.progress}
                  status={current.status === 'failed' ? 'exception' : current.status === 'done' ? 'success' : 'active'}
                  data-testid="contact-import-progress"
                />
                {current.status === 'done' && (
                  <Typography.Text data-testid="contact-import-counts">
                    {t(`${area}.counts`, {
                      success: formatNumber(current.successCount ?? 0, i18n.language),
                      failed: formatNumber(current.failureCount ?? 0, i18n.language),
                    })}
                  </Typography.Text>
                )}
                {current.status === 'failed' && current.errorCode && (
                  <Typography.Text type="danger" data-testid="contact-import-error">
                    {errorText(current.errorCode) ?? current.errorCode}
                  </Typography.Text>
                )}
                {current.failureFileId && (
                  <Typography.Link href={fileDownloadUrl(current.failureFileId)} data-testid="contact-import-failure-file">
                    <DownloadOutlined /> {t('contacts.import.failureFile')}
                  </Typography.Link>
                )}
              </Space>
            }
          />
        ) : (
          <>
            <Alert
              type={kind === 'import' ? 'info' : 'warning'}
              showIcon
              style={{ marginBottom: 16 }}
              message={t(`${area}.notesTitle`)}
              description={
                <ul style={{ margin: 0, paddingInlineStart: 20 }}>
                  {(
                    t(`${area}.notes`, {
                      returnObjects: true,
                      max: formatNumber(CONTACT_IMPORT_MAX_ROWS, i18n.language),
                    }) as string[]
                  ).map((note) => (
                    <li key={note}>{note}</li>
                  ))}
                </ul>
              }
              data-testid="contact-import-notes"
            />
            {kind === 'import' && (
              <Typography.Paragraph>
                <Button icon={<DownloadOutlined />} href={CONTACT_IMPORT_TEMPLATE_URL} data-testid="contact-import-template">
                  {t('contacts.import.template')}
                </Button>
              </Typography.Paragraph>
            )}
            <Upload
              accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              maxCount={1}
              fileList={
                file ? [{ uid: 'file', name: `${file.name} (${formatFileSize(file.size, i18n.language)})`, status: 'done' }] : []
              }
              beforeUpload={(picked) => {
                setError(null);
                if (picked.size > CONTACT_IMPORT_MAX_BYTES) {
                  setFile(null);
                  setProblem(t('contacts.import.tooLarge'));
                } else {
                  setFile(picked);
                  setProblem(null);
                }
                return false;
              }}
              onRemove={() => {
                setFile(null);
                setError(null);
              }}
            >
              <Button icon={<UploadOutlined />} data-testid="contact-import-select">
                {t('contacts.import.select')}
              </Button>
            </Upload>
            {kind === 'batchEdit' && <StaticGroupPicker value={groupId} onChange={setGroupId} />}
            {problem && (
              <Typography.Text type="danger" data-testid="contact-import-problem">
                {problem}
              </Typography.Text>
            )}
            {error !== null && (
              <Alert
                type="error"
                showIcon
                style={{ marginTop: 16 }}
                message={uploadErrorText(error)}
                data-testid="contact-import-upload-error"
              />
            )}
          </>
        )}
      </div>
    </Modal>
  );
}

/** 更多操作 → 导入用户 (contacts.import). */
export const contactImportAction: ContactAction = {
  key: 'import',
  label: 'contacts.actions.import',
  permission: 'contacts.import',
  render: ({ close }) => <ContactImportModal kind="import" close={close} />,
};

/** 更多操作 → 批量编辑用户 (contacts.edit: 编辑 includes 批量编辑用户, §1.11.4.6). */
export const contactBatchEditAction: ContactAction = {
  key: 'batchEdit',
  label: 'contacts.actions.batchEdit',
  permission: 'contacts.edit',
  render: ({ close }) => <ContactImportModal kind="batchEdit" close={close} />,
};

/**
 * 批量编辑用户 → 同时可选择将这批用户加入到静态标签组 (§1.4.6, 非必选): the tenant's static groups, shown to
 * staff who may see groups.
 */
function StaticGroupPicker({ value, onChange }: { value?: string; onChange: (groupId: string | undefined) => void }) {
  const { t } = useTranslation();
  const session = useSession();
  const allowed = hasPermission(session, 'groups.view');
  const groups = useQuery({
    queryKey: [...groupKeys.all, 'static-picker'],
    queryFn: () => groupsApi.list({}),
    enabled: allowed,
  });
  if (!allowed) return null;
  return (
    <Select
      allowClear
      style={{ width: '100%', marginTop: 12 }}
      placeholder={t('contacts.batchEdit.staticGroup')}
      value={value}
      onChange={(groupId?: string) => onChange(groupId)}
      options={(groups.data?.items ?? []).filter((g) => g.kind === 'static').map((g) => ({ value: g.id, label: g.name }))}
      data-testid="contact-batch-edit-group"
    />
  );
}
