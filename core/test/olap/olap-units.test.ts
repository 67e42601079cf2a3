import { describe, expect, it } from 'vitest';
import { validateDeclaration } from '../../src/store/olap/declaration.js';
import { duckDbDialect } from '../../src/store/olap/duckdb/duckdb-dialect.js';
import { OlapInputError } from '../../src/store/olap/errors.js';
import { OlapWriter } from '../../src/store/olap/olap-writer.js';
import { planSchema } from '../../src/store/olap/physical-schema.js';
import { referencedMembershipColumns, TenantRelations } from '../../src/store/olap/relations.js';
import { coerce, MISMATCH } from '../../src/store/olap/values.js';
import { ZonedClock } from '../../src/lib/zoned-clock.js';
import { sampleDeclaration } from './support.js';

describe('OLAP declaration', () => {
  it('refuses unknown keys, a non-numeric id and an unknown property type', () => {
    const error = (() => {
      try {
        validateDeclaration({ ...sampleDeclaration(), eventProperties: [{ id: 'abc', name: 'x', type: 'money' }], extraKey: 1 });
      } catch (e) {
        return e;
      }
    })() as OlapInputError;
    expect(error).toBeInstanceOf(OlapInputError);
    expect(error.code).toBe('olap_declaration_invalid');
    expect(error.details!.map((d) => d.path).sort()).toEqual(['eventProperties.0.id', 'eventProperties.0.type', 'extraKey']);
  });

  it('refuses two event codes that differ only in case', () => {
    expect(() =>
      validateDeclaration(
        sampleDeclaration({
          events: [
            { code: 'Buy', alias: 'Buy' },
            { code: 'buy', alias: 'buy' },
          ],
        }),
      ),
    ).toThrow(/olap_event_duplicate_ignoring_case/);
  });

  it('fills absent lists and sorts by id so equal declarations compare equal', () => {
    const declaration = validateDeclaration({
      timeZone: 'Asia/Shanghai',
      eventProperties: [
        { id: '10', name: 'b', type: 'string' },
        { id: '9', name: 'a', type: 'string' },
      ],
    });
    expect(declaration.eventProperties.map((p) => p.id)).toEqual(['9', '10']);
    expect(declaration.dimensions).toEqual([]);
  });
});

describe('OLAP relations', () => {
  const relations = new TenantRelations(duckDbDialect, '7', validateDeclaration(sampleDeclaration()), []);

  it('prefixes only the relation CTEs the checked SQL reads', () => {
    const sql = relations.resolve({ body: 'SELECT count(*) FROM contacts', relations: ['contacts'] });
    expect(sql).toMatch(/^WITH "contacts" AS \(SELECT .* FROM "t_7"."contact_data"\) SELECT count\(\*\) FROM contacts$/);
    expect(sql).not.toContain('event_data');
    expect(relations.resolve({ body: 'SELECT 1', relations: [] })).toBe('SELECT 1');
  });

  it('merges relation CTEs into a leading WITH, keeping RECURSIVE', () => {
    const body = 'WITH RECURSIVE x AS (SELECT contact_id FROM events) SELECT * FROM x';
    const sql = relations.resolve({
      body,
      relations: ['events'],
      withOpening: { length: 'WITH RECURSIVE '.length, recursive: true },
    });
    expect(sql.startsWith('WITH RECURSIVE "events" AS (SELECT COALESCE(a.to_contact_id, e.contact_id) AS contact_id')).toBe(true);
    expect(sql.endsWith(', x AS (SELECT contact_id FROM events) SELECT * FROM x')).toBe(true);
  });

  it('knows the names a tenant may read: core relations, declared dimensions, plugin relations', () => {
    const withPlugin = new TenantRelations(duckDbDialect, '7', validateDeclaration(sampleDeclaration()), [
      { name: 'acme_visits', columns: [{ name: 'page', type: 'string' }] },
    ]);
    expect([...withPlugin.names].sort()).toEqual(
      [
        'acme_visits',
        'contact_alias',
        'contact_view',
        'contacts',
        'dimension_31',
        'event_view',
        'events',
        'group_member',
        'tag_value',
      ].sort(),
    );
  });

  it('applies merge aliases in the events relation and exposes system properties under their s_ names', () => {
    const events = relations.events();
    expect(events).toContain('LEFT JOIN "t_7"."contact_alias" AS a ON a.from_contact_id = e.contact_id');
    expect(events).toContain('e."p_13" AS "s_msg_type"');
  });

  it('joins only the requested group and tag columns into contact_view', () => {
    expect(relations.contactViewSql()).toBe('SELECT * FROM "t_7"."contact_view"');
    const sql = relations.contactViewSql({
      groups: [{ groupId: '12', version: 3 }],
      tags: [{ tagId: '5', column: 'tag_vip', calcDate: '2026-11-24', type: 'bool' }],
    });
    expect(sql).toContain('(g0.contact_id IS NOT NULL) AS "group_12"');
    expect(sql).toContain('WHERE group_id = 12 AND version = 3');
    expect(sql).toContain(`(t0.value_number <> 0) AS "tag_vip"`);
    expect(() =>
      relations.contactViewSql({ tags: [{ tagId: '5', column: 'tag_x; DROP', calcDate: '2026-11-24', type: 'string' }] }),
    ).toThrow(/invalid tag reference/);
  });

  it('finds the group and tag columns a query references', () => {
    expect(
      referencedMembershipColumns('SELECT id FROM contact_view WHERE group_12 AND tag_vip > 1 OR group_12 AND tag_value IS NULL'),
    ).toEqual({
      groupIds: ['12'],
      tagColumns: ['tag_vip'],
    });
  });
});

describe('OLAP schema plan', () => {
  it('creates missing tables, adds missing columns and reports type changes as conflicts', () => {
    const plan = planSchema(
      [
        { name: 'a', columns: [{ name: 'x', type: 'bigint' }] },
        {
          name: 'b',
          columns: [
            { name: 'x', type: 'bigint' },
            { name: 'y', type: 'varchar' },
            { name: 'z', type: 'double' },
          ],
        },
      ],
      new Map([
        [
          'b',
          new Map([
            ['x', 'BIGINT'],
            ['z', 'VARCHAR'],
            ['old', 'DATE'],
          ]),
        ],
      ]),
      (type) => duckDbDialect.columnType(type),
    );
    expect(plan.createTables.map((t) => t.name)).toEqual(['a']);
    expect(plan.addColumns).toEqual([{ table: 'b', column: { name: 'y', type: 'varchar' } }]);
    expect(plan.conflicts).toEqual([{ table: 'b', column: 'z', existing: 'VARCHAR', declared: 'DOUBLE' }]);
  });
});

describe('OLAP value conversion', () => {
  const clock = new ZonedClock('Asia/Shanghai');

  it('converts when nothing is lost and refuses otherwise', () => {
    expect(coerce('12.5', 'double', clock)).toBe(12.5);
    expect(coerce('12', 'bigint', clock)).toBe(12n);
    expect(coerce(12.5, 'bigint', clock)).toBe(MISMATCH);
    expect(coerce('9223372036854775808', 'bigint', clock)).toBe(MISMATCH);
    // Integral numbers take a fast path (no BigInt round trip) with the same bounds.
    expect(coerce(12, 'bigint', clock)).toBe(12n);
    expect(coerce(Number.MAX_SAFE_INTEGER + 1, 'bigint', clock)).toBe(MISMATCH);
    expect(coerce(2147483647, 'integer', clock)).toBe(2147483647);
    expect(coerce(2147483648, 'integer', clock)).toBe(MISMATCH);
    expect(coerce(-0, 'integer', clock)).toBe(0);
    expect(coerce(1, 'boolean', clock)).toBe(true);
    expect(coerce('yes', 'boolean', clock)).toBe(MISMATCH);
    expect(coerce(3, 'varchar', clock)).toBe('3');
    expect(coerce({ a: 1 }, 'varchar', clock)).toBe(MISMATCH);
    expect(coerce(['a', 2], 'varchar[]', clock)).toEqual(['a', '2']);
    expect(coerce('a', 'varchar[]', clock)).toBe(MISMATCH);
    expect(coerce('2026-02-30', 'date', clock)).toBe(MISMATCH);
    expect(coerce('2026-11-25', 'date', clock)).toBe(Date.UTC(2026, 10, 25) / 86_400_000);
  });

  it('reads a datetime without a zone as the tenant wall clock', () => {
    expect(coerce('2026-11-25 08:00:00', 'timestamp', clock)).toBe(Date.UTC(2026, 10, 25, 0, 0));
    expect(coerce('2026-11-25T08:00:00Z', 'timestamp', clock)).toBe(Date.UTC(2026, 10, 25, 8, 0));
    expect(coerce('2026-11-25 25:00:00', 'timestamp', clock)).toBe(MISMATCH);
  });
});

describe('ZonedClock', () => {
  it('maps wall-clock times in a DST gap forward and in an overlap to the earlier instant', () => {
    const newYork = new ZonedClock('America/New_York');
    // 2026-03-08 02:30 does not exist in New York; 2026-11-01 01:30 happens twice.
    expect(newYork.fromLocal(Date.UTC(2026, 2, 8, 2, 30))).toBe(Date.UTC(2026, 2, 8, 7, 30));
    expect(newYork.fromLocal(Date.UTC(2026, 10, 1, 1, 30))).toBe(Date.UTC(2026, 10, 1, 5, 30));
    expect(newYork.localDate(Date.UTC(2026, 10, 1, 3, 59))).toBe('2026-10-31');
  });
});

describe('OlapWriter', () => {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

  it('runs tasks one at a time in submission order, and a failing task does not stop the queue', async () => {
    const writer = new OlapWriter({});
    const log: string[] = [];
    let running = 0;
    const task = (name: string, ms: number, fail = false) =>
      writer.run('1', async () => {
        running += 1;
        expect(running).toBe(1);
        log.push(`start ${name}`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        log.push(`end ${name}`);
        running -= 1;
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([task('a', 30), task('b', 5, true), task('c', 1)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(writer.pending).toBe(0);
    await writer.close();
    await expect(writer.run('1', async () => 1)).rejects.toMatchObject({ code: 'olap_closed' });
  });

  it('serves tenants round-robin, one task each, keeping each tenant’s order', async () => {
    const writer = new OlapWriter({});
    const order: string[] = [];
    const task = (key: string, n: number) =>
      writer.run(key, async () => {
        order.push(`${key}${n}`);
        await tick();
        return `${key}${n}`;
      });
    const submitted = [task('A', 1), task('A', 2), task('A', 3), task('B', 1), task('B', 2), task('B', 3), task('C', 1)];
    expect(await Promise.all(submitted)).toEqual(['A1', 'A2', 'A3', 'B1', 'B2', 'B3', 'C1']);
    // A1 was already running when the others arrived.
    expect(order).toEqual(['A1', 'A2', 'B1', 'C1', 'A3', 'B2', 'B3']);
  });

  it("finishes tenant B's one load before tenant A's long queue drains, losing and reordering nothing", async () => {
    const writer = new OlapWriter({});
    const finished: string[] = [];
    const written: number[] = [];
    const a = Array.from({ length: 50 }, (_, n) =>
      writer.run('A', async () => {
        await tick();
        written.push(n);
        finished.push(`A${n}`);
      }),
    );
    const b = writer.run('B', async () => {
      await tick();
      finished.push('B');
    });
    await Promise.all([...a, b]);
    // B waited for the task of A that was running, and the one A task ahead of it in the rotation.
    expect(finished.indexOf('B')).toBeLessThanOrEqual(2);
    expect(written).toEqual(Array.from({ length: 50 }, (_, n) => n));
  });

  it('refuses a task with olap_busy when its tenant’s queue (or the whole queue) is full, and accepts again once drained', async () => {
    const writer = new OlapWriter({}, { maxQueuedPerKey: 3, maxQueued: 5 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const accepted = [1, 2, 3].map((n) => writer.run('A', async () => (await gate, n)));
    // Refused at once, not queued (racing a timer so a broken bound fails instead of hanging).
    const fourth = writer.run('A', async () => 4).catch((e: unknown) => e);
    const busy = await Promise.race([fourth, tick().then(() => 'queued instead of refused')]);
    expect(busy).toMatchObject({ code: 'olap_busy', statusCode: 503 });
    expect(writer.pendingFor('A')).toBe(3);
    // Another tenant still gets in, up to the total bound.
    const other = [1, 2].map((n) => writer.run('B', async () => n));
    const overTotal = writer.run('C', async () => 1).catch((e: unknown) => e);
    expect(await Promise.race([overTotal, tick().then(() => 'queued instead of refused')])).toMatchObject({ code: 'olap_busy' });
    expect(writer.pending).toBe(5);
    release();
    expect(await Promise.all(accepted)).toEqual([1, 2, 3]);
    expect(await Promise.all(other)).toEqual([1, 2]);
    expect(writer.pending).toBe(0);
    expect(await writer.run('A', async () => 'again')).toBe('again');
  });

  it('waits for queued tasks of every tenant when it closes', async () => {
    const writer = new OlapWriter({});
    const done: string[] = [];
    const tasks = ['A', 'B', 'A'].map((key, n) =>
      writer.run(key, async () => {
        await tick();
        done.push(`${key}${n}`);
      }),
    );
    await writer.close();
    expect(done).toHaveLength(3);
    await Promise.all(tasks);
  });
});
