import { expect, it } from 'vitest';
import { collectSender, DEMO_EMAIL, seedDemo } from '../../src/cli/demo.js';
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
        expect(resumed.events).toBe(expected.events.length);
        expect(await count(run.tenantId, 'contacts')).toBe(contacts);

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

        // Run 3 (any later day: the anchor is the stored one) changes nothing.
        const again = await seedDemo(app, { baseUrl, contacts });
        expect(again).toMatchObject({ status: 'unchanged', contacts, events: expected.events.length });

        // The operator signs in with the password of the first run; the demo tenant is not the operator's
        // own, so the first-run setup is still offered.
        await Client.staff(app.server, DEMO_EMAIL, 'Demo-pass-2026');
        expect(await app.service(setupServiceRef).isNeeded()).toBe(true);
        expect(await app.service(setupServiceRef).prepare()).toBeTruthy();
      },
      15 * 60_000,
    );
  },
  { plugins: firstPartyPlugins },
);
