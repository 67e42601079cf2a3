import { expect, it } from 'vitest';
import { conditionsServiceRef } from '../../src/modules/conditions/conditions.service.js';
import type { ConditionTree } from '../../src/modules/conditions/condition.types.js';
import { TAGS_DAILY_CRON, TAGS_PRUNE_CRON } from '../../src/modules/tags/tags.module.js';
import { KEPT_CALCS, tagStatuses, type TagStatus } from '../../src/modules/tags/tags.types.js';
import { ZonedClock } from '../../src/lib/zoned-clock.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { normalStaff } from '../support/staff.js';
import { createTenant, Client, describeEngines, multipart } from '../support/test-app.js';
import { TAG_FILE_MAX_ROWS } from '../../src/modules/tags/tag-file.js';
import { TagsRepo } from '../../src/modules/tags/tags.repo.js';
import { bought, everyone, layered, TAGS, tagsTenant } from './support.js';

const metricBody = (code: string, extra: Record<string, unknown> = {}) => ({
  code,
  name: `消费 ${code}`,
  kind: 'metric',
  updateMode: 'manual',
  rule: { event: 'purchase', aggregate: 'sum', property: 'amount', days: null },
  ...extra,
});

const change = (body: Record<string, unknown>) => Object.fromEntries(Object.entries(body).filter(([key]) => key !== 'code'));

describeEngines(
  'user tags: status machine, retention, reports, isolation',
  (ctx) => {
    it('refuses a bad ID, a taken ID and the ID of a deleted tag (never reused)', async () => {
      const t = await tagsTenant(ctx.app);
      for (const code of ['level', 'tag_', 'tag_中文', 'tag-x', 'TAG_x'])
        expect((await t.create(metricBody(code))).body.code, code).toBe('tag_code_invalid');
      const created = await t.create(metricBody('tag_Spend'));
      expect(created.statusCode).toBe(201);
      // Case-sensitive: tag_spend is another ID.
      expect((await t.create(metricBody('tag_spend'))).statusCode).toBe(201);
      expect((await t.create(metricBody('tag_Spend'))).body.code).toBe('tag_code_taken');
      expect((await t.staff.request('DELETE', `${TAGS}/${created.body.id}`)).statusCode).toBe(204);
      expect((await t.staff.request('GET', `${TAGS}/${created.body.id}`)).statusCode).toBe(404);
      const reused = await t.create(metricBody('tag_Spend'));
      expect(reused.statusCode).toBe(409);
      expect(reused.body.code).toBe('tag_code_taken');
    });

    it('saving does not compute (未计算, no task); 立即计算 goes 待计算 → 计算中 → 计算完成 → 冗余中 → 完成', async () => {
      const t = await tagsTenant(ctx.app);
      const created = await t.create(metricBody('tag_flow'));
      expect(created.body.status).toBe('new');
      expect(created.body.activeCalcDate).toBeNull();
      const tasks = async () =>
        Number(
          (
            (await ctx.app.oltp.forTenant(t.tenantId).from('task').where('kind', 'tags.compute').count({ n: '*' }).first()) as {
              n: number | string;
            }
          ).n,
        );
      expect(await tasks()).toBe(0);

      const seen: string[] = [];
      const repo = (t.service as unknown as { repo: { transition: (...args: unknown[]) => Promise<boolean> } }).repo;
      const original = repo.transition.bind(repo);
      repo.transition = async (...args: unknown[]) => {
        const moved = await original(...args);
        const patch = args[3] as { status?: string };
        if (moved && patch.status) seen.push(patch.status);
        return moved;
      };
      try {
        const computed = await t.staff.request('POST', `${TAGS}/${created.body.id}/compute`);
        expect(computed.statusCode).toBe(202);
        expect(computed.body.status).toBe('pending');
        // A second click while 待计算 keeps the one queued task.
        expect((await t.staff.request('POST', `${TAGS}/${created.body.id}/compute`)).body.status).toBe('pending');
        expect(await tasks()).toBe(1);
        await t.runTasks();
      } finally {
        repo.transition = original;
      }
      expect(seen).toEqual(['pending', 'computing', 'computed', 'syncing', 'done']);
      const done = (await t.staff.request('GET', `${TAGS}/${created.body.id}`)).body;
      const today = new ZonedClock('Asia/Shanghai').localDate(Date.now());
      expect(done).toMatchObject({ status: 'done', activeCalcDate: today, calcDate: today, canEdit: true, canCompute: true });
    });

    it('立即计算 clicked three times at once queues one computation', async () => {
      const t = await tagsTenant(ctx.app);
      const created = (await t.create(metricBody('tag_race'))).body;
      const answers = await Promise.all([1, 2, 3].map(() => t.staff.request('POST', `${TAGS}/${created.id}/compute`)));
      expect(answers.map((answer) => [answer.statusCode, answer.body.status])).toEqual([
        [202, 'pending'],
        [202, 'pending'],
        [202, 'pending'],
      ]);
      const tasks = (await ctx.app.oltp
        .forTenant(t.tenantId)
        .from('task')
        .where('kind', 'tags.compute')
        .select('id')) as unknown[];
      expect(tasks).toHaveLength(1);
      await t.runTasks();
      expect((await t.staff.request('GET', `${TAGS}/${created.id}`)).body.status).toBe('done');
    });

    it('days of tags computed at once are recorded side by side (no deadlock between their transactions)', async () => {
      const t = await tagsTenant(ctx.app);
      const ids: string[] = [];
      for (let i = 0; i < 6; i += 1) ids.push(String((await t.create(metricBody(`tag_side_${i}`))).body.id));
      const repo = new TagsRepo(ctx.app.oltp.forModule('tags', ['tag', 'tag_calc']));
      // As the computations do: the day recorded in a transaction that stays open a moment, all at once.
      const record = (tagId: string, run: number) =>
        repo.transaction(async () => {
          await repo.upsertCalc(t.tenantId, tagId, '2026-12-04', run, run, Date.now());
          await new Promise((resolve) => setTimeout(resolve, 20));
        });
      const first = await Promise.allSettled(ids.map((id) => record(id, 1)));
      expect(first.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
      // The same day again (a second computation today): updated in place, one row per tag and day.
      const again = await Promise.allSettled(ids.map((id) => record(id, 2)));
      expect(again.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
      for (const id of ids) expect((await repo.calcs(t.tenantId, id)).map((calc) => Number(calc.run))).toEqual([2]);
    });

    it('edit, 立即计算 and delete are allowed status by status exactly as SPEC §5 says', async () => {
      const t = await tagsTenant(ctx.app);
      const body = metricBody('tag_rules');
      const created = await t.create(body);
      const tagId = created.body.id as string;
      const setStatus = (status: TagStatus) =>
        ctx.app.oltp.forTenant(t.tenantId).from('tag').where('id', tagId).update({ status, task_id: null });
      const editable: TagStatus[] = ['new', 'done', 'compute_failed', 'failed'];
      const computable: TagStatus[] = ['new', 'pending', 'done', 'compute_failed', 'failed'];
      const deletable: TagStatus[] = ['new', 'pending', 'done', 'compute_failed', 'failed'];
      for (const status of tagStatuses) {
        await setStatus(status);
        const edit = await t.staff.request('PUT', `${TAGS}/${tagId}`, { ...change(body), name: `改名 ${status}` });
        expect(edit.statusCode, `edit in ${status}`).toBe(editable.includes(status) ? 200 : 409);
        if (!editable.includes(status)) expect(edit.body.code).toBe('tag_status_forbids_edit');

        await setStatus(status);
        const compute = await t.staff.request('POST', `${TAGS}/${tagId}/compute`);
        expect(compute.statusCode, `compute in ${status}`).toBe(computable.includes(status) ? 202 : 409);
        if (!computable.includes(status)) expect(compute.body.code).toBe('tag_status_forbids_compute');
        // Computations queued here are dropped: the task no longer matches once the status is reset.
        await setStatus(status);
        const view = (await t.staff.request('GET', `${TAGS}/${tagId}`)).body;
        expect([view.canEdit, view.canCompute, view.canDelete], status).toEqual([
          editable.includes(status),
          computable.includes(status),
          deletable.includes(status),
        ]);
      }
      for (const status of ['computing', 'computed', 'syncing'] as const) {
        await setStatus(status);
        const refused = await t.staff.request('DELETE', `${TAGS}/${tagId}`);
        expect(refused.statusCode, status).toBe(409);
        expect(refused.body.code).toBe('tag_status_forbids_delete');
      }
      // A stale task (its tag reset since) changes nothing.
      await setStatus('done');
      await t.runTasks();
      expect((await t.staff.request('GET', `${TAGS}/${tagId}`)).body.status).toBe('done');
      // The kind never changes.
      const kind = await t.staff.request('PUT', `${TAGS}/${tagId}`, {
        ...change(body),
        kind: 'preference',
        rule: { event: 'purchase', property: 'sku', topN: 1 },
      });
      expect(kind.body.code).toBe('tag_kind_fixed');
    });

    it('a failing computation ends in 计算失败 and can be computed again once fixed', async () => {
      const t = await tagsTenant(ctx.app);
      const tag = await t.createAndCompute({
        code: 'tag_fails',
        name: '失败',
        kind: 'sql',
        valueType: 'number',
        updateMode: 'manual',
        rule: { sql: "SELECT contact_id, p_amount AS value FROM event_view WHERE event = 'purchase' AND p_amount > 0" },
      });
      expect(tag.status).toBe('done');
      // The value no longer converts to a number at computation time: 计算失败, the active day kept.
      await ctx.app.oltp
        .forTenant(t.tenantId)
        .from('tag')
        .where('id', tag.id)
        .update({ rule: JSON.stringify({ sql: "SELECT contact_id, 'abc' AS value FROM event_view" }) });
      await t.staff.request('POST', `${TAGS}/${tag.id}/compute`);
      await t.runTasks();
      const failed = (await t.staff.request('GET', `${TAGS}/${tag.id}`)).body;
      expect(failed.status).toBe('compute_failed');
      expect(failed.error.code).toBeTruthy();
      expect(failed.activeCalcDate).toBe(tag.activeCalcDate);
      expect(failed.canEdit).toBe(true);
      const fixed = await t.staff.request('PUT', `${TAGS}/${tag.id}`, {
        name: '修好',
        kind: 'sql',
        valueType: 'number',
        updateMode: 'manual',
        rule: { sql: "SELECT contact_id, 1 AS value FROM event_view WHERE event = 'purchase'" },
      });
      expect(fixed.statusCode).toBe(200);
      await t.staff.request('POST', `${TAGS}/${tag.id}/compute`);
      await t.runTasks();
      expect((await t.staff.request('GET', `${TAGS}/${tag.id}`)).body.status).toBe('done');
      expect(await t.values(tag.id)).toEqual({ [t.people.u1]: 1, [t.people.u2]: 1 });
    });

    it('a computation killed in 计算完成 / 冗余中 resumes to the switch; one whose last attempt dies ends 计算失败 / 失败', async () => {
      const t = await tagsTenant(ctx.app);
      const db = ctx.app.oltp.forTenant(t.tenantId);
      const tag = await t.createAndCompute(layered('tag_resume', [{ value: '全部', condition: everyone }]));
      expect(tag.status).toBe('done');
      const killed = async (status: TagStatus, attempts: number) => {
        expect((await t.staff.request('POST', `${TAGS}/${tag.id}/compute`)).statusCode).toBe(202);
        const row = (await db.from('tag').where('id', tag.id).first()) as { task_id: number | string };
        // The worker died in `status`; its lease expired with `attempts` of 3 spent.
        await db
          .from('task')
          .where('id', row.task_id)
          .update({ status: 'running', attempts, lease_owner: 'dead-process', lease_expires_at: Date.now() - 60_000 });
        await db.from('tag').where('id', tag.id).update({ status });
        await t.runTasks();
        return (await t.staff.request('GET', `${TAGS}/${tag.id}`)).body;
      };
      // The day's calc row is recorded (计算完成 came after it): the re-claimed task switches to it.
      for (const status of ['syncing', 'computed'] as const)
        expect(await killed(status, 1), status).toMatchObject({ status: 'done', activeCalcDate: tag.activeCalcDate });
      // The last attempt died: the tag is editable and computable again, never stuck.
      expect(await killed('computing', 3)).toMatchObject({ status: 'compute_failed', canEdit: true });
      expect(await killed('syncing', 3)).toMatchObject({ status: 'failed', canEdit: true });
      // 冗余中 without the day recorded: 失败, not a switch to a day with no result.
      await db.from('tag_calc').where('tag_id', tag.id).delete();
      expect(await killed('syncing', 1)).toMatchObject({ status: 'failed', activeCalcDate: tag.activeCalcDate });
    });

    it(`a tag file holds at most ${TAG_FILE_MAX_ROWS} data rows; an xlsx's lines are its row numbers`, async () => {
      const t = await tagsTenant(ctx.app);
      const upload = (name: string, content: Buffer) =>
        t.staff.request(
          'POST',
          `${TAGS}/files?valueType=string`,
          multipart({
            filename: name,
            contentType: name.endsWith('.csv') ? 'text/csv' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
            content,
          }),
        );
      const csvOf = (count: number) =>
        Buffer.from(['用户ID,value', ...Array.from({ length: count }, (_, i) => `${i + 1},v`)].join('\n'), 'utf8');
      const atLimit = await upload('max.csv', csvOf(TAG_FILE_MAX_ROWS));
      expect([atLimit.statusCode, atLimit.body.rows]).toEqual([201, TAG_FILE_MAX_ROWS]);
      const over = await upload('over.csv', csvOf(TAG_FILE_MAX_ROWS + 1));
      expect([over.statusCode, over.body.code]).toEqual([400, 'tag_file_too_many_rows']);
      expect(over.body.message).toContain(String(TAG_FILE_MAX_ROWS));
      const ExcelJS = (await import('exceljs')).default;
      const workbook = new ExcelJS.Workbook();
      const sheet = workbook.addWorksheet('s');
      sheet.addRow(['用户ID', 'value']);
      sheet.getCell('A5').value = t.people.u1;
      sheet.getCell('B5').value = 'x';
      sheet.getCell('B9').value = 'no id';
      const sparse = await upload('sparse.xlsx', Buffer.from(await workbook.xlsx.writeBuffer()));
      expect(sparse.statusCode, JSON.stringify(sparse.body)).toBe(201);
      expect(sparse.body).toMatchObject({ rows: 2, invalidRows: 1, problems: [{ line: 9, code: 'tag_file_key_missing' }] });
      for (let i = 0; i < TAG_FILE_MAX_ROWS; i++) sheet.addRow([String(i + 1), 'v']);
      const big = await upload('big.xlsx', Buffer.from(await workbook.xlsx.writeBuffer()));
      expect([big.statusCode, big.body.code]).toEqual([400, 'tag_file_too_many_rows']);
    });

    it('one result per day (the last); the last 50 days kept, older ones pruned by the early-morning job', async () => {
      const t = await tagsTenant(ctx.app);
      expect(TAGS_DAILY_CRON).toBe('10 0 * * *');
      expect(TAGS_PRUNE_CRON).toBe('30 4 * * *');
      const tag = await t.createAndCompute(metricBody('tag_keep'));
      // Recomputing the same day replaces that day's result.
      await t.staff.request('POST', `${TAGS}/${tag.id}/compute`);
      await t.runTasks();
      expect((await t.staff.request('GET', `${TAGS}/${tag.id}/calcs`)).body.items).toHaveLength(1);
      // 54 earlier days of results.
      const analytics = ctx.app.olap.forTenant(t.tenantId);
      const day = (back: number) =>
        new Date(Date.parse(`${tag.activeCalcDate}T00:00:00Z`) - back * 86_400_000).toISOString().slice(0, 10);
      for (let back = 1; back <= 54; back += 1) {
        await analytics.replaceTagValues(tag.id, day(back), 'number', { rows: [{ contactId: t.people.u1, value: back }] });
        await ctx.app.oltp
          .forTenant(t.tenantId)
          .insert('tag_calc', { tag_id: tag.id, calc_date: day(back), contact_count: 1, computed_at: Date.now() });
      }
      expect(await t.service.prune(t.tenantId)).toBe(55 - KEPT_CALCS);
      const kept = (await t.staff.request('GET', `${TAGS}/${tag.id}/calcs`)).body.items.map(
        (c: { calcDate: string }) => c.calcDate,
      );
      expect(kept).toHaveLength(KEPT_CALCS);
      expect(kept[0]).toBe(tag.activeCalcDate);
      expect(kept.at(-1)).toBe(day(49));
      const olapDays = await analytics.query<{ n: string }>(
        'SELECT count(DISTINCT calc_date) AS n FROM tag_value WHERE tag_id = CAST(? AS BIGINT)',
        { params: [tag.id], rowMode: 'json' },
      );
      expect(Number(olapDays.rows[0]!.n)).toBe(KEPT_CALCS);
      expect(await t.service.prune(t.tenantId)).toBe(0);
    });

    it('the early-morning prune spares the run a computation is still writing (ADR 0050)', async () => {
      const t = await tagsTenant(ctx.app);
      const tag = await t.createAndCompute(metricBody('tag_in_flight'));
      const analytics = ctx.app.olap.forTenant(t.tenantId);
      const db = ctx.app.oltp.forTenant(t.tenantId);
      const day = (back: number) =>
        new Date(Date.parse(`${tag.activeCalcDate}T00:00:00Z`) - back * 86_400_000).toISOString().slice(0, 10);
      // 51 earlier days: the prune has days to drop.
      for (let back = 1; back <= 51; back += 1) {
        await analytics.replaceTagValues(tag.id, day(back), 'number', { rows: [{ contactId: t.people.u1, value: back }] });
        await db.insert('tag_calc', { tag_id: tag.id, calc_date: day(back), contact_count: 1, computed_at: Date.now() });
      }
      // A recomputation in progress: 计算中 with the next run, part of its values written.
      const row = (await db.from('tag').where('id', tag.id).first()) as {
        last_run: number | string;
        active_run: number | string;
      };
      const next = Number(row.last_run) + 1;
      await db.from('tag').where('id', tag.id).update({ status: 'computing', calc_run: next, last_run: next });
      await analytics.replaceTagValues(
        tag.id,
        tag.activeCalcDate,
        'number',
        { rows: [{ contactId: t.people.u2, value: 7 }] },
        { run: next },
      );
      expect(await t.service.prune(t.tenantId)).toBe(52 - KEPT_CALCS);
      const runs = await analytics.query<{ run: unknown }>(
        'SELECT DISTINCT run FROM tag_value WHERE tag_id = CAST(? AS BIGINT) AND calc_date = CAST(? AS DATE) ORDER BY run',
        { params: [tag.id, tag.activeCalcDate], rowMode: 'json' },
      );
      expect(runs.rows.map((r) => Number(r.run))).toEqual([Number(row.active_run), next]);
    });

    it('the daily firing queues daily tags once per firing, never file or sentiment tags', async () => {
      const t = await tagsTenant(ctx.app);
      const daily = (await t.create(metricBody('tag_daily', { updateMode: 'daily' }))).body;
      const manual = (await t.create(metricBody('tag_manual'))).body;
      const mood = (
        await t.create({
          code: 'tag_mood',
          name: '情感',
          kind: 'sentiment',
          updateMode: 'daily',
          rule: { events: ['wechat_send_text'] },
        })
      ).body;
      expect(mood.updateMode).toBe('manual');
      // Even a sentiment tag stored as daily (an older row, a direct write) is never computed by the firing.
      await ctx.app.oltp.forTenant(t.tenantId).from('tag').where('id', mood.id).update({ update_mode: 'daily' });
      const dueAt = Date.now();
      expect(await t.service.daily(t.tenantId, dueAt)).toBe(1);
      expect(await t.service.daily(t.tenantId, dueAt)).toBe(0);
      await t.runTasks();
      expect((await t.staff.request('GET', `${TAGS}/${daily.id}`)).body.status).toBe('done');
      expect((await t.staff.request('GET', `${TAGS}/${manual.id}`)).body.status).toBe('new');
      expect((await t.staff.request('GET', `${TAGS}/${mood.id}`)).body.status).toBe('new');
      // A tag whose status forbids it (computing) is skipped.
      await ctx.app.oltp.forTenant(t.tenantId).from('tag').where('id', daily.id).update({ status: 'computing' });
      expect(await t.service.daily(t.tenantId, dueAt + 86_400_000)).toBe(0);
    });

    it('report: 7 days by default, 今日, top values per day, kept until 强制刷新; a cell carries its tag condition', async () => {
      const t = await tagsTenant(ctx.app);
      const tag = await t.createAndCompute(
        layered('tag_report', [
          { value: '买家', condition: bought() },
          { value: '其他', condition: everyone },
        ]),
      );
      const report = (query: string) => t.staff.request('GET', `${TAGS}/${tag.id}/report${query}`);
      const week = (await report('')).body;
      expect(week.range).toBe('last7');
      expect(week.dates).toHaveLength(7);
      expect(week.dates).not.toContain(tag.activeCalcDate);
      expect(week.rows).toEqual([]);
      const today = (await report('?range=today')).body;
      expect(today.calcDates).toEqual([tag.activeCalcDate]);
      expect(today.rows.map((r: { value: string; total: number }) => [r.value, r.total])).toEqual([
        ['买家', 2],
        ['其他', 1],
      ]);
      expect(today.totals).toEqual({ [tag.activeCalcDate]: 3 });
      expect(today.rows[0].condition).toEqual({
        type: 'and',
        conditions: [{ type: 'tag', tagId: tag.id, operator: 'eq', values: ['买家'] }],
      });

      // The same day recomputed with another rule: the report shows the old answer until forced.
      const edited = await t.staff.request('PUT', `${TAGS}/${tag.id}`, {
        name: 'x',
        kind: 'layered',
        updateMode: 'manual',
        rule: { layers: [{ value: '全部', condition: everyone }] },
      });
      expect(edited.statusCode).toBe(200);
      await t.staff.request('POST', `${TAGS}/${tag.id}/compute`);
      await t.runTasks();
      const stale = (await report('?range=today')).body;
      expect(stale.cached).toBe(true);
      expect(stale.rows.map((r: { value: string }) => r.value)).toEqual(['买家', '其他']);
      const fresh = (await report('?range=today&force=true')).body;
      expect(fresh.cached).toBe(false);
      expect(fresh.rows.map((r: { value: string; total: number }) => [r.value, r.total])).toEqual([['全部', 3]]);
    });

    it('tags are usable in conditions at their active day; export gives a CSV of a day', async () => {
      const t = await tagsTenant(ctx.app);
      const tag = await t.createAndCompute(metricBody('tag_spent'));
      const conditions = ctx.app.service(conditionsServiceRef);
      const tree: ConditionTree = { type: 'and', conditions: [{ type: 'tag', tagId: tag.id, operator: 'gte', values: [50] }] };
      expect(await conditions.matchingContacts(t.tenantId, tree)).toEqual([t.people.u2]);
      const catalogue = (await t.staff.request('GET', '/api/v1/conditions/catalogue')).body;
      expect(catalogue.tags).toContainEqual({ id: tag.id, name: '消费 tag_spent', type: 'number' });
      // A tag never computed matches nobody (and "not equal" everyone).
      const fresh = (await t.create(metricBody('tag_fresh'))).body;
      expect(
        await conditions.matchingContacts(t.tenantId, {
          type: 'and',
          conditions: [{ type: 'tag', tagId: fresh.id, operator: 'notNull' }],
        }),
      ).toEqual([]);

      const exported = await t.staff.request('GET', `${TAGS}/${tag.id}/export`);
      expect(exported.statusCode).toBe(200);
      expect(String(exported.headers['content-type'])).toContain('text/csv');
      const lines = String(exported.body)
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\n');
      expect(lines).toEqual(['用户ID,标签值', ...[`${t.people.u1},35`, `${t.people.u2},100`].sort()]);
    });

    it('an erased contact leaves every tag (删除用户数据 through the contacts.lifecycle hook)', async () => {
      const t = await tagsTenant(ctx.app);
      const spent = await t.createAndCompute(metricBody('tag_erase'));
      const fav = await t.createAndCompute({
        code: 'tag_erase_fav',
        name: '偏好',
        kind: 'preference',
        updateMode: 'manual',
        rule: { event: 'purchase', property: 'sku', topN: 2, days: null },
      });
      // 删除用户数据 of u1 in the custom channel: the erasure task calls every onContactErased listener.
      const erased = await t.staff.request('POST', '/api/v1/console/contact-erasures', { channelId: t.channelId, userId: 'u1' });
      expect(erased.statusCode).toBe(202);
      await t.runTasks();
      expect(await t.values(spent.id)).toEqual({ [t.people.u2]: 100 });
      expect(await t.values(fav.id)).toEqual({ [t.people.u2]: ['shoe'] });
      // Idempotent: told again, nothing changes.
      await t.service.onContactErased({
        tenantId: t.tenantId,
        contactId: t.people.u1,
        channelId: t.channelId,
        channelAccountIds: [],
        at: Date.now(),
      });
      expect(await t.values(spent.id)).toEqual({ [t.people.u2]: 100 });
    });

    it('folders (标签体系): create, rename, refuse deleting one that holds tags; filter tags by folder', async () => {
      const t = await tagsTenant(ctx.app);
      const folder = await t.staff.request('POST', '/api/v1/tag-folders', { name: '消费' });
      expect(folder.statusCode).toBe(201);
      expect((await t.staff.request('POST', '/api/v1/tag-folders', { name: '消费' })).body.code).toBe('tag_folder_name_taken');
      const tag = (await t.create(metricBody('tag_in_folder', { folderId: folder.body.id }))).body;
      await t.create(metricBody('tag_outside'));
      const inFolder = (await t.staff.request('GET', `${TAGS}?folderId=${folder.body.id}`)).body.items;
      expect(inFolder.map((x: { code: string }) => x.code)).toEqual(['tag_in_folder']);
      const outside = (await t.staff.request('GET', `${TAGS}?folderId=none`)).body.items;
      expect(outside.map((x: { code: string }) => x.code)).toEqual(['tag_outside']);
      expect((await t.staff.request('GET', '/api/v1/tag-folders')).body.items).toMatchObject([{ name: '消费', tagCount: 1 }]);
      const busy = await t.staff.request('DELETE', `/api/v1/tag-folders/${folder.body.id}`);
      expect(busy.statusCode).toBe(409);
      expect(busy.body.code).toBe('tag_folder_not_empty');
      expect((await t.staff.request('PATCH', `/api/v1/tag-folders/${folder.body.id}`, { name: '交易' })).body.name).toBe('交易');
      await t.staff.request('DELETE', `${TAGS}/${tag.id}`);
      expect((await t.staff.request('DELETE', `/api/v1/tag-folders/${folder.body.id}`)).statusCode).toBe(204);
      const unknownFolder = await t.create(metricBody('tag_lost', { folderId: '999999' }));
      expect(unknownFolder.body.code).toBe('tag_folder_not_found');
    });

    it("another tenant's tag or folder is 404; staff without the tag permissions get 403", async () => {
      const t = await tagsTenant(ctx.app);
      const tag = (await t.create(metricBody('tag_mine'))).body;
      const folder = (await t.staff.request('POST', '/api/v1/tag-folders', { name: '我的' })).body;
      const other = await createTenant(ctx.app);
      const stranger = await Client.staff(ctx.app.server, other.email, other.password);
      for (const [method, url] of [
        ['GET', `${TAGS}/${tag.id}`],
        ['PUT', `${TAGS}/${tag.id}`],
        ['DELETE', `${TAGS}/${tag.id}`],
        ['POST', `${TAGS}/${tag.id}/compute`],
        ['GET', `${TAGS}/${tag.id}/report`],
        ['GET', `${TAGS}/${tag.id}/export`],
        ['GET', `${TAGS}/${tag.id}/calcs`],
        ['PATCH', `/api/v1/tag-folders/${folder.id}`],
        ['DELETE', `/api/v1/tag-folders/${folder.id}`],
      ] as const) {
        const payload = method === 'PUT' ? change(metricBody('x')) : method === 'PATCH' ? { name: 'x' } : undefined;
        const res = await stranger.request(method, url, payload);
        expect(res.statusCode, `${method} ${url}`).toBe(404);
      }
      expect((await stranger.request('GET', TAGS)).body.items).toEqual([]);
      expect((await t.staff.request('GET', `${TAGS}/${tag.id}`)).body.status).toBe('new');

      const normal = await normalStaff(ctx.app, t.tenantId);
      for (const [method, url] of [
        ['GET', TAGS],
        ['POST', TAGS],
        ['GET', `${TAGS}/${tag.id}`],
        ['POST', `${TAGS}/${tag.id}/compute`],
        ['GET', `${TAGS}/${tag.id}/export`],
        ['DELETE', `${TAGS}/${tag.id}`],
        ['GET', '/api/v1/tag-folders'],
        ['POST', '/api/v1/tag-folders'],
      ] as const) {
        const res = await normal.request(method, url, method === 'POST' ? {} : undefined);
        expect(res.statusCode, `${method} ${url}`).toBe(403);
      }
    });
  },
  { plugins: firstPartyPlugins },
);
