import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { contactsServiceRef } from '../../src/modules/contacts/contacts.service.js';
import { EXTERNAL_ID } from '../../src/modules/contacts/contacts.types.js';
import { ingestTenant } from '../ingestion/support.js';
import { curlRequest, examplesOf, shellWords, shiftInstants } from '../support/doc-examples.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines, type TestApp } from '../support/test-app.js';

/**
 * The contacts and events Open API guide (docs/integrators/contacts-api.md), executed in order
 * against a real tenant: each curl answers exactly as documented, where `"…"` is any string and a
 * time (`…At`, `eventTime`) any number. The guide names u-1001's contact `10001` and u-1002's
 * `10002`; the test swaps them for the real ids (and back in the answers), and `NEXT_CURSOR` for the
 * previous answer's `nextCursor`.
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const GUIDE = 'docs/integrators/contacts-api.md';
const markdown = readFileSync(path.join(repo, GUIDE), 'utf8');
const DOC_IDS = { '10001': 'u-1001', '10002': 'u-1002' } as const;
const TIME_KEY = /(At|^eventTime)$/;

/** The documented answer as a matcher: `"…"` any non-empty string, a time any number, the rest exact. */
function documented(value: unknown, key = ''): unknown {
  if (value === '…') return expect.stringMatching(/\S/);
  if (typeof value === 'number' && TIME_KEY.test(key)) return expect.any(Number);
  if (Array.isArray(value)) return value.map((item) => documented(item));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, documented(v, k)]));
  return value;
}

/** The answer with the real contact ids put back as the guide's. */
function withDocIds(value: unknown, docIdOf: Map<string, string>): unknown {
  if (typeof value === 'string') return docIdOf.get(value) ?? value;
  if (Array.isArray(value)) return value.map((item) => withDocIds(item, docIdOf));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withDocIds(v, docIdOf)]));
  return value;
}

/** What the guide assumes besides its own examples: the WeChat fan of "4. 批量获取联系人 open ID". */
async function weChatFan(app: TestApp, tenantId: string, contactId: string): Promise<void> {
  // Fans arrive with the WeChat connector (not built yet): its channel and accounts as rows.
  const db = app.oltp.forTenant(tenantId);
  const now = Date.now();
  const channelId = await db.insert('channel', {
    type: 'wechat',
    channel_key: 'wx1234567890abcdef',
    name: '汇流服务号',
    status: 'active',
    created_by: null,
    created_at: now,
    updated_at: now,
  });
  for (const [idType, userId] of [
    ['wechat.openId', 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M'],
    ['wechat.unionId', 'o6_bmasdasdsad6_2sgVt7hMZOPfL'],
  ])
    await db.insert('channel_account', {
      channel_id: channelId,
      id_type: idType,
      user_id: userId,
      contact_id: contactId,
      first_seen_at: now,
      created_at: now,
      updated_at: now,
    });
}

describeEngines(
  'docs: every example of the contacts and events Open API guide works as documented',
  (ctx) => {
    it('parses the guide: each curl is an example with its documented answer', () => {
      const examples = examplesOf(markdown, GUIDE);
      expect(examples.map((e) => e.id)).toEqual([
        'prepare-identify',
        'prepare-events',
        'contacts-list',
        'contacts-list-next',
        'contact-get',
        'contact-not-found',
        'contacts-batch-get',
        'contacts-open-ids',
        'contact-update',
        'contact-update-invalid',
        'contact-accounts',
        'contact-events',
        'contact-events-next',
      ]);
      for (const example of examples) expect(() => curlRequest(shellWords(example.command)), example.id).not.toThrow();
    });

    it('runs the examples in order against a real tenant and answers as documented', async () => {
      const t = await ingestTenant(ctx.app);
      // The guide's custom fields: 会员等级 (attr1, string) and 积分 (attr2, integer).
      for (const [name, type, key] of [
        ['会员等级', 'string', 'attr1'],
        ['积分', 'integer', 'attr2'],
      ] as const)
        expect((await t.staff.request('POST', '/api/v1/metadata/contact-fields', { name, type })).body.key).toBe(key);
      const accessToken = /^Bearer (.+)$/.exec(t.api.authHeaders().authorization!)![1]!;
      const contacts = ctx.app.service(contactsServiceRef);
      const realIds = new Map<string, string>();
      let nextCursor: string | null = null;
      const runAt = Date.now();

      for (const example of examplesOf(markdown, GUIDE)) {
        const where = `${example.id} (${GUIDE}:${example.line})`;
        // The contacts exist once the preparing examples are drained.
        for (const [docId, externalId] of Object.entries(DOC_IDS))
          if (!realIds.has(docId)) {
            const id = await contacts.contactOfAccount(t.tenantId, t.channelId, EXTERNAL_ID, externalId);
            if (id) realIds.set(docId, id);
          }
        if (example.id === 'contacts-open-ids') await weChatFan(ctx.app, t.tenantId, realIds.get('10001')!);

        let command = example.command
          .replace(/\bACCESS_TOKEN\b/g, accessToken)
          .replace(/\budc_150QSaXlsu\b/g, t.channelKey)
          .replace(/\bNEXT_CURSOR\b/g, () => nextCursor ?? 'NO_CURSOR');
        for (const [docId, id] of realIds) command = command.replace(new RegExp(`\\b${docId}\\b`, 'g'), id);
        const request = curlRequest(shellWords(shiftInstants(command, runAt)));
        const res = await ctx.app.server.inject({
          method: request.method,
          url: request.url,
          headers: request.headers,
          ...(request.payload !== undefined ? { payload: request.payload } : {}),
        });
        expect(res.statusCode, `${where}: ${res.payload}`).toBe(example.response.status);
        const body = JSON.parse(res.payload) as Record<string, unknown>;
        const docIdOf = new Map([...realIds].map(([docId, id]) => [id, docId]));
        expect(withDocIds(body, docIdOf), where).toEqual(documented(example.response.body));
        nextCursor = typeof body.nextCursor === 'string' ? body.nextCursor : null;
        await t.drain();
      }
      expect([...realIds.keys()]).toEqual(['10001', '10002']);
    });
  },
  { plugins: firstPartyPlugins },
);
