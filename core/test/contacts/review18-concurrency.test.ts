import { expect, it } from 'vitest';
import { filledTemplate, runTasks, xlsxPart } from '../contact-imports/support.js';
import { ingestTenant } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';

const BASE = '/api/v1/console/contacts/dedupe';

describeEngines(
  'review 18: concurrent dedupe merges and imports',
  (ctx) => {
    it('two merges of the same set at once: one merges, the other is refused; nothing lost', async () => {
      const t = await ingestTenant(ctx.app);
      for (const [userId, traits] of [
        ['a', { name: '甲', mobilePhone: '13800000001' }],
        ['b', { name: '乙', mobilePhone: '13800000001' }],
        ['c', { name: '丙', mobilePhone: '13800000001' }],
      ] as const) {
        await t.collect('batch', { batch: [{ type: 'identify', userId, traits }] });
        await t.drain();
      }
      const started = await t.staff.request('POST', `${BASE}/runs`);
      expect(started.statusCode).toBe(201);
      while ((await ctx.app.jobs.worker.poll()) > 0);
      const sets = (await t.staff.request('GET', `${BASE}/runs/${started.body.id}/sets`)).body.items as {
        id: string;
        members: { id: string }[];
      }[];
      expect(sets).toHaveLength(1);
      const [one, two] = await Promise.all([
        t.staff.request('POST', `${BASE}/runs/${started.body.id}/merge`, { sets: [{ setId: sets[0]!.id }] }),
        t.staff.request('POST', `${BASE}/runs/${started.body.id}/merge`, { sets: [{ setId: sets[0]!.id }] }),
      ]);
      expect([one.statusCode, two.statusCode], JSON.stringify([one.body, two.body])).toEqual([200, 200]);
      const merged = [one.body.results[0], two.body.results[0]].filter((r: { merged: boolean }) => r.merged);
      expect(merged, JSON.stringify([one.body, two.body])).toHaveLength(1);
      const left = await ctx.app.oltp.forTenant(t.tenantId).from('contact').select('id');
      expect(left).toHaveLength(1);
    });

    it('two imports at once: one is accepted, the others refused with import_running (never a 500)', async () => {
      const t = await ingestTenant(ctx.app);
      const file = await filledTemplate(ctx.app, t.staff, [{ 姓名: '张三', 手机号码: '13800138000' }]);
      const answers = await Promise.all([
        t.staff.request('POST', '/api/v1/console/contact-imports', xlsxPart(file)),
        t.staff.request('POST', '/api/v1/console/contact-imports', xlsxPart(file)),
        t.staff.request('POST', '/api/v1/console/contact-imports', xlsxPart(file)),
      ]);
      const codes = answers.map((a) => a.statusCode).sort();
      expect(codes, JSON.stringify(answers.map((a) => a.body))).toEqual([202, 409, 409]);
      expect(answers.filter((a) => a.statusCode === 409).every((a) => a.body.code === 'import_running')).toBe(true);
      await runTasks(ctx.app);
      const rows = await ctx.app.oltp.forTenant(t.tenantId).from('contact').select('name');
      expect(rows).toEqual([{ name: '张三' }]);
      // The mutex is free again.
      const again = await t.staff.request('POST', '/api/v1/console/contact-imports', xlsxPart(file));
      expect(again.statusCode).toBe(202);
    });
  },
  { plugins: firstPartyPlugins },
);
