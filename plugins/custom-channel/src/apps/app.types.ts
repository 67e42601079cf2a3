export type AppPlatform = 'web' | 'ios' | 'android';
export const appPlatforms: readonly AppPlatform[] = ['web', 'ios', 'android'];

export interface CustomApp {
  id: string;
  channelId: string;
  platform: AppPlatform;
  name: string;
  /** Web: the domain; iOS: the Bundle ID; Android: the package name. */
  domain: string | null;
  bundleId: string | null;
  packageName: string | null;
  writeKey: string;
  status: 'enabled' | 'disabled';
  writeKeyIssuedAt: number;
  createdAt: number;
  updatedAt: number;
}

export interface CustomAppRow {
  id: number | string;
  tenant_id: number | string;
  channel_id: number | string;
  platform: AppPlatform;
  name: string;
  app_identifier: string;
  write_key: string;
  status: 'enabled' | 'disabled';
  write_key_issued_at: number;
  created_at: number;
  updated_at: number;
}

export function toCustomApp(row: CustomAppRow): CustomApp {
  return {
    id: String(row.id),
    channelId: String(row.channel_id),
    platform: row.platform,
    name: row.name,
    domain: row.platform === 'web' ? row.app_identifier : null,
    bundleId: row.platform === 'ios' ? row.app_identifier : null,
    packageName: row.platform === 'android' ? row.app_identifier : null,
    writeKey: row.write_key,
    status: row.status,
    writeKeyIssuedAt: Number(row.write_key_issued_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** What a writeKey resolves to, for the collect endpoints (ingestion) and the check route. */
export interface WriteKeyOwner {
  tenantId: string;
  channelId: string;
  appId: string;
  platform: AppPlatform;
  enabled: boolean;
}
