export interface ApiApp {
  id: string;
  name: string;
  appKey: string;
  status: 'enabled' | 'disabled';
  createdAt: number;
  updatedAt: number;
  lastUsedAt: number | null;
}

export interface ApiAppRow {
  id: number | string;
  tenant_id: number | string;
  name: string;
  app_key: string;
  secret_hash: string;
  status: 'enabled' | 'disabled';
  created_by: number | string | null;
  last_used_at: number | null;
  created_at: number;
  updated_at: number;
}

export function toApiApp(row: ApiAppRow): ApiApp {
  return {
    id: String(row.id),
    name: row.name,
    appKey: row.app_key,
    status: row.status,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}
