import type { Knex } from 'knex';
import type { OltpClient } from './knex.js';

/**
 * The shared column conventions (ARCHITECTURE §3) as helpers, so every module's migration spells
 * them the same way on SQLite and MySQL.
 */
export class Columns {
  constructor(private readonly client: OltpClient) {}

  /** BIGINT auto-increment surrogate key, global across tenants. */
  id(table: Knex.CreateTableBuilder, name = 'id'): void {
    table.bigIncrements(name).primary();
  }

  /** The owning tenant: every tenant-owned table has it, indexed, with a foreign key. */
  tenant(table: Knex.CreateTableBuilder): void {
    table.bigInteger('tenant_id').unsigned().notNullable().references('id').inTable('tenant').onDelete('CASCADE');
    table.index(['tenant_id']);
  }

  /** A reference to another row's BIGINT id. */
  ref(table: Knex.CreateTableBuilder, name: string): Knex.ColumnBuilder {
    return table.bigInteger(name).unsigned();
  }

  /** An instant as epoch milliseconds (UTC). */
  epochMs(table: Knex.CreateTableBuilder, name: string): Knex.ColumnBuilder {
    return table.bigInteger(name);
  }

  /** `created_at` and `updated_at` as epoch milliseconds. */
  timestamps(table: Knex.CreateTableBuilder): void {
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
  }

  /**
   * A case-sensitive identifier (externalId, openId, writeKey, token hashes, metadata IDs):
   * binary collation on MySQL; SQLite compares with BINARY by default.
   */
  identifier(table: Knex.CreateTableBuilder, name: string, length = 191): Knex.ColumnBuilder {
    const column = table.string(name, length);
    if (this.client === 'mysql') column.collate('utf8mb4_bin');
    return column;
  }

  /** A calendar date `'YYYY-MM-DD'`. */
  date(table: Knex.CreateTableBuilder, name: string): Knex.ColumnBuilder {
    return table.string(name, 10);
  }
}
