import type { OlapContactRow } from '../../store/olap/analytics-engine.js';

/**
 * The system fields an identify call may set (seed §2.1.3): the API's name, the OLTP column, the
 * OLAP contact field and the longest value kept. `state` is 省份; `dateOfBirthday` is accepted as
 * another name of `birthday`.
 */
export const contactTraitFields = [
  { key: 'name', column: 'name', olap: 'name', max: 255 },
  { key: 'nickname', column: 'nickname', olap: 'nickname', max: 255 },
  { key: 'gender', column: 'gender', olap: 'gender', max: 16 },
  { key: 'birthday', column: 'birthday', olap: 'birthday', max: 10 },
  { key: 'mobilePhone', column: 'mobile', olap: 'mobile', max: 64 },
  { key: 'email', column: 'email', olap: 'email', max: 255 },
  { key: 'avatar', column: 'avatar', olap: 'avatar', max: 1024 },
  { key: 'company', column: 'company', olap: 'company', max: 255 },
  { key: 'department', column: 'department', olap: 'department', max: 255 },
  { key: 'title', column: 'title', olap: 'title', max: 255 },
  { key: 'industry', column: 'industry', olap: 'industry', max: 255 },
  { key: 'homePhone', column: 'home_phone', olap: 'homePhone', max: 64 },
  { key: 'idCard', column: 'id_card', olap: 'idCard', max: 64 },
  { key: 'postalCode', column: 'postal_code', olap: 'postalCode', max: 32 },
  { key: 'country', column: 'country', olap: 'country', max: 128 },
  { key: 'state', column: 'province', olap: 'province', max: 128 },
  { key: 'city', column: 'city', olap: 'city', max: 128 },
  { key: 'street', column: 'street', olap: 'street', max: 255 },
  { key: 'website', column: 'website', olap: 'website', max: 512 },
  { key: 'comment', column: 'comment', olap: 'comment', max: 1024 },
] as const satisfies readonly { key: string; column: string; olap: keyof OlapContactRow; max: number }[];

export type ContactTraitKey = (typeof contactTraitFields)[number]['key'];
export type ContactColumn = (typeof contactTraitFields)[number]['column'];

/** The created-utm keys of an identify (`utm.source` → `utm_source`). */
export const utmKeys = ['source', 'medium', 'campaign', 'content', 'term'] as const;
export type UtmKey = (typeof utmKeys)[number];

/** What one identify changes: system columns and custom fields (by seq); null clears a value. */
export interface ContactPatch {
  fields: Partial<Record<ContactColumn, string | null>>;
  /** Custom fields by seq (`attr3` → "3"). */
  attributes: Record<string, string | number | null>;
  /** The created utm, used only when this identify makes the contact identified. */
  utm: Partial<Record<UtmKey, string>>;
}

export interface ContactRow {
  id: number | string;
  tenant_id: number | string;
  identified: boolean | number;
  name: string | null;
  nickname: string | null;
  gender: string | null;
  birthday: string | null;
  mobile: string | null;
  email: string | null;
  avatar: string | null;
  company: string | null;
  department: string | null;
  title: string | null;
  industry: string | null;
  home_phone: string | null;
  id_card: string | null;
  postal_code: string | null;
  country: string | null;
  province: string | null;
  city: string | null;
  street: string | null;
  website: string | null;
  comment: string | null;
  attributes: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_content: string | null;
  utm_term: string | null;
  first_seen_at: number | string | null;
  last_active_at: number | string | null;
  created_at: number | string | null;
  updated_at: number | string;
  inserted_at: number | string;
}

export interface ChannelAccountRow {
  id: number | string;
  tenant_id: number | string;
  channel_id: number | string;
  id_type: string;
  user_id: string;
  contact_id: number | string;
  first_seen_at: number | string | null;
  created_at: number | string;
  updated_at: number | string;
}

/** The user id types the pipeline resolves now; plugins' types (openId, unionId…) come with identity. */
export const EXTERNAL_ID = 'externalId';
export const ANONYMOUS_ID = 'anonymousId';

const num = (value: number | string | null): number | null => (value === null ? null : Number(value));

/** A contact's full OLAP row from its OLTP row (the outbox sends whole rows: an upsert). */
export function toOlapContact(row: ContactRow): OlapContactRow {
  const olap: OlapContactRow = {
    id: String(row.id),
    identified: Boolean(row.identified),
    utmSource: row.utm_source,
    utmMedium: row.utm_medium,
    utmCampaign: row.utm_campaign,
    utmContent: row.utm_content,
    utmTerm: row.utm_term,
    firstSeenAt: num(row.first_seen_at),
    lastActiveAt: num(row.last_active_at),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    attributes: row.attributes ? (JSON.parse(row.attributes) as Record<string, unknown>) : {},
  };
  const target = olap as unknown as Record<string, unknown>;
  for (const field of contactTraitFields) target[field.olap] = row[field.column];
  return olap;
}

// ---- merges -------------------------------------------------------------------------------------

/**
 * Why two contacts were merged (merge history `rule`) or proposed (candidate `reason`):
 * - `anonymous_identified` — a cookie/device account seen only anonymously, identified (§2.1.1);
 * - `wechat_info` — an identify's weChatInfo named an official-account fan (§2.1.1.1);
 * - `wechat_union_id` — one unionId seen on two contacts (from two channels, §1.4.11);
 * - `candidate_accepted` — an operator accepted a merge candidate;
 * - `manual` — an operator merged chosen contacts (§1.4.7 手动合并, the contacts list);
 * - `dedupe_rule` — the nightly or manual dedupe by mobile / id card / email (§1.4.7);
 * - `csv_wechat` — a channel-account CSV row naming an openid / unionid (§2.1.2.4);
 * - `shared_anonymous_id` (candidate only) — an anonymous id already bound to another identified contact;
 * - `segment_alias` (candidate only) — a Segment `alias` between two identified contacts.
 */
export type MergeRule =
  'anonymous_identified' | 'wechat_info' | 'wechat_union_id' | 'candidate_accepted' | 'manual' | 'dedupe_rule' | 'csv_wechat';
export type CandidateReason = 'shared_anonymous_id' | 'segment_alias';
export type CandidateStatus = 'pending' | 'accepted' | 'dismissed';

/** What made the pipeline merge or propose: the id that matched. */
export interface MergeEvidence {
  channelId?: string;
  idType?: string;
  userId?: string;
  /** The official account's AppID of a weChatInfo. */
  appId?: string;
}

export interface ContactMergeRow {
  id: number | string;
  tenant_id: number | string;
  survivor_id: number | string;
  merged_id: number | string;
  rule: string;
  actor_staff_id: number | string | null;
  candidate_id: number | string | null;
  evidence: string | null;
  before: string;
  merged_at: number | string;
}

export interface MergeCandidateRow {
  id: number | string;
  tenant_id: number | string;
  contact_a: number | string;
  contact_b: number | string;
  reason: string;
  evidence: string | null;
  status: CandidateStatus;
  decided_by: number | string | null;
  decided_at: number | string | null;
  created_at: number | string;
  updated_at: number | string;
}

/** The name an erased contact keeps (删除用户数据 §2.2.6: 姓名更改为"已注销"). */
export const ERASED_CONTACT_NAME = '已注销';

/** A channel account deleted by an erasure. */
export interface ErasedAccount {
  id: string;
  idType: string;
  userId: string;
}

/** WeChat id types (the wechat plugin's; core names them to link weChatInfo, seed §2.1.1.1). */
export const WECHAT_OPEN_ID = 'wechat.openId';
export const WECHAT_UNION_ID = 'wechat.unionId';
/** The channel type of official accounts (the wechat plugin's). */
export const WECHAT_CHANNEL_TYPE = 'wechat';

/** weChatInfo of an identify (seed §2.1.1.1): the official account's AppID and the fan's ids. */
export interface WeChatInfo {
  appId: string;
  openId?: string;
  unionId?: string;
}
