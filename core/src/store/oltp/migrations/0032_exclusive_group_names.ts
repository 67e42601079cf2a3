import type { OltpMigration } from './types.js';

/**
 * 互斥组 names are unique among a tenant's live exclusive groups, also for requests racing on
 * MariaDB (R20-X1: four concurrent creations made three groups of one name). `live_name` is the name
 * while the group lives and NULL once deleted (a deleted group keeps its row and id), under a unique
 * (tenant, live_name) index; a NULL never collides.
 */
export const exclusiveGroupNames: OltpMigration = {
  name: '0032_exclusive_group_names',
  async up(knex) {
    await knex.schema.alterTable('exclusive_group', (t) => {
      t.string('live_name', 64).nullable();
    });
    // Existing live groups: the oldest of a name keeps it (a duplicate made before this stays listed,
    // without the guard, until renamed).
    const rows = (await knex('exclusive_group').whereNull('deleted_at').orderBy('id').select('id', 'tenant_id', 'name')) as {
      id: number | string;
      tenant_id: number | string;
      name: string;
    }[];
    const seen = new Set<string>();
    for (const row of rows) {
      const key = `${String(row.tenant_id)}\u0000${row.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      await knex('exclusive_group').where('id', row.id).update({ live_name: row.name });
    }
    await knex.schema.alterTable('exclusive_group', (t) => {
      t.unique(['tenant_id', 'live_name'], { indexName: 'exclusive_group_live_name_unique' });
    });
  },
  async down(knex) {
    await knex.schema.alterTable('exclusive_group', (t) => {
      t.dropUnique(['tenant_id', 'live_name'], 'exclusive_group_live_name_unique');
      t.dropColumn('live_name');
    });
  },
};
