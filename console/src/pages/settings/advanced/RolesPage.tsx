import { DownOutlined, PlusOutlined } from '@ant-design/icons';
import { PageContainer, type ProColumns, ProTable } from '@ant-design/pro-components';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Dropdown, type MenuProps, Tag, Tooltip, Typography } from 'antd';
import { type HTMLAttributes, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Role, type StaffMember, staffApi, staffKeys, useRoles } from '../../../api/staff';
import { ListEmpty } from '../../../components/ListEmpty';
import { LoadErrorAlert } from '../../../components/LoadErrorAlert';
import { useSession } from '../../../session/session';
import { useRowAction } from './row-action';
import { formatDateTime } from '../../../utils/format';
import { testId } from '../../../utils/test-id';
import { RoleEditorDrawer } from './RoleEditorDrawer';
import { RoleMembersModal } from './RoleMembersModal';

/**
 * 设置 → 高级设置 → 角色 (seed §1.11.4.6): the tenant's roles with their members and rights;
 * 新建角色, and per role 更多操作 — 编辑, 启用/停用, 关联成员, 删除.
 */
export default function RolesPage() {
  const { t } = useTranslation();
  const session = useSession();
  const timeZone = session.tenant.timeZone;
  const { message, modal } = App.useApp();
  const queryClient = useQueryClient();
  const roles = useRoles();
  const staff = useQuery({ queryKey: staffKeys.everyone, queryFn: staffApi.everyone });
  const [editing, setEditing] = useState<Role | 'new' | null>(null);
  const [membersOf, setMembersOf] = useState<Role | null>(null);

  const staffById = new Map<string, StaffMember>((staff.data ?? []).map((member) => [member.id, member]));
  const refresh = () => void queryClient.invalidateQueries({ queryKey: staffKeys.all });

  const run = useRowAction(refresh);

  const confirmDisable = (role: Role) =>
    modal.confirm({
      title: t('roles.toggle.disableTitle', { name: role.name }),
      content: t('roles.toggle.disableDescription'),
      okText: t('roles.toggle.disable'),
      okButtonProps: { danger: true, ...testId('role-disable-confirm') },
      cancelText: t('common.cancel'),
      onOk: () => run(() => staffApi.updateRole(role.id, { status: 'disabled' }), t('roles.toggle.disabled')),
    });

  const confirmDelete = (role: Role) =>
    modal.confirm({
      title: t('roles.remove.title', { name: role.name }),
      content: (
        <div data-testid="role-delete-content">
          <Typography.Paragraph>{t('roles.remove.description')}</Typography.Paragraph>
          <Typography.Paragraph type="secondary" data-testid="role-delete-members">
            {role.memberIds.length > 0
              ? t('roles.remove.memberCount', { count: role.memberIds.length })
              : t('roles.remove.noMembers')}
          </Typography.Paragraph>
        </div>
      ),
      okText: t('roles.remove.ok'),
      okButtonProps: { danger: true, ...testId('role-delete-confirm') },
      cancelText: t('common.cancel'),
      onOk: () => run(() => staffApi.removeRole(role.id), t('roles.remove.success')),
    });

  const moreActions = (role: Role): MenuProps => ({
    items: [
      { key: 'edit', label: <span data-testid="role-action-edit">{t('roles.edit.action')}</span> },
      {
        key: 'toggle',
        label: (
          <span data-testid="role-action-toggle">
            {role.status === 'enabled' ? t('roles.toggle.disable') : t('roles.toggle.enable')}
          </span>
        ),
      },
      {
        key: 'members',
        disabled: !staff.data,
        label: <span data-testid="role-action-members">{t('roles.members.action')}</span>,
      },
      { type: 'divider' },
      { key: 'delete', danger: true, label: <span data-testid="role-action-delete">{t('roles.remove.action')}</span> },
    ],
    onClick: ({ key }) => {
      if (key === 'edit') setEditing(role);
      else if (key === 'members') setMembersOf(role);
      else if (key === 'delete') confirmDelete(role);
      else if (role.status === 'enabled') confirmDisable(role);
      else void run(() => staffApi.updateRole(role.id, { status: 'enabled' }), t('roles.toggle.enabled'));
    },
  });

  const memberName = (staffId: string) => staffById.get(staffId)?.name ?? t('roles.unknownStaff', { id: staffId });

  const columns: ProColumns<Role>[] = [
    {
      title: t('roles.columns.name'),
      dataIndex: 'name',
      ellipsis: true,
      render: (_, role) => <span data-testid="role-name">{role.name}</span>,
    },
    {
      title: t('roles.columns.status'),
      dataIndex: 'status',
      width: 90,
      render: (_, role) => (
        <Tag color={role.status === 'enabled' ? 'green' : 'default'} data-testid="role-status">
          {t(`roles.status.${role.status}`)}
        </Tag>
      ),
    },
    {
      title: t('roles.columns.members'),
      dataIndex: 'memberIds',
      width: 280,
      render: (_, role) => {
        if (role.memberIds.length === 0) return <Typography.Text type="secondary">{t('roles.noMembers')}</Typography.Text>;
        const names = role.memberIds.map(memberName).join('、');
        return (
          <Typography.Text ellipsis={{ tooltip: names }} style={{ maxWidth: 260 }} data-testid="role-members">
            {names}
          </Typography.Text>
        );
      },
    },
    {
      title: t('roles.columns.permissions'),
      dataIndex: 'permissions',
      width: 90,
      render: (_, role) => (
        <Tooltip title={t('roles.permissionCountHint')}>
          <span data-testid="role-permission-count">{t('roles.permissionCount', { count: role.permissions.length })}</span>
        </Tooltip>
      ),
    },
    {
      title: t('roles.columns.updatedAt'),
      dataIndex: 'updatedAt',
      width: 150,
      render: (_, role) => formatDateTime(role.updatedAt, timeZone),
    },
    {
      title: t('roles.more'),
      valueType: 'option',
      key: 'actions',
      fixed: 'right',
      render: (_, role) => (
        <Dropdown menu={moreActions(role)} trigger={['click']}>
          <Typography.Link data-testid="role-more">
            {t('roles.more')} <DownOutlined />
          </Typography.Link>
        </Dropdown>
      ),
    },
  ];

  return (
    <div data-testid="roles-page">
      <PageContainer title={t('roles.title')} content={t('roles.description')}>
        <LoadErrorAlert error={roles.error ?? staff.error} onRetry={refresh} testId="roles-load-error" />
        <ProTable<Role>
          rowKey="id"
          columns={columns}
          dataSource={roles.data ?? []}
          loading={roles.isPending || roles.isFetching}
          search={false}
          cardBordered
          scroll={{ x: 'max-content' }}
          pagination={{ defaultPageSize: 20, showSizeChanger: true, pageSizeOptions: [10, 20, 50, 100] }}
          options={{ reload: refresh }}
          onRow={(role) => testId(`role-row-${role.id}`) as HTMLAttributes<HTMLElement>}
          toolBarRender={() => [
            <Button
              key="create"
              type="primary"
              icon={<PlusOutlined />}
              onClick={() => setEditing('new')}
              data-testid="roles-create"
            >
              {t('roles.create.button')}
            </Button>,
          ]}
          locale={{
            emptyText: roles.error ? (
              <ListEmpty title={t('common.loadFailed')} testId="roles-load-failed" />
            ) : (
              <ListEmpty title={t('roles.empty.title')} description={t('roles.empty.description')} testId="roles-empty" />
            ),
          }}
        />
      </PageContainer>
      {editing !== null && (
        <RoleEditorDrawer
          role={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(role) => {
            message.success(
              editing === 'new' ? t('roles.create.success', { name: role.name }) : t('roles.edit.success', { name: role.name }),
            );
            setEditing(null);
            refresh();
          }}
        />
      )}
      {membersOf && staff.data && (
        <RoleMembersModal
          role={membersOf}
          staff={staff.data}
          onClose={() => setMembersOf(null)}
          onSaved={() => {
            message.success(t('roles.members.success'));
            setMembersOf(null);
            refresh();
          }}
        />
      )}
    </div>
  );
}
