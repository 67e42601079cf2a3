import ExcelJS from 'exceljs';
import { expect } from 'vitest';
import { groupsServiceRef } from '../../src/modules/groups/groups.service.js';
import { identify, track } from '../contacts/support.js';
import { ingestTenant } from '../ingestion/support.js';
import { multipart, type TestApp } from '../support/test-app.js';

export const GROUPS = '/api/v1/console/groups';

/** A tree of one leaf, and the property / event / group leaves the tests use. */
export const and = (...conditions: unknown[]) => ({ type: 'and', conditions });
export const city = (value: string) => ({ type: 'property', property: 'city', operator: 'eq', values: [value] });
export const bought = (did = true) => ({
  type: 'event',
  did,
  event: 'purchase',
  time: { kind: 'past', days: 30, includeToday: true },
});
export const inGroup = (groupId: string, operator: 'in' | 'notIn' = 'in') => ({ type: 'group', groupId, operator });

/**
 * A tenant with four identified contacts: 张三 (上海, bought), 李四 (北京, bought), 王五 (上海),
 * 赵六 (广州); its staff, Open API client, and helpers for groups.
 */
export async function groupsTenant(app: TestApp, options: { timeZone?: string } = {}) {
  const t = await ingestTenant(app, options);
  const res = await t.collect('batch', {
    batch: [
      identify('u-1', { traits: { name: '张三', city: '上海' } }),
      identify('u-2', { traits: { name: '李四', city: '北京' } }),
      identify('u-3', { traits: { name: '王五', city: '上海' } }),
      identify('u-4', { traits: { name: '赵六', city: '广州' } }),
      track({ userId: 'u-1' }, 10),
      track({ userId: 'u-2' }, 20),
    ],
  });
  expect(res.statusCode).toBe(200);
  await t.drain();
  const db = () => app.oltp.forTenant(t.tenantId);
  const contactOf = async (userId: string) => {
    const row = (await db()
      .from('channel_account')
      .where({ channel_id: t.channelId, id_type: 'externalId', user_id: userId })
      .first()) as { contact_id: number | string } | undefined;
    return String(row!.contact_id);
  };
  const ids = {
    zhang: await contactOf('u-1'),
    li: await contactOf('u-2'),
    wang: await contactOf('u-3'),
    zhao: await contactOf('u-4'),
  };
  const service = app.service(groupsServiceRef);
  const runTasks = async () => {
    while ((await app.jobs.worker.poll()) > 0);
  };
  return {
    ...t,
    ids,
    service,
    runTasks,
    contactOf,
    /** Creates a dynamic group through the console (201 expected). */
    dynamic: async (condition: unknown, extra: Record<string, unknown> = {}) => {
      const created = await t.staff.request('POST', `${GROUPS}/dynamic`, {
        name: `动态组${Math.random().toString(36).slice(2, 8)}`,
        condition,
        updateMode: 'manual',
        ...extra,
      });
      expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
      return created.body as { id: string; status: string };
    },
    staticGroup: async (extra: Record<string, unknown> = {}) => {
      const created = await t.staff.request('POST', `${GROUPS}/static`, {
        name: `静态组${Math.random().toString(36).slice(2, 8)}`,
        ...extra,
      });
      expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
      return created.body as { id: string; status: string };
    },
    group: async (id: string) =>
      (await t.staff.request('GET', `${GROUPS}/${id}`)).body as Record<string, unknown> & { status: string },
    /** The group's members in its active version, as the console's member list shows them. */
    members: async (id: string, body: Record<string, unknown> = {}) => {
      const res = await t.staff.request('POST', `${GROUPS}/${id}/contacts/search`, body);
      expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
      return (res.body.items as { id: string }[]).map((item) => item.id).sort();
    },
    /** Raw OLAP rows of a group. */
    olapVersions: async (id: string) =>
      (
        await app.olap
          .forTenant(t.tenantId)
          .query<{ version: unknown; n: unknown }>(
            'SELECT version, count(*) AS n FROM group_member WHERE group_id = CAST(? AS BIGINT) GROUP BY version ORDER BY version',
            { params: [id], rowMode: 'json' },
          )
      ).rows.map((row) => [Number(row.version), Number(row.n)]),
    olapMembers: async (id: string, version: number) =>
      (
        await app.olap
          .forTenant(t.tenantId)
          .query<{ contact_id: unknown }>(
            'SELECT contact_id FROM group_member WHERE group_id = CAST(? AS BIGINT) AND version = ? ORDER BY contact_id',
            { params: [id, version], rowMode: 'json' },
          )
      ).rows.map((row) => String(row.contact_id)),
    setStatus: async (id: string, status: string) => {
      await db().from('user_group').where('id', id).update({ status });
    },
  };
}

export const sorted = (...ids: string[]) => [...ids].sort();

/** An xlsx whose first column holds `values` (a header row first when given). */
export async function idsXlsx(values: (string | number)[], header: string | null = '用户ID'): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('用户');
  if (header) sheet.addRow([header]);
  for (const value of values) sheet.addRow([value]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const uploadBody = (content: Buffer) => multipart({ filename: 'ids.xlsx', contentType: XLSX, content });
