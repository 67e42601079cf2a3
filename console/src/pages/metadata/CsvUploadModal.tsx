import { UploadOutlined } from '@ant-design/icons';
import { Alert, Button, Modal, Typography, Upload } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../api/client';
import { useErrorText } from '../../utils/errors';
import { formatFileSize } from '../../utils/format';
import { testId } from '../../utils/test-id';

/** `rows.12` → 12: the line a row error of an import names; undefined for other paths. */
export function rowLineOf(path: string | Array<string | number>): number | undefined {
  const text = Array.isArray(path) ? path.join('.') : path;
  const match = /^rows\.(\d+)/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * A dialog that uploads one CSV file: pick, send, and on a refusal show the server's message and
 * its row errors (`details: [{ path: 'rows.<line>', message }]`) while staying open for a new try.
 */
export function CsvUploadModal<T>({
  title,
  hint,
  selectText,
  submitText,
  requiredText,
  maxBytes,
  tooLargeText,
  upload,
  onDone,
  onClose,
  testIdPrefix,
}: {
  title: string;
  hint: string;
  selectText: string;
  submitText: string;
  requiredText: string;
  maxBytes?: number;
  tooLargeText?: string;
  upload: (file: File) => Promise<T>;
  onDone: (result: T) => void;
  onClose: () => void;
  testIdPrefix: string;
}) {
  const { t, i18n } = useTranslation();
  const errorText = useErrorText();
  const [file, setFile] = useState<File | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const rowErrors = isApiError(error)
    ? error.details
        .map((detail) => ({ line: rowLineOf(detail.path), text: detail.message ?? errorText(error) }))
        .filter((row): row is { line: number; text: string } => row.line !== undefined)
    : [];

  const submit = async () => {
    if (!file) {
      setProblem(requiredText);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onDone(await upload(file));
      onClose();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      title={title}
      width={600}
      maskClosable={!busy}
      onCancel={onClose}
      destroyOnHidden
      okText={submitText}
      cancelText={t('common.cancel')}
      okButtonProps={{ loading: busy, ...testId(`${testIdPrefix}-submit`) }}
      cancelButtonProps={testId(`${testIdPrefix}-cancel`)}
      onOk={() => void submit()}
    >
      <div data-testid={`${testIdPrefix}-modal`}>
        <Typography.Paragraph type="secondary">{hint}</Typography.Paragraph>
        <Upload
          accept=".csv,text/csv"
          maxCount={1}
          fileList={
            file ? [{ uid: 'file', name: `${file.name} (${formatFileSize(file.size, i18n.language)})`, status: 'done' }] : []
          }
          beforeUpload={(picked) => {
            setError(null);
            if (maxBytes !== undefined && picked.size > maxBytes) {
              setFile(null);
              setProblem(tooLargeText ?? null);
            } else {
              setFile(picked);
              setProblem(null);
            }
            // Sent on 确认 by `upload`, not by antd's own request.
            return false;
          }}
          onRemove={() => {
            setFile(null);
            setError(null);
          }}
        >
          <Button icon={<UploadOutlined />} data-testid={`${testIdPrefix}-select`}>
            {selectText}
          </Button>
        </Upload>
        {problem && (
          <Typography.Text type="danger" data-testid={`${testIdPrefix}-problem`}>
            {problem}
          </Typography.Text>
        )}
        {error !== null && (
          <Alert
            type="error"
            showIcon
            style={{ marginTop: 16 }}
            data-testid={`${testIdPrefix}-error`}
            message={rowErrors.length > 0 ? t('metadata.upload.rowErrors', { count: rowErrors.length }) : errorText(error)}
            description={
              rowErrors.length > 0 && (
                <ul style={{ margin: 0, paddingInlineStart: 20, maxHeight: 240, overflowY: 'auto' }}>
                  {rowErrors.map((row, index) => (
                    <li key={`${row.line}-${index}`} data-testid={`${testIdPrefix}-row-error`}>
                      {t('metadata.upload.row', { line: row.line, message: row.text })}
                    </li>
                  ))}
                </ul>
              )
            }
          />
        )}
      </div>
    </Modal>
  );
}
