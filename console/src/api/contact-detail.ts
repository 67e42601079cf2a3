import type {
  ContactDetail,
  ContactViewSettings,
  ContactViewSettingsAnswer,
  DetailAccount,
  DetailConnection,
  TimelineEvent,
  TimelineProperty,
} from '@huiliu/core/api-types';
import { api } from './client';

// 用户详情 (console): GET/PATCH /api/v1/console/contacts/{contactId}, its /form and /timeline,
// POST /api/v1/console/contacts and the per-staff /view-settings (core contacts/detail.routes.ts).

export type {
  ContactDetail,
  ContactViewSettings,
  ContactViewSettingsAnswer,
  DetailAccount,
  DetailConnection,
  TimelineEvent,
  TimelineProperty,
};

/** A contact's values as the create and edit forms send them: system fields by identify's names and `props.attr<seq>`. */
export type ContactValues = Record<string, unknown> & { props?: Record<string, unknown> };

export interface ContactForm {
  id: string;
  profile: ContactValues;
  maskedFields: string[];
}

export interface TimelinePage {
  items: TimelineEvent[];
  nextCursor: string | null;
  timelineOutbound: string[] | null;
}

export interface TimelineFilter {
  from?: number;
  to?: number;
  channelId?: string;
}

export const TIMELINE_PAGE_SIZE = 30;

export const contactDetailKeys = {
  detail: (contactId: string) => ['contacts', 'detail', contactId] as const,
  form: (contactId: string) => ['contacts', 'detail', contactId, 'form'] as const,
  timeline: (contactId: string, filter: TimelineFilter) => ['contacts', 'detail', contactId, 'timeline', filter] as const,
  viewSettings: ['contacts', 'view-settings'] as const,
};

const base = '/api/v1/console/contacts';
const one = (contactId: string) => `${base}/${encodeURIComponent(contactId)}`;

export const contactDetailApi = {
  get: (contactId: string) => api.get<ContactDetail>(one(contactId)),
  form: (contactId: string) => api.get<ContactForm>(`${one(contactId)}/form`),
  create: (values: ContactValues) => api.post<ContactDetail>(base, values),
  update: (contactId: string, values: ContactValues) => api.patch<ContactDetail>(one(contactId), values),
  timeline: (contactId: string, filter: TimelineFilter, cursor?: string) =>
    api.get<TimelinePage>(`${one(contactId)}/timeline`, {
      query: { ...filter, cursor, limit: TIMELINE_PAGE_SIZE },
    }),
  viewSettings: () => api.get<ContactViewSettingsAnswer>(`${base}/view-settings`),
  saveViewSettings: (settings: ContactViewSettings) => api.put<ContactViewSettingsAnswer>(`${base}/view-settings`, settings),
};
