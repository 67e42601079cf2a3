import type { FieldMask, MobileEncryption } from '@huiliu/core/api-types';
import { api } from './client';

// 联系人字段加密 (设置 → 高级设置): the shapes of /api/v1/contact-field-masks and /api/v1/mobile-encryption
// from @huiliu/core/api-types (core/src/modules/masking/masking.routes.ts). Super staff only (masking.manage).

export type { FieldMask, MobileEncryption };

export const maskingKeys = {
  fields: ['masking', 'fields'] as const,
  mobileEncryption: ['masking', 'mobile-encryption'] as const,
};

export const maskingApi = {
  fields: async () => (await api.get<{ items: FieldMask[] }>('/api/v1/contact-field-masks')).items,
  setMasked: (key: string, masked: boolean) =>
    api.put<FieldMask>(`/api/v1/contact-field-masks/${encodeURIComponent(key)}`, { masked }),
  mobileEncryption: () => api.get<MobileEncryption>('/api/v1/mobile-encryption'),
  saveMobileEncryption: (setting: { enabled: boolean; publicKeyPem: string | null }) =>
    api.put<MobileEncryption>('/api/v1/mobile-encryption', setting),
};
