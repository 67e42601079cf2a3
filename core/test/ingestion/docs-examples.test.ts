import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { contactsServiceRef } from '../../src/modules/contacts/contacts.service.js';
import { ANONYMOUS_ID, contactTraitFields, EXTERNAL_ID } from '../../src/modules/contacts/contacts.types.js';
import { ingestWorkerRef } from '../../src/modules/ingestion/ingestion.module.js';
import { sdkPresetProperties } from '../../src/modules/metadata/metadata.types.js';
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
const BASE_URL = 'https://cdp.example.com';
/** Event properties the guide assumes declared on `purchase` (its "准备" section), and the SDK's string presets. */
const DECLARED: Record<string, 'number' | 'string'> = {
  amount: 'number',
  sku: 'string',
  ...Object.fromEntries(sdkPresetProperties.filter((p) => p.type === 'string').map((p) => [p.code, 'string' as const])),
};

interface Fence {
  lang: string;
  text: string;
  line: number;
}

interface DocExample {
  id: string;
  line: number;
  command: string;
  response: { status: number; headers: Record<string, string>; body: unknown };
}

function fencesOf(markdown: string): Fence[] {
  const fences: Fence[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i += 1; i < lines.length && !/^```\s*$/.test(lines[i]!); i += 1) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`${GUIDE}:${start + 1}: unclosed code block`);
    fences.push({ lang: open[1]!, text: body.join('\n'), line: start + 1 });
  }
  return fences;
}

function parseResponse(fence: Fence): DocExample['response'] {
  const [statusLine, ...rest] = fence.text.split('\n');
  const status = /^HTTP\/1\.1 (\d{3})\b/.exec(statusLine ?? '');
  if (!status) throw new Error(`${GUIDE}:${fence.line}: the answer starts with "HTTP/1.1 <status>"`);
  const headers: Record<string, string> = {};
  let i = 0;
  for (; i < rest.length && rest[i]!.trim() !== ''; i += 1) {
    const colon = rest[i]!.indexOf(':');
    headers[rest[i]!.slice(0, colon).trim().toLowerCase()] = rest[i]!.slice(colon + 1).trim();
  }
  const text = rest.slice(i).join('\n').trim();
  return { status: Number(status[1]), headers, body: text === '' ? undefined : JSON.parse(text) };
}

/** Every example of the guide; every curl of the guide must be one (nothing documented goes untested). */
function examplesOf(markdown: string): DocExample[] {
  const fences = fencesOf(markdown);
  const lines = markdown.split('\n');
  const markers = lines.flatMap((text, index) => {
    const match = /^<!-- example: ([a-z0-9-]+) -->$/.exec(text.trim());
    return match ? [{ id: match[1]!, line: index + 1 }] : [];
  });
  const examples = markers.map((marker, index) => {
    const next = markers[index + 1]?.line ?? Infinity;
    const [request, response] = fences.filter((f) => f.line > marker.line && f.line < next);
    if (request?.lang !== 'sh' || response?.lang !== 'http')
      throw new Error(`${GUIDE}:${marker.line}: example ${marker.id} needs a sh block (curl) then an http block (the answer)`);
    return { id: marker.id, line: request.line, command: request.text, response: parseResponse(response) };
  });
  const tested = new Set(examples.map((e) => e.line));
  for (const fence of fences)
    if (fence.lang === 'sh' && /\bcurl\b/.test(fence.text) && !tested.has(fence.line))
      throw new Error(`${GUIDE}:${fence.line}: a curl without <!-- example: id --> (every curl of the guide is executed)`);
  const ids = examples.map((e) => e.id);
  expect(new Set(ids).size, 'example ids are unique').toBe(ids.length);
  return examples;
}

/** The words of one shell command: '…' and "…" quoting, backslash-newline continuations. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const end = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '\n') i += 2;
    else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw new Error('unclosed single quote');
      word = (word ?? '') + text.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      let value = '';
      for (i += 1; text[i] !== '"'; i += 1) {
        if (i >= text.length) throw new Error('unclosed double quote');
        if (text[i] === '$' || text[i] === '`') throw new Error('shell expansions are not supported in examples');
        if (text[i] === '\\' && ['"', '\\'].includes(text[i + 1]!)) i += 1;
        value += text[i];
      }
      word = (word ?? '') + value;
      i += 1;
    } else if (c === '#' && word === undefined) {
      while (i < text.length && text[i] !== '\n') i += 1;
    } else if (c === '\n') {
      end();
      if (words.length > 0) {
        if (text.slice(i).trim() !== '') throw new Error('one command per example block');
        break;
      }
      i += 1;
    } else if (/\s/.test(c)) {
      end();
      i += 1;
    } else {
      if (['$', '`', '|', ';', '&', '>', '<'].includes(c)) throw new Error(`unsupported shell syntax "${c}"`);
      word = (word ?? '') + c;
      i += 1;
    }
  }
  end();
  return words;
}

interface CurlRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** The request a curl command sends (the options the guide uses; anything else is refused). */
function curlRequest(words: string[]): CurlRequest {
  if (words[0] !== 'curl') throw new Error(`not a curl command: ${words[0]}`);
  let method: string | undefined;
  let url: string | undefined;
  let payload: string | undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < words.length; i += 1) {
    const word = words[i]!;
    const value = () => {
      i += 1;
      if (words[i] === undefined) throw new Error(`${word} needs a value`);
      return words[i]!;
    };
    if (word === '-i' || word === '-s' || word === '-sS') continue;
    else if (word === '-X') method = value();
    else if (word === '-u') headers.authorization = `Basic ${Buffer.from(value()).toString('base64')}`;
    else if (word === '-H') {
      const header = value();
      const colon = header.indexOf(':');
      headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    } else if (word === '-d' || word === '--data-raw') {
      payload = value();
      if (word === '-d' && payload.startsWith('@')) throw new Error('-d @file is not supported in examples');
    } else if (word.startsWith(BASE_URL)) url = word.slice(BASE_URL.length);
    else throw new Error(`unsupported curl argument ${word}`);
  }
  if (!url) throw new Error(`the URL must start with ${BASE_URL}`);
  // curl's defaults: -d posts, as a form unless a content type is given.
  if (payload !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded';
  return { method: method ?? (payload === undefined ? 'GET' : 'POST'), url, headers, payload };
}

const ISO_INSTANT = /"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))"/g;

/**
 * The guide's dates are of the day it was written; event times are accepted over two years only.
 * Every instant of one example moves by the same amount — the latest to an hour ago — so their
 * differences (the clock-skew example) stay as documented.
 */
function shiftInstants(command: string, now: number): string {
  const instants = [...command.matchAll(ISO_INSTANT)].map((m) => Date.parse(m[1]!));
  if (instants.length === 0) return command;
  const shiftMs = now - 3600_000 - Math.max(...instants);
  return command.replace(ISO_INSTANT, (_m, iso: string) => JSON.stringify(new Date(Date.parse(iso) + shiftMs).toISOString()));
}

/** The documented answer as a matcher: `"…"` is any non-empty string; everything else exact. */
function documented(value: unknown): unknown {
  if (value === '…') return expect.stringMatching(/\S/);
  if (Array.isArray(value)) return value.map(documented);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, documented(v)]));
  return value;
}

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
