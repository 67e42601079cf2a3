import { PlusOutlined } from '@ant-design/icons';
import { PageContainer, type ProColumns, ProTable } from '@ant-design/pro-components';
import { useQueryClient } from '@tanstack/react-query';
import { App, Button, Popconfirm, Space, Tag, Tooltip, Typography } from 'antd';
import { type HTMLAttributes, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Role, STAFF_PAGE_SIZE_MAX, type StaffMember, staffApi, staffKeys, useRoles } from '../../../api/staff';
import { ListEmpty } from '../../../components/ListEmpty';
import { LoadErrorAlert } from '../../../components/LoadErrorAlert';
import { useSession } from '../../../session/session';
import { formatDateTime } from '../../../utils/format';
import { usePagedList } from '../../../utils/paged-list';
import { testId } from '../../../utils/test-id';
import { useRowAction } from './row-action';
import { hasMfaFields, StaffMfaCell } from './staff-mfa';
import { StaffFormDrawer } from './StaffFormDrawer';
import { StaffPasswordModal } from './StaffPasswordModal';

const none = <Typography.Text type="secondary">—</Typography.Text>;

/**
 * 设置 → 高级设置 → 员工 (seed §1.11.4.5): the tenant's staff with their type, roles, status and last
 * sign-in; super staff add, edit, enable/disable, reset the password of and delete normal staff.
 * Super staff rows (provisioned with the tenant) have no actions; nobody disables or deletes themself.
 */
export default function StaffPage() {
  const { t } = useTranslation();
  const session = useSession();
  const timeZone = session.tenant.timeZone;
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const roles = useRoles();
  const { list, data, tableProps } = usePagedList({
    filters: {},
    queryKey: staffKeys.list,
    queryFn: staffApi.list,
    maxPageSize: STAFF_PAGE_SIZE_MAX,
  });
  const [editing, setEditing] = useState<StaffMember | 'new' | null>(null);
  const [resetting, setResetting] = useState<StaffMember | null>(null);

  const roleById = new Map<string, Role>((roles.data ?? []).map((role) => [role.id, role]));
  const refresh = () => void queryClient.invalidateQueries({ queryKey: staffKeys.all });

  const run = useRowAction(refresh);

  const columns: ProColumns<StaffMember>[] = [
    {
      title: t('staff.columns.name'),
      dataIndex: 'name',
      ellipsis: true,
      render: (_, member) => (
        <Space size={4}>
          <span data-testid="staff-name">{member.name}</span>
          {member.id === session.staff.id && <Tag color="blue">{t('staff.you')}</Tag>}
        </Space>
      ),
    },
    { title: t('staff.columns.email'), dataIndex: 'email', ellipsis: true },
    {
      title: t('staff.columns.type'),
      dataIndex: 'isSuper',
      width: 110,
      render: (_, member) => (
        <Tag color={member.isSuper ? 'gold' : 'default'} data-testid="staff-type">
          {member.isSuper ? t('staff.type.super') : t('staff.type.normal')}
        </Tag>
      ),
    },
    {
      title: t('staff.columns.roles'),
      dataIndex: 'roleIds',
      render: (_, member) => {
        if (member.isSuper) return none;
        if (member.roleIds.length === 0) return <Typography.Text type="secondary">{t('staff.noRole')}</Typography.Text>;
        return (
          <Space size={[4, 4]} wrap data-testid="staff-roles">
            {member.roleIds.map((roleId) => {
              const role = roleById.get(roleId);
              return (
                <Tag key={roleId} color={role?.status === 'disabled' ? 'default' : 'processing'} data-testid="staff-role">
                  {role ? (role.status === 'disabled' ? t('staff.roleDisabled', { name: role.name }) : role.name) : roleId}
                </Tag>
              );
            })}
          </Space>
        );
      },
    },
    {
      title: t('staff.columns.status'),
      dataIndex: 'status',
      width: 90,
      render: (_, member) => (
        <Tag color={member.status === 'enabled' ? 'green' : 'default'} data-testid="staff-status">
          {t(`staff.status.${member.status}`)}
        </Tag>
      ),
    },
    // The MFA slice's column (多因素验证): shown once the server sends the fields.
    ...(hasMfaFields(data?.items ?? [])
      ? [
          {
            title: t('staff.columns.mfa'),
            key: 'mfa',
            render: (_: unknown, member: StaffMember) => <StaffMfaCell member={member} onChanged={refresh} />,
          },
        ]
      : []),
    {
      title: t('staff.columns.lastLoginAt'),
      dataIndex: 'lastLoginAt',
      width: 150,
      render: (_, member) =>
        member.lastLoginAt === null ? (
          <Typography.Text type="secondary">{t('staff.neverLoggedIn')}</Typography.Text>
        ) : (
          <span data-testid="staff-last-login">{formatDateTime(member.lastLoginAt, timeZone)}</span>
        ),
    },
    {
      title: t('common.actions'),
      valueType: 'option',
      key: 'actions',
      fixed: 'right',
      onCell: () => ({ style: { whiteSpace: 'nowrap' } }),
      render: (_, member) => {
        if (member.isSuper) {
          return (
            <Tooltip title={t('staff.superProtected')}>
              <Typography.Text type="secondary" data-testid="staff-protected">
                —
              </Typography.Text>
            </Tooltip>
          );
        }
        const self = member.id === session.staff.id;
        return [
          <Typography.Link key="edit" onClick={() => setEditing(member)} data-testid="staff-action-edit">
            {t('staff.edit.action')}
          </Typography.Link>,
          !self &&
            (member.status === 'enabled' ? (
              <Popconfirm
                key="toggle"
                title={t('staff.toggle.disableTitle', { name: member.name })}
                description={t('staff.toggle.disableDescription')}
                okText={t('staff.toggle.disable')}
                okButtonProps={{ danger: true, ...testId('staff-disable-confirm') }}
                cancelText={t('common.cancel')}
                onConfirm={() => run(() => staffApi.setStatus(member.id, 'disabled'), t('staff.toggle.disabled'))}
              >
                <Typography.Link data-testid="staff-action-toggle">{t('staff.toggle.disable')}</Typography.Link>
              </Popconfirm>
            ) : (
              <Typography.Link
                key="toggle"
                onClick={() => void run(() => staffApi.setStatus(member.id, 'enabled'), t('staff.toggle.enabled'))}
                data-testid="staff-action-toggle"
              >
                {t('staff.toggle.enable')}
              </Typography.Link>
            )),
          <Typography.Link key="password" onClick={() => setResetting(member)} data-testid="staff-action-password">
            {t('staff.password.action')}
          </Typography.Link>,
          !self && (
            <Popconfirm
              key="delete"
              title={t('staff.remove.title', { name: member.name })}
              description={t('staff.remove.description')}
              okText={t('staff.remove.ok')}
              okButtonProps={{ danger: true, ...testId('staff-delete-confirm') }}
              cancelText={t('common.cancel')}
              onConfirm={() => run(() => staffApi.remove(member.id), t('staff.remove.success'))}
            >
              <Typography.Link type="danger" data-testid="staff-action-delete">
                {t('staff.remove.action')}
              </Typography.Link>
            </Popconfirm>
          ),
        ];
      },
    },
  ];

  return (
    <div data-testid="staff-page">
      <PageContainer title={t('staff.title')} content={t('staff.description')}>
        <LoadErrorAlert error={list.error ?? roles.error} onRetry={refresh} testId="staff-load-error" />
        <ProTable<StaffMember>
          rowKey="id"
          columns={columns}
          search={false}
          cardBordered
          scroll={{ x: 'max-content' }}
          columnsState={{ persistenceKey: `huiliu.staff.columns.${session.staff.id}`, persistenceType: 'localStorage' }}
          onRow={(member) => testId(`staff-row-${member.id}`) as HTMLAttributes<HTMLElement>}
          {...tableProps}
          options={{ reload: refresh }}
          toolBarRender={() => [
            <Button
              key="create"
              type="primary"
              icon={<PlusOutlined />}
              disabled={roles.isPending}
              onClick={() => setEditing('new')}
              data-testid="staff-create"
            >
              {t('staff.create.button')}
            </Button>,
          ]}
          locale={{
            emptyText: list.error ? (
              <ListEmpty title={t('common.loadFailed')} testId="staff-load-failed" />
            ) : (
              <ListEmpty title={t('staff.empty.title')} testId="staff-empty" />
            ),
          }}
        />
      </PageContainer>
      {editing !== null && roles.data && (
        <StaffFormDrawer
          member={editing === 'new' ? null : editing}
          roles={roles.data}
          onClose={() => setEditing(null)}
          onSaved={(member) => {
            message.success(editing === 'new' ? t('staff.create.success', { name: member.name }) : t('staff.edit.success'));
            setEditing(null);
            refresh();
          }}
        />
      )}
      {resetting && <StaffPasswordModal member={resetting} onClose={() => setResetting(null)} />}
    </div>
  );
}
