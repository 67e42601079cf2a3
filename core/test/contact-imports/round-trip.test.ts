import ExcelJS from 'exceljs';
import { expect, it } from 'vitest';
import { contactsServiceRef } from '../../src/modules/contacts/contacts.service.js';
import type { ContactRow } from '../../src/modules/contacts/contacts.types.js';
import { Client, createTenant, describeEngines } from '../support/test-app.js';
import { filledTemplate, getBytes, runTasks, xlsxPart } from './support.js';

/**
 * The shared xlsx contract end to end (issue 18): contacts imported from the real template, exported
 * by the real export, edited in the downloaded file and uploaded to 批量编辑用户 — every exported
 * value (gender, birthday, numbers, read-only columns) is accepted back as it was written.
 */
describeEngines('import → export → batch edit round trip (§1.4.3, §1.4.4, §1.4.6)', (ctx) => {
  it('re-imports a downloaded export unchanged except for the edited cells', async () => {
    const tenant = await createTenant(ctx.app);
    const admin = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const field = async (name: string, type: string) => {
      const res = await admin.request('POST', '/api/v1/metadata/contact-fields', { name, type });
      expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
      return res.body.key as string;
    };
    const coupon = await field('优惠码', 'string');
    const points = await field('积分', 'integer');
    const ratio = await field('折扣', 'decimal');
    const visit = await field('到店日期', 'date');

    const imported = await admin.request(
      'POST',
      '/api/v1/console/contact-imports',
      xlsxPart(
        await filledTemplate(ctx.app, admin, [
          {
            姓名: '张三',
            性别: '男',
            生日: '1990-01-02',
            手机号码: '13800138000',
            邮箱: 'zhang@example.com',
            优惠码: 'OLD1',
            积分: '42',
            折扣: '0.85',
            到店日期: '2026-11-30',
          },
          { 姓名: '李四', 性别: '女', 手机号码: '13900139000' },
        ]),
      ),
    );
    expect(imported.statusCode, JSON.stringify(imported.body)).toBe(202);
    await runTasks(ctx.app);
    const importDone = await admin.request('GET', `/api/v1/console/contact-imports/${imported.body.id}`);
    expect(importDone.body, JSON.stringify(importDone.body)).toMatchObject({ status: 'done', successCount: 2, failureCount: 0 });
    // The contact sync loop (ARCHITECTURE §5.6) brings them to OLAP, where exports read.
    await ctx.app.service(contactsServiceRef).syncAll();

    const started = await admin.request('POST', '/api/v1/console/contact-exports', {
      fields: ['name', 'gender', 'birthday', 'mobilePhone', 'email', coupon, points, ratio, visit, 'createdAt', 'utm.source'],
    });
    expect(started.statusCode, JSON.stringify(started.body)).toBe(202);
    expect(started.body.count).toBe(2);
    await runTasks(ctx.app);
    const exported = await getBytes(ctx.app, admin, `/api/v1/console/contact-exports/${started.body.exportId}/download`);

    // The operator edits two cells of 张三's row in the downloaded file and uploads it as it is.
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(exported as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    const columnOf = (label: string) => {
      let found = 0;
      sheet.getRow(1).eachCell((cell, column) => {
        if (cell.value === label) found = column;
      });
      expect(found, `column ${label}`).toBeGreaterThan(0);
      return found;
    };
    let zhangRow = 0;
    sheet.eachRow((row, n) => {
      if (row.getCell(columnOf('姓名')).value === '张三') zhangRow = n;
    });
    sheet.getRow(zhangRow).getCell(columnOf('优惠码')).value = 'NEW1';
    sheet.getRow(zhangRow).getCell(columnOf('手机号码')).value = '13700137000';
    const edited = Buffer.from(await workbook.xlsx.writeBuffer());

    const before = (await ctx.app.oltp
      .forTenant(tenant.tenantId)
      .from('contact')
      .orderBy('id')
      .select('*')) as unknown as ContactRow[];
    const batch = await admin.request('POST', '/api/v1/console/contact-imports/batch-edits', xlsxPart(edited));
    expect(batch.statusCode, JSON.stringify(batch.body)).toBe(202);
    await runTasks(ctx.app);
    const batchDone = await admin.request('GET', `/api/v1/console/contact-imports/${batch.body.id}`);
    expect(batchDone.body, JSON.stringify(batchDone.body)).toMatchObject({ status: 'done', successCount: 2, failureCount: 0 });

    const after = (await ctx.app.oltp
      .forTenant(tenant.tenantId)
      .from('contact')
      .orderBy('id')
      .select('*')) as unknown as ContactRow[];
    /** A contact row without the columns the batch edit may change (updated time, mobile, attributes). */
    const strip = (row: ContactRow) => {
      const rest: Record<string, unknown> = { ...row };
      delete rest.updated_at;
      delete rest.mobile;
      return { ...rest, attributes: JSON.parse(row.attributes ?? '{}') as Record<string, unknown> };
    };
    const zhangBefore = before.find((row) => row.name === '张三')!;
    const zhangAfter = after.find((row) => row.name === '张三')!;
    expect(zhangAfter.mobile).toBe('13700137000');
    expect(strip(zhangAfter).attributes).toEqual({ ...strip(zhangBefore).attributes, [coupon.slice(4)]: 'NEW1' });
    expect({ ...strip(zhangAfter), attributes: null }).toEqual({ ...strip(zhangBefore), attributes: null });
    expect(zhangAfter).toMatchObject({ gender: 'male', birthday: '1990-01-02' });
    // 李四's row went back unchanged.
    const liBefore = before.find((row) => row.name === '李四')!;
    const liAfter = after.find((row) => row.name === '李四')!;
    expect(strip(liAfter)).toEqual(strip(liBefore));
    expect(liAfter.mobile).toBe(liBefore.mobile);
  });
});
