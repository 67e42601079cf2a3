import { existsSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { expect, it } from 'vitest';
import { contactExportsServiceRef } from '../../src/modules/contact-exports/contact-exports.service.js';
import { EXPORT_MARKER } from '../../src/modules/contact-exports/contact-exports.types.js';
import { uuidv7 } from '../../src/modules/ingestion/message.js';
import { identify, identityTenant, track } from '../contacts/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { normalStaff } from '../support/staff.js';
import { Client, describeEngines, type TestApp } from '../support/test-app.js';

interface ParsedExport {
  sheetNames: string[];
  keysState: string;
  marker: string;
  keys: string[];
  header: string[];
  rows: (string | number | null)[][];
}

/** Reads an export back with exceljs: the visible sheet's rows and the hidden keys sheet. */
async function parse(buffer: Buffer): Promise<ParsedExport> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0]!;
  const keysSheet = workbook.getWorksheet('_huiliu')!;
  const values = (row: ExcelJS.Row, width: number) =>
    Array.from({ length: width }, (_, i) => {
      const value = row.getCell(i + 1).value;
      return value === undefined || value === null ? null : (value as string | number);
    });
  const keyRows: string[] = [];
  keysSheet.eachRow((row) => keyRows.push(String(row.getCell(1).value)));
  const width = keyRows.length - 1;
  const rows: (string | number | null)[][] = [];
  sheet.eachRow((row, n) => {
    if (n > 1) rows.push(values(row, width));
  });
  return {
    sheetNames: workbook.worksheets.map((w) => w.name),
    keysState: keysSheet.state,
    marker: keyRows[0]!,
    keys: keyRows.slice(1),
    header: values(sheet.getRow(1), width) as string[],
    rows,
  };
}

/**
 * A tenant with three identified contacts (two in 上海), one anonymous visitor, two custom fields,
 * an official account whose fan 张三 is (OpenID + UnionID), and 张三's external_id in the custom channel.
 */
async function exportTenant(app: TestApp) {
  const appIds: [string, string] = [`wx${uuidv7().replace(/-/g, '').slice(-16)}`, `wx${uuidv7().replace(/-/g, '').slice(-16)}`];
  const t = await identityTenant(app, appIds);
  const field = async (name: string, type: string) => {
    const res = await t.staff.request('POST', '/api/v1/metadata/contact-fields', { name, type });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
    return res.body.key as string;
  };
  const coupon = await field('优惠码', 'string');
  const points = await field('积分', 'integer');
  await t.collect('batch', {
    batch: [
      identify('u-1', {
        traits: {
          name: '张三',
          mobilePhone: '13800000001',
          email: 'z@example.com',
          city: '上海',
          props: { [coupon]: 'CODE1', [points]: 42 },
        },
      }),
      identify('u-2', { traits: { name: '李四', city: '北京', mobilePhone: '13800000002' } }),
      identify('u-3', { traits: { name: '王五', city: '上海' } }),
      track({ anonymousId: 'anon-visitor' }),
    ],
  });
  await t.drain();
  await t.collect('identify', { userId: 'u-1', traits: { weChatInfo: { appId: appIds[0], openId: 'o-1', unionId: 'un-1' } } });
  await t.drain();
  const ids = {
    zhang: (await t.contactOf('u-1'))!,
    li: (await t.contactOf('u-2'))!,
    wang: (await t.contactOf('u-3'))!,
    anonymous: (await t.contactOf('anon-visitor', 'anonymousId'))!,
  };
  return { ...t, coupon, points, ids, appIds };
}

describeEngines(
  'contact exports (seed §1.4.4, §1.4.5)',
  (ctx) => {
    const runTasks = async () => {
      while ((await ctx.app.jobs.worker.poll()) > 0);
    };
    const download = async (client: Client, url: string) => {
      const res = await ctx.app.server.inject({ method: 'GET', url, headers: client.authHeaders() });
      return { statusCode: res.statusCode, headers: res.headers, buffer: res.rawPayload, body: res.payload };
    };
    /** Starts an export, runs its task and returns the export row and the parsed file. */
    const exportAndRead = async (client: Client, body: Record<string, unknown>) => {
      const started = await client.request('POST', '/api/v1/console/contact-exports', body);
      expect(started.statusCode, JSON.stringify(started.body)).toBe(202);
      await runTasks();
      const item = (await client.request('GET', `/api/v1/console/contact-exports/${started.body.exportId}`)).body;
      expect(item.status, JSON.stringify(item)).toBe('succeeded');
      const file = await download(client, `/api/v1/console/contact-exports/${started.body.exportId}/download`);
      expect(file.statusCode).toBe(200);
      return { started: started.body, item, file: await parse(file.buffer), headers: file.headers };
    };

    it('exports the chosen fields of identified contacts only, in the shared format (marker, keys, contactId first)', async () => {
      const t = await exportTenant(ctx.app);
      const { started, item, file, headers } = await exportAndRead(t.staff, {
        fields: ['name', 'mobilePhone', 'state', 'city', t.coupon, t.points, 'createdAt', 'utm.source'],
      });
      expect(started).toMatchObject({ count: 3, excludedFields: [] });
      expect(headers['content-type']).toContain('spreadsheetml');
      expect(String(headers['content-disposition'])).toContain('attachment');
      expect(file.sheetNames).toEqual(['用户', '_huiliu']);
      expect(file.keysState).toBe('veryHidden');
      expect(file.marker).toBe(EXPORT_MARKER);
      expect(file.keys).toEqual([
        'contactId',
        'name',
        'mobilePhone',
        'state',
        'city',
        t.coupon,
        t.points,
        'createdAt',
        'utm.source',
      ]);
      expect(file.header).toEqual(['用户ID', '姓名', '手机号码', '省份', '城市', '优惠码', '积分', '创建时间', '创建来源']);
      // Anonymous contacts are never exported; identified ones by id ascending.
      expect(file.rows.map((r) => r[0])).toEqual([t.ids.zhang, t.ids.li, t.ids.wang].sort((a, b) => Number(a) - Number(b)));
      expect(file.rows.map((r) => r[0])).not.toContain(t.ids.anonymous);
      const zhang = file.rows.find((r) => r[0] === t.ids.zhang)!;
      expect(zhang.slice(1, 7)).toEqual(['张三', '13800000001', null, '上海', 'CODE1', 42]);
      // Times in the tenant's zone, `YYYY-MM-DD HH:mm:ss`.
      expect(String(zhang[7])).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(item).toMatchObject({ rowCount: 3, expired: false, filtered: false, excludedFields: [] });
      expect(item.expiresAt - item.finishedAt).toBeGreaterThan(3 * 86_400_000 - 60_000);
      expect(item.expiresAt - item.finishedAt).toBeLessThanOrEqual(3 * 86_400_000);
    });

    it('applies the list filter (condition tree on OLAP contacts); an invalid tree answers 400 condition_invalid', async () => {
      const t = await exportTenant(ctx.app);
      const filter = { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'eq', values: ['上海'] }] };
      const { started, item, file } = await exportAndRead(t.staff, { fields: ['name'], filter });
      expect(started.count).toBe(2);
      expect(item.filtered).toBe(true);
      expect(file.rows.map((r) => r[1]).sort()).toEqual(['张三', '王五'].sort());
      const bad = await t.staff.request('POST', '/api/v1/console/contact-exports', {
        fields: ['name'],
        filter: { type: 'and', conditions: [{ type: 'property', property: 'nope', operator: 'eq', values: ['x'] }] },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.body.code).toBe('condition_invalid');
    });

    it('adds the OpenID/UnionID of the chosen official account and the external_id of the chosen custom channel', async () => {
      const t = await exportTenant(ctx.app);
      const { file } = await exportAndRead(t.staff, {
        fields: ['name'],
        wechatChannelId: t.wechat.id,
        customChannelId: t.channelId,
      });
      expect(file.keys).toEqual([
        'contactId',
        'name',
        `wechat.openId@${t.wechat.id}`,
        `wechat.unionId@${t.wechat.id}`,
        `externalId@${t.channelId}`,
      ]);
      expect(file.header).toEqual(['用户ID', '姓名', 'OpenID（服务号）', 'UnionID（服务号）', 'external_id（官网）']);
      const byId = new Map(file.rows.map((r) => [r[0], r]));
      expect(byId.get(t.ids.zhang)).toEqual([t.ids.zhang, '张三', 'o-1', 'un-1', 'u-1']);
      expect(byId.get(t.ids.li)).toEqual([t.ids.li, '李四', null, null, 'u-2']);
      // The other official account: no ids of it.
      const other = await exportAndRead(t.staff, { fields: [], wechatChannelId: t.wechat2.id });
      expect(other.file.rows.every((r) => r[1] === null && r[2] === null)).toBe(true);
      // A channel of the wrong type, or of no one: refused.
      const wrong = await t.staff.request('POST', '/api/v1/console/contact-exports', {
        fields: [],
        wechatChannelId: t.channelId,
      });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.body.code).toBe('contact_export_channel_invalid');
      const missing = await t.staff.request('POST', '/api/v1/console/contact-exports', {
        fields: [],
        customChannelId: '999999999999',
      });
      expect(missing.statusCode).toBe(404);
      expect(missing.body.code).toBe('channel_not_found');
    });

    it('refuses more than the limit (seed: 每次最多导出10万) with contact_export_too_many; the task re-checks it', async () => {
      const t = await exportTenant(ctx.app);
      const service = ctx.app.service(contactExportsServiceRef);
      const saved = { ...service.limits };
      try {
        service.limits.maxRows = 2;
        const refused = await t.staff.request('POST', '/api/v1/console/contact-exports', { fields: ['name'] });
        expect(refused.statusCode).toBe(400);
        expect(refused.body).toMatchObject({ code: 'contact_export_too_many', params: { count: 3, limit: 2 } });
        expect(refused.body.message).toContain('缩小筛选条件');
        // Narrowed by the filter: accepted.
        const filter = { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'eq', values: ['上海'] }] };
        const { file } = await exportAndRead(t.staff, { fields: ['name'], filter });
        expect(file.rows).toHaveLength(2);

        // More contacts arrive between the request and the task: the task fails (red notification).
        service.limits.maxRows = 3;
        const started = await t.staff.request('POST', '/api/v1/console/contact-exports', { fields: ['name'] });
        expect(started.statusCode).toBe(202);
        service.limits.maxRows = 2;
        await runTasks();
        const item = (await t.staff.request('GET', `/api/v1/console/contact-exports/${started.body.exportId}`)).body;
        expect(item).toMatchObject({ status: 'failed', errorCode: 'contact_export_too_many', fileId: null });
        const notifications = (await t.staff.request('GET', '/api/v1/notifications')).body.items as {
          taskId: string;
          level: string;
          error: { code: string } | null;
        }[];
        expect(notifications.find((n) => n.taskId === started.body.taskId)).toMatchObject({
          level: 'error',
          error: { code: 'contact_export_too_many' },
        });
        const download = await t.staff.request('GET', `/api/v1/console/contact-exports/${started.body.exportId}/download`);
        expect(download.statusCode).toBe(409);
        expect(download.body.code).toBe('contact_export_not_ready');
      } finally {
        service.limits = saved;
      }
    });

    it('leaves masked fields out for staff without 联系人不脱敏 and says which; super staff export them', async () => {
      const t = await exportTenant(ctx.app);
      expect((await t.staff.request('PUT', '/api/v1/contact-field-masks/mobilePhone', { masked: true })).statusCode).toBe(200);
      expect((await t.staff.request('PUT', `/api/v1/contact-field-masks/${t.coupon}`, { masked: true })).statusCode).toBe(200);
      const role = await t.staff.request('POST', '/api/v1/roles', { name: '导出员', permissions: ['contacts.export'] });
      expect(role.statusCode, JSON.stringify(role.body)).toBe(201);
      const email = `exporter.${uuidv7()}@example.com`;
      const member = await t.staff.request('POST', '/api/v1/staff', {
        email,
        name: '导出员',
        password: 'Member-pass-1',
        roleIds: [role.body.id],
      });
      expect(member.statusCode, JSON.stringify(member.body)).toBe(201);
      const exporter = await Client.staff(ctx.app.server, email, 'Member-pass-1');

      const options = (await exporter.request('GET', '/api/v1/console/contact-exports/options')).body;
      expect(options.fields.find((f: { key: string }) => f.key === 'mobilePhone')).toMatchObject({
        masked: true,
        label: '手机号码',
      });
      expect(options.fields.find((f: { key: string }) => f.key === 'name')).toMatchObject({ masked: false });
      expect(options.wechatChannels.map((c: { name: string }) => c.name).sort()).toEqual(['订阅号', '服务号'].sort());
      expect(options.maxRows).toBe(100_000);

      const masked = await exportAndRead(exporter, { fields: ['name', 'mobilePhone', t.coupon, 'email'] });
      expect(masked.started.excludedFields).toEqual(['mobilePhone', t.coupon]);
      expect(masked.item.excludedFields).toEqual(['mobilePhone', t.coupon]);
      expect(masked.file.keys).toEqual(['contactId', 'name', 'email']);
      expect(JSON.stringify(masked.file.rows)).not.toContain('13800000001');
      expect(JSON.stringify(masked.file.rows)).not.toContain('CODE1');

      const clear = await exportAndRead(t.staff, { fields: ['name', 'mobilePhone'] });
      expect(clear.started.excludedFields).toEqual([]);
      expect(clear.file.keys).toEqual(['contactId', 'name', 'mobilePhone']);

      // A field masked after the request but before the task runs is left out too.
      const started = await exporter.request('POST', '/api/v1/console/contact-exports', { fields: ['name', 'email'] });
      await t.staff.request('PUT', '/api/v1/contact-field-masks/email', { masked: true });
      await runTasks();
      const late = await download(exporter, `/api/v1/console/contact-exports/${started.body.exportId}/download`);
      expect((await parse(late.buffer)).keys).toEqual(['contactId', 'name']);
      const lateItem = (await exporter.request('GET', `/api/v1/console/contact-exports/${started.body.exportId}`)).body;
      expect(lateItem.excludedFields).toEqual(['email']);
    });

    it('lists the tenant’s exports newest first; writes 用户·导出 to the operation log and notifies (green) with the file', async () => {
      const t = await exportTenant(ctx.app);
      const first = await exportAndRead(t.staff, { fields: ['name'] });
      const second = await exportAndRead(t.staff, { fields: ['email'] });
      const list = (await t.staff.request('GET', '/api/v1/console/contact-exports')).body;
      expect(list.total).toBe(2);
      expect(list.items.map((i: { id: string }) => i.id)).toEqual([second.started.exportId, first.started.exportId]);
      expect(list.items[0]).toMatchObject({ status: 'succeeded', rowCount: 3, columns: ['contactId', 'email'], expired: false });

      const log = (await t.staff.request('GET', '/api/v1/operation-logs?objectType=contact')).body.items as {
        operation: string;
        objectId: string;
        detail: Record<string, unknown>;
      }[];
      const entry = log.find((e) => e.operation === 'export' && e.objectId === first.started.exportId);
      expect(entry?.detail).toMatchObject({ taskId: first.started.taskId, count: 3, columns: 1, filtered: false });

      const notifications = (await t.staff.request('GET', '/api/v1/notifications')).body.items as {
        kind: string;
        taskId: string;
        level: string;
        counts: Record<string, number>;
        files: { id: string; name: string }[];
      }[];
      const note = notifications.find((n) => n.taskId === first.started.taskId)!;
      expect(note).toMatchObject({ kind: 'contact-exports.export', level: 'success', counts: { exported: 3 } });
      expect(note.files).toHaveLength(1);
      expect(note.files[0]!.id).toBe(first.item.fileId);
      expect(note.files[0]!.name).toMatch(/\.xlsx$/);
    });

    it('narrows every export route and the file download to 用户-导出 (contacts.export)', async () => {
      const t = await exportTenant(ctx.app);
      const { started, item } = await exportAndRead(t.staff, { fields: ['name'] });
      const viewer = await normalStaff(ctx.app, t.tenantId);
      for (const [method, url] of [
        ['GET', '/api/v1/console/contact-exports/options'],
        ['POST', '/api/v1/console/contact-exports'],
        ['GET', '/api/v1/console/contact-exports'],
        ['GET', `/api/v1/console/contact-exports/${started.exportId}`],
        ['GET', `/api/v1/console/contact-exports/${started.exportId}/download`],
      ] as const) {
        const res = await viewer.request(method, url, method === 'POST' ? { fields: ['name'] } : undefined);
        expect(res.statusCode, `${method} ${url}`).toBe(403);
      }
      // The generic file download does not widen it.
      const generic = await viewer.request('GET', `/api/v1/files/${item.fileId}`);
      expect(generic.statusCode).toBe(403);
      expect(generic.body.code).toBe('file_forbidden');
      expect((await download(t.staff, `/api/v1/files/${item.fileId}`)).statusCode).toBe(200);
      // Unknown fields are refused with their name.
      const unknown = await t.staff.request('POST', '/api/v1/console/contact-exports', { fields: ['name', 'attr999'] });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.body).toMatchObject({ code: 'contact_export_field_unknown', params: { name: 'attr999' } });
    });

    it('expires after 3 days: the download answers 410 contact_export_expired and the hourly cleanup deletes the file', async () => {
      const t = await exportTenant(ctx.app);
      const { started, item } = await exportAndRead(t.staff, { fields: ['name'] });
      const db = ctx.app.oltp.forTenant(t.tenantId);
      const stored = (await db.from('stored_file').where('id', item.fileId).first()) as { storage_path: string };
      const onDisk = path.join(ctx.app.dataDir, 'files', stored.storage_path);
      expect(existsSync(onDisk)).toBe(true);
      const past = Date.now() - 1000;
      await db.from('stored_file').where('id', item.fileId).update({ expires_at: past });
      await db.from('contact_export').where('id', started.exportId).update({ expires_at: past });

      const expired = await t.staff.request('GET', `/api/v1/console/contact-exports/${started.exportId}/download`);
      expect(expired.statusCode).toBe(410);
      expect(expired.body.code).toBe('contact_export_expired');
      // The files module's hourly schedule (every tenant) deletes the bytes and the row.
      const cleanup = (
        ctx.app.kernel.contributions as unknown as {
          schedules: Map<
            string,
            { definition: { cron: string; run(input: { tenantId: string; dueAt: number }): Promise<void> } }
          >;
        }
      ).schedules.get('files:cleanup')!;
      expect(cleanup.definition.cron).toBe('17 * * * *');
      await cleanup.definition.run({ tenantId: t.tenantId, dueAt: Date.now() });
      expect(existsSync(onDisk)).toBe(false);
      expect(await db.from('stored_file').where('id', item.fileId).first()).toBeUndefined();
      const after = (await t.staff.request('GET', `/api/v1/console/contact-exports/${started.exportId}`)).body;
      expect(after).toMatchObject({ status: 'succeeded', expired: true });
      expect((await t.staff.request('GET', `/api/v1/console/contact-exports/${started.exportId}/download`)).statusCode).toBe(410);
    });

    it('keeps tenants apart: another tenant’s export is not found, not listed, not downloadable', async () => {
      const victim = await exportTenant(ctx.app);
      const attacker = await exportTenant(ctx.app);
      const { started, item } = await exportAndRead(victim.staff, { fields: ['name'] });
      for (const url of [
        `/api/v1/console/contact-exports/${started.exportId}`,
        `/api/v1/console/contact-exports/${started.exportId}/download`,
      ]) {
        const res = await attacker.staff.request('GET', url);
        expect(res.statusCode).toBe(404);
        expect(res.body.code).toBe('contact_export_not_found');
      }
      expect((await attacker.staff.request('GET', `/api/v1/files/${item.fileId}`)).statusCode).toBe(404);
      expect((await attacker.staff.request('GET', '/api/v1/console/contact-exports')).body.items).toEqual([]);
      // Another tenant's channel cannot be named.
      const foreign = await attacker.staff.request('POST', '/api/v1/console/contact-exports', {
        fields: [],
        wechatChannelId: victim.wechat.id,
      });
      expect(foreign.statusCode).toBe(404);
      // Its own export holds only its own contacts.
      const own = await exportAndRead(attacker.staff, { fields: ['name'] });
      expect(own.file.rows.map((r) => r[0]).sort()).toEqual(
        Object.values(attacker.ids)
          .filter((id) => id !== attacker.ids.anonymous)
          .sort(),
      );
    });
  },
  { plugins: firstPartyPlugins },
);
