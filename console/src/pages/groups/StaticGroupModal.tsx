import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Checkbox, Form, Input, Modal, Select } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { listChannels } from '../../api/channels';
import { GROUP_NAME_MAX, groupKeys, groupsApi, type Group } from '../../api/groups';
import { useErrorText } from '../../utils/errors';

/**
 * 新建静态组 / 编辑 (seed §1.5.2.2): name and description; 是否将该群组与微信公众号关联同步 — choosing an
 * official account is irreversible, so the confirm says so.
 */
export function StaticGroupModal({
  group,
  folderId,
  onClose,
  onSaved,
}: {
  group?: Group;
  folderId?: string | null;
  onClose: () => void;
  onSaved?: (group: Group) => void;
}) {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ name: string; description?: string; wechatChannelId?: string }>();
  const [link, setLink] = useState(false);
  const wechats = useQuery({
    queryKey: ['channels', 'wechat-for-groups'],
    queryFn: () => listChannels({ type: 'wechat', page: 1, pageSize: 100 }),
    enabled: !group,
  });
  const save = useMutation({
    mutationFn: async () => {
      const values = await form.validateFields();
      if (group) return groupsApi.update(group.id, { name: values.name, description: values.description || null });
      return groupsApi.createStatic({
        name: values.name,
        description: values.description || null,
        folderId: folderId ?? null,
        wechatChannelId: link ? (values.wechatChannelId ?? null) : null,
      });
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: groupKeys.all });
      void message.success(t('groups.static.saved'));
      onSaved?.(saved);
      onClose();
    },
  });
  const submit = () => {
    if (!group && link)
      modal.confirm({
        title: t('groups.static.linkConfirmTitle'),
        content: t('groups.static.linkConfirm'),
        onOk: () => save.mutate(),
      });
    else save.mutate();
  };
  return (
    <Modal
      open
      title={group ? t('groups.static.editTitle') : t('groups.static.createTitle')}
      onCancel={onClose}
      onOk={submit}
      confirmLoading={save.isPending}
      okButtonProps={{ 'data-testid': 'group-static-save' } as Record<string, string>}
      destroyOnClose
    >
      <Form form={form} layout="vertical" initialValues={{ name: group?.name ?? '', description: group?.description ?? '' }}>
        <Form.Item
          name="name"
          label={t('groups.fields.name')}
          rules={[{ required: true, whitespace: true, max: GROUP_NAME_MAX }]}
        >
          <Input maxLength={GROUP_NAME_MAX} data-testid="group-static-name" />
        </Form.Item>
        <Form.Item name="description" label={t('groups.fields.description')}>
          <Input.TextArea maxLength={255} autoSize={{ minRows: 1, maxRows: 3 }} />
        </Form.Item>
        {!group && (
          <>
            <Checkbox checked={link} onChange={(e) => setLink(e.target.checked)} disabled={!wechats.data?.items.length}>
              {t('groups.static.link')}
            </Checkbox>
            {link && (
              <Form.Item name="wechatChannelId" rules={[{ required: true }]} style={{ marginTop: 8 }}>
                <Select
                  placeholder={t('groups.static.chooseAccount')}
                  options={(wechats.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))}
                />
              </Form.Item>
            )}
          </>
        )}
      </Form>
      {save.error ? <Alert type="error" showIcon message={errorText(save.error)} style={{ marginTop: 12 }} /> : null}
    </Modal>
  );
}
