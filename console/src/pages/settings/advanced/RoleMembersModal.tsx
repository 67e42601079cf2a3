import { ModalForm, type ProFormInstance, ProFormSelect } from '@ant-design/pro-components';
import { Alert, Typography } from 'antd';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { type Role, type StaffMember, staffApi } from '../../../api/staff';
import { testId } from '../../../utils/test-id';
import { useReportFormError } from '../../metadata/shared';

interface MembersValues {
  staffIds: string[];
}

/** `staffIds.2` → the select. */
const mapPath = (path: Array<string | number>) => (path[0] === 'staffIds' ? ['staffIds'] : path);

/**
 * 关联成员: the normal staff who hold a role (super staff hold every right and are not listed).
 * Whoever is added or removed signs in again. Mounted while open.
 */
export function RoleMembersModal({
  role,
  staff,
  onClose,
  onSaved,
}: {
  role: Role;
  /** Every staff member of the tenant. */
  staff: readonly StaffMember[];
  onClose: () => void;
  onSaved: (role: Role) => void;
}) {
  const { t } = useTranslation();
  const formRef = useRef<ProFormInstance<MembersValues>>(undefined);
  const reportError = useReportFormError();
  const normal = staff.filter((member) => !member.isSuper);
  const options = normal.map((member) => ({
    value: member.id,
    label: `${member.name}（${member.email}）${member.status === 'disabled' ? ` · ${t('staff.status.disabled')}` : ''}`,
  }));
  return (
    <ModalForm<MembersValues>
      open
      title={t('roles.members.title', { name: role.name })}
      width={560}
      formRef={formRef}
      modalProps={{ destroyOnHidden: true }}
      initialValues={{ staffIds: role.memberIds }}
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
      submitter={{
        searchConfig: { submitText: t('common.save'), resetText: t('common.cancel') },
        submitButtonProps: testId('role-members-submit'),
      }}
      onFinish={async ({ staffIds }) => {
        try {
          onSaved(await staffApi.setRoleMembers(role.id, staffIds ?? []));
          return true;
        } catch (error) {
          reportError(formRef.current, error, { mapPath });
          return false;
        }
      }}
    >
      <Alert type="info" showIcon message={t('roles.members.note')} style={{ marginBottom: 16 }} />
      {normal.length === 0 ? (
        <Typography.Paragraph type="secondary" data-testid="role-members-none">
          {t('roles.members.none')}
        </Typography.Paragraph>
      ) : (
        <ProFormSelect
          name="staffIds"
          label={t('roles.members.label')}
          placeholder={t('roles.members.placeholder')}
          extra={t('roles.members.superHint')}
          options={options}
          fieldProps={{ mode: 'multiple', optionFilterProp: 'label', ...testId('role-members-select') }}
        />
      )}
    </ModalForm>
  );
}
