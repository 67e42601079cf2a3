/**
 * A fresh-eyes review's attacks on metadata management: races on both engines, crash points,
 * identifier tricks, huge inputs, tenancy, Open API reach. Each pins behaviour the review checked
 * (the ones that first failed were fixed in the code they name).
 */
import { expect, it } from 'vitest';
import { metadataServiceRef } from '../../src/modules/metadata/metadata.service.js';
import { dimensionsServiceRef } from '../../src/modules/metadata/dimensions.service.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { Client, createTenant, describeEngines, multipart, type TestApp } from '../support/test-app.js';

const withPlugins = { plugins: firstPartyPlugins };

async function setup(app: TestApp) {
  const tenant = await createTenant(app);
  const client = await Client.staff(app.server, tenant.email, tenant.password);
  const channel = (await client.request('POST', '/api/v1/channels', { type: 'custom', name: '官网' })).body;
  return { tenant, tenantId: tenant.tenantId, client, channelId: String(channel.id) };
}

const codesOf = (res: { body: { details?: { path: string; code: string }[] } }) =>
  (res.body.details ?? []).map((d) => `${d.path}:${d.code}`);

const csv = (content: string | Buffer) => multipart({ filename: 'data.csv', content });

describeEngines(
  'review: metadata attacks',
  (ctx) => {
    it('five custom fields created at once all succeed (no spurious metadata_busy)', async () => {
      const { client } = await setup(ctx.app);
      const results = await Promise.all(
        ['甲', '乙', '丙', '丁', '戊'].map((name) =>
          client.request('POST', '/api/v1/metadata/contact-fields', { name, type: 'string' }),
        ),
      );
      expect(
        results.map((r) => r.statusCode),
        JSON.stringify(results.map((r) => r.body.code)),
      ).toEqual([201, 201, 201, 201, 201]);
      const keys = results.map((r) => r.body.key as string).sort();
      expect(new Set(keys).size).toBe(5);
    });

    it('two requests for the third anniversary / the same event ID at once: one wins, the other gets a 400 code', async () => {
      const { client, channelId } = await setup(ctx.app);
      await client.request('POST', '/api/v1/metadata/contact-fields', { name: '结婚', type: 'anniversary' });
      const anniversaries = await Promise.all(
        ['入会', '第三'].map((name) => client.request('POST', '/api/v1/metadata/contact-fields', { name, type: 'anniversary' })),
      );
      expect(anniversaries.map((r) => r.statusCode).sort()).toEqual([201, 400]);
      expect(anniversaries.find((r) => r.statusCode === 400)!.body.code).toBe('metadata_anniversary_limit');

      const events = await Promise.all(
        ['order', 'order', 'Order'].map((code) =>
          client.request('POST', '/api/v1/metadata/event-types', { channelId, code, name: code }),
        ),
      );
      expect(events.map((r) => r.statusCode).sort(), JSON.stringify(events.map((r) => r.body))).toEqual([201, 400, 400]);
    });

    it('a custom property ID starting with S_ (an s_ ID differing only in case) is refused', async () => {
      const { client } = await setup(ctx.app);
      const res = await client.request('POST', '/api/v1/metadata/event-properties', {
        code: 'S_qrCodeTypeX',
        name: '伪系统属性',
        type: 'string',
      });
      expect(res.statusCode).toBe(400);
      expect(codesOf(res)).toEqual(['code:metadata_property_id_reserved']);
    });

    it('identifier tricks: ID vs id, dotless i, fullwidth letters, a system event ID in other case', async () => {
      const { client, channelId } = await setup(ctx.app);
      const create = (code: string) =>
        client.request('POST', '/api/v1/metadata/event-properties', { code, name: code, type: 'string' });
      expect((await create('id')).statusCode).toBe(201);
      expect(codesOf(await create('ID'))).toEqual(['code:metadata_id_case_conflict']);
      expect(codesOf(await create('ıd'))).toEqual(['code:metadata_id_invalid']);
      expect(codesOf(await create('ｉｄ'))).toEqual(['code:metadata_id_invalid']);
      expect(codesOf(await create('1d'))).toEqual(['code:metadata_id_invalid']);
      const sys = await client.request('POST', '/api/v1/metadata/event-types', {
        channelId,
        code: 'WECHAT_SUBSCRIBE',
        name: 'x',
      });
      expect(codesOf(sys)).toEqual(['code:metadata_id_case_conflict']);
      const long = await client.request('POST', '/api/v1/metadata/contact-fields', { name: '长'.repeat(5000), type: 'string' });
      expect(long.statusCode).toBe(400);
      expect(long.body.code).toBeTruthy();
    });

    /** deleteDictionary / deleteDimension write the OLTP tombstone first: a kill -9 right after it. */
    async function tombstoneOnly(tenantId: string, id: string) {
      const now = Date.now();
      await ctx.app.oltp
        .forTenant(tenantId)
        .from('meta_dimension_table')
        .where('id', id)
        .update({ deleted_at: now, code_key: null, link_key: null, updated_at: now });
      await ctx.app.oltp.forTenant(tenantId).from('meta_dictionary_entry').where('dimension_id', id).delete();
    }

    it('a dictionary deletion cut short after its tombstone leaves no dictionary behind (listed, labelled or in conditions)', async () => {
      const { client, tenantId } = await setup(ctx.app);
      const metadata = ctx.app.service(metadataServiceRef);
      const scene = (await metadata.describe(tenantId)).lookups.find((l) => l.property === 's_originScene')!;
      expect(scene).toBeTruthy();
      await tombstoneOnly(tenantId, scene.dimensionId);
      await metadata.sync(tenantId);
      const listed = (await client.request('GET', '/api/v1/metadata/dictionaries')).body.items.find(
        (i: { property: string }) => i.property === 's_originScene',
      );
      expect(listed.dictionary).toBeNull();
      expect((await metadata.describe(tenantId)).lookups.some((l) => l.dimensionId === scene.dimensionId)).toBe(false);
      expect(await ctx.app.service(dimensionsServiceRef).labels(tenantId, 'event', 's_originScene', ['1001'])).toEqual(new Map());
      // The shipped default does not come back: the operator deleted it.
      await metadata.sync(tenantId);
      expect((await metadata.describe(tenantId)).lookups.some((l) => l.property === 's_originScene')).toBe(false);
    });

    it('a dimension deletion cut short after its tombstone leaves no table behind (listed or in conditions)', async () => {
      const { client, tenantId } = await setup(ctx.app);
      await client.request('POST', '/api/v1/metadata/event-properties', { code: 'sku_id', name: 'SKU', type: 'string' });
      const table = (
        await client.request('POST', '/api/v1/metadata/dimension-tables', {
          code: 'sku',
          name: 'SKU',
          linkTarget: 'event',
          linkProperty: 'sku_id',
          primaryField: 'sku_id',
          fields: [
            { code: 'sku_id', name: 'SKU', type: 'string' },
            { code: 'color', name: '颜色', type: 'string' },
          ],
        })
      ).body;
      expect(table.id).toBeTruthy();
      await client.request('POST', `/api/v1/metadata/dimension-tables/${table.id}/upload`, csv('sku_id,color\n1,红\n2,蓝\n'));
      while ((await ctx.app.jobs.worker.poll()) > 0);
      await tombstoneOnly(tenantId, table.id);
      await ctx.app.service(metadataServiceRef).sync(tenantId);
      expect((await client.request('GET', `/api/v1/metadata/dimension-tables/${table.id}`)).statusCode).toBe(404);
      expect((await client.request('GET', '/api/v1/metadata/dimension-tables')).body.items).toEqual([]);
      expect((await ctx.app.service(metadataServiceRef).describe(tenantId)).lookups).not.toContainEqual(
        expect.objectContaining({ dimensionId: table.id }),
      );
      // A new table for the same property gets a new id: the leftover rows are never read.
      const again = await client.request('POST', '/api/v1/metadata/dimension-tables', {
        code: 'sku2',
        name: 'SKU',
        linkTarget: 'event',
        linkProperty: 'sku_id',
        primaryField: 'sku_id',
        fields: [{ code: 'sku_id', name: 'SKU', type: 'string' }],
      });
      expect(again.statusCode).toBe(201);
      expect(again.body.id).not.toBe(table.id);
    });

    it('a tenant cannot read another tenant’s dimension relation through SQL (refused, not a 500-style error)', async () => {
      const a = await setup(ctx.app);
      const b = await setup(ctx.app);
      const sceneB = (await ctx.app.service(metadataServiceRef).describe(b.tenantId)).lookups.find(
        (l) => l.property === 's_originScene',
      )!;
      await ctx.app.service(metadataServiceRef).sync(a.tenantId);
      const attempt = ctx.app.olap
        .forTenant(a.tenantId)
        .query(`SELECT * FROM dimension_${sceneB.dimensionId}`, { rowMode: 'json' });
      await expect(attempt).rejects.toMatchObject({ code: expect.stringMatching(/^olap_sql_/) });
    });

    it('a 10 MB dictionary upload is refused with a stable code (413), the old dictionary kept', async () => {
      const { client, tenantId } = await setup(ctx.app);
      await ctx.app.service(metadataServiceRef).sync(tenantId); // the shipped scene dictionary is written
      const big = Buffer.alloc(10 * 1024 * 1024, 'a');
      const res = await client.request(
        'POST',
        '/api/v1/metadata/dictionaries/upload?target=event&property=s_originScene',
        csv(big),
      );
      expect(res.statusCode).toBe(413);
      expect(res.body.code).toBe('payload_too_large');
      const labels = await ctx.app.service(dimensionsServiceRef).labels(tenantId, 'event', 's_originScene', ['1047']);
      expect(labels.get('1047')).toBe('扫描小程序码');
    });

    it('a dimension number field refuses 1e999 (Infinity is not a value)', async () => {
      const { client, tenantId } = await setup(ctx.app);
      await client.request('POST', '/api/v1/metadata/event-properties', { code: 'sku_id', name: 'SKU', type: 'string' });
      const table = (
        await client.request('POST', '/api/v1/metadata/dimension-tables', {
          code: 'sku',
          name: 'SKU',
          linkTarget: 'event',
          linkProperty: 'sku_id',
          primaryField: 'sku_id',
          fields: [
            { code: 'sku_id', name: 'SKU', type: 'string' },
            { code: 'price', name: '价格', type: 'number' },
          ],
        })
      ).body;
      const started = await client.request(
        'POST',
        `/api/v1/metadata/dimension-tables/${table.id}/upload`,
        csv('sku_id,price\n1,1e999\n2,3\n'),
      );
      while ((await ctx.app.jobs.worker.poll()) > 0);
      const task = await ctx.app.jobs.queue.get(tenantId, started.body.taskId);
      expect(task.result).toMatchObject({ counts: { loaded: 1, bad: 1 } });
    });

    it('a custom property an arrived event carried (kept in extra) cannot be deleted', async () => {
      const { client, tenantId, channelId } = await setup(ctx.app);
      await client.request('POST', '/api/v1/metadata/event-types', { channelId, code: 'pay', name: '支付' });
      await ctx.app.olap.forTenant(tenantId).load({
        batchId: `early2-${tenantId}`,
        events: [
          {
            eventTime: Date.now(),
            event: 'pay',
            contactId: '1',
            messageId: 'p1',
            direction: 'inbound',
            properties: { coupon: 'A1' },
          },
        ],
      });
      const property = (
        await client.request('POST', '/api/v1/metadata/event-properties', { code: 'coupon', name: '券', type: 'string' })
      ).body;
      const removed = await client.request('DELETE', `/api/v1/metadata/event-properties/${property.id}`);
      expect(removed.statusCode).toBe(400);
      expect(removed.body.code).toBe('metadata_property_has_data');
    });

    it('two overwrites of one dictionary at once: both answer (no 500 from a deadlock), the last one wins', async () => {
      const { client, tenantId } = await setup(ctx.app);
      await ctx.app.service(metadataServiceRef).sync(tenantId);
      const upload = (label: string) =>
        client.request(
          'POST',
          '/api/v1/metadata/dictionaries/upload?target=event&property=s_originScene',
          csv(`value,label\n${Array.from({ length: 2000 }, (_, i) => `k${i},${label}${i}`).join('\n')}\n`),
        );
      const results = await Promise.all([upload('甲'), upload('乙'), upload('丙')]);
      expect(
        results.map((r) => r.statusCode).filter((s) => s >= 500),
        JSON.stringify(results.map((r) => r.body)),
      ).toEqual([]);
      const labels = await ctx.app.service(dimensionsServiceRef).labels(tenantId, 'event', 's_originScene', ['k1', '1047']);
      expect(labels.get('1047')).toBeUndefined();
      expect(labels.get('k1')).toMatch(/^[甲乙丙]1$/);
    });

    it('a dimension upload streams rows into the table (seed §1.10.13.3.2); only clear + upload replaces it all', async () => {
      const { client, tenantId } = await setup(ctx.app);
      await client.request('POST', '/api/v1/metadata/event-properties', { code: 'sku_id', name: 'SKU', type: 'string' });
      const table = (
        await client.request('POST', '/api/v1/metadata/dimension-tables', {
          code: 'sku',
          name: 'SKU',
          linkTarget: 'event',
          linkProperty: 'sku_id',
          primaryField: 'sku_id',
          fields: [
            { code: 'sku_id', name: 'SKU', type: 'string' },
            { code: 'color', name: '颜色', type: 'string' },
          ],
        })
      ).body;
      const upload = async (content: string) => {
        await client.request('POST', `/api/v1/metadata/dimension-tables/${table.id}/upload`, csv(content));
        while ((await ctx.app.jobs.worker.poll()) > 0);
      };
      await upload('sku_id,color\n1,红\n2,蓝\n');
      // New SKUs arrive: the operator uploads them ("依次消费文件中的数据，将数据流式更新到维度表中");
      // the seed sends those who want a full update to 清空 first (§1.10.13.3.3).
      await upload('sku_id,color\n2,深蓝\n3,绿\n');
      const rows = await ctx.app.olap
        .forTenant(tenantId)
        .query(`SELECT f_${table.fields[0].id} AS sku, f_${table.fields[1].id} AS color FROM dimension_${table.id} ORDER BY 1`, {
          rowMode: 'json',
        });
      expect(rows.rows).toEqual([
        { sku: '1', color: '红' },
        { sku: '2', color: '深蓝' },
        { sku: '3', color: '绿' },
      ]);
    });

    it('an Open API app may get and create (§2.1.4) but not change or delete custom event types and properties', async () => {
      const { client, channelId } = await setup(ctx.app);
      const created = (await client.request('POST', '/api/v1/apps', { name: 'integration' })).body;
      const token = await new Client(ctx.app.server).request('POST', '/api/v1/auth/token', {
        appKey: created.app.appKey,
        appSecret: created.appSecret,
      });
      const app = Client.app(ctx.app.server, token.body.accessToken);
      const event = (await app.request('POST', '/api/v1/metadata/event-types', { channelId, code: 'api_e', name: 'E' })).body;
      const property = (
        await app.request('POST', '/api/v1/metadata/event-properties', { code: 'api_p', name: 'P', type: 'string' })
      ).body;
      expect(event.code).toBe('api_e');
      expect(property.code).toBe('api_p');
      expect((await app.request('DELETE', `/api/v1/metadata/event-types/${event.id}`)).statusCode).toBe(403);
      expect((await app.request('DELETE', `/api/v1/metadata/event-properties/${property.id}`)).statusCode).toBe(403);
      expect((await app.request('PATCH', `/api/v1/metadata/event-types/${event.id}`, { name: 'x' })).statusCode).toBe(403);
      expect((await app.request('PATCH', `/api/v1/metadata/event-properties/${property.id}`, { name: 'x' })).statusCode).toBe(
        403,
      );
    });
  },
  withPlugins,
);
