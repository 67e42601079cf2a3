export interface Tenant {
  id: string;
  name: string;
  timeZone: string;
  /** Set once the first event arrives; the time zone is fixed from then on. */
  firstEventAt: number | null;
  status: 'active' | 'suspended';
  /** 到期: the last day (tenant-local `YYYY-MM-DD`) the tenant is paid for; null = no expiry. */
  expiresOn: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface TenantRow {
  id: number | string;
  name: string;
  time_zone: string;
  first_event_at: number | null;
  status: 'active' | 'suspended';
  expires_on?: string | null;
  created_at: number;
  updated_at: number;
}

export function toTenant(row: TenantRow): Tenant {
  return {
    id: String(row.id),
    name: row.name,
    timeZone: row.time_zone,
    firstEventAt: row.first_event_at === null ? null : Number(row.first_event_at),
    status: row.status,
    expiresOn: row.expires_on ?? null,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';
