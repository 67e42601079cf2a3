import type { ConditionProblem, ConditionTree } from '@huiliu/core/conditions';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Form, Input, Modal } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/client';
import { selectionKeys, selectionsApi, type TemporaryGroup } from '../api/group-selections';
import { metadataApi, metadataKeys } from '../api/metadata';
import { useErrorText } from '../utils/errors';
import { testId } from '../utils/test-id';
import { ConditionBuilder, countLeaves } from './conditions';
import { LoadErrorAlert } from './LoadErrorAlert';

/**
 * 添加临时群组 / 编辑 (seed §1.7.10): a name and ad-hoc conditions from the condition builder, saved
 * for the caller only and counted whenever a report looks at it (never computed in advance). The
 * server allows 3 per staff member and says so (409 temporary_group_limit).
 */
export function TemporaryGroupModal({
  group,
  onClose,
  onSaved,
}: {
  group?: TemporaryGroup;
  onClose: () => void;
  onSaved?: (group: TemporaryGroup) => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ name: string }>();
  const [tree, setTree] = useState<ConditionTree>(group?.condition ?? { type: 'and', conditions: [] });
  const catalogue = useQuery({ queryKey: metadataKeys.catalogue, queryFn: metadataApi.catalogue });
  const save = useMutation({
    mutationFn: async () => {
      const { name } = await form.validateFields();
      return group
        ? selectionsApi.updateTemporary(group.id, { name, condition: tree })
        : selectionsApi.createTemporary({ name, condition: tree });
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: selectionKeys.all });
      void message.success(t('groupSelections.temporary.saved'));
      onSaved?.(saved);
      onClose();
    },
  });
  const problems =
    isApiError(save.error) && save.error.code === 'condition_invalid'
      ? (save.error.details as unknown as ConditionProblem[]).map((p) => ({ ...p, path: p.path.replace(/^condition\.?/, '') }))
      : undefined;
  return (
    <Modal
      open
      width={900}
      title={group ? t('groupSelections.temporary.editTitle') : t('groupSelections.temporary.createTitle')}
      onCancel={onClose}
      onOk={() => save.mutate()}
      confirmLoading={save.isPending}
      okButtonProps={{ disabled: countLeaves(tree) === 0, ...testId('temporary-group-save') }}
      destroyOnClose
      data-testid="temporary-group-modal"
    >
      <Form form={form} layout="vertical" initialValues={{ name: group?.name ?? '' }}>
        <Form.Item
          name="name"
          label={t('groupSelections.temporary.name')}
          rules={[{ required: true, whitespace: true, max: 64 }]}
          extra={t('groupSelections.temporary.hint')}
        >
          <Input maxLength={64} data-testid="temporary-group-name" />
        </Form.Item>
      </Form>
      {catalogue.data ? (
        <ConditionBuilder value={tree} onChange={setTree} catalogue={catalogue.data} problems={problems} />
      ) : (
        <LoadErrorAlert error={catalogue.error} onRetry={() => void catalogue.refetch()} testId="temporary-catalogue-error" />
      )}
      {save.error && !problems ? (
        <Alert
          type="error"
          showIcon
          message={errorText(save.error)}
          style={{ marginTop: 12 }}
          data-testid="temporary-group-error"
        />
      ) : null}
    </Modal>
  );
}
