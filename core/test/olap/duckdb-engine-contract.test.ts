import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { AnalyticsEngine } from '../../src/store/olap/analytics-engine.js';
import { DuckDbEngine } from '../../src/store/olap/duckdb/duckdb-engine.js';
import { OltpSchemaVersionStore } from '../../src/store/olap/schema-versions.js';
import { analyticsEngineContract, type EngineContractFixture } from './engine-contract.js';
import { describeOltpEngines, insertTenant } from './support.js';

// The engine contract on DuckDB, with the schema versions recorded in each OLTP engine.
describeOltpEngines('AnalyticsEngine contract on DuckDB', (ctx) => {
  let engine: DuckDbEngine | undefined;
  const file = () => path.join(ctx.fixture.dir, 'analytics.duckdb');
  const open = () => DuckDbEngine.open({ path: file(), versions: new OltpSchemaVersionStore(ctx.fixture.oltp), threads: 2 });

  beforeAll(async () => {
    engine = await open();
    await engine.start();
  });
  afterAll(async () => {
    await engine?.close();
  });

  const fixture: EngineContractFixture = {
    engine: (): AnalyticsEngine => {
      if (!engine) throw new Error('engine not open');
      return engine;
    },
    newTenant: (options) => insertTenant(ctx.fixture.oltp, options),
    async restart(options = {}) {
      await engine?.close();
      if (options.wipe) {
        rmSync(file(), { force: true });
        rmSync(`${file()}.wal`, { force: true });
      }
      engine = await open();
      return engine;
    },
    // Minutes of hashing on two cores, no data needed.
    slowQuery: 'SELECT sum(hash(i)) AS n FROM range(1000000000000) AS t(i)',
  };
  analyticsEngineContract({ fixture });
});
