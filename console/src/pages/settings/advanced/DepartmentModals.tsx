import { ModalForm, type ProFormInstance, ProFormText } from '@ant-design/pro-components';
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Form, Modal, Select, TreeSelect, Typography } from 'antd';
import { useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  DEPARTMENT_NAME_MAX,
  departmentForest,
  departmentsApi,
  departmentsKeys,
  type Department,
  type DepartmentNode,
} from '../../../api/departments';
import type { Staff } from '../../../api/types';
import { useApplyFieldErrors, useErrorText } from '../../../utils/errors';
import { testId } from '../../../utils/test-id';

interface NameValues {
  name: string;
}

/** 新建部门 / 添加子部门 / 重命名: one name; the server's refusal (a sibling's name) lands on the field. */
export function DepartmentNameModal({
  title,
  initialName,
  submitText,
  onSubmit,
  onClose,
}: {
  title: string;
  initialName?: string;
  submitText: string;
  onSubmit: (name: string) => Promise<unknown>;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const applyFieldErrors = useApplyFieldErrors();
  const formRef = useRef<ProFormInstance<NameValues>>(undefined);
  return (
    <ModalForm<NameValues>
      open
      title={title}
      width={480}
      formRef={formRef}
      initialValues={{ name: initialName ?? '' }}
      modalProps={{ destroyOnHidden: true }}
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
      submitter={{
        searchConfig: { submitText, resetText: t('common.cancel') },
        submitButtonProps: testId('department-name-submit'),
      }}
      onFinish={async ({ name }) => {
        try {
          await onSubmit(name.trim());
          return true;
        } catch (error) {
          if (!applyFieldErrors(formRef.current, error, { department_name_taken: 'name' })) message.error(errorText(error));
          return false;
        }
      }}
    >
      <ProFormText
        name="name"
        label={t('departments.form.name.label')}
        placeholder={t('departments.form.name.placeholder')}
        fieldProps={{ maxLength: DEPARTMENT_NAME_MAX, showCount: true, autoFocus: true, ...testId('department-name-input') }}
        rules={[
          { required: true, whitespace: true, message: t('departments.form.name.required') },
          { max: DEPARTMENT_NAME_MAX, message: t('departments.form.name.max', { max: DEPARTMENT_NAME_MAX }) },
        ]}
      />
    </ModalForm>
  );
}

const TOP_LEVEL = '__top__';

interface PickerNode {
  value: string;
  title: string;
  disabled?: boolean;
  children: PickerNode[];
}

/** 移动: a new parent from a tree where the department itself and everything below it cannot be picked. */
export function MoveDepartmentModal({
  department,
  departments,
  onMove,
  onClose,
}: {
  department: Department;
  departments: Department[];
  onMove: (parentId: string | null) => Promise<unknown>;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [parent, setParent] = useState<string>(department.parentId ?? TOP_LEVEL);
  const [saving, setSaving] = useState(false);
  const treeData = useMemo(() => {
    const toNode = (node: DepartmentNode, blocked: boolean): PickerNode => {
      const inside = blocked || node.department.id === department.id;
      return {
        value: node.department.id,
        title: node.department.name,
        disabled: inside,
        children: node.children.map((child) => toNode(child, inside)),
      };
    };
    return [
      { value: TOP_LEVEL, title: t('departments.move.topLevel'), children: [] },
      ...departmentForest(departments).map((node) => toNode(node, false)),
    ];
  }, [departments, department.id, t]);

  return (
    <Modal
      open
      title={t('departments.move.title', { name: department.name })}
      okText={t('departments.move.ok')}
      cancelText={t('common.cancel')}
      confirmLoading={saving}
      okButtonProps={testId('department-move-submit')}
      onCancel={onClose}
      onOk={async () => {
        setSaving(true);
        try {
          await onMove(parent === TOP_LEVEL ? null : parent);
        } catch (error) {
          message.error(errorText(error));
        } finally {
          setSaving(false);
        }
      }}
    >
      <Form layout="vertical">
        <Form.Item label={t('departments.move.parent')} extra={t('departments.move.hint')}>
          <TreeSelect
            value={parent}
            onChange={(value: string) => setParent(value)}
            treeData={treeData}
            treeDefaultExpandAll
            style={{ width: '100%' }}
            data-testid="department-move-parent"
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** 分配员工: staff of the tenant, any number at once; each staff member is in one department only. */
export function AssignStaffModal({
  department,
  current,
  onAssign,
  onClose,
}: {
  department: Department;
  /** Who is in the department already (not offered again). */
  current: Staff[];
  onAssign: (staffIds: string[]) => Promise<unknown>;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const staff = useQuery({ queryKey: departmentsKeys.allStaff, queryFn: departmentsApi.allStaff });
  const [picked, setPicked] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const inside = new Set(current.map((member) => member.id));
  const options = (staff.data ?? [])
    .filter((member) => !inside.has(member.id))
    .map((member) => ({ value: member.id, label: `${member.name} (${member.email})` }));

  return (
    <Modal
      open
      title={t('departments.assign.title', { name: department.name })}
      okText={t('departments.assign.ok')}
      cancelText={t('common.cancel')}
      confirmLoading={saving}
      okButtonProps={{ disabled: picked.length === 0, ...testId('department-assign-submit') }}
      onCancel={onClose}
      onOk={async () => {
        setSaving(true);
        try {
          await onAssign(picked);
        } catch (error) {
          message.error(errorText(error));
        } finally {
          setSaving(false);
        }
      }}
    >
      <Typography.Paragraph type="secondary">{t('departments.assign.hint')}</Typography.Paragraph>
      {staff.error ? (
        <Alert type="error" showIcon message={errorText(staff.error)} data-testid="department-assign-load-error" />
      ) : (
        <Select
          mode="multiple"
          showSearch
          optionFilterProp="label"
          loading={staff.isPending}
          value={picked}
          onChange={setPicked}
          options={options}
          placeholder={t('departments.assign.placeholder')}
          style={{ width: '100%' }}
          data-testid="department-assign-staff"
        />
      )}
    </Modal>
  );
}
