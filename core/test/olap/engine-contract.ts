import { expect, it } from 'vitest';
import type { AnalyticsEngine, TenantAnalytics } from '../../src/store/olap/analytics-engine.js';
import { OlapInputError, OlapQueryTimeoutError, OlapSchemaConflictError } from '../../src/store/olap/errors.js';
import { ConflictError } from '../../src/server/errors.js';
import { eventRow, num, sampleDeclaration } from './support.js';

/**
 * What every AnalyticsEngine adapter must do, whatever its store. DuckDB runs it on every test run
 * (with each OLTP engine recording the schema versions); a StarRocks adapter runs it when
 * HUILIU_OLAP_URL points at a cluster.
 */
export interface EngineContractFixture {
  /** The engine currently open. */
  engine(): AnalyticsEngine;
  /** A tenant that exists in OLTP (schema records reference it). */
  newTenant(options?: { timeZone?: string }): Promise<string>;
  /** Closes the engine and opens a new one on the same storage, as a process restart does; `wipe` empties the OLAP store first. */
  restart(options?: { wipe?: boolean }): Promise<AnalyticsEngine>;
  /** A query that runs for minutes on this engine (no data needed). */
  slowQuery: string;
  /**
   * Operator SQL (over event_view / contact_view, within the engine's allow-lists) that runs for
   * minutes; default: a cross join of two range() generators (DuckDB's; StarRocks has no range()).
   * A function may load rows into the (declared) tenant first and return the SQL to run over them.
   */
  slowOperatorQuery?: string | ((tenant: TenantAnalytics) => Promise<string>);
}

async function declaredTenant(fixture: EngineContractFixture, timeZone = 'Asia/Shanghai'): Promise<TenantAnalytics> {
  const tenant = fixture.engine().forTenant(await fixture.newTenant({ timeZone }));
  await tenant.declare(sampleDeclaration({ timeZone }));
  return tenant;
}

async function count(tenant: TenantAnalytics, sql: string): Promise<number> {
  const { rows } = await tenant.query<{ n: unknown }>(sql);
  return num(rows[0]!.n);
}

export function analyticsEngineContract(ctx: { readonly fixture: EngineContractFixture }): void {
  // ---- schema ---------------------------------------------------------------------------------------

  it('refuses a malformed declaration, lists every problem and records nothing', async () => {
    const tenant = ctx.fixture.engine().forTenant(await ctx.fixture.newTenant());
    const error = await tenant
      .declare({
        ...sampleDeclaration(),
        timeZone: 'Mars/Olympus_Mons',
        eventProperties: [
          { id: '0x1', name: 'amount', type: 'number' },
          { id: '2', name: 'Amount', type: 'number' },
          { id: '3', name: 'amount', type: 'string' },
          { id: '4', name: 'event_day', type: 'string' },
        ],
      } as never)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OlapInputError);
    const paths = (error as OlapInputError).details!.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['timeZone', 'eventProperties.0.id']));
    expect(await tenant.schema()).toBeUndefined();

    const caseError = (await tenant
      .declare({
        ...sampleDeclaration(),
        eventProperties: [
          { id: '2', name: 'Amount', type: 'number' },
          { id: '3', name: 'amount', type: 'string' },
          { id: '4', name: 's_direction', type: 'string' },
        ],
      })
      .catch((e: unknown) => e)) as OlapInputError;
    expect(caseError.details).toEqual([
      { path: 'eventProperties.1.name', code: 'olap_column_duplicate_ignoring_case' },
      { path: 'eventProperties.2.name', code: 'olap_column_reserved' },
    ]);
    expect(await tenant.schema()).toBeUndefined();
  });

  it('refuses queries and loads of a tenant that never declared its schema', async () => {
    const tenant = ctx.fixture.engine().forTenant(await ctx.fixture.newTenant());
    await expect(tenant.query('SELECT count(*) AS n FROM events')).rejects.toMatchObject({ code: 'olap_tenant_not_declared' });
    await expect(tenant.load({ batchId: 'b-undeclared', events: [eventRow()] })).rejects.toMatchObject({
      code: 'olap_tenant_not_declared',
    });
  });

  it('records version 1 for a first declaration and no new version for an identical one', async () => {
    const tenant = ctx.fixture.engine().forTenant(await ctx.fixture.newTenant());
    const first = await tenant.declare(sampleDeclaration());
    expect(first).toMatchObject({ version: 1, changed: true });
    expect(first.added).toEqual(expect.arrayContaining(['event_data', 'contact_data', 'dimension_31_data']));
    // Same content in another order is the same declaration.
    const reordered = sampleDeclaration();
    reordered.eventProperties.reverse();
    expect(await tenant.declare(reordered)).toEqual({ version: 1, changed: false, added: [] });
    expect((await tenant.schema())?.version).toBe(1);
  });

  it('adds a property declared later as a typed column, keeping the rows already loaded', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    await tenant.load({ batchId: 'b-before', events: [eventRow({ properties: { amount: 5, color: 'red' } })] });
    const declaration = sampleDeclaration();
    declaration.eventProperties.push({ id: '14', name: 'color', type: 'string' });
    const result = await tenant.declare(declaration);
    expect(result).toEqual({ version: 2, changed: true, added: ['event_data.p_14'] });
    await tenant.load({ batchId: 'b-after', events: [eventRow({ properties: { amount: 6, color: 'blue' } })] });
    const { rows } = await tenant.query<{ amount: number; color: string | null; extra: string | null }>(
      'SELECT p_11 AS amount, p_14 AS color, extra FROM events ORDER BY p_11',
    );
    // The earlier row keeps its value in extra (never lost); the later one has the typed column.
    expect(rows).toEqual([
      { amount: 5, color: null, extra: '{"color":"red"}' },
      { amount: 6, color: 'blue', extra: null },
    ]);
    const columns = (await tenant.query('SELECT * FROM event_view LIMIT 0')).columns.map((c) => c.name);
    expect(columns).toContain('p_color');
  });

  it('keeps a property column and its data when a later declaration leaves the property out (add-only)', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    await tenant.load({ batchId: 'b-sku', events: [eventRow({ properties: { sku: 'A-1' } })] });
    const declaration = sampleDeclaration();
    declaration.eventProperties = declaration.eventProperties.filter((p) => p.name !== 'sku');
    expect(await tenant.declare(declaration)).toMatchObject({ version: 2, changed: true, added: [] });
    const viewColumns = (await tenant.query('SELECT * FROM event_view LIMIT 0')).columns.map((c) => c.name);
    expect(viewColumns).not.toContain('p_sku');
    // Re-declaring it brings the column back with its data: nothing was dropped.
    await tenant.declare(sampleDeclaration());
    expect((await tenant.query('SELECT p_sku FROM event_view')).rows).toEqual([{ p_sku: 'A-1' }]);
  });

  it('refuses to change the type of a declared property and leaves schema and version as they were', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    const declaration = sampleDeclaration();
    declaration.eventProperties[0] = { id: '11', name: 'amount', type: 'string' };
    const error = await tenant.declare(declaration).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OlapSchemaConflictError);
    expect((error as OlapSchemaConflictError).conflicts).toEqual([
      expect.objectContaining({ table: 'event_data', column: 'p_11' }),
    ]);
    expect((await tenant.schema())?.version).toBe(1);
    const types = (await tenant.query('SELECT p_amount FROM event_view LIMIT 0')).columns;
    expect(types).toEqual([{ name: 'p_amount', type: 'DOUBLE' }]);
  });

  it('refuses to change the time zone once the tenant has events', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    // Before any event the zone may still change.
    await tenant.declare(sampleDeclaration({ timeZone: 'Asia/Tokyo' }));
    await tenant.load({ batchId: 'b-tz', events: [eventRow()] });
    const error = await tenant.declare(sampleDeclaration({ timeZone: 'Asia/Shanghai' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).code).toBe('time_zone_locked');
    expect((await tenant.schema())?.declaration.timeZone).toBe('Asia/Tokyo');
  });

  // ---- typed columns --------------------------------------------------------------------------------

  it('stores declared properties in typed columns and undeclared ones in extra', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    const result = await tenant.load({
      batchId: 'b-typed',
      events: [eventRow({ properties: { amount: '12.5', sku: 42, s_msg_type: 'text', coupon: 'X1', nested: { a: [1, 2] } } })],
    });
    expect(result).toMatchObject({ status: 'loaded', events: 1, typeMismatches: 0 });
    const { rows, columns } = await tenant.query('SELECT p_11, p_12, p_13, s_msg_type, extra FROM events');
    expect(columns.slice(0, 4).map((c) => c.type)).toEqual(['DOUBLE', 'VARCHAR', 'VARCHAR', 'VARCHAR']);
    expect(rows).toEqual([
      { p_11: 12.5, p_12: '42', p_13: 'text', s_msg_type: 'text', extra: '{"coupon":"X1","nested":{"a":[1,2]}}' },
    ]);
  });

  it('stores text with a lone UTF-16 surrogate as U+FFFD, in typed columns and in extra (keys too)', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    const result = await tenant.load({
      batchId: 'b-surrogate',
      events: [eventRow({ properties: { sku: 'x\ud800', coupon: 'c\udc00 \ud83d\ude00', ['k\udfff']: ['v\ud83d'] } })],
    });
    expect(result).toMatchObject({ status: 'loaded', events: 1 });
    const { rows } = await tenant.query<{ p_12: string; extra: string }>('SELECT p_12, extra FROM events');
    // A well-formed pair (the emoji) stays; each lone surrogate is one U+FFFD.
    expect(rows).toEqual([{ p_12: 'x\ufffd', extra: '{"coupon":"c\ufffd \ud83d\ude00","k\ufffd":["v\ufffd"]}' }]);
  });

  it('stores a value that cannot be converted without loss as NULL and keeps the raw value in extra', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    const result = await tenant.load({
      batchId: 'b-mismatch',
      events: [eventRow({ properties: { amount: 'twelve', sku: { x: 1 } } })],
    });
    expect(result.typeMismatches).toBe(2);
    const { rows } = await tenant.query('SELECT p_11, p_12, extra FROM events');
    expect(rows).toEqual([{ p_11: null, p_12: null, extra: '{"amount":"twelve","sku":{"x":1}}' }]);
  });

  it('computes event_day in the tenant time zone when loading', async () => {
    const shanghai = await declaredTenant(ctx.fixture, 'Asia/Shanghai');
    const newYork = await declaredTenant(ctx.fixture, 'America/New_York');
    // 17:30 UTC on Jan 1 is already Jan 2 in Shanghai, still Jan 1 in New York.
    const eventTime = Date.UTC(2026, 0, 1, 17, 30);
    for (const tenant of [shanghai, newYork]) await tenant.load({ batchId: 'b-day', events: [eventRow({ eventTime })] });
    const day = async (tenant: TenantAnalytics) =>
      (
        await tenant.query<{ d: string; local: string }>('SELECT event_day AS d, event_date AS local FROM event_view', {
          rowMode: 'json',
        })
      ).rows[0];
    expect(await day(shanghai)).toEqual({ d: '2026-01-02', local: '2026-01-02 01:30:00' });
    expect(await day(newYork)).toEqual({ d: '2026-01-01', local: '2026-01-01 12:30:00' });
  });

  // ---- exactly-once batches ---------------------------------------------------------------------------

  it('refuses a batch with a malformed row and writes nothing of it', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    const events = Array.from({ length: 900 }, (_, i) => eventRow({ contactId: String(2000 + i) }));
    events[850] = eventRow({ contactId: 'not-an-id' });
    const error = await tenant
      .load({ batchId: 'b-bad-row', events, contacts: [{ id: '2000', name: 'Li', createdAt: 1, updatedAt: 1 }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OlapInputError);
    expect((error as OlapInputError).details).toEqual([{ path: 'events.850.contactId', code: 'olap_id_invalid' }]);
    expect(await count(tenant, 'SELECT count(*) AS n FROM events')).toBe(0);
    expect(await count(tenant, 'SELECT count(*) AS n FROM contacts')).toBe(0);
    // The batch id was not consumed: the corrected batch loads.
    events[850] = eventRow({ contactId: '2850' });
    expect(await tenant.load({ batchId: 'b-bad-row', events })).toMatchObject({ status: 'loaded', events: 900 });
  });

  it('loads a batch once: the same batch id again is a no-op', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    const batch = {
      batchId: 'b-once',
      events: [eventRow(), eventRow()],
      contacts: [{ id: '1001', name: '王小明', createdAt: 1, updatedAt: 2 }],
    };
    expect(await tenant.load(batch)).toMatchObject({ status: 'loaded', events: 2, contacts: 1 });
    expect(await tenant.load(batch)).toMatchObject({ status: 'already_loaded', events: 2, contacts: 1 });
    expect(await count(tenant, 'SELECT count(*) AS n FROM events')).toBe(2);
    expect(await count(tenant, 'SELECT count(*) AS n FROM contacts')).toBe(1);
  });

  it('refuses an events-only batch with a bad row whole, and answers a replayed one from the ledger first', async () => {
    // The ingest worker's usual batch: events only (converted while BEGIN + the ledger row run).
    const tenant = await declaredTenant(ctx.fixture);
    const events = Array.from({ length: 500 }, (_, i) => eventRow({ contactId: String(3000 + i) }));
    events[420] = eventRow({ direction: 'sideways' as never });
    const error = await tenant.load({ batchId: 'b-events-bad', events }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OlapInputError);
    expect((error as OlapInputError).details).toEqual([{ path: 'events.420.direction', code: 'any.only' }]);
    expect(await count(tenant, 'SELECT count(*) AS n FROM events')).toBe(0);
    events[420] = eventRow({ contactId: '3420' });
    expect(await tenant.load({ batchId: 'b-events-bad', events })).toMatchObject({ status: 'loaded', events: 500 });
    // Replayed with rows that no longer convert: the ledger answers before any row error.
    events[7] = eventRow({ contactId: 'not-an-id' });
    expect(await tenant.load({ batchId: 'b-events-bad', events })).toMatchObject({ status: 'already_loaded', events: 500 });
    expect(await count(tenant, 'SELECT count(*) AS n FROM events')).toBe(500);
    // The writer connection is still usable: the next batch loads.
    expect(await tenant.load({ batchId: 'b-events-next', events: [eventRow()] })).toMatchObject({ status: 'loaded' });
    expect(await count(tenant, 'SELECT count(*) AS n FROM events')).toBe(501);
  });

  it('does not duplicate a batch reloaded after a crash between commit and acknowledge', async () => {
    const tenantId = await ctx.fixture.newTenant();
    await ctx.fixture.engine().forTenant(tenantId).declare(sampleDeclaration());
    const batch = { batchId: 'b-crash-after-commit', events: [eventRow(), eventRow(), eventRow()] };
    await ctx.fixture.engine().forTenant(tenantId).load(batch);
    // The worker dies before marking load_batch done; on restart it loads the same batch again.
    const restarted = await ctx.fixture.restart();
    await restarted.start();
    expect(await restarted.forTenant(tenantId).load(batch)).toMatchObject({ status: 'already_loaded', events: 3 });
    expect(await count(restarted.forTenant(tenantId), 'SELECT count(*) AS n FROM events')).toBe(3);
  });

  it('reconciles every recorded tenant at start when the OLAP store was lost', async () => {
    const tenantId = await ctx.fixture.newTenant();
    await ctx.fixture.engine().forTenant(tenantId).declare(sampleDeclaration());
    const restarted = await ctx.fixture.restart({ wipe: true });
    await restarted.start();
    const tenant = restarted.forTenant(tenantId);
    expect((await tenant.schema())?.version).toBe(1);
    expect(await count(tenant, 'SELECT count(*) AS n FROM events')).toBe(0);
    const columns = (await tenant.query('SELECT * FROM event_view LIMIT 0')).columns.map((c) => c.name);
    expect(columns).toEqual(expect.arrayContaining(['p_amount', 'p_sku', 's_msg_type']));
  });

  // ---- relations and views -----------------------------------------------------------------------------

  it('exposes event_view with operator names, event aliases and tenant-local dates', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    await tenant.load({
      batchId: 'b-view',
      events: [
        eventRow({ event: 'subscribe', eventTime: Date.UTC(2026, 10, 24, 16, 5), properties: { s_msg_type: 'event' } }),
        eventRow({ event: 'custom_x', eventTime: Date.UTC(2026, 10, 24, 15, 55), properties: { amount: 3 } }),
      ],
    });
    const { rows, columns } = await tenant.query(
      'SELECT contact_id, event, event_alias, event_date, event_day, p_amount, p_sku, s_msg_type, s_direction FROM event_view ORDER BY event_date',
      { rowMode: 'json' },
    );
    expect(columns.map((c) => c.name)).toEqual([
      'contact_id',
      'event',
      'event_alias',
      'event_date',
      'event_day',
      'p_amount',
      'p_sku',
      's_msg_type',
      's_direction',
    ]);
    expect(rows).toEqual([
      // An event without a declared alias shows its code.
      {
        contact_id: '1001',
        event: 'custom_x',
        event_alias: 'custom_x',
        event_date: '2026-11-24 23:55:00',
        event_day: '2026-11-24',
        p_amount: 3,
        p_sku: null,
        s_msg_type: null,
        s_direction: 'inbound',
      },
      {
        contact_id: '1001',
        event: 'subscribe',
        event_alias: 'wechat_subscribe',
        event_date: '2026-11-25 00:05:00',
        event_day: '2026-11-25',
        p_amount: null,
        p_sku: null,
        s_msg_type: 'event',
        s_direction: 'inbound',
      },
    ]);
  });

  it('exposes contact_view with system fields and p_attr columns, joining groups and tags only on request', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    await tenant.load({
      batchId: 'b-contacts',
      contacts: [
        { id: '1', name: '张三', city: '上海', createdAt: Date.UTC(2026, 0, 1, 20, 0), updatedAt: 1, attributes: { '21': 3 } },
        { id: '2', name: '李四', createdAt: 1, updatedAt: 1, attributes: { '21': 'gold' } },
      ],
    });
    await tenant.replaceGroupVersion('500', 2, { rows: ['1'] });
    await tenant.replaceTagValues('600', '2026-11-24', 'number', { rows: [{ contactId: '2', value: 99.5 }] });
    const plain = await tenant.query('SELECT * FROM contact_view LIMIT 0');
    expect(plain.columns.map((c) => c.name)).toEqual(expect.arrayContaining(['id', 'name', 'city', 'created_at', 'p_attr21']));
    expect(plain.columns.map((c) => c.name).some((name) => name.startsWith('group_') || name.startsWith('tag_'))).toBe(false);

    const { rows } = await tenant.query(
      'SELECT id, name, created_at, p_attr21, group_500, tag_vip_score FROM contact_view ORDER BY id',
      {
        rowMode: 'json',
        contactView: {
          groups: [{ groupId: '500', version: 2 }],
          tags: [{ tagId: '600', column: 'tag_vip_score', calcDate: '2026-11-24', type: 'number' }],
        },
      },
    );
    expect(rows).toEqual([
      // created_at is tenant-local; the attribute value "gold" is not an integer, so it is NULL.
      { id: '1', name: '张三', created_at: '2026-01-02 04:00:00', p_attr21: '3', group_500: true, tag_vip_score: null },
      { id: '2', name: '李四', created_at: '1970-01-01 08:00:00.001', p_attr21: null, group_500: false, tag_vip_score: 99.5 },
    ]);
  });

  it('counts the events of merged contacts for the final survivor, through chains of merges', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    await tenant.load({
      batchId: 'b-merge-1',
      events: [eventRow({ contactId: '1' }), eventRow({ contactId: '2' }), eventRow({ contactId: '3' })],
    });
    // 1 merges into 2, then 2 into 3: every event belongs to 3, and raw ids are kept.
    await tenant.load({ batchId: 'b-merge-2', aliases: [{ fromContactId: '1', toContactId: '2' }] });
    await tenant.load({ batchId: 'b-merge-3', aliases: [{ fromContactId: '2', toContactId: '3' }], deletedContactIds: ['2'] });
    const { rows } = await tenant.query<{ contact_id: bigint; source_contact_id: bigint }>(
      'SELECT contact_id, source_contact_id FROM events ORDER BY source_contact_id',
    );
    expect(rows.map((r) => [num(r.source_contact_id), num(r.contact_id)])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(await count(tenant, 'SELECT count(DISTINCT contact_id) AS n FROM event_view')).toBe(1);
  });

  it('confines every query to its tenant', async () => {
    const a = await declaredTenant(ctx.fixture);
    const b = await declaredTenant(ctx.fixture);
    await a.load({
      batchId: 'b-iso',
      events: [eventRow({ contactId: '77' })],
      contacts: [{ id: '77', createdAt: 1, updatedAt: 1 }],
    });
    await b.load({ batchId: 'b-iso', events: [] });
    for (const relation of ['events', 'contacts', 'event_view', 'contact_view']) {
      expect(await count(b, `SELECT count(*) AS n FROM ${relation}`)).toBe(0);
      expect(await count(a, `SELECT count(*) AS n FROM ${relation}`)).toBe(1);
    }
    // The same batch id in another tenant is another load.
    expect((await b.load({ batchId: 'b-iso', events: [eventRow()] })).status).toBe('already_loaded');
  });

  it('shows a property declared at run time in event_view without a restart while batches keep loading', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    const withColor = (n: number) => ({
      batchId: `b-live-${n}`,
      events: Array.from({ length: 200 }, () => eventRow({ properties: { amount: n, color: `c${n}` } })),
    });
    const declaration = sampleDeclaration();
    declaration.eventProperties.push({ id: '15', name: 'color', type: 'string' });
    // Loads before, around and after the declaration, all submitted at once.
    const loads = Array.from({ length: 10 }, (_, n) => tenant.load(withColor(n)));
    const declared = tenant.declare(declaration);
    const later = Array.from({ length: 10 }, (_, n) => tenant.load(withColor(n + 10)));
    const results = await Promise.all([...loads, ...later]);
    expect(results.every((r) => r.status === 'loaded')).toBe(true);
    expect((await declared).added).toEqual(['event_data.p_15']);
    expect(await count(tenant, 'SELECT count(*) AS n FROM events')).toBe(4000);
    // No color is lost: each event has it either typed (loaded after the DDL) or in extra (before).
    // concat() and the dialect's JSON read: the same text on every engine (StarRocks reads `||` as OR, ADR 0066).
    const extraColor = ctx.fixture.engine().dialect.jsonString('extra', 'color');
    expect(
      await count(
        tenant,
        `SELECT count(*) AS n FROM events WHERE p_15 = concat('c', CAST(CAST(p_11 AS INTEGER) AS VARCHAR)) OR ${extraColor} = concat('c', CAST(CAST(p_11 AS INTEGER) AS VARCHAR))`,
      ),
    ).toBe(4000);
    expect(await count(tenant, `SELECT count(*) AS n FROM event_view WHERE p_color = 'c15'`)).toBe(200);
  });

  it('writes group versions from ids and from SQL and prunes old versions', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    await tenant.load({
      batchId: 'b-groups',
      events: [eventRow({ contactId: '5', properties: { amount: 10 } }), eventRow({ contactId: '6', properties: { amount: 1 } })],
    });
    expect(await tenant.replaceGroupVersion('9', 1, { rows: ['5', '6', '6'] })).toBe(2);
    expect(await tenant.replaceGroupVersion('9', 2, { sql: 'SELECT contact_id FROM events WHERE p_11 > ?', params: [5] })).toBe(
      1,
    );
    // Rewriting a version (a retried computation) replaces it rather than adding to it.
    expect(await tenant.replaceGroupVersion('9', 2, { sql: 'SELECT contact_id FROM events WHERE p_11 > 5' })).toBe(1);
    await tenant.pruneGroupVersions('9', [2]);
    const { rows } = await tenant.query<{ version: number; contact_id: bigint }>(
      'SELECT version, contact_id FROM group_member WHERE group_id = 9',
    );
    expect(rows.map((r) => [r.version, num(r.contact_id)])).toEqual([[2, 5]]);
  });

  it('reads a group version through its real-time delta; rewriting or pruning the version drops the delta', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    const members = async (group: string, version: number) =>
      (
        await tenant.query<{ contact_id: bigint }>(
          'SELECT contact_id FROM group_member WHERE group_id = CAST(? AS BIGINT) AND version = ? ORDER BY contact_id',
          { params: [group, version] },
        )
      ).rows.map((r) => num(r.contact_id));
    await tenant.replaceGroupVersion('21', 1, { rows: ['1', '2', '3'] });
    await tenant.replaceGroupVersion('21', 2, { rows: ['1'] });
    // 4 enters, 2 leaves, 1 enters again (already a member: still once), 9 leaves (never was one).
    await tenant.applyGroupDelta('21', 1, [
      { contactId: '4', member: true },
      { contactId: '2', member: false },
      { contactId: '1', member: true },
      { contactId: '9', member: false },
    ]);
    expect(await members('21', 1)).toEqual([1, 3, 4]);
    // Another version and another group are untouched (the delta matches on group, version and contact).
    expect(await members('21', 2)).toEqual([1]);
    await tenant.replaceGroupVersion('22', 1, { rows: ['2', '3'] });
    expect(await members('22', 1)).toEqual([2, 3]);
    // The newest change of a contact wins: within one call, and over an earlier call.
    await tenant.applyGroupDelta('21', 1, [
      { contactId: '4', member: false },
      { contactId: '2', member: false },
      { contactId: '2', member: true },
    ]);
    expect(await members('21', 1)).toEqual([1, 2, 3]);
    // contact_view's group column reads the same live membership.
    await tenant.load({
      batchId: 'b-delta-contacts',
      contacts: ['1', '2', '3', '4'].map((id) => ({ id, name: `c${id}`, createdAt: 1, updatedAt: 1 })),
    });
    const view = await tenant.query<{ id: bigint }>('SELECT id FROM contact_view WHERE group_21 ORDER BY id', {
      contactView: { groups: [{ groupId: '21', version: 1 }] },
    });
    expect(view.rows.map((r) => num(r.id))).toEqual([1, 2, 3]);
    await expect(tenant.applyGroupDelta('21', 1, [{ contactId: 'x', member: true }])).rejects.toMatchObject({
      code: 'olap_argument_invalid',
    });
    await expect(
      tenant.applyGroupDelta('21', 1, [{ contactId: '5', member: 'yes' as unknown as boolean }]),
    ).rejects.toMatchObject({ code: 'olap_argument_invalid' });
    // A rewritten version starts from its rows alone.
    await tenant.applyGroupDelta('21', 2, [{ contactId: '7', member: true }]);
    await tenant.replaceGroupVersion('21', 2, { rows: ['1', '5'] });
    expect(await members('21', 2)).toEqual([1, 5]);
    // Pruning drops a version's delta with it: a version number used again has no stale changes.
    await tenant.applyGroupDelta('21', 1, [{ contactId: '8', member: true }]);
    await tenant.pruneGroupVersions('21', [2]);
    expect(await members('21', 1)).toEqual([]);
    await tenant.replaceGroupVersion('21', 1, { rows: ['3'] });
    expect(await members('21', 1)).toEqual([3]);
  });

  it('writes tag values typed by tag type, from rows and from SQL', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    await tenant.load({ batchId: 'b-tags', events: [eventRow({ contactId: '5', properties: { sku: 'A' } })] });
    await tenant.replaceTagValues('40', '2026-11-24', 'string[]', { rows: [{ contactId: '5', value: ['A', 'B'] }] });
    await tenant.replaceTagValues('41', '2026-11-24', 'string', { sql: 'SELECT contact_id, p_12 AS value FROM events' });
    await tenant.replaceTagValues('42', '2026-11-24', 'bool', { rows: [{ contactId: '5', value: true }] });
    await expect(
      tenant.replaceTagValues('43', '2026-11-24', 'number', { rows: [{ contactId: '5', value: 'many' }] }),
    ).rejects.toBeInstanceOf(OlapInputError);
    const { rows } = await tenant.query(
      'SELECT tag_id, value_string, value_number, value_strings FROM tag_value ORDER BY tag_id',
    );
    expect(rows.map((r) => ({ ...r, tag_id: num(r.tag_id) }))).toEqual([
      { tag_id: 40, value_string: null, value_number: null, value_strings: ['A', 'B'] },
      { tag_id: 41, value_string: 'A', value_number: null, value_strings: null },
      { tag_id: 42, value_string: null, value_number: 1, value_strings: null },
    ]);
  });

  it('writes a tag’s runs side by side: a rewrite replaces its own run, contact_view reads the run asked, pruning keeps (day, run) pairs up to a run', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    await tenant.load({
      batchId: 'b-runs',
      events: [eventRow({ contactId: '11' })],
      contacts: [
        { id: '11', name: 'a', createdAt: 1, updatedAt: 1 },
        { id: '12', name: 'b', createdAt: 1, updatedAt: 1 },
      ],
    });
    const read = async () =>
      (
        await tenant.query<{ day: string; run: unknown; contact_id: unknown; value_string: string }>(
          'SELECT CAST(calc_date AS VARCHAR) AS day, run, contact_id, value_string FROM tag_value WHERE tag_id = 7 ORDER BY 1, 2, 3',
        )
      ).rows.map((r) => [r.day.slice(0, 10), num(r.run), num(r.contact_id), r.value_string]);
    // A day's run consumers read (1), and the day's next run written beside it (2), rewritten once.
    const old = [
      { contactId: '11', value: 'old' },
      { contactId: '12', value: 'old' },
    ];
    await tenant.replaceTagValues('7', '2026-11-24', 'string', { rows: old }, { run: 1 });
    await tenant.replaceTagValues('7', '2026-11-24', 'string', { rows: [{ contactId: '11', value: 'new' }] }, { run: 2 });
    await tenant.replaceTagValues('7', '2026-11-24', 'string', { rows: [{ contactId: '12', value: 'new' }] }, { run: 2 });
    // Written without a run: run 0.
    await tenant.replaceTagValues('7', '2026-11-23', 'string', { rows: [{ contactId: '11', value: 'older' }] });
    expect(await read()).toEqual([
      ['2026-11-23', 0, 11, 'older'],
      ['2026-11-24', 1, 11, 'old'],
      ['2026-11-24', 1, 12, 'old'],
      ['2026-11-24', 2, 12, 'new'],
    ]);
    const column = async (run: number) =>
      (
        await tenant.operatorQuery<{ id: unknown; level: unknown }>(
          'SELECT id, tag_level AS level FROM contact_view ORDER BY id',
          {
            contactView: { tags: [{ tagId: '7', column: 'tag_level', calcDate: '2026-11-24', run, type: 'string' }] },
          },
        )
      ).rows.map((r) => [num(r.id), r.level]);
    expect(await column(1)).toEqual([
      [11, 'old'],
      [12, 'old'],
    ]);
    expect(await column(2)).toEqual([
      [11, null],
      [12, 'new'],
    ]);
    // Run 2 becomes the day's: runs up to 2 not kept go; run 3, started since, stays.
    await tenant.replaceTagValues('7', '2026-11-24', 'string', { rows: [{ contactId: '11', value: 'newer' }] }, { run: 3 });
    await tenant.pruneTagValues(
      '7',
      [
        { calcDate: '2026-11-24', run: 2 },
        { calcDate: '2026-11-23', run: 0 },
      ],
      { upToRun: 2 },
    );
    expect(await read()).toEqual([
      ['2026-11-23', 0, 11, 'older'],
      ['2026-11-24', 2, 12, 'new'],
      ['2026-11-24', 3, 11, 'newer'],
    ]);
    await tenant.pruneTagValues('7', [{ calcDate: '2026-11-24', run: 3 }]);
    expect(await read()).toEqual([['2026-11-24', 3, 11, 'newer']]);
    await tenant.pruneTagValues('7', []);
    expect(await read()).toEqual([]);
    await expect(tenant.replaceTagValues('7', '2026-11-24', 'string', { rows: [] }, { run: -1 })).rejects.toBeInstanceOf(
      OlapInputError,
    );
    await expect(tenant.pruneTagValues('7', [{ calcDate: '2026-11-24', run: 1.5 }])).rejects.toBeInstanceOf(OlapInputError);
    await expect(tenant.pruneTagValues('7', [{ calcDate: "2026-11-24' OR 1=1 --", run: 1 }])).rejects.toBeInstanceOf(
      OlapInputError,
    );
  });

  it('writes dimension rows and reads them as dimension_<id>', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    await tenant.writeDimensionRows('31', [
      { '1': 'SH', '2': 1.5 },
      { '1': 'BJ', '2': '2' },
    ]);
    await tenant.writeDimensionRows('31', [{ '1': 'GZ', '2': 3 }], { replace: true });
    expect((await tenant.query('SELECT f_1, f_2 FROM dimension_31')).rows).toEqual([{ f_1: 'GZ', f_2: 3 }]);
    await expect(tenant.writeDimensionRows('99', [{}])).rejects.toBeInstanceOf(OlapInputError);
  });

  it('deletes the events of given channel accounts only', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    await tenant.load({
      batchId: 'b-gdpr',
      events: [eventRow({ channelAccountId: '1' }), eventRow({ channelAccountId: '2' }), eventRow({ channelAccountId: '2' })],
    });
    expect(await tenant.deleteEventsByChannelAccounts(['2'])).toBe(2);
    expect(await count(tenant, 'SELECT count(*) AS n FROM events')).toBe(1);
  });

  it('merges the relation CTEs into a query that has its own WITH', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    await tenant.load({ batchId: 'b-with', events: [eventRow({ contactId: '8' }), eventRow({ contactId: '8' })] });
    const sql = `-- daily counts\nWITH per_contact AS (SELECT contact_id, count(*) AS c FROM events GROUP BY contact_id)\nSELECT sum(c) AS n FROM per_contact`;
    expect(await count(tenant, sql)).toBe(2);
  });

  // ---- interrupts --------------------------------------------------------------------------------------

  // The slow query runs for minutes or hours: the timeout error alone proves the interrupt worked,
  // with no bound on elapsed time that a busy machine could break.
  it('interrupts a query over its time limit and answers the next one', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    const error = await tenant.query(ctx.fixture.slowQuery, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OlapQueryTimeoutError);
    expect((error as OlapQueryTimeoutError).code).toBe('olap_query_timeout');
    expect(await count(tenant, 'SELECT count(*) AS n FROM events')).toBe(0);
  });

  it("refuses SQL that names another tenant's tables, a schema or a table function (the SQL guard)", async () => {
    const victimId = await ctx.fixture.newTenant();
    const victim = ctx.fixture.engine().forTenant(victimId);
    await victim.declare(sampleDeclaration());
    await victim.load({ batchId: 'b-victim', events: [eventRow()] });
    const attacker = await declaredTenant(ctx.fixture);
    for (const sql of [
      `SELECT count(*) AS n FROM t_${victimId}.event_data`,
      `SELECT count(*) AS n FROM events WHERE contact_id IN (SELECT contact_id FROM t_${victimId}.event_data)`,
      `SELECT * FROM read_csv_auto('/etc/passwd')`,
      'SELECT * FROM event_data',
    ]) {
      await expect(attacker.query(sql), sql).rejects.toMatchObject({ code: 'olap_sql_refused', statusCode: 400 });
    }
    expect(await count(victim, 'SELECT count(*) AS n FROM events')).toBe(1);
  });

  // ---- operator SQL (ADR 0046) ------------------------------------------------------------------------

  it('runs operator SQL over event_view and contact_view with group and tag columns, cut at maxRows', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    await tenant.load({
      batchId: 'b-operator',
      events: [
        eventRow({ contactId: '11', properties: { amount: 5 } }),
        eventRow({ contactId: '11', properties: { amount: 7 } }),
      ],
      contacts: [
        { id: '11', name: 'a', createdAt: 1, updatedAt: 1 },
        { id: '12', name: 'b', createdAt: 1, updatedAt: 1 },
      ],
    });
    await tenant.replaceGroupVersion('3', 1, { rows: ['12'] });
    await tenant.replaceTagValues('4', '2026-11-24', 'number', { rows: [{ contactId: '11', value: 2 }] });
    const contactView = {
      groups: [{ groupId: '3', version: 1 }],
      tags: [{ tagId: '4', column: 'tag_score', calcDate: '2026-11-24', type: 'number' as const }],
    };
    const { rows, truncated } = await tenant.operatorQuery<{ contact_id: unknown; value: unknown; g: unknown; t: unknown }>(
      `WITH spend AS (SELECT contact_id, sum(p_amount) AS total FROM event_view GROUP BY contact_id)
       SELECT c.id AS contact_id, coalesce(s.total, 0) AS value, c.group_3 AS g, c.tag_score AS t
         FROM contact_view AS c LEFT JOIN spend AS s ON s.contact_id = c.id ORDER BY c.id`,
      { contactView },
    );
    expect(rows.map((r) => [num(r.contact_id), num(r.value), r.g, r.t === null ? null : num(r.t)])).toEqual([
      [11, 12, false, 2],
      [12, 0, true, null],
    ]);
    expect(truncated).toBe(false);
    const cut = await tenant.operatorQuery('SELECT id FROM contact_view ORDER BY id', { maxRows: 1 });
    expect(cut.rows.map((r) => num(r.id))).toEqual([11]);
    expect(cut.truncated).toBe(true);
    expect(
      await tenant.replaceTagValues('5', '2026-11-24', 'number', {
        operatorSql: 'SELECT id AS contact_id, 1 AS value FROM contact_view',
      }),
    ).toBe(2);
  });

  it('refuses operator SQL outside the sandbox and interrupts it at its time limit', async () => {
    const tenant = await declaredTenant(ctx.fixture);
    for (const [sql, reason] of [
      ['SELECT contact_id FROM events', 'olap_sql_relation_unknown'],
      [`SELECT current_setting('threads')`, 'olap_sql_function_refused'],
      ['SELECT contact_id FROM (SELECT * FROM event_view) AS e', 'olap_sql_star_in_subquery'],
      ['WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r', 'olap_sql_recursive_cte'],
      [`SELECT * FROM read_csv('/etc/passwd')`, 'olap_sql_table_function'],
    ]) {
      await expect(tenant.operatorQuery(sql!), sql).rejects.toMatchObject({ code: 'olap_sql_refused', reason, statusCode: 400 });
    }
    const given = ctx.fixture.slowOperatorQuery;
    const slow =
      typeof given === 'function'
        ? await given(tenant)
        : (given ?? 'SELECT count(*) AS n FROM range(100000000000) AS a, range(100000000000) AS b');
    const error = await tenant.operatorQuery(slow, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OlapQueryTimeoutError);
  });
}
