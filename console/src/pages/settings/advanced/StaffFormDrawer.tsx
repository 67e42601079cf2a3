import { DrawerForm, type ProFormInstance, ProFormSelect, ProFormText } from '@ant-design/pro-components';
import { Alert, Button, Drawer, Empty, Typography } from 'antd';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { type Role, STAFF_NAME_MAX, type StaffMember, staffApi } from '../../../api/staff';
import { NEW_PASSWORD_MIN } from '../../../layouts/ChangePasswordModal';
import { testId } from '../../../utils/test-id';
import { useReportFormError } from '../../metadata/shared';

interface StaffValues {
  email: string;
  name: string;
  password?: string;
  roleIds: string[];
}

/** Codes about one field; the rest (`roleIds.0` …) are placed by their path. */
const fieldByCode = { email_taken: 'email', role_not_found: 'roleIds', staff_role_required: 'roleIds' };
/** `roleIds.1` → the roles select. */
const mapPath = (path: Array<string | number>) => (path[0] === 'roleIds' ? ['roleIds'] : path);

/** A role as a select option: disabled roles say so (they grant nothing while disabled). */
export function useRoleOptions(roles: readonly Role[]) {
  const { t } = useTranslation();
  return roles.map((role) => ({
    value: role.id,
    label: role.status === 'disabled' ? t('staff.roleDisabled', { name: role.name }) : role.name,
  }));
}

/**
 * 添加员工 / 编辑: email, name, roles (≥ 1) and, when adding, the password. Without any role yet the
 * drawer says to add one first (seed: 需要先添加角色，才能成功添加员工). Mounted while open.
 */
export function StaffFormDrawer({
  member,
  roles,
  onClose,
  onSaved,
}: {
  /** null: 添加员工. */
  member: StaffMember | null;
  roles: readonly Role[];
  onClose: () => void;
  onSaved: (member: StaffMember) => void;
}) {
  const { t } = useTranslation();
  const formRef = useRef<ProFormInstance<StaffValues>>(undefined);
  const reportError = useReportFormError();
  const roleOptions = useRoleOptions(roles);
  const title = member ? t('staff.edit.title') : t('staff.create.title');

  if (!member && roles.length === 0) {
    return (
      <Drawer open title={title} width={520} onClose={onClose} destroyOnHidden>
        <Empty
          data-testid="staff-no-roles"
          description={
            <>
              <Typography.Title level={5}>{t('staff.noRoles.title')}</Typography.Title>
              <Typography.Paragraph type="secondary">{t('staff.noRoles.description')}</Typography.Paragraph>
            </>
          }
        >
          <Link to="/settings/advanced/roles" data-testid="staff-no-roles-link">
            <Button type="primary">{t('staff.noRoles.link')}</Button>
          </Link>
        </Empty>
      </Drawer>
    );
  }

  return (
    <DrawerForm<StaffValues>
      open
      title={title}
      width={520}
      formRef={formRef}
      drawerProps={{ destroyOnHidden: true, ...testId('staff-drawer') }}
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
      initialValues={member ? { email: member.email, name: member.name, roleIds: member.roleIds } : { roleIds: [] }}
      submitter={{
        searchConfig: { submitText: member ? t('common.save') : t('staff.create.button'), resetText: t('common.cancel') },
        submitButtonProps: testId('staff-form-submit'),
      }}
      onFinish={async (values) => {
        const input = { email: values.email.trim(), name: values.name.trim(), roleIds: values.roleIds };
        try {
          onSaved(
            member
              ? await staffApi.update(member.id, input)
              : await staffApi.create({ ...input, password: values.password ?? '' }),
          );
          return true;
        } catch (error) {
          reportError(formRef.current, error, { fieldByCode, mapPath });
          return false;
        }
      }}
    >
      {member && <Alert type="info" showIcon message={t('staff.edit.note')} style={{ marginBottom: 16 }} />}
      <ProFormText
        name="email"
        label={t('staff.form.email.label')}
        placeholder={t('staff.form.email.placeholder')}
        extra={t('staff.form.email.extra')}
        fieldProps={{ autoComplete: 'off', ...testId('staff-form-email') }}
        rules={[
          { required: true, whitespace: true, message: t('staff.form.email.required') },
          { type: 'email', message: t('staff.form.email.invalid') },
        ]}
      />
      <ProFormText
        name="name"
        label={t('staff.form.name.label')}
        placeholder={t('staff.form.name.placeholder')}
        fieldProps={{ maxLength: STAFF_NAME_MAX, showCount: true, ...testId('staff-form-name') }}
        rules={[
          { required: true, whitespace: true, message: t('staff.form.name.required') },
          { max: STAFF_NAME_MAX, message: t('staff.form.name.max', { max: STAFF_NAME_MAX }) },
        ]}
      />
      {!member && (
        <ProFormText.Password
          name="password"
          label={t('staff.form.password.label')}
          placeholder={t('staff.form.password.placeholder', { min: NEW_PASSWORD_MIN })}
          fieldProps={{ autoComplete: 'new-password', ...testId('staff-form-password') }}
          rules={[
            { required: true, message: t('staff.form.password.required') },
            { min: NEW_PASSWORD_MIN, message: t('staff.form.password.weak', { min: NEW_PASSWORD_MIN }) },
          ]}
        />
      )}
      <ProFormSelect
        name="roleIds"
        label={t('staff.form.roles.label')}
        placeholder={t('staff.form.roles.placeholder')}
        extra={t('staff.form.roles.extra')}
        options={roleOptions}
        fieldProps={{ mode: 'multiple', optionFilterProp: 'label', ...testId('staff-form-roles') }}
        rules={[{ required: true, type: 'array', min: 1, message: t('staff.form.roles.required') }]}
      />
    </DrawerForm>
  );
}
