import { DeleteOutlined, DownloadOutlined, UploadOutlined } from '@ant-design/icons';
import { ProCard } from '@ant-design/pro-components';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Input, Space, Table, Tag, Typography, Upload } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  ERASURE_FILE_MAX_BYTES,
  ERASURE_FILE_MAX_IDS,
  ERASURE_ID_MAX,
  ERASURE_KIND_OF_CHANNEL_TYPE,
  contactErasuresQueryKey,
  eraseFile,
  eraseOne,
  erasureTemplateUrl,
  useContactErasures,
  type ContactErasure,
  type ContactErasureStarted,
  type ErasureKind,
} from '../../../api/contact-erasures';
import { isApiError } from '../../../api/client';
import { fileDownloadUrl } from '../../../api/notifications';
import type { ChannelDetail } from '../../../api/types';
import { LoadErrorAlert } from '../../../components/LoadErrorAlert';
import { useTaskSubmitted } from '../../../notifications/useTaskSubmitted';
import { hasPermission, useSession } from '../../../session/session';
import { useErrorText } from '../../../utils/errors';
import { formatDateTime, formatNumber } from '../../../utils/format';
import { testId } from '../../../utils/test-id';

const statusColor: Record<ContactErasure['status'], string> = {
  queued: 'default',
  running: 'processing',
  succeeded: 'success',
  failed: 'error',
};

/** `lines.12` → 12: the line a refused file's detail names. */
const lineOf = (path: string | Array<string | number>) => {
  const match = /^lines\.(\d+)$/.exec(Array.isArray(path) ? path.join('.') : path);
  return match ? Number(match[1]) : undefined;
};

/**
 * 删除用户数据 (自定义连接, seed §2.2.6) / 删除微信GDPR数据 (微信公众号, §1.9.1.3.18) on the connection's
 * detail page: one id typed in, or (custom channels) a TXT file of ids with its template; every
 * submission confirms what cannot be undone; the past requests with their results and files.
 */
export function ContactErasureSection({ channel }: { channel: ChannelDetail }) {
  const kind = ERASURE_KIND_OF_CHANNEL_TYPE[channel.type];
  const session = useSession();
  if (!kind || !channel.typeAvailable || !hasPermission(session, 'connections.edit')) return null;
  return <ErasureCard channel={channel} kind={kind} />;
}

function ErasureCard({ channel, kind }: { channel: ChannelDetail; kind: ErasureKind }) {
  const { t, i18n } = useTranslation();
  const { modal, message } = App.useApp();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const taskSubmitted = useTaskSubmitted();
  const session = useSession();
  const timeZone = session.tenant.timeZone;
  const requests = useContactErasures(channel.id);
  const [userId, setUserId] = useState('');
  const [inputProblem, setInputProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [fileError, setFileError] = useState<unknown>(null);
  const wechat = kind === 'wechatGdpr';
  const k = <K extends string>(key: K) => `contacts.erase.${key}` as const;
  const idLabel = t(k(wechat ? 'wechatIdLabel' : 'externalIdLabel'));

  const submitted = (started: ContactErasureStarted) => {
    void queryClient.invalidateQueries({ queryKey: contactErasuresQueryKey(channel.id) });
    if (started.blankLines > 0 || started.duplicates > 0)
      message.info(t(k('skipped'), { blank: started.blankLines, duplicates: started.duplicates }));
    taskSubmitted(started.taskId ?? undefined);
  };

  /** The irreversible-action confirmation: what will be deleted, and that it cannot be undone. */
  const confirm = (what: string, run: () => Promise<void>) =>
    modal.confirm({
      title: t(k(wechat ? 'confirm.titleWechat' : 'confirm.title')),
      width: 520,
      content: (
        <div data-testid="erase-confirm-content">
          <Typography.Paragraph>{t(k('confirm.target'), { what, channel: channel.name })}</Typography.Paragraph>
          <ul style={{ paddingInlineStart: 20 }}>
            <li>{t(k('effects.account'))}</li>
            <li>{t(k('effects.groups'))}</li>
            <li>{t(k('effects.properties'))}</li>
            <li>{t(k('effects.events'))}</li>
          </ul>
          <Typography.Text type="danger" strong>
            {t(k('confirm.irreversible'))}
          </Typography.Text>
        </div>
      ),
      okText: t(k('confirm.ok')),
      okButtonProps: { danger: true, ...testId('erase-confirm-ok') },
      cancelText: t('common.cancel'),
      onOk: run,
    });

  const eraseTyped = () => {
    const id = userId.trim();
    if (!id) return setInputProblem(t(k('required'), { label: idLabel }));
    if (id.length > ERASURE_ID_MAX) return setInputProblem(t(k('tooLong'), { max: ERASURE_ID_MAX }));
    setInputProblem(null);
    confirm(t(k('confirm.one'), { label: idLabel, id }), async () => {
      setBusy(true);
      try {
        submitted(await eraseOne(channel.id, id));
        setUserId('');
      } catch (error) {
        message.error(errorText(error));
      } finally {
        setBusy(false);
      }
    });
  };

  const eraseUploaded = (file: File) => {
    setFileError(null);
    if (file.size > ERASURE_FILE_MAX_BYTES) {
      setFileError(t(k('fileTooLarge'), { max: formatNumber(ERASURE_FILE_MAX_IDS, i18n.language) }));
      return;
    }
    confirm(t(k('confirm.file'), { name: file.name }), async () => {
      setBusy(true);
      try {
        submitted(await eraseFile(channel.id, file));
      } catch (error) {
        setFileError(error);
      } finally {
        setBusy(false);
      }
    });
  };

  const lineErrors = isApiError(fileError)
    ? fileError.details.map((d) => lineOf(d.path)).filter((line): line is number => line !== undefined)
    : [];

  const columns: ColumnsType<ContactErasure> = [
    { key: 'createdAt', title: t(k('columns.createdAt')), render: (_, row) => formatDateTime(row.createdAt, timeZone) },
    { key: 'source', title: t(k('columns.source')), render: (_, row) => t(k(`source.${row.source}`)) },
    { key: 'total', title: t(k('columns.total')), align: 'right', render: (_, row) => formatNumber(row.total, i18n.language) },
    {
      key: 'status',
      title: t(k('columns.status')),
      render: (_, row) => (
        <Tag color={statusColor[row.status]} data-testid="erasure-status">
          {t(k(`status.${row.status}`))}
        </Tag>
      ),
    },
    {
      key: 'deleted',
      title: t(k('columns.deleted')),
      align: 'right',
      render: (_, row) => <span data-testid="erasure-deleted">{formatNumber(row.deleted, i18n.language)}</span>,
    },
    {
      key: 'notFound',
      title: t(k('columns.notFound')),
      align: 'right',
      render: (_, row) => <span data-testid="erasure-not-found">{formatNumber(row.notFound, i18n.language)}</span>,
    },
    {
      key: 'file',
      title: t(k('columns.file')),
      render: (_, row) =>
        row.fileId ? (
          <Typography.Link href={fileDownloadUrl(row.fileId)} download data-testid="erasure-file">
            <DownloadOutlined /> {t(k('download'))}
          </Typography.Link>
        ) : (
          '—'
        ),
    },
  ];

  return (
    <ProCard
      title={t(k(wechat ? 'titleWechat' : 'title'))}
      style={{ marginTop: 16 }}
      data-testid={`contact-erasure-${kind}`}
      headerBordered
    >
      <Alert
        type="warning"
        showIcon
        style={{ marginBottom: 16 }}
        message={t(k(wechat ? 'introWechat' : 'intro'))}
        description={
          <>
            <ul style={{ margin: 0, paddingInlineStart: 20 }}>
              <li>{t(k('effects.account'))}</li>
              <li>{t(k('effects.groups'))}</li>
              <li>{t(k('effects.properties'))}</li>
              <li>{t(k('effects.events'))}</li>
            </ul>
            <Typography.Text type="danger" strong>
              {t(k('confirm.irreversible'))}
            </Typography.Text>
          </>
        }
      />
      <Typography.Title level={5}>{t(k(wechat ? 'singleWechat' : 'single'))}</Typography.Title>
      <Space.Compact style={{ width: '100%', maxWidth: 560 }}>
        <Input
          value={userId}
          placeholder={t(k('placeholder'), { label: idLabel })}
          aria-label={idLabel}
          maxLength={ERASURE_ID_MAX}
          status={inputProblem ? 'error' : undefined}
          onChange={(event) => setUserId(event.target.value)}
          onPressEnter={eraseTyped}
          {...testId('erase-id-input')}
        />
        <Button danger icon={<DeleteOutlined />} loading={busy} onClick={eraseTyped} {...testId('erase-id-submit')}>
          {t(k('submit'))}
        </Button>
      </Space.Compact>
      {inputProblem && (
        <div>
          <Typography.Text type="danger" data-testid="erase-id-problem">
            {inputProblem}
          </Typography.Text>
        </div>
      )}
      {!wechat && (
        <>
          <Typography.Title level={5} style={{ marginTop: 24 }}>
            {t(k('batch'))}
          </Typography.Title>
          <Typography.Paragraph type="secondary">
            {t(k('batchHint'), { max: formatNumber(ERASURE_FILE_MAX_IDS, i18n.language) })}
          </Typography.Paragraph>
          <Space>
            <Upload
              accept=".txt,text/plain"
              showUploadList={false}
              beforeUpload={(file) => {
                eraseUploaded(file);
                return false;
              }}
            >
              <Button danger icon={<UploadOutlined />} loading={busy} {...testId('erase-file-select')}>
                {t(k('upload'))}
              </Button>
            </Upload>
            <Typography.Link href={erasureTemplateUrl(kind)} download data-testid="erase-template">
              <DownloadOutlined /> {t(k('template'))}
            </Typography.Link>
          </Space>
          {fileError !== null && (
            <Alert
              type="error"
              showIcon
              closable
              onClose={() => setFileError(null)}
              style={{ marginTop: 12 }}
              data-testid="erase-file-error"
              message={typeof fileError === 'string' ? fileError : errorText(fileError)}
              description={lineErrors.length > 1 ? t(k('lines'), { lines: lineErrors.slice(0, 20).join(', ') }) : undefined}
            />
          )}
        </>
      )}
      <Typography.Title level={5} style={{ marginTop: 24 }}>
        {t(k('history'))}
      </Typography.Title>
      {requests.error && !requests.data ? (
        <LoadErrorAlert error={requests.error} onRetry={() => void requests.refetch()} testId="erasure-history-error" />
      ) : (
        <Table<ContactErasure>
          rowKey="id"
          size="small"
          loading={requests.isPending}
          columns={columns}
          dataSource={requests.data?.items ?? []}
          pagination={false}
          locale={{ emptyText: t(k('empty')) }}
          data-testid="erasure-history"
        />
      )}
    </ProCard>
  );
}
