import { expect, it } from 'vitest';
import { collectSender, DEMO_DASHBOARDS, DEMO_EMAIL, DEMO_REPORTS, demoReportsOn, seedDemo } from '../../src/cli/demo.js';
import { ZonedClock } from '../../src/lib/zoned-clock.js';
import { DEMO_CONTACTS, DEMO_DAYS, demoDays, generateDemo, type DemoMessage } from '../../src/modules/demo/demo-data.js';
import { demoServiceRef } from '../../src/modules/demo/demo.service.js';
import { setupServiceRef } from '../../src/modules/setup/setup.service.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { Client, describeEngines } from '../support/test-app.js';

describeEngines(
  'huiliu demo',
  (ctx) => {
    it(
      'creates the demo tenant through the SDK, resumes after a crash and changes nothing once complete',
      async () => {
        const { app } = ctx;
        // The full demo (what `npm start -- --demo` makes) on the default engine; on MariaDB the same
        // runs with 1,000 contacts (~43,000 events), which keeps CI time in bounds.
        const contacts = ctx.engine === 'sqlite' ? DEMO_CONTACTS : 1000;
        await app.start();
        const baseUrl = `http://127.0.0.1:${app.server.info.port}`;
        const olap = (tenantId: string, sql: string) =>
          app.olap
            .forTenant(tenantId)
            .query(sql, { rowMode: 'json' })
            .then((result) => result.rows as Record<string, unknown>[]);
        const count = async (tenantId: string, relation: 'contacts' | 'events') =>
          Number((await olap(tenantId, `SELECT count(*) AS n FROM ${relation}`))[0]!.n);

        // Run 1 dies half-way through the events (a kill mid-way): what was answered stays.
        let sentEvents = 0;
        const dying = async (writeKey: string, messages: DemoMessage[]) => {
          if (messages[0]!.type === 'identify') return collectSender(baseUrl, writeKey, messages);
          const half = messages.slice(0, Math.ceil(messages.length / 2));
          await collectSender(baseUrl, writeKey, half);
          sentEvents += half.length;
          throw new Error('killed mid-way');
        };
        await expect(seedDemo(app, { baseUrl, contacts, password: 'Demo-pass-2026', sender: dying })).rejects.toThrow(
          'killed mid-way',
        );
        const run = (await app.service(demoServiceRef).find())!;
        expect(run.completedAt).toBeNull();
        expect(sentEvents).toBeGreaterThan(1000);

        // Run 2 finds the tenant and sends everything again with the same messageIds: nothing doubles.
        const resumed = await seedDemo(app, { baseUrl, contacts });
        expect(resumed).toMatchObject({ status: 'resumed', tenantId: run.tenantId, contacts });
        expect(resumed.password).toBeUndefined();
        const expected = generateDemo(run.anchorDay, 'Asia/Shanghai', contacts);
        const allEvents = expected.events.length + expected.comments.length;
        expect(resumed.events).toBe(allEvents);
        expect(await count(run.tenantId, 'contacts')).toBe(contacts);

        // The official account's followers wrote comments and messages (the sentiment tag's input,
        // ADR 0047): recorded through the wechat connector's write path on openIds, they belong to
        // the members whose identify named the fan — no contact was added for them.
        expect(expected.comments.length).toBeGreaterThan(contacts / 10);
        const [written] = await olap(
          run.tenantId,
          `SELECT count(*) AS n, count(s_content) AS texts, count(DISTINCT contact_id) AS people,
                  count(DISTINCT event) AS kinds, count(DISTINCT channel_id) AS channels
             FROM events WHERE event IN ('wechat_send_text', 'wechat_comment_article')`,
        );
        expect(Object.fromEntries(Object.entries(written!).map(([key, value]) => [key, Number(value)]))).toEqual({
          n: expected.comments.length,
          texts: expected.comments.length,
          people: new Set(expected.comments.map((comment) => comment.openId)).size,
          kinds: 2,
          channels: 1,
        });

        // Purchases on each of the 60 days before the anchor day, in the tenant's zone.
        const payDays = (
          await olap(
            run.tenantId,
            `SELECT DISTINCT CAST(event_day AS VARCHAR) AS day FROM events WHERE event = 'pay_order' ORDER BY day`,
          )
        ).map((row) => String(row.day).slice(0, 10));
        expect(payDays).toEqual(demoDays(run.anchorDay, 'Asia/Shanghai').map((day) => day.date));
        expect(payDays).toHaveLength(DEMO_DAYS);
        const clock = new ZonedClock('Asia/Shanghai');
        expect(clock.localDate(Date.now()) >= run.anchorDay).toBe(true);

        // The saved reports and the 电商概览 dashboard (ADR 0052/0053): each card answers with numbers.
        const demoStaff = await Client.staff(app.server, DEMO_EMAIL, 'Demo-pass-2026');
        const saved = (await demoStaff.request('GET', '/api/v1/console/reports?pageSize=100')).body.items as { name: string }[];
        expect(saved.map((r) => r.name).sort()).toEqual(DEMO_REPORTS.map((r) => r.name).sort());
        const boards = (await demoStaff.request('GET', '/api/v1/console/dashboards')).body.items as {
          id: string;
          name: string;
        }[];
        // 用户画像 is saved but on no dashboard; it answers with the demo's contacts by province.
        const profile = (await demoStaff.request('GET', '/api/v1/console/reports?model=profile')).body.items as { id: string }[];
        expect(profile).toHaveLength(1);
        const profileRun = await demoStaff.request('POST', `/api/v1/console/reports/${profile[0]!.id}/run`, {});
        expect(profileRun.statusCode, JSON.stringify(profileRun.body).slice(0, 300)).toBe(200);
        expect(profileRun.body.members).toBe(contacts);
        expect(profileRun.body.region.provinces.length).toBeGreaterThan(1);
        expect(boards.map((b) => b.name).sort()).toEqual(DEMO_DASHBOARDS.map((d) => d.name).sort());
        for (const demo of DEMO_DASHBOARDS) {
          const boardId = boards.find((b) => b.name === demo.name)!.id;
          const board = (await demoStaff.request('GET', `/api/v1/console/dashboards/${boardId}`)).body;
          expect(board.cards).toHaveLength(demoReportsOn(demo).length);
          expect(board.cards.length).toBeLessThanOrEqual(10);
          for (const card of board.cards as { id: string }[]) {
            const answer = await demoStaff.request('POST', `/api/v1/console/dashboards/${boardId}/cards/${card.id}/run`, {});
            expect(answer.statusCode, JSON.stringify(answer.body)).toBe(200);
            expect(peopleCounted(answer.body), JSON.stringify(answer.body).slice(0, 300)).toBeGreaterThan(0);
          }
        }

        // Run 3 (any later day: the anchor is the stored one) changes nothing.
        const again = await seedDemo(app, { baseUrl, contacts });
        expect(again).toMatchObject({ status: 'unchanged', contacts, events: allEvents });

        // The operator signs in with the password of the first run (as above); the demo tenant is not
        // the operator's own, so the first-run setup is still offered.
        expect(await app.service(setupServiceRef).isNeeded()).toBe(true);
        expect(await app.service(setupServiceRef).prepare()).toBeTruthy();
      },
      15 * 60_000,
    );
  },
  { plugins: firstPartyPlugins },
);

/** What a card's answer counted, by its kind: the metric totals, step-1 users, cohort users, users in intervals, contacts. */
function peopleCounted(body: Record<string, unknown>): number {
  const sum = (values: (number | null | undefined)[]) => values.reduce<number>((total, value) => total + (value ?? 0), 0);
  switch (body.kind) {
    case 'series':
    case 'distribution':
      return sum((body.series as { total: number | null }[]).map((series) => series.total));
    case 'funnel':
      return sum((body.funnels as { steps: { users: number }[] }[]).map((funnel) => funnel.steps[0]?.users));
    case 'retention':
      return sum((body.tables as { total: { users: number } }[]).map((table) => table.total.users));
    case 'table':
      // 自定义查询: the rows' `users` column.
      return sum((body.rows as { users?: string | number }[]).map((row) => Number(row.users ?? 0)));
    case 'ltv':
      return sum((body.rows as { initialUsers: number }[]).map((row) => row.initialUsers));
    case 'userAnalysis':
      return sum((body.totals as { users: number }[]).map((total) => total.users));
    case 'attribution':
      return sum((body.totals as { conversions: number }[]).map((total) => total.conversions));
    case 'path':
      return sum((body.paths as { sessions: number }[]).map((path) => path.sessions));
    default:
      throw new Error(`a card of kind ${String(body.kind)}`);
  }
}
