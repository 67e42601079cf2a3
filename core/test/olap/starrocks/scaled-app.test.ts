import { describe, expect, it } from 'vitest';
import { metadataServiceRef } from '../../../src/modules/metadata/metadata.service.js';
import { createTenant } from '../../../src/testing.js';
import { testEngines } from '../../support/engines.js';
import { startStarRocksDouble } from '../../support/starrocks-double/index.js';
import { createTestStore } from '../../support/test-app.js';

// Scaled mode keeps OLTP on MySQL/MariaDB (ARCHITECTURE §7): this runs on MariaDB only.
describe.runIf(testEngines().includes('mariadb'))('the app in scaled mode on the StarRocks doubles [mariadb]', () => {
  it('starts with the StarRocks engine, reports it ready, and declares a new tenant’s database through metadata', async () => {
    const double = await startStarRocksDouble({ unanswered: 'empty' });
    const store = await createTestStore('mariadb');
    try {
      const app = await store.open({ overrides: { olapUrl: double.url({ replicationNum: 1 }) } });
      try {
        expect(app.olap.kind).toBe('starrocks');
        const ready = await app.server.inject({ method: 'GET', url: '/ready' });
        expect(ready.statusCode).toBe(200);
        expect(JSON.parse(ready.payload)).toMatchObject({ checks: { olap: 'ok' } });
        const { tenantId } = await createTenant(app);
        await app.service(metadataServiceRef).sync(tenantId);
        const tables = double.fe.catalog.databases.get(`t_${tenantId}`);
        expect([...(tables?.keys() ?? [])]).toEqual(
          expect.arrayContaining(['event_data', 'contact_data', 'event_view', 'contact_view']),
        );
        expect(double.fe.catalog.users.has(`t_${tenantId}_sql`)).toBe(true);
        expect((await app.olap.forTenant(String(tenantId)).schema())?.version).toBe(1);
      } finally {
        await app.stop();
      }
    } finally {
      await store.drop();
      await double.close();
    }
  });
});
