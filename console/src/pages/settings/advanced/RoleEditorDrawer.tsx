import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Drawer, Form, type FormInstance, Input, Select, Skeleton, Space } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../../api/client';
import { type PermissionCatalog, type Role, ROLE_NAME_MAX, staffApi, staffKeys } from '../../../api/staff';
import { LoadErrorAlert } from '../../../components/LoadErrorAlert';
import { errorText as translateError } from '../../../i18n';
import { useLocalized } from '../../../utils/localized';
import { testId } from '../../../utils/test-id';
import { useReportFormError } from '../../metadata/shared';
import { assignableRights, closeRights } from './permission-closure';
import { PermissionMatrix } from './PermissionMatrix';

interface RoleValues {
  name: string;
  /** Every ticked right, fixed ones included (they are left out when saving). */
  permissions: string[];
}

const permissionCodes = ['permission_not_assignable', 'permission_unknown'];
/** `permissions.3` → the matrix. */
const mapPath = (path: Array<string | number>) => (path[0] === 'permissions' ? ['permissions'] : path);

/** The role editor's fields: name, 快速选择 and the matrix (rendered once the catalogue is loaded). */
function RoleForm({ form, catalog, role }: { form: FormInstance<RoleValues>; catalog: PermissionCatalog; role: Role | null }) {
  const { t } = useTranslation();
  const localized = useLocalized();
  const rows = useMemo(() => [...catalog.matrix, ...catalog.extra], [catalog]);
  const [preset, setPreset] = useState<string | undefined>(undefined);
  const initialValues = useMemo<RoleValues>(
    () => ({ name: role?.name ?? '', permissions: [...closeRights(role?.permissions ?? [], rows)] }),
    [role, rows],
  );
  return (
    <Form<RoleValues> form={form} layout="vertical" initialValues={initialValues} data-testid="role-form">
      <Space size={24} align="start" wrap>
        <Form.Item
          name="name"
          label={t('roles.editor.name.label')}
          style={{ width: 360 }}
          rules={[
            { required: true, whitespace: true, message: t('roles.editor.name.required') },
            { max: ROLE_NAME_MAX, message: t('roles.editor.name.max', { max: ROLE_NAME_MAX }) },
          ]}
        >
          <Input
            placeholder={t('roles.editor.name.placeholder')}
            maxLength={ROLE_NAME_MAX}
            showCount
            data-testid="role-form-name"
          />
        </Form.Item>
        <Form.Item label={t('roles.editor.quickSelect.label')} extra={t('roles.editor.quickSelect.extra')} style={{ width: 360 }}>
          <Select
            value={preset}
            placeholder={t('roles.editor.quickSelect.placeholder')}
            options={catalog.presets.map((item) => ({ value: item.key, label: localized(item.name) }))}
            onChange={(key: string) => {
              setPreset(key);
              const chosen = catalog.presets.find((item) => item.key === key);
              form.setFields([{ name: 'permissions', value: [...closeRights(chosen?.permissions ?? [], rows)], errors: [] }]);
            }}
            {...testId('role-form-preset')}
          />
        </Form.Item>
      </Space>
      <Form.Item name="permissions" label={t('roles.editor.permissions.label')}>
        <PermissionMatrix catalog={catalog} />
      </Form.Item>
    </Form>
  );
}

/**
 * 新建角色 / 编辑 (seed §1.11.4.6.1): a full-width drawer with the name, 快速选择 (presets, adjustable
 * after) and the permission matrix. Mounted while open.
 */
export function RoleEditorDrawer({
  role,
  onClose,
  onSaved,
}: {
  /** null: 新建角色. */
  role: Role | null;
  onClose: () => void;
  onSaved: (role: Role) => void;
}) {
  const { t } = useTranslation();
  const localized = useLocalized();
  const [form] = Form.useForm<RoleValues>();
  const reportError = useReportFormError();
  const catalog = useQuery({ queryKey: staffKeys.catalog, queryFn: staffApi.catalog });
  const [saving, setSaving] = useState(false);

  const save = async () => {
    if (!catalog.data) return;
    let values: RoleValues;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    const rows = [...catalog.data.matrix, ...catalog.data.extra];
    const input = { name: values.name.trim(), permissions: assignableRights(values.permissions, rows) };
    setSaving(true);
    try {
      onSaved(role ? await staffApi.updateRole(role.id, input) : await staffApi.createRole(input));
    } catch (error) {
      if (isApiError(error) && permissionCodes.includes(error.code)) {
        // Name the right as the matrix does, not by its id.
        const id = String(error.params.permission ?? '');
        const row = rows.find((item) => item.id === id);
        const text = translateError(error.code, { permission: row ? `${localized(row.menu)} - ${localized(row.right)}` : id });
        form.setFields([{ name: 'permissions', errors: [text ?? error.message] }]);
      } else {
        reportError(form, error, { fieldByCode: { role_name_taken: 'name' }, mapPath });
      }
    } finally {
      setSaving(false);
    }
  };

  return (
    <Drawer
      open
      width="100%"
      title={role ? t('roles.edit.title') : t('roles.create.title')}
      onClose={onClose}
      destroyOnHidden
      {...testId('role-drawer')}
      footer={
        <Space style={{ display: 'flex', justifyContent: 'flex-end' }}>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button
            type="primary"
            loading={saving}
            disabled={!catalog.data}
            onClick={() => void save()}
            data-testid="role-form-submit"
          >
            {role ? t('common.save') : t('common.create')}
          </Button>
        </Space>
      }
    >
      {role && <Alert type="info" showIcon message={t('roles.edit.note')} style={{ marginBottom: 16 }} />}
      <LoadErrorAlert error={catalog.error} onRetry={() => void catalog.refetch()} testId="role-catalog-error" />
      {catalog.isPending ? <Skeleton active /> : catalog.data && <RoleForm form={form} catalog={catalog.data} role={role} />}
    </Drawer>
  );
}
