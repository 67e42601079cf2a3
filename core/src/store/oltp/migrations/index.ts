import type { OltpMigration } from './types.js';
import { platform } from './0001_platform.js';
import { channels } from './0002_channels.js';
import { jobs } from './0003_jobs.js';
import { olap } from './0004_olap.js';
import { jobsRetention } from './0005_jobs_retention.js';
import { authThrottle } from './0006_auth_throttle.js';
import { processLease } from './0007_process_lease.js';
import { metadata } from './0008_metadata.js';
import { ingestion } from './0009_ingestion.js';
import { identity } from './0010_identity.js';
import { roles } from './0011_roles.js';
import { passwordReset } from './0012_password_reset.js';
import { mfa } from './0013_mfa.js';
import { departments } from './0014_departments.js';
import { fieldMasking } from './0015_field_masking.js';
import { operationLog } from './0016_operation_log.js';
import { demo } from './0017_demo.js';
import { contactList } from './0018_contact_list.js';
import { contactViewSettings } from './0019_contact_view_settings.js';
import { contactImports } from './0020_contact_imports.js';
import { contactExports } from './0021_contact_exports.js';
import { dedupe } from './0022_dedupe.js';
import { homeUsage } from './0023_home_usage.js';
import { contactErasures } from './0024_contact_erasures.js';
import { tenantPlugins } from './0025_tenant_plugins.js';
import { channelSettings } from './0026_channel_settings.js';
import { groups } from './0027_groups.js';
import { tags } from './0028_tags.js';
import { groupSelections } from './0030_group_selections.js';
import { realtimeGroups } from './0031_realtime_groups.js';
import { exclusiveGroupNames } from './0032_exclusive_group_names.js';
import { tagRuns } from './0033_tag_runs.js';
import { dashboards } from './0034_dashboards.js';
import { reportProfiles } from './0035_report_profiles.js';
import { groupNames } from './0036_group_names.js';
import { olapTenantState } from './0037_olap_tenant_state.js';
import { ingestWorker } from './0038_ingest_worker.js';
import { olapWriteLease } from './0039_olap_write_lease.js';
import { olapReconciled } from './0040_olap_reconciled.js';

/** Core's migration set, in order. Never edit a released migration: add the next one. */
export const coreMigrations: readonly OltpMigration[] = [
  platform,
  channels,
  jobs,
  olap,
  jobsRetention,
  authThrottle,
  processLease,
  metadata,
  ingestion,
  identity,
  roles,
  passwordReset,
  mfa,
  departments,
  fieldMasking,
  operationLog,
  demo,
  contactList,
  contactViewSettings,
  contactImports,
  contactExports,
  dedupe,
  homeUsage,
  contactErasures,
  tenantPlugins,
  channelSettings,
  groups,
  tags,
  groupSelections,
  realtimeGroups,
  exclusiveGroupNames,
  tagRuns,
  dashboards,
  reportProfiles,
  groupNames,
  olapTenantState,
  ingestWorker,
  olapWriteLease,
  olapReconciled,
];
