import type { HomeDisplaySettings, HomeTimelinePage, UsageSummary } from '@huiliu/core/api-types';
import { api } from './client';
import type { HomeOverview } from './types';

export type { HomeDisplaySettings, HomeTimelineEvent, HomeTimelinePage, UsageSummary } from '@huiliu/core/api-types';

export const homeQueryKey = ['home'] as const;

export const homeKeys = {
  summary: homeQueryKey,
  timeline: ['home', 'events'] as const,
  displaySettings: ['home', 'display-settings'] as const,
  usage: ['usage'] as const,
};

export function getHome(): Promise<HomeOverview> {
  return api.get<HomeOverview>('/api/v1/home');
}

export const homeApi = {
  /** 首页时间轴: a page of the tenant's recent events, newest first. */
  events: (query: { cursor?: string; limit?: number } = {}) =>
    api.get<HomeTimelinePage>('/api/v1/home/events', { query: { cursor: query.cursor, limit: query.limit } }),
  displaySettings: () => api.get<HomeDisplaySettings>('/api/v1/home/display-settings'),
  saveDisplaySettings: (outboundEvents: string[]) =>
    api.put<HomeDisplaySettings>('/api/v1/home/display-settings', { outboundEvents }),
  /** 使用情况 (settings.usage). */
  usage: () => api.get<UsageSummary>('/api/v1/usage'),
};
