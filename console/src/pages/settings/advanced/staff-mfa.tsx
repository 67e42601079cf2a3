import { Button, Popconfirm, Space, Switch, Tag, Tooltip } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { staffApi, type StaffMember } from '../../../api/staff';
import { useRowAction } from './row-action';

/*
 * The 多因素验证 column of the 员工 page (seed §1.11.4.5.4): super staff switch MFA on or off per
 * member and reset a bound device. The list shows 是 when MFA is on and a device is bound, 否 when
 * it is on but not bound yet (the member binds at the next sign-in); off shows the switch alone.
 */

/** Whether the server sends the MFA fields (the column shows only then). */
export function hasMfaFields(items: readonly StaffMember[]): boolean {
  return items.some((member) => typeof member.mfaEnabled === 'boolean');
}

/** 多因素验证 of one staff member: the switch, 是/否 (bound) and 重置. */
export function StaffMfaCell({ member, onChanged }: { member: StaffMember; onChanged: () => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const action = useRowAction(onChanged);
  if (typeof member.mfaEnabled !== 'boolean') return null;

  const run = async (change: () => Promise<unknown>, success: string) => {
    setBusy(true);
    await action(change, success).finally(() => setBusy(false));
  };

  // Super staff's own MFA is switched the same way; the server refuses nothing here but other tenants' ids.
  return (
    <Space size={6} data-testid={`staff-mfa-${member.id}`}>
      <Popconfirm
        title={member.mfaEnabled ? t('staff.mfa.turnOffConfirm') : t('staff.mfa.turnOnConfirm')}
        onConfirm={() =>
          run(
            () => staffApi.setMfa(member.id, !member.mfaEnabled),
            member.mfaEnabled ? t('staff.mfa.turnedOff') : t('staff.mfa.turnedOn'),
          )
        }
      >
        <Switch size="small" checked={member.mfaEnabled} loading={busy} data-testid={`staff-mfa-switch-${member.id}`} />
      </Popconfirm>
      {member.mfaEnabled && (
        <Tooltip title={member.mfaBound ? t('staff.mfa.bound') : t('staff.mfa.unbound')}>
          <Tag color={member.mfaBound ? 'green' : 'default'}>{member.mfaBound ? t('staff.mfa.on') : t('staff.mfa.off')}</Tag>
        </Tooltip>
      )}
      {member.mfaEnabled && member.mfaBound && (
        <Popconfirm
          title={t('staff.mfa.resetConfirm')}
          onConfirm={() => run(() => staffApi.resetMfa(member.id), t('staff.mfa.resetDone'))}
        >
          <Button type="link" size="small" disabled={busy} data-testid={`staff-mfa-reset-${member.id}`}>
            {t('staff.mfa.reset')}
          </Button>
        </Popconfirm>
      )}
    </Space>
  );
}
