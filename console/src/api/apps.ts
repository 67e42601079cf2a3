import { api } from './client';
import type { AppStatus, AppWithSecret, Page, PrivateApp } from './types';

export const APP_NAME_MAX = 64;
export const PAGE_SIZE_MAX = 100;

export function listApps(page: number, pageSize: number): Promise<Page<PrivateApp>> {
  return api.get<Page<PrivateApp>>('/api/v1/apps', {
    query: { page, pageSize: Math.min(pageSize, PAGE_SIZE_MAX) },
  });
}

export function createApp(name: string): Promise<AppWithSecret> {
  return api.post<AppWithSecret>('/api/v1/apps', { name });
}

export function updateApp(appId: string, changes: { name?: string; status?: AppStatus }): Promise<PrivateApp> {
  return api.patch<PrivateApp>(`/api/v1/apps/${encodeURIComponent(appId)}`, changes);
}

export function resetAppSecret(appId: string): Promise<AppWithSecret> {
  return api.post<AppWithSecret>(`/api/v1/apps/${encodeURIComponent(appId)}/secret`);
}

export function deleteApp(appId: string): Promise<void> {
  return api.delete(`/api/v1/apps/${encodeURIComponent(appId)}`);
}
