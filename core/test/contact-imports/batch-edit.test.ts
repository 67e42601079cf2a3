import { describe, expect, it } from 'vitest';
import { checkCell } from '../../src/modules/contact-imports/contact-sheet.js';
import {
  BATCH_EDIT_TASK,
  EXPORT_MARKER,
  TEMPLATE_MARKER,
  type SheetField,
} from '../../src/modules/contact-imports/contact-imports.types.js';
import type { ContactRow } from '../../src/modules/contacts/contacts.types.js';
import { rolesTenant } from '../staff/support.js';
import { Client, createTenant, describeEngines, type TestApp } from '../support/test-app.js';
import { exportFile, filledTemplate, getBytes, readSheet, runTasks, xlsxPart } from './support.js';

async function importContacts(app: TestApp, client: Client, rows: Record<string, string>[]): Promise<void> {
  const res = await client.request('POST', '/api/v1/console/contact-imports', xlsxPart(await filledTemplate(app, client, rows)));
  expect(res.statusCode, JSON.stringify(res.body)).toBe(202);
  await runTasks(app);
}

const contactsOf = async (app: TestApp, tenantId: string) =>
  (await app.oltp.forTenant(tenantId).from('contact').orderBy('id').select('*')) as unknown as ContactRow[];

describeEngines('batch edit (§1.4.6)', (ctx) => {
  it('overwrites every editable column present for the listed contacts, ignores read-only columns, and reports bad rows in a failure file', async () => {
    const tenant = await createTenant(ctx.app);
    const other = await createTenant(ctx.app);
    const admin = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const otherAdmin = await Client.staff(ctx.app.server, other.email, other.password);
    const coupon = (await admin.request('POST', '/api/v1/metadata/contact-fields', { name: '优惠码', type: 'string' })).body
      .key as string;
    await importContacts(ctx.app, admin, [
      { 姓名: '张三', 手机号码: '13800138000', 公司: '汇流' },
      { 姓名: '李四', 手机号码: '13900139000' },
      { 姓名: '王五' },
    ]);
    await importContacts(ctx.app, otherAdmin, [{ 姓名: '别人' }]);
    const [zhang, li, wang] = await contactsOf(ctx.app, tenant.tenantId);
    const [victim] = await contactsOf(ctx.app, other.tenantId);
    const before = { zhang: zhang!, wang: wang! };

    const file = await exportFile(
      [
        { key: 'contactId', label: '用户ID' },
        { key: 'name', label: '姓名' },
        { key: 'mobilePhone', label: '手机号码' },
        { key: coupon, label: '优惠码' },
        { key: 'createdAt', label: '创建时间' },
        { key: 'externalId@1', label: 'externalId_1_官网' },
      ],
      [
        [zhang!.id, '张三丰', '13800138001', 'CODE1', '2001-01-01', 'ext-1'],
        // A blank cell clears (overwrite); the company column is not in the file: kept.
        [li!.id, '李四', null, 'CODE2', null, null],
        [wang!.id, '王五', '138-0013-8000', 'CODE3', null, null],
        ['999999999', '无此人', null, 'CODE4', null, null],
        [victim!.id, '越权', null, 'CODE5', null, null],
        ['abc', '坏ID', null, null, null, null],
      ],
    );
    const res = await admin.request('POST', '/api/v1/console/contact-imports/batch-edits', xlsxPart(file));
    expect(res.statusCode, JSON.stringify(res.body)).toBe(202);
    expect(res.body.kind).toBe('batchEdit');
    await runTasks(ctx.app);

    const after = new Map((await contactsOf(ctx.app, tenant.tenantId)).map((row) => [String(row.id), row]));
    const z = after.get(String(zhang!.id))!;
    expect(z).toMatchObject({ name: '张三丰', mobile: '13800138001', company: '汇流' });
    expect(JSON.parse(z.attributes!)).toEqual({ [coupon.slice(4)]: 'CODE1' });
    // Read-only: the created time is not the file's.
    expect(Number(z.created_at)).toBe(Number(before.zhang.created_at));
    expect(Number(z.updated_at)).toBeGreaterThanOrEqual(Number(before.zhang.updated_at));
    const l = after.get(String(li!.id))!;
    expect(l.mobile).toBeNull();
    expect(JSON.parse(l.attributes!)).toEqual({ [coupon.slice(4)]: 'CODE2' });
    // A bad row changes nothing of its contact.
    expect(after.get(String(wang!.id))).toEqual(before.wang);
    // The other tenant's contact is untouched.
    expect((await contactsOf(ctx.app, other.tenantId))[0]).toEqual(victim);

    const notification = (
      (await admin.request('GET', '/api/v1/notifications?page=1&pageSize=10')).body.items as {
        kind: string;
        level: string;
        counts: Record<string, number>;
        files: { id: string }[];
      }[]
    ).find((n) => n.kind === BATCH_EDIT_TASK)!;
    expect(notification.level).toBe('error');
    expect(notification.counts).toEqual({ rows: 6, updated: 2, failed: 4 });
    const failure = await readSheet(await getBytes(ctx.app, admin, `/api/v1/files/${notification.files[0]!.id}`));
    // The failure file is an export again (it can be fixed and uploaded for batch edit once more).
    expect(failure.marker).toBe(EXPORT_MARKER);
    expect(failure.keys[0]).toBe('contactId');
    const reasons = new Map(failure.rows.slice(1).map((r) => [Number(r.at(-2)), r.at(-1)]));
    expect(reasons).toEqual(
      new Map([
        [4, '手机号码存在“-”'],
        [5, '用户不存在（可能已被删除）'],
        [6, '用户不存在（可能已被删除）'],
        [7, '用户ID 为空或不正确'],
      ]),
    );
    // 操作日志: 用户 · 编辑 (a batch).
    const log = await admin.request('GET', '/api/v1/operation-logs?objectType=contact&operation=edit');
    expect(log.body.items[0].detail).toMatchObject({ batch: true });
  });

  it('takes only an export (the export marker and its contact ID column)', async () => {
    const tenant = await createTenant(ctx.app);
    const admin = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const template = await filledTemplate(ctx.app, admin, [{ 姓名: '张三' }]);
    const noId = await exportFile([{ key: 'name', label: '姓名' }], [['张三']]);
    const asTemplate = await exportFile(
      [
        { key: 'contactId', label: '用户ID' },
        { key: 'name', label: '姓名' },
      ],
      [['1', '张三']],
      TEMPLATE_MARKER,
    );
    const unknown = await exportFile(
      [
        { key: 'contactId', label: '用户ID' },
        { key: 'attr99', label: '不存在' },
      ],
      [['1', 'x']],
    );
    for (const [content, code] of [
      [template, 'contact_import_not_export'],
      [noId, 'contact_import_not_export'],
      [asTemplate, 'contact_import_not_export'],
      [unknown, 'contact_import_column_unknown'],
    ] as const) {
      const res = await admin.request('POST', '/api/v1/console/contact-imports/batch-edits', xlsxPart(content));
      expect(res.statusCode).toBe(202);
      await runTasks(ctx.app);
      const done = await admin.request('GET', `/api/v1/console/contact-imports/${res.body.id}`);
      expect(done.body).toMatchObject({ status: 'failed', errorCode: code });
    }
    // Adding to a static group: a group the tenant does not have is refused before anything runs
    // (the groups module's sink; core/test/groups/static.test.ts adds to one).
    const withGroup = await admin.request(
      'POST',
      '/api/v1/console/contact-imports/batch-edits',
      xlsxPart(noId, 'x.xlsx', { groupId: '999999999' }),
    );
    expect(withGroup.statusCode).toBe(404);
    expect(withGroup.body.code).toBe('group_not_found');
  });

  it('keeps a masked field whose cell a masked staff member left blank or as ***, and saves a value typed into it', async () => {
    const r = await rolesTenant(ctx.app);
    expect((await r.admin.request('PUT', '/api/v1/contact-field-masks/mobilePhone', { masked: true })).statusCode).toBe(200);
    await importContacts(ctx.app, r.admin, [
      { 姓名: '甲', 手机号码: '13800000001' },
      { 姓名: '乙', 手机号码: '13800000002' },
      { 姓名: '丙', 手机号码: '13800000003' },
    ]);
    const [a, b, c] = await contactsOf(ctx.app, r.tenant.tenantId);
    const editor = await (await r.member([(await r.role('editor', ['contacts.edit'])).id])).login();
    const file = await exportFile(
      [
        { key: 'contactId', label: '用户ID' },
        { key: 'name', label: '姓名' },
        { key: 'mobilePhone', label: '手机号码' },
      ],
      [
        [a!.id, '甲2', null],
        [b!.id, '乙2', '***'],
        [c!.id, '丙2', '13900000003'],
      ],
    );
    expect((await editor.request('POST', '/api/v1/console/contact-imports/batch-edits', xlsxPart(file))).statusCode).toBe(202);
    await runTasks(ctx.app);
    const rows = await contactsOf(ctx.app, r.tenant.tenantId);
    expect(rows.map((row) => [row.name, row.mobile])).toEqual([
      ['甲2', '13800000001'],
      ['乙2', '13800000002'],
      ['丙2', '13900000003'],
    ]);
    // The super staff sees clear text: a blank cell clears.
    const clear = await exportFile(
      [
        { key: 'contactId', label: '用户ID' },
        { key: 'mobilePhone', label: '手机号码' },
      ],
      [[a!.id, null]],
    );
    expect((await r.admin.request('POST', '/api/v1/console/contact-imports/batch-edits', xlsxPart(clear))).statusCode).toBe(202);
    await runTasks(ctx.app);
    expect((await contactsOf(ctx.app, r.tenant.tenantId))[0]!.mobile).toBeNull();
  });
});

describe('cell checks (§1.4.3.3)', () => {
  const field = (kind: SheetField['kind'], max?: number): SheetField => ({ key: 'k', label: 'K', kind, max });
  const codes = (kind: SheetField['kind'], text: string) => checkCell(field(kind, 255), text).problems.map((p) => p.code);

  it('fails every special symbol of the seed (#&*……%￥) and every kind of space, in any column', () => {
    for (const text of ['a#b', 'a&b', 'a*b', 'a……b', 'a%b', 'a￥b', 'a¥b'])
      expect(codes('text', text), text).toEqual(['contact_import_row_symbol']);
    for (const text of ['a b', 'a\tb', 'a\u3000b', 'a\u00a0b', 'ab '])
      expect(codes('text', text), JSON.stringify(text)).toEqual(['contact_import_row_space']);
  });

  it('checks phones: 11 digits, no Chinese, no “-”, one number per cell', () => {
    expect(checkCell(field('mobile'), '13800138000')).toEqual({ value: '13800138000', problems: [] });
    expect(codes('mobile', '1380013800')).toEqual(['contact_import_row_mobile_length']);
    expect(codes('mobile', '138001380000')).toEqual(['contact_import_row_mobile_length']);
    expect(codes('mobile', '一3800138000')).toEqual(['contact_import_row_phone_chinese']);
    expect(codes('mobile', '138-0013-8000')).toEqual(['contact_import_row_phone_hyphen']);
    expect(codes('mobile', '13800138000/13900139000')).toEqual(['contact_import_row_phone_multiple']);
    expect(codes('mobile', '1380013800013900139000')).toEqual(['contact_import_row_phone_multiple']);
    expect(codes('homePhone', '021-33654565-')).toEqual(['contact_import_row_phone_hyphen']);
    expect(codes('homePhone', '02133654565')).toEqual([]);
  });

  it('checks emails: one valid address per cell', () => {
    expect(codes('email', 'a.b+c@example.com.cn')).toEqual([]);
    expect(codes('email', 'abc')).toEqual(['contact_import_row_email_invalid']);
    expect(codes('email', '张三@例子.com')).toEqual(['contact_import_row_email_invalid']);
    expect(codes('email', 'a@x.com,b@y.com')).toEqual(['contact_import_row_email_multiple']);
    expect(codes('email', 'a@b@c.com')).toEqual(['contact_import_row_email_multiple']);
  });

  it('converts genders, dates and numbers of custom fields', () => {
    expect(checkCell(field('gender'), '女').value).toBe('female');
    expect(checkCell(field('gender'), 'Male').value).toBe('male');
    expect(codes('date', '2024-02-29')).toEqual([]);
    expect(codes('date', '2023-02-29')).toEqual(['contact_import_row_date_invalid']);
    expect(checkCell(field('integer'), '-42').value).toBe(-42);
    expect(codes('integer', '4.2')).toEqual(['contact_import_row_integer_invalid']);
    expect(checkCell(field('decimal'), '4.25').value).toBe(4.25);
    expect(codes('decimal', '4,25')).toEqual(['contact_import_row_decimal_invalid']);
    expect(codes('text', 'x'.repeat(256))).toEqual(['contact_import_row_too_long']);
  });
});
