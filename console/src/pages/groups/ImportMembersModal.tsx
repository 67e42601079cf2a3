import { UploadOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Modal, Table, Typography, Upload } from 'antd';
import { useTranslation } from 'react-i18next';
import { GROUP_IMPORT_ROWS, groupKeys, groupsApi } from '../../api/groups';
import { useErrorText } from '../../utils/errors';

/** 导入 (static groups): an xlsx whose first column holds user IDs; bad rows listed with their reason. */
export function ImportMembersModal({ groupId, onClose }: { groupId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const upload = useMutation({
    mutationFn: (file: File) => groupsApi.importMembers(groupId, file),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: groupKeys.all }),
  });
  const result = upload.data;
  return (
    <Modal open title={t('groups.import.title')} onCancel={onClose} footer={null} destroyOnClose>
      <div data-testid="group-import-modal">
        <Typography.Paragraph type="secondary">{t('groups.import.hint', { max: GROUP_IMPORT_ROWS })}</Typography.Paragraph>
        <Upload
          accept=".xlsx"
          showUploadList={false}
          beforeUpload={(file) => {
            upload.mutate(file);
            return false;
          }}
        >
          <Button icon={<UploadOutlined />} loading={upload.isPending} data-testid="group-import-upload">
            {t('groups.import.upload')}
          </Button>
        </Upload>
        {upload.error ? <Alert style={{ marginTop: 12 }} type="error" showIcon message={errorText(upload.error)} /> : null}
        {result && (
          <div
            style={{ marginTop: 12 }}
            data-testid="group-import-result"
            data-added={result.added}
            data-failed={result.failed.length}
          >
            <Alert
              type={result.failed.length ? 'warning' : 'success'}
              showIcon
              message={t('groups.import.result', {
                added: result.added,
                already: result.alreadyMembers,
                failed: result.failed.length,
              })}
            />
            {result.failed.length > 0 && (
              <Table
                style={{ marginTop: 8 }}
                size="small"
                rowKey="row"
                pagination={{ pageSize: 10 }}
                dataSource={result.failed}
                columns={[
                  { title: t('groups.import.row'), dataIndex: 'row', width: 80 },
                  { title: t('groups.import.value'), dataIndex: 'value' },
                  { title: t('groups.import.reason'), dataIndex: 'code', render: (code: string) => t(`errors.${code}` as never) },
                ]}
              />
            )}
          </div>
        )}
      </div>
    </Modal>
  );
}
