import { api } from '@huiliu/console/sdk';
import type { MiniprogramWriteKey } from '../src/write-keys/write-key.types.js';

export type { MiniprogramWriteKey };

const base = '/api/v1/p/miniprogram';

export const writeKeyQueryKey = (channelId: string) => ['miniprogram', 'write-key', channelId] as const;

export function getWriteKey(channelId: string): Promise<MiniprogramWriteKey> {
  return api.get(`${base}/channels/${encodeURIComponent(channelId)}/write-key`);
}

/** A new writeKey; the old one is revoked at once. */
export function regenerateWriteKey(channelId: string): Promise<MiniprogramWriteKey> {
  return api.post(`${base}/channels/${encodeURIComponent(channelId)}/write-key`);
}
