import ExcelJS from 'exceljs';
import { expect, it } from 'vitest';
import { channelsServiceRef } from '../../src/modules/channels/channels.service.js';
import { contactsServiceRef } from '../../src/modules/contacts/contacts.service.js';
import { ingestionServiceRef } from '../../src/modules/ingestion/ingestion.service.js';
import { PluginIngestService } from '../../src/modules/ingestion/plugin-ingest.js';
import { tenantServiceRef } from '../../src/modules/tenancy/tenant.service.js';
import { pluginEnablementRef } from '../../src/modules/tenant-plugins/plugin-enablement.js';
import { kernelServices } from '../../src/kernel/services.js';
import { uuidv7 } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines, multipart } from '../support/test-app.js';
import { bought, everyone, layered, TAGS, tagsTenant } from './support.js';

describeEngines(
  'user tags: the seven kinds compute from real inputs',
  (ctx) => {
    it('layered: the first layer a contact matches gives its value (first match wins)', async () => {
      const t = await tagsTenant(ctx.app);
      const tag = await t.createAndCompute(
        layered('tag_level', [
          // 李四 spent 100: also a buyer, but the earlier layer wins.
          { value: '钻石', condition: bought({ aggregate: 'sum', property: 'amount', operator: 'gte', values: [50] }) },
          { value: '黄金', condition: bought() },
          { value: '普通', condition: everyone },
        ]),
      );
      expect(tag.status).toBe('done');
      expect(await t.values(tag.id)).toEqual({ [t.people.u1]: '黄金', [t.people.u2]: '钻石', [t.people.u3]: '普通' });
      // Order matters: with 黄金 first, nobody is 钻石.
      const reversed = await t.createAndCompute(
        layered('tag_level_reversed', [
          { value: '黄金', condition: bought() },
          { value: '钻石', condition: bought({ aggregate: 'sum', property: 'amount', operator: 'gte', values: [50] }) },
        ]),
      );
      expect(await t.values(reversed.id)).toEqual({ [t.people.u1]: '黄金', [t.people.u2]: '黄金' });
    });

    it('layered: at most 20 layers; a 21st is refused with its own code', async () => {
      const t = await tagsTenant(ctx.app);
      const layers = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `L${i + 1}`, condition: bought() }));
      const refused = await t.create(layered('tag_many', layers(21)));
      expect(refused.statusCode).toBe(400);
      expect(refused.body.code).toBe('tag_layers_too_many');
      const accepted = await t.create(layered('tag_many', layers(20)));
      expect(accepted.statusCode).toBe(201);
      const duplicate = await t.create(
        layered('tag_dup', [
          { value: 'A', condition: bought() },
          { value: 'A', condition: everyone },
        ]),
      );
      expect(duplicate.body.code).toBe('tag_layer_value_duplicate');
      // A layer's condition is checked by the condition engine, with the layer's path.
      const unknown = await t.create(
        layered('tag_bad', [
          {
            value: 'A',
            condition: { type: 'and', conditions: [{ type: 'property', property: 'nope', operator: 'eq', values: ['x'] }] },
          },
        ]),
      );
      expect(unknown.statusCode).toBe(400);
      expect(unknown.body.code).toBe('condition_invalid');
      expect(unknown.body.details[0].path).toMatch(/^rule\.layers\.0\.condition/);
    });

    it('event preference: the top-N property values by count (or by the sum of a property)', async () => {
      const t = await tagsTenant(ctx.app);
      const byCount = await t.createAndCompute({
        code: 'tag_fav',
        name: '偏好商品',
        kind: 'preference',
        updateMode: 'daily',
        rule: { event: 'purchase', property: 'sku', rankBy: 'count', topN: 1, days: 30 },
      });
      expect(byCount.valueType).toBe('string[]');
      expect(await t.values(byCount.id)).toEqual({ [t.people.u1]: ['ball'], [t.people.u2]: ['shoe'] });
      const bySum = await t.createAndCompute({
        code: 'tag_fav_sum',
        name: '偏好商品(金额)',
        kind: 'preference',
        updateMode: 'manual',
        rule: { event: 'purchase', property: 'sku', rankBy: 'sum', rankProperty: 'amount', topN: 2, days: null },
      });
      expect(await t.values(bySum.id)).toEqual({ [t.people.u1]: ['ball', 'shoe'], [t.people.u2]: ['shoe'] });
      // The report counts each element of a string array (unnest as a table function in FROM: ADR 0066).
      const report = (await t.staff.request('GET', `${TAGS}/${bySum.id}/report?range=today`)).body;
      expect(report.rows.map((r: { value: string; total: number }) => [r.value, r.total])).toEqual([
        ['shoe', 2],
        ['ball', 1],
      ]);
      expect(report.totals).toEqual({ [bySum.activeCalcDate]: 2 });
      const badProperty = await t.create({
        code: 'tag_fav_bad',
        name: 'x',
        kind: 'preference',
        updateMode: 'manual',
        rule: { event: 'purchase', property: 'nope', topN: 1 },
      });
      expect(badProperty.body.code).toBe('tag_property_unknown');
    });

    it('event metric: count, sum, avg, max, min of a property over a window', async () => {
      const t = await tagsTenant(ctx.app);
      const metric = async (code: string, aggregate: string, property?: string, days: number | null = 30) =>
        t.values(
          (
            await t.createAndCompute({
              code,
              name: code,
              kind: 'metric',
              updateMode: 'manual',
              rule: { event: 'purchase', aggregate, ...(property ? { property } : {}), days },
            })
          ).id,
        );
      const { u1, u2 } = t.people;
      expect(await metric('tag_count', 'count')).toEqual({ [u1]: 3, [u2]: 1 });
      expect(await metric('tag_sum', 'sum', 'amount')).toEqual({ [u1]: 35, [u2]: 100 });
      expect(await metric('tag_avg', 'avg', 'amount', null)).toEqual({ [u1]: 35 / 3, [u2]: 100 });
      expect(await metric('tag_max', 'max', 'amount')).toEqual({ [u1]: 20, [u2]: 100 });
      expect(await metric('tag_min', 'min', 'amount')).toEqual({ [u1]: 5, [u2]: 100 });
      expect(await metric('tag_skus', 'distinctCount', 'sku')).toEqual({ [u1]: 2, [u2]: 1 });
      const notNumber = await t.create({
        code: 'tag_sum_sku',
        name: 'x',
        kind: 'metric',
        updateMode: 'manual',
        rule: { event: 'purchase', aggregate: 'sum', property: 'sku' },
      });
      expect(notNumber.body.code).toBe('tag_property_not_number');
    });

    it('first / last event: the property of the earliest or latest event', async () => {
      const t = await tagsTenant(ctx.app);
      const at = (code: string, position: string, property: string) =>
        t.createAndCompute({
          code,
          name: code,
          kind: 'firstLast',
          updateMode: 'manual',
          rule: { event: 'purchase', position, property, days: null },
        });
      const first = await at('tag_first_sku', 'first', 'sku');
      expect(first.valueType).toBe('string');
      expect(await t.values(first.id)).toEqual({ [t.people.u1]: 'ball', [t.people.u2]: 'shoe' });
      const last = await at('tag_last_amount', 'last', 'amount');
      expect(last.valueType).toBe('number');
      expect(await t.values(last.id)).toEqual({ [t.people.u1]: 5, [t.people.u2]: 100 });
    });

    it('custom SQL: contact_id and value from event_view through the operator-SQL sandbox', async () => {
      const t = await tagsTenant(ctx.app);
      const tag = await t.createAndCompute({
        code: 'tag_sql_spend',
        name: '累计消费',
        kind: 'sql',
        valueType: 'number',
        updateMode: 'manual',
        rule: { sql: "SELECT contact_id, sum(p_amount) AS value FROM event_view WHERE event = 'purchase' GROUP BY contact_id" },
      });
      expect(tag.status).toBe('done');
      expect(await t.values(tag.id)).toEqual({ [t.people.u1]: 35, [t.people.u2]: 100 });
      // Another tag's column is joined at its active day.
      const derived = await t.createAndCompute({
        code: 'tag_sql_big',
        name: '大客户',
        kind: 'sql',
        valueType: 'bool',
        updateMode: 'manual',
        rule: { sql: 'SELECT id AS contact_id, tag_sql_spend >= 50 AS value FROM contact_view WHERE tag_sql_spend IS NOT NULL' },
      });
      expect(await t.values(derived.id)).toEqual({ [t.people.u1]: 0, [t.people.u2]: 1 });
    });

    it('custom SQL: refusals come from the sandbox, and the result must name contact_id and value', async () => {
      const t = await tagsTenant(ctx.app);
      const sql = (code: string, text: string) =>
        t.create({ code, name: code, kind: 'sql', valueType: 'string', updateMode: 'manual', rule: { sql: text } });
      const catalog = await sql('tag_escape', 'SELECT table_name AS contact_id, 1 AS value FROM information_schema.tables');
      expect(catalog.statusCode).toBe(400);
      expect(catalog.body.code).toBe('olap_sql_refused');
      const file = await sql('tag_file_read', "SELECT 1 AS contact_id, content AS value FROM read_text('/etc/passwd')");
      expect(file.body.code).toBe('olap_sql_refused');
      const twoStatements = await sql('tag_two', 'SELECT 1 AS contact_id, 1 AS value; DROP TABLE events');
      expect(twoStatements.statusCode).toBe(400);
      expect(['olap_sql_refused', 'olap_sql_invalid']).toContain(twoStatements.body.code);
      const internal = await sql('tag_internal', 'SELECT contact_id, event AS value FROM events');
      expect(internal.body.code).toBe('olap_sql_refused');
      const columns = await sql('tag_columns', 'SELECT id FROM contact_view');
      expect(columns.body.code).toBe('tag_sql_columns');
      const unknownColumn = await sql('tag_unknown', 'SELECT id AS contact_id, nope AS value FROM contact_view');
      expect(unknownColumn.body.code).toBe('olap_sql_failed');
      const noValueType = await t.create({
        code: 'tag_nt',
        name: 'x',
        kind: 'sql',
        updateMode: 'manual',
        rule: { sql: 'SELECT 1' },
      });
      expect(noValueType.body.code).toBe('tag_value_type_required');
    });

    it('external file: CSV and xlsx keyed by a user-ID type, per-row reasons, several files (the later wins)', async () => {
      const t = await tagsTenant(ctx.app);
      const upload = (name: string, content: string | Buffer, valueType: string) =>
        t.staff.request(
          'POST',
          `${TAGS}/files?valueType=${encodeURIComponent(valueType)}`,
          multipart({
            filename: name,
            content,
            contentType: name.endsWith('.xlsx')
              ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
              : 'text/csv',
          }),
        );
      const ref = (body: { fileId: string; name: string; rows: number; invalidRows: number }) => ({
        fileId: body.fileId,
        name: body.name,
        rows: body.rows,
        invalidRows: body.invalidRows,
      });
      // A text editor's string array is quoted: "足球,篮球".
      const csv = await upload(
        '兴趣.csv',
        '用户ID,value\nu1,"足球,篮球"\n,"x"\nu2,乒乓球\nu2,网球\nghost,羽毛球\nu3,\n',
        'string[]',
      );
      expect(csv.statusCode, JSON.stringify(csv.body)).toBe(201);
      expect(csv.body.rows).toBe(6);
      expect(csv.body.problems).toEqual([
        { line: 3, code: 'tag_file_key_missing' },
        { line: 5, code: 'tag_file_key_duplicate' },
        { line: 7, code: 'tag_file_value_invalid' },
      ]);
      const workbook = new ExcelJS.Workbook();
      const sheet = workbook.addWorksheet('标签');
      sheet.addRow(['用户ID', 'value']);
      sheet.addRow(['u2', '足球,排球']); // Excel: no quotes
      sheet.addRow(['u3', '围棋']);
      const xlsx = await upload('兴趣2.xlsx', Buffer.from(await workbook.xlsx.writeBuffer()), 'string[]');
      expect(xlsx.statusCode, JSON.stringify(xlsx.body)).toBe(201);
      expect(xlsx.body.problems).toEqual([]);
      const refused = await upload('x.txt', 'a', 'string');
      expect(refused.body.code).toBe('tag_file_format');
      const empty = await upload('empty.csv', '用户ID,value\n', 'string');
      expect(empty.body.code).toBe('tag_file_empty');

      const noIdType = await t.create({
        code: 'tag_interest',
        name: '兴趣',
        kind: 'file',
        valueType: 'string[]',
        updateMode: 'daily',
        rule: { keyType: 'account', channelId: t.channelId, files: [ref(csv.body)] },
      });
      expect(noIdType.statusCode).toBe(400);
      const body = {
        code: 'tag_interest',
        name: '兴趣',
        kind: 'file',
        valueType: 'string[]',
        updateMode: 'daily',
        rule: { keyType: 'account', channelId: t.channelId, idType: 'externalId', files: [ref(csv.body), ref(xlsx.body)] },
      };
      const tag = await t.createAndCompute(body);
      // Always manual, whatever was asked.
      expect(tag.updateMode).toBe('manual');
      expect(tag.status).toBe('done');
      expect(await t.values(tag.id)).toEqual({
        [t.people.u1]: ['足球', '篮球'],
        [t.people.u2]: ['足球', '排球'],
        [t.people.u3]: ['围棋'],
      });
      // The value type and user-ID type are fixed once saved.
      const changed = await t.staff.request('PUT', `${TAGS}/${tag.id}`, { ...body, code: undefined, valueType: 'string' });
      expect(changed.body.code).toBe('tag_file_type_fixed');

      // Keyed by contact ID, with dates and bools.
      const dates = await upload(
        '生日.csv',
        `用户ID,value\n${t.people.u1},2024-02-29\n${t.people.u2},2024/3/1 08:30\n${t.people.u3},2024-02-30\n`,
        'date',
      );
      expect(dates.body.problems).toEqual([{ line: 4, code: 'tag_file_value_invalid' }]);
      const dateTag = await t.createAndCompute({
        code: 'tag_birthday',
        name: '生日',
        kind: 'file',
        valueType: 'date',
        updateMode: 'manual',
        rule: { keyType: 'contactId', files: [ref(dates.body)] },
      });
      // Tenant wall clock (Asia/Shanghai, UTC+8) → epoch ms.
      expect(await t.values(dateTag.id)).toEqual({
        [t.people.u1]: Date.UTC(2024, 1, 28, 16),
        [t.people.u2]: Date.UTC(2024, 2, 1, 0, 30),
      });
      const bools = await upload(
        'vip.csv',
        `用户ID,value\n${t.people.u1},是\n${t.people.u2},false\n${t.people.u3},maybe\n`,
        'bool',
      );
      const boolTag = await t.createAndCompute({
        code: 'tag_vip',
        name: 'VIP',
        kind: 'file',
        valueType: 'bool',
        updateMode: 'manual',
        rule: { keyType: 'contactId', files: [ref(bools.body)] },
      });
      expect(await t.values(boolTag.id)).toEqual({ [t.people.u1]: 1, [t.people.u2]: 0 });
    });

    it('sentiment: 正面 / 中性 / 负面 from the texts of 留言文本 and 微信图文留言 events, always manual', async () => {
      const t = await tagsTenant(ctx.app);
      const app = ctx.app;
      const channel = await app
        .service(channelsServiceRef)
        .register(t.tenantId, { type: 'wechat', name: '服务号', channelKey: `wx${uuidv7().slice(-10)}` }, null);
      const ingest = new PluginIngestService('wechat', {
        ingestion: app.service(ingestionServiceRef),
        channels: app.service(channelsServiceRef),
        contacts: app.service(contactsServiceRef),
        tenants: app.service(tenantServiceRef),
        contributions: app.service(kernelServices.contributions),
        enablement: app.service(pluginEnablementRef),
      });
      const comment = (openId: string, event: string, text: string, n: number) => ({
        tenantId: t.tenantId,
        channelId: channel.id,
        userIdType: 'wechat.openId',
        userId: openId,
        messageId: uuidv7(),
        timestamp: Date.now() - n * 60_000,
        event,
        properties: { s_content: text },
      });
      await ingest.trackBatch([
        comment('fan-happy', 'wechat_comment_article', '这篇文章写得太好了，非常有用，谢谢分享！', 5),
        comment('fan-happy', 'wechat_send_text', '客服态度很好，给力[强]', 4),
        comment('fan-angry', 'wechat_send_text', '发货太慢了，非常失望，再也不买了', 3),
        comment('fan-calm', 'wechat_send_text', '请问周末门店几点开门？', 2),
      ]);
      await t.drain();
      const contacts = app.service(contactsServiceRef);
      const fan = async (openId: string) => (await contacts.contactOfAccount(t.tenantId, channel.id, 'wechat.openId', openId))!;
      const refused = await t.create({
        code: 'tag_mood',
        name: '情感',
        kind: 'sentiment',
        updateMode: 'manual',
        rule: { events: [] },
      });
      expect(refused.statusCode).toBe(400);
      const tag = await t.createAndCompute({
        code: 'tag_mood',
        name: '情感',
        kind: 'sentiment',
        updateMode: 'daily',
        rule: { events: ['wechat_send_text', 'wechat_comment_article'] },
      });
      expect(tag.updateMode).toBe('manual');
      expect(tag.status).toBe('done');
      expect(await t.values(tag.id)).toEqual({
        [await fan('fan-happy')]: '正面',
        [await fan('fan-angry')]: '负面',
        [await fan('fan-calm')]: '中性',
      });
      // Only the chosen events are read.
      const articlesOnly = await t.createAndCompute({
        code: 'tag_mood_articles',
        name: '图文情感',
        kind: 'sentiment',
        updateMode: 'manual',
        rule: { events: ['wechat_comment_article'] },
      });
      expect(await t.values(articlesOnly.id)).toEqual({ [await fan('fan-happy')]: '正面' });
    });
  },
  { plugins: firstPartyPlugins },
);
