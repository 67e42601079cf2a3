import { ApartmentOutlined, DeleteOutlined, EditOutlined, PlusOutlined, UserAddOutlined } from '@ant-design/icons';
import { PageContainer } from '@ant-design/pro-components';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Popconfirm,
  Row,
  Skeleton,
  Space,
  Switch,
  Table,
  Tag,
  Tree,
  Typography,
  type TreeDataNode,
  type TreeProps,
} from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  departmentForest,
  departmentsApi,
  departmentsKeys,
  type Department,
  type DepartmentNode,
} from '../../../api/departments';
import type { Staff } from '../../../api/types';
import { ListEmpty } from '../../../components/ListEmpty';
import { LoadErrorAlert } from '../../../components/LoadErrorAlert';
import { useErrorText } from '../../../utils/errors';
import { testId } from '../../../utils/test-id';
import { AssignStaffModal, DepartmentNameModal, MoveDepartmentModal } from './DepartmentModals';

type Dialog =
  | { kind: 'create'; parent: Department | null }
  | { kind: 'rename'; department: Department }
  | { kind: 'move'; department: Department }
  | { kind: 'assign'; department: Department };

const toTreeNode = (node: DepartmentNode): TreeDataNode => ({
  key: node.department.id,
  title: (
    <span data-testid={`department-node-${node.department.id}`} data-name={node.department.name}>
      {node.department.name}
      <Typography.Text type="secondary" style={{ marginInlineStart: 8 }}>
        {node.department.staffCount}
      </Typography.Text>
    </span>
  ),
  children: node.children.map(toTreeNode),
});

/**
 * 设置 → 高级设置 → 部门 (seed §1.11.4.5.5, ADR 0023): the 组织架构 switch, the department tree (add,
 * rename, move by dragging or with 移动, delete) and the staff of the selected department (分配员工).
 * Only 高级员工 reach it (departments.manage).
 */
export default function DepartmentsPage() {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const tree = useQuery({ queryKey: departmentsKeys.tree, queryFn: departmentsApi.tree });
  const departments = useMemo(() => tree.data?.departments ?? [], [tree.data]);
  const forest = useMemo(() => departmentForest(departments), [departments]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<string[] | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [switching, setSwitching] = useState(false);
  const selected = departments.find((department) => department.id === selectedId) ?? null;
  const staff = useQuery({
    queryKey: departmentsKeys.staff(selectedId ?? ''),
    queryFn: () => departmentsApi.staffIn(selectedId!),
    enabled: selected !== null,
  });

  // Everything unfolded when the tree first arrives; later the operator's choice (plus new parents).
  useEffect(() => {
    if (expanded === null && tree.data) setExpanded(tree.data.departments.map((department) => department.id));
  }, [expanded, tree.data]);

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['departments'] });
  };
  const act = async (work: () => Promise<unknown>, success: string) => {
    try {
      await work();
      message.success(success);
      await refresh();
    } catch (error) {
      message.error(errorText(error));
      await refresh();
    }
  };

  const setOrg = (orgEnabled: boolean) => {
    modal.confirm({
      title: orgEnabled ? t('departments.org.enableTitle') : t('departments.org.disableTitle'),
      content: orgEnabled ? t('departments.org.enableContent') : t('departments.org.disableContent'),
      okText: orgEnabled ? t('departments.org.enable') : t('departments.org.disable'),
      cancelText: t('common.cancel'),
      okButtonProps: testId('department-org-confirm'),
      onOk: async () => {
        setSwitching(true);
        try {
          await act(
            () => departmentsApi.setOrgEnabled(orgEnabled),
            orgEnabled ? t('departments.org.enabled') : t('departments.org.disabled'),
          );
        } finally {
          setSwitching(false);
        }
      },
    });
  };

  /** A drop on a node puts the department inside it (first); a drop between nodes puts it there among those siblings. */
  const onDrop: TreeProps['onDrop'] = (info) => {
    const dragged = departments.find((d) => d.id === String(info.dragNode.key));
    const target = departments.find((d) => d.id === String(info.node.key));
    if (!dragged || !target) return;
    let parentId: string | null;
    let position: number;
    if (!info.dropToGap) {
      parentId = target.id;
      position = 0;
    } else {
      parentId = target.parentId;
      const siblings = departments.filter((d) => d.parentId === parentId && d.id !== dragged.id);
      const index = siblings.findIndex((d) => d.id === target.id);
      const relative = info.dropPosition - Number(info.node.pos.split('-').pop());
      position = relative === -1 ? index : index + 1;
    }
    void act(() => departmentsApi.update(dragged.id, { parentId, position }), t('departments.tree.moved'));
  };

  const staffColumns = [
    { title: t('departments.staff.columns.name'), dataIndex: 'name', key: 'name' },
    { title: t('departments.staff.columns.email'), dataIndex: 'email', key: 'email' },
    {
      title: t('departments.staff.columns.status'),
      key: 'status',
      render: (_: unknown, member: Staff) => (
        <Tag color={member.status === 'enabled' ? 'green' : 'default'}>{t(`departments.staff.status.${member.status}`)}</Tag>
      ),
    },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_: unknown, member: Staff) => (
        <Popconfirm
          title={t('departments.staff.removeConfirm', { name: member.name })}
          okText={t('departments.staff.remove')}
          cancelText={t('common.cancel')}
          okButtonProps={testId(`department-staff-remove-confirm-${member.id}`)}
          onConfirm={() => act(() => departmentsApi.assignStaff(member.id, null), t('departments.staff.removed'))}
        >
          <Typography.Link data-testid={`department-staff-remove-${member.id}`}>{t('departments.staff.remove')}</Typography.Link>
        </Popconfirm>
      ),
    },
  ];

  const parentName = (department: Department) =>
    department.parentId === null
      ? t('departments.detail.topLevel')
      : (departments.find((d) => d.id === department.parentId)?.name ?? department.parentId);

  return (
    <PageContainer title={t('departments.title')} content={t('departments.description')}>
      <LoadErrorAlert error={tree.error} onRetry={() => void tree.refetch()} testId="departments-load-error" />
      <Card style={{ marginBottom: 16 }}>
        <Space align="start" size={16}>
          <Switch
            checked={tree.data?.orgEnabled ?? false}
            loading={tree.isPending || switching}
            onChange={(checked) => setOrg(checked)}
            data-testid="department-org-switch"
          />
          <div>
            <Typography.Text strong>{t('departments.org.title')}</Typography.Text>
            <Typography.Paragraph type="secondary" style={{ marginBottom: 0, maxWidth: 760 }} data-testid="department-org-hint">
              {tree.data?.orgEnabled ? t('departments.org.onHint') : t('departments.org.offHint')}
            </Typography.Paragraph>
          </div>
        </Space>
      </Card>
      <Row gutter={16}>
        <Col xs={24} lg={10}>
          <Card
            title={t('departments.tree.title')}
            extra={
              <Button
                type="primary"
                icon={<PlusOutlined />}
                onClick={() => setDialog({ kind: 'create', parent: null })}
                data-testid="department-create"
              >
                {t('departments.tree.create')}
              </Button>
            }
          >
            {tree.isPending ? (
              <Skeleton active />
            ) : departments.length === 0 ? (
              <ListEmpty
                title={t('departments.tree.empty')}
                description={t('departments.tree.emptyHint')}
                testId="departments-empty"
              />
            ) : (
              <>
                <Typography.Paragraph type="secondary">{t('departments.tree.dragHint')}</Typography.Paragraph>
                <Tree
                  treeData={forest.map(toTreeNode)}
                  draggable={{ icon: false }}
                  blockNode
                  showLine
                  expandedKeys={expanded ?? []}
                  onExpand={(keys) => setExpanded(keys.map(String))}
                  selectedKeys={selectedId ? [selectedId] : []}
                  // A click on the selected department keeps it selected (antd would deselect it).
                  onSelect={(_, info) => setSelectedId(String(info.node.key))}
                  onDrop={onDrop}
                  data-testid="department-tree"
                />
              </>
            )}
          </Card>
        </Col>
        <Col xs={24} lg={14}>
          <Card title={selected ? selected.name : t('departments.detail.title')} data-testid="department-detail">
            {!selected ? (
              <Typography.Text type="secondary" data-testid="department-detail-none">
                {t('departments.detail.none')}
              </Typography.Text>
            ) : (
              <Space direction="vertical" size={16} style={{ width: '100%' }}>
                <Descriptions column={2} size="small">
                  <Descriptions.Item label={t('departments.detail.parent')}>{parentName(selected)}</Descriptions.Item>
                  <Descriptions.Item label={t('departments.detail.staffCount')}>{selected.staffCount}</Descriptions.Item>
                </Descriptions>
                <Space wrap>
                  <Button
                    icon={<PlusOutlined />}
                    onClick={() => setDialog({ kind: 'create', parent: selected })}
                    data-testid="department-add-child"
                  >
                    {t('departments.tree.addChild')}
                  </Button>
                  <Button
                    icon={<EditOutlined />}
                    onClick={() => setDialog({ kind: 'rename', department: selected })}
                    data-testid="department-rename"
                  >
                    {t('departments.tree.rename')}
                  </Button>
                  <Button
                    icon={<ApartmentOutlined />}
                    onClick={() => setDialog({ kind: 'move', department: selected })}
                    data-testid="department-move"
                  >
                    {t('departments.tree.move')}
                  </Button>
                  <Popconfirm
                    title={t('departments.tree.removeConfirm', { name: selected.name })}
                    description={t('departments.tree.removeHint')}
                    okText={t('departments.tree.remove')}
                    okButtonProps={{ danger: true, ...testId('department-remove-confirm') }}
                    cancelText={t('common.cancel')}
                    onConfirm={() =>
                      act(async () => {
                        await departmentsApi.remove(selected.id);
                        setSelectedId(null);
                      }, t('departments.tree.removed'))
                    }
                  >
                    <Button danger icon={<DeleteOutlined />} data-testid="department-remove">
                      {t('departments.tree.remove')}
                    </Button>
                  </Popconfirm>
                </Space>
                <Space style={{ justifyContent: 'space-between', width: '100%' }}>
                  <Typography.Text strong>{t('departments.staff.title')}</Typography.Text>
                  <Button
                    type="primary"
                    icon={<UserAddOutlined />}
                    onClick={() => setDialog({ kind: 'assign', department: selected })}
                    data-testid="department-assign"
                  >
                    {t('departments.assign.button')}
                  </Button>
                </Space>
                <LoadErrorAlert error={staff.error} onRetry={() => void staff.refetch()} testId="department-staff-load-error" />
                <Table<Staff>
                  rowKey="id"
                  size="small"
                  loading={staff.isPending}
                  columns={staffColumns}
                  dataSource={staff.data?.items ?? []}
                  pagination={false}
                  locale={{ emptyText: t('departments.staff.empty') }}
                  onRow={(member) => ({ 'data-testid': `department-staff-${member.id}` }) as Record<string, string>}
                  data-testid="department-staff"
                />
              </Space>
            )}
          </Card>
        </Col>
      </Row>

      {dialog?.kind === 'create' && (
        <DepartmentNameModal
          title={
            dialog.parent ? t('departments.form.childTitle', { parent: dialog.parent.name }) : t('departments.form.createTitle')
          }
          submitText={t('common.create')}
          onClose={() => setDialog(null)}
          onSubmit={async (name) => {
            const created = await departmentsApi.create({ name, parentId: dialog.parent?.id ?? null });
            message.success(t('departments.tree.created'));
            setDialog(null);
            if (dialog.parent) setExpanded((keys) => [...(keys ?? []), dialog.parent!.id]);
            setSelectedId(created.id);
            await refresh();
          }}
        />
      )}
      {dialog?.kind === 'rename' && (
        <DepartmentNameModal
          title={t('departments.form.renameTitle')}
          initialName={dialog.department.name}
          submitText={t('common.save')}
          onClose={() => setDialog(null)}
          onSubmit={async (name) => {
            await departmentsApi.update(dialog.department.id, { name });
            message.success(t('departments.tree.renamed'));
            setDialog(null);
            await refresh();
          }}
        />
      )}
      {dialog?.kind === 'move' && (
        <MoveDepartmentModal
          department={dialog.department}
          departments={departments}
          onClose={() => setDialog(null)}
          onMove={async (parentId) => {
            await departmentsApi.update(dialog.department.id, { parentId });
            message.success(t('departments.tree.moved'));
            setDialog(null);
            if (parentId) setExpanded((keys) => [...(keys ?? []), parentId]);
            await refresh();
          }}
        />
      )}
      {dialog?.kind === 'assign' && (
        <AssignStaffModal
          department={dialog.department}
          current={staff.data?.items ?? []}
          onClose={() => setDialog(null)}
          onAssign={async (staffIds) => {
            try {
              for (const staffId of staffIds) await departmentsApi.assignStaff(staffId, dialog.department.id);
            } finally {
              await refresh();
            }
            message.success(t('departments.assign.done', { count: staffIds.length }));
            setDialog(null);
          }}
        />
      )}
    </PageContainer>
  );
}
