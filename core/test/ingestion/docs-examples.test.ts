import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { contactsServiceRef } from '../../src/modules/contacts/contacts.service.js';
import { ANONYMOUS_ID, contactTraitFields, EXTERNAL_ID } from '../../src/modules/contacts/contacts.types.js';
import { ingestWorkerRef } from '../../src/modules/ingestion/ingestion.module.js';
import { sdkPresetProperties } from '../../src/modules/metadata/metadata.types.js';
import { curlRequest, documented, examplesOf as examplesIn, shellWords, shiftInstants } from '../support/doc-examples.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines, type TestApp } from '../support/test-app.js';
import { ingestTenant } from './support.js';

/**
 * The integrator guide's examples, executed (docs/integrators/collect-and-track.md). Each example is
 * an HTML comment `<!-- example: <id> -->`, then a ```sh block with one `curl` command, then a
 * ```http block with the documented answer (status line, some headers, the JSON body; `"…"` stands
 * for a value that differs each time). The test swaps the placeholders for a real tenant's, sends
 * the request through `server.inject`, asserts the documented answer exactly, drains the pipeline
 * and checks the data landed where the guide says. A guide example that stops working fails here.
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const GUIDE = 'docs/integrators/collect-and-track.md';
/** Event properties the guide assumes declared on `purchase` (its "准备" section), and the SDK's string presets. */
const DECLARED: Record<string, 'number' | 'string'> = {
  amount: 'number',
  sku: 'string',
  ...Object.fromEntries(sdkPresetProperties.filter((p) => p.type === 'string').map((p) => [p.code, 'string' as const])),
};
const examplesOf = (markdown: string) => examplesIn(markdown, GUIDE);

type Message = Record<string, unknown> & { type: 'track' | 'identify' };

/** The messages a successful request carries, as the pipeline sees them (type, ids, times). */
function messagesOf(url: string, body: Record<string, unknown>): Message[] {
  const envelope = { sentAt: body.sentAt };
  const items = (list: unknown[], type?: 'track' | 'identify') =>
    list.map((m) => {
      const message: Record<string, unknown> = { ...envelope, ...(m as Record<string, unknown>) };
      return { ...message, type: type ?? message.type } as Message;
    });
  switch (url) {
    case '/api/v1/collect/track':
      return items([body], 'track');
    case '/api/v1/collect/identify':
      return items([body], 'identify');
    case '/api/v1/collect/batch':
      return items(body.batch as unknown[]);
    case '/api/v1/events/track':
      return items([body], 'track');
    case '/api/v1/events/batch':
      return items(body.batch as unknown[], 'track');
    case '/api/v1/contacts/identify': {
      // The seed's body: the fields at the top level, around the envelope.
      const { externalId, channel, messageId, timestamp, weChatInfo, ...traits } = body;
      void channel;
      void weChatInfo;
      return [{ type: 'identify', externalId, messageId, timestamp, traits }];
    }
    default:
      throw new Error(`no landing rule for ${url}`);
  }
}

async function setUp(app: TestApp) {
  const t = await ingestTenant(app);
  // The guide's custom fields: 会员等级 (string, attr1) and 积分 (integer, attr2).
  for (const [name, type, key] of [
    ['会员等级', 'string', 'attr1'],
    ['积分', 'integer', 'attr2'],
  ] as const) {
    const field = await t.staff.request('POST', '/api/v1/metadata/contact-fields', { name, type });
    expect(field.body.key).toBe(key);
  }
  const accessToken = /^Bearer (.+)$/.exec(t.api.authHeaders().authorization!)![1]!;
  const olap = app.olap.forTenant(t.tenantId);
  const rows = async (sql: string, params: (string | number)[] = []) =>
    (await olap.query(sql, { params, rowMode: 'json' })).rows as Record<string, unknown>[];
  const contacts = app.service(contactsServiceRef);
  const contactOf = (idType: string, userId: unknown) =>
    contacts.contactOfAccount(t.tenantId, t.channelId, idType, String(userId));
  /** The contact a message names: its externalId's, else its cookie's. */
  const personOf = (m: Message) => {
    const userId = m.userId ?? m.externalId;
    return userId !== undefined ? contactOf(EXTERNAL_ID, userId) : contactOf(ANONYMOUS_ID, m.anonymousId);
  };
  const eventsOf = (messageId: string) =>
    rows(`SELECT *, ${app.olap.dialect.epochMs('event_time')} AS at FROM events WHERE message_id = ?`, [messageId]);
  /** The typed property columns (`p_<name>`) of an event. */
  const typedOf = async (messageId: string) =>
    (await rows('SELECT * FROM event_view WHERE s_message_id = ?', [messageId]))[0] ?? {};
  const contactRow = async (id: string | undefined) => {
    expect(id, 'the contact exists').toBeTruthy();
    const [row] = await rows('SELECT * FROM contact_view WHERE id = ?', [id!]);
    expect(row, `contact ${id} in OLAP`).toBeTruthy();
    return row!;
  };

  /** Checks that one message of a 200 answer landed where the guide says. */
  async function landed(m: Message, sent: { before: number; after: number }): Promise<void> {
    if (m.type === 'track') {
      const events = await eventsOf(String(m.messageId));
      expect(events, `event ${String(m.messageId)} loaded exactly once`).toHaveLength(1);
      const event = events[0]!;
      expect(event).toMatchObject({ event: m.event, channel_id: t.channelId, direction: 'inbound' });
      expect(String(event.contact_id)).toBe(await personOf(m));
      // Event time (the guide's "事件时间"): clock-skew corrected, or the timestamp, or the receipt.
      const at = Number(event.at);
      if (m.timestamp !== undefined && m.sentAt !== undefined) {
        const skew = Date.parse(String(m.sentAt)) - Date.parse(String(m.timestamp));
        expect(at).toBeGreaterThanOrEqual(sent.before - skew);
        expect(at).toBeLessThanOrEqual(sent.after - skew);
      } else if (m.timestamp !== undefined) expect(at).toBe(Date.parse(String(m.timestamp)));
      else {
        expect(at).toBeGreaterThanOrEqual(sent.before);
        expect(at).toBeLessThanOrEqual(sent.after);
      }
      // Declared properties typed (converted without loss), the others kept in extra.
      const typed = await typedOf(String(m.messageId));
      const extra = event.extra ? (JSON.parse(String(event.extra)) as Record<string, unknown>) : {};
      for (const [name, value] of Object.entries((m.properties as Record<string, unknown> | undefined) ?? {})) {
        const type = DECLARED[name];
        if (type === undefined) expect(extra[name], `undeclared ${name} in extra`).toEqual(value);
        else expect(typed[`p_${name}`], `p_${name}`).toBe(type === 'number' ? Number(value) : String(value));
      }
      return;
    }
    // identify: every documented value is on the contact (OLAP, through the contact outbox).
    const row = await contactRow(await personOf(m));
    const traits = m.traits as Record<string, unknown>;
    for (const field of contactTraitFields) {
      const value = field.key === 'birthday' ? (traits.birthday ?? traits.dateOfBirthday) : traits[field.key];
      if (value !== undefined) expect(row[field.column], field.key).toBe(value);
    }
    for (const [key, value] of Object.entries((traits.props as Record<string, unknown> | undefined) ?? {}))
      expect(String(row[`p_${key}`]), `props.${key}`).toBe(String(value));
    if (traits.name || traits.mobilePhone || traits.email) {
      expect(row.identified, 'identified').toBe(true);
      expect(row.created_at, 'created time').not.toBeNull();
    }
    for (const [key, value] of Object.entries((traits.utm as Record<string, unknown> | undefined) ?? {}))
      expect(row[`utm_${key}`], `utm.${key}`).toBe(value);
  }

  return { t, accessToken, rows, contactOf, eventsOf, contactRow, landed };
}

type Setup = Awaited<ReturnType<typeof setUp>>;

let eventsBeforeResend = -1;

/**
 * What the guide says beyond "it landed", by example id: set-up before the request (a disabled
 * app), and the claims of the prose around it. Every id here must be in the guide.
 */
const claims: Record<
  string,
  { before?: (s: Setup) => Promise<void>; after?: (s: Setup, sent: Record<string, unknown>) => Promise<void>; lands?: false }
> = {
  'collect-track': {
    after: async (s) => {
      // A cookie account and an anonymous contact.
      const contact = await s.contactRow(await s.contactOf(ANONYMOUS_ID, 'ck_9f2c1e'));
      expect(contact.identified).toBe(false);
    },
  },
  'collect-identify': {
    after: async (s) => {
      // The anonymous contact became the person: same contact, with the events before identify.
      const person = await s.contactOf(EXTERNAL_ID, 'u-1001');
      expect(person).toBe(await s.contactOf(ANONYMOUS_ID, 'ck_9f2c1e'));
      const [first] = await s.eventsOf('019780d1-74a0-7642-807e-bb5ffdc6b28a');
      expect(String(first!.contact_id)).toBe(person);
    },
  },
  'collect-track-device': {
    after: async (s, sent) => {
      // The guide's sentence after the example: filled from context.userAgent and context.ip; the sent $city kept.
      const [typed] = await s.rows('SELECT * FROM event_view WHERE s_message_id = ?', [String(sent.messageId)]);
      expect(typed).toMatchObject({
        p_$os: 'iOS',
        p_$os_version: '17.4.1',
        p_$browser: 'Mobile Safari',
        p_$device_model: 'iPhone',
        p_$manufacturer: 'Apple',
        p_$ip: '202.96.209.133',
        p_$country: '中国',
        p_$province: '上海',
        p_$city: '杭州市',
      });
    },
  },
  'collect-resend': {
    before: async (s) => {
      eventsBeforeResend = (await s.t.events()).length;
    },
    after: async (s) => {
      // Still one event of that messageId (checked as it landed), and no other event either.
      expect(await s.t.events()).toHaveLength(eventsBeforeResend);
    },
  },
  'collect-undeclared': {
    lands: false,
    after: async (s, sent) => {
      expect(await s.eventsOf(String(sent.messageId))).toEqual([]);
      const list = (await s.t.staff.request('GET', '/api/v1/ingestion/quarantine?event=signup')).body;
      expect(list.items).toEqual([
        expect.objectContaining({ messageId: sent.messageId, reason: 'event_undeclared', event: 'signup' }),
      ]);
      // "在元数据中声明 signup 后重放即可入库"
      const declared = await s.t.staff.request('POST', '/api/v1/metadata/event-types', {
        channelId: s.t.channelId,
        code: 'signup',
        name: '注册',
      });
      expect(declared.statusCode).toBe(201);
      const replay = await s.t.staff.request('POST', '/api/v1/ingestion/quarantine/replay', { event: 'signup' });
      expect(replay.body).toEqual({ replayed: 1 });
      await s.t.drain();
      expect((await s.eventsOf(String(sent.messageId))).map((e) => e.event)).toEqual(['signup']);
    },
  },
  'collect-disabled': {
    lands: false,
    before: async (s) => {
      const res = await s.t.staff.request('PATCH', `/api/v1/p/custom-channel/apps/${s.t.web.id}`, { status: 'disabled' });
      expect(res.body.status).toBe('disabled');
    },
    after: async (s, sent) => {
      await s.t.staff.request('PATCH', `/api/v1/p/custom-channel/apps/${s.t.web.id}`, { status: 'enabled' });
      expect(await s.eventsOf(String(sent.messageId))).toEqual([]);
      const quarantined = (await s.t.staff.request('GET', '/api/v1/ingestion/quarantine')).body;
      expect(quarantined.items.map((q: { messageId: string }) => q.messageId)).not.toContain(sent.messageId);
    },
  },
  'openapi-identify-invalid': {
    after: async (s) => {
      // Nothing of a refused identify is kept.
      expect(await s.contactOf(EXTERNAL_ID, '8')).toBeUndefined();
    },
  },
  'openapi-track': {
    after: async (s) => {
      // The events of externalId 7 hang on the contact the Open API identified.
      const contact = await s.contactRow(await s.contactOf(EXTERNAL_ID, '7'));
      expect(contact.name).toBe('UBS 渠道联系人 7');
    },
  },
};

const markdown = readFileSync(path.join(repo, GUIDE), 'utf8');

describeEngines(
  'docs: every example of the collect and tracking guide works as documented',
  (ctx) => {
    it('parses the guide: each curl is an example with its documented answer', () => {
      const examples = examplesOf(markdown);
      expect(examples.length).toBeGreaterThanOrEqual(14);
      for (const id of Object.keys(claims)) expect(examples.map((e) => e.id)).toContain(id);
      for (const example of examples) expect(() => curlRequest(shellWords(example.command)), example.id).not.toThrow();
    });

    it('runs the examples in order against a real tenant: answers as documented, data where the guide says', async () => {
      const s = await setUp(ctx.app);
      const substitute = (command: string) =>
        command
          .replace(/\bWRITE_KEY\b/g, s.t.web.writeKey)
          .replace(/\bACCESS_TOKEN\b/g, s.accessToken)
          .replace(/\budc_150QSaXlsu\b/g, s.t.channelKey);
      // One "now" for the whole run: an example repeating an earlier one (a resend) sends the same bytes.
      const runAt = Date.now();
      for (const example of examplesOf(markdown)) {
        const where = `${example.id} (${GUIDE}:${example.line})`;
        const claim = claims[example.id] ?? {};
        await claim.before?.(s);
        const command = shiftInstants(substitute(example.command), runAt);
        const request = curlRequest(shellWords(command));
        const before = Date.now();
        const res = await ctx.app.server.inject({
          method: request.method,
          url: request.url,
          headers: request.headers,
          ...(request.payload !== undefined ? { payload: request.payload } : {}),
        });
        const after = Date.now();
        expect(res.statusCode, `${where}: ${res.payload}`).toBe(example.response.status);
        for (const [name, value] of Object.entries(example.response.headers))
          expect(res.headers[name], `${where}: header ${name}`).toBe(value);
        if (example.response.body !== undefined)
          expect(JSON.parse(res.payload), where).toEqual(documented(example.response.body));

        await s.t.drain();
        // A POST answered 200 carries messages (a CORS preflight carries none).
        if (res.statusCode === 200 && request.method === 'POST' && claim.lands !== false) {
          const body = JSON.parse(request.payload!) as Record<string, unknown>;
          for (const message of messagesOf(request.url, body)) {
            try {
              await s.landed(message, { before, after });
            } catch (error) {
              throw new Error(`${where}: message ${String(message.messageId)}: ${(error as Error).message}`, { cause: error });
            }
          }
        }
        await claim.after?.(s, request.payload && res.statusCode === 200 ? JSON.parse(request.payload) : {});
      }
    });

    it('holds to the limits the guide states (返回与重试): 32 KB a message, 500 KB a request, 2000 a batch', async () => {
      const s = await setUp(ctx.app);
      const message = (bytes: number) => ({ anonymousId: 'x', event: 'purchase', properties: { note: 'x'.repeat(bytes) } });
      const tooLarge = await s.t.collect('track', message(33 * 1024));
      expect(tooLarge.statusCode).toBe(400);
      expect(tooLarge.body.code).toBe('message_too_large');
      const bigRequest = await s.t.collect('batch', {
        batch: Array.from({ length: 20 }, () => ({ type: 'track', ...message(30 * 1024) })),
      });
      expect(bigRequest.statusCode).toBe(413);
      expect(bigRequest.body.code).toBe('payload_too_large');
      const many = await s.t.collect('batch', { batch: Array.from({ length: 2001 }, () => ({ type: 'track' })) });
      expect(many.statusCode).toBe(400);
      expect(many.body.code).toBe('validation_failed');
      const openApi = await s.t.api.request('POST', '/api/v1/events/track', {
        channelId: s.t.channelKey,
        ...message(33 * 1024),
      });
      expect(openApi.statusCode).toBe(413);
      // Nothing of a refused request is kept.
      await s.t.drain();
      expect(await s.t.events()).toEqual([]);
    });

    it('answers and drains within about a second with the worker running (the guide’s 时效)', async () => {
      const s = await setUp(ctx.app);
      const example = examplesOf(markdown).find((e) => e.id === 'collect-track')!;
      const command = shiftInstants(example.command.replace(/\bWRITE_KEY\b/g, s.t.web.writeKey), Date.now());
      const request = curlRequest(shellWords(command));
      const worker = ctx.app.service(ingestWorkerRef);
      worker.start();
      try {
        const sentAt = Date.now();
        const res = await ctx.app.server.inject({
          method: request.method,
          url: request.url,
          headers: request.headers,
          payload: request.payload,
        });
        expect(res.statusCode).toBe(200);
        const messageId = (JSON.parse(request.payload!) as { messageId: string }).messageId;
        while ((await s.eventsOf(messageId)).length === 0) {
          // About a second in the guide; a loaded CI machine gets some slack.
          expect(Date.now() - sentAt, 'loaded within 3 s').toBeLessThan(3000);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        await worker.stop();
      }
    });
  },
  { plugins: firstPartyPlugins },
);
