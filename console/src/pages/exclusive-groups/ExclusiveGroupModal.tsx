import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, Input, List, Modal, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  EXCLUSIVE_MEMBERS_MAX,
  EXCLUSIVE_MEMBERS_MIN,
  selectionKeys,
  selectionsApi,
  type ExclusiveGroup,
} from '../../api/group-selections';
import { groupsApi } from '../../api/groups';
import { useErrorText } from '../../utils/errors';
import { testId } from '../../utils/test-id';

/**
 * 新建互斥组 / 编辑 (SPEC §4): a name and 2–20 groups in priority order — a contact counts in the
 * first group it is in. Groups are added from a list and moved up and down.
 */
export function ExclusiveGroupModal({ group, onClose }: { group?: ExclusiveGroup; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ name: string; description?: string }>();
  const [ids, setIds] = useState<string[]>(group?.members.map((m) => m.groupId) ?? []);
  const groups = useQuery({ queryKey: ['groups', 'list', 'all', ''], queryFn: () => groupsApi.list({}) });
  const names = new Map((groups.data?.items ?? []).map((g) => [g.id, g.name]));
  const move = (index: number, by: number) =>
    setIds((current) => {
      const next = [...current];
      const [item] = next.splice(index, 1);
      next.splice(index + by, 0, item!);
      return next;
    });
  const save = useMutation({
    mutationFn: async () => {
      const values = await form.validateFields();
      const input = { name: values.name, description: values.description || null, groupIds: ids };
      return group ? selectionsApi.updateExclusive(group.id, input) : selectionsApi.createExclusive(input);
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: selectionKeys.all });
      void message.success(t('groupSelections.exclusive.saved'));
      onClose();
    },
  });
  const tooFew = ids.length < EXCLUSIVE_MEMBERS_MIN;
  return (
    <Modal
      open
      width={640}
      title={group ? t('groupSelections.exclusive.editTitle') : t('groupSelections.exclusive.createTitle')}
      onCancel={onClose}
      onOk={() => save.mutate()}
      confirmLoading={save.isPending}
      okButtonProps={{ disabled: tooFew, ...testId('exclusive-group-save') }}
      destroyOnClose
      data-testid="exclusive-group-modal"
    >
      <Form form={form} layout="vertical" initialValues={{ name: group?.name ?? '', description: group?.description ?? '' }}>
        <Form.Item
          name="name"
          label={t('groupSelections.exclusive.name')}
          rules={[{ required: true, whitespace: true, max: 64 }]}
        >
          <Input maxLength={64} data-testid="exclusive-group-name" />
        </Form.Item>
        <Form.Item name="description" label={t('groups.fields.description')}>
          <Input.TextArea maxLength={255} autoSize={{ minRows: 1, maxRows: 3 }} />
        </Form.Item>
      </Form>
      <Typography.Paragraph type="secondary">
        {t('groupSelections.exclusive.priorityHint', { min: EXCLUSIVE_MEMBERS_MIN, max: EXCLUSIVE_MEMBERS_MAX })}
      </Typography.Paragraph>
      <List
        size="small"
        bordered
        dataSource={ids}
        locale={{ emptyText: t('groupSelections.exclusive.noMembers') }}
        data-testid="exclusive-group-members"
        renderItem={(id, index) => (
          <List.Item
            data-testid="exclusive-group-member"
            actions={[
              <Button
                key="up"
                size="small"
                type="text"
                icon={<ArrowUpOutlined />}
                disabled={index === 0}
                onClick={() => move(index, -1)}
                aria-label={t('groupSelections.exclusive.up')}
                data-testid={`exclusive-member-up-${index}`}
              />,
              <Button
                key="down"
                size="small"
                type="text"
                icon={<ArrowDownOutlined />}
                disabled={index === ids.length - 1}
                onClick={() => move(index, 1)}
                aria-label={t('groupSelections.exclusive.down')}
                data-testid={`exclusive-member-down-${index}`}
              />,
              <Button
                key="remove"
                size="small"
                type="text"
                danger
                icon={<DeleteOutlined />}
                onClick={() => setIds((current) => current.filter((x) => x !== id))}
                aria-label={t('groupSelections.exclusive.removeMember')}
              />,
            ]}
          >
            <Space>
              <Typography.Text strong>{index + 1}</Typography.Text>
              <span data-testid="exclusive-group-member-name">{names.get(id) ?? id}</span>
            </Space>
          </List.Item>
        )}
      />
      <Select
        style={{ width: '100%', marginTop: 12 }}
        showSearch
        value={null}
        disabled={ids.length >= EXCLUSIVE_MEMBERS_MAX}
        placeholder={t('groupSelections.exclusive.addMember')}
        optionFilterProp="label"
        options={(groups.data?.items ?? [])
          .filter((g) => !ids.includes(g.id))
          .map((g) => ({ value: g.id, label: `${g.name}（${t(`groups.kind.${g.kind}` as 'groups.kind.static')}）` }))}
        onChange={(id: string | null) => id && setIds((current) => [...current, id])}
        data-testid="exclusive-group-add-member"
      />
      {save.error ? (
        <Alert
          type="error"
          showIcon
          message={errorText(save.error)}
          style={{ marginTop: 12 }}
          data-testid="exclusive-group-error"
        />
      ) : null}
    </Modal>
  );
}
