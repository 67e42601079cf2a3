import type { Knex } from 'knex';
import type { Columns } from '../columns.js';

export interface OltpMigration {
  /** Sortable, never renamed once released: `<4 digits>_<what>`. */
  name: string;
  up(knex: Knex, columns: Columns): Promise<void>;
  down(knex: Knex): Promise<void>;
}
