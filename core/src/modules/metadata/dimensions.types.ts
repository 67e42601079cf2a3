import type { PropertyType } from '../../kernel/contributions.js';
import type { PropertySource } from './metadata.types.js';

/** 字典表 (§1.10.12): what one upload may hold. */
export const dictionaryLimits = {
  /** The CSV file (UTF-8). */
  fileBytes: 2 * 1024 * 1024,
  rows: 50_000,
  /** A value is an identifier column of the entry table (utf8mb4 index limit). */
  value: 191,
  label: 255,
  /** Row problems answered in one refusal. */
  details: 100,
} as const;

/** 维度表 (§1.10.13). */
export const dimensionLimits = {
  /** The uploaded CSV file. */
  fileBytes: 100 * 1024 * 1024,
  /** Fields of one table. */
  fields: 200,
  /** Rows appended to OLAP per write. */
  chunkRows: 5_000,
  /** Bad rows listed in a task's result (all are counted). */
  reportedBadRows: 100,
  /** Tables of one tenant (dictionaries not counted). */
  tables: 200,
} as const;

/** The CSV header of a dictionary: `value,label`, or the Chinese `值,描述`. */
export const dictionaryHeaders = [
  ['value', 'label'],
  ['值', '描述'],
] as const;

export const dimensionFieldTypes = ['string', 'number', 'integer', 'bool', 'date', 'datetime'] as const;
export type DimensionFieldType = (typeof dimensionFieldTypes)[number];

export type LinkTarget = 'event' | 'contact';
export type DimensionStatus = 'empty' | 'loading' | 'ready' | 'clearing';

/** A string property that may carry a dictionary, with its dictionary if it has one. */
export interface DictionaryItem {
  target: LinkTarget;
  property: string;
  propertyName: string;
  source: PropertySource;
  dictionary: DictionaryInfo | null;
}

export interface DictionaryInfo {
  id: string;
  rowCount: number;
  updatedAt: number;
}

export interface DimensionField {
  id: string;
  code: string;
  name: string;
  type: DimensionFieldType;
}

export interface DimensionTable {
  id: string;
  code: string;
  name: string;
  linkTarget: LinkTarget;
  linkProperty: string;
  linkPropertyName: string;
  fields: DimensionField[];
  /** The primary key: a field code. */
  primaryField: string;
  status: DimensionStatus;
  rowCount: number;
  loadedAt: number | null;
  taskId: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface DimensionFieldInput {
  code: string;
  name: string;
  type: DimensionFieldType;
}

export interface NewDimensionTable {
  code: string;
  name: string;
  linkTarget: LinkTarget;
  linkProperty: string;
  fields: DimensionFieldInput[];
  primaryField: string;
}

export interface DimensionTableChange {
  name?: string;
  linkTarget?: LinkTarget;
  linkProperty?: string;
  /** The wanted list: every existing field code kept (add only). */
  fields?: DimensionFieldInput[];
  primaryField?: string;
}

/** A property a dimension table or dictionary may link to, as the metadata knows it. */
export interface LinkableProperty {
  target: LinkTarget;
  key: string;
  name: string;
  type: PropertyType;
  source: PropertySource;
}

/** Whether a primary key of `keyType` can match values of a property of `propertyType`. */
export function keyTypeMatches(propertyType: PropertyType, keyType: PropertyType): boolean {
  const numeric = (t: PropertyType) => t === 'number' || t === 'integer';
  if (propertyType === 'string') return keyType === 'string';
  return numeric(propertyType) && numeric(keyType);
}
