import { useQuery } from '@tanstack/react-query';
import type { ContactErasure, ErasureKind } from '@huiliu/core/api-types';
import { api } from './client';
import type { Page } from './types';

/** What may be erased in which channel type (the server's `erasureTargets`, ADR 0037). */
export type { ContactErasure, ErasureKind };
export const ERASURE_KIND_OF_CHANNEL_TYPE: Readonly<Record<string, ErasureKind>> = {
  custom: 'customChannelData',
  wechat: 'wechatGdpr',
};

/** Limits of the server (contact-erasures.types.ts). */
export const ERASURE_ID_MAX = 191;
export const ERASURE_FILE_MAX_IDS = 10_000;
export const ERASURE_FILE_MAX_BYTES = 2 * 1024 * 1024;

export type ContactErasureStarted = ContactErasure & { blankLines: number; duplicates: number };

const base = '/api/v1/console/contact-erasures';

export const contactErasuresQueryKey = (channelId: string) => ['contact-erasures', channelId] as const;

export function listContactErasures(channelId: string, page = 1, pageSize = 10): Promise<Page<ContactErasure>> {
  return api.get<Page<ContactErasure>>(base, { query: { channelId, page, pageSize } });
}

/** Erases one person of the channel by an id of theirs there (external_id, OpenID or UnionID). Irreversible. */
export function eraseOne(channelId: string, userId: string): Promise<ContactErasureStarted> {
  return api.post<ContactErasureStarted>(base, { channelId, userId });
}

/** Erases the people of a TXT file (one id per line). Irreversible. */
export function eraseFile(channelId: string, file: File): Promise<ContactErasureStarted> {
  const form = new FormData();
  form.append('file', file);
  return api.upload<ContactErasureStarted>(`${base}/file`, form, { query: { channelId } });
}

export const erasureTemplateUrl = (kind: ErasureKind) => `${base}/template?kind=${kind}`;

/** The channel's requests, polled while one is still queued or running. */
export function useContactErasures(channelId: string) {
  return useQuery({
    queryKey: contactErasuresQueryKey(channelId),
    queryFn: () => listContactErasures(channelId),
    refetchInterval: (query) =>
      query.state.data?.items.some((item) => item.status === 'queued' || item.status === 'running') ? 2000 : false,
  });
}
