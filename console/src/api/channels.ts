import { useQuery } from '@tanstack/react-query';
import { api } from './client';
import type { Channel, ChannelDetail, ChannelTestResult, ChannelTypeList, NewChannel, Page } from './types';

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

/**
 * `connections.edit`: 连接-查看 lists connections but cannot open them. With `deletable` and the
 * reason it may not be deleted now.
 */
export function getChannel(channelId: string): Promise<ChannelDetail> {
  return api.get<ChannelDetail>(`/api/v1/channels/${encodeURIComponent(channelId)}`);
}

export function createChannel(body: NewChannel): Promise<ChannelDetail> {
  return api.post<ChannelDetail>('/api/v1/channels', body);
}

export function renameChannel(channelId: string, name: string): Promise<ChannelDetail> {
  return api.patch<ChannelDetail>(`/api/v1/channels/${encodeURIComponent(channelId)}`, { name });
}

/**
 * 连接设置 (ADR 0039), per field: omitted = unchanged; a secret's `''` = cleared; another field's
 * `null` = removed. 400 `channel_settings_invalid` with `details: [{ path: 'settings.<field>' }]`.
 */
export function updateChannelSettings(channelId: string, settings: Record<string, unknown>): Promise<ChannelDetail> {
  return api.patch<ChannelDetail>(`/api/v1/channels/${encodeURIComponent(channelId)}/settings`, { settings });
}

/** 测试连接 before creating a channel of `type`. */
export function testNewChannelSettings(type: string, settings: Record<string, unknown>): Promise<ChannelTestResult> {
  return api.post<ChannelTestResult>('/api/v1/channels/test', { type, settings });
}

/** 测试连接 of a channel: its stored settings with these unsaved changes (as `updateChannelSettings` takes them). */
export function testChannelSettings(channelId: string, settings: Record<string, unknown>): Promise<ChannelTestResult> {
  return api.post<ChannelTestResult>(`/api/v1/channels/${encodeURIComponent(channelId)}/test`, { settings });
}

/**
 * May still be refused with 409 and the reason (e.g. `custom_channel_has_enabled_apps`) when the
 * channel changed since `deletable` was read.
 */
export function deleteChannel(channelId: string): Promise<void> {
  return api.delete(`/api/v1/channels/${encodeURIComponent(channelId)}`);
}

export function useChannelTypes() {
  return useQuery({ queryKey: channelTypesQueryKey, queryFn: listChannelTypes });
}

export function useChannel(channelId: string) {
  return useQuery({ queryKey: channelQueryKey(channelId), queryFn: () => getChannel(channelId) });
}
