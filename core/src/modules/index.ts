import type { ModuleDefinition } from '../kernel/define-module.js';
import { scheduleModule } from '../jobs/schedule.module.js';
import { tasksModule } from '../jobs/tasks.module.js';
import { appsModule } from './apps/apps.module.js';
import { auditModule } from './audit/audit.module.js';
import { channelsModule } from './channels/channels.module.js';
import { demoModule } from './demo/demo.module.js';
import { departmentsModule } from './departments/departments.module.js';
import { contactsModule } from './contacts/contacts.module.js';
import { contactExportsModule } from './contact-exports/contact-exports.module.js';
import { dashboardsModule } from './dashboards/dashboards.module.js';
import { dedupeModule } from './dedupe/dedupe.module.js';
import { contactErasuresModule } from './contact-erasures/contact-erasures.module.js';
import { contactImportsModule } from './contact-imports/contact-imports.module.js';
import { conditionsModule } from './conditions/conditions.module.js';
import { filesModule } from './files/files.module.js';
import { groupsModule } from './groups/groups.module.js';
import { groupSelectionsModule } from './group-selections/group-selections.module.js';
import { homeModule } from './home/home.module.js';
import { ingestionModule } from './ingestion/ingestion.module.js';
import { maskingModule } from './masking/masking.module.js';
import { metadataModule } from './metadata/metadata.module.js';
import { notificationsModule } from './notifications/notifications.module.js';
import { pluginsModule } from './plugins/plugins.module.js';
import { reportsModule } from './reports/reports.module.js';
import { setupModule } from './setup/setup.module.js';
import { staffModule } from './staff/staff.module.js';
import { tenancyModule } from './tenancy/tenancy.module.js';
import { tagsModule } from './tags/tags.module.js';
import { tenantPluginsModule } from './tenant-plugins/tenant-plugins.module.js';

/**
 * Core's modules. Each registers through the kernel's extension points like a plugin; the kernel
 * orders them by their `dependencies`, and no plugin may take their ids.
 */
export const coreModules: readonly ModuleDefinition[] = [
  tenancyModule,
  tenantPluginsModule,
  demoModule,
  auditModule,
  channelsModule,
  staffModule,
  departmentsModule,
  setupModule,
  appsModule,
  homeModule,
  conditionsModule,
  metadataModule,
  maskingModule,
  contactsModule,
  dedupeModule,
  ingestionModule,
  filesModule,
  tasksModule,
  scheduleModule,
  notificationsModule,
  contactExportsModule,
  contactErasuresModule,
  contactImportsModule,
  groupsModule,
  groupSelectionsModule,
  tagsModule,
  reportsModule,
  dashboardsModule,
  pluginsModule,
];
