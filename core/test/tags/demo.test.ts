import { expect, it } from 'vitest';
import { DEMO_EMAIL, seedDemo } from '../../src/cli/demo.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { Client, describeEngines, multipart } from '../support/test-app.js';
import { TAGS } from './support.js';

const PASSWORD = 'Demo-pass-2026';
const anyCondition = { type: 'and', conditions: [] };

describeEngines(
  'user tags on the demo tenant (huiliu demo)',
  (ctx) => {
    it(
      'computes a tag of every kind from the demo shop’s real inputs',
      async () => {
        const { app } = ctx;
        await app.start();
        const baseUrl = `http://127.0.0.1:${app.server.info.port}`;
        const demo = await seedDemo(app, { baseUrl, contacts: 400, password: PASSWORD });
        const staff = await Client.staff(app.server, DEMO_EMAIL, PASSWORD);
        // app.start() runs the background task loop too: drain() also waits for what it claimed.
        const runTasks = () => app.jobs.worker.drain();
        const olap = (sql: string) =>
          app.olap
            .forTenant(demo.tenantId)
            .query(sql, { rowMode: 'json' })
            .then((result) => result.rows as Record<string, unknown>[]);
        const someContacts = (await olap('SELECT id FROM contacts ORDER BY id LIMIT 3')).map((row) => String(row.id));
        const file = await staff.request(
          'POST',
          `${TAGS}/files?valueType=number`,
          multipart({
            filename: '积分.csv',
            content: `用户ID,value\n${someContacts.map((id, i) => `${id},${(i + 1) * 100}`).join('\n')}\n`,
          }),
        );
        expect(file.statusCode, JSON.stringify(file.body)).toBe(201);

        const bodies: Record<string, unknown>[] = [
          {
            code: 'tag_demo_level',
            kind: 'layered',
            rule: {
              layers: [
                {
                  value: '高价值',
                  condition: {
                    type: 'and',
                    conditions: [
                      {
                        type: 'event',
                        did: true,
                        event: 'pay_order',
                        time: { kind: 'past', days: 90, includeToday: true },
                        measure: { aggregate: 'sum', property: 'order_amount', operator: 'gte', values: [500] },
                      },
                    ],
                  },
                },
                { value: '其他', condition: anyCondition },
              ],
            },
          },
          {
            code: 'tag_demo_category',
            kind: 'preference',
            rule: { event: 'view_product', property: 'category', topN: 3, days: 90 },
          },
          {
            code: 'tag_demo_spend',
            kind: 'metric',
            rule: { event: 'pay_order', aggregate: 'sum', property: 'order_amount', days: 90 },
          },
          {
            code: 'tag_demo_pay',
            kind: 'firstLast',
            rule: { event: 'pay_order', position: 'last', property: 'pay_method', days: null },
          },
          {
            code: 'tag_demo_orders',
            kind: 'sql',
            valueType: 'number',
            rule: { sql: "SELECT contact_id, count(*) AS value FROM event_view WHERE event = 'pay_order' GROUP BY contact_id" },
          },
          {
            code: 'tag_demo_points',
            kind: 'file',
            valueType: 'number',
            rule: {
              keyType: 'contactId',
              files: [
                { fileId: file.body.fileId, name: file.body.name, rows: file.body.rows, invalidRows: file.body.invalidRows },
              ],
            },
          },
          { code: 'tag_demo_mood', kind: 'sentiment', rule: { events: ['wechat_send_text', 'wechat_comment_article'] } },
        ];
        const counts: Record<string, number> = {};
        for (const body of bodies) {
          const created = await staff.request('POST', TAGS, { name: String(body.code), updateMode: 'manual', ...body });
          expect(created.statusCode, `${String(body.code)}: ${JSON.stringify(created.body)}`).toBe(201);
          expect((await staff.request('POST', `${TAGS}/${created.body.id}/compute`)).statusCode).toBe(202);
          await runTasks();
          const tag = (await staff.request('GET', `${TAGS}/${created.body.id}`)).body;
          expect(tag.status, `${String(body.code)}: ${JSON.stringify(tag.error)}`).toBe('done');
          const calcs = (await staff.request('GET', `${TAGS}/${created.body.id}/calcs`)).body.items;
          counts[String(body.kind)] = calcs[0].contactCount;
          const report = (await staff.request('GET', `${TAGS}/${created.body.id}/report?range=today`)).body;
          expect(report.rows.length, String(body.code)).toBeGreaterThan(0);
        }
        // Every kind found values on the demo data.
        for (const [kind, count] of Object.entries(counts)) expect(count, kind).toBeGreaterThan(0);
        expect(counts.layered).toBe(400);
        expect(counts.file).toBe(3);
        const mood = await olap(
          `SELECT value_string AS v, count(*) AS n FROM tag_value WHERE tag_id = (SELECT max(tag_id) FROM tag_value) GROUP BY 1 ORDER BY 1`,
        );
        expect(mood.map((row) => row.v).sort()).toEqual(['中性', '正面', '负面']);
      },
      10 * 60_000,
    );
  },
  { plugins: firstPartyPlugins },
);
