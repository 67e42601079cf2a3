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
