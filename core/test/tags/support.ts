import { expect } from 'vitest';
import { tagsServiceRef } from '../../src/modules/tags/tags.service.js';
import { ingestTenant } from '../ingestion/support.js';
import type { TestApp } from '../support/test-app.js';

export const TAGS = '/api/v1/tags';

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

/**
 * A tenant with three people sent through the SDK and loaded into OLAP by the ingestion worker:
 * - 张三 (u1): purchases ball 10, ball 20, shoe 5 (in that order) — spent 35;
 * - 李四 (u2): purchase shoe 100;
 * - 王五 (u3): identified, never bought.
 */
export async function tagsTenant(app: TestApp, options: { timeZone?: string } = {}) {
  const t = await ingestTenant(app, options);
  const purchase = (userId: string, sku: string, amount: number, minutes: number) => ({
    type: 'track',
    userId,
    event: 'purchase',
    properties: { sku, amount },
    timestamp: minutesAgo(minutes),
  });
  const sent = await t.collect('batch', {
    batch: [
      { type: 'identify', userId: 'u1', traits: { name: '张三' } },
      { type: 'identify', userId: 'u2', traits: { name: '李四' } },
      { type: 'identify', userId: 'u3', traits: { name: '王五' } },
      purchase('u1', 'ball', 10, 30),
      purchase('u1', 'ball', 20, 20),
      purchase('u1', 'shoe', 5, 10),
      purchase('u2', 'shoe', 100, 15),
    ],
  });
  expect(sent.statusCode).toBe(200);
  await t.drain();
  const contactOf = async (userId: string) => {
    const row = (await app.oltp
      .forTenant(t.tenantId)
      .from('channel_account')
      .where({ channel_id: t.channelId, id_type: 'externalId', user_id: userId })
      .first()) as { contact_id: number | string } | undefined;
    return String(row!.contact_id);
  };
  const people = { u1: await contactOf('u1'), u2: await contactOf('u2'), u3: await contactOf('u3') };
  const service = app.service(tagsServiceRef);
  /** Runs every queued task (tag computations) to the end. */
  const runTasks = async () => {
    while ((await app.jobs.worker.poll()) > 0);
  };
  const create = (body: Record<string, unknown>, client = t.staff) => client.request('POST', TAGS, body);
  /** Creates a tag (201 expected), computes it and runs the task: the tag as it ends. */
  const createAndCompute = async (body: Record<string, unknown>) => {
    const created = await create(body);
    expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
    const computed = await t.staff.request('POST', `${TAGS}/${created.body.id}/compute`);
    expect(computed.statusCode, JSON.stringify(computed.body)).toBe(202);
    await runTasks();
    return (await t.staff.request('GET', `${TAGS}/${created.body.id}`)).body as Record<string, unknown> & {
      id: string;
      status: string;
      activeCalcDate: string;
    };
  };
  /** The values of a tag's calculation day, by contact id (OLAP). */
  const values = async (tagId: string, calcDate?: string) => {
    const result = await app.olap
      .forTenant(t.tenantId)
      .query<{ contact_id: string; value_string: string | null; value_number: number | null; value_strings: string[] | null }>(
        `SELECT contact_id, value_string, value_number, value_strings FROM tag_value WHERE tag_id = CAST(? AS BIGINT)${calcDate ? ' AND calc_date = CAST(? AS DATE)' : ''} ORDER BY contact_id`,
        { params: calcDate ? [tagId, calcDate] : [tagId], rowMode: 'json' },
      );
    return Object.fromEntries(
      result.rows.map((row) => [
        String(row.contact_id),
        row.value_strings ?? row.value_string ?? (row.value_number === null ? null : Number(row.value_number)),
      ]),
    );
  };
  return { ...t, people, service, runTasks, create, createAndCompute, values };
}

/** A layered tag's body. */
export const layered = (code: string, layers: { value: string; condition: unknown }[], extra: Record<string, unknown> = {}) => ({
  code,
  name: `分层 ${code}`,
  kind: 'layered',
  updateMode: 'manual',
  rule: { layers },
  ...extra,
});

/** `did purchase` (with an optional measure) in the last 30 days. */
export const bought = (measure?: Record<string, unknown>) => ({
  type: 'and',
  conditions: [
    {
      type: 'event',
      did: true,
      event: 'purchase',
      time: { kind: 'past', days: 30, includeToday: true },
      ...(measure ? { measure } : {}),
    },
  ],
});

export const everyone = { type: 'and', conditions: [] };
