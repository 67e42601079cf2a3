import Joi from 'joi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataServiceRef } from '../../src/modules/metadata/metadata.service.js';
import { definePlugin, reportsExtensionPoint } from '../../src/plugin-api.js';
import { testEngines } from '../support/engines.js';
import { Client, createTenant, createTestApp, type TestApp } from '../support/test-app.js';

/** A model whose SQL runs far beyond any time limit (a trillion hashes). */
const slowReports = definePlugin({
  id: 'slow-reports',
  version: '1.0.0',
  requires: { core: '^0.1.0' },
  register({ registerInit }) {
    registerInit({
      deps: { reports: reportsExtensionPoint },
      init({ reports }) {
        reports.addReportModel<Record<string, never>>({
          id: 'slow.forever',
          name: { 'zh-CN': '很慢', 'en-US': 'Slow' },
          query: Joi.object<Record<string, never>>({}),
          examples: [{}],
          toSql: () => 'SELECT sum(hash(i)) AS n FROM range(1000000000000) AS t(i)',
        });
      },
    });
  },
});

describe('reports: a question over the engine’s time limit (seed §1.7.1)', () => {
  for (const engine of testEngines()) {
    describe(`[${engine}]`, () => {
      let app: TestApp | undefined;
      beforeAll(async () => {
        app = await createTestApp(engine, { olap: { queryTimeoutMs: 500 } } as never, { plugins: [slowReports] });
      });
      afterAll(async () => {
        await app?.close();
      });

      it('is interrupted inside the engine and answered 504 olap_query_timeout with a message; the next question runs', async () => {
        const tenant = await createTenant(app!);
        await app!.service(metadataServiceRef).sync(tenant.tenantId);
        const client = await Client.staff(app!.server, tenant.email, tenant.password);
        const res = await client.request('POST', '/api/v1/console/report-runs', { model: 'slow.forever', query: {} });
        expect([res.statusCode, res.body.code]).toEqual([504, 'olap_query_timeout']);
        expect(res.body.message).toEqual(expect.any(String));
        const next = await client.request('GET', '/api/v1/console/report-models');
        expect(next.statusCode).toBe(200);
      });
    });
  }
});
