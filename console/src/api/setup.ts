import { api } from './client';
import type { SetupRequest, SetupResponse, SetupStatus } from './types';

export const setupQueryKey = ['setup'] as const;

export function getSetupStatus(): Promise<SetupStatus> {
  return api.get<SetupStatus>('/api/v1/setup');
}

export function runSetup(body: SetupRequest): Promise<SetupResponse> {
  return api.post<SetupResponse>('/api/v1/setup', body);
}
