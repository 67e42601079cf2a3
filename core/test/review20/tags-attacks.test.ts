import { expect, it } from 'vitest';
import { tagStatuses } from '../../src/modules/tags/tags.types.js';
import { normalStaff } from '../support/staff.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines, multipart } from '../support/test-app.js';
import { TAGS, everyone, layered, tagsTenant } from '../tags/support.js';

/**
 * Review of issue 20 (tags): adversarial tests. A failing test here documents a bug; the report
 * (review20) names the fix. Nothing is skipped.
 */

/** A PUT body: the tag's fields without its (immutable) code. */
const change = (body: Record<string, unknown>) => Object.fromEntries(Object.entries(body).filter(([key]) => key !== 'code'));

const csv = (text: string, name = 'tags.csv') =>
  multipart({ filename: name, contentType: 'text/csv', content: Buffer.from(text, 'utf8') });

describeEngines(
  'review20: tags under attack',
  (ctx) => {
    it('R20-T1 status machine exactly as seed §1.6.2.5 / SPEC §5: edit in 完成/计算失败/失败, 立即计算 in 待计算/完成/计算失败/失败', async () => {
      const t = await tagsTenant(ctx.app);
      const tag = await t.createAndCompute(layered('tag_sm', [{ value: '全部', condition: everyone }]));
      expect(tag.status).toBe('done');
      const db = ctx.app.oltp.forTenant(t.tenantId);
      const editable = new Set(['new', 'done', 'compute_failed', 'failed']);
      const computable = new Set(['new', 'pending', 'done', 'compute_failed', 'failed']);
      for (const status of tagStatuses) {
        await db.from('tag').where('id', tag.id).update({ status, task_id: null });
        const put = await t.staff.request('PUT', `${TAGS}/${tag.id}`, {
          ...change(layered('tag_sm', [{ value: '全部', condition: everyone }])),
          name: `改名 ${status}`,
        });
        expect([status, put.statusCode], JSON.stringify(put.body)).toEqual([status, editable.has(status) ? 200 : 409]);
        await db.from('tag').where('id', tag.id).update({ status, task_id: null });
        const compute = await t.staff.request('POST', `${TAGS}/${tag.id}/compute`);
        expect([status, compute.statusCode], JSON.stringify(compute.body)).toEqual([status, computable.has(status) ? 202 : 409]);
        // Saving never starts a computation (groups do): a PUT leaves the status as it was.
        if (editable.has(status)) expect(put.body.status).toBe(status);
      }
      await db
        .from('task')
        .where({ tenant_id: t.tenantId })
        .delete()
        .catch(() => undefined);
    });

    it('R20-T2 kill -9 while 冗余中: the re-claimed task must finish or fail the tag, never leave it 冗余中 forever', async () => {
      const t = await tagsTenant(ctx.app);
      const created = await t.create(layered('tag_crash', [{ value: '全部', condition: everyone }]));
      expect(created.statusCode).toBe(201);
      const queued = await t.staff.request('POST', `${TAGS}/${created.body.id}/compute`);
      expect(queued.statusCode).toBe(202);
      const db = ctx.app.oltp.forTenant(t.tenantId);
      const tag = (await db.from('tag').where('id', created.body.id).first()) as { task_id: number | string };
      // The worker died after 计算完成 → 冗余中, before 完成: its lease expires, attempts are left.
      await db
        .from('task')
        .where('id', tag.task_id)
        .update({ status: 'running', attempts: 1, lease_owner: 'dead-process', lease_expires_at: Date.now() - 60_000 });
      await db.from('tag').where('id', created.body.id).update({ status: 'syncing' });
      await t.runTasks();
      const after = (await t.staff.request('GET', `${TAGS}/${created.body.id}`)).body;
      expect(['done', 'failed', 'compute_failed']).toContain(after.status);
    });

    it('R20-T3 a same-day recomputation is read only once complete: one failing after its OLAP write leaves every consumer on the last result', async () => {
      const t = await tagsTenant(ctx.app);
      const body = (value: string) => layered('tag_stage', [{ value, condition: everyone }]);
      const tag = await t.createAndCompute(body('老'));
      expect(tag.status).toBe('done');
      const day = tag.activeCalcDate;
      // Conditions (dynamic groups, estimates, reports of other modules) through the TagSource.
      const holding = async (value: string) => {
        const res = await t.staff.request('POST', '/api/v1/conditions/estimate', {
          tree: { type: 'and', conditions: [{ type: 'tag', tagId: tag.id, operator: 'eq', values: [value] }] },
        });
        expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
        return res.body.count as number;
      };
      // SQL over contact_view (its tag_… column).
      const reader = await t.createAndCompute({
        code: 'tag_stage_reader',
        name: '读取 tag_stage',
        kind: 'sql',
        valueType: 'string',
        updateMode: 'manual',
        rule: { sql: 'SELECT id AS contact_id, tag_stage AS value FROM contact_view WHERE tag_stage IS NOT NULL' },
      });
      expect(await holding('老')).toBe(3);
      expect(Object.values(await t.values(reader.id))).toEqual(['老', '老', '老']);

      const edited = await t.staff.request('PUT', `${TAGS}/${tag.id}`, change(body('新')));
      expect(edited.statusCode, JSON.stringify(edited.body)).toBe(200);
      // The recomputation writes its values, then the connection drops before 计算完成 is recorded;
      // a consumer reading in between must see the last complete result.
      const repo = (t.service as unknown as { repo: Record<string, (...args: unknown[]) => Promise<unknown>> }).repo;
      const original = repo.upsertCalc!;
      const seen: number[][] = [];
      repo.upsertCalc = async () => {
        seen.push([await holding('老'), await holding('新')]);
        throw new Error('connection reset between the OLAP write and the OLTP update');
      };
      try {
        expect((await t.staff.request('POST', `${TAGS}/${tag.id}/compute`)).statusCode).toBe(202);
        await t.runTasks();
      } finally {
        repo.upsertCalc = original;
      }
      expect(seen).toEqual([[3, 0]]);
      expect((await t.staff.request('GET', `${TAGS}/${tag.id}`)).body).toMatchObject({
        status: 'compute_failed',
        activeCalcDate: day,
      });
      expect([await holding('老'), await holding('新')]).toEqual([3, 0]);
      // The failed run's values are gone: the tag holds its complete result only.
      const count = async () =>
        Number(
          (
            await ctx.app.olap
              .forTenant(t.tenantId)
              .query<{ n: unknown }>('SELECT count(*) AS n FROM tag_value WHERE tag_id = CAST(? AS BIGINT)', {
                params: [tag.id],
                rowMode: 'json',
              })
          ).rows[0]!.n,
        );
      expect(await count()).toBe(3);
      expect((await t.staff.request('POST', `${TAGS}/${reader.id}/compute`)).statusCode).toBe(202);
      await t.runTasks();
      expect(Object.values(await t.values(reader.id))).toEqual(['老', '老', '老']);
      const report = await t.staff.request('GET', `${TAGS}/${tag.id}/report?range=today&force=true`);
      expect(report.body.rows).toMatchObject([{ value: '老', total: 3 }]);
      const exported = await t.staff.request('GET', `${TAGS}/${tag.id}/export`);
      expect(String(exported.body).match(/,老$/gm)).toHaveLength(3);

      // Computed again the same day, it completes: every consumer moves to it, and the day keeps
      // only its last result (seed §1.6.2.5: 一天内的重复计算…只保留最近一次的计算结果).
      expect((await t.staff.request('POST', `${TAGS}/${tag.id}/compute`)).statusCode).toBe(202);
      await t.runTasks();
      expect((await t.staff.request('GET', `${TAGS}/${tag.id}`)).body).toMatchObject({ status: 'done', activeCalcDate: day });
      expect([await holding('老'), await holding('新')]).toEqual([0, 3]);
      expect(await count()).toBe(3);
      expect(await t.values(tag.id, day)).toEqual({ [t.people.u1]: '新', [t.people.u2]: '新', [t.people.u3]: '新' });
    });

    it('R20-T4 another tenant’s tag / folder / file ids answer 404 (or 400 not-found), never data', async () => {
      const victim = await tagsTenant(ctx.app);
      const attacker = await tagsTenant(ctx.app);
      const tag = await victim.createAndCompute(layered('tag_secret', [{ value: '机密', condition: everyone }]));
      const folder = (await victim.staff.request('POST', '/api/v1/tag-folders', { name: '机密目录' })).body;
      const upload = await victim.staff.request(
        'POST',
        `${TAGS}/files?valueType=string`,
        csv(`用户ID,value\n${victim.people.u1},x\n`),
      );
      expect(upload.statusCode, JSON.stringify(upload.body)).toBe(201);
      const today = tag.activeCalcDate;
      for (const [method, url, body] of [
        ['GET', `${TAGS}/${tag.id}`, undefined],
        ['PUT', `${TAGS}/${tag.id}`, change(layered('tag_secret', [{ value: 'x', condition: everyone }]))],
        ['DELETE', `${TAGS}/${tag.id}`, undefined],
        ['POST', `${TAGS}/${tag.id}/compute`, undefined],
        ['GET', `${TAGS}/${tag.id}/calcs`, undefined],
        ['GET', `${TAGS}/${tag.id}/report`, undefined],
        ['GET', `${TAGS}/${tag.id}/report?force=true`, undefined],
        ['GET', `${TAGS}/${tag.id}/export?calcDate=${today}`, undefined],
        ['PATCH', `/api/v1/tag-folders/${folder.id}`, { name: 'x' }],
        ['DELETE', `/api/v1/tag-folders/${folder.id}`, undefined],
      ] as const) {
        const res = await attacker.staff.request(method, url, body as never);
        expect([res.statusCode, url], method).toEqual([404, url]);
      }
      const inFolder = await attacker.create(layered('tag_a1', [{ value: 'x', condition: everyone }], { folderId: folder.id }));
      expect(inFolder.statusCode).toBe(400);
      const withFile = await attacker.create({
        code: 'tag_a2',
        name: 'x',
        kind: 'file',
        valueType: 'string',
        updateMode: 'manual',
        rule: { keyType: 'contactId', files: [{ fileId: upload.body.fileId, name: 'x.csv', rows: 1, invalidRows: 0 }] },
      });
      expect(withFile.statusCode).toBe(400);
      const viaLeaf = await attacker.create(
        layered('tag_a3', [
          { value: 'x', condition: { type: 'and', conditions: [{ type: 'tag', tagId: tag.id, operator: 'notEmpty' }] } },
        ]),
      );
      expect(viaLeaf.statusCode).toBe(400);
      const viaSql = await attacker.create({
        code: 'tag_a4',
        name: 'x',
        kind: 'sql',
        valueType: 'string',
        updateMode: 'manual',
        rule: { sql: 'SELECT id AS contact_id, tag_secret AS value FROM contact_view' },
      });
      expect(viaSql.statusCode).toBe(400);
      expect((await attacker.staff.request('GET', TAGS)).body.items).toEqual([]);
    });

    it('R20-T5 permissions: a staff member without 用户标签 rights gets 403 on every tag route', async () => {
      const t = await tagsTenant(ctx.app);
      const tag = await t.createAndCompute(layered('tag_perm', [{ value: '全部', condition: everyone }]));
      const normal = await normalStaff(ctx.app, t.tenantId);
      for (const [method, url, body] of [
        ['POST', TAGS, layered('tag_perm2', [{ value: 'x', condition: everyone }])],
        ['PUT', `${TAGS}/${tag.id}`, change(layered('tag_perm', [{ value: 'x', condition: everyone }]))],
        ['DELETE', `${TAGS}/${tag.id}`, undefined],
        ['POST', `${TAGS}/${tag.id}/compute`, undefined],
        ['GET', `${TAGS}/${tag.id}/export`, undefined],
        ['POST', '/api/v1/tag-folders', { name: 'x' }],
        ['POST', `${TAGS}/files?valueType=string`, csv('用户ID,value\n1,x\n')],
      ] as const) {
        const res = await normal.request(method, url, body as never);
        expect([res.statusCode, `${method} ${url}`]).toEqual([403, `${method} ${url}`]);
      }
    });

    it('R20-T6 bad and huge input: 21 layers, 10,000-leaf layer, long / unicode ids and names, empty and bad files → 400', async () => {
      const t = await tagsTenant(ctx.app);
      const layers = Array.from({ length: 21 }, (_, i) => ({ value: `层${i}`, condition: everyone }));
      const tooMany = await t.create(layered('tag_layers21', layers));
      expect([tooMany.statusCode, tooMany.body.code]).toEqual([400, 'tag_layers_too_many']);
      const leaves = Array.from({ length: 10_000 }, (_, i) => ({
        type: 'property',
        property: 'name',
        operator: 'eq',
        values: [`名${i}`],
      }));
      const huge = await t.create(layered('tag_huge', [{ value: 'x', condition: { type: 'and', conditions: leaves } }]));
      expect(huge.statusCode).toBe(400);
      for (const code of ['tag_' + 'a'.repeat(61), 'tag_中文', 'TAG_x', 'tag_', 'tag_a;drop', 'tag_a b']) {
        const res = await t.create(layered(code, [{ value: 'x', condition: everyone }]));
        expect([res.statusCode, code]).toEqual([400, code]);
      }
      for (const name of ['名'.repeat(10_000), '   ', '']) {
        const res = await t.create(layered(`tag_n${name.length}`, [{ value: 'x', condition: everyone }], { name }));
        expect([res.statusCode, name.length]).toEqual([400, name.length]);
      }
      const emoji = await t.create(layered('tag_emoji', [{ value: '😀👍', condition: everyone }], { name: '😀'.repeat(20) }));
      expect(emoji.statusCode, JSON.stringify(emoji.body)).toBe(201);
      const bad = await t.staff.request('POST', `${TAGS}/files?valueType=number`, csv('用户ID,value\n1,abc\n'));
      expect([201, 400]).toContain(bad.statusCode);
      const empty = await t.staff.request('POST', `${TAGS}/files?valueType=string`, csv('用户ID,value\n'));
      expect([empty.statusCode, empty.body.code]).toEqual([400, 'tag_file_empty']);
      const exe = await t.staff.request('POST', `${TAGS}/files?valueType=string`, csv('MZ', 'evil.exe'));
      expect(exe.statusCode).toBe(400);
      const garbage = await t.staff.request(
        'POST',
        `${TAGS}/files?valueType=string`,
        multipart({ filename: 'x.xlsx', contentType: 'application/octet-stream', content: Buffer.from('PK\u0003\u0004garbage') }),
      );
      expect(garbage.statusCode).toBe(400);
      for (const topN of [0, -1, 1000]) {
        const res = await t.create({
          code: `tag_pref_${topN < 0 ? 'neg' : topN}`,
          name: 'x',
          kind: 'preference',
          updateMode: 'manual',
          rule: { event: 'purchase', property: 'sku', rankBy: 'count', topN, days: 30 },
        });
        expect([res.statusCode, topN]).toEqual([400, topN]);
      }
      for (const days of [0, -5]) {
        const res = await t.create({
          code: `tag_metric_${days < 0 ? 'neg' : days}`,
          name: 'x',
          kind: 'metric',
          updateMode: 'manual',
          rule: { event: 'purchase', aggregate: 'count', days },
        });
        expect([res.statusCode, days]).toEqual([400, days]);
      }
    });

    it('R20-T7 a huge external file (300,000 rows) is bounded: refused with a row limit, or read without a 500', async () => {
      const t = await tagsTenant(ctx.app);
      const lines = ['用户ID,value'];
      for (let i = 1; i <= 300_000; i++) lines.push(`${i},v${i % 7}`);
      const started = Date.now();
      const res = await t.staff.request('POST', `${TAGS}/files?valueType=string`, csv(lines.join('\n')));
      expect([201, 400]).toContain(res.statusCode);
      if (res.statusCode === 201) {
        expect(res.body.rows).toBe(300_000);
        expect(res.body.problems.length).toBeLessThanOrEqual(200);
      }
      expect(Date.now() - started).toBeLessThan(60_000);
    });

    it('R20-T8 an xlsx whose only value sits at row 1,048,576 does not allocate a million rows', async () => {
      const ExcelJS = (await import('exceljs')).default;
      const t = await tagsTenant(ctx.app);
      const workbook = new ExcelJS.Workbook();
      const sheet = workbook.addWorksheet('s');
      sheet.getCell('A1').value = '用户ID';
      sheet.getCell('B1').value = 'value';
      sheet.getCell('A1048576').value = t.people.u1;
      sheet.getCell('B1048576').value = 'x';
      const bytes = Buffer.from(await workbook.xlsx.writeBuffer());
      const started = Date.now();
      const res = await t.staff.request(
        'POST',
        `${TAGS}/files?valueType=string`,
        multipart({
          filename: 'sparse.xlsx',
          contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          content: bytes,
        }),
      );
      expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
      expect(res.body.rows).toBe(1);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('R20-T9 two 立即计算 at once queue one computation; a tag deleted while 待计算 leaves no values', async () => {
      const t = await tagsTenant(ctx.app);
      const created = await t.create(layered('tag_twice', [{ value: '全部', condition: everyone }]));
      const both = await Promise.all([
        t.staff.request('POST', `${TAGS}/${created.body.id}/compute`),
        t.staff.request('POST', `${TAGS}/${created.body.id}/compute`),
      ]);
      expect(both.map((r) => r.statusCode).sort()).toEqual([202, 202]);
      const tasks = await ctx.app.oltp
        .forTenant(t.tenantId)
        .from('task')
        .where({ kind: 'tags.compute' })
        .whereIn('status', ['queued', 'running']);
      // Both may queue a task (a race on 待计算), but only one computation may run and record the day.
      expect(tasks.length).toBeGreaterThanOrEqual(1);
      await t.runTasks();
      expect((await t.staff.request('GET', `${TAGS}/${created.body.id}`)).body.status).toBe('done');
      const calcs = (await t.staff.request('GET', `${TAGS}/${created.body.id}/calcs`)).body.items;
      expect(calcs).toHaveLength(1);
      const other = await t.create(layered('tag_gone', [{ value: '全部', condition: everyone }]));
      expect((await t.staff.request('POST', `${TAGS}/${other.body.id}/compute`)).statusCode).toBe(202);
      expect((await t.staff.request('DELETE', `${TAGS}/${other.body.id}`)).statusCode).toBe(204);
      await t.runTasks();
      expect(await t.values(other.body.id)).toEqual({});
      const reuse = await t.create(layered('tag_gone', [{ value: '全部', condition: everyone }]));
      expect([reuse.statusCode, reuse.body.code]).toEqual([409, 'tag_code_taken']);
    });
  },
  { plugins: firstPartyPlugins },
);
