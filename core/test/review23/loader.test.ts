import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { SecretBox } from '../../src/config/secret-box.js';
import { OltpSchemaVersionStore } from '../../src/store/olap/schema-versions.js';
import { parseStarRocksUrl } from '../../src/store/olap/starrocks/starrocks-config.js';
import { StarRocksEngine } from '../../src/store/olap/starrocks/starrocks-engine.js';
import { OltpStarRocksTenantState } from '../../src/store/olap/starrocks/tenant-state.js';
import { startStarRocksDouble, type StarRocksDouble } from '../support/starrocks-double/index.js';
import { describeOltpEngines, eventRow, insertTenant, sampleDeclaration, type OltpFixture } from '../olap/support.js';

/**
 * Review of issue 23: values DuckDB keeps but StarRocks' columns cannot hold. The Stream Load double
 * stores what it is sent without StarRocks' type checks, so these tests read what the loader SENDS: a
 * value StarRocks would turn into NULL silently (strict mode off, loading/strict_mode.md: "field length
 * overflows", failed conversions) must instead be a counted mismatch with its raw value in `extra`.
 */
describeOltpEngines('review 23: StarRocks loads of out-of-range values', (ctx) => {
  let double: StarRocksDouble;
  const engines: StarRocksEngine[] = [];
  const secrets = new SecretBox(randomBytes(32));

  beforeAll(async () => {
    double = await startStarRocksDouble();
  });
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close();
  });
  afterAll(async () => {
    await double?.close();
  });

  async function tenantOf(fixture: OltpFixture, options: { loadPartBytes?: number } = {}) {
    const engine = await StarRocksEngine.open({
      ...options,
      config: parseStarRocksUrl(double.url({ replicationNum: 1 })),
      versions: new OltpSchemaVersionStore(fixture.oltp),
      tenantState: new OltpStarRocksTenantState(fixture.oltp, secrets),
      schemaChangePollMs: 5,
    });
    engines.push(engine);
    const tenantId = await insertTenant(fixture.oltp);
    const tenant = engine.forTenant(tenantId);
    const declaration = sampleDeclaration();
    await tenant.declare({
      ...declaration,
      eventProperties: [...declaration.eventProperties, { id: '14', name: 'paid_at', type: 'datetime' }],
      contactAttributes: [...declaration.contactAttributes, { id: '22', type: 'string', name: 'bio' }],
    });
    return { tenant, db: `t_${tenantId}` };
  }

  it('R23-4: a string longer than VARCHAR(65533) bytes is a mismatch kept in extra, not a silent NULL', async () => {
    const { tenant, db } = await tenantOf(ctx.fixture);
    const long = '长'.repeat(30_000); // 90,000 bytes in UTF-8, 30,000 characters
    const result = await tenant.load({
      batchId: 'r23-long',
      events: [eventRow({ properties: { sku: long, amount: 1 } })],
      contacts: [{ id: '1001', name: 'a', createdAt: 1, updatedAt: 1, attributes: { '22': long } }],
    });
    expect(result).toMatchObject({ status: 'loaded', typeMismatches: 2 });
    const [event] = double.streamLoad.loaded(db, 'event_data');
    // A mismatched property is not sent (its column stays NULL); the raw value is in extra.
    expect(event!.p_12 ?? null).toBeNull();
    expect(event!.p_11).toBe(1);
    expect((event!.extra as { sku?: string }).sku === long).toBe(true);
    expect(double.streamLoad.loaded(db, 'contact_data')[0]).toMatchObject({ id: 1001, p_22: null });
  });

  it('R23-4: tag values and dimension rows longer than VARCHAR(65533) bytes are refused before anything is written', async () => {
    const { tenant, db } = await tenantOf(ctx.fixture);
    const long = '长'.repeat(30_000);
    const before = double.fe.statements().length;
    await expect(
      tenant.replaceTagValues('7', '2026-12-01', 'string', {
        rows: [
          { contactId: '1', value: 'short' },
          { contactId: '2', value: long },
        ],
      }),
    ).rejects.toMatchObject({ code: 'olap_argument_invalid', details: [{ path: 'rows.1.value', code: 'olap_type_mismatch' }] });
    await expect(
      tenant.replaceTagValues('8', '2026-12-01', 'string[]', { rows: [{ contactId: '1', value: ['ok', long] }] }),
    ).rejects.toMatchObject({ details: [{ path: 'rows.0.value', code: 'olap_type_mismatch' }] });
    await expect(
      tenant.writeDimensionRows('31', [
        { '1': 'a', '2': 1 },
        { '1': long, '2': 2 },
      ]),
    ).rejects.toMatchObject({
      code: 'olap_argument_invalid',
      details: [{ path: 'rows.1.1', code: 'olap_type_mismatch' }],
    });
    // Refused before any DELETE / TRUNCATE or load: nothing reached StarRocks.
    expect(
      double.fe
        .statements()
        .slice(before)
        .filter((sql) => /^(DELETE|TRUNCATE|INSERT)/i.test(String(sql))),
    ).toEqual([]);
    expect(double.streamLoad.loaded(db, 'tag_value_data')).toEqual([]);
    expect(double.streamLoad.loaded(db, 'dimension_31_data')).toEqual([]);
  });

  it('R23-6: a batch over the Stream Load body limit goes in parts, each under its own deterministic label, once', async () => {
    const { tenant, db } = await tenantOf(ctx.fixture, { loadPartBytes: 4_000 });
    const events = Array.from({ length: 60 }, (_, index) =>
      eventRow({ messageId: `m-${index}`, properties: { sku: `商品-${index}-${'x'.repeat(100)}`, amount: index } }),
    );
    const first = await tenant.load({ batchId: 'r23-parts', events });
    expect(first).toMatchObject({ status: 'loaded', events: 60 });
    const loaded = double.streamLoad.loaded(db, 'event_data');
    expect(loaded.map((row) => row.message_id).sort()).toEqual(events.map((event) => event.messageId).sort());
    const labels = double.streamLoad
      .labels(db)
      .map((record) => record.label)
      .filter((label) => label.includes('r23_parts'));
    expect(labels.length).toBeGreaterThan(2);
    expect(new Set(labels).size).toBe(labels.length);
    // Each part's body stayed under the limit (one row alone may not be cut).
    for (const request of double.streamLoad.requests.filter((r) => String(r.label).includes('r23_parts')))
      expect(request.bodyBytes).toBeLessThanOrEqual(4_000);
    // A retry (a crash after the loads) sends every part again under the same labels: nothing doubles.
    const again = await tenant.load({ batchId: 'r23-parts', events });
    expect(again.status).toBe('already_loaded');
    expect(double.streamLoad.loaded(db, 'event_data')).toHaveLength(60);
  });

  it('R23-3: an instant StarRocks cannot hold is a mismatch for a property and refuses the batch as event time', async () => {
    const { tenant, db } = await tenantOf(ctx.fixture);
    const year10000 = Date.UTC(10000, 0, 1);
    const result = await tenant.load({
      batchId: 'r23-far',
      events: [eventRow({ properties: { paid_at: year10000 } }), eventRow({ properties: { paid_at: 1e16 } })],
    });
    expect(result).toMatchObject({ status: 'loaded', events: 2, typeMismatches: 2 });
    expect(double.streamLoad.loaded(db, 'event_data').map((row) => [row.p_14 ?? null, row.extra])).toEqual([
      [null, { paid_at: year10000 }],
      [null, { paid_at: 1e16 }],
    ]);
    // As event time: an input error naming the field (before: a garbage "+010000-01 1T…" DATETIME, or a RangeError).
    for (const eventTime of [year10000, 1e16]) {
      await expect(tenant.load({ batchId: `r23-time-${eventTime}`, events: [eventRow({ eventTime })] })).rejects.toMatchObject({
        code: 'olap_batch_invalid',
      });
    }
  });
});
