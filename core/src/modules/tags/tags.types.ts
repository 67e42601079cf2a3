import type { ConditionTree } from '../conditions/condition.types.js';

/**
 * 用户标签 (seed §1.6, SPEC §5, ADR 0045): the seven kinds, their rules and the tag status machine.
 * Pure data and types (the console imports the lists).
 */

export const tagKinds = ['layered', 'preference', 'metric', 'firstLast', 'sql', 'file', 'sentiment'] as const;
export type TagKind = (typeof tagKinds)[number];

/** Value types of a tag (the OLAP engine's `replaceTagValues` types). */
export const tagValueTypes = ['string', 'number', 'string[]', 'date', 'bool'] as const;
export type TagValueType = (typeof tagValueTypes)[number];

export type TagUpdateMode = 'manual' | 'daily';

/**
 * The tag status machine (seed §1.6.2.5, SPEC §5) plus `new` (未计算: never computed):
 * 待计算 pending → 计算中 computing → 计算完成 computed → 冗余中 syncing → 完成 done, and
 * 计算失败 compute_failed / 失败 failed.
 */
export const tagStatuses = ['new', 'pending', 'computing', 'computed', 'syncing', 'done', 'compute_failed', 'failed'] as const;
export type TagStatus = (typeof tagStatuses)[number];

/** 编辑: only in 完成 / 计算失败 / 失败 (seed), and a tag never computed. */
export const EDITABLE_STATUSES: readonly TagStatus[] = ['new', 'done', 'compute_failed', 'failed'];
/** 立即计算: only in 待计算 / 完成 / 计算失败 / 失败 (seed), and a tag never computed. */
export const COMPUTABLE_STATUSES: readonly TagStatus[] = ['new', 'pending', 'done', 'compute_failed', 'failed'];
/** 删除: not while a computation runs (its task would write values of a deleted tag). */
export const DELETABLE_STATUSES: readonly TagStatus[] = ['new', 'pending', 'done', 'compute_failed', 'failed'];

/** Kinds always computed by hand (seed §1.6.2.6, §1.6.2.7). */
export const MANUAL_ONLY_KINDS: readonly TagKind[] = ['file', 'sentiment'];

/** At most 20 layers (seed §1.6.2.1). */
export const MAX_LAYERS = 20;
/** Calculation days kept (seed §1.6.3.3). */
export const KEPT_CALCS = 50;
/** Top values a report shows (seed §1.6.3.3). */
export const REPORT_TOP = 100;
/** An event preference tag keeps at most this many values. */
export const MAX_TOP_N = 10;

/** The events the sentiment tag reads (seed §1.6.2.7): 留言文本 and 微信图文留言. */
export const SENTIMENT_EVENTS = ['wechat_send_text', 'wechat_comment_article'] as const;
export type SentimentEvent = (typeof SENTIMENT_EVENTS)[number];
/** The text property of those events. */
export const SENTIMENT_PROPERTY = 's_content';
/** The values of a sentiment tag. */
export const SENTIMENT_VALUES = { positive: '正面', neutral: '中性', negative: '负面' } as const;

export const metricAggregates = ['count', 'sum', 'avg', 'max', 'min', 'distinctCount'] as const;
export type MetricAggregate = (typeof metricAggregates)[number];

export interface LayeredRule {
  /** Ordered: a contact gets the value of the first layer whose condition it matches. */
  layers: { value: string; condition: ConditionTree }[];
}

export interface PreferenceRule {
  event: string;
  /** The property whose values are ranked. */
  property: string;
  /** 次数 (count of events) or the sum of a numeric property. */
  rankBy: 'count' | 'sum';
  rankProperty?: string;
  topN: number;
  /** The last N days (null: all events). */
  days: number | null;
}

export interface MetricRule {
  event: string;
  aggregate: MetricAggregate;
  /** Required except for `count`. */
  property?: string;
  days: number | null;
}

export interface FirstLastRule {
  event: string;
  position: 'first' | 'last';
  property: string;
  days: number | null;
}

export interface SqlRule {
  sql: string;
}

/** How an external file names its users: the contact ID, or an account of a channel (用户ID类型). */
export interface FileKey {
  keyType: 'contactId' | 'account';
  channelId?: string;
  idType?: string;
}

export interface TagFileRef {
  fileId: string;
  name: string;
  rows: number;
  /** Rows refused when the file was read (bad value, empty ID…), each skipped by the computation. */
  invalidRows: number;
}

export interface FileRule extends FileKey {
  files: TagFileRef[];
}

export interface SentimentRule {
  events: SentimentEvent[];
}

export type TagRule = LayeredRule | PreferenceRule | MetricRule | FirstLastRule | SqlRule | FileRule | SentimentRule;

/** One problem of an uploaded file's row (line 1 is the header). */
export interface TagFileProblem {
  line: number;
  code: 'tag_file_key_missing' | 'tag_file_value_invalid' | 'tag_file_key_duplicate';
}
