import Joi from 'joi';
import { expect } from 'vitest';
import { metadataServiceRef } from '../../src/modules/metadata/metadata.service.js';
import { definePlugin, reportsExtensionPoint } from '../../src/plugin-api.js';
import { Client, createTenant, type TestApp } from '../support/test-app.js';

export const REPORTS = '/api/v1/console/reports';
export const DASHBOARDS = '/api/v1/console/dashboards';
export const FOLDERS = '/api/v1/console/dashboard-folders';
export const PRESETS = '/api/v1/console/dashboard-presets';

interface RangeQuery {
  timeRange: { kind: string; days?: number };
  depth?: number;
}

const rangeQuery = Joi.object<RangeQuery>({
  timeRange: Joi.object({
    kind: Joi.string().valid('past', 'today', 'thisMonth').required(),
    days: Joi.number().integer().min(1).max(365),
    includeToday: Joi.boolean(),
  }).required(),
  depth: Joi.number().integer().min(1).max(7),
});

/** The range a query asks for, as its SQL shows it back (`past:7`, `today:`): what a card's run used. */
const rangeLabel = (query: RangeQuery) => `${query.timeRange.kind}:${query.timeRange.days ?? ''}`;

/**
 * A plugin with report models given as SQL (the engine's `toSql` contract), so saved reports and
 * cards run without the event-analysis model: `board.events` takes a temporary time range,
 * `board.paths` ignores it (`timeRangeField: null`, like 路径分析), `board.profile` cannot go on
 * dashboards (like 用户画像). Its presets: `board.small` (3 reports), `board.big` (25) and `board.profiles`
 * (not offered: its model cannot go on dashboards).
 */
export const boardReports = definePlugin({
  id: 'board-reports',
  version: '1.0.0',
  requires: { core: '^0.1.0' },
  register({ registerInit }) {
    registerInit({
      deps: { reports: reportsExtensionPoint },
      init({ reports }) {
        const example: RangeQuery = { timeRange: { kind: 'past', days: 7 } };
        reports.addReportModel<RangeQuery>({
          id: 'board.events',
          name: { 'zh-CN': '事件数', 'en-US': 'Events' },
          query: rangeQuery,
          examples: [example],
          toSql: (query) => `select '${rangeLabel(query)}' as range_label, count(*) as events from events`,
        });
        reports.addReportModel<RangeQuery>({
          id: 'board.paths',
          name: { 'zh-CN': '路径', 'en-US': 'Paths' },
          query: rangeQuery,
          examples: [example],
          timeRangeField: null,
          toSql: (query) => `select '${rangeLabel(query)}' as range_label, ${query.depth ?? 4} as depth`,
        });
        reports.addReportModel<RangeQuery>({
          id: 'board.profile',
          name: { 'zh-CN': '画像', 'en-US': 'Profile' },
          query: rangeQuery,
          examples: [example],
          dashboard: false,
          toSql: (query) => `select '${rangeLabel(query)}' as range_label`,
        });
        const presetReports = (count: number) =>
          Array.from({ length: count }, (_, i) => ({
            model: 'board.events',
            title: { 'zh-CN': `预置报表 ${i + 1}`, 'en-US': `Preset report ${i + 1}` },
            query: { timeRange: { kind: 'past', days: i + 1 } },
          }));
        reports.addPresetDashboard({
          id: 'board.small',
          name: { 'zh-CN': '小看板', 'en-US': 'Small board' },
          reports: presetReports(3),
        });
        // A model that cannot go on dashboards: never offered.
        reports.addPresetDashboard({
          id: 'board.profiles',
          name: { 'zh-CN': '画像看板', 'en-US': 'Profiles' },
          reports: [
            { model: 'board.profile', title: { 'zh-CN': '画像', 'en-US': 'Profile' }, query: { timeRange: { kind: 'today' } } },
          ],
        });
        reports.addPresetDashboard({
          id: 'board.big',
          name: { 'zh-CN': '小程序看板', 'en-US': 'Mini-program board' },
          reports: presetReports(25),
        });
      },
    });
  },
});

export const pastDays = (days: number) => ({ timeRange: { kind: 'past', days } });

/** A tenant with its super staff signed in, and helpers for saved reports and dashboards. */
export async function boardTenant(app: TestApp) {
  const tenant = await createTenant(app);
  // The tenant's analytics store, as its first metadata change or event would declare it.
  await app.service(metadataServiceRef).sync(tenant.tenantId);
  const staff = await Client.staff(app.server, tenant.email, tenant.password);
  const ok = <T>(res: { statusCode: number; body: T }, status = 200): T => {
    expect(res.statusCode, JSON.stringify(res.body)).toBe(status);
    return res.body;
  };
  const as = (client: Client) => ({
    report: async (name = `报表${Math.random().toString(36).slice(2, 8)}`, query: object = pastDays(7), model = 'board.events') =>
      ok(await client.request('POST', REPORTS, { name, model, query }), 201) as {
        id: string;
        name: string;
        departmentId: string | null;
      },
    dashboard: async (name = `仪表盘${Math.random().toString(36).slice(2, 8)}`, folderId?: string | null) =>
      ok(await client.request('POST', DASHBOARDS, { name, folderId }), 201) as { id: string; departmentId: string | null },
    folder: async (name: string, parentId?: string | null) =>
      ok(await client.request('POST', FOLDERS, { name, parentId }), 201) as {
        id: string;
        depth: number;
        departmentId: string | null;
      },
    card: async (dashboardId: string, reportId: string, size?: string) =>
      ok(await client.request('POST', `${DASHBOARDS}/${dashboardId}/cards`, { reportId, size }), 201) as { id: string },
    open: async (dashboardId: string) =>
      ok(await client.request('GET', `${DASHBOARDS}/${dashboardId}`)) as {
        id: string;
        cardCount: number;
        cards: {
          id: string;
          reportId: string;
          size: string;
          position: number;
          status: string;
          report?: { name: string; timeRange: boolean };
        }[];
      },
  });
  return { ...tenant, staff, ok, as, ...as(staff) };
}

/** Creates a role with these permissions and a staff member holding it (optionally in a department), signed in. */
export async function staffWith(
  app: TestApp,
  admin: Client,
  permissions: string[],
  departmentId?: string,
): Promise<{ client: Client; staffId: string }> {
  const tag = `${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}`;
  const role = await admin.request('POST', '/api/v1/roles', { name: `role-${tag}`, permissions });
  expect(role.statusCode, JSON.stringify(role.body)).toBe(201);
  const email = `dash.${tag}@example.com`;
  const staff = await admin.request('POST', '/api/v1/staff', {
    email,
    name: '运营',
    password: 'Dash-pass-1',
    roleIds: [role.body.id],
  });
  expect(staff.statusCode, JSON.stringify(staff.body)).toBe(201);
  if (departmentId) {
    const placed = await admin.request('PUT', `/api/v1/staff/${staff.body.id}/department`, { departmentId });
    expect(placed.statusCode, JSON.stringify(placed.body)).toBe(200);
  }
  return { client: await Client.staff(app.server, email, 'Dash-pass-1'), staffId: staff.body.id as string };
}

export const everyRight = [
  'reports.view',
  'reports.edit',
  'reports.delete',
  'dashboards.view',
  'dashboards.edit',
  'dashboards.delete',
  'dashboardFolders.view',
  'dashboardFolders.edit',
  'dashboardFolders.delete',
];
