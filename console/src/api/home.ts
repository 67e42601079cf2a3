import { api } from './client';
import type { HomeOverview } from './types';

export const homeQueryKey = ['home'] as const;

export function getHome(): Promise<HomeOverview> {
  return api.get<HomeOverview>('/api/v1/home');
}
