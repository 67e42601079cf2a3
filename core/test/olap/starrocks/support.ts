import { DuckDBInstance } from '@duckdb/node-api';
import type { OlapRelationDefinition } from '../../../src/kernel/contributions.js';
import type { AnalyticsEngine } from '../../../src/store/olap/analytics-engine.js';
import type { OlapTenantDeclaration } from '../../../src/store/olap/declaration.js';
import { operatorRelationNames, OperatorSqlSandbox } from '../../../src/store/olap/operator-sql.js';
import { TenantRelations, type ContactViewMemberships } from '../../../src/store/olap/relations.js';
import { duckDbSqlParser, OlapSqlGuard } from '../../../src/store/olap/sql-guard.js';
import type { SqlParam } from '../../../src/store/olap/sql-fragment.js';
import { starRocksDialect } from '../../../src/store/olap/starrocks/starrocks-dialect.js';
import { starRocksOperatorFunctions } from '../../../src/store/olap/starrocks/starrocks-operator-functions.js';
import { toStarRocksSql } from '../../../src/store/olap/starrocks/starrocks-sql.js';

/** One SQL a module sends, and what the StarRocks adapter would turn it into. */
export interface GoldenCase {
  /** The golden file: `golden/<area>/<name>.sql`. */
  area: string;
  name: string;
  /** What the SQL is, for a reader of the golden file (one line). */
  about: string;
  /** SQL over the logical relations, as the module sends it (operator SQL: as the operator typed it). */
  sql: string;
  params?: readonly SqlParam[];
  contactView?: ContactViewMemberships;
  /** Operator SQL (SQL tags, custom query): through the sandbox with StarRocks' allow-list first. */
  operator?: { maxRows: number };
  /** Already physical (a view body the engine creates): translated only, not guarded nor resolved. */
  physical?: true;
  declaration: OlapTenantDeclaration;
}

export interface GoldenResult {
  /** The logical SQL the guard checked (operator SQL: as the sandbox regenerated it). */
  logical: string;
  /** After `TenantRelations(starRocksDialect).resolve`, before the translation. */
  resolved: string;
  /** What StarRocks runs. */
  physical: string;
}

/** The tenant every golden is written for (its database is `t_7`). */
export const GOLDEN_TENANT = '7';

/**
 * The StarRocks adapter's path from a module's SQL to the text it sends, without a server: DuckDB's
 * parser (an in-memory instance, as the adapter's guard uses), the SQL guard, the relations resolved
 * with StarRocks' dialect, `toStarRocksSql`.
 */
export class StarRocksSqlPath {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly parser: ReturnType<typeof duckDbSqlParser>,
    readonly guard: OlapSqlGuard,
    readonly sandbox: OperatorSqlSandbox,
  ) {}

  static async open(): Promise<StarRocksSqlPath> {
    const instance = await DuckDBInstance.create(':memory:');
    const parser = duckDbSqlParser(await instance.connect());
    const codec = { parse: parser, render: (astJson: string) => parser.render(astJson) };
    return new StarRocksSqlPath(
      instance,
      parser,
      new OlapSqlGuard(parser),
      new OperatorSqlSandbox(codec, { functions: starRocksOperatorFunctions }),
    );
  }

  /** `{ error }` when DuckDB's parser refuses `sql` (parse only, as the guard does). */
  async parses(sql: string): Promise<boolean> {
    const ast = JSON.parse(await this.parser(sql)) as { error?: boolean };
    return ast.error !== true;
  }

  async run(
    item: Pick<GoldenCase, 'sql' | 'contactView' | 'operator' | 'declaration' | 'physical'>,
    plugins: readonly OlapRelationDefinition[] = [],
  ): Promise<GoldenResult> {
    if (item.physical) return { logical: item.sql, resolved: item.sql, physical: toStarRocksSql(item.sql) };
    const relations = new TenantRelations(starRocksDialect, GOLDEN_TENANT, item.declaration, plugins);
    const logical = item.operator ? await this.sandbox.prepare(item.sql, item.operator.maxRows + 1) : item.sql;
    const checked = await this.guard.check(logical, item.operator ? operatorRelationNames : relations.names);
    const resolved = relations.resolve(checked, { contactView: item.contactView });
    return { logical, resolved, physical: toStarRocksSql(resolved) };
  }

  close(): void {
    this.parser.close();
    this.instance.closeSync();
  }
}

/**
 * The StarRocks-dialect view of a real engine: the same stores (declarations, schema versions), the
 * SQL its users generate written in StarRocks' dialect. Nothing written in it is run on that engine —
 * the golden path only reads what a module would send.
 */
export function withStarRocksDialect(engine: AnalyticsEngine): AnalyticsEngine {
  return new Proxy(engine, {
    get(target, key) {
      if (key === 'dialect') return starRocksDialect;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

// ---- reading StarRocks text -------------------------------------------------------------------------------

/** StarRocks text in pieces: strings and backquoted names as they are, everything else as code. */
export function splitStarRocksText(sql: string): { code: boolean; text: string }[] {
  const parts: { code: boolean; text: string }[] = [];
  let code = '';
  let at = 0;
  while (at < sql.length) {
    const char = sql[at]!;
    if (char === "'" || char === '`') {
      let end = at + 1;
      for (;;) {
        if (end >= sql.length) throw new Error(`unterminated ${char} in ${sql.slice(at, at + 40)}`);
        if (char === "'" && sql[end] === '\\') {
          end += 2;
          continue;
        }
        if (sql[end] === char) {
          if (sql[end + 1] === char) {
            end += 2;
            continue;
          }
          break;
        }
        end += 1;
      }
      if (code) parts.push({ code: true, text: code });
      code = '';
      parts.push({ code: false, text: sql.slice(at, end + 1) });
      at = end + 1;
      continue;
    }
    code += char;
    at += 1;
  }
  if (code) parts.push({ code: true, text: code });
  return parts;
}

/** Blanks outside strings and names collapsed to one space, and none inside parentheses' edges. */
export function normalizeSql(sql: string): string {
  return splitStarRocksText(sql)
    .map((part) => (part.code ? part.text.replace(/\s+/g, ' ').replace(/\(\s+/g, '(').replace(/\s+\)/g, ')') : part.text))
    .join('')
    .trim();
}

const CLAUSES =
  /(?<!\b(?:LEFT|RIGHT|FULL|INNER|OUTER|CROSS|ANTI|SEMI|UNION))\s+(?=(?:SELECT|FROM|WHERE|GROUP BY|HAVING|ORDER BY|LIMIT|UNION ALL|LEFT ANTI JOIN|LEFT SEMI JOIN|LEFT JOIN|CROSS JOIN|JOIN)\b)/g;

/**
 * One clause per line, indented by parenthesis depth: blanks outside strings and names only ever
 * become other blanks, so the text StarRocks reads is the same (the golden test checks it).
 */
export function formatSql(sql: string): string {
  const normalized = normalizeSql(sql);
  // Per open parenthesis: whether it is a window's `OVER (…)`, kept on one line.
  const windows: boolean[] = [];
  let out = '';
  for (const part of splitStarRocksText(normalized)) {
    if (!part.code) {
      out += part.text;
      continue;
    }
    // Walk the code piece by piece: parentheses change the depth, clause keywords start a line.
    for (const piece of part.text.split(/([()])/)) {
      if (piece === '(') {
        windows.push(/\bOVER\s*$/i.test(out) || windows.at(-1) === true);
        out += piece;
      } else if (piece === ')') {
        windows.pop();
        out += piece;
      } else if (windows.at(-1) === true) {
        out += piece;
      } else {
        const indent = '\n' + '  '.repeat(windows.length);
        out += piece.replace(CLAUSES, indent).replace(/^(?=(?:SELECT|WITH)\b)/, out.endsWith('(') ? indent : '');
      }
    }
  }
  // A CTE per line: `), name AS (` at depth 0.
  return out.replace(/\), (`[^`]+`|\w+) AS \(/g, '),\n$1 AS (').trim();
}

/** The text of a golden file: what it is, its parameters, the StarRocks SQL one clause per line. */
export function goldenText(item: GoldenCase, result: GoldenResult): string {
  const header = [
    `-- ${item.area}/${item.name}: ${item.about}`,
    `-- Generated by core/test/olap/starrocks/golden.test.ts (HUILIU_UPDATE_GOLDEN=1 rewrites it); review by hand.`,
    ...(item.params?.length
      ? [`-- params: ${JSON.stringify(item.params, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`]
      : []),
  ];
  return `${header.join('\n')}\n${formatSql(result.physical)};\n`;
}
