import type { LocalizedText } from '../../kernel/contributions.js';
import { contactSystemFields } from '../../store/olap/physical-schema.js';
import type { ConditionTree } from '../conditions/condition.types.js';
import { systemFieldNames } from '../masking/masking.types.js';
import { contactTraitFields } from './contacts.types.js';

/** 所有用户 / 实名用户 / 匿名用户 (seed §1.4.10.6): which contacts the list shows. */
export const contactListKinds = ['all', 'identified', 'anonymous'] as const;
export type ContactListKind = (typeof contactListKinds)[number];

/** How a column's values look: what the console formats and the filter's operators follow. */
export type ContactColumnType = 'string' | 'number' | 'date' | 'datetime' | 'bool';

/**
 * A column the list may show (定制显示列, §1.4.2): a system field under identify's name
 * (`mobilePhone`, `state`…), a custom field `attr<seq>`, or a read-only system property
 * (`createdAt`, `utm.source`…) — the keys the import/export format uses too.
 */
export interface ContactColumnDef {
  key: string;
  source: 'system' | 'custom' | 'property';
  name: LocalizedText;
  type: ContactColumnType;
  /** The column of the OLAP `contacts` relation holding it. */
  olapColumn: string;
}

/** A column as the API answers it: with whether the caller sees it as `***`. */
export interface ContactColumn {
  key: string;
  source: ContactColumnDef['source'];
  name: LocalizedText;
  type: ContactColumnType;
  masked: boolean;
}

/** Limits of the list (page sizes, keyword, chosen columns). */
export const contactListLimits = {
  pageDefault: 20,
  pageMax: 100,
  keywordMax: 100,
  columnsMax: 50,
  /** Contacts a WeChat ID search answers (an OpenID is one fan per account; a UnionID one person). */
  weChatMatches: 20,
  weChatIdMax: 128,
} as const;

const olapColumnOf = (field: string): string => {
  const found = contactSystemFields.find((f) => f.field === field);
  if (!found) throw new Error(`no OLAP contact column for ${field}`);
  return found.column;
};

const t = (zh: string, en: string): LocalizedText => ({ 'zh-CN': zh, 'en-US': en });

/** The system fields (identify's order), typed as the list shows them. */
export const systemColumns: readonly ContactColumnDef[] = contactTraitFields.map((field) => ({
  key: field.key,
  source: 'system',
  name: systemFieldNames[field.key],
  type: field.key === 'birthday' ? 'date' : 'string',
  olapColumn: olapColumnOf(field.olap),
}));

/** The read-only system properties (§1.4.10.5): identified, the times and the created utm. */
export const propertyColumns: readonly ContactColumnDef[] = [
  { key: 'identified', source: 'property', name: t('是否实名', 'Identified'), type: 'bool', olapColumn: 'identified' },
  {
    key: 'firstSeenAt',
    source: 'property',
    name: t('首次出现时间', 'First seen'),
    type: 'datetime',
    olapColumn: 'first_seen_at',
  },
  {
    key: 'lastActiveAt',
    source: 'property',
    name: t('最后一次活跃时间', 'Last active'),
    type: 'datetime',
    olapColumn: 'last_active_at',
  },
  { key: 'createdAt', source: 'property', name: t('创建时间', 'Created'), type: 'datetime', olapColumn: 'created_at' },
  { key: 'updatedAt', source: 'property', name: t('更新时间', 'Updated'), type: 'datetime', olapColumn: 'updated_at' },
  { key: 'utm.source', source: 'property', name: t('创建来源', 'Created source'), type: 'string', olapColumn: 'utm_source' },
  { key: 'utm.medium', source: 'property', name: t('创建媒介', 'Created medium'), type: 'string', olapColumn: 'utm_medium' },
  {
    key: 'utm.campaign',
    source: 'property',
    name: t('创建活动', 'Created campaign'),
    type: 'string',
    olapColumn: 'utm_campaign',
  },
  { key: 'utm.content', source: 'property', name: t('创建内容', 'Created content'), type: 'string', olapColumn: 'utm_content' },
  { key: 'utm.term', source: 'property', name: t('创建关键字', 'Created term'), type: 'string', olapColumn: 'utm_term' },
];

/** What a staff member sees before choosing (定制显示列 not yet saved). */
export const defaultColumnKeys: readonly string[] = [
  'name',
  'mobilePhone',
  'email',
  'gender',
  'state',
  'city',
  'lastActiveAt',
  'updatedAt',
];

/** 普通搜索 looks in these (by the condition engine's property key → the masking key). */
export const keywordFields = [
  { olapColumn: 'name', maskKey: 'name' },
  { olapColumn: 'mobile', maskKey: 'mobilePhone' },
  { olapColumn: 'email', maskKey: 'email' },
] as const;

export interface ContactListQuery {
  kind: ContactListKind;
  filter?: ConditionTree;
  keyword?: string;
  cursor?: string;
  limit: number;
}

export interface ContactListRow {
  id: string;
  identified: boolean;
  updatedAt: number;
  /** By column key; masked values are `***`, empty ones null. */
  values: Record<string, string | number | boolean | null>;
}

export interface ContactListPage {
  columns: ContactColumn[];
  items: ContactListRow[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  /** The exact number of matching contacts, counted with the first page (no cursor); null on later pages. */
  total: number | null;
}

export interface ContactListColumnsSetting {
  /** The staff member's columns in order (the defaults while none were saved). */
  columns: string[];
  isDefault: boolean;
  /** Every column the list may show, in the picker's order. */
  available: ContactColumn[];
}

export interface WeChatIdMatch {
  contactId: string;
  idType: 'wechat.openId' | 'wechat.unionId';
  channelId: string;
  /** The official account's name; null once the channel was deleted. */
  channelName: string | null;
  /** The contact's name, else nickname, masked for the caller. */
  name: string | null;
  identified: boolean;
}
