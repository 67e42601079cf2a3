import type { OltpMigration } from './types.js';

/**
 * 群组 names are unique among a tenant's live groups, also for requests racing on MariaDB (R22B-7:
 * eight concurrent creations of one name — 新建静态组, 保存为群组 from a report cell — made up to eight
 * groups of it; the name check reads before the insert). As for 互斥组 (migration 0032): `live_name` is
 * the name while the group lives and NULL once deleted (a deleted group keeps its row and id), under a
 * unique (tenant, live_name) index; a NULL never collides.
 */
export const groupNames: OltpMigration = {
  name: '0036_group_names',
  async up(knex) {
    await knex.schema.alterTable('user_group', (t) => {
      t.string('live_name', 64).nullable();
    });
    // Existing live groups: the oldest of a name keeps it (a duplicate made before this stays listed,
    // without the guard, until renamed).
    const rows = (await knex('user_group').whereNull('deleted_at').orderBy('id').select('id', 'tenant_id', 'name')) as {
      id: number | string;
      tenant_id: number | string;
      name: string;
    }[];
    const seen = new Set<string>();
    for (const row of rows) {
      const key = `${String(row.tenant_id)}\u0000${row.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      await knex('user_group').where('id', row.id).update({ live_name: row.name });
    }
    await knex.schema.alterTable('user_group', (t) => {
      t.unique(['tenant_id', 'live_name'], { indexName: 'user_group_live_name_unique' });
    });
  },
  async down(knex) {
    await knex.schema.alterTable('user_group', (t) => {
      t.dropUnique(['tenant_id', 'live_name'], 'user_group_live_name_unique');
      t.dropColumn('live_name');
    });
  },
};
