import { useQuery } from '@tanstack/react-query';
import { TreeSelect } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { departmentForest, departmentsApi, departmentsKeys, type DepartmentNode } from '../api/departments';

interface PickerNode {
  value: string;
  title: string;
  disabled?: boolean;
  children: PickerNode[];
}

const toNode = (node: DepartmentNode): PickerNode => ({
  value: node.department.id,
  title: node.department.name,
  children: node.children.map(toNode),
});

/**
 * 更新所属部门 of a business object (dashboards, journeys, reports…, seed §1.11.4.5.5): a tree of the
 * departments the signed-in staff member may give — its own and every one below it (all of them for
 * 高级员工). Disabled, saying why, while 组织架构 is off or when the staff member is in no department.
 * The server checks the same rule (400 `department_outside_own`).
 */
export function DepartmentPicker({
  value,
  onChange,
  disabled,
  testId = 'department-picker',
}: {
  value?: string | null;
  onChange?: (departmentId: string) => void;
  disabled?: boolean;
  testId?: string;
}) {
  const { t } = useTranslation();
  const tree = useQuery({ queryKey: departmentsKeys.tree, queryFn: departmentsApi.tree });
  const treeData = useMemo(() => {
    if (!tree.data) return [];
    const nodes = departmentForest(tree.data.departments, tree.data.assignableIds).map(toNode);
    // The object's current department when it is not one of the choices: shown by name, not pickable.
    const current = value ? tree.data.departments.find((department) => department.id === value) : undefined;
    if (current && !tree.data.assignableIds.includes(current.id))
      nodes.unshift({ value: current.id, title: current.name, disabled: true, children: [] });
    return nodes;
  }, [tree.data, value]);
  const reason = !tree.data
    ? undefined
    : !tree.data.orgEnabled
      ? t('departments.picker.orgOff')
      : tree.data.assignableIds.length === 0
        ? t('departments.picker.noDepartment')
        : undefined;
  return (
    <TreeSelect
      value={value ?? undefined}
      onChange={(picked: string) => onChange?.(picked)}
      treeData={treeData}
      treeDefaultExpandAll
      showSearch
      treeNodeFilterProp="title"
      loading={tree.isPending}
      disabled={disabled || reason !== undefined}
      placeholder={reason ?? t('departments.picker.placeholder')}
      style={{ width: '100%' }}
      data-testid={testId}
    />
  );
}
