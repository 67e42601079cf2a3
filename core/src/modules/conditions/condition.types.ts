/**
 * The condition tree (seed §3.3, §1.5.1; ARCHITECTURE §6): one JSON shape for contact filters,
 * dynamic and temporary groups, layered tags, report filters and journey branches.
 *
 * Pure data and types, free of imports: the console bundles this module for the condition builder
 * (published as `@huiliu/core/conditions`).
 *
 * ```json
 * { "type": "and", "conditions": [
 *   { "type": "property", "property": "province", "operator": "eq", "values": ["上海"] },
 *   { "type": "or", "conditions": [
 *     { "type": "event", "did": true, "event": "purchase", "time": { "kind": "past", "days": 30, "includeToday": true },
 *       "measure": { "aggregate": "count", "operator": "gte", "values": [2] } },
 *     { "type": "group", "groupId": "12", "operator": "in" } ] } ] }
 * ```
 *
 * Semantics, decided once for every consumer (ADR 0015):
 * - Two nesting levels: the root AND/OR holds leaves and AND/OR groups; those hold only leaves.
 * - Negated operators are exact complements of their positive twin: `ne` ≡ NOT `eq` (a missing value
 *   is "not equal"), `notContains` ≡ NOT `contains`, `notEmpty` ≡ NOT `empty`, `notNull` ≡ NOT
 *   `isNull`, did NOT ≡ NOT did. For strings NULL and "" are both 空值 (empty); 非空 is length > 0.
 * - Several values: `eq` matches any of them, `ne` excludes all of them.
 * - Ranges are closed; calendar days are the tenant's (its IANA zone), "today" is the evaluation
 *   time's local date.
 */

/** Operand types of a property: what decides which operators apply. */
export type ConditionValueType = 'string' | 'number' | 'bool' | 'time' | 'strings';

/** Operators of string values (§3.3 字符串类型). `eq`/`ne` take a list; contains one value. */
export const stringOperators = ['eq', 'ne', 'contains', 'notContains', 'notEmpty', 'empty'] as const;
/** Operators of numbers (§3.3 数值类型): `between` takes [low, high], closed. */
export const numberOperators = ['eq', 'ne', 'lt', 'gt', 'gte', 'lte', 'between', 'notNull', 'isNull'] as const;
/** Operators of date and datetime values (§3.3 时间类型): `in` takes a time range. */
export const timeOperators = ['in', 'notNull', 'isNull'] as const;
export const boolOperators = ['isTrue', 'isFalse', 'notNull', 'isNull'] as const;
/** Operators of string arrays (tags of event preference, array properties). */
export const stringsOperators = ['containsAny', 'containsAll', 'notContainsAny', 'notEmpty', 'empty'] as const;

export type StringOperator = (typeof stringOperators)[number];
export type NumberOperator = (typeof numberOperators)[number];
export type TimeOperator = (typeof timeOperators)[number];
export type BoolOperator = (typeof boolOperators)[number];
export type StringsOperator = (typeof stringsOperators)[number];
export type ConditionOperator = StringOperator | NumberOperator | TimeOperator | BoolOperator | StringsOperator;

export const operatorsByType: { readonly [T in ConditionValueType]: readonly ConditionOperator[] } = {
  string: stringOperators,
  number: numberOperators,
  time: timeOperators,
  bool: boolOperators,
  strings: stringsOperators,
};

/** Operators that take no value. */
export const valuelessOperators: readonly ConditionOperator[] = ['notEmpty', 'empty', 'notNull', 'isNull', 'isTrue', 'isFalse'];
/** Operators that take a list of one or more values (any / all of them). */
export const listOperators: readonly ConditionOperator[] = ['eq', 'ne', 'containsAny', 'containsAll', 'notContainsAny'];

/**
 * A time range (§3.3 时间类型), on calendar days of the tenant's zone unless absolute with a time.
 * Dates are `YYYY-MM-DD`; absolute instants may be `YYYY-MM-DD HH:mm:ss` (tenant wall clock).
 * Day offsets are relative to today: negative in the past, 0 today, positive in the future.
 *
 * | kind            | seed form                       | days (query date 2-10, N = 7)   |
 * |-----------------|---------------------------------|---------------------------------|
 * | `between`       | 绝对时间区间                     | from .. to, inclusive           |
 * | `before`        | 绝对时间 之前                    | .. date, inclusive              |
 * | `after`         | 绝对时间 之后                    | date .. latest, inclusive       |
 * | `relativeBefore`| 相对时间 N 天前/后 之前           | .. 2-3 (offset −7), inclusive   |
 * | `relativeAfter` | 相对时间 N 天前/后 之后           | 2-3 (offset −7) .., inclusive   |
 * | `today`         | 今天                             | 2-10                            |
 * | `thisMonth`     | 本月                             | 2-1 .. 2-28                     |
 * | `relativeDay`   | 相对时间点                        | 2-3 (offset −7)                 |
 * | `past`          | 过去 N 天 (含/不含今天)            | 2-3 .. 2-10 / 2-3 .. 2-9        |
 * | `next`          | 未来 N 天                         | 2-10 .. 2-17                    |
 * | `relativeRange` | 从 N 天前/后 到 M 天前/后          | offsets from .. to, inclusive   |
 */
export type TimeRange =
  | { kind: 'between'; from: string; to: string }
  | { kind: 'before'; date: string }
  | { kind: 'after'; date: string }
  | { kind: 'relativeBefore'; offset: number }
  | { kind: 'relativeAfter'; offset: number }
  | { kind: 'today' }
  | { kind: 'thisMonth' }
  | { kind: 'relativeDay'; offset: number }
  | { kind: 'past'; days: number; includeToday: boolean }
  | { kind: 'next'; days: number }
  | { kind: 'relativeRange'; from: number; to: number };

export type TimeRangeKind = TimeRange['kind'];
export const timeRangeKinds: readonly TimeRangeKind[] = [
  'between',
  'before',
  'after',
  'relativeBefore',
  'relativeAfter',
  'today',
  'thisMonth',
  'relativeDay',
  'past',
  'next',
  'relativeRange',
];

/** A comparison on one value: the shape shared by property, event-property and tag leaves. */
export interface Comparison {
  operator: ConditionOperator;
  /** Values for `eq`/`ne`/list operators (≥ 1), one value for `lt`/`contains`…, two for `between`. */
  values?: (string | number)[];
  /** The range for the time operator `in`. */
  range?: TimeRange;
}

/**
 * A contact property: a system field (`province`, `birthday`, `createdAt`…), a custom field
 * (`attr<id>`), the hidden dynamic date of an anniversary (`dynamic:birthday`, `dynamic:attr<id>`)
 * or a lookup through a dimension table or dictionary (`city.region`, `attr3.$label`).
 */
export interface PropertyCondition extends Comparison {
  type: 'property';
  property: string;
}

/** A filter on the properties of the events an event leaf counts (lookups like `sku.brand` too). */
export interface EventPropertyFilter extends Comparison {
  property: string;
}

export type EventAggregate = 'count' | 'sum' | 'avg' | 'max' | 'min' | 'distinctCount';
export const eventAggregates: readonly EventAggregate[] = ['count', 'sum', 'avg', 'max', 'min', 'distinctCount'];
export const measureOperators = ['eq', 'ne', 'lt', 'gt', 'gte', 'lte', 'between'] as const;
export type MeasureOperator = (typeof measureOperators)[number];

/** `did ≥ 2 times`, `sum(amount) > 100`: an aggregate of the matching events compared with values. */
export interface EventMeasure {
  aggregate: EventAggregate;
  /** The event property aggregated (all aggregates but `count`). */
  property?: string;
  operator: MeasureOperator;
  values: number[];
}

/**
 * The contact did (or did NOT do) an event in a time range, optionally with property filters and an
 * aggregate comparison. Without `measure`, "did" means at least once. Did NOT is the exact
 * complement of did: it includes contacts with no events at all.
 */
export interface EventCondition {
  type: 'event';
  did: boolean;
  /** The event ID, or a virtual event's `virtual:<id>` (any of its members, each with its filters). */
  event: string;
  time: TimeRange;
  filters?: EventPropertyFilter[];
  /** How the filters combine (default `and`). */
  filterOp?: 'and' | 'or';
  measure?: EventMeasure;
}

/** Membership of a user group (its active version). */
export interface GroupCondition {
  type: 'group';
  groupId: string;
  operator: 'in' | 'notIn';
}

/** A user tag's value on its active calculation day; operators follow the tag's type. */
export interface TagCondition extends Comparison {
  type: 'tag';
  tagId: string;
}

export type ConditionLeaf = PropertyCondition | EventCondition | GroupCondition | TagCondition;

export interface ConditionGroup {
  type: 'and' | 'or';
  conditions: ConditionNode[];
}

export type ConditionNode = ConditionGroup | ConditionLeaf;

/** The root of a tree: an AND/OR group. An empty root matches every contact. */
export type ConditionTree = ConditionGroup;

/** One problem the validator found: where (a JSON path like `conditions.1.values.0`) and what. */
export interface ConditionProblem {
  path: string;
  code: ConditionProblemCode;
  /** The message in the caller's language (API answers). */
  message?: string;
}

export const conditionProblemCodes = [
  'condition_malformed',
  'condition_nesting_too_deep',
  'condition_group_empty',
  'condition_too_large',
  'condition_property_unknown',
  'condition_event_unknown',
  'condition_event_property_unknown',
  'condition_group_unknown',
  'condition_tag_unknown',
  'condition_operator_invalid',
  'condition_value_type_invalid',
  'condition_values_empty',
  'condition_values_count',
  'condition_range_reversed',
  'condition_range_invalid',
  'condition_aggregate_property_required',
  'condition_aggregate_invalid',
  'condition_measure_unsatisfiable',
  'condition_virtual_event_invalid',
] as const;
export type ConditionProblemCode = (typeof conditionProblemCodes)[number];

/** Limits that keep one tree cheap to validate and compile. */
export const conditionLimits = {
  /** Leaves in a tree. */
  leaves: 100,
  /** Values in one list (`eq` of many cities). */
  values: 500,
  /** Values in the whole tree (each is one bound parameter). */
  totalValues: 5_000,
  /** Bytes of a request carrying a tree. */
  requestBytes: 262_144,
  /** Length of one string value. */
  valueLength: 1024,
  /** Property filters on one event leaf. */
  eventFilters: 20,
  /** Largest day offset / N of a relative range (about 30 years). */
  dayOffset: 11_000,
} as const;

/**
 * What a tree may refer to, as the condition builder shows it (`GET /api/v1/conditions/catalogue`):
 * built from the metadata module's source, or from the tenant's analytics declaration without one.
 */
export interface CatalogueProperty {
  /** The key a leaf uses (`province`, `attr3`, `dynamic:birthday`, `amount`, `$os`). */
  key: string;
  /** Display name (zh-CN for system fields; the operator's name for custom ones). */
  name: string;
  type: ConditionValueType;
  /** For `time` values: `date` compares calendar days, `datetime` instants. */
  timeType?: 'date' | 'datetime';
  /** `sdk`: an SDK preset event property (`$os`). A lookup has its base property's source. */
  source: 'system' | 'custom' | 'sdk' | 'dynamicDate';
  /**
   * Set on a lookup: a value read through a dimension table (`<property>.<fieldCode>`) or a
   * dictionary (`<property>.$label`) linked to the base property; NULL when no row matches.
   */
  lookup?: { kind: 'dimension' | 'dictionary'; dimensionId: string; name: string };
  /** The lookups linked to this property, listed under it (never nested further). */
  lookups?: CatalogueProperty[];
  /**
   * A contact property (or a lookup of one) of a field masked for the caller (ADR 0069): the
   * builders show it disabled; the contact list and the reports refuse it. Absent: usable.
   */
  masked?: true;
}

export interface CatalogueEvent {
  /** The event ID, or `virtual:<id>` for a virtual event. */
  code: string;
  name: string;
  /** A virtual event (虚拟事件): a union of events, each with its own filters. */
  virtual?: true;
  /** The properties this event carries (a virtual event: those its members share). */
  properties: CatalogueProperty[];
}

export interface CatalogueGroup {
  id: string;
  name: string;
}

export interface CatalogueTag {
  id: string;
  name: string;
  type: ConditionValueType;
}

export interface ConditionCatalogue {
  timeZone: string;
  contactProperties: CatalogueProperty[];
  events: CatalogueEvent[];
  groups: CatalogueGroup[];
  tags: CatalogueTag[];
}
