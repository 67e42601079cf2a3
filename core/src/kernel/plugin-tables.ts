import type { Logger } from 'pino';
import { coreTables } from '../store/oltp/migrations/core-tables.js';
import type { OltpMigration } from '../store/oltp/migrations/types.js';
import type { OltpStore, RelationShape, SchemaSnapshot } from '../store/oltp/oltp-store.js';
import { PluginError } from './plugin-error.js';

/**
 * Names of core's modules and areas. A plugin may not take one as its id (its routes, permissions,
 * task kinds and tables are namespaced by the id, and an id like `staff` reads as core's).
 */
export const coreModuleNames: readonly string[] = [
  'api',
  'apps',
  'audit',
  'auth',
  'channels',
  'cli',
  'collect',
  'conditions',
  'contact-exports',
  'contact-erasures',
  'contactImports',
  'contacts',
  'core',
  'dashboards',
  'dedupe',
  'demo',
  'departments',
  'files',
  'group-selections',
  'groups',
  'home',
  'identity',
  'ingest',
  'ingestion',
  'integrations',
  'jobs',
  'journeys',
  'kernel',
  'links',
  'masking',
  'metadata',
  'notifications',
  'olap',
  'oltp',
  'plugins',
  'reports',
  'schedule',
  'segments',
  'server',
  'setup',
  'staff',
  'store',
  'system',
  'tags',
  'tasks',
  'tenancy',
  'tenant',
  'tenant-plugins',
];

/** `custom-channel` → `custom_channel` (the id as a table-name stem). */
function stem(pluginId: string): string {
  return pluginId.replace(/-/g, '_');
}

/**
 * The prefix of a plugin's OLTP tables: `custom-channel` → `custom_channel__`. Plugin ids are
 * kebab-case without `--`, so a stem never contains `__` and no plugin's prefix can start another
 * plugin's tables; core tables never contain `__` either.
 */
export function tablePrefix(pluginId: string): string {
  return `${stem(pluginId)}__`;
}

/** The knex migration table of a plugin: `<prefix>migrations`, e.g. `custom_channel__migrations`. */
export function migrationTable(pluginId: string): string {
  return `${tablePrefix(pluginId)}migrations`;
}

/** Before 0.1.x plugins used `<stem>_` (which `staff` shared with core's `staff_session`). */
function legacyPrefix(pluginId: string): string {
  return `${stem(pluginId)}_`;
}

function legacyMigrationTable(pluginId: string): string {
  return `${legacyPrefix(pluginId)}migrations`;
}

/** Why a plugin id is reserved, or undefined when it is free. */
export function reservedIdReason(pluginId: string): string | undefined {
  if (coreModuleNames.includes(pluginId)) return `the id "${pluginId}" is reserved: it names a core module`;
  const tableStem = stem(pluginId);
  if (coreTables.includes(tableStem)) return `the id "${pluginId}" is reserved: it names the core table "${tableStem}"`;
  const collision = coreTables.find((table) => table.startsWith(`${tableStem}_`));
  if (collision) return `the id "${pluginId}" is reserved: it is a prefix of the core table "${collision}"`;
  return undefined;
}

/** Throws unless a plugin may name `table` at run time (only its own `<prefix>…` tables). */
export function assertOwnTable(pluginId: string, table: string): void {
  if (typeof table !== 'string' || !table.startsWith(tablePrefix(pluginId)) || table.length === tablePrefix(pluginId).length) {
    throw new PluginError(pluginId, `may use only its own tables ("${tablePrefix(pluginId)}…"), not "${String(table)}"`);
  }
}

/**
 * Which tables a plugin's migration may touch: `'own'` — its `<prefix>…` tables, which it may also
 * create; `'legacy'` — its tables from before the `__` separator (`<stem>_…`, neither core's nor
 * those of another loaded plugin with a longer id), which it may alter, rename or drop but never
 * create anew; `false` — anything else.
 */
export function tableOwnership(
  pluginId: string,
  loadedPluginIds: readonly string[],
): (table: string) => 'own' | 'legacy' | false {
  const prefix = tablePrefix(pluginId);
  const legacy = legacyPrefix(pluginId);
  const longer = loadedPluginIds.filter((id) => id !== pluginId && legacyPrefix(id).startsWith(legacy)).map(legacyPrefix);
  return (table) => {
    if (table.startsWith(prefix)) return 'own';
    const isLegacy =
      table.startsWith(legacy) &&
      !table.includes('__') &&
      !coreTables.includes(table) &&
      !longer.some((other) => table.startsWith(other));
    return isLegacy ? 'legacy' : false;
  };
}

/** What a migration did to relations its plugin does not own (a new relation must be its own). */
export function foreignChanges(
  before: SchemaSnapshot,
  after: SchemaSnapshot,
  owned: (table: string) => 'own' | 'legacy' | false,
): string[] {
  const changes: string[] = [];
  for (const [name, shape] of after) {
    const previous = before.get(name);
    if (!previous) {
      if (owned(name) !== 'own') changes.push(`created ${shape.kind} "${name}"`);
      continue;
    }
    if (owned(name)) continue;
    const what = differences(previous, shape);
    if (what.length) changes.push(`altered ${shape.kind} "${name}" (${what.join(', ')})`);
  }
  for (const [name, shape] of before) {
    if (!owned(name) && !after.has(name)) changes.push(`dropped ${shape.kind} "${name}"`);
  }
  return changes;
}

function differences(before: RelationShape, after: RelationShape): string[] {
  const out: string[] = [];
  for (const column of after.columns.keys()) if (!before.columns.has(column)) out.push(`added column ${column}`);
  for (const [column, type] of before.columns) {
    if (!after.columns.has(column)) out.push(`dropped column ${column}`);
    else if (after.columns.get(column) !== type) out.push(`changed column ${column}`);
  }
  const added = [...after.details].filter((d) => !before.details.has(d));
  const removed = [...before.details].filter((d) => !after.details.has(d));
  if (added.length || removed.length) out.push('changed indexes, keys or triggers');
  return out;
}

/** Refused or failed; carries the schema before the migration so the kernel can undo it. */
class MigrationStopped extends Error {
  constructor(
    readonly migration: OltpMigration,
    readonly before: SchemaSnapshot,
    readonly changes: string[],
    readonly failure: unknown,
  ) {
    super(changes.length ? changes.join('; ') : ((failure as Error)?.message ?? String(failure)));
  }
}

export interface PluginMigrationContext {
  pluginId: string;
  migrations: readonly OltpMigration[];
  loadedPluginIds: readonly string[];
  oltp: OltpStore;
  logger: Logger;
}

/**
 * Runs a plugin's pending migrations so that one touching a table the plugin does not own is
 * refused and undone, on every start (an undone migration is not recorded, so it runs — and is
 * refused — again next time):
 *
 * - each migration's `up` is bracketed by a snapshot of the schema (through its transaction);
 *   creating, altering (columns, indexes, keys, triggers) or dropping a relation the plugin does not
 *   own throws inside the transaction;
 * - SQLite rolls the DDL back with the transaction;
 * - MySQL/MariaDB commit DDL at once: the kernel then runs the migration's `down`, drops what it
 *   created and the columns and indexes it added to other tables, and names whatever it could not
 *   restore (a dropped table or column of someone else).
 */
export async function runPluginMigrations(context: PluginMigrationContext): Promise<string[]> {
  const { pluginId, oltp } = context;
  const owned = tableOwnership(pluginId, context.loadedPluginIds);
  await adoptLegacyMigrationTable(pluginId, oltp);
  const guarded = context.migrations.map((migration): OltpMigration => ({
    name: migration.name,
    down: migration.down,
    async up(knex, columns) {
      const before = await oltp.describeSchema(knex);
      try {
        await migration.up(knex, columns);
      } catch (error) {
        throw new MigrationStopped(migration, before, [], error);
      }
      const changes = foreignChanges(before, await oltp.describeSchema(knex), owned);
      if (changes.length) throw new MigrationStopped(migration, before, changes, undefined);
    },
  }));
  try {
    return await oltp.migrate(guarded, migrationTable(pluginId));
  } catch (error) {
    if (!(error instanceof MigrationStopped)) throw new PluginError(pluginId, `migrations failed: ${(error as Error).message}`);
    const left = await undo(error, context);
    const residue = left.length ? `; could not be undone: ${left.join('; ')}` : '';
    if (error.changes.length) {
      throw new PluginError(
        pluginId,
        `migration "${error.migration.name}" was refused and rolled back: it ${error.changes.join('; ')} — a plugin's tables must start with "${tablePrefix(pluginId)}" and it may not change other tables${residue}`,
      );
    }
    throw new PluginError(
      pluginId,
      `migration "${error.migration.name}" failed and was rolled back: ${(error.failure as Error)?.message ?? String(error.failure)}${residue}`,
    );
  }
}

/** Brings the schema back to `before` as far as possible; returns what could not be restored. */
async function undo(stopped: MigrationStopped, context: PluginMigrationContext): Promise<string[]> {
  const { oltp, logger, pluginId } = context;
  let now = await oltp.describeSchema();
  if (sameSchema(stopped.before, now)) return []; // SQLite: the transaction took it all back.
  try {
    await stopped.migration.down(oltp.knex);
  } catch (error) {
    logger.warn({ plugin: pluginId, err: error, migration: stopped.migration.name }, 'down() of a refused migration failed');
  }
  now = await oltp.describeSchema();
  const knex = oltp.knex;
  const mysql = oltp.info.client !== 'sqlite';
  const created = [...now.keys()].filter((name) => !stopped.before.has(name));
  if (mysql) await knex.raw('SET FOREIGN_KEY_CHECKS = 0');
  try {
    for (const name of created) {
      if (now.get(name)!.kind === 'view') await knex.schema.dropViewIfExists(name);
      else await knex.schema.dropTableIfExists(name);
    }
    for (const [name, previous] of stopped.before) {
      const shape = now.get(name);
      if (!shape) continue;
      const added = [...shape.details].filter((detail) => !previous.details.has(detail)).map((detail) => detail.split(':'));
      // Foreign keys before the indexes they use; columns last.
      for (const [kind, detailName] of added) {
        if (kind === 'trigger') await knex.raw(`DROP TRIGGER IF EXISTS ${quote(oltp, detailName!)}`);
        if (kind === 'foreign' && mysql)
          await ignore(knex.raw(`ALTER TABLE ${quote(oltp, name)} DROP FOREIGN KEY ${quote(oltp, detailName!)}`));
      }
      for (const [kind, detailName] of added) {
        if (kind === 'index' && mysql && detailName !== 'PRIMARY' && !previousIndex(previous, detailName!)) {
          await ignore(knex.raw(`ALTER TABLE ${quote(oltp, name)} DROP INDEX ${quote(oltp, detailName!)}`));
        }
        if (kind === 'index' && !mysql) await knex.raw(`DROP INDEX IF EXISTS ${quote(oltp, detailName!)}`);
      }
      for (const column of shape.columns.keys()) {
        if (!previous.columns.has(column)) await ignore(knex.schema.alterTable(name, (t) => void t.dropColumn(column)));
      }
    }
  } finally {
    if (mysql) await knex.raw('SET FOREIGN_KEY_CHECKS = 1');
  }
  const owned = tableOwnership(pluginId, context.loadedPluginIds);
  return foreignChanges(stopped.before, await oltp.describeSchema(), owned);
}

async function ignore(work: PromiseLike<unknown>): Promise<void> {
  try {
    await work;
  } catch {
    // Best effort: whatever stays is reported as not undone.
  }
}

function previousIndex(previous: RelationShape, indexName: string): boolean {
  return [...previous.details].some((d) => d.startsWith(`index:${indexName}:`));
}

function sameSchema(a: SchemaSnapshot, b: SchemaSnapshot): boolean {
  return foreignChanges(a, b, () => false).length === 0;
}

function quote(oltp: OltpStore, identifier: string): string {
  return oltp.info.client === 'sqlite' ? `"${identifier.replace(/"/g, '""')}"` : `\`${identifier.replace(/`/g, '``')}\``;
}

/**
 * Moves a migration table from before the `__` separator (`custom_channel_migrations`) to its new
 * name, so the plugin's applied migrations stay applied (its lock table is recreated by knex).
 */
async function adoptLegacyMigrationTable(pluginId: string, oltp: OltpStore): Promise<void> {
  const legacy = legacyMigrationTable(pluginId);
  // (knex.schema is a new builder on each access: never keep one for several statements.)
  const { knex } = oltp;
  if (!(await knex.schema.hasTable(legacy)) || (await knex.schema.hasTable(migrationTable(pluginId)))) return;
  await knex.schema.renameTable(legacy, migrationTable(pluginId));
  await knex.schema.dropTableIfExists(`${legacy}_lock`);
}
