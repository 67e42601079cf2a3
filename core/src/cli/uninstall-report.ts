import type { HuiliuApp } from '../app.js';
import { migrationTable, tablePrefix } from '../kernel/plugin-tables.js';
import { taskQueueRef } from '../jobs/task-queue.js';
import { channelsServiceRef } from '../modules/channels/channels.service.js';
import { contactUsageServiceRef } from '../modules/contacts/usage.js';
import { rolesServiceRef } from '../modules/staff/roles.service.js';
import { tenantServiceRef } from '../modules/tenancy/tenant.service.js';
import { pluginEnablementRef } from '../modules/tenant-plugins/plugin-enablement.js';

/** Numbers per tenant id (only tenants with some), and their sum. */
export interface PerTenant {
  total: number;
  byTenant: Record<string, number>;
}

/**
 * What a plugin leaves behind (`huiliu plugins uninstall-report <id>`, ADR 0041): its data in every
 * store and tenant, and what is left to remove by hand. Nothing is changed.
 */
export interface UninstallReport {
  pluginId: string;
  /** Whether this installation loads the plugin now. When not, only what its table prefix finds is known. */
  loaded: boolean;
  version: string | null;
  /** The loaded plugins whose dependencies name it. */
  dependants: string[];
  tenants: { id: string; name: string; status: string }[];
  /** Operators' per-tenant switches of it (`tenant_plugin` rows). */
  switches: { tenantId: string; enabled: boolean; changedAt: number; changedBy: string | null }[];
  /** Its OLTP tables (prefix `<id>__`), with rows per tenant (null: the table has no tenant_id). */
  tables: { name: string; rows: number; byTenant: Record<string, number> | null }[];
  /** Its migration table and the migrations recorded there. */
  migrations: { table: string; applied: string[] } | null;
  /** Values in the SecretBox format (third-party credentials it sealed) found in its tables. */
  sealedSecrets: { table: string; column: string; count: number }[];
  channelTypes: ({ type: string } & PerTenant)[];
  userIdTypes: ({ id: string } & PerTenant)[];
  /** Its event types and the events of them in OLAP (null when OLAP could not be asked). */
  eventTypes: { code: string; events: PerTenant | null }[];
  olapRelations: { name: string; rows: PerTenant | null }[];
  /** Its permissions and the roles that grant them. */
  permissions: { id: string; roles: { tenantId: string; roleId: string; name: string }[] }[];
  /** Tasks of its kinds still in the task table (any state). */
  taskKinds: ({ kind: string } & PerTenant)[];
  schedules: string[];
  /** Why some OLAP numbers are missing, if they are. */
  olapProblems: string[];
}

function add(target: PerTenant, tenantId: string, n: number): void {
  if (n <= 0) return;
  target.total += n;
  target.byTenant[tenantId] = (target.byTenant[tenantId] ?? 0) + n;
}

const empty = (): PerTenant => ({ total: 0, byTenant: {} });

/** A SecretBox value: `v1.<key id>.<iv>.<body>.<tag>` (see config/secret-box.ts). */
const SEALED_LIKE = 'v1.%.%.%.%';

/**
 * Builds the uninstall report of a plugin on a running app (all tenants). A platform tool like the
 * migrations: it reads the plugin's own tables directly (row counts, sealed values) and everything
 * else through the modules' services and the analytics engine.
 */
export async function buildUninstallReport(
  app: Pick<HuiliuApp, 'kernel' | 'oltp' | 'olap' | 'service'>,
  pluginId: string,
): Promise<UninstallReport> {
  const { kernel, oltp, olap } = app;
  const info = kernel.list().find((plugin) => plugin.id === pluginId && plugin.id !== 'core');
  const registry = kernel.contributions;
  const mine = <T>(map: Map<string, { pluginId: string; definition: T }>) =>
    [...map.entries()].filter(([, owned]) => owned.pluginId === pluginId);
  const tenants = await app.service(tenantServiceRef).listAll();

  const report: UninstallReport = {
    pluginId,
    loaded: info !== undefined,
    version: info?.version ?? null,
    dependants: kernel
      .list()
      .filter((plugin) => pluginId in plugin.dependencies)
      .map((plugin) => plugin.id),
    tenants,
    switches: await app.service(pluginEnablementRef).switchesAcrossTenants(pluginId),
    tables: [],
    migrations: null,
    sealedSecrets: [],
    channelTypes: [],
    userIdTypes: [],
    eventTypes: [],
    olapRelations: [],
    permissions: [],
    taskKinds: [],
    schedules: mine(registry.schedules).map(([key]) => key),
    olapProblems: [],
  };

  // OLTP: its tables, found by prefix (also when it is no longer loaded).
  const prefix = tablePrefix(pluginId);
  const schema = await oltp.describeSchema();
  const migrations = migrationTable(pluginId);
  for (const [name, shape] of [...schema.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.startsWith(prefix) || shape.kind !== 'table') continue;
    if (name === migrations) {
      const rows = await oltp.knex(name).select<{ name: string }[]>('name').orderBy('id');
      report.migrations = { table: name, applied: rows.map((row) => row.name) };
    }
    const hasTenant = shape.columns.has('tenant_id');
    const [total] = await oltp.knex(name).count<{ n: number }[]>({ n: '*' });
    let byTenant: Record<string, number> | null = null;
    if (hasTenant) {
      byTenant = {};
      const rows = await oltp
        .knex(name)
        .select('tenant_id')
        .count<{ tenant_id: string; n: number }[]>({ n: '*' })
        .groupBy('tenant_id');
      for (const row of rows) byTenant[String(row.tenant_id)] = Number(row.n);
    }
    report.tables.push({ name, rows: Number(total?.n ?? 0), byTenant });
    for (const [column, type] of shape.columns) {
      if (!/char|text/i.test(type.split('|')[0] ?? '')) continue;
      const [sealed] = await oltp.knex(name).where(column, 'like', SEALED_LIKE).count<{ n: number }[]>({ n: '*' });
      if (Number(sealed?.n ?? 0) > 0) report.sealedSecrets.push({ table: name, column, count: Number(sealed!.n) });
    }
  }

  // What it contributed, with the data other modules keep of it.
  const channelTypes = mine(registry.channelTypes).map(([type]) => type);
  const userIdTypes = mine(registry.userIdTypes).map(([id]) => id);
  const eventCodes = mine(registry.eventTypes).map(([code]) => code);
  const relations = mine(registry.olapRelations).map(([name]) => name);
  const permissionIds = registry.permissionIds.get(pluginId) ?? [];
  const taskKinds = mine(registry.taskKinds).map(([kind]) => kind);
  const channels = new Map(channelTypes.map((type) => [type, empty()]));
  const accounts = new Map(userIdTypes.map((id) => [id, empty()]));
  const events = new Map(eventCodes.map((code) => [code, empty() as PerTenant | null]));
  const relationRows = new Map(relations.map((name) => [name, empty() as PerTenant | null]));
  const grants = new Map(permissionIds.map((id) => [id, [] as UninstallReport['permissions'][number]['roles']]));
  const tasks = new Map(taskKinds.map((kind) => [kind, empty()]));

  for (const tenant of tenants) {
    const counts = await app.service(channelsServiceRef).countsByType(tenant.id);
    for (const [type, total] of channels) add(total, tenant.id, counts.get(type) ?? 0);
    const held = await app.service(contactUsageServiceRef).accountsByIdType(tenant.id, userIdTypes);
    for (const [id, total] of accounts) add(total, tenant.id, held.get(id) ?? 0);
    for (const role of permissionIds.length ? await app.service(rolesServiceRef).list(tenant.id) : []) {
      for (const id of role.permissions) grants.get(id)?.push({ tenantId: tenant.id, roleId: role.id, name: role.name });
    }
    for (const [kind, total] of tasks) {
      const page = await app.service(taskQueueRef).list(tenant.id, { kind, page: 1, pageSize: 1 });
      add(total, tenant.id, page.total);
    }
    if (eventCodes.length === 0 && relations.length === 0) continue;
    // OLAP: a tenant without a declaration has no event yet.
    const analytics = olap.forTenant(tenant.id);
    try {
      if (!(await analytics.schema())) continue;
      if (eventCodes.length > 0) {
        const result = await analytics.query<{ event: string; n: string }>(
          `select event, count(*) as n from events where event in (${eventCodes.map(() => '?').join(', ')}) group by event`,
          { params: eventCodes, rowMode: 'json' },
        );
        for (const row of result.rows) {
          const total = events.get(row.event);
          if (total) add(total, tenant.id, Number(row.n));
        }
      }
    } catch (error) {
      report.olapProblems.push(`tenant ${tenant.id}: events: ${(error as Error).message}`);
      for (const code of eventCodes) events.set(code, null);
    }
    for (const name of relations) {
      try {
        const result = await analytics.query<{ n: string }>(`select count(*) as n from ${name}`, { rowMode: 'json' });
        const total = relationRows.get(name);
        if (total) add(total, tenant.id, Number(result.rows[0]?.n ?? 0));
      } catch (error) {
        report.olapProblems.push(`tenant ${tenant.id}: relation ${name}: ${(error as Error).message}`);
        relationRows.set(name, null);
      }
    }
  }

  report.channelTypes = [...channels].map(([type, total]) => ({ type, ...total }));
  report.userIdTypes = [...accounts].map(([id, total]) => ({ id, ...total }));
  report.eventTypes = [...events].map(([code, total]) => ({ code, events: total }));
  report.olapRelations = [...relationRows].map(([name, total]) => ({ name, rows: total }));
  report.permissions = [...grants].map(([id, roles]) => ({ id, roles }));
  report.taskKinds = [...tasks].map(([kind, total]) => ({ kind, ...total }));
  return report;
}

/** The manual steps to remove a plugin for good, filled in with what the report found. */
export function removalSteps(report: UninstallReport): string[] {
  const id = report.pluginId;
  const tables = report.tables.map((t) => t.name);
  const steps = [
    `1. Stop using it: \`huiliu admin plugins disable ${id} --tenant <id>\` for each tenant keeps every row and can be undone; or set plugins.${id}.enabled=false (HUILIU_PLUGINS__${id.toUpperCase().replace(/-/g, '_')}__ENABLED=false) and restart every process (API and workers).`,
  ];
  if (report.dependants.length > 0) {
    steps.push(`   Plugins depending on it must go first: ${report.dependants.join(', ')}.`);
  }
  steps.push(
    `2. Channels of its types (${report.channelTypes.map((c) => c.type).join(', ') || 'none'}): once the plugin is gone they are listed as unavailable; delete them in 连接管理 (Connections) if the tenant no longer needs them. Their contacts and events stay.`,
    `3. Uninstall its package (npm uninstall) and remove plugins.${id} from huiliu.json / the environment; restart.`,
    tables.length > 0
      ? `4. Drop its OLTP tables (back them up first; tables referencing others first): ${tables.map((t) => `DROP TABLE ${t};`).join(' ')}`
      : '4. It has no OLTP table left.',
    `5. Forget the operators' switches: DELETE FROM tenant_plugin WHERE plugin_id = '${id}';`,
    '6. Roles keep its permission ids: harmless once it is gone (unknown rights are ignored and dropped when the role is next saved).',
    '7. Analytics: events of its event types, its OLAP relations and channel accounts of its user-ID types are history of the contacts and stay. Delete contact data with 删除用户数据 if the tenant asks; OLAP relations are add-only and can be dropped by hand (DuckDB / StarRocks) once nothing reads them.',
  );
  return steps;
}

/** The report as text for a terminal. */
export function formatUninstallReport(report: UninstallReport): string[] {
  const lines: string[] = [];
  const tenantName = new Map(report.tenants.map((t) => [t.id, t.name]));
  const per = (value: PerTenant | null) =>
    value === null
      ? 'unknown (analytics store not reachable)'
      : value.total === 0
        ? '0'
        : `${value.total} (${Object.entries(value.byTenant)
            .map(([tenant, n]) => `tenant ${tenant} "${tenantName.get(tenant) ?? '?'}": ${n}`)
            .join(', ')})`;
  lines.push(
    `Uninstall report of plugin ${report.pluginId}${report.version ? ` ${report.version}` : ''} — nothing was changed.`,
    report.loaded
      ? `Loaded by this installation; ${report.tenants.length} tenant(s).`
      : `Not loaded by this installation: only its tables and switches are known (load it again to list its contributions).`,
  );
  if (report.dependants.length) lines.push(`Plugins depending on it: ${report.dependants.join(', ')}`);
  lines.push('', 'Per-tenant switches (tenant_plugin):');
  if (report.switches.length === 0) lines.push('  none (every tenant has its default)');
  for (const s of report.switches) {
    lines.push(
      `  tenant ${s.tenantId}: ${s.enabled ? 'enabled' : 'disabled'} at ${new Date(s.changedAt).toISOString()}${s.changedBy ? ` by ${s.changedBy}` : ''}`,
    );
  }
  lines.push('', 'OLTP tables:');
  if (report.tables.length === 0) lines.push('  none');
  for (const t of report.tables) {
    const split = t.byTenant
      ? Object.entries(t.byTenant)
          .map(([tenant, n]) => `tenant ${tenant}: ${n}`)
          .join(', ')
      : 'no tenant_id column';
    lines.push(`  ${t.name}: ${t.rows} row(s)${split ? ` (${split})` : ''}`);
  }
  if (report.migrations)
    lines.push(`  migrations recorded in ${report.migrations.table}: ${report.migrations.applied.join(', ') || 'none'}`);
  lines.push('', 'Sealed secrets (SecretBox values in its tables):');
  if (report.sealedSecrets.length === 0) lines.push('  none found');
  for (const s of report.sealedSecrets) lines.push(`  ${s.table}.${s.column}: ${s.count}`);
  const section = (title: string, items: string[]) => {
    lines.push('', `${title}:`);
    if (items.length === 0) lines.push('  none');
    for (const item of items) lines.push(`  ${item}`);
  };
  section(
    'Channels of its channel types',
    report.channelTypes.map((c) => `${c.type}: ${per(c)}`),
  );
  section(
    'Channel accounts of its user-ID types',
    report.userIdTypes.map((u) => `${u.id}: ${per(u)}`),
  );
  section(
    'Events of its event types (OLAP)',
    report.eventTypes.map((e) => `${e.code}: ${per(e.events)}`),
  );
  section(
    'Rows of its OLAP relations',
    report.olapRelations.map((r) => `${r.name}: ${per(r.rows)}`),
  );
  section(
    'Its permissions granted in roles',
    report.permissions.map(
      (p) =>
        `${p.id}: ${p.roles.length === 0 ? 'no role' : p.roles.map((r) => `tenant ${r.tenantId} role ${r.roleId} "${r.name}"`).join(', ')}`,
    ),
  );
  section(
    'Tasks of its task kinds',
    report.taskKinds.map((k) => `${k.kind}: ${per(k)}`),
  );
  section('Its schedules (no data)', report.schedules);
  if (report.olapProblems.length) section('Analytics store problems', report.olapProblems);
  lines.push('', 'To remove it (by hand; this command deletes nothing):', ...removalSteps(report).map((s) => `  ${s}`));
  return lines;
}
