import { api } from '@huiliu/console/sdk';
import type { AppPlatform, CustomApp } from '../src/apps/app.types.js';

export type { AppPlatform, CustomApp };
export const platforms: readonly AppPlatform[] = ['web', 'ios', 'android'];
export const APP_NAME_MAX = 64;

/** The field that identifies an app of each platform (domain / Bundle ID / package name). */
export const identifierField = { web: 'domain', ios: 'bundleId', android: 'packageName' } as const satisfies Record<
  AppPlatform,
  keyof CustomApp
>;
export type IdentifierField = (typeof identifierField)[AppPlatform];

export function identifierOf(app: CustomApp): string {
  return app[identifierField[app.platform]] ?? '';
}

const base = '/api/v1/p/custom-channel';

export const appsQueryKey = (channelId: string) => ['custom-channel', 'apps', channelId] as const;
export const appQueryKey = (appId: string) => ['custom-channel', 'app', appId] as const;

export function listApps(channelId: string): Promise<{ items: CustomApp[] }> {
  return api.get(`${base}/channels/${encodeURIComponent(channelId)}/apps`);
}

export type NewApp = { platform: AppPlatform; name: string } & Partial<Record<IdentifierField, string>>;

export function createApp(channelId: string, body: NewApp): Promise<CustomApp> {
  return api.post(`${base}/channels/${encodeURIComponent(channelId)}/apps`, body);
}

export function getApp(appId: string): Promise<CustomApp> {
  return api.get(`${base}/apps/${encodeURIComponent(appId)}`);
}

export type AppChanges = { name?: string; status?: CustomApp['status'] } & Partial<Record<IdentifierField, string>>;

export function updateApp(appId: string, changes: AppChanges): Promise<CustomApp> {
  return api.patch(`${base}/apps/${encodeURIComponent(appId)}`, changes);
}

/** A new writeKey; the old one is revoked at once. */
export function regenerateWriteKey(appId: string): Promise<CustomApp> {
  return api.post(`${base}/apps/${encodeURIComponent(appId)}/write-key`);
}
