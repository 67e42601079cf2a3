import { expect, it } from 'vitest';
import { collectSender, seedDemo } from '../../src/cli/demo.js';
import { generateDemo, type DemoMessage } from '../../src/modules/demo/demo-data.js';
import { demoServiceRef } from '../../src/modules/demo/demo.service.js';
import { ingestWorkerRef } from '../../src/modules/ingestion/ingestion.module.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Review of issue 17: `huiliu demo` must be idempotent "on any later day". An interrupted run
 * (kill -9) resumed after the 7-day dedupe window resends every messageId; the inbox no longer
 * remembers the ones already loaded, so the events double.
 */
describeEngines(
  'review17: huiliu demo resumed after the dedupe window',
  (ctx) => {
    it(
      'a run interrupted mid-way and resumed 8 days later ends with the generated event count, exactly',
      async () => {
        const { app } = ctx;
        await app.start();
        const baseUrl = `http://127.0.0.1:${app.server.info.port}`;
        const contacts = 40;
        const dying = async (writeKey: string, messages: DemoMessage[]) => {
          if (messages[0]!.type === 'identify') return collectSender(baseUrl, writeKey, messages);
          await collectSender(baseUrl, writeKey, messages.slice(0, Math.ceil(messages.length / 2)));
          throw new Error('killed mid-way');
        };
        await expect(seedDemo(app, { baseUrl, contacts, password: 'Demo-pass-2026', sender: dying })).rejects.toThrow(
          'killed mid-way',
        );
        const run = (await app.service(demoServiceRef).find())!;
        const worker = app.service(ingestWorkerRef);
        await worker.drain();

        // Eight days pass: the worker's regular prune forgets drained messages past the dedupe window.
        await app.oltp
          .forTenant(run.tenantId)
          .from('inbox')
          .update({ received_at: app.oltp.knex.raw('received_at - ?', [8 * DAY_MS]) });
        await (worker as unknown as { prune(): Promise<void> }).prune();

        const resumed = await seedDemo(app, { baseUrl, contacts });
        const generated = generateDemo(run.anchorDay, 'Asia/Shanghai', contacts);
        // The shop's events and the official account's comments and messages (ADR 0047).
        const expected = generated.events.length + generated.comments.length;
        expect(resumed.status).toBe('resumed');
        expect(resumed.contacts).toBe(contacts);
        // Today: the events sent before the "kill" are loaded a second time.
        expect(resumed.events).toBe(expected);
      },
      10 * 60_000,
    );
  },
  { plugins: firstPartyPlugins },
);
