import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import type { OlapEventRow } from '../../src/store/olap/analytics-engine.js';
import type { OlapTenantDeclaration } from '../../src/store/olap/declaration.js';
import { createKnex } from '../../src/store/oltp/knex.js';
import { olap } from '../../src/store/oltp/migrations/0004_olap.js';
import { coreMigrations } from '../../src/store/oltp/migrations/index.js';
import type { OltpMigration } from '../../src/store/oltp/migrations/types.js';
import { OltpStore } from '../../src/store/oltp/oltp-store.js';
import { createMysqlDatabase, testEngines, type Engine } from '../support/engines.js';

/** Core's migrations plus 0004_olap (until it is wired into coreMigrations; then it is a no-op). */
export function migrationsWithOlap(): OltpMigration[] {
  return coreMigrations.some((m) => m.name === olap.name) ? [...coreMigrations] : [...coreMigrations, olap];
}

export interface OltpFixture {
  oltp: OltpStore;
  engine: Engine;
  /** A scratch directory removed at close. */
  dir: string;
  close(): Promise<void>;
}

/** A migrated OLTP store on a fresh SQLite file or a fresh MariaDB database. */
export async function createOltp(engine: Engine): Promise<OltpFixture> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'huiliu-olap-'));
  const database = engine === 'mariadb' ? await createMysqlDatabase() : undefined;
  const { knex, info } = await createKnex({ dataDir: dir, oltpUrl: database?.url });
  const oltp = new OltpStore(knex, info);
  await oltp.migrate(migrationsWithOlap());
  return {
    oltp,
    engine,
    dir,
    async close() {
      await oltp.close();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let tenantSequence = 0;

/** A tenant row (the OLAP schema records reference it). */
export async function insertTenant(oltp: OltpStore, options: { timeZone?: string } = {}): Promise<string> {
  tenantSequence += 1;
  const now = Date.now();
  const [id] = await oltp.knex('tenant').insert({
    name: `OLAP tenant ${tenantSequence}`,
    time_zone: options.timeZone ?? 'Asia/Shanghai',
    status: 'active',
    created_at: now,
    updated_at: now,
  });
  return String(id);
}

/** Runs a suite once per OLTP engine (SQLite, MariaDB) with its own migrated store. */
export function describeOltpEngines(
  name: string,
  suite: (ctx: { readonly fixture: OltpFixture; readonly engine: Engine }) => void,
): void {
  for (const engine of testEngines()) {
    describe(`${name} [${engine}]`, () => {
      let fixture: OltpFixture | undefined;
      beforeAll(async () => {
        fixture = await createOltp(engine);
      });
      afterAll(async () => {
        await fixture?.close();
      });
      suite({
        get fixture() {
          if (!fixture) throw new Error('OLTP fixture not ready');
          return fixture;
        },
        engine,
      });
    });
  }
}

/** A small declaration: two custom properties, one system property, one attribute, one dimension. */
export function sampleDeclaration(overrides: Partial<OlapTenantDeclaration> = {}): OlapTenantDeclaration {
  return {
    timeZone: 'Asia/Shanghai',
    events: [
      { code: 'purchase', alias: 'purchase' },
      { code: 'subscribe', alias: 'wechat_subscribe' },
    ],
    eventProperties: [
      { id: '11', name: 'amount', type: 'number' },
      { id: '12', name: 'sku', type: 'string' },
      { id: '13', name: 's_msg_type', type: 'string' },
    ],
    contactAttributes: [{ id: '21', type: 'integer', name: 'level' }],
    dimensions: [
      {
        id: '31',
        fields: [
          { id: '1', type: 'string' },
          { id: '2', type: 'number' },
        ],
      },
    ],
    ...overrides,
  };
}

let messageSequence = 0;

/** An event row with sensible defaults; `eventTime` defaults to 2026-11-20T02:00Z. */
export function eventRow(overrides: Partial<OlapEventRow> = {}): OlapEventRow {
  messageSequence += 1;
  return {
    eventTime: Date.UTC(2026, 10, 20, 2, 0, 0),
    event: 'purchase',
    contactId: '1001',
    messageId: `msg-${process.pid}-${messageSequence}`,
    direction: 'inbound',
    channelId: '7',
    channelAccountId: '70',
    properties: {},
    ...overrides,
  };
}

/** Numbers out of bigint-typed results. */
export const num = (value: unknown): number => Number(value);
