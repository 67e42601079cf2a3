import { isDomainError } from '../../server/errors.js';
import { OlapSqlRefusedError, type OlapSqlRefusal } from './errors.js';
import { analyzeSqlJson, sqlBody } from './sql-guard.js';

/**
 * The operator-SQL sandbox (ADR 0046): SQL that operators type (SQL tags, later the custom query
 * report) is parsed once by DuckDB (`json_serialize_sql`, the SQL guard's one parser, ADR 0009),
 * every node of its tree is checked against the allow-lists below, a LIMIT is set on the outermost
 * query, and the SQL that runs is regenerated from that checked tree (`json_deserialize_sql`) — never
 * the operator's text. The regenerated text is parsed again and must give the same tree, so what runs
 * is exactly what was checked; the engine then substitutes the tenant's `event_view` / `contact_view`
 * (relations.ts) and runs it under its interrupt (time limit) and row limit.
 *
 * The lists are deliberately short and reviewed one by one: a function or a node not listed here is
 * refused, so a new DuckDB version can only refuse more, never allow more.
 */

/** What parses SQL into DuckDB's JSON tree and renders a tree back into SQL. */
export interface SqlCodec {
  /** `json_serialize_sql(sql)`: the tree (or `{error: true, …}`) as JSON text. */
  parse(sql: string): Promise<string>;
  /** `json_deserialize_sql(tree)`: SQL text for a tree `parse` returned (possibly edited). */
  render(astJson: string): Promise<string>;
}

/** The only relations operator SQL may read (plus its own CTEs). */
export const operatorRelationNames: ReadonlySet<string> = new Set(['event_view', 'contact_view']);

/** Longest operator SQL accepted, in characters. */
export const OPERATOR_SQL_MAX_LENGTH = 100_000;

/**
 * Aggregates (also usable with OVER): counting, sums and averages, extremes, ordered statistics,
 * string and list collection. Not: histogram/approx_top_k (maps, DuckDB-only), bit aggregates,
 * regression/kurtosis families (rarely needed; add when asked), anything taking a function name.
 */
export const operatorAggregateFunctions: ReadonlySet<string> = new Set([
  'count',
  'count_star',
  'count_if',
  'countif',
  'sum',
  'avg',
  'mean',
  'min',
  'max',
  'any_value',
  'arbitrary',
  'first',
  'last',
  'arg_min',
  'arg_max',
  'argmin',
  'argmax',
  'min_by',
  'max_by',
  'approx_count_distinct',
  'median',
  'mode',
  'quantile',
  'quantile_cont',
  'quantile_disc',
  'approx_quantile',
  'stddev',
  'stddev_pop',
  'stddev_samp',
  'variance',
  'var_pop',
  'var_samp',
  'corr',
  'covar_pop',
  'covar_samp',
  'product',
  'bool_and',
  'bool_or',
  'string_agg',
  'group_concat',
  'listagg',
  'list',
  'array_agg',
]);

/** Window-only functions (with OVER). */
export const operatorWindowFunctions: ReadonlySet<string> = new Set([
  'row_number',
  'rank',
  'dense_rank',
  'percent_rank',
  'cume_dist',
  'ntile',
  'lag',
  'lead',
  'first_value',
  'last_value',
  'nth_value',
]);

/**
 * Scalar functions, by family. Left out on purpose: anything that reads or reveals the engine
 * (`current_setting`, `current_database`, `version`, `getvariable`, `typeof`, `stats`, `duckdb_*`,
 * `pragma_*`, `json_*_sql`, `query`), changes state (`nextval`, `setseed`), waits (`sleep_ms`,
 * `pg_sleep`), allocates by argument (`repeat`, `lpad`, `rpad`, scalar `range` / `generate_series`,
 * `list_resize`), or names another function by string (`list_aggregate`, `aggregate`, `apply`).
 */
export const operatorScalarFunctions: ReadonlySet<string> = new Set([
  // numbers
  'abs',
  'ceil',
  'ceiling',
  'floor',
  'round',
  'trunc',
  'sign',
  'sqrt',
  'cbrt',
  'pow',
  'power',
  'exp',
  'ln',
  'log',
  'log2',
  'log10',
  'mod',
  'greatest',
  'least',
  'isnan',
  'isinf',
  'isfinite',
  'pi',
  // text
  'lower',
  'upper',
  'lcase',
  'ucase',
  'length',
  'len',
  'char_length',
  'character_length',
  'strlen',
  'concat',
  'concat_ws',
  'substring',
  'substr',
  'left',
  'right',
  'trim',
  'ltrim',
  'rtrim',
  'replace',
  'reverse',
  'translate',
  'strpos',
  'position',
  'instr',
  'contains',
  'starts_with',
  'ends_with',
  'prefix',
  'suffix',
  'split_part',
  'string_split',
  'str_split',
  'split',
  'string_to_array',
  'regexp_matches',
  'regexp_replace',
  'regexp_extract',
  'regexp_extract_all',
  'regexp_split_to_array',
  'regexp_full_match',
  'like_escape',
  'not_like_escape',
  'ilike_escape',
  'not_ilike_escape',
  'ascii',
  'chr',
  'strip_accents',
  'md5',
  'sha256',
  // conditionals
  'nullif',
  // dates and times
  'current_date',
  'now',
  'today',
  'date_trunc',
  'datetrunc',
  'date_part',
  'datepart',
  'date_diff',
  'datediff',
  'date_sub',
  'datesub',
  'date_add',
  'year',
  'month',
  'day',
  'dayofmonth',
  'hour',
  'minute',
  'second',
  'millisecond',
  'week',
  'weekofyear',
  'weekday',
  'dayofweek',
  'dayofyear',
  'isodow',
  'isoyear',
  'quarter',
  'yearweek',
  'dayname',
  'monthname',
  'last_day',
  'epoch',
  'epoch_ms',
  'make_date',
  'make_time',
  'make_timestamp',
  'to_timestamp',
  'strftime',
  'strptime',
  'try_strptime',
  'age',
  'timezone',
  'to_years',
  'to_months',
  'to_weeks',
  'to_days',
  'to_hours',
  'to_minutes',
  'to_seconds',
  'to_milliseconds',
  // lists (string[] tags)
  'list_value',
  'row',
  'unnest',
  'flatten',
  'list_contains',
  'list_has',
  'array_contains',
  'array_has',
  'list_has_any',
  'list_has_all',
  'array_has_any',
  'array_has_all',
  'list_position',
  'array_position',
  'list_extract',
  'list_element',
  'array_extract',
  'list_slice',
  'array_slice',
  'list_distinct',
  'array_distinct',
  'list_sort',
  'array_sort',
  'list_reverse_sort',
  'array_reverse_sort',
  'list_concat',
  'list_cat',
  'array_concat',
  'array_cat',
  'array_length',
  'array_to_string',
]);

/** Operators, as the parser names them (`a LIKE b` is `~~`, `a || b` is `||`). */
export const operatorOperators: ReadonlySet<string> = new Set([
  '+',
  '-',
  '*',
  '/',
  '//',
  '%',
  '^',
  '**',
  '||',
  '~~',
  '!~~',
  '~~*',
  '!~~*',
  '&&',
  '@>',
  '<@',
]);

/** Table functions in FROM: generators that read no data. */
export const operatorTableFunctions: ReadonlySet<string> = new Set(['unnest', 'range', 'generate_series']);

/**
 * The function allow-lists of one engine. The parse and the walk are DuckDB's for every engine (one
 * guard, ADR 0009), but a name means what the engine that runs it says: StarRocks' lists
 * (starrocks/starrocks-operator-functions.ts, ADR 0066) hold only the names that exist there with the
 * same meaning.
 */
export interface OperatorSqlFunctions {
  aggregate: ReadonlySet<string>;
  window: ReadonlySet<string>;
  scalar: ReadonlySet<string>;
  /** Operators as DuckDB's parser names them (`~~` for LIKE). */
  operators: ReadonlySet<string>;
  /** Table functions in FROM. */
  table: ReadonlySet<string>;
}

/** DuckDB's lists (the embedded engine): the sets above. */
export const duckDbOperatorFunctions: OperatorSqlFunctions = {
  aggregate: operatorAggregateFunctions,
  window: operatorWindowFunctions,
  scalar: operatorScalarFunctions,
  operators: operatorOperators,
  table: operatorTableFunctions,
};

/**
 * Keywords that DuckDB binds as functions when written like a column (`SELECT current_user`) and
 * that reveal the engine's user, schema or catalog. The others of that kind — `current_date`,
 * `current_time`, `current_timestamp`, `localtime`, `localtimestamp` — are allowed.
 */
const valueFunctionsRefused = new Set([
  'user',
  'current_user',
  'current_role',
  'session_user',
  'current_schema',
  'current_catalog',
]);

const OPERATOR_TYPES = new Set([
  'OPERATOR_NOT',
  'OPERATOR_IS_NULL',
  'OPERATOR_IS_NOT_NULL',
  'COMPARE_IN',
  'COMPARE_NOT_IN',
  'OPERATOR_COALESCE',
  'ARRAY_EXTRACT',
  'ARRAY_SLICE',
  'ARRAY_CONSTRUCTOR',
]);
const JOIN_TYPES = new Set(['INNER', 'LEFT', 'RIGHT', 'OUTER', 'FULL', 'SEMI', 'ANTI']);
const JOIN_REF_TYPES = new Set(['REGULAR', 'CROSS', 'NATURAL']);
const SET_OPERATIONS = new Set(['UNION', 'EXCEPT', 'INTERSECT']);
const SUBQUERY_TYPES = new Set(['SCALAR', 'EXISTS', 'NOT_EXISTS', 'ANY']);
const ORDER_TYPES = new Set(['ORDER_DEFAULT', 'ASCENDING', 'DESCENDING']);
const NULL_ORDERS = new Set(['ORDER_DEFAULT', 'NULLS FIRST', 'NULLS LAST', 'NULLS_FIRST', 'NULLS_LAST']);

/** Readable names of refused syntax, by node type or expression class. */
const SYNTAX_NAMES: Record<string, string> = {
  LAMBDA: 'lambda',
  PARAMETER: 'parameter ($1 / ?)',
  POSITIONAL_REFERENCE: 'positional reference (#1)',
  COLLATE: 'COLLATE',
  DEFAULT: 'DEFAULT',
  PIVOT: 'PIVOT / UNPIVOT',
  SHOW_REF: 'DESCRIBE / SHOW / SUMMARIZE',
  LIMIT_PERCENT_MODIFIER: 'LIMIT … %',
  UNION_BY_NAME: 'UNION BY NAME',
  ASOF: 'ASOF JOIN',
  POSITIONAL: 'POSITIONAL JOIN',
  OPERATOR_TRY: 'TRY(…)',
  OPERATOR_UNPACK: '*COLUMNS(…)',
  STRUCT_EXTRACT: 'struct field',
};

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A value that carries nothing (absent, default or empty): unknown keys holding only these are fine. */
function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === '' || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isObject(value)) return Object.values(value).every(isEmpty);
  return false;
}

class Refused extends Error {
  constructor(
    readonly reason: OlapSqlRefusal,
    readonly refused: string,
  ) {
    super(`${reason}: ${refused}`);
  }
}

const unsupported = (what: string): Refused => new Refused('olap_sql_unsupported', SYNTAX_NAMES[what] ?? what);

/** Keys every expression carries. */
const EXPRESSION_KEYS = ['class', 'type', 'alias', 'query_location'];

/**
 * The allow-list walk. Every query node, table reference, modifier and expression is handled by
 * name; each handler knows its node's keys, and a key it does not know that carries a value refuses
 * the SQL (a new DuckDB feature is refused until it is reviewed here).
 */
class AllowListWalker {
  constructor(private readonly functions: OperatorSqlFunctions) {}

  /** The last part of every column reference (`c.group_12` → `group_12`), as written. */
  readonly columns = new Set<string>();

  /** `top`: the outermost query (or a branch of an outermost UNION): `select *` is allowed there. */
  query(node: unknown, top: boolean): void {
    if (!isObject(node)) throw unsupported('SQL');
    this.ctes(node.cte_map);
    this.modifiers(node.modifiers);
    switch (node.type) {
      case 'SELECT_NODE': {
        this.known(node, 'SELECT', [
          'type',
          'modifiers',
          'cte_map',
          'select_list',
          'from_table',
          'where_clause',
          'group_expressions',
          'group_sets',
          'aggregate_handling',
          'having',
          'sample',
          'qualify',
        ]);
        if (node.aggregate_handling !== 'STANDARD_HANDLING') throw unsupported('GROUP BY ALL');
        if (!isEmpty(node.sample)) throw unsupported('USING SAMPLE');
        if (!isEmpty(node.qualify)) throw unsupported('QUALIFY');
        // `(VALUES …)` in FROM reaches the tree as `SELECT * FROM (VALUES …)`: that star is DuckDB's.
        const valuesList = isObject(node.from_table) && node.from_table.type === 'EXPRESSION_LIST';
        for (const item of this.list(node.select_list)) this.expression(item, top || valuesList);
        this.tableRef(node.from_table);
        this.optional(node.where_clause);
        for (const item of this.list(node.group_expressions)) this.expression(item);
        this.optional(node.having);
        return;
      }
      case 'SET_OPERATION_NODE': {
        this.known(node, 'UNION', ['type', 'modifiers', 'cte_map', 'setop_type', 'setop_all', 'left', 'right']);
        if (!SET_OPERATIONS.has(String(node.setop_type))) throw unsupported(String(node.setop_type));
        this.query(node.left, top);
        this.query(node.right, top);
        return;
      }
      case 'RECURSIVE_CTE_NODE':
        throw new Refused('olap_sql_recursive_cte', `WITH RECURSIVE ${String(node.cte_name ?? '')}`.trim());
      default:
        throw unsupported(String(node.type));
    }
  }

  private ctes(cteMap: unknown): void {
    if (cteMap === undefined || cteMap === null) return;
    if (!isObject(cteMap)) throw unsupported('WITH');
    for (const entry of this.list(cteMap.map)) {
      if (!isObject(entry) || typeof entry.key !== 'string' || !isObject(entry.value)) throw unsupported('WITH');
      const cte = entry.value;
      this.known(cte, 'WITH', ['query', 'aliases', 'materialized', 'key_targets']);
      if (!isObject(cte.query)) throw unsupported('WITH');
      this.known(cte.query, 'WITH', ['node', 'named_param_map']);
      // A CTE is a subquery: `select *` is refused in it (seed §1.6.2.5 rule 5).
      this.query(cte.query.node, false);
    }
  }

  private modifiers(modifiers: unknown): void {
    for (const modifier of this.list(modifiers)) {
      if (!isObject(modifier)) throw unsupported('SQL');
      switch (modifier.type) {
        case 'ORDER_MODIFIER':
          this.known(modifier, 'ORDER BY', ['type', 'orders']);
          this.orders(modifier.orders);
          break;
        case 'LIMIT_MODIFIER':
          this.known(modifier, 'LIMIT', ['type', 'limit', 'offset']);
          limitValue(modifier.limit);
          limitValue(modifier.offset);
          break;
        case 'DISTINCT_MODIFIER':
          this.known(modifier, 'DISTINCT', ['type', 'distinct_on_targets']);
          if (!isEmpty(modifier.distinct_on_targets)) throw unsupported('DISTINCT ON');
          break;
        default:
          throw unsupported(String(modifier.type));
      }
    }
  }

  private orders(orders: unknown): void {
    for (const order of this.list(orders)) {
      if (!isObject(order)) throw unsupported('ORDER BY');
      this.known(order, 'ORDER BY', ['type', 'null_order', 'expression']);
      if (!ORDER_TYPES.has(String(order.type)) || !NULL_ORDERS.has(String(order.null_order))) throw unsupported('ORDER BY');
      if (isObject(order.expression) && order.expression.class === 'STAR') throw unsupported('ORDER BY ALL');
      this.expression(order.expression);
    }
  }

  private tableRef(ref: unknown): void {
    if (!isObject(ref)) throw unsupported('FROM');
    const base = ['type', 'alias', 'sample', 'query_location', 'column_name_alias'];
    if (!isEmpty(ref.sample)) throw unsupported('TABLESAMPLE');
    switch (ref.type) {
      case 'EMPTY':
        this.known(ref, 'FROM', base);
        return;
      case 'BASE_TABLE':
        // Which names are readable (event_view, contact_view, own CTEs) is the guard's check.
        this.known(ref, 'FROM', [...base, 'schema_name', 'table_name', 'catalog_name', 'at_clause']);
        if (!isEmpty(ref.at_clause)) throw unsupported('AT (…)');
        if (!isEmpty(ref.schema_name) || !isEmpty(ref.catalog_name)) {
          const name = [ref.catalog_name, ref.schema_name, ref.table_name].filter((p) => !isEmpty(p)).join('.');
          throw new Refused('olap_sql_qualified_name', name);
        }
        return;
      case 'JOIN':
        this.known(ref, 'JOIN', [
          ...base,
          'left',
          'right',
          'condition',
          'join_type',
          'ref_type',
          'using_columns',
          'delim_flipped',
        ]);
        if (!JOIN_TYPES.has(String(ref.join_type))) throw unsupported(`${String(ref.join_type)} JOIN`);
        if (!JOIN_REF_TYPES.has(String(ref.ref_type))) throw unsupported(String(ref.ref_type));
        this.tableRef(ref.left);
        this.tableRef(ref.right);
        this.optional(ref.condition);
        return;
      case 'SUBQUERY':
        this.known(ref, 'FROM', [...base, 'subquery']);
        if (!isObject(ref.subquery)) throw unsupported('FROM');
        this.known(ref.subquery, 'FROM', ['node', 'named_param_map']);
        this.query(ref.subquery.node, false);
        return;
      case 'TABLE_FUNCTION': {
        this.known(ref, 'FROM', [...base, 'function', 'with_ordinality']);
        const fn = ref.function;
        if (!isObject(fn) || fn.class !== 'FUNCTION') throw unsupported('FROM');
        const name = String(fn.function_name).toLowerCase();
        if (!isEmpty(fn.schema) || !isEmpty(fn.catalog) || !this.functions.table.has(name)) {
          throw new Refused('olap_sql_table_function', `${String(fn.function_name)}()`);
        }
        this.functionArguments(fn);
        return;
      }
      case 'EXPRESSION_LIST':
        this.known(ref, 'VALUES', [...base, 'values', 'expected_names', 'expected_types']);
        for (const row of this.list(ref.values)) for (const value of this.list(row)) this.expression(value);
        return;
      default:
        throw unsupported(String(ref.type));
    }
  }

  private optional(expression: unknown): void {
    if (expression !== null && expression !== undefined) this.expression(expression);
  }

  expression(node: unknown, starAllowed = false): void {
    if (!isObject(node)) throw unsupported('SQL');
    switch (node.class) {
      case 'CONSTANT':
        this.known(node, 'constant', [...EXPRESSION_KEYS, 'value']);
        return;
      case 'COLUMN_REF': {
        this.known(node, 'column', [...EXPRESSION_KEYS, 'column_names']);
        const names = this.list(node.column_names);
        if (!names.every((name) => typeof name === 'string')) throw unsupported('column');
        const only = names.length === 1 ? String(names[0]).toLowerCase() : undefined;
        if (only && valueFunctionsRefused.has(only)) throw new Refused('olap_sql_function_refused', only);
        if (names.length) this.columns.add(String(names[names.length - 1]));
        return;
      }
      case 'CAST':
        this.known(node, 'CAST', [...EXPRESSION_KEYS, 'child', 'cast_type', 'try_cast']);
        castType(node.cast_type);
        this.expression(node.child);
        return;
      case 'COMPARISON':
        this.known(node, 'comparison', [...EXPRESSION_KEYS, 'left', 'right']);
        this.expression(node.left);
        this.expression(node.right);
        return;
      case 'CONJUNCTION':
        this.known(node, 'AND / OR', [...EXPRESSION_KEYS, 'children']);
        for (const child of this.list(node.children)) this.expression(child);
        return;
      case 'OPERATOR':
        this.known(node, 'operator', [...EXPRESSION_KEYS, 'children']);
        if (!OPERATOR_TYPES.has(String(node.type))) throw unsupported(String(node.type));
        for (const child of this.list(node.children)) this.expression(child);
        return;
      case 'BETWEEN':
        this.known(node, 'BETWEEN', [...EXPRESSION_KEYS, 'input', 'lower', 'upper']);
        this.expression(node.input);
        this.expression(node.lower);
        this.expression(node.upper);
        return;
      case 'CASE':
        this.known(node, 'CASE', [...EXPRESSION_KEYS, 'case_checks', 'else_expr']);
        for (const check of this.list(node.case_checks)) {
          if (!isObject(check)) throw unsupported('CASE');
          this.known(check, 'CASE', ['when_expr', 'then_expr']);
          this.expression(check.when_expr);
          this.expression(check.then_expr);
        }
        this.optional(node.else_expr);
        return;
      case 'FUNCTION': {
        this.known(node, 'function', [
          ...EXPRESSION_KEYS,
          'function_name',
          'schema',
          'catalog',
          'children',
          'filter',
          'order_bys',
          'distinct',
          'is_operator',
          'export_state',
        ]);
        const name = String(node.function_name).toLowerCase();
        if ((!isEmpty(node.schema) && node.schema !== 'main') || !isEmpty(node.catalog)) {
          const qualified = [node.catalog, node.schema, node.function_name].filter((p) => !isEmpty(p)).join('.');
          throw new Refused('olap_sql_qualified_name', `${qualified}()`);
        }
        const allowed =
          node.is_operator === true
            ? this.functions.operators.has(name)
            : this.functions.scalar.has(name) || this.functions.aggregate.has(name);
        if (!allowed || node.export_state === true)
          throw new Refused('olap_sql_function_refused', `${String(node.function_name)}()`);
        this.functionArguments(node);
        this.optional(node.filter);
        if (isObject(node.order_bys)) {
          this.known(node.order_bys, 'ORDER BY', ['type', 'orders']);
          this.orders(node.order_bys.orders);
        }
        return;
      }
      case 'WINDOW': {
        this.known(node, 'OVER', [
          ...EXPRESSION_KEYS,
          'function_name',
          'schema',
          'catalog',
          'children',
          'partitions',
          'orders',
          'start',
          'end',
          'start_expr',
          'end_expr',
          'offset_expr',
          'default_expr',
          'ignore_nulls',
          'filter_expr',
          'exclude_clause',
          'distinct',
          'arg_orders',
        ]);
        const name = String(node.function_name).toLowerCase();
        if (!isEmpty(node.schema) || !isEmpty(node.catalog)) throw new Refused('olap_sql_qualified_name', `${name}()`);
        if (!this.functions.window.has(name) && !this.functions.aggregate.has(name)) {
          throw new Refused('olap_sql_function_refused', `${String(node.function_name)}()`);
        }
        for (const key of ['children', 'partitions']) for (const child of this.list(node[key])) this.expression(child);
        this.orders(node.orders);
        this.orders(node.arg_orders);
        for (const key of ['start_expr', 'end_expr', 'offset_expr', 'default_expr', 'filter_expr']) this.optional(node[key]);
        return;
      }
      case 'SUBQUERY': {
        this.known(node, 'subquery', [...EXPRESSION_KEYS, 'subquery_type', 'subquery', 'child', 'comparison_type']);
        if (!SUBQUERY_TYPES.has(String(node.subquery_type)) || !isObject(node.subquery)) throw unsupported('subquery');
        this.known(node.subquery, 'subquery', ['node', 'named_param_map']);
        this.query(node.subquery.node, false);
        this.optional(node.child);
        return;
      }
      case 'STAR':
        if (!starAllowed) throw new Refused('olap_sql_star_in_subquery', 'select *');
        this.known(node, '*', [
          ...EXPRESSION_KEYS,
          'relation_name',
          'exclude_list',
          'replace_list',
          'rename_list',
          'columns',
          'expr',
          'unpacked',
        ]);
        for (const key of ['exclude_list', 'replace_list', 'rename_list', 'columns', 'expr', 'unpacked']) {
          if (!isEmpty(node[key])) throw unsupported('* EXCLUDE / REPLACE / RENAME / COLUMNS(…)');
        }
        return;
      default:
        throw unsupported(String(node.class));
    }
  }

  private functionArguments(fn: JsonObject): void {
    for (const child of this.list(fn.children)) this.expression(child);
  }

  private list(value: unknown): unknown[] {
    if (value === null || value === undefined) return [];
    if (!Array.isArray(value)) throw unsupported('SQL');
    return value;
  }

  /** Refuses a key this handler does not know when it carries a value. */
  private known(node: JsonObject, what: string, keys: readonly string[]): void {
    for (const [key, value] of Object.entries(node)) {
      if (!keys.includes(key) && !isEmpty(value)) throw unsupported(`${what} (${key})`);
    }
  }
}

/** A LIMIT / OFFSET value: absent, `ALL` (NULL), or a non-negative integer constant. */
function limitValue(expression: unknown): number | undefined {
  if (expression === null || expression === undefined) return undefined;
  if (isObject(expression) && expression.class === 'CONSTANT' && isObject(expression.value)) {
    const constant = expression.value;
    if (constant.is_null === true) return undefined;
    if (typeof constant.value === 'number' && Number.isSafeInteger(constant.value) && constant.value >= 0) return constant.value;
  }
  throw new Refused('olap_sql_limit_invalid', 'LIMIT / OFFSET');
}

/** Types a value may be cast to: the built-in ones (a named, unresolved type could be anything). */
function castType(type: unknown): void {
  if (Array.isArray(type)) {
    type.forEach(castType);
    return;
  }
  if (!isObject(type)) return;
  if (type.id === 'UNBOUND' || type.id === 'USER') {
    const info = isObject(type.type_info) ? type.type_info : {};
    throw unsupported(`type ${String(info.name ?? info.user_type_name ?? type.id)}`);
  }
  for (const value of Object.values(type)) castType(value);
}

const BIG = '\u0000big:';

/**
 * JSON.parse that keeps integers beyond ±2^53 exact (HUGEINT / UBIGINT / DECIMAL constants): they
 * become marked strings, which `stringifyTree` writes back as the same digits.
 */
function parseTree(json: string): unknown {
  let out = '';
  let index = 0;
  while (index < json.length) {
    const char = json[index]!;
    if (char === '"') {
      // Copy a string token as it is (escapes included).
      let end = index + 1;
      while (end < json.length && json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      out += json.slice(index, end + 1);
      index = end + 1;
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      const token = /^-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(json.slice(index))![0];
      const exact = /^-?[0-9]+$/.test(token) && !Number.isSafeInteger(Number(token));
      out += exact ? JSON.stringify(`${BIG}${token}`) : token;
      index += token.length;
    } else {
      out += char;
      index += 1;
    }
  }
  return JSON.parse(out);
}

/** JSON text of a tree read by `parseTree`, big integers written back as numbers. */
function stringifyTree(tree: unknown): string {
  return JSON.stringify(tree).replace(/"\\u0000big:(-?[0-9]+)"/g, '$1');
}

/** The tree without source positions (they differ between the operator's text and the regenerated one). */
function withoutLocations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLocations);
  if (!isObject(value)) return value;
  const copy: JsonObject = {};
  for (const [key, child] of Object.entries(value)) if (key !== 'query_location') copy[key] = withoutLocations(child);
  return copy;
}

const isPlainStarList = (list: unknown): boolean =>
  Array.isArray(list) &&
  list.length === 1 &&
  isObject(list[0]) &&
  list[0].class === 'STAR' &&
  isEmpty({ ...list[0], class: '', type: '' });

/**
 * `(VALUES …) AS v` parses to `SELECT * FROM <values list>` and renders as
 * `(SELECT * FROM (VALUES …) AS valueslist)`, which parses one `SELECT * FROM (…)` deeper: the one
 * known place where render and parse are not inverse. The extra level is removed before comparing.
 */
function collapseValues(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(collapseValues);
  if (!isObject(value)) return value;
  const copy: JsonObject = {};
  for (const [key, child] of Object.entries(value)) copy[key] = collapseValues(child);
  const from = copy.from_table;
  if (copy.type === 'SELECT_NODE' && isPlainStarList(copy.select_list) && isObject(from) && from.type === 'SUBQUERY') {
    const inner = isObject(from.subquery) && isObject(from.subquery.node) ? from.subquery.node : undefined;
    const innerFrom = inner?.from_table;
    if (
      from.alias === 'valueslist' &&
      isEmpty(from.column_name_alias) &&
      inner?.type === 'SELECT_NODE' &&
      isPlainStarList(inner.select_list) &&
      isObject(innerFrom) &&
      innerFrom.type === 'EXPRESSION_LIST'
    ) {
      copy.from_table = innerFrom;
    }
  }
  return copy;
}

const limitConstant = (value: number): JsonObject => ({
  class: 'CONSTANT',
  type: 'VALUE_CONSTANT',
  alias: '',
  value: { type: { id: 'INTEGER', type_info: null }, is_null: false, value },
});

/** Sets the outermost LIMIT to `limit`, or keeps the operator's when it is smaller. */
function applyLimit(top: JsonObject, limit: number): void {
  const modifiers = Array.isArray(top.modifiers) ? (top.modifiers as JsonObject[]) : (top.modifiers = []);
  const existing = modifiers.find((m) => isObject(m) && m.type === 'LIMIT_MODIFIER');
  if (!existing) {
    (modifiers as unknown[]).push({ type: 'LIMIT_MODIFIER', limit: limitConstant(limit), offset: null });
    return;
  }
  const current = limitValue(existing.limit);
  if (current === undefined || current > limit) existing.limit = limitConstant(limit);
}

/**
 * The `group_<id>` and `tag_…` columns operator SQL references (from its tree: names in comments and
 * strings do not count). A CTE's own column named like one is listed too: a caller resolving them
 * skips names it does not know — if the SQL really reads one, it answers `olap_sql_membership_unknown`.
 */
export interface OperatorSqlColumns {
  groupIds: string[];
  tagColumns: string[];
}

/** Checks operator SQL and regenerates the SQL that runs. Engine-neutral: any `SqlCodec`. */
export class OperatorSqlSandbox {
  private readonly functions: OperatorSqlFunctions;

  constructor(
    private readonly codec: SqlCodec,
    /** The engine's function allow-lists (default: DuckDB's). */
    options: { functions?: OperatorSqlFunctions } = {},
  ) {
    this.functions = options.functions ?? duckDbOperatorFunctions;
  }

  /**
   * Throws `OlapSqlRefusedError` unless `sql` is one SELECT within the allow-lists that reads only
   * `event_view`, `contact_view` and its own CTEs; returns the SQL regenerated from its checked tree
   * with the outermost LIMIT at most `limit` (over the logical names: the engine resolves them).
   */
  async prepare(sql: string, limit: number): Promise<string> {
    return (await this.regenerate(sql, limit)).sql;
  }

  /** Refuses what `prepare` refuses; returns the membership columns the SQL references. */
  async check(sql: string): Promise<OperatorSqlColumns> {
    return (await this.regenerate(sql, 1)).columns;
  }

  private async regenerate(sql: string, limit: number): Promise<{ sql: string; columns: OperatorSqlColumns }> {
    if (typeof sql !== 'string') throw new OlapSqlRefusedError('olap_sql_syntax', 'SQL');
    if (sql.length > OPERATOR_SQL_MAX_LENGTH) throw new OlapSqlRefusedError('olap_sql_too_long', `${sql.length}`);
    if (!Number.isSafeInteger(limit) || limit < 0 || limit > 2_147_483_647) throw new RangeError(`invalid row limit ${limit}`);
    const astJson = await this.codec.parse(sqlBody(sql));
    // The SQL guard's own analysis first: one SELECT, no qualified names, only generator table
    // functions, no node it does not know; then which relations it reads.
    const analysis = analyzeSqlJson(sql, astJson);
    if (analysis.refusal) throw new OlapSqlRefusedError(analysis.refusal.reason, analysis.refusal.name);
    const reserved = analysis.cteNames.find((name) => operatorRelationNames.has(name));
    if (reserved) throw new OlapSqlRefusedError('olap_sql_cte_name_reserved', `WITH ${reserved} AS (…)`);
    const unknown = analysis.relations.find((name) => !operatorRelationNames.has(name));
    if (unknown) throw new OlapSqlRefusedError('olap_sql_relation_unknown', unknown);

    const tree = withoutLocations(parseTree(astJson)) as JsonObject;
    const statement = (tree.statements as JsonObject[])[0]!;
    const top = statement.node as JsonObject;
    const walker = new AllowListWalker(this.functions);
    try {
      walker.query(top, true);
    } catch (error) {
      if (error instanceof Refused) throw new OlapSqlRefusedError(error.reason, error.refused);
      throw error;
    }
    applyLimit(top, limit);
    const checked = stringifyTree(tree);
    // What runs is what was checked: the regenerated text must parse back to the same tree.
    let regenerated: string;
    let again: string;
    try {
      regenerated = await this.codec.render(checked);
      again = await this.codec.parse(regenerated);
    } catch (error) {
      // The engine's own failures (closed, unavailable) stay what they are; DuckDB refusing the tree is ours.
      if (isDomainError(error)) throw error;
      throw new OlapSqlRefusedError('olap_sql_unsupported', 'SQL that cannot be regenerated exactly');
    }
    if (stringifyTree(collapseValues(withoutLocations(parseTree(again)))) !== checked) {
      throw new OlapSqlRefusedError('olap_sql_unsupported', 'SQL that cannot be regenerated exactly');
    }
    const columns = [...walker.columns];
    return {
      sql: regenerated,
      columns: {
        groupIds: [...new Set(columns.flatMap((c) => /^group_([1-9][0-9]*)$/i.exec(c)?.[1] ?? []))],
        tagColumns: columns.filter((c) => /^tag_[A-Za-z0-9_]+$/.test(c)),
      },
    };
  }
}
