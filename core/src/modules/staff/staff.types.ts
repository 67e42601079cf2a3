export interface Staff {
  id: string;
  tenantId: string;
  email: string;
  name: string;
  isSuper: boolean;
  status: 'enabled' | 'disabled';
  /** The roles of a normal staff member (super staff hold every permission without one). */
  roleIds: string[];
  lastLoginAt: number | null;
  /** 多因素验证 switched on by super staff. */
  mfaEnabled: boolean;
  /** MFA on and a device bound (the list's 是); on but not bound yet is 否 — bound at the next login. */
  mfaBound: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface StaffRow {
  id: number | string;
  tenant_id: number | string;
  email: string;
  name: string;
  password_hash: string;
  is_super: number | boolean;
  status: 'enabled' | 'disabled';
  last_login_at: number | null;
  created_at: number;
  updated_at: number;
  /** From `staff_mfa` (left-joined by the reads; absent = MFA off). */
  mfa_enabled?: number | boolean | null;
  mfa_bound_at?: number | null;
}

export function toStaff(row: StaffRow, roleIds: string[] = []): Staff {
  return {
    id: String(row.id),
    tenantId: String(row.tenant_id),
    email: row.email,
    name: row.name,
    isSuper: Boolean(row.is_super),
    status: row.status,
    roleIds,
    lastLoginAt: row.last_login_at === null ? null : Number(row.last_login_at),
    mfaEnabled: Boolean(row.mfa_enabled),
    mfaBound: Boolean(row.mfa_enabled) && row.mfa_bound_at !== null && row.mfa_bound_at !== undefined,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/**
 * Emails are the login (邮箱即账号): stored and compared in one normal form — trimmed, Unicode NFC,
 * lower case — and compared exactly (binary collation on MySQL), so `ádmin@…` is not `admin@…`
 * while a decomposed `é` is the same letter as a composed one.
 */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase().normalize('NFC');
}
