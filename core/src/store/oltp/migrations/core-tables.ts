/**
 * Every table core's migrations create (a test compares this list with a freshly migrated
 * database). Plugin ids may not take these names or a prefix of them, and core tables never
 * contain `__`, the separator of plugin tables (`<plugin>__<table>`).
 */
export const coreTables: readonly string[] = [
  'knex_migrations',
  'knex_migrations_lock',
  'tenant',
  'staff',
  'staff_session',
  'api_app',
  'api_token',
  'channel',
  'task',
  'task_mutex',
  'stored_file',
  'notification',
  'olap_schema',
  'auth_throttle',
  'process_lease',
  'meta_contact_field',
  'meta_event_property',
  'meta_event_type',
  'meta_event_type_property',
  'meta_virtual_event',
  'meta_dimension_table',
  'meta_dimension_field',
  'meta_dictionary_entry',
  'contact',
  'channel_account',
  'contact_change',
  'inbox',
  'load_batch',
  'quarantine',
  'ingest_issue',
  'ingest_partition',
];
