import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { contactsServiceRef } from '../../src/modules/contacts/contacts.service.js';
import { ingestWorkerRef } from '../../src/modules/ingestion/ingestion.module.js';
import type { IngestionRepo } from '../../src/modules/ingestion/ingestion.repo.js';
import { IngestWorker, type IngestWorkerOptions } from '../../src/modules/ingestion/ingest-worker.js';
import { metadataServiceRef } from '../../src/modules/metadata/metadata.service.js';
import { tenantServiceRef } from '../../src/modules/tenancy/tenant.service.js';
import { ingestTenant } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';

/**
 * Scaled mode's fair share and load cadence (ADR 0067), with several ingest workers of one process on
 * a real store (both OLTP engines; the multi-process run is core/test/scaled/workers.test.ts).
 */
describeEngines(
  'ingest workers share the inbox partitions fairly',
  (ctx) => {
    const worker = (options: Partial<IngestWorkerOptions>) =>
      new IngestWorker(
        (ctx.app.service(ingestWorkerRef) as unknown as { repo: IngestionRepo }).repo,
        ctx.app.service(contactsServiceRef),
        ctx.app.service(metadataServiceRef),
        ctx.app.service(tenantServiceRef),
        ctx.app.olap,
        ctx.app.logger,
        { share: 'fair', heartbeatMs: 0, ...options },
      );
    const holders = async () => {
      const rows = (await ctx.app.oltp.knex('ingest_partition').select('holder')) as { holder: string | null }[];
      const counts = new Map<string, number>();
      for (const { holder } of rows) if (holder) counts.set(holder, (counts.get(holder) ?? 0) + 1);
      return counts;
    };

    it('gives a joining worker half the partitions at the next pass boundary, and all back when it stops', async () => {
      const first = worker({});
      const second = worker({});
      try {
        await first.drain();
        expect(await holders()).toEqual(new Map([[first.holder, 16]]));
        // The second worker sees two live workers but every partition is held: it takes none yet.
        await second.drain();
        expect((await holders()).get(second.holder)).toBeUndefined();
        // The first frees the extra 8 at its next pass; the second leases them at its next.
        await first.drain();
        await second.drain();
        expect(await holders()).toEqual(
          new Map([
            [first.holder, 8],
            [second.holder, 8],
          ]),
        );
        // A third: ceil(16 / 3) = 6 each at most, once everyone passed.
        const third = worker({});
        try {
          for (let round = 0; round < 2; round += 1) for (const w of [third, first, second]) await w.drain();
          const shares = await holders();
          expect([...shares.values()].every((n) => n <= 6)).toBe(true);
          expect(shares.get(third.holder)).toBeGreaterThan(0);
        } finally {
          await third.stop();
        }
        await second.stop();
        await first.drain();
        expect(await holders()).toEqual(new Map([[first.holder, 16]]));
      } finally {
        await first.stop();
        await second.stop();
      }
    });

    it('keeps a tenant’s messages waiting for the load interval, and drain() loads them at once', async () => {
      const t = await ingestTenant(ctx.app);
      const patient = worker({ loadIntervalMs: 60_000, idleMs: 20 });
      try {
        expect(
          (await t.collect('track', { anonymousId: 'cadence-1', event: 'purchase', properties: { amount: 1 } })).statusCode,
        ).toBe(200);
        patient.start();
        await sleep(600);
        expect(await t.events()).toHaveLength(0);
        await patient.drain();
        expect(await t.events()).toHaveLength(1);
      } finally {
        await patient.stop();
      }
    });
  },
  { plugins: firstPartyPlugins },
);
