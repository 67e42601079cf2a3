import { useQuery } from '@tanstack/react-query';
import { api } from './client';
import type { Channel, ChannelTypeList, NewChannel, Page } from './types';

export const CHANNEL_NAME_MAX = 64;
export const CHANNEL_KEY_MAX = 64;
export const CHANNELS_PAGE_SIZE_MAX = 100;

/** Every channel query starts with this key: invalidate it after a change. */
export const channelsQueryKey = ['channels'] as const;
export const channelTypesQueryKey = ['channels', 'types'] as const;
export const channelQueryKey = (channelId: string) => ['channels', 'one', channelId] as const;

/** Channel types with this tenant's count of each (`connections.view`). */
export function listChannelTypes(): Promise<ChannelTypeList> {
  return api.get<ChannelTypeList>('/api/v1/channel-types');
}

export function listChannels(query: { type?: string; page: number; pageSize: number }): Promise<Page<Channel>> {
  return api.get<Page<Channel>>('/api/v1/channels', {
    query: { type: query.type, page: query.page, pageSize: Math.min(query.pageSize, CHANNELS_PAGE_SIZE_MAX) },
  });
}

/** `connections.edit`: 连接-查看 lists connections but cannot open them. */
export function getChannel(channelId: string): Promise<Channel> {
  return api.get<Channel>(`/api/v1/channels/${encodeURIComponent(channelId)}`);
}

export function createChannel(body: NewChannel): Promise<Channel> {
  return api.post<Channel>('/api/v1/channels', body);
}

export function renameChannel(channelId: string, name: string): Promise<Channel> {
  return api.patch<Channel>(`/api/v1/channels/${encodeURIComponent(channelId)}`, { name });
}

/** May be refused with 409 and the reason (e.g. `custom_channel_has_enabled_apps`). */
export function deleteChannel(channelId: string): Promise<void> {
  return api.delete(`/api/v1/channels/${encodeURIComponent(channelId)}`);
}

export function useChannelTypes() {
  return useQuery({ queryKey: channelTypesQueryKey, queryFn: listChannelTypes });
}

export function useChannel(channelId: string) {
  return useQuery({ queryKey: channelQueryKey(channelId), queryFn: () => getChannel(channelId) });
}
