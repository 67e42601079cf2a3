import pino from 'pino';
import { expect, it, onTestFinished } from 'vitest';
import type { HuiliuApp } from '../../src/app.js';
import { DIMENSION_UPLOAD_TASK, dimensionsServiceRef } from '../../src/modules/metadata/dimensions.service.js';
import { metadataServiceRef } from '../../src/modules/metadata/metadata.service.js';
import { testEngines } from '../support/engines.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { Client, createTenant, createTestStore, describeEngines, multipart } from '../support/test-app.js';

const withPlugins = { plugins: firstPartyPlugins };

const codesOf = (res: { body: { details?: { path: string; code: string }[] } }) =>
  (res.body.details ?? []).map((d) => `${d.path}:${d.code}`);

const csv = (content: string | Buffer, filename = 'data.csv') => multipart({ filename, content });

async function setup(app: HuiliuApp) {
  const tenant = await createTenant(app);
  const client = await Client.staff(app.server, tenant.email, tenant.password);
  return { tenant, client, tenantId: tenant.tenantId };
}

const uploadDictionary = (client: Client, target: string, property: string, content: string | Buffer) =>
  client.request(
    'POST',
    `/api/v1/metadata/dictionaries/upload?target=${target}&property=${encodeURIComponent(property)}`,
    csv(content),
  );

/** The OLAP rows of a lookup, by field code. */
async function lookupRows(app: HuiliuApp, tenantId: string, property: string, orderBy?: string) {
  const metadata = await app.service(metadataServiceRef).describe(tenantId);
  const lookup = metadata.lookups.find((l) => l.property === property);
  if (!lookup) return undefined;
  const columns = lookup.fields.map((f) => `f_${f.id} AS ${f.code}`).join(', ');
  const order = orderBy ? ` ORDER BY f_${lookup.fields.find((f) => f.code === orderBy)!.id}` : '';
  const result = await app.olap
    .forTenant(tenantId)
    .query(`SELECT ${columns} FROM dimension_${lookup.dimensionId}${order}`, { rowMode: 'json', maxRows: 100_000 });
  return result.rows;
}

describeEngines(
  'metadata: dictionaries (§1.10.12)',
  (ctx) => {
    it('lists every string property, and gives each tenant the mini-program scene dictionary', async () => {
      const { client, tenantId } = await setup(ctx.app);
      await client.request('POST', '/api/v1/metadata/contact-fields', { name: '会员卡号', type: 'string' });
      await client.request('POST', '/api/v1/metadata/contact-fields', { name: '等级', type: 'integer' });
      const list = await client.request('GET', '/api/v1/metadata/dictionaries');
      expect(list.statusCode).toBe(200);
      const items = list.body.items as { target: string; property: string; source: string; dictionary: unknown }[];
      const keys = items.map((i) => `${i.target}:${i.property}`);
      expect(keys).toEqual(expect.arrayContaining(['event:s_originScene', 'event:$os', 'contact:city', 'contact:attr1']));
      // String properties only: no number, bool or date property, no integer custom field.
      expect(keys).not.toEqual(expect.arrayContaining(['event:$screen_width']));
      expect(
        keys.filter((k) => ['event:$debug_mode', 'contact:birthday', 'contact:attr2', 'contact:identified'].includes(k)),
      ).toEqual([]);
      expect(items.find((i) => i.property === 'attr1')).toMatchObject({
        source: 'custom',
        propertyName: '会员卡号',
        dictionary: null,
      });
      expect(items.find((i) => i.property === 'city')).toMatchObject({
        source: 'system',
        propertyName: '城市',
        dictionary: null,
      });

      // The mini-program plugin's scene values are this tenant's dictionary of s_originScene.
      const scene = items.find((i) => i.property === 's_originScene')!;
      expect(scene).toMatchObject({ source: 'system', dictionary: { rowCount: expect.any(Number) } });
      expect((scene.dictionary as { rowCount: number }).rowCount).toBeGreaterThanOrEqual(100);
      const labels = await ctx.app
        .service(dimensionsServiceRef)
        .labels(tenantId, 'event', 's_originScene', ['1001', '1047', '9999']);
      expect(Object.fromEntries(labels)).toEqual({
        '1001': expect.stringContaining('发现栏小程序主入口'),
        '1047': '扫描小程序码',
      });
      // Mirrored into OLAP and usable in conditions (ready): value and label.
      const metadata = await ctx.app.service(metadataServiceRef).describe(tenantId);
      expect(metadata.lookups.find((l) => l.property === 's_originScene')).toMatchObject({
        kind: 'dictionary',
        target: 'event',
        fields: [
          { code: 'value', type: 'string' },
          { code: 'label', type: 'string' },
        ],
      });
      const rows = await lookupRows(ctx.app, tenantId, 's_originScene');
      expect(rows).toContainEqual({ value: '1011', label: '扫描二维码' });
      expect(rows!.length).toBe((scene.dictionary as { rowCount: number }).rowCount);
    });

    it('overwrites on upload, keeps the previous dictionary when a file is bad, and round-trips the download', async () => {
      const { client, tenantId } = await setup(ctx.app);
      const first = await uploadDictionary(client, 'contact', 'city', 'value,label\nsh,上海\nbj,北京\ngz,广州\n');
      expect(first.statusCode).toBe(200);
      expect(first.body).toEqual({ id: expect.any(String), rowCount: 3, updatedAt: expect.any(Number) });

      // Every bad row is reported (line numbers count the header as line 1); nothing changes.
      const bad = await uploadDictionary(
        client,
        'contact',
        'city',
        ['value,label', 'sz,深圳', ',空值', 'hz,', 'sz,又是深圳', 'a,b,c', `${'x'.repeat(192)},太长`, 'ok,好'].join('\n'),
      );
      expect(bad.statusCode).toBe(400);
      expect(bad.body.code).toBe('metadata_dictionary_invalid');
      expect(bad.body.params).toEqual({ count: 5 });
      expect(codesOf(bad)).toEqual([
        'rows.3:metadata_dictionary_value_empty',
        'rows.4:metadata_dictionary_label_empty',
        'rows.5:metadata_dictionary_value_duplicate',
        'rows.6:metadata_dictionary_column_count',
        'rows.7:metadata_dictionary_value_too_long',
      ]);
      const header = await uploadDictionary(client, 'contact', 'city', 'code,name\nsh,上海\n');
      expect(codesOf(header)).toEqual(['rows.1:metadata_dictionary_header_invalid']);
      const gbk = await uploadDictionary(
        client,
        'contact',
        'city',
        Buffer.from([
          0x76, 0x61, 0x6c, 0x75, 0x65, 0x2c, 0x6c, 0x61, 0x62, 0x65, 0x6c, 0x0a, 0x73, 0x68, 0x2c, 0xc9, 0xcf, 0xba, 0xa3,
        ]),
      );
      expect(codesOf(gbk)).toEqual(['file:metadata_csv_encoding_invalid']);
      const empty = await uploadDictionary(client, 'contact', 'city', 'value,label\n');
      expect(codesOf(empty)).toEqual(['file:metadata_dictionary_empty']);
      const many = await uploadDictionary(
        client,
        'contact',
        'city',
        `value,label\n${Array.from({ length: 50_001 }, (_, i) => `v${i},l`).join('\n')}`,
      );
      expect(many.body.code).toBe('metadata_dictionary_too_many_rows');
      const huge = await uploadDictionary(client, 'contact', 'city', `value,label\n${'a,'.padEnd(2 * 1024 * 1024 + 10, 'b')}\n`);
      expect(huge.statusCode).toBe(413);
      expect(huge.body.code).toBe('payload_too_large');
      const notString = await uploadDictionary(client, 'event', '$screen_width', 'value,label\n1,一\n');
      expect(codesOf(notString)).toEqual(['property:metadata_dictionary_property_invalid']);
      const unknown = await uploadDictionary(client, 'contact', 'nope', 'value,label\n1,一\n');
      expect(codesOf(unknown)).toEqual(['property:metadata_dictionary_property_invalid']);
      const noFile = await client.request(
        'POST',
        '/api/v1/metadata/dictionaries/upload?target=contact&property=city',
        multipart({ filename: 'x', content: '' }),
      );
      expect(noFile.statusCode).toBe(400);

      const dictionaries = ctx.app.service(dimensionsServiceRef);
      expect(Object.fromEntries(await dictionaries.labels(tenantId, 'contact', 'city', ['sh', 'sz']))).toEqual({ sh: '上海' });
      expect(await lookupRows(ctx.app, tenantId, 'city', 'value')).toEqual([
        { value: 'bj', label: '北京' },
        { value: 'gz', label: '广州' },
        { value: 'sh', label: '上海' },
      ]);

      // The Chinese header with a BOM; a full overwrite (gz is gone), same dictionary id.
      const second = await uploadDictionary(client, 'contact', 'city', '\uFEFF值,描述\r\nsh,上海市\r\n"sz","深圳, 鹏城"\r\n\r\n');
      expect(second.statusCode).toBe(200);
      expect(second.body).toMatchObject({ id: first.body.id, rowCount: 2 });
      expect(second.body.updatedAt).toBeGreaterThan(first.body.updatedAt);
      expect(await lookupRows(ctx.app, tenantId, 'city', 'value')).toEqual([
        { value: 'sh', label: '上海市' },
        { value: 'sz', label: '深圳, 鹏城' },
      ]);
      expect(
        (await client.request('GET', '/api/v1/metadata/dictionaries')).body.items.find(
          (i: { property: string }) => i.property === 'city',
        ),
      ).toMatchObject({ dictionary: { id: first.body.id, rowCount: 2 } });

      const download = await client.request('GET', `/api/v1/metadata/dictionaries/${first.body.id}/download`);
      expect(download.statusCode).toBe(200);
      expect(download.headers['content-type']).toContain('text/csv');
      expect(download.headers['content-disposition']).toContain('filename="city.csv"');
      expect(download.body).toBe('\uFEFFvalue,label\r\nsh,上海市\r\nsz,"深圳, 鹏城"\r\n');
      // Uploading the downloaded file gives the same dictionary.
      const again = await uploadDictionary(client, 'contact', 'city', download.body as string);
      expect(again.body).toMatchObject({ id: first.body.id, rowCount: 2 });
      expect((await client.request('GET', `/api/v1/metadata/dictionaries/${first.body.id}/download`)).body).toBe(download.body);

      // A label a spreadsheet would run as a formula is downloaded inert (a leading ').
      const formula = await uploadDictionary(client, 'contact', 'city', 'value,label\nx,"=HYPERLINK(""http://evil"")"\ny,+1\n');
      expect(formula.statusCode).toBe(200);
      const inert = (await client.request('GET', `/api/v1/metadata/dictionaries/${first.body.id}/download`)).body as string;
      expect(inert).toContain(`x,"'=HYPERLINK(""http://evil"")"`);
      expect(inert).toContain(`y,'+1`);
    });

    it('deletes a dictionary (a tombstone); a linked custom property cannot be deleted until then', async () => {
      const { client, tenantId } = await setup(ctx.app);
      const property = await client.request('POST', '/api/v1/metadata/event-properties', {
        code: 'sku',
        name: '商品',
        type: 'string',
      });
      const dictionary = await uploadDictionary(client, 'event', 'sku', 'value,label\n010289,大桶洗洁精\n');
      expect(dictionary.statusCode).toBe(200);
      const refused = await client.request('DELETE', `/api/v1/metadata/event-properties/${property.body.id}`);
      expect(refused.body.code).toBe('metadata_property_linked');

      expect((await client.request('DELETE', `/api/v1/metadata/dictionaries/${dictionary.body.id}`)).statusCode).toBe(204);
      expect((await client.request('GET', `/api/v1/metadata/dictionaries/${dictionary.body.id}/download`)).statusCode).toBe(404);
      expect((await client.request('DELETE', `/api/v1/metadata/dictionaries/${dictionary.body.id}`)).body.code).toBe(
        'metadata_dictionary_not_found',
      );
      const item = (await client.request('GET', '/api/v1/metadata/dictionaries')).body.items.find(
        (i: { property: string }) => i.property === 'sku',
      );
      expect(item.dictionary).toBeNull();
      expect((await ctx.app.service(dimensionsServiceRef).labels(tenantId, 'event', 'sku', ['010289'])).size).toBe(0);
      expect((await ctx.app.service(metadataServiceRef).describe(tenantId)).lookups.some((l) => l.property === 'sku')).toBe(
        false,
      );
      const rows = await ctx.app.oltp.forTenant(tenantId).from('meta_dimension_table').where('id', dictionary.body.id).first();
      expect(rows).toMatchObject({ link_key: null, code_key: null });
      expect(rows.deleted_at).not.toBeNull();
      expect(
        await ctx.app.oltp.forTenant(tenantId).from('meta_dictionary_entry').where('dimension_id', dictionary.body.id),
      ).toEqual([]);

      // A new upload makes a new dictionary (the tombstone's id is never reused).
      const fresh = await uploadDictionary(client, 'event', 'sku', 'value,label\n1,一\n');
      expect(fresh.body.id).not.toBe(dictionary.body.id);
      await client.request('DELETE', `/api/v1/metadata/dictionaries/${fresh.body.id}`);
      expect((await client.request('DELETE', `/api/v1/metadata/event-properties/${property.body.id}`)).statusCode).toBe(204);
    });
  },
  withPlugins,
);

for (const engine of testEngines()) {
  it(`heals a dictionary whose OLAP mirror failed after the OLTP commit, on the next start [${engine}]`, async () => {
    const store = await createTestStore(engine);
    onTestFinished(() => store.drop());
    const first = await store.open({ plugins: firstPartyPlugins });
    let tenantId: string;
    let dictionaryId: string;
    try {
      const { client, tenantId: id } = await setup(first);
      tenantId = id;
      const v1 = await uploadDictionary(client, 'contact', 'city', 'value,label\nsh,上海\n');
      dictionaryId = v1.body.id;
      // The operator deletes the default scene dictionary: it must not come back on a later start.
      const scene = (await client.request('GET', '/api/v1/metadata/dictionaries')).body.items.find(
        (i: { property: string }) => i.property === 's_originScene',
      );
      expect((await client.request('DELETE', `/api/v1/metadata/dictionaries/${scene.dictionary.id}`)).statusCode).toBe(204);

      // The analytics store goes away: the new entries are committed, the mirror is not written.
      await first.olap.close();
      const v2 = await uploadDictionary(client, 'contact', 'city', 'value,label\nsh,上海市\nbj,北京\n');
      expect(v2.statusCode).toBeGreaterThanOrEqual(500);
      const labels = await first.service(dimensionsServiceRef).labels(tenantId, 'contact', 'city', ['sh', 'bj']);
      expect(Object.fromEntries(labels)).toEqual({ sh: '上海市', bj: '北京' });
      const row = await first.oltp.forTenant(tenantId).from('meta_dimension_table').where('id', dictionaryId).first();
      expect(row).toMatchObject({ status: 'loading' });
      expect(Number(row.row_count)).toBe(2);
    } finally {
      await first.stop();
    }

    const second = await store.open({ plugins: firstPartyPlugins });
    try {
      // The next read of the tenant's metadata rewrites the mirror and makes it usable again.
      const metadata = await second.service(metadataServiceRef).describe(tenantId);
      expect(metadata.lookups.find((l) => l.property === 'city')).toMatchObject({
        kind: 'dictionary',
        dimensionId: dictionaryId,
      });
      expect(await lookupRows(second, tenantId, 'city', 'value')).toEqual([
        { value: 'bj', label: '北京' },
        { value: 'sh', label: '上海市' },
      ]);
      const row = await second.oltp.forTenant(tenantId).from('meta_dimension_table').where('id', dictionaryId).first();
      expect(row.status).toBe('ready');
      expect(metadata.lookups.some((l) => l.property === 's_originScene')).toBe(false);
    } finally {
      await second.stop();
    }
  });
}

describeEngines(
  'metadata: dimension tables (§1.10.13)',
  (ctx) => {
    const sku = {
      code: 'sku',
      name: 'SKU维度表',
      linkTarget: 'event',
      linkProperty: 'sku_id',
      fields: [
        { code: 'sku_id', name: 'SKU', type: 'string' },
        { code: 'color', name: '颜色', type: 'string' },
        { code: 'price', name: '价格', type: 'number' },
        { code: 'stock', name: '库存', type: 'integer' },
        { code: 'onSale', name: '在售', type: 'bool' },
        { code: 'launched', name: '上市日期', type: 'date' },
        { code: 'updated', name: '更新时间', type: 'datetime' },
      ],
      primaryField: 'sku_id',
    };

    async function withSkuProperty(client: Client) {
      await client.request('POST', '/api/v1/metadata/event-properties', { code: 'sku_id', name: 'SKU', type: 'string' });
      await client.request('POST', '/api/v1/metadata/event-properties', { code: 'amount', name: '金额', type: 'number' });
    }

    it('creates a table by the ID, link, field and primary-key rules', async () => {
      const { client } = await setup(ctx.app);
      await withSkuProperty(client);
      const create = (change: Record<string, unknown>) =>
        client.request('POST', '/api/v1/metadata/dimension-tables', { ...sku, ...change });
      expect(codesOf(await create({ code: '1sku' }))).toEqual(['code:metadata_id_invalid']);
      expect(codesOf(await create({ code: 's_sku' }))).toEqual(['code:metadata_dimension_id_reserved']);
      expect(codesOf(await create({ linkProperty: 'nope' }))).toEqual(['linkProperty:metadata_dimension_property_unknown']);
      expect(codesOf(await create({ fields: [...sku.fields, { code: 'Color', name: 'x', type: 'string' }] }))).toEqual([
        'fields.7.code:metadata_id_case_conflict',
      ]);
      expect(codesOf(await create({ fields: [...sku.fields, { code: 'color', name: 'x', type: 'string' }] }))).toEqual([
        'fields.7.code:metadata_duplicate',
      ]);
      expect(codesOf(await create({ fields: [{ code: 'a-b', name: 'x', type: 'string' }], primaryField: 'a-b' }))).toEqual([
        'fields.0.code:metadata_id_invalid',
      ]);
      expect(codesOf(await create({ primaryField: 'nope' }))).toEqual(['primaryField:metadata_dimension_primary_field_unknown']);
      expect(codesOf(await create({ primaryField: 'stock' }))).toEqual(['primaryField:metadata_dimension_key_type_mismatch']);
      expect(codesOf(await create({ linkProperty: 'amount', primaryField: 'color' }))).toEqual([
        'primaryField:metadata_dimension_key_type_mismatch',
      ]);
      expect((await create({ fields: [] })).body.code).toBe('validation_failed');
      expect((await create({ fields: [{ code: 'a', name: 'a', type: 'string[]' }], primaryField: 'a' })).body.code).toBe(
        'validation_failed',
      );

      const created = await create({});
      expect(created.statusCode).toBe(201);
      expect(created.body).toMatchObject({
        code: 'sku',
        name: 'SKU维度表',
        linkTarget: 'event',
        linkProperty: 'sku_id',
        linkPropertyName: 'SKU',
        primaryField: 'sku_id',
        status: 'empty',
        rowCount: 0,
        loadedAt: null,
        taskId: null,
      });
      expect(created.body.fields.map((f: { code: string; type: string }) => `${f.code}:${f.type}`)).toEqual(
        sku.fields.map((f) => `${f.code}:${f.type}`),
      );
      expect(codesOf(await create({ linkProperty: 'amount', primaryField: 'price' }))).toEqual(['code:metadata_id_taken']);
      expect(codesOf(await create({ code: 'SKU', linkProperty: 'amount', primaryField: 'price' }))).toEqual([
        'code:metadata_id_case_conflict',
      ]);
      expect(codesOf(await create({ code: 'sku2' }))).toEqual(['linkProperty:metadata_property_has_dimension']);
      // A number key for a number property; a contact property (system field) as the link.
      expect((await create({ code: 'by_amount', linkProperty: 'amount', primaryField: 'price' })).statusCode).toBe(201);
      const city = await create({
        code: 'city_tier',
        linkTarget: 'contact',
        linkProperty: 'city',
        fields: [
          { code: 'city', name: '城市', type: 'string' },
          { code: 'tier', name: '城市类型', type: 'string' },
        ],
        primaryField: 'city',
      });
      expect(city.body).toMatchObject({ linkTarget: 'contact', linkProperty: 'city', linkPropertyName: '城市' });
      const list = await client.request('GET', '/api/v1/metadata/dimension-tables');
      expect(list.body.items.map((t: { code: string }) => t.code)).toEqual(['sku', 'by_amount', 'city_tier']);
      expect((await client.request('GET', `/api/v1/metadata/dimension-tables/${created.body.id}`)).body).toEqual(created.body);

      // The linked property cannot be deleted while the table links it.
      const property = (await client.request('GET', '/api/v1/metadata/event-properties?source=custom')).body.items.find(
        (p: { code: string }) => p.code === 'amount',
      );
      expect((await client.request('DELETE', `/api/v1/metadata/event-properties/${property.id}`)).body.code).toBe(
        'metadata_property_linked',
      );
    });

    it('edits: rename, re-link, add fields (columns at once), primary key only while empty', async () => {
      const { client, tenantId } = await setup(ctx.app);
      await withSkuProperty(client);
      await client.request('POST', '/api/v1/metadata/event-properties', { code: 'sku_code', name: 'SKU编码', type: 'string' });
      const table = (await client.request('POST', '/api/v1/metadata/dimension-tables', sku)).body;
      const other = await client.request('POST', '/api/v1/metadata/dimension-tables', {
        ...sku,
        code: 'other',
        linkProperty: 'sku_code',
      });
      const patch = (change: Record<string, unknown>) =>
        client.request('PATCH', `/api/v1/metadata/dimension-tables/${table.id}`, change);

      expect((await patch({ name: '商品' })).body.name).toBe('商品');
      expect(codesOf(await patch({ linkProperty: 'sku_code' }))).toEqual(['linkProperty:metadata_property_has_dimension']);
      expect(codesOf(await patch({ linkProperty: 'amount' }))).toEqual(['primaryField:metadata_dimension_key_type_mismatch']);
      await client.request('DELETE', `/api/v1/metadata/dimension-tables/${other.body.id}`);
      expect((await patch({ linkProperty: 'sku_code' })).body).toMatchObject({
        linkProperty: 'sku_code',
        linkPropertyName: 'SKU编码',
      });

      const fields = sku.fields.slice(1);
      expect(codesOf(await patch({ fields }))).toEqual(['fields:metadata_dimension_field_removed']);
      expect(codesOf(await patch({ fields: [...sku.fields.slice(0, 6), { ...sku.fields[6]!, type: 'date' }] }))).toEqual([
        'fields.6.type:metadata_type_immutable',
      ]);
      const added = await patch({
        fields: [{ ...sku.fields[0]!, name: 'SKU编号' }, ...sku.fields.slice(1), { code: 'size', name: '规格', type: 'string' }],
      });
      expect(added.statusCode).toBe(200);
      expect(added.body.fields.map((f: { code: string; name: string }) => f.code)).toEqual([
        ...sku.fields.map((f) => f.code),
        'size',
      ]);
      expect(added.body.fields[0].name).toBe('SKU编号');
      // The new field is an OLAP column at once.
      const sizeId = added.body.fields.at(-1).id;
      const query = await ctx.app.olap.forTenant(tenantId).query(`SELECT f_${sizeId} FROM dimension_${table.id}`);
      expect(query.columns.map((c) => c.name)).toEqual([`f_${sizeId}`]);

      // The primary key changes while the table is empty…
      expect((await patch({ primaryField: 'color' })).body.primaryField).toBe('color');
      expect((await patch({ primaryField: 'sku_id' })).body.primaryField).toBe('sku_id');
      // …not once it holds data.
      await client.request('POST', `/api/v1/metadata/dimension-tables/${table.id}/upload`, csv('sku_id,color\n1,红\n'));
      await ctx.app.jobs.worker.poll();
      expect(codesOf(await patch({ primaryField: 'color' }))).toEqual(['primaryField:metadata_dimension_has_data']);
      expect((await patch({ primaryField: 'sku_id', name: '商品2' })).statusCode).toBe(200);
    });

    it('loads an upload with a task: typed values, last row of a key wins, bad rows reported; then usable', async () => {
      const { client, tenantId } = await setup(ctx.app);
      await withSkuProperty(client);
      const table = (await client.request('POST', '/api/v1/metadata/dimension-tables', sku)).body;
      const upload = (content: string) =>
        client.request('POST', `/api/v1/metadata/dimension-tables/${table.id}/upload`, csv(content, 'sku.csv'));

      const unknown = await upload('sku_id,colour\n1,红\n');
      expect(unknown.statusCode).toBe(400);
      expect(unknown.body.code).toBe('metadata_dimension_column_unknown');
      expect(unknown.body.params).toEqual({ column: 'colour' });
      expect(codesOf(unknown)).toEqual(['columns.1:metadata_dimension_column_unknown']);
      const noKey = await upload('color,price\n红,1\n');
      expect(noKey.body).toMatchObject({ code: 'metadata_dimension_key_column_missing', params: { column: 'sku_id' } });
      expect(codesOf(await upload(''))).toEqual(['file:metadata_dimension_header_missing']);

      const content = [
        '\uFEFFsku_id,color,price,stock,onSale,launched,updated',
        '010289,红色,19.9,100,true,2024-01-02,2024-01-02 08:00:00',
        '010290,蓝色,,5,否,,',
        '010291,绿色,abc,1,true,,',
        ',无主键,1,1,true,,',
        '010290,白色,29.5,6,1,2024-02-30,',
        '010290,黄色,30,7,是,2024-03-01,',
      ].join('\n');
      const started = await upload(content);
      expect(started.statusCode).toBe(202);
      const loading = (await client.request('GET', `/api/v1/metadata/dimension-tables/${table.id}`)).body;
      expect(loading).toMatchObject({ status: 'loading', taskId: started.body.taskId });
      // Not usable while loading; no second upload or clear meanwhile.
      expect((await ctx.app.service(metadataServiceRef).describe(tenantId)).lookups.some((l) => l.property === 'sku_id')).toBe(
        false,
      );
      const twice = await upload(content);
      expect(twice.statusCode).toBe(409);
      expect(twice.body.code).toBe('metadata_dimension_loading');
      expect((await client.request('POST', `/api/v1/metadata/dimension-tables/${table.id}/clear`)).body.code).toBe(
        'metadata_dimension_loading',
      );

      while ((await ctx.app.jobs.worker.poll()) > 0);
      const task = await ctx.app.jobs.queue.get(tenantId, started.body.taskId);
      expect(task).toMatchObject({
        status: 'succeeded',
        result: {
          counts: { rows: 6, loaded: 2, bad: 3, duplicates: 1 },
          data: {
            badRows: [
              { line: 4, column: 'price', code: 'metadata_dimension_value_invalid' },
              { line: 5, column: 'sku_id', code: 'metadata_dimension_key_empty' },
              { line: 6, column: 'launched', code: 'metadata_dimension_value_invalid' },
            ],
          },
        },
      });
      const ready = (await client.request('GET', `/api/v1/metadata/dimension-tables/${table.id}`)).body;
      expect(ready).toMatchObject({ status: 'ready', rowCount: 2, loadedAt: expect.any(Number) });

      const rows = await lookupRows(ctx.app, tenantId, 'sku_id', 'sku_id');
      expect(rows).toEqual([
        {
          sku_id: '010289',
          color: '红色',
          price: 19.9,
          stock: '100',
          onSale: true,
          launched: '2024-01-02',
          // 08:00 in the tenant's zone (Asia/Shanghai) is 00:00 UTC.
          updated: '2024-01-02 00:00:00',
        },
        { sku_id: '010290', color: '黄色', price: 30, stock: '7', onSale: true, launched: '2024-03-01', updated: null },
      ]);
      const lookup = (await ctx.app.service(metadataServiceRef).describe(tenantId)).lookups.find((l) => l.property === 'sku_id');
      expect(lookup).toMatchObject({ kind: 'dimension', dimensionId: table.id, target: 'event', name: 'SKU维度表' });
      expect(lookup!.keyFieldId).toBe(table.fields[0].id);

      // A second upload streams into the table (§1.10.13.3.2): new keys added, a known key replaced.
      await upload('sku_id,color\n9,紫\n010290,绿色\n');
      while ((await ctx.app.jobs.worker.poll()) > 0);
      const after = await lookupRows(ctx.app, tenantId, 'sku_id', 'sku_id');
      expect(after!.map((r) => `${r.sku_id}:${r.color}`)).toEqual(['010289:红色', '010290:绿色', '9:紫']);
      expect((await client.request('GET', `/api/v1/metadata/dimension-tables/${table.id}`)).body.rowCount).toBe(3);

      const template = await client.request('GET', `/api/v1/metadata/dimension-tables/${table.id}/template`);
      expect(template.headers['content-type']).toContain('text/csv');
      expect(template.headers['content-disposition']).toContain('filename="sku.csv"');
      expect(template.body).toBe(`\uFEFF${sku.fields.map((f) => f.code).join(',')}\r\n`);
    });

    it('re-runs an upload cut short (a crash) without duplicating rows', async () => {
      const { client, tenantId } = await setup(ctx.app);
      await withSkuProperty(client);
      const table = (await client.request('POST', '/api/v1/metadata/dimension-tables', sku)).body;
      const lines = Array.from({ length: 12_000 }, (_, i) => `k${i},c${i % 7}`);
      const started = await client.request(
        'POST',
        `/api/v1/metadata/dimension-tables/${table.id}/upload`,
        csv(`sku_id,color\n${lines.join('\n')}\nk5,last\n`),
      );
      // The first attempt dies after its first chunk (as after kill -9: the task stays to be run again).
      const kind = ctx.app.jobs.kinds.get(DIMENSION_UPLOAD_TASK)!;
      const task = await ctx.app.jobs.queue.get(tenantId, started.body.taskId);
      const controller = new AbortController();
      await expect(
        kind.run({
          task,
          signal: controller.signal,
          logger: pino({ level: 'silent' }),
          progress: async () => controller.abort(new Error('killed')),
        }),
      ).rejects.toThrow('killed');
      const partial = await ctx.app.olap
        .forTenant(tenantId)
        .query(`SELECT count(*) AS n FROM dimension_${table.id}`, { rowMode: 'json' });
      expect(Number(partial.rows[0]!.n)).toBeGreaterThan(0);
      expect(Number(partial.rows[0]!.n)).toBeLessThan(12_000);
      expect((await client.request('GET', `/api/v1/metadata/dimension-tables/${table.id}`)).body.status).toBe('loading');

      while ((await ctx.app.jobs.worker.poll()) > 0);
      const counted = await ctx.app.olap
        .forTenant(tenantId)
        .query(`SELECT count(*) AS n, count(DISTINCT f_${table.fields[0].id}) AS keys FROM dimension_${table.id}`, {
          rowMode: 'json',
        });
      expect(counted.rows[0]).toEqual({ n: '12000', keys: '12000' });
      expect((await client.request('GET', `/api/v1/metadata/dimension-tables/${table.id}`)).body).toMatchObject({
        status: 'ready',
        rowCount: 12_000,
      });
      const k5 = await ctx.app.olap
        .forTenant(tenantId)
        .query(`SELECT f_${table.fields[1].id} AS color FROM dimension_${table.id} WHERE f_${table.fields[0].id} = 'k5'`, {
          rowMode: 'json',
        });
      expect(k5.rows).toEqual([{ color: 'last' }]);
    });

    it('clears with a task (primary key changeable again), deletes as a tombstone', async () => {
      const { client, tenantId } = await setup(ctx.app);
      await withSkuProperty(client);
      const table = (await client.request('POST', '/api/v1/metadata/dimension-tables', sku)).body;
      await client.request('POST', `/api/v1/metadata/dimension-tables/${table.id}/upload`, csv('sku_id,color\n1,红\n2,蓝\n'));
      while ((await ctx.app.jobs.worker.poll()) > 0);

      const clear = await client.request('POST', `/api/v1/metadata/dimension-tables/${table.id}/clear`);
      expect(clear.statusCode).toBe(202);
      expect((await client.request('GET', `/api/v1/metadata/dimension-tables/${table.id}`)).body).toMatchObject({
        status: 'clearing',
        taskId: clear.body.taskId,
      });
      const patch = await client.request('PATCH', `/api/v1/metadata/dimension-tables/${table.id}`, { primaryField: 'color' });
      expect(codesOf(patch)).toEqual(['primaryField:metadata_dimension_clearing']);
      const upload = await client.request('POST', `/api/v1/metadata/dimension-tables/${table.id}/upload`, csv('sku_id\n3\n'));
      expect(upload.body.code).toBe('metadata_dimension_clearing');
      while ((await ctx.app.jobs.worker.poll()) > 0);
      expect((await ctx.app.jobs.queue.get(tenantId, clear.body.taskId)).status).toBe('succeeded');
      expect((await client.request('GET', `/api/v1/metadata/dimension-tables/${table.id}`)).body).toMatchObject({
        status: 'empty',
        rowCount: 0,
        loadedAt: null,
      });
      expect(await lookupRows(ctx.app, tenantId, 'sku_id')).toBeUndefined();
      const count = await ctx.app.olap
        .forTenant(tenantId)
        .query(`SELECT count(*) AS n FROM dimension_${table.id}`, { rowMode: 'json' });
      expect(count.rows[0]).toEqual({ n: '0' });
      expect(
        (await client.request('PATCH', `/api/v1/metadata/dimension-tables/${table.id}`, { primaryField: 'color' })).body
          .primaryField,
      ).toBe('color');

      // A load cancelled before it ran frees the table for the next upload; a non-UTF-8 file is refused.
      const cancelled = await client.request('POST', `/api/v1/metadata/dimension-tables/${table.id}/upload`, csv('color\n紫\n'));
      expect(cancelled.statusCode).toBe(202);
      expect((await client.request('POST', `/api/v1/tasks/${cancelled.body.taskId}/cancel`)).statusCode).toBe(200);
      const gbk = Buffer.concat([Buffer.from('sku_id,color\n1,'), Buffer.from([0xba, 0xec])]);
      expect(codesOf(await client.request('POST', `/api/v1/metadata/dimension-tables/${table.id}/upload`, csv(gbk)))).toEqual([
        'file:metadata_csv_encoding_invalid',
      ]);
      await client.request('POST', `/api/v1/metadata/dimension-tables/${table.id}/upload`, csv('sku_id,color\n1,红\n'));
      while ((await ctx.app.jobs.worker.poll()) > 0);
      expect((await client.request('GET', `/api/v1/metadata/dimension-tables/${table.id}`)).body).toMatchObject({
        status: 'ready',
        rowCount: 1,
      });
      expect((await client.request('DELETE', `/api/v1/metadata/dimension-tables/${table.id}`)).statusCode).toBe(204);
      expect((await client.request('GET', `/api/v1/metadata/dimension-tables/${table.id}`)).body.code).toBe(
        'metadata_dimension_not_found',
      );
      expect((await ctx.app.service(metadataServiceRef).describe(tenantId)).lookups).not.toContainEqual(
        expect.objectContaining({ dimensionId: table.id }),
      );
      const again = await client.request('POST', '/api/v1/metadata/dimension-tables', sku);
      expect(again.statusCode).toBe(201);
      expect(again.body.id).not.toBe(table.id);
    });

    it('answers 404 for another tenant’s tables and dictionaries', async () => {
      const owner = await setup(ctx.app);
      await withSkuProperty(owner.client);
      const table = (await owner.client.request('POST', '/api/v1/metadata/dimension-tables', sku)).body;
      const dictionary = (await uploadDictionary(owner.client, 'contact', 'city', 'value,label\nsh,上海\n')).body;
      const stranger = await setup(ctx.app);
      for (const [method, url] of [
        ['GET', `/api/v1/metadata/dimension-tables/${table.id}`],
        ['DELETE', `/api/v1/metadata/dimension-tables/${table.id}`],
        ['POST', `/api/v1/metadata/dimension-tables/${table.id}/clear`],
        ['GET', `/api/v1/metadata/dimension-tables/${table.id}/template`],
        ['GET', `/api/v1/metadata/dictionaries/${dictionary.id}/download`],
        ['DELETE', `/api/v1/metadata/dictionaries/${dictionary.id}`],
      ] as const)
        expect((await stranger.client.request(method, url)).statusCode, `${method} ${url}`).toBe(404);
      const upload = await stranger.client.request(
        'POST',
        `/api/v1/metadata/dimension-tables/${table.id}/upload`,
        csv('sku_id\n1\n'),
      );
      expect(upload.statusCode).toBe(404);
      expect(
        (await stranger.client.request('GET', '/api/v1/metadata/dictionaries')).body.items.find(
          (i: { property: string }) => i.property === 'city',
        ).dictionary,
      ).toBeNull();
    });
  },
  withPlugins,
);

describeEngines(
  'metadata lookups in conditions: a dimension field and a dictionary label, as the condition engine compiles them',
  (ctx) => {
    it('filters contacts by an event’s dimension field, an event’s dictionary label and a contact’s dimension field', async () => {
      const { client, tenantId } = await setup(ctx.app);
      const channel = (await client.request('POST', '/api/v1/channels', { type: 'custom', name: '商城' })).body;
      await client.request('POST', '/api/v1/metadata/event-types', {
        channelId: channel.id,
        code: 'order_complete',
        name: '完成订单',
        properties: [
          { code: 'sku_id', name: 'SKU', type: 'string' },
          { code: 'pay_channel', name: '支付渠道', type: 'string' },
        ],
      });
      // sku_id → 维度表 sku (color); pay_channel → 字典表; contact city → 维度表 city (tier).
      const sku = await client.request('POST', '/api/v1/metadata/dimension-tables', {
        code: 'sku',
        name: '商品',
        linkTarget: 'event',
        linkProperty: 'sku_id',
        fields: [
          { code: 'sku_id', name: 'SKU', type: 'string' },
          { code: 'color', name: '颜色', type: 'string' },
        ],
        primaryField: 'sku_id',
      });
      expect(sku.statusCode, JSON.stringify(sku.body)).toBe(201);
      const city = await client.request('POST', '/api/v1/metadata/dimension-tables', {
        code: 'city_tier',
        name: '城市分级',
        linkTarget: 'contact',
        linkProperty: 'city',
        fields: [
          { code: 'city', name: '城市', type: 'string' },
          { code: 'tier', name: '线级', type: 'string' },
        ],
        primaryField: 'city',
      });
      expect(city.statusCode).toBe(201);
      for (const [table, content] of [
        [sku.body.id, 'sku_id,color\n010289,红色\n010290,蓝色\n'],
        [city.body.id, 'city,tier\n上海,一线\n嘉兴,三线\n'],
      ])
        expect((await client.request('POST', `/api/v1/metadata/dimension-tables/${table}/upload`, csv(content))).statusCode).toBe(
          202,
        );
      while ((await ctx.app.jobs.worker.poll()) > 0);
      expect((await uploadDictionary(client, 'event', 'pay_channel', 'value,label\nwx,微信支付\nali,支付宝\n')).statusCode).toBe(
        200,
      );

      await ctx.app.olap.forTenant(tenantId).load({
        batchId: `lookups-${tenantId}`,
        contacts: [
          { id: '1', city: '上海' },
          { id: '2', city: '嘉兴' },
          { id: '3', city: '无锡' }, // no row in the city table
        ],
        events: [
          {
            eventTime: Date.now(),
            event: 'order_complete',
            contactId: '1',
            messageId: 'o1',
            direction: 'inbound',
            properties: { sku_id: '010289', pay_channel: 'wx' },
          },
          {
            eventTime: Date.now(),
            event: 'order_complete',
            contactId: '2',
            messageId: 'o2',
            direction: 'inbound',
            properties: { sku_id: '010290', pay_channel: 'ali' },
          },
          {
            eventTime: Date.now(),
            event: 'order_complete',
            contactId: '3',
            messageId: 'o3',
            direction: 'inbound',
            properties: { sku_id: '999999', pay_channel: 'cash' },
          },
        ],
      });
      const estimate = async (condition: object) => {
        const res = await client.request('POST', '/api/v1/conditions/estimate', {
          tree: { type: 'and', conditions: [condition] },
        });
        expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
        return res.body.count as number;
      };
      const past = { kind: 'past', days: 1, includeToday: true };
      const bought = (filter: object) => ({ type: 'event', did: true, event: 'order_complete', time: past, filters: [filter] });
      expect(await estimate(bought({ property: 'sku_id.color', operator: 'eq', values: ['红色'] }))).toBe(1);
      // A SKU without a dimension row has no colour: "not 红色" counts it (a missing value is not equal).
      expect(await estimate(bought({ property: 'sku_id.color', operator: 'ne', values: ['红色'] }))).toBe(2);
      expect(await estimate(bought({ property: 'pay_channel.$label', operator: 'contains', values: ['支付'] }))).toBe(2);
      expect(await estimate(bought({ property: 'pay_channel.$label', operator: 'empty' }))).toBe(1);
      expect(await estimate({ type: 'property', property: 'city.tier', operator: 'eq', values: ['一线', '三线'] })).toBe(2);
      expect(await estimate({ type: 'property', property: 'city.tier', operator: 'empty' })).toBe(1);

      // The catalogue offers them under their property.
      const catalogue = (await client.request('GET', '/api/v1/conditions/catalogue')).body;
      const order = catalogue.events.find((e: { code: string }) => e.code === 'order_complete');
      const skuId = order.properties.find((p: { key: string }) => p.key === 'sku_id');
      expect(skuId.lookups.map((l: { key: string }) => l.key)).toEqual(expect.arrayContaining(['sku_id.color']));
    });
  },
  withPlugins,
);
