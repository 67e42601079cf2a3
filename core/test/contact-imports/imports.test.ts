import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { taskQueueRef } from '../../src/jobs/task-queue.js';
import { contactImportsServiceRef } from '../../src/modules/contact-imports/contact-imports.service.js';
import { IMPORT_TASK, META_SHEET, TEMPLATE_MARKER } from '../../src/modules/contact-imports/contact-imports.types.js';
import { contactsServiceRef } from '../../src/modules/contacts/contacts.service.js';
import type { ContactRow } from '../../src/modules/contacts/contacts.types.js';
import { rolesTenant } from '../staff/support.js';
import { Client, createTenant, describeEngines, type TestApp } from '../support/test-app.js';
import { filledTemplate, getBytes, readSheet, runTasks, xlsxPart } from './support.js';

interface Notification {
  id: string;
  kind: string;
  level: 'success' | 'error';
  taskId: string;
  counts: Record<string, number>;
  files: { id: string; name: string }[];
  error: { code: string } | null;
}

async function setup(app: TestApp) {
  const tenant = await createTenant(app);
  const admin = await Client.staff(app.server, tenant.email, tenant.password);
  const field = async (name: string, type: string) => {
    const res = await admin.request('POST', '/api/v1/metadata/contact-fields', { name, type });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
    return res.body.key as string;
  };
  const contacts = async () =>
    (await app.oltp.forTenant(tenant.tenantId).from('contact').orderBy('id').select('*')) as unknown as ContactRow[];
  const notifications = async (client = admin) =>
    (await client.request('GET', '/api/v1/notifications?page=1&pageSize=50')).body.items as Notification[];
  const upload = async (content: Buffer, client = admin) =>
    client.request('POST', '/api/v1/console/contact-imports', xlsxPart(content));
  return { tenant, admin, field, contacts, notifications, upload };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** Imports a file to the end: its notification. */
async function importToEnd(app: TestApp, t: Setup, content: Buffer): Promise<Notification> {
  const res = await t.upload(content);
  expect(res.statusCode, JSON.stringify(res.body)).toBe(202);
  await runTasks(app);
  const notification = (await t.notifications()).find((n) => n.taskId === res.body.taskId);
  expect(notification, 'a notification for the import').toBeDefined();
  return notification!;
}

describeEngines('contact import (§1.4.3, §1.4.9)', (ctx) => {
  it('serves the template: system fields and custom fields with zh-CN labels, the very hidden _huiliu sheet with the marker and keys', async () => {
    const t = await setup(ctx.app);
    const coupon = await t.field('优惠码', 'string');
    const res = await ctx.app.server.inject({
      method: 'GET',
      url: '/api/v1/console/contact-imports/template',
      headers: t.admin.authHeaders(),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    expect(String(res.headers['content-disposition'])).toContain('.xlsx');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.name).toBe('用户');
    const labels: string[] = [];
    sheet.getRow(1).eachCell((cell) => labels.push(String(cell.value)));
    expect(labels.slice(0, 6)).toEqual(['姓名', '昵称', '性别', '生日', '手机号码', '邮箱']);
    expect(labels.at(-1)).toBe('优惠码');
    const meta = workbook.getWorksheet(META_SHEET)!;
    expect(meta.state).toBe('veryHidden');
    expect(meta.getCell('A1').value).toBe(TEMPLATE_MARKER);
    expect(meta.getCell('A2').value).toBe('name');
    expect(meta.getCell(labels.length + 1, 1).value).toBe(coupon);
  });

  it('imports the good rows and fails each bad row with the seed’s reasons; the notification links a failure file naming them', async () => {
    const t = await setup(ctx.app);
    const points = await t.field('积分', 'integer');
    const ratio = await t.field('折扣', 'decimal');
    const joined = await t.field('入会日期', 'date');
    const file = await filledTemplate(ctx.app, t.admin, [
      /* 2 */ {
        姓名: '张三',
        手机号码: '13800138000',
        邮箱: 'zhang@example.com',
        性别: '男',
        生日: '1990-01-02',
        积分: '12',
        折扣: '0.85',
        入会日期: '2023-05-01',
      },
      /* 3 */ { 手机号码: '13900139000' },
      /* 4 */ { 姓名: '李 四' },
      /* 5 */ { 姓名: '王五', 公司: { value: '汇流', note: '请核对' } },
      /* 6 */ { 姓名: '赵六#' },
      /* 7 */ { 姓名: '钱七', 备注: 'VIP&老客户' },
      /* 8 */ { 姓名: '孙八', 备注: '满100减20%' },
      /* 9 */ { 姓名: '周九', 备注: '价格￥99' },
      /* 10 */ { 姓名: '吴十', 备注: '待定……' },
      /* 11 */ { 姓名: '郑一', 备注: '重点*' },
      /* 12 */ { 姓名: '冯二', 手机号码: '1380013800' },
      /* 13 */ { 姓名: '陈三', 手机号码: '1380013800零' },
      /* 14 */ { 姓名: '褚四', 手机号码: '138-0013-8000' },
      /* 15 */ { 姓名: '卫五', 座机: '021-33654565-' },
      /* 16 */ { 姓名: '蒋六', 手机号码: '13800138000,13900139000' },
      /* 17 */ { 姓名: '沈七', 邮箱: 'shen.example.com' },
      /* 18 */ { 姓名: '韩八', 邮箱: '韩八@例子.com' },
      /* 19 */ { 姓名: '杨九', 邮箱: 'a@example.com;b@example.com' },
      /* 20 */ { 姓名: '朱十', 性别: '男性' },
      /* 21 */ { 姓名: '秦一', 生日: '1990-02-30' },
      /* 22 */ { 姓名: '尤二', 积分: '十二' },
      /* 23 */ { 姓名: '许三', 折扣: 'abc' },
      /* 24 */ { 姓名: '何四', 入会日期: '2023/13/01' },
      /* 25 */ { 姓名: '吕五', 邮箱: 'lv\t@example.com' },
      /* 26 */ { 姓名: '施六', 昵称: 'x'.repeat(256) },
      /* 27 */ { 姓名: '孔七', 手机号码: '13700137000' },
    ]);
    const notification = await importToEnd(ctx.app, t, file);
    expect(notification.kind).toBe(IMPORT_TASK);
    // 存在部分导入失败: red, with the counts and the failure file.
    expect(notification.level).toBe('error');
    expect(notification.counts).toEqual({ rows: 26, imported: 2, failed: 24 });
    expect(notification.files).toHaveLength(1);

    const rows = await t.contacts();
    expect(rows.map((r) => r.name)).toEqual(['张三', '孔七']);
    const zhang = rows[0]!;
    expect(zhang).toMatchObject({ mobile: '13800138000', email: 'zhang@example.com', gender: 'male', birthday: '1990-01-02' });
    expect(Boolean(zhang.identified)).toBe(true);
    expect(Number(zhang.created_at)).toBeGreaterThan(0);
    expect(JSON.parse(zhang.attributes!)).toEqual({
      [points.slice(4)]: 12,
      [ratio.slice(4)]: 0.85,
      [joined.slice(4)]: '2023-05-01',
    });
    // Through the outbox into OLAP.
    const outbox = await ctx.app.oltp.forTenant(t.tenant.tenantId).from('contact_change').select('contact_id');
    expect(outbox.map((r: { contact_id: number | string }) => String(r.contact_id)).sort()).toEqual(
      rows.map((r) => String(r.id)).sort(),
    );
    await ctx.app.service(contactsServiceRef).syncAll();
    const olap = await ctx.app.olap
      .forTenant(t.tenant.tenantId)
      .query('SELECT name, mobile, identified FROM contacts ORDER BY id', { rowMode: 'json' });
    expect(olap.rows).toEqual([
      { name: '张三', mobile: '13800138000', identified: true },
      { name: '孔七', mobile: '13700137000', identified: true },
    ]);

    // The failure file: the row numbers as in the sheet and every reason, in the uploader's language.
    const failure = await readSheet(await getBytes(ctx.app, t.admin, `/api/v1/files/${notification.files[0]!.id}`));
    expect(failure.marker).toBe(TEMPLATE_MARKER);
    expect(failure.keys.slice(-2)).toEqual(['_row', '_reasons']);
    const header = failure.rows[0]!;
    expect(header.slice(-2)).toEqual(['原行号', '失败原因']);
    const reasons = new Map(failure.rows.slice(1).map((r) => [Number(r.at(-2)), r.at(-1)!]));
    expect([...reasons.keys()]).toEqual([
      3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
    ]);
    expect(reasons.get(3)).toBe('姓名为必填项');
    expect(reasons.get(4)).toBe('姓名存在空格');
    expect(reasons.get(5)).toBe('公司存在批注');
    for (const row of [6, 7, 8, 9, 10, 11]) expect(reasons.get(row)).toMatch(/包含特殊符号/);
    expect(reasons.get(12)).toBe('手机号码位数不对（须为 11 位数字）');
    expect(reasons.get(13)).toBe('手机号码写入了中文');
    expect(reasons.get(14)).toBe('手机号码存在“-”');
    expect(reasons.get(15)).toBe('座机存在“-”');
    expect(reasons.get(16)).toBe('手机号码一个单元格中有多个号码');
    expect(reasons.get(17)).toBe('邮箱格式不正确');
    expect(reasons.get(18)).toBe('邮箱格式不正确');
    expect(reasons.get(19)).toBe('邮箱一个单元格中有多个邮箱');
    expect(reasons.get(20)).toBe('性别只能填写 男、女 或 未知');
    expect(reasons.get(21)).toBe('生日不是有效日期（格式 YYYY-MM-DD）');
    expect(reasons.get(22)).toBe('积分须为整数');
    expect(reasons.get(23)).toBe('折扣须为数字');
    expect(reasons.get(24)).toBe('入会日期不是有效日期（格式 YYYY-MM-DD）');
    expect(reasons.get(25)).toMatch(/邮箱存在空格/);
    expect(reasons.get(26)).toBe('昵称超过 255 个字符');
    // The bad rows' cells as uploaded, so they can be fixed and uploaded again.
    const nameColumn = header.indexOf('姓名');
    expect(failure.rows.find((r) => r.at(-2) === '4')![nameColumn]).toBe('李 四');

    // 操作日志: 用户 · 导入.
    const log = await t.admin.request('GET', '/api/v1/operation-logs?objectType=contact&operation=import');
    expect(log.statusCode, JSON.stringify(log.body)).toBe(200);
    expect(log.body.items).toHaveLength(1);
  });

  it('writes the failure reasons in English for an en-US uploader, and a clean file notifies green', async () => {
    const t = await setup(ctx.app);
    t.admin.language = 'en-US';
    const notification = await importToEnd(
      ctx.app,
      t,
      await filledTemplate(ctx.app, t.admin, [{ 姓名: '张三' }, { 姓名: '李 四' }]),
    );
    const failure = await readSheet(await getBytes(ctx.app, t.admin, `/api/v1/files/${notification.files[0]!.id}`));
    expect(failure.rows[0]!.slice(-2)).toEqual(['Row', 'Reasons']);
    expect(failure.rows[1]!.slice(-2)).toEqual(['3', 'Name contains a space']);
    const clean = await importToEnd(ctx.app, t, await filledTemplate(ctx.app, t.admin, [{ 姓名: '王五' }]));
    expect(clean.level).toBe('success');
    expect(clean.counts).toEqual({ rows: 1, imported: 1, failed: 0 });
    expect(clean.files).toEqual([]);
  });

  it('refuses whole files: no name on any row, not the template, moved columns, more than 20,000 rows, not an xlsx', async () => {
    const t = await setup(ctx.app);
    const refused = async (content: Buffer, code: string) => {
      const notification = await importToEnd(ctx.app, t, content);
      expect(notification.level).toBe('error');
      expect(notification.error?.code).toBe(code);
      const task = await t.admin.request('GET', `/api/v1/tasks/${notification.taskId}`);
      expect(task.body).toMatchObject({ status: 'failed', error: { code } });
    };
    await refused(
      await filledTemplate(ctx.app, t.admin, [{ 手机号码: '13800138000' }, { 邮箱: 'a@example.com' }]),
      'contact_import_name_missing',
    );
    // Not the system template: a workbook of our own with the same header.
    const own = new ExcelJS.Workbook();
    own.addWorksheet('用户').addRows([
      ['姓名', '手机号码'],
      ['张三', '13800138000'],
    ]);
    await refused(Buffer.from(await own.xlsx.writeBuffer()), 'contact_import_not_template');
    // The template with its marker changed.
    await refused(
      await filledTemplate(
        ctx.app,
        t.admin,
        [{ 姓名: '张三' }],
        (wb) => (wb.getWorksheet(META_SHEET)!.getCell('A1').value = 'x'),
      ),
      'contact_import_not_template',
    );
    // Two columns swapped in the header.
    await refused(
      await filledTemplate(ctx.app, t.admin, [{ 姓名: '张三' }], (wb) => {
        const header = wb.worksheets[0]!.getRow(1);
        header.getCell(1).value = '昵称';
        header.getCell(2).value = '姓名';
      }),
      'contact_import_columns_changed',
    );
    await refused(
      await filledTemplate(ctx.app, t.admin, [], (wb) => {
        const sheet = wb.worksheets[0]!;
        for (let i = 0; i < 20_001; i += 1) sheet.getRow(i + 2).getCell(1).value = `用户${i}`;
      }),
      'contact_import_too_many_rows',
    );
    await refused(await filledTemplate(ctx.app, t.admin, []), 'contact_import_empty');
    expect(await t.contacts()).toEqual([]);
    // Not an xlsx at all: refused at once.
    const csv = await t.upload(Buffer.from('姓名\n张三\n'));
    expect(csv.statusCode).toBe(400);
    expect(csv.body.code).toBe('contact_import_file_invalid');
  });

  it('imports exactly 20,000 rows', async () => {
    const t = await setup(ctx.app);
    const file = await filledTemplate(ctx.app, t.admin, [], (wb) => {
      const sheet = wb.worksheets[0]!;
      for (let i = 0; i < 20_000; i += 1) {
        const row = sheet.getRow(i + 2);
        row.getCell(1).value = `用户${i}`;
        row.getCell(5).value = String(13_000_000_000 + i);
      }
    });
    const notification = await importToEnd(ctx.app, t, file);
    expect(notification.counts).toEqual({ rows: 20_000, imported: 20_000, failed: 0 });
    const n = await ctx.app.oltp.forTenant(t.tenant.tenantId).from('contact').count({ n: '*' }).first();
    expect(Number((n as { n: number }).n)).toBe(20_000);
  }, 120_000);

  it('runs one import at a time per tenant: a second upload (or batch edit) is refused with import_running', async () => {
    const t = await setup(ctx.app);
    const other = await setup(ctx.app);
    const file = await filledTemplate(ctx.app, t.admin, [{ 姓名: '张三' }]);
    const first = await t.upload(file);
    expect(first.statusCode).toBe(202);
    const second = await t.upload(file);
    expect(second.statusCode).toBe(409);
    expect(second.body.code).toBe('import_running');
    const edit = await t.admin.request('POST', '/api/v1/console/contact-imports/batch-edits', xlsxPart(file));
    expect(edit.body.code).toBe('import_running');
    // Another tenant is not held back.
    expect((await other.upload(await filledTemplate(ctx.app, other.admin, [{ 姓名: '李四' }]))).statusCode).toBe(202);
    await runTasks(ctx.app);
    const progress = await t.admin.request('GET', `/api/v1/console/contact-imports/${first.body.id}`);
    expect(progress.body).toMatchObject({ status: 'done', progress: 100, totalRows: 1, successCount: 1, failureCount: 0 });
    // Once it ended, the next one is accepted.
    expect((await t.upload(file)).statusCode).toBe(202);
    await runTasks(ctx.app);
    expect(await t.contacts()).toHaveLength(2);
  });

  it('needs contacts.import for the template and the upload (403), contacts.edit for batch edit', async () => {
    const r = await rolesTenant(ctx.app);
    const viewer = await (await r.member([(await r.role('viewer', ['contacts.view'])).id])).login();
    expect((await viewer.request('GET', '/api/v1/console/contact-imports/template')).statusCode).toBe(403);
    const file = await filledTemplate(ctx.app, r.admin, [{ 姓名: '张三' }]);
    expect((await viewer.request('POST', '/api/v1/console/contact-imports', xlsxPart(file))).statusCode).toBe(403);
    expect((await viewer.request('POST', '/api/v1/console/contact-imports/batch-edits', xlsxPart(file))).statusCode).toBe(403);
    const importer = await (await r.member([(await r.role('importer', ['contacts.import'])).id])).login();
    expect((await importer.request('GET', '/api/v1/console/contact-imports/template')).statusCode).toBe(200);
    expect((await importer.request('POST', '/api/v1/console/contact-imports', xlsxPart(file))).statusCode).toBe(202);
    expect((await importer.request('POST', '/api/v1/console/contact-imports/batch-edits', xlsxPart(file))).statusCode).toBe(403);
    await runTasks(ctx.app);
  });

  it('imports masked fields as given for a masked staff member (they show masked afterwards); the answer reveals nothing', async () => {
    const r = await rolesTenant(ctx.app);
    expect((await r.admin.request('PUT', '/api/v1/contact-field-masks/mobilePhone', { masked: true })).statusCode).toBe(200);
    const importer = await (await r.member([(await r.role('importer', ['contacts.import'])).id])).login();
    const res = await importer.request(
      'POST',
      '/api/v1/console/contact-imports',
      xlsxPart(await filledTemplate(ctx.app, r.admin, [{ 姓名: '张三', 手机号码: '13800138000' }])),
    );
    expect(res.statusCode).toBe(202);
    await runTasks(ctx.app);
    const row = (await ctx.app.oltp.forTenant(r.tenant.tenantId).from('contact').first()) as ContactRow;
    expect(row.mobile).toBe('13800138000');
    const done = await importer.request('GET', `/api/v1/console/contact-imports/${res.body.id}`);
    expect(JSON.stringify(done.body)).not.toContain('13800138000');
  });
});

describeEngines('contact import crash safety (ADR 0033)', (ctx) => {
  /** Claims the import's task as a worker that then dies (its lease expires) and runs it up to `fault`. */
  async function dieDuring(app: TestApp, fault: 'beforeCommit' | 'afterCommit') {
    const imports = app.service(contactImportsServiceRef);
    const queue = app.service(taskQueueRef);
    const [task] = await queue.claim('dead-worker', { kinds: [IMPORT_TASK], leaseMs: 200 });
    expect(task).toBeDefined();
    imports.faults = {
      [fault]: () => {
        throw new Error('worker killed');
      },
    };
    await expect(
      imports.run({ task: task!, signal: new AbortController().signal, progress: async () => undefined, logger: app.logger }),
    ).rejects.toThrow('worker killed');
    imports.faults = {};
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  it('leaves nothing half-imported when the worker dies before the commit; the next claim imports every row once', async () => {
    const t = await setup(ctx.app);
    const rows = Array.from({ length: 1200 }, (_, i) => ({ 姓名: `用户${i}` }));
    expect((await t.upload(await filledTemplate(ctx.app, t.admin, [...rows, { 姓名: '坏 行' }]))).statusCode).toBe(202);
    await dieDuring(ctx.app, 'beforeCommit');
    expect(await t.contacts()).toEqual([]);
    // Still one at a time: the dead worker's task holds the mutex until it ends.
    expect((await t.upload(await filledTemplate(ctx.app, t.admin, [{ 姓名: 'x' }]))).body.code).toBe('import_running');
    await runTasks(ctx.app);
    const notification = (await t.notifications())[0]!;
    expect(notification.counts).toEqual({ rows: 1201, imported: 1200, failed: 1 });
    expect(await t.contacts()).toHaveLength(1200);
  });

  it('writes nothing again when the worker dies after the commit: the re-run reports the committed result', async () => {
    const t = await setup(ctx.app);
    expect((await t.upload(await filledTemplate(ctx.app, t.admin, [{ 姓名: '张三' }, { 姓名: '李 四' }]))).statusCode).toBe(202);
    await dieDuring(ctx.app, 'afterCommit');
    expect(await t.contacts()).toHaveLength(1);
    await runTasks(ctx.app);
    expect(await t.contacts()).toHaveLength(1);
    const notification = (await t.notifications())[0]!;
    expect(notification.counts).toEqual({ rows: 2, imported: 1, failed: 1 });
    expect(notification.files).toHaveLength(1);
  });
});

describe('xlsx parsing runs in the piscina pool', () => {
  it('is a compiled worker function (dist/jobs/workers/pure.js)', async () => {
    const { pureWorkerFile } = await import('../../src/jobs/pool.js');
    expect(pureWorkerFile()).toMatch(/dist[/\\]jobs[/\\]workers[/\\]pure\.js$/);
  });
});
