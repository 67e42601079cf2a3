import type { SqlDialect } from '../../store/olap/dialect.js';
import { SqlFragment, sql, type SqlParam } from '../../store/olap/sql-fragment.js';
import type { ConditionContext, EventRef, PropertyRef } from './catalogue.js';
import type {
  Comparison,
  ConditionNode,
  ConditionTree,
  ConditionValueType,
  EventCondition,
  EventMeasure,
  EventPropertyFilter,
  TimeRange,
} from './condition.types.js';
import { ZonedClock } from '../../lib/zoned-clock.js';
import { dateText, resolveTimeRange, timestampText, toUtcBounds, type LocalBounds } from './time-range.js';
import { INSTANT_MAX, INSTANT_MIN, validateConditionTree } from './validator.js';
import { InputError } from '../../server/errors.js';

const DAY_MS = 86_400_000;

export interface CompileOptions {
  /** The evaluation time (epoch ms): "today" and every relative range derive from it. */
  now: number;
  /**
   * Evaluate only these contacts (journey branches, real-time groups): the events scan and the
   * contacts read are both restricted to them.
   */
  contactIds?: readonly string[];
  /**
   * With `contactIds`: those ids and the ids merged into them, whose events count for them. Given,
   * the events scan is filtered by the stored contact id (cheap); absent, after the merge join.
   */
  sourceContactIds?: readonly string[];
}

/** SQL over the logical relations (`events`, `contacts`, `group_member`, `tag_value`) and its parameters. */
export interface CompiledQuery {
  sql: string;
  params: SqlParam[];
}

/** A compiled tree, for embedding: CTEs to put in front, a join onto `contacts AS c`, a predicate. */
export interface CompiledCondition {
  /** `name AS (…)` items for a WITH clause (empty when the tree has no event leaf). */
  ctes: SqlFragment[];
  /** `LEFT JOIN … ON … = c.id` clauses (empty when the tree has no event leaf). */
  joins: SqlFragment[];
  /** A boolean over `c` (the contacts relation) and the joins; never NULL-sensitive. */
  predicate: SqlFragment;
}

/** A tree the validator refused: compile only what validates (the API answers its problems first). */
export class InvalidConditionError extends Error {
  constructor(readonly problems: ReturnType<typeof validateConditionTree>) {
    super(`invalid condition tree: ${problems.map((p) => `${p.path || '(root)'} ${p.code}`).join('; ')}`);
  }
}

const TRUE = SqlFragment.raw('TRUE');
const FALSE = SqlFragment.raw('FALSE');
const not = (fragment: SqlFragment) => sql('NOT COALESCE(', fragment, ', FALSE)');
const list = (values: readonly SqlFragment[]) => SqlFragment.join(values, ', ');

/**
 * Turns one condition tree into one SQL statement over the logical relations, values always bound.
 *
 * Shape: every event leaf becomes two columns of ONE aggregate over `events` (a single scan,
 * pre-filtered by the OR of the leaves' event, time and filters), left-joined to `contacts`; property
 * leaves are predicates on `c`; group and tag leaves semi-joins on the membership tables at their
 * active version. Negations wrap the positive predicate in `NOT COALESCE(…, FALSE)`, so a missing
 * value counts as "not equal" and did-NOT includes contacts with no events (ADR 0015).
 */
export class ConditionCompiler {
  constructor(private readonly dialect: SqlDialect) {}

  compile(tree: ConditionTree, context: ConditionContext, options: CompileOptions): CompiledCondition {
    const problems = validateConditionTree(tree, context);
    if (problems.length) throw new InvalidConditionError(problems);
    const state = new CompileState(this.dialect, context, options);
    const predicate = state.node(tree);
    // Contacts failing a condition ANDed at the root never match, so their events need not be
    // aggregated: the root's contact conditions also narrow the events scan (a semi-join).
    const contactConditions =
      tree.type === 'and' ? tree.conditions.filter((c) => c.type === 'property' || c.type === 'group' || c.type === 'tag') : [];
    const { ctes, joins } = state.eventAggregate(contactConditions.map((c) => state.node(c).wrap()));
    return { ctes, joins, predicate };
  }

  /** `SELECT count(*) AS count FROM contacts …`: the number of matching contacts. */
  count(tree: ConditionTree, context: ConditionContext, options: CompileOptions): CompiledQuery {
    return this.select(tree, context, options, 'count(*) AS count');
  }

  /** `SELECT c.id AS contact_id FROM contacts …`: the matching contacts. */
  contactIds(tree: ConditionTree, context: ConditionContext, options: CompileOptions): CompiledQuery {
    return this.select(tree, context, options, 'c.id AS contact_id');
  }

  /** The SQL of `count` with its parameters inlined as literals — for reading and debugging only. */
  explain(tree: ConditionTree, context: ConditionContext, options: CompileOptions): string {
    const { sql: text, params } = this.count(tree, context, options);
    let index = 0;
    return text.replace(/\?/g, () => {
      const value = params[index++];
      if (value === null || value === undefined) return 'NULL';
      if (typeof value === 'string') return this.dialect.stringLiteral(value);
      return String(value);
    });
  }

  private select(tree: ConditionTree, context: ConditionContext, options: CompileOptions, columns: string): CompiledQuery {
    const { ctes, joins, predicate } = this.compile(tree, context, options);
    const restriction = options.contactIds ? restrictTo(this.dialect, 'c.id', options.contactIds) : undefined;
    const where = restriction ? sql(predicate.wrap(), ' AND ', restriction) : predicate;
    const query = sql(
      ctes.length ? sql('WITH ', SqlFragment.join(ctes, ', '), ' ') : '',
      `SELECT ${columns} FROM contacts AS c`,
      joins.length ? sql(' ', SqlFragment.join(joins, ' ')) : '',
      ' WHERE ',
      where,
    );
    return { sql: query.text, params: [...query.params] };
  }
}

/**
 * Pieces of report SQL (ADR 0052) over a context that resolved every event, property, group and tag
 * they name — the caller validated them first. Event pieces read the `events` relation unaliased,
 * contact pieces `contacts AS c`.
 */
export class ReportSqlPieces {
  private readonly state: CompileState;

  constructor(
    private readonly dialect: SqlDialect,
    private readonly context: ConditionContext,
    private readonly options: CompileOptions,
  ) {
    this.state = new CompileState(dialect, context, options);
  }

  private eventRef(code: string): EventRef {
    const event = this.context.event(code);
    if (!event) throw new Error(`event "${code}" is not in the context`);
    return event;
  }

  /** The event codes whose rows `event` may match (every member of a virtual event; none: nothing). */
  eventCodes(code: string): string[] {
    const event = this.eventRef(code);
    return event.members ? [...new Set(event.members.map((m) => m.event.code))] : [event.code];
  }

  /** The rows of `events` that are `event` and pass `filters` (combined by `op`); no time test. */
  eventMatch(code: string, filters: readonly EventPropertyFilter[] = [], op?: 'and' | 'or'): SqlFragment {
    const event = this.eventRef(code);
    return SqlFragment.join([this.state.eventCode(event), ...this.state.eventFilters(event, filters, op)], ' AND ');
  }

  /** Only the property filters of `event`'s rows, combined by `op` (TRUE without any). */
  eventFilters(code: string, filters: readonly EventPropertyFilter[], op?: 'and' | 'or'): SqlFragment {
    const [combined] = this.state.eventFilters(this.eventRef(code), filters, op);
    return combined ?? TRUE;
  }

  /** The value of an event property (or its lookup) in a scan of `events`, and its type. */
  eventValue(code: string, property: string): { sql: string; type: ConditionValueType; timeType?: 'date' | 'datetime' } {
    const ref = this.eventRef(code).properties.get(property);
    if (!ref) throw new Error(`event "${code}" has no property "${property}" in the context`);
    return { sql: this.state.eventValue(ref), type: ref.type, timeType: ref.timeType };
  }

  /** The value of a contact property (or its lookup) over `contacts AS c`, and its type. */
  contactValue(property: string): { sql: string; type: ConditionValueType; timeType?: 'date' | 'datetime' } {
    const ref = this.context.contactProperty(property);
    if (!ref) throw new Error(`contact property "${property}" is not in the context`);
    return { sql: this.state.propertyExpression(ref), type: ref.type, timeType: ref.timeType };
  }

  /** A §3.3 time range as UTC instants `[from, to)` in the tenant's zone (a side may be open). */
  timeBounds(range: TimeRange): { from?: number; to?: number } {
    // A model may ask before it reports the problems it collected: a range the validator refuses
    // (2026-02-30, 10⁹ days, year 10000) is a 400 here too, never a crash in the calendar code.
    let bounds: { from?: number; to?: number } | undefined;
    try {
      bounds = toUtcBounds(resolveTimeRange(range, this.options.now, this.context.timeZone), this.context.timeZone);
    } catch {
      bounds = undefined;
    }
    const sane = (instant: number | undefined) =>
      instant === undefined || (Number.isFinite(instant) && instant >= INSTANT_MIN && instant < INSTANT_MAX);
    if (!bounds || !sane(bounds.from) || !sane(bounds.to))
      throw new InputError('report_query_invalid', { count: 1 }, [{ path: 'timeRange', code: 'condition_range_invalid' }]);
    return bounds;
  }

  /** `event_time` within UTC bounds, as bound timestamps. */
  eventTimeWithin(bounds: { from?: number; to?: number }): SqlFragment {
    const bound = (op: string, ms: number) =>
      sql(`event_time ${op} `, SqlFragment.param(timestampText(ms), this.dialect.timestampParam()));
    const parts = [
      ...(bounds.from === undefined ? [] : [bound('>=', bounds.from)]),
      ...(bounds.to === undefined ? [] : [bound('<', bounds.to)]),
    ];
    return parts.length ? SqlFragment.join(parts, ' AND ') : TRUE;
  }

  /** A condition tree compiled for embedding over `contacts AS c` (its groups and tags in the context). */
  condition(tree: ConditionTree): CompiledCondition {
    return new ConditionCompiler(this.dialect).compile(tree, this.context, this.options);
  }
}

/** A contact id as it leaves OLTP: a positive BIGINT as decimal text. */
export const isContactId = (id: string): boolean => /^[1-9][0-9]{0,17}$/.test(id);

/** `column IN (…ids)`, the ids bound as one list parameter; an empty list matches nothing. */
function restrictTo(dialect: SqlDialect, column: string, ids: readonly string[]): SqlFragment {
  if (ids.length === 0) return FALSE;
  for (const id of ids) if (!isContactId(id)) throw new Error(`contact id "${id}" is not a numeric id`);
  return SqlFragment.withPlaceholders(dialect.inBigintList(column), [`[${ids.join(',')}]`]);
}

interface EventColumn {
  /** The event codes whose rows this leaf may match (every member of a virtual event). */
  events: string[];
  /** The leaf's time window as UTC instants. */
  window: { from?: number; to?: number };
  /** The rows of `events` this leaf looks at. */
  match: SqlFragment;
  /** The same without the time test, for a scan bounded by exactly this leaf's window. */
  matchInHull: SqlFragment;
  /** `count(…)` of matching rows, aliased `n<i>`. */
  count: string;
  /**
   * The aggregate compared by the measure, aliased `m<i>` (none for "did" or a count measure), over
   * `column` (a column of `events`, or `expression AS column` selected for it when a lookup).
   */
  measure?: {
    alias: string;
    fn: 'sum' | 'avg' | 'max' | 'min' | 'count';
    distinct: boolean;
    column: string;
    expression?: string;
  };
}

class CompileState {
  private readonly eventColumns: EventColumn[] = [];
  private readonly d: SqlDialect;

  constructor(
    dialect: SqlDialect,
    private readonly context: ConditionContext,
    private readonly options: CompileOptions,
  ) {
    this.d = dialect;
  }

  node(node: ConditionNode): SqlFragment {
    switch (node.type) {
      case 'and':
      case 'or': {
        if (node.conditions.length === 0) return TRUE;
        const parts = node.conditions.map((child) => this.node(child).wrap());
        return parts.length === 1 ? parts[0]! : SqlFragment.join(parts, node.type === 'and' ? ' AND ' : ' OR ');
      }
      case 'property': {
        const property = this.context.contactProperty(node.property)!;
        return this.comparison(node, this.propertyExpression(property), property.type, property.timeType);
      }
      case 'event':
        return this.event(node);
      case 'group': {
        const group = this.context.group(node.groupId)!;
        const member =
          group.version === null
            ? FALSE
            : sql(
                'c.id IN (SELECT contact_id FROM group_member WHERE group_id = ',
                SqlFragment.param(BigInt(group.id)),
                ' AND version = ',
                SqlFragment.param(group.version),
                ')',
              );
        return node.operator === 'in' ? member : not(member);
      }
      case 'tag':
        return this.tag(node.tagId, node);
    }
  }

  /**
   * A lookup's value: the field of the dimension row whose key equals the base property's value
   * (`base`, an expression), NULL when none does — so a negation holds for it as for a NULL
   * property (ADR 0015). A scalar subquery over the logical relation `dimension_<id>`.
   */
  private lookupValue(via: NonNullable<PropertyRef['via']>, base: string): string {
    const q = (name: string) => this.d.quoteIdentifier(name);
    return `(SELECT dl.${q(via.valueColumn)} FROM ${via.relation} AS dl WHERE dl.${q(via.keyColumn)} = ${base} LIMIT 1)`;
  }

  /** The SQL value of an event property in a scan of `events`. */
  eventValue(property: PropertyRef): string {
    const column = this.d.quoteIdentifier(property.column);
    return property.via ? this.lookupValue(property.via, `events.${column}`) : column;
  }

  /** The SQL value of a contact property; a dynamic date is the anniversary nearest to today. */
  propertyExpression(property: PropertyRef): string {
    const column = `c.${this.d.quoteIdentifier(property.column)}`;
    if (property.via) return this.lookupValue(property.via, column);
    if (!property.anniversaryColumn) return column;
    const today = new ZonedClock(this.context.timeZone).localDay(this.options.now) * DAY_MS;
    const year = new Date(today).getUTCFullYear();
    const base = `c.${this.d.quoteIdentifier(property.anniversaryColumn)}`;
    const inYear = (y: number) => this.d.anniversaryInYear(base, String(y));
    // The occurrence nearest today. Last year's wins when it is at most 182 days ago (this year's
    // is then at least 183 days ahead, 365 or 366 days later); else next year's when this year's
    // is 183 or more days ago (next year's is then at most 183 days ahead); else this year's. A
    // tie — 183 days either way, a 29 February in between — goes to the coming occurrence. The
    // constants are dates and years computed here, never input, so they are written as literals.
    const early = `DATE '${dateText(today - 182 * DAY_MS)}'`;
    return (
      `(CASE WHEN ${inYear(year - 1)} >= ${early} THEN ${inYear(year - 1)} ` +
      `WHEN ${inYear(year)} < ${early} THEN ${inYear(year + 1)} ELSE ${inYear(year)} END)`
    );
  }

  /** A comparison of `expression` (a property, event property or tag value) by its value type. */
  private comparison(
    node: Comparison,
    expression: string,
    type: ConditionValueType,
    timeType: 'date' | 'datetime' | undefined,
    timeAsEpochMs = false,
  ): SqlFragment {
    const values = node.values ?? [];
    const param = (value: string | number) => SqlFragment.param(value);
    const inList = () => sql(`${expression} IN (`, list(values.map(param)), ')');
    const empty = () =>
      type === 'strings'
        ? SqlFragment.raw(`(${expression} IS NULL OR ${this.d.arrayLength(expression)} = 0)`)
        : SqlFragment.raw(`(${expression} IS NULL OR ${expression} = '')`);
    const placeholders = values.map(() => '?');
    const containsAny = () => SqlFragment.withPlaceholders(this.d.arrayContainsAny(expression, placeholders), values);
    const contains = () => SqlFragment.withPlaceholders(this.d.containsText(expression, '?'), values.slice(0, 1));
    switch (node.operator) {
      case 'eq':
        return inList();
      case 'ne':
        return not(inList());
      case 'contains':
        return contains();
      case 'notContains':
        return not(contains());
      case 'empty':
        return empty();
      case 'notEmpty':
        return not(empty());
      case 'lt':
        return sql(`${expression} < `, param(values[0]!));
      case 'gt':
        return sql(`${expression} > `, param(values[0]!));
      case 'gte':
        return sql(`${expression} >= `, param(values[0]!));
      case 'lte':
        return sql(`${expression} <= `, param(values[0]!));
      case 'between':
        return sql(`${expression} BETWEEN `, param(values[0]!), ' AND ', param(values[1]!));
      case 'isNull':
        return SqlFragment.raw(`${expression} IS NULL`);
      case 'notNull':
        return SqlFragment.raw(`${expression} IS NOT NULL`);
      case 'isTrue':
        return SqlFragment.raw(`${expression} = TRUE`);
      case 'isFalse':
        return SqlFragment.raw(`${expression} = FALSE`);
      case 'containsAny':
        return containsAny();
      case 'notContainsAny':
        return not(containsAny());
      case 'containsAll':
        return SqlFragment.withPlaceholders(this.d.arrayContainsAll(expression, placeholders), values);
      case 'in':
        return this.timeIn(expression, node.range!, timeType, timeAsEpochMs);
    }
  }

  /** `expression` within a §3.3 time range: DATE columns by local dates, instants by UTC bounds. */
  private timeIn(expression: string, range: TimeRange, timeType: 'date' | 'datetime' | undefined, epochMs: boolean): SqlFragment {
    const bounds = resolveTimeRange(range, this.options.now, this.context.timeZone);
    const parts: SqlFragment[] = [];
    if (timeType === 'date') {
      const dates = wholeDays(bounds);
      if (dates.from !== undefined) parts.push(sql(`${expression} >= `, SqlFragment.param(dates.from, this.d.dateParam())));
      if (dates.to !== undefined) parts.push(sql(`${expression} < `, SqlFragment.param(dates.to, this.d.dateParam())));
    } else {
      const utc = toUtcBounds(bounds, this.context.timeZone);
      const bound = (ms: number) =>
        epochMs ? SqlFragment.param(ms) : SqlFragment.param(timestampText(ms), this.d.timestampParam());
      if (utc.from !== undefined) parts.push(sql(`${expression} >= `, bound(utc.from)));
      if (utc.to !== undefined) parts.push(sql(`${expression} < `, bound(utc.to)));
    }
    return parts.length ? SqlFragment.join(parts, ' AND ') : SqlFragment.raw(`${expression} IS NOT NULL`);
  }

  private tag(tagId: string, node: Comparison): SqlFragment {
    const tag = this.context.tag(tagId)!;
    const negations: Partial<Record<Comparison['operator'], Comparison['operator']>> = {
      ne: 'eq',
      notContains: 'contains',
      empty: 'notEmpty',
      notContainsAny: 'containsAny',
      isNull: 'notNull',
    };
    const negated = negations[node.operator];
    const column =
      tag.type === 'string'
        ? 'value_string'
        : tag.type === 'strings'
          ? 'value_strings'
          : tag.type === 'bool'
            ? '(value_number <> 0)'
            : 'value_number';
    // Positive operators select contacts holding a matching value; negations are their complement,
    // so a contact without a value (or a tag never computed) is "not equal" and "empty".
    const positive = negated ? { ...node, operator: negated } : node;
    const member =
      tag.calcDate === null
        ? FALSE
        : sql(
            'c.id IN (SELECT contact_id FROM tag_value WHERE tag_id = ',
            SqlFragment.param(BigInt(tag.id)),
            ' AND calc_date = ',
            SqlFragment.param(tag.calcDate, this.d.dateParam()),
            ' AND run = ',
            SqlFragment.param(tag.run ?? 0),
            ' AND ',
            this.comparison(positive, column, tag.type, tag.type === 'time' ? 'datetime' : undefined, true).wrap(),
            ')',
          );
    return negated ? not(member) : member;
  }

  /** `filters` of `event`'s properties, combined by `op` (none: nothing). */
  eventFilters(event: EventRef, filters: readonly EventPropertyFilter[], op: 'and' | 'or' | undefined): SqlFragment[] {
    const parts = filters.map((filter) => {
      const property = event.properties.get(filter.property)!;
      return this.comparison(filter, this.eventValue(property), property.type, property.timeType).wrap();
    });
    return parts.length ? [SqlFragment.join(parts, op === 'or' ? ' OR ' : ' AND ').wrap()] : [];
  }

  /** The rows of `events` that are `event`: its code, or for a virtual event any member with its own filters. */
  eventCode(event: EventRef): SqlFragment {
    // A virtual event matches a row when any member does: its event and its own filters.
    const members = event.members?.map((m) =>
      SqlFragment.join(
        [sql('event = ', SqlFragment.param(m.event.code)), ...this.eventFilters(m.event, m.filters, m.filterOp)],
        ' AND ',
      ),
    );
    return !members
      ? sql('event = ', SqlFragment.param(event.code))
      : members.length === 0
        ? FALSE
        : members.length === 1
          ? members[0]!.wrap()
          : SqlFragment.join(
              members.map((m) => m.wrap()),
              ' OR ',
            ).wrap();
  }

  private event(node: EventCondition): SqlFragment {
    const event = this.context.event(node.event)!;
    const index = this.eventColumns.length;
    const code = this.eventCode(event);
    const time = this.timeIn('event_time', node.time, 'datetime', false);
    const filter = this.eventFilters(event, node.filters ?? [], node.filterOp);
    const match = SqlFragment.join([code, time, ...filter], ' AND ');
    // Inside a scan already bounded by this very window, the time test is redundant.
    const matchInHull = SqlFragment.join([code, ...filter], ' AND ');
    const window = toUtcBounds(resolveTimeRange(node.time, this.options.now, this.context.timeZone), this.context.timeZone);
    const events = event.members ? [...new Set(event.members.map((m) => m.event.code))] : [event.code];
    const column: EventColumn = { events, window, match, matchInHull, count: `n${index}` };
    const measure = node.measure;
    if (measure && measure.aggregate !== 'count') {
      const property = event.properties.get(measure.property!)!;
      const distinct = measure.aggregate === 'distinctCount';
      column.measure = {
        alias: `m${index}`,
        fn: measure.aggregate === 'distinctCount' ? 'count' : measure.aggregate,
        distinct,
        ...(property.via
          ? { column: `v${index}`, expression: this.eventValue(property) }
          : { column: this.d.quoteIdentifier(property.column) }),
      };
    }
    this.eventColumns.push(column);
    const count = `COALESCE(ev.n${index}, 0)`;
    let did = SqlFragment.raw(`${count} > 0`);
    if (measure) {
      // A sum over events without the property is 0 (nothing was spent); avg, max and min stay NULL
      // and match no comparison (ADR 0015).
      const value =
        measure.aggregate === 'count'
          ? count
          : measure.aggregate === 'sum'
            ? `COALESCE(ev.${column.measure!.alias}, 0)`
            : `ev.${column.measure!.alias}`;
      did = sql(did, ' AND ', sql('COALESCE(', this.measure(value, measure), ', FALSE)'));
    }
    return node.did ? did : not(did);
  }

  private measure(value: string, measure: EventMeasure): SqlFragment {
    const [first, second] = measure.values.map((v) => SqlFragment.param(v));
    const ops = { eq: '=', ne: '<>', lt: '<', gt: '>', gte: '>=', lte: '<=' } as const;
    if (measure.operator === 'between') return sql(`${value} BETWEEN `, first!, ' AND ', second!);
    return sql(`${value} ${ops[measure.operator]} `, first!);
  }

  /** The single aggregate over `events` every event leaf reads from. */
  eventAggregate(contactConditions: SqlFragment[]): { ctes: SqlFragment[]; joins: SqlFragment[] } {
    if (this.eventColumns.length === 0) return { ctes: [], joins: [] };
    const restriction = contactConditions.length
      ? sql(
          this.eventRestriction(),
          ' AND contact_id IN (SELECT c.id FROM contacts AS c WHERE ',
          SqlFragment.join(contactConditions, ' AND '),
          ')',
        )
      : this.eventRestriction();
    let body: SqlFragment;
    if (this.eventColumns.length === 1) {
      // One leaf: its match is the WHERE, so plain aggregates.
      const [column] = this.eventColumns as [EventColumn];
      const m = column.measure;
      body = sql(
        `SELECT contact_id, count(*) AS ${column.count}`,
        m ? `, ${m.fn}(${m.distinct ? 'DISTINCT ' : ''}${m.expression ?? m.column}) AS ${m.alias}` : '',
        ' FROM events WHERE ',
        column.match,
        restriction,
        ' GROUP BY contact_id',
      );
    } else {
      // Several leaves, one scan: each leaf's match is computed once per row (k<i>), every
      // aggregate sees only its leaf's rows (CASE: portable to StarRocks). The scan is narrowed by
      // the leaves' event codes and the hull of their time windows — both sargable, so zone maps
      // prune row groups — then by the OR of the matches.
      const measureColumns = [
        ...new Set(
          this.eventColumns.flatMap((c) =>
            c.measure ? [c.measure.expression ? `${c.measure.expression} AS ${c.measure.column}` : c.measure.column] : [],
          ),
        ),
      ];
      const hull = this.hull();
      const flags = this.eventColumns.map((c, index) =>
        sql((c.window.from === hull.from && c.window.to === hull.to ? c.matchInHull : c.match).wrap(), ` AS k${index}`),
      );
      const aggregates = this.eventColumns.map((c, index) => {
        const m = c.measure;
        const count = `count(CASE WHEN k${index} THEN 1 END) AS ${c.count}`;
        return m
          ? `${count}, ${m.fn}(${m.distinct ? 'DISTINCT ' : ''}CASE WHEN k${index} THEN ${m.column} END) AS ${m.alias}`
          : count;
      });
      const codes = [...new Set(this.eventColumns.flatMap((c) => c.events))];
      // No code at all: every leaf is a virtual event without a member, matching nothing.
      const narrowing = [
        codes.length ? sql('event IN (', list(codes.map((code) => SqlFragment.param(code))), ')') : FALSE,
        ...this.timeHull(),
      ];
      body = sql(
        `SELECT contact_id, ${aggregates.join(', ')} FROM (SELECT contact_id`,
        measureColumns.length ? `, ${measureColumns.join(', ')}` : '',
        ', ',
        SqlFragment.join(flags, ', '),
        ' FROM events WHERE ',
        SqlFragment.join(narrowing, ' AND '),
        restriction,
        ') AS __condition_rows WHERE ',
        this.eventColumns.map((_, index) => `k${index}`).join(' OR '),
        ' GROUP BY contact_id',
      );
    }
    return {
      ctes: [sql('__condition_events AS (', body, ')')],
      joins: [SqlFragment.raw('LEFT JOIN __condition_events AS ev ON ev.contact_id = c.id')],
    };
  }

  /**
   * The events a restricted evaluation reads: those of the given contacts and of the contacts
   * merged into them — by `source_contact_id`, the stored column, so the engine filters the scan
   * itself instead of every event after the merge join.
   */
  private eventRestriction(): SqlFragment | string {
    const { contactIds, sourceContactIds } = this.options;
    if (!contactIds) return '';
    return sourceContactIds
      ? sql(
          ' AND ',
          restrictTo(this.d, 'source_contact_id', sourceContactIds),
          ' AND ',
          restrictTo(this.d, 'contact_id', contactIds),
        )
      : sql(' AND ', restrictTo(this.d, 'contact_id', contactIds));
  }

  /** The window covering every leaf's window (a side is open when any leaf's is). */
  private hull(): { from?: number; to?: number } {
    const windows = this.eventColumns.map((c) => c.window);
    return {
      ...(windows.every((w) => w.from !== undefined) ? { from: Math.min(...windows.map((w) => w.from!)) } : {}),
      ...(windows.every((w) => w.to !== undefined) ? { to: Math.max(...windows.map((w) => w.to!)) } : {}),
    };
  }

  /** `event_time` bounds of the hull, for the scan. */
  private timeHull(): SqlFragment[] {
    const { from, to } = this.hull();
    const bound = (op: string, ms: number) =>
      sql(`event_time ${op} `, SqlFragment.param(timestampText(ms), this.d.timestampParam()));
    return [...(from === undefined ? [] : [bound('>=', from)]), ...(to === undefined ? [] : [bound('<', to)])];
  }
}

/** Whole local days `[from, to)` of bounds, as `YYYY-MM-DD` (a DATE column compares by day). */
function wholeDays(bounds: LocalBounds): { from?: string; to?: string } {
  return {
    ...(bounds.from === undefined ? {} : { from: dateText(Math.ceil(bounds.from / DAY_MS) * DAY_MS) }),
    ...(bounds.to === undefined ? {} : { to: dateText(Math.ceil(bounds.to / DAY_MS) * DAY_MS) }),
  };
}
