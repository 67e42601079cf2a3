import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConditionsService } from '../../../src/modules/conditions/conditions.service.js';
import { DuckDbEngine } from '../../../src/store/olap/duckdb/duckdb-engine.js';
import { OltpSchemaVersionStore } from '../../../src/store/olap/schema-versions.js';
import { MembershipDouble, conditionsService } from '../../conditions/support.js';
import { describeOltpEngines, insertTenant } from '../support.js';
import { conditionCases, contractCases, moduleCases, operatorCases, reportCases, reportDeclaration } from './cases.js';
import { formatSql, goldenText, normalizeSql, StarRocksSqlPath, withStarRocksDialect, type GoldenCase } from './support.js';

/**
 * The golden files of the SQL the StarRocks adapter sends (ADR 0066): for every SQL of the engine
 * contract suite, the condition fixtures, each report model and the profile / custom query, the
 * physical StarRocks text `toStarRocksSql(TenantRelations(starRocksDialect).resolve(guard.check(sql)))`
 * — regenerated and compared here. A changed golden is a changed query StarRocks will run: review it
 * against StarRocks' documentation, then rewrite the files with
 *
 *     HUILIU_UPDATE_GOLDEN=1 HUILIU_TEST_ENGINES=sqlite npx vitest run core/test/olap/starrocks/golden.test.ts
 *
 * Each logical SQL passed the SQL guard (DuckDB's parser, the tenant's relations) and the resolved SQL
 * still parses with DuckDB's parser before the translation: one parser checks both engines' SQL.
 * handwritten.test.ts keeps expectations written by hand for key queries, and a portability check of
 * every golden file.
 */
const GOLDEN_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
const UPDATE = process.env.HUILIU_UPDATE_GOLDEN === '1';

describeOltpEngines('StarRocks golden SQL', (ctx) => {
  let sqlPath: StarRocksSqlPath;
  let engine: DuckDbEngine | undefined;
  let conditions: ConditionsService;
  let tenantId = '';

  beforeAll(async () => {
    sqlPath = await StarRocksSqlPath.open();
    engine = await DuckDbEngine.open({ path: ':memory:', versions: new OltpSchemaVersionStore(ctx.fixture.oltp), threads: 1 });
    await engine.start();
    tenantId = await insertTenant(ctx.fixture.oltp);
    await engine.forTenant(tenantId).declare(reportDeclaration);
    conditions = conditionsService(withStarRocksDialect(engine), ctx.fixture.oltp, new MembershipDouble());
  });
  afterAll(async () => {
    sqlPath?.close();
    await engine?.close();
  });

  /** Checks each case against its file (or writes it); returns the problems, all of them. */
  async function check(cases: GoldenCase[]): Promise<string[]> {
    const problems: string[] = [];
    for (const item of cases) {
      const where = `${item.area}/${item.name}`;
      let result;
      try {
        result = await sqlPath.run(item);
      } catch (error) {
        problems.push(`${where}: ${(error as Error).message}`);
        continue;
      }
      if (!(await sqlPath.parses(result.resolved)))
        problems.push(`${where}: the resolved SQL does not parse with DuckDB's parser`);
      if (normalizeSql(formatSql(result.physical)) !== normalizeSql(result.physical))
        problems.push(`${where}: formatting changed the SQL`);
      const file = path.join(GOLDEN_DIR, item.area, `${item.name}.sql`);
      const text = goldenText(item, result);
      if (UPDATE) {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, text);
      } else if (!existsSync(file)) problems.push(`${where}: no golden file (run with HUILIU_UPDATE_GOLDEN=1, then review it)`);
      else if (readFileSync(file, 'utf8') !== text)
        problems.push(`${where}: differs from its golden file:\n${text}\n--- file ---\n${readFileSync(file, 'utf8')}`);
    }
    return problems;
  }

  it('matches the golden files of the engine contract suite’s SQL', async () => {
    expect(await check(contractCases())).toEqual([]);
  });

  it('matches the golden files of the condition fixtures (every leaf and operator kind)', async () => {
    expect(await check(conditionCases())).toEqual([]);
  });

  it('matches the golden files of every report model', async () => {
    expect(await check(await reportCases(conditions, tenantId))).toEqual([]);
  });

  it('matches the golden files of the contact list, home and contact exports', async () => {
    expect(await check(moduleCases())).toEqual([]);
  });

  it('matches the golden files of operator SQL run with StarRocks’ allow-lists', async () => {
    expect(await check(operatorCases())).toEqual([]);
  });

  it('has no golden file without a query that produces it', async () => {
    const expected = new Set(
      [
        ...contractCases(),
        ...conditionCases(),
        ...(await reportCases(conditions, tenantId)),
        ...moduleCases(),
        ...operatorCases(),
      ].map((item) => `${item.area}/${item.name}.sql`),
    );
    const files = readdirSync(GOLDEN_DIR, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.sql'))
      .map((file) => file.split(path.sep).join('/'))
      // ddl/: the engine's DDL goldens, written and checked by engine.test.ts (ADR 0064).
      .filter((file) => !file.startsWith('ddl/'));
    expect(files.filter((file) => !expected.has(file))).toEqual([]);
    expect(files.length).toBe(expected.size);
  });
});
