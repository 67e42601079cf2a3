import { expect, it } from 'vitest';
import { uuidv7 } from '../../src/modules/ingestion/message.js';
import { filledTemplate, runTasks, xlsxPart } from '../contact-imports/support.js';
import { identify, identityTenant } from '../contacts/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { normalStaff } from '../support/staff.js';
import { Client, describeEngines, type TestApp } from '../support/test-app.js';

const appIds = (): [string, string] => [
  `wx${uuidv7().replace(/-/g, '').slice(-16)}`,
  `wx${uuidv7().replace(/-/g, '').slice(-16)}`,
];

/** A staff member holding only the given permissions (a role of its own). */
async function memberWith(app: TestApp, admin: Client, permissions: string[]): Promise<Client> {
  const role = await admin.request('POST', '/api/v1/roles', { name: `r-${uuidv7().slice(-8)}`, permissions });
  expect(role.statusCode, JSON.stringify(role.body)).toBe(201);
  const email = `m.${uuidv7()}@example.com`;
  const member = await admin.request('POST', '/api/v1/staff', {
    email,
    name: '成员',
    password: 'Member-pass-1',
    roleIds: [role.body.id],
  });
  expect(member.statusCode, JSON.stringify(member.body)).toBe(201);
  return Client.staff(app.server, email, 'Member-pass-1');
}

describeEngines(
  'review 18: stored files of imports and exports',
  (ctx) => {
    it('an export holding a field masked for the caller is not downloadable by staff who see it masked', async () => {
      const t = await identityTenant(ctx.app, appIds());
      await t.collect('batch', { batch: [identify('u-1', { traits: { name: '张三', mobilePhone: '13800000001' } })] });
      await t.drain();
      expect((await t.staff.request('PUT', '/api/v1/contact-field-masks/mobilePhone', { masked: true })).statusCode).toBe(200);
      // 超级管理员 exports the mobile in clear text.
      const started = await t.staff.request('POST', '/api/v1/console/contact-exports', { fields: ['name', 'mobilePhone'] });
      expect(started.statusCode, JSON.stringify(started.body)).toBe(202);
      while ((await ctx.app.jobs.worker.poll()) > 0);
      const item = (await t.staff.request('GET', `/api/v1/console/contact-exports/${started.body.exportId}`)).body;
      expect(item.status).toBe('succeeded');
      const get = (client: Client, url: string) => ctx.app.server.inject({ method: 'GET', url, headers: client.authHeaders() });
      expect((await get(t.staff, `/api/v1/console/contact-exports/${started.body.exportId}/download`)).statusCode).toBe(200);

      // An exporter who sees the mobile masked (no 联系人不脱敏) must not get the clear file.
      const exporter = await memberWith(ctx.app, t.staff, ['contacts.export']);
      const viaExport = await get(exporter, `/api/v1/console/contact-exports/${started.body.exportId}/download`);
      expect(viaExport.statusCode).toBe(403);
      expect(viaExport.payload).not.toContain('13800000001');
      const viaFiles = await get(exporter, `/api/v1/files/${item.fileId}`);
      expect(viaFiles.statusCode).toBe(403);
      // With 联系人不脱敏 it may.
      const clear = await memberWith(ctx.app, t.staff, ['contacts.export', 'contacts.unmasked']);
      expect((await get(clear, `/api/v1/console/contact-exports/${started.body.exportId}/download`)).statusCode).toBe(200);
      expect((await get(clear, `/api/v1/files/${item.fileId}`)).statusCode).toBe(200);
    });

    it('the uploaded import file and its failure file are not downloadable by staff without 用户-导入', async () => {
      const t = await identityTenant(ctx.app, appIds());
      const file = await filledTemplate(ctx.app, t.staff, [
        { 姓名: '张三', 手机号码: '13800138000' },
        { 姓名: '李四', 手机号码: '1380013800' },
      ]);
      const res = await t.staff.request('POST', '/api/v1/console/contact-imports', xlsxPart(file));
      expect(res.statusCode, JSON.stringify(res.body)).toBe(202);
      await runTasks(ctx.app);
      const row = (await ctx.app.oltp.forTenant(t.tenantId).from('contact_import').where({ id: res.body.id }).first()) as {
        file_id: number | string;
        failure_file_id: number | string;
      };
      expect(row.failure_file_id).not.toBeNull();
      const outsider = await normalStaff(ctx.app, t.tenantId);
      for (const fileId of [row.file_id, row.failure_file_id]) {
        const got = await outsider.request('GET', `/api/v1/files/${String(fileId)}`);
        expect(got.statusCode, `file ${String(fileId)}`).toBe(403);
      }
      const importer = await memberWith(ctx.app, t.staff, ['contacts.import']);
      const failure = await importer.request('GET', `/api/v1/files/${String(row.failure_file_id)}`);
      expect(failure.statusCode).toBe(200);
    });
    it('an erasure’s result file is for staff who may erase (connections.edit)', async () => {
      const t = await identityTenant(ctx.app, appIds());
      await t.collect('batch', { batch: [identify('u-1', { traits: { name: '张三' } })] });
      await t.drain();
      const res = await t.staff.request('POST', '/api/v1/console/contact-erasures', { channelId: t.channelId, userId: 'u-1' });
      expect(res.statusCode, JSON.stringify(res.body)).toBe(202);
      while ((await ctx.app.jobs.worker.poll()) > 0);
      const erasure = (await t.staff.request('GET', `/api/v1/console/contact-erasures/${res.body.id}`)).body;
      expect(erasure.fileId).toEqual(expect.any(String));
      const outsider = await normalStaff(ctx.app, t.tenantId);
      expect((await outsider.request('GET', `/api/v1/files/${erasure.fileId}`)).statusCode).toBe(403);
      expect((await t.staff.request('GET', `/api/v1/files/${erasure.fileId}`)).statusCode).toBe(200);
    });

    it('an export’s filter may not test a field the caller sees masked (the count would reveal it)', async () => {
      const t = await identityTenant(ctx.app, appIds());
      await t.collect('batch', { batch: [identify('u-1', { traits: { name: '张三', mobilePhone: '13800000001' } })] });
      await t.drain();
      expect((await t.staff.request('PUT', '/api/v1/contact-field-masks/mobilePhone', { masked: true })).statusCode).toBe(200);
      const exporter = await memberWith(ctx.app, t.staff, ['contacts.export']);
      const probe = (prefix: string) =>
        exporter.request('POST', '/api/v1/console/contact-exports', {
          fields: ['name'],
          filter: { type: 'and', conditions: [{ type: 'property', property: 'mobile', operator: 'contains', values: [prefix] }] },
        });
      const res = await probe('1380000000');
      expect(res.statusCode, JSON.stringify(res.body)).toBe(400);
      expect(res.body.code).toBe('contact_filter_invalid');
    });
  },
  { plugins: firstPartyPlugins },
);
