import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config.js';
import { parseStarRocksUrl, type StarRocksConnectionConfig } from '../../../src/store/olap/starrocks/starrocks-config.js';

/**
 * docs/operations/scaled.md states the options, defaults and ranges of HUILIU_OLAP_URL and copies the
 * DDL golden: both must stay true of the code (the parser, the golden file), in both languages.
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const guide = readFileSync(path.join(repo, 'docs', 'operations', 'scaled.md'), 'utf8');
const golden = readFileSync(path.join(repo, 'core', 'test', 'olap', 'starrocks', 'golden', 'ddl', 'declare-sample.sql'), 'utf8');

/** Each option's value in a parsed config, to compare the guide's defaults with the parser's. */
const valueOf: Record<string, (config: StarRocksConnectionConfig) => number | string> = {
  httpPort: (c) => Number(new URL(c.httpUrl).port),
  pool: (c) => c.poolSize,
  replicationNum: (c) => c.replicationNum,
  databasePrefix: (c) => c.databasePrefix,
  connectTimeoutMs: (c) => c.connectTimeoutMs,
  schemaChangeTimeoutMs: (c) => c.schemaChangeTimeoutMs,
  operatorPool: (c) => c.operator.poolSize,
  operatorConcurrency: (c) => c.operator.concurrencyLimit,
  operatorCpuWeight: (c) => c.operator.cpuWeight,
  operatorMemPercent: (c) => c.operator.memLimitPercent,
  operatorCpuSeconds: (c) => c.operator.bigQueryCpuSecondLimit,
  operatorScanRows: (c) => c.operator.bigQueryScanRowsLimit,
  operatorMemBytes: (c) => c.operator.bigQueryMemLimitBytes,
};

const BASE = 'starrocks://huiliu:pw@fe.example:9030/';

/** The options the parser knows, read from its own refusal of an unknown one. */
function parserOptions(): string[] {
  try {
    parseStarRocksUrl(`${BASE}?noSuchOption=1`);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const known = /\(known: ([^)]*)\)/.exec((error as ConfigError).problems.join('\n'));
    if (known) return known[1]!.split(', ');
  }
  throw new Error('the parser did not list its options');
}

function refuses(url: string): boolean {
  try {
    parseStarRocksUrl(url);
    return false;
  } catch (error) {
    if (error instanceof ConfigError) return true;
    throw error;
  }
}

/** The option tables between the guide's markers: [zh, en], each row's cells. */
function optionTables(): string[][][] {
  const tables = guide.split('<!-- olap-url-options:start -->').slice(1);
  return tables.map((part) =>
    part
      .split('<!-- olap-url-options:end -->')[0]!
      .split('\n')
      .filter((line) => /^\| `[A-Za-z]+` /.test(line))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      ),
  );
}

describe('the scaled-deployment guide', () => {
  it('lists every HUILIU_OLAP_URL option, in both languages, with the parser’s defaults', () => {
    const known = parserOptions();
    expect(known).toHaveLength(Object.keys(valueOf).length);
    const tables = optionTables();
    expect(tables).toHaveLength(2);
    const defaults = parseStarRocksUrl(BASE);
    for (const rows of tables) {
      expect(rows.map((row) => row[0]!.slice(1, -1)).sort()).toEqual([...known].sort());
      for (const [name, fallback] of rows) {
        const option = name!.slice(1, -1);
        const expected = valueOf[option]!(defaults);
        if (expected === '') expect(fallback, option).not.toMatch(/`/);
        else expect(fallback, option).toBe(`\`${expected}\``);
      }
    }
  });

  it('gives each numeric option the range the parser accepts', () => {
    for (const rows of optionTables()) {
      const ranged = rows.filter((row) => /^\d+–\d+$/.test(row[2]!));
      expect(ranged.length).toBe(12);
      for (const [name, , range] of ranged) {
        const option = name!.slice(1, -1);
        const [min, max] = range!.split('–').map(Number) as [number, number];
        expect(refuses(`${BASE}?${option}=${min}`), `${option}=${min}`).toBe(false);
        expect(refuses(`${BASE}?${option}=${max}`), `${option}=${max}`).toBe(false);
        expect(refuses(`${BASE}?${option}=${min - 1}`), `${option}=${min - 1}`).toBe(true);
        expect(refuses(`${BASE}?${option}=${String(BigInt(max) + 1n)}`), `${option}=${max}+1`).toBe(true);
      }
    }
  });

  it('shows full example URLs the parser accepts, naming every option', () => {
    const examples = guide.split('<!-- olap-url-example -->').slice(1);
    expect(examples).toHaveLength(2);
    for (const part of examples) {
      const url = /HUILIU_OLAP_URL='([^']+)'/.exec(part)![1]!;
      const parsed = parseStarRocksUrl(url);
      expect(parsed.password).toBe('S3cret@pw');
      expect(parsed.display).not.toContain('S3cret');
      expect([...new URL(url).searchParams.keys()].sort()).toEqual(parserOptions().sort());
    }
    // Every other HUILIU_OLAP_URL in the guide parses too.
    for (const [, url] of guide.matchAll(/HUILIU_OLAP_URL='([^']+)'/g)) expect(refuses(url!), url).toBe(false);
  });

  it('copies the DDL golden verbatim (tables and operator-SQL security), in both languages', () => {
    for (const marker of ['<!-- golden-ddl:tables -->', '<!-- golden-ddl:security -->']) {
      const blocks = guide.split(marker).slice(1);
      expect(blocks, marker).toHaveLength(2);
      for (const block of blocks) {
        const sql = /```sql\n([\s\S]*?)\n```/.exec(block)![1]!;
        expect(sql.length).toBeGreaterThan(500);
        expect(golden.includes(sql), marker).toBe(true);
      }
    }
    // The tables block starts at the golden's first statement.
    const first = /```sql\n([^\n]*)/.exec(guide.split('<!-- golden-ddl:tables -->')[1]!)![1]!;
    expect(golden.startsWith(first)).toBe(true);
  });
});
