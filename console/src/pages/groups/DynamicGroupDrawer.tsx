import type { ConditionProblem, ConditionTree } from '@huiliu/core/conditions';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Drawer, Form, Input, Radio, Space, Statistic, Switch, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../api/client';
import { GROUP_NAME_MAX, groupKeys, groupsApi, type Group, type GroupUpdateMode } from '../../api/groups';
import { metadataApi, metadataKeys } from '../../api/metadata';
import { ConditionBuilder, countLeaves } from '../../components/conditions';
import { LoadErrorAlert } from '../../components/LoadErrorAlert';
import { useErrorText } from '../../utils/errors';
import { formatNumber } from '../../utils/format';

const emptyTree = (): ConditionTree => ({ type: 'and', conditions: [] });

/**
 * 新建动态组 / 编辑 (seed §1.5.1.2): name, update mode, the condition builder (properties, groups,
 * tags, did / did-not events, two levels), 预估 (counted, nothing saved) and 保存 (starts a
 * computation). `initialCondition` prefills the builder (`/groups/new?condition=…`).
 */
export function DynamicGroupDrawer({
  group,
  folderId,
  initialCondition,
  onClose,
  onSaved,
}: {
  group?: Group;
  folderId?: string | null;
  initialCondition?: ConditionTree;
  onClose: () => void;
  onSaved?: (group: Group) => void;
}) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ name: string; updateMode: GroupUpdateMode; realtime: boolean; description?: string }>();
  const [tree, setTree] = useState<ConditionTree>(group?.condition ?? initialCondition ?? emptyTree());
  const catalogue = useQuery({ queryKey: metadataKeys.catalogue, queryFn: metadataApi.catalogue });
  // A group's own conditions cannot name it.
  const builderCatalogue = catalogue.data && {
    ...catalogue.data,
    groups: catalogue.data.groups.filter((g) => g.id !== group?.id),
  };

  const estimate = useMutation({ mutationFn: () => groupsApi.estimate(tree) });
  const save = useMutation({
    mutationFn: async () => {
      const values = await form.validateFields();
      const input = {
        name: values.name,
        description: values.description || null,
        updateMode: values.updateMode,
        realtime: values.realtime,
        condition: tree,
      };
      return group ? groupsApi.update(group.id, input) : groupsApi.createDynamic({ ...input, folderId: folderId ?? null });
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: groupKeys.all });
      void message.success(t('groups.dynamic.saved'));
      onSaved?.(saved);
      onClose();
    },
  });
  const failure = save.error ?? estimate.error;
  const problems =
    isApiError(failure) && failure.code === 'condition_invalid'
      ? (failure.details as unknown as ConditionProblem[]).map((p) => ({ ...p, path: p.path.replace(/^condition\.?/, '') }))
      : undefined;

  return (
    <Drawer
      open
      width={960}
      title={group ? t('groups.dynamic.editTitle') : t('groups.dynamic.createTitle')}
      onClose={onClose}
      destroyOnClose
      data-testid="group-dynamic-drawer"
      extra={
        <Space>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button
            type="primary"
            loading={save.isPending}
            disabled={countLeaves(tree) === 0}
            onClick={() => save.mutate()}
            data-testid="group-dynamic-save"
          >
            {t('common.save')}
          </Button>
        </Space>
      }
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={{
          name: group?.name ?? '',
          updateMode: group?.updateMode ?? 'manual',
          realtime: group?.realtime ?? false,
          description: group?.description ?? '',
        }}
      >
        <Form.Item
          name="name"
          label={t('groups.fields.name')}
          rules={[{ required: true, whitespace: true, max: GROUP_NAME_MAX }]}
        >
          <Input maxLength={GROUP_NAME_MAX} data-testid="group-name" />
        </Form.Item>
        <Form.Item name="description" label={t('groups.fields.description')}>
          <Input.TextArea maxLength={255} autoSize={{ minRows: 1, maxRows: 3 }} />
        </Form.Item>
        <Form.Item name="updateMode" label={t('groups.fields.updateMode')} extra={t('groups.dynamic.updateModeHint')}>
          <Radio.Group data-testid="group-update-mode">
            <Radio value="manual">{t('groups.updateMode.manual')}</Radio>
            <Radio value="daily">{t('groups.updateMode.daily')}</Radio>
          </Radio.Group>
        </Form.Item>
        <Form.Item
          name="realtime"
          label={t('groups.fields.realtime')}
          valuePropName="checked"
          extra={t('groups.dynamic.realtimeHint')}
        >
          <Switch data-testid="group-realtime" />
        </Form.Item>
      </Form>
      <Typography.Title level={5}>{t('groups.fields.condition')}</Typography.Title>
      {builderCatalogue ? (
        <ConditionBuilder value={tree} onChange={setTree} catalogue={builderCatalogue} problems={problems} />
      ) : (
        <LoadErrorAlert error={catalogue.error} onRetry={() => void catalogue.refetch()} testId="group-catalogue-error" />
      )}
      <Space style={{ marginTop: 16 }} align="center">
        <Button
          onClick={() => estimate.mutate()}
          loading={estimate.isPending}
          disabled={countLeaves(tree) === 0}
          data-testid="group-estimate"
        >
          {t('groups.dynamic.estimate')}
        </Button>
        {estimate.data && (
          <span data-testid="group-estimate-count" data-count={estimate.data.count}>
            <Statistic
              valueStyle={{ fontSize: 16 }}
              value={formatNumber(estimate.data.count, i18n.language)}
              suffix={t('groups.dynamic.people')}
            />
          </span>
        )}
      </Space>
      {failure && !problems && (
        <Alert style={{ marginTop: 16 }} type="error" showIcon message={errorText(failure)} data-testid="group-dynamic-error" />
      )}
    </Drawer>
  );
}
