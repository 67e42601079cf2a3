import type { OlapRelationDefinition, PropertyType, ReportModelDefinition } from '../../kernel/contributions.js';
import type { OlapTenantDeclaration } from './declaration.js';
import { DuckDbEngine } from './duckdb/duckdb-engine.js';
import { OlapSqlRefusedError } from './errors.js';
import { MemorySchemaVersionStore } from './schema-versions.js';

export interface ReportSqlCheckOptions {
  timeZone?: string;
  /** System properties (`s_…`) the models may use, e.g. the plugin's event types' properties. */
  systemProperties?: { id: string; type: PropertyType }[];
  /** Plugin relations the models may read. */
  relations?: readonly OlapRelationDefinition[];
  /** Per-query time limit (default 10 s). */
  timeoutMs?: number;
}

export interface ReportSqlCheck {
  model: string;
  example: number;
  columns: string[];
}

const TENANT = '1';

/**
 * The report-SQL part of `expectPluginContract`: every example of every report model that has
 * `toSql` is turned into SQL and run against a throwaway in-memory DuckDB tenant, with the logical
 * relations substituted as in production — through the same SQL guard as every tenant query
 * (ADR 0009), so SQL naming a physical table, a schema or a table function is refused here, at
 * contract time. A model whose SQL is refused, does not bind or does not run fails with its id,
 * the example's index and the SQL.
 */
export async function checkReportModelSql(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  models: Iterable<ReportModelDefinition<any>>,
  options: ReportSqlCheckOptions = {},
): Promise<ReportSqlCheck[]> {
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  const engine = await DuckDbEngine.open({
    path: ':memory:',
    versions: new MemorySchemaVersionStore(),
    readConnections: 1,
    threads: 1,
  });
  const checks: ReportSqlCheck[] = [];
  try {
    engine.setPluginRelations(options.relations ?? []);
    const tenant = engine.forTenant(TENANT);
    const systemProperties = options.systemProperties ?? [];
    const declaration: OlapTenantDeclaration = {
      timeZone,
      events: [{ code: 'sample_event', alias: 'sample_event' }],
      eventProperties: [
        { id: '1', name: 'sample_text', type: 'string' },
        { id: '2', name: 'sample_amount', type: 'number' },
        ...systemProperties.map((p, index) => ({ id: String(index + 100), name: p.id, type: p.type })),
      ],
      contactAttributes: [{ id: '1', type: 'string' }],
      dimensions: [],
    };
    await tenant.declare(declaration);
    // A few rows, so the SQL runs through execution (casts, date functions), not just binding.
    const now = Date.now();
    await tenant.load({
      batchId: 'report-sql-check',
      contacts: [1, 2].map((id) => ({ id, identified: true, name: `sample ${id}`, createdAt: now, updatedAt: now })),
      events: [1, 2, 3].map((i) => ({
        eventTime: now - i * 86_400_000,
        event: 'sample_event',
        contactId: (i % 2) + 1,
        messageId: `sample-${i}`,
        direction: 'inbound' as const,
        properties: { sample_text: `text ${i}`, sample_amount: i * 10 },
      })),
    });

    for (const model of models) {
      if (!model.toSql) continue;
      for (const [index, example] of model.examples.entries()) {
        const where = `report model "${model.id}" example #${index + 1}`;
        let sql: string;
        try {
          sql = model.toSql(example, { timeZone });
        } catch (error) {
          throw new Error(`${where}: toSql threw: ${(error as Error).message}`);
        }
        try {
          const result = await tenant.query(sql, { timeoutMs: options.timeoutMs ?? 10_000, maxRows: 100 });
          checks.push({ model: model.id, example: index + 1, columns: result.columns.map((c) => c.name) });
        } catch (error) {
          if (error instanceof OlapSqlRefusedError) {
            throw new Error(
              `${where}: its SQL is refused by the OLAP SQL guard (${error.reason}: ${error.refused}); ` +
                `report SQL may read only the logical relations and its own CTEs\n${sql}`,
            );
          }
          throw new Error(`${where}: its SQL fails on DuckDB: ${(error as Error).message}\n${sql}`);
        }
      }
    }
  } finally {
    await engine.close();
  }
  return checks;
}
