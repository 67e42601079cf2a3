import { ESLint } from 'eslint';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { definePlugin, httpExtensionPoint, Joi, reportsExtensionPoint, type HttpExtension } from '@huiliu/core/plugin-api';
import { startTestKernel } from '@huiliu/core/testing';
import { describe, expect, it } from 'vitest';
import { coreModuleNames } from '../src/kernel/plugin-tables.js';
import { coreModules } from '../src/modules/index.js';
import { coreTables } from '../src/store/oltp/migrations/core-tables.js';
import { setupServiceRef } from '../src/modules/setup/setup.service.js';
import { tenantServiceRef } from '../src/modules/tenancy/tenant.service.js';
import { createTenant, describeEngines } from './support/test-app.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Tables of the stores and the server, not of a module: migrations, the OLAP schema record, the shared throttle. */
const INFRASTRUCTURE_TABLES = [
  'knex_migrations',
  'knex_migrations_lock',
  'olap_schema',
  'olap_tenant_state',
  'olap_write_lease',
  'auth_throttle',
  'process_lease',
];

async function refusal(plugins: Parameters<typeof startTestKernel>[0]['plugins']): Promise<string> {
  try {
    const kernel = await startTestKernel({ plugins });
    await kernel.close();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the plugins to be refused');
}

describe('core modules register like plugins', () => {
  it('refuses a contribution made after start-up: the registry is frozen once verified', async () => {
    let http: HttpExtension | undefined;
    const late = definePlugin({
      id: 'late',
      version: '1.0.0',
      requires: { core: '^0.1.0' },
      register({ registerInit }) {
        registerInit({ deps: { http: httpExtensionPoint }, init: (deps) => void (http = deps.http) });
      },
    });
    const kernel = await startTestKernel({ plugins: [late] });
    try {
      expect(() => http!.addRoutes([{ method: 'GET', path: '/later', permission: 'public', handler: () => 'x' }])).toThrow(
        'Plugin "late": adds routes after start-up (the registry is frozen; contribute in init())',
      );
      expect(kernel.app.kernel.contributions.routes.some((r) => r.pluginId === 'late')).toBe(false);
    } finally {
      await kernel.close();
    }
  });

  it('refuses a plugin asking for a service of core modules (plugins get only the core.* services)', async () => {
    const nosy = definePlugin({
      id: 'nosy',
      version: '1.0.0',
      requires: { core: '^0.1.0' },
      register({ registerInit }) {
        registerInit({ deps: { tenants: tenantServiceRef }, init: () => undefined });
      },
    });
    expect(await refusal([nosy])).toBe(
      'Plugin "nosy": asks for "tenancy.tenants", a service of core modules that plugins cannot use',
    );
  });

  it('refuses a plugin taking the id of a core module', async () => {
    const impostor = definePlugin({
      id: 'staff',
      version: '1.0.0',
      requires: { core: '^0.1.0' },
      register({ registerInit }) {
        registerInit({ deps: {}, init: () => undefined });
      },
    });
    expect(await refusal([impostor])).toBe('Plugin "staff": the id "staff" is reserved: it names a core module');
  });

  it('reserves the id of every core module', () => {
    expect(coreModules.map((m) => m.id).filter((id) => !coreModuleNames.includes(id))).toEqual([]);
  });

  it('refuses a plugin whose report SQL reads another tenant’s physical tables, when it registers', async () => {
    const nosy = definePlugin({
      id: 'nosy-reports',
      version: '1.0.0',
      requires: { core: '^0.1.0' },
      register({ registerInit }) {
        registerInit({
          deps: { reports: reportsExtensionPoint },
          init({ reports }) {
            reports.addReportModel<Record<string, never>>({
              id: 'nosy.peek',
              name: { 'zh-CN': '偷看', 'en-US': 'Peek' },
              query: Joi.object({}),
              examples: [{}],
              toSql: () => 'select count(*) as n from t_1.event_data',
            });
          },
        });
      },
    });
    expect(await refusal([nosy])).toMatch(
      /^Plugin "nosy-reports": report model "nosy.peek" example #1: its SQL is refused by the OLAP SQL guard \(olap_sql_qualified_name/,
    );
  });

  it('gives every module its own tables and no table to two modules', () => {
    const owners = new Map<string, string>();
    for (const module of coreModules) {
      for (const table of module.tables) {
        expect(owners.get(table), `${table} owned by ${owners.get(table)} and ${module.id}`).toBeUndefined();
        owners.set(table, module.id);
      }
    }
    expect(owners.size).toBeGreaterThan(5);
    // The kernel's list of core tables (reserved from plugins) is exactly the modules' plus the stores'.
    expect([...coreTables].sort()).toEqual([...owners.keys(), ...INFRASTRUCTURE_TABLES].sort());
  });
});

describeEngines('module boundaries in the database', (ctx) => {
  it('owns every core table through exactly one module (a new table must be declared by its module)', async () => {
    const owned = new Set(coreModules.flatMap((m) => m.tables));
    const tables = (await ctx.app.oltp.listTables()).filter(
      (t) =>
        !INFRASTRUCTURE_TABLES.includes(t) &&
        !t.startsWith('sqlite_') &&
        !ctx.app.kernel.list().some((p) => p.id !== 'core' && t.startsWith(p.id.replace(/-/g, '_'))),
    );
    expect(tables.filter((t) => !owned.has(t))).toEqual([]);
  });

  it('refuses a module query on another module’s table, scoped or not, and in joins', async () => {
    const tenant = await createTenant(ctx.app);
    const staffDb = ctx.app.oltp.forModule('staff', ['staff', 'staff_session']);
    expect(await staffDb.forTenant(tenant.tenantId).from('staff').count({ n: '*' })).toHaveLength(1);
    expect(() => staffDb.unscoped('tenant')).toThrow(
      'Module "staff" may use only its own tables (staff, staff_session), not "tenant"',
    );
    expect(() => staffDb.forTenant(tenant.tenantId).from('api_app')).toThrow(/not "api_app"/);
    expect(() => staffDb.unscoped('staff as s').join(staffDb.owns('tenant as t'), 't.id', 's.tenant_id')).toThrow(/not "tenant"/);
    // A join written plainly is checked too, scoped or not, whatever the join kind.
    expect(() => staffDb.unscoped('staff_session as s').join('tenant as t', 't.id', 's.tenant_id')).toThrow(/not "tenant"/);
    expect(() => staffDb.unscoped('staff_session').leftJoin('api_token', 'api_token.id', 'staff_session.id')).toThrow(
      /not "api_token"/,
    );
    expect(() => staffDb.forTenant(tenant.tenantId).from('staff').join('tenant', 'tenant.id', 'staff.tenant_id')).toThrow(
      /not "tenant"/,
    );
    expect(() => staffDb.unscoped('staff').joinRaw('join tenant on 1 = 1')).toThrow(/cannot be checked/);
    expect(() => staffDb.unscoped('staff').from('tenant')).toThrow(/switch to another table/);
    // Sub-queries on other tables, and raw SQL that is a query, are refused too.
    expect(() =>
      staffDb.unscoped('staff').whereExists(function (this: any) {
        this.select('*').from('tenant');
      }),
    ).toThrow(/sub-query callback/);
    expect(() => staffDb.unscoped('staff').whereIn('tenant_id', ctx.app.oltp.knex('tenant').select('id'))).toThrow(
      /sub-query on other tables/,
    );
    expect(() => staffDb.raw('select password_hash from staff')).toThrow(/value expression, not a query/);
    expect((staffDb.raw('1 + 1') as unknown as { then?: unknown }).then).toBeUndefined();
    // Its own tables join freely.
    expect(await staffDb.unscoped('staff_session as s').join('staff as m', 'm.id', 's.staff_id').count({ n: '*' })).toHaveLength(
      1,
    );
  });

  it('rolls back a change spanning modules as one: no tenant is left when its first staff member cannot be created', async () => {
    const existing = await createTenant(ctx.app);
    const tenants = ctx.app.service(tenantServiceRef);
    const before = await tenants.count();
    await expect(
      ctx.app.service(setupServiceRef).createWithSuperStaff({
        tenantName: 'Duplicate admin',
        staff: { email: existing.email, name: 'Again', password: 'Secret-pass-123' },
      }),
    ).rejects.toMatchObject({ code: 'email_taken' });
    expect(await tenants.count()).toBe(before);
  });
});

describe('module boundaries in the source (lint)', () => {
  const eslint = new ESLint({ cwd: root });
  const problems = async (file: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  };

  it('refuses a module importing another module’s repository, routes or module definition', async () => {
    for (const target of ['../staff/staff.repo.js', '../staff/staff.routes.js', '../staff/staff.module.js']) {
      expect(
        await problems('core/src/modules/home/probe.ts', `import { x } from '${target}';\nexport const y = x;\n`),
      ).toHaveLength(1);
    }
    expect(
      await problems('core/src/jobs/probe.ts', `import { x } from '../modules/tenancy/tenant.repo.js';\nexport const y = x;\n`),
    ).toHaveLength(1);
  });

  it('refuses a module holding knex or the whole OLTP store, and allows services and types', async () => {
    expect(
      await problems(
        'core/src/modules/home/probe.ts',
        `import { createKnex } from '../../store/oltp/knex.js';\nexport const k = createKnex;\n`,
      ),
    ).toHaveLength(1);
    expect(
      await problems(
        'core/src/modules/home/probe.ts',
        `import { OltpStore } from '../../store/oltp/oltp-store.js';\nexport const s = OltpStore;\n`,
      ),
    ).toHaveLength(1);
    expect(
      await problems(
        'core/src/modules/home/probe.ts',
        `import { staffServiceRef } from '../staff/staff.service.js';\nimport type { ModuleDatabase } from '../../store/oltp/oltp-store.js';\nexport const r = staffServiceRef;\nexport type D = ModuleDatabase;\n`,
      ),
    ).toEqual([]);
  });

  it('refuses a plugin importing core beyond the plugin API', async () => {
    expect(
      await problems(
        'plugins/wechat/src/probe.ts',
        `import { startTestKernel } from '@huiliu/core/testing';\nexport const s = startTestKernel;\n`,
      ),
    ).toHaveLength(1);
    expect(
      await problems(
        'plugins/wechat/src/probe.ts',
        `import { definePlugin } from '@huiliu/core/plugin-api';\nexport const d = definePlugin;\n`,
      ),
    ).toEqual([]);
  });
});
