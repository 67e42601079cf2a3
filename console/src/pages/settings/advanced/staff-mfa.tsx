import { Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { StaffMember } from '../../../api/staff';

/*
 * The MFA slot of the 员工 page (seed §1.11.4.5.2, 多因素验证): the MFA slice of issue 16 adds
 * `mfaEnabled` / `mfaBound` to the staff JSON and replaces `StaffMfaCell` with its switches. Until
 * the server sends those fields the column stays hidden.
 */

/** Whether the server sends the MFA fields (the column shows only then). */
export function hasMfaFields(items: readonly StaffMember[]): boolean {
  return items.some((member) => typeof member.mfaEnabled === 'boolean');
}

/** 多因素验证 是 / 否 of one staff member (and whether an authenticator is bound). */
export function StaffMfaCell({ member }: { member: StaffMember; onChanged: () => void }) {
  const { t } = useTranslation();
  if (typeof member.mfaEnabled !== 'boolean') return null;
  return (
    <Space size={4} data-testid={`staff-mfa-${member.id}`}>
      <Tag color={member.mfaEnabled ? 'green' : 'default'}>{member.mfaEnabled ? t('staff.mfa.on') : t('staff.mfa.off')}</Tag>
      {member.mfaEnabled && typeof member.mfaBound === 'boolean' && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {member.mfaBound ? t('staff.mfa.bound') : t('staff.mfa.unbound')}
        </Typography.Text>
      )}
    </Space>
  );
}
