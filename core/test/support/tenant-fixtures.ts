import { generateKeyPairSync } from 'node:crypto';
import { generate } from 'otplib';
import type { HuiliuApp } from '../../src/app.js';
import { hashToken } from '../../src/lib/tokens.js';
import { demoServiceRef } from '../../src/modules/demo/demo.service.js';
import { ingestWorkerRef } from '../../src/modules/ingestion/ingestion.module.js';
import { mfaServiceRef } from '../../src/modules/staff/mfa.service.js';
import type { StaffRow } from '../../src/modules/staff/staff.types.js';
import { sampleDeclaration } from '../olap/support.js';
import { staffMember } from './staff.js';
import { Client, multipart, type TenantFixture } from './test-app.js';

/**
 * What the cross-tenant replay (test/tenant-isolation.test.ts) needs to know about the routes.
 *
 * - `paramFixtures`: how to get a real id of the victim tenant for each route parameter. A module
 *   adding a route with a new `{param}` adds its builder here; the replay fails on a parameter it
 *   cannot fill. Every builder runs before any route is replayed, in the order listed.
 * - `victimData`: more of the victim's data that no parameter names but a replayed write could
 *   still reach (unread notifications for `read-all`, tokens, sessions).
 * - `examplePayloads`: a valid payload for each route that validates one (validation runs before
 *   the tenant check, and a write without an id must really run to prove anything).
 * - `tablesWithoutVictimRows` / `globalTables`: the replay snapshots the victim's rows in every
 *   OLTP table and fails when a tenant-owned table is empty (nothing would be protected) or a table
 *   has no `tenant_id` — unless it is listed here with the reason.
 */
export interface FixtureContext {
  app: HuiliuApp;
  tenant: TenantFixture;
  /** The victim's super staff, logged in. */
  client: Client;
  /** A marker string put into the victim's objects, so leaks are visible in other tenants' lists. */
  marker: string;
}

async function exportAndRun({ app, client }: FixtureContext): Promise<void> {
  const res = await client.request('POST', '/api/v1/p/acme-crm/exports', {});
  if (res.statusCode !== 202) throw new Error(`export refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
  while ((await app.jobs.worker.poll()) > 0);
}

/** An example request whose route also needs a query string (`examplePayloads`). */
export class WithQuery {
  constructor(
    readonly query: Record<string, string>,
    readonly payload: unknown,
  ) {}
}

const cityDictionary = () => multipart({ filename: 'city.csv', content: 'value,label\nsh,上海\nbj,北京\n' });

export const paramFixtures: Record<string, (ctx: FixtureContext) => Promise<string>> = {
  staffId: async ({ tenant }) => tenant.staffId,
  // The victim's role, held by a normal staff member of the victim (its role and staff_role rows).
  roleId: async ({ client, marker }) => {
    const role = await client.request('POST', '/api/v1/roles', { name: `role-${marker}`, permissions: ['settings.privateApps'] });
    if (role.statusCode !== 201) throw new Error(`role refused: ${role.statusCode} ${JSON.stringify(role.body)}`);
    const staff = await client.request('POST', '/api/v1/staff', {
      email: `member-${marker}@example.com`,
      name: '运营',
      password: 'Member-pass-1',
      roleIds: [role.body.id],
    });
    if (staff.statusCode !== 201) throw new Error(`staff refused: ${staff.statusCode} ${JSON.stringify(staff.body)}`);
    return role.body.id as string;
  },
  // A department with the victim's staff member in it, and 组织架构 switched on (a row in each departments table).
  departmentId: async ({ client, tenant, marker }) => {
    const res = await client.request('POST', '/api/v1/departments', { name: `dept-${marker}` });
    if (res.statusCode !== 201) throw new Error(`department refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
    await client.request('PUT', '/api/v1/departments/settings', { orgEnabled: true });
    await client.request('PUT', `/api/v1/staff/${tenant.staffId}/department`, { departmentId: res.body.id });
    return res.body.id as string;
  },
  noteId: async ({ client, marker }) => {
    const res = await client.request('POST', '/api/v1/p/acme-crm/notes', { body: `note-${marker}` });
    return res.body.id as string;
  },
  channelId: async ({ client, marker }) => {
    const res = await client.request('POST', '/api/v1/channels', { type: 'custom', name: `channel-${marker}` });
    return res.body.id as string;
  },
  customAppId: async ({ client, marker }) => {
    const channel = await client.request('POST', '/api/v1/channels', { type: 'custom', name: `apps-${marker}` });
    const res = await client.request('POST', `/api/v1/p/custom-channel/channels/${channel.body.id}/apps`, {
      platform: 'web',
      name: `web-${marker}`,
      domain: 'victim.example.com',
    });
    return res.body.id as string;
  },
  notificationId: async (ctx) => {
    await exportAndRun(ctx);
    const res = await ctx.client.request('GET', '/api/v1/notifications');
    return res.body.items[0].id as string;
  },
  fileId: async (ctx) => {
    await exportAndRun(ctx);
    const res = await ctx.client.request('GET', '/api/v1/notifications');
    return res.body.items[0].files[0].id as string;
  },
  appId: async ({ app, client, marker }) => {
    const res = await client.request('POST', '/api/v1/apps', { name: `app-${marker}` });
    // An access token of the victim's app, so its api_token rows are part of the snapshot.
    const token = await new Client(app.server).request('POST', '/api/v1/auth/token', {
      appKey: res.body.app.appKey,
      appSecret: res.body.appSecret,
    });
    if (token.statusCode !== 200) throw new Error(`token refused: ${token.statusCode}`);
    return res.body.app.id as string;
  },
  fieldId: async ({ client, marker }) => {
    const res = await client.request('POST', '/api/v1/metadata/contact-fields', { name: `field-${marker}`, type: 'anniversary' });
    return res.body.id as string;
  },
  // A masked custom field of the victim (contact_field_mask) and its RSA mobile setting
  // (mobile_encryption). Field keys are names within a tenant (`attr<seq>`, seq per tenant), not
  // global ids: the victim's key is made attr5 or later, which the attacker (at most one custom
  // field of its own, from the replay) does not have — so naming it must answer 404.
  fieldKey: async ({ client, marker }) => {
    let key = '';
    for (let n = 0; !/^attr([5-9]|\d\d+)$/.test(key); n += 1) {
      const res = await client.request('POST', '/api/v1/metadata/contact-fields', {
        name: `masked-${n}-${marker}`,
        type: 'string',
      });
      if (res.statusCode !== 201) throw new Error(`field refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
      key = res.body.key as string;
    }
    const masked = await client.request('PUT', `/api/v1/contact-field-masks/${key}`, { masked: true });
    if (masked.statusCode !== 200) throw new Error(`mask refused: ${masked.statusCode} ${JSON.stringify(masked.body)}`);
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const encryption = await client.request('PUT', '/api/v1/mobile-encryption', {
      enabled: true,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    if (encryption.statusCode !== 200) throw new Error(`encryption refused: ${encryption.statusCode}`);
    return key;
  },
  propertyId: async ({ client }) => {
    const res = await client.request('POST', '/api/v1/metadata/event-properties', {
      code: 'victim_prop',
      name: '受害属性',
      type: 'string',
    });
    return res.body.id as string;
  },
  // A custom event with a sub-event and an extended property (rows in every event metadata table).
  eventTypeId: async ({ client, marker }) => {
    const channel = await client.request('POST', '/api/v1/channels', { type: 'custom', name: `events-${marker}` });
    const res = await client.request('POST', '/api/v1/metadata/event-types', {
      channelId: channel.body.id,
      code: 'victim_event',
      name: '受害事件',
      properties: [{ code: 'victim_amount', name: '金额', type: 'number' }],
      subEvents: [{ code: 'victim_item', name: '子事件' }],
    });
    return res.body.id as string;
  },
  virtualEventId: async ({ client }) => {
    const res = await client.request('POST', '/api/v1/metadata/virtual-events', {
      name: '受害虚拟事件',
      members: [{ event: 'victim_event' }],
    });
    return res.body.id as string;
  },
  // A dictionary of the victim's own (besides the mini-program default every tenant gets).
  dictionaryId: async ({ client }) => {
    const res = await client.request(
      'POST',
      '/api/v1/metadata/dictionaries/upload?target=contact&property=city',
      cityDictionary(),
    );
    if (res.statusCode !== 200) throw new Error(`dictionary refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  },
  // A dimension table with loaded rows (its upload task run).
  dimensionId: async ({ app, client }) => {
    const res = await client.request('POST', '/api/v1/metadata/dimension-tables', {
      code: 'victim_dim',
      name: '受害维度表',
      linkTarget: 'contact',
      linkProperty: 'province',
      fields: [
        { code: 'code', name: '编码', type: 'string' },
        { code: 'region', name: '大区', type: 'string' },
      ],
      primaryField: 'code',
    });
    if (res.statusCode !== 201) throw new Error(`dimension table refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
    const upload = await client.request(
      'POST',
      `/api/v1/metadata/dimension-tables/${res.body.id}/upload`,
      multipart({ filename: 'p.csv', content: 'code,region\n广东,华南\n' }),
    );
    if (upload.statusCode !== 202) throw new Error(`upload refused: ${upload.statusCode} ${JSON.stringify(upload.body)}`);
    while ((await app.jobs.worker.poll()) > 0);
    return res.body.id as string;
  },
  // The victim's ingested data: a channel and its web app, a custom event, an
  // identified contact, events with an undeclared property, and a quarantined (undeclared) event.
  quarantineId: async ({ app, client, marker }) => {
    const channel = await client.request('POST', '/api/v1/channels', {
      type: 'custom',
      name: `ingest-${marker}`,
    });
    const web = await client.request('POST', `/api/v1/p/custom-channel/channels/${channel.body.id}/apps`, {
      platform: 'web',
      name: `sdk-${marker}`,
      domain: 'victim.example.com',
    });
    await client.request('POST', '/api/v1/metadata/event-types', { channelId: channel.body.id, code: 'victim_buy', name: 'buy' });
    const sdk = new Client(app.server);
    const auth = { authorization: `Basic ${Buffer.from(`${web.body.writeKey as string}:`).toString('base64')}` };
    const sent = await sdk.request(
      'POST',
      '/api/v1/collect/batch',
      {
        batch: [
          { type: 'identify', anonymousId: 'v-1', userId: 'victim-user', traits: { name: `name-${marker}` } },
          { type: 'track', anonymousId: 'v-1', userId: 'victim-user', event: 'victim_buy', properties: { note: marker } },
          { type: 'track', anonymousId: 'v-1', event: `secret_${marker}` },
        ],
      },
      auth,
    );
    if (sent.statusCode !== 200) throw new Error(`collect refused: ${sent.statusCode} ${JSON.stringify(sent.body)}`);
    await app.service(ingestWorkerRef).drain();
    const res = await client.request('GET', '/api/v1/ingestion/quarantine');
    return res.body.items[0].id as string;
  },
  // The victim's identified contact (made by the ingestion above, read back from OLAP).
  contactId: async ({ app, tenant }) => {
    const result = await app.olap
      .forTenant(tenant.tenantId)
      .query('SELECT id FROM contacts WHERE identified ORDER BY id LIMIT 1', { rowMode: 'json' });
    const id = result.rows[0]?.id;
    if (!id) throw new Error('the victim has no identified contact');
    return String(id);
  },
  // The victim's merges (ARCHITECTURE §5.8): an anonymous visitor merged into a known person (a merge
  // and an alias), a shared cookie making a merge candidate, and its own blocked values.
  candidateId: async ({ app, client, marker }) => {
    const channel = await client.request('POST', '/api/v1/channels', { type: 'custom', name: `merge-${marker}` });
    const web = await client.request('POST', `/api/v1/p/custom-channel/channels/${channel.body.id}/apps`, {
      platform: 'web',
      name: `merge-${marker}`,
      domain: 'merge.example.com',
    });
    const auth = { authorization: `Basic ${Buffer.from(`${web.body.writeKey as string}:`).toString('base64')}` };
    const send = async (batch: unknown[]) => {
      const sent = await new Client(app.server).request('POST', '/api/v1/collect/batch', { batch }, auth);
      if (sent.statusCode !== 200) throw new Error(`collect refused: ${sent.statusCode} ${JSON.stringify(sent.body)}`);
      await app.service(ingestWorkerRef).drain();
    };
    await send([{ type: 'identify', userId: 'alice', anonymousId: 'shared', traits: { name: 'Alice' } }]);
    await send([{ type: 'identify', userId: 'bob', anonymousId: 'shared', traits: { name: 'Bob' } }]);
    await send([{ type: 'identify', anonymousId: 'visitor', traits: { company: 'ACME' } }]);
    await send([{ type: 'identify', userId: 'alice', anonymousId: 'visitor' }]);
    const saved = await client.request('PUT', '/api/v1/contacts/identity-settings', { blockedValues: ['null', `b-${marker}`] });
    if (saved.statusCode !== 200) throw new Error(`settings refused: ${saved.statusCode} ${JSON.stringify(saved.body)}`);
    const res = await client.request('GET', '/api/v1/contacts/merge-candidates');
    if (res.body.items.length !== 1) throw new Error(`expected one candidate: ${JSON.stringify(res.body)}`);
    return res.body.items[0].id as string;
  },
  // Last: the exports above run every queued task, and a cancel is only meaningful while queued.
  taskId: async ({ client }) => {
    const res = await client.request('POST', '/api/v1/p/acme-crm/exports', {});
    return res.body.taskId as string;
  },
};

export const victimData: ((ctx: FixtureContext) => Promise<void>)[] = [
  // A second staff session of the victim, and the notifications above left unread (read-all).
  async ({ app, tenant }) => {
    await Client.staff(app.server, tenant.email, tenant.password);
  },
  // A staff member with MFA on and a bound device, and a login of theirs waiting for its code
  // (staff_mfa, login_challenge).
  async ({ app, tenant, client }) => {
    const member = await staffMember(app, tenant.tenantId);
    await client.request('POST', `/api/v1/staff/${member.staffId}/mfa`, { enabled: true });
    const login = () =>
      new Client(app.server).request('POST', '/api/v1/auth/login', { email: member.email, password: member.password });
    const setup = (await login()).body;
    const code = await generate({ secret: setup.secret as string });
    const bound = await new Client(app.server).request('POST', '/api/v1/auth/mfa/bind', { challenge: setup.challenge, code });
    if (bound.statusCode !== 200) throw new Error(`MFA binding refused: ${bound.statusCode} ${JSON.stringify(bound.body)}`);
    if ((await login()).body.mfa !== 'required') throw new Error('no MFA challenge');
  },
  // A mini-program channel of the victim, with its writeKey (miniprogram__write_key).
  async ({ client }) => {
    const res = await client.request('POST', '/api/v1/channels', {
      type: 'miniprogram',
      name: 'victim-mp',
      channelKey: 'wx00000000000000aa',
    });
    if (res.statusCode !== 201) throw new Error(`mini-program refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
    const key = await client.request('GET', `/api/v1/p/miniprogram/channels/${res.body.id}/write-key`);
    if (key.statusCode !== 200) throw new Error(`writeKey refused: ${key.statusCode} ${JSON.stringify(key.body)}`);
  },
  // The victim's OLAP schema declaration (its olap_schema rows).
  async ({ app, tenant }) => {
    await app.olap.forTenant(tenant.tenantId).declare(sampleDeclaration());
  },
  // A mailed, unused password reset of the victim (the replay app has no SMTP server to mail one).
  async ({ app, tenant, marker }) => {
    const now = Date.now();
    await app.oltp.forTenant(tenant.tenantId).insert('password_reset', {
      staff_id: tenant.staffId,
      token_hash: hashToken(`reset-${marker}`),
      created_at: now,
      expires_at: now + 30 * 60_000,
      used_at: null,
      requested_ip: '203.0.113.7',
    });
  },
  // The victim as the demo tenant (its demo_run row; `huiliu demo` itself sends 200,000 events).
  async ({ app, tenant }) => {
    await app.service(demoServiceRef).record(tenant.tenantId, tenant.staffId, '2026-12-03');
  },
];

/**
 * The attacker's own data that example payloads name: a channel `attacker_channel`, so an Open API
 * identify or track really runs (in the attacker's tenant). Naming another tenant's ChannelID is
 * tested in test/ingestion (400 channel_not_found).
 */
export const attackerData: ((ctx: { app: HuiliuApp; client: Client }) => Promise<void>)[] = [
  async ({ client }) => {
    const res = await client.request('POST', '/api/v1/channels', {
      type: 'custom',
      name: 'attacker-ingest',
      channelKey: 'attacker_channel',
    });
    if (res.statusCode !== 201) throw new Error(`attacker channel refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
  },
  // The attacker's own MFA, on and bound (its session stays), so regenerating recovery codes runs.
  async ({ app, client }) => {
    const { staff } = (await client.request('GET', '/api/v1/auth/session')).body;
    await client.request('POST', `/api/v1/staff/${staff.id}/mfa`, { enabled: true });
    const mfa = app.service(mfaServiceRef);
    // The login's second step without the password (the fixture has only the session).
    const row = await app.oltp.forTenant(staff.tenantId).from<StaffRow>('staff').where('staff.id', staff.id).first();
    const setup = await mfa.challengeFor({ ...row!, mfa_enabled: true });
    if (setup?.mfa !== 'setup') throw new Error('no MFA setup for the attacker');
    await mfa.complete('bind', setup.challenge, await generate({ secret: setup.secret }), { ip: '127.0.0.1' });
    attackerMfaSecret = setup.secret;
  },
];

let attackerMfaSecret = '';

let attackerSeq = 0;

/**
 * A valid payload for routes that take one, keyed by `METHOD path` (validation runs before 404); a
 * function builds it with the caller (for payloads naming the caller's own rows or unique IDs).
 */
export const examplePayloads: Record<string, unknown> = {
  'POST /api/v1/roles': { name: 'attacker-role', permissions: ['settings.privateApps'] },
  'PATCH /api/v1/roles/{roleId}': { name: 'renamed-by-attacker', permissions: [] },
  'PUT /api/v1/roles/{roleId}/members': { staffIds: [] },
  // With a role of its own (a victim's role id is refused as role_not_found: test/staff/roles.test.ts).
  'POST /api/v1/staff': async (caller: Client) => {
    attackerSeq += 1;
    const role = await caller.request('POST', '/api/v1/roles', { name: `attacker-staff-role-${attackerSeq}`, permissions: [] });
    return {
      email: `attacker-staff-${Date.now()}-${attackerSeq}@example.com`,
      name: 'x',
      password: 'Attacker-pass-1',
      roleIds: [role.body.id],
    };
  },
  'PATCH /api/v1/staff/{staffId}': { name: 'renamed-by-attacker' },
  'POST /api/v1/staff/{staffId}/status': { status: 'disabled' },
  'POST /api/v1/staff/{staffId}/password': { password: 'Attacker-pass-1' },
  'POST /api/v1/apps': { name: 'attacker-app' },
  'POST /api/v1/conditions/validate': {
    tree: { type: 'and', conditions: [{ type: 'property', property: 'province', operator: 'notEmpty' }] },
  },
  'POST /api/v1/conditions/estimate': {
    tree: { type: 'and', conditions: [{ type: 'property', property: 'province', operator: 'notEmpty' }] },
  },
  'PATCH /api/v1/apps/{appId}': { name: 'hijacked', status: 'disabled' },
  // The attacker's own channel (attackerData): the write runs, in the attacker's tenant only.
  'POST /api/v1/contacts/identify': { externalId: 'victim-user', channel: { channelId: 'attacker_channel' }, name: 'hijacked' },
  'POST /api/v1/events/track': { channelId: 'attacker_channel', externalId: 'victim-user', event: 'victim_buy' },
  'POST /api/v1/events/batch': { channelId: 'attacker_channel', batch: [{ externalId: 'victim-user', event: 'victim_buy' }] },
  'POST /api/v1/ingestion/quarantine/replay': { reason: 'event_undeclared' },
  'PUT /api/v1/contacts/identity-settings': { blockedValues: ['hijacked'] },
  'PUT /api/v1/contact-field-masks/{fieldKey}': { masked: false },
  'PUT /api/v1/mobile-encryption': { enabled: false },
  // Ids of no contact: a victim's id would come back in notFound, which is only the caller's own input.
  'POST /api/v1/contacts/batch-get': { ids: ['999999999999999'] },
  'POST /api/v1/contacts/open-ids': { ids: ['999999999999999'] },
  'PATCH /api/v1/contacts/{contactId}': { name: 'hijacked', props: {} },
  'POST /api/v1/channels': { type: 'custom', name: 'attacker-channel' },
  'PATCH /api/v1/channels/{channelId}': { name: 'hijacked' },
  'PATCH /api/v1/tenant': { name: 'attacker-renamed' },
  'POST /api/v1/departments': { name: 'attacker-dept' },
  'PATCH /api/v1/departments/{departmentId}': { name: 'hijacked' },
  'PUT /api/v1/departments/settings': { orgEnabled: true },
  'PUT /api/v1/staff/{staffId}/department': { departmentId: null },
  'POST /api/v1/auth/password': { currentPassword: 'Secret-pass-123', newPassword: 'Secret-pass-123' },
  // The code of the next time step (the binding used this one).
  'POST /api/v1/auth/mfa/recovery-codes': async () => ({
    code: await generate({ secret: attackerMfaSecret, epoch: Math.floor(Date.now() / 1000) + 30 }),
  }),
  'POST /api/v1/staff/{staffId}/mfa': { enabled: true },
  'POST /api/v1/p/acme-crm/notes': { body: 'attacker-note' },
  'POST /api/v1/p/acme-crm/exports': {},
  'POST /api/v1/p/custom-channel/channels/{channelId}/apps': { platform: 'web', name: 'intruder', domain: 'evil.example.com' },
  'PATCH /api/v1/p/custom-channel/apps/{customAppId}': { status: 'disabled' },
  'POST /api/v1/metadata/contact-fields': { name: 'attacker-field', type: 'string' },
  'PATCH /api/v1/metadata/contact-fields/{fieldId}': { name: 'hijacked' },
  'POST /api/v1/metadata/contact-fields/{fieldId}/move': { direction: 'down' },
  'POST /api/v1/metadata/event-properties': async () => ({
    code: `attacker_prop${(attackerSeq += 1)}`,
    name: 'x',
    type: 'string',
  }),
  'PATCH /api/v1/metadata/event-properties/{propertyId}': { name: 'hijacked' },
  // The attacker's own custom channel owns the event (a victim's channel answers 400, tested in metadata).
  'POST /api/v1/metadata/event-types': async (caller: Client) => {
    attackerSeq += 1;
    const channel = await caller.request('POST', '/api/v1/channels', { type: 'custom', name: `attacker-${attackerSeq}` });
    return { channelId: channel.body.id, code: `attacker_event${attackerSeq}`, name: 'x' };
  },
  'PATCH /api/v1/metadata/event-types/{eventTypeId}': { name: 'hijacked' },
  'POST /api/v1/metadata/virtual-events': { name: 'attacker', members: [{ event: '$pageview' }] },
  'PUT /api/v1/metadata/virtual-events/{virtualEventId}': { name: 'hijacked', members: [{ event: '$pageview' }] },
  'POST /api/v1/metadata/dictionaries/upload': new WithQuery({ target: 'contact', property: 'city' }, cityDictionary()),
  'POST /api/v1/metadata/dimension-tables': async () => ({
    code: `attacker_dim${(attackerSeq += 1)}`,
    name: 'x',
    linkTarget: 'contact',
    linkProperty: 'city',
    fields: [{ code: 'k', name: 'k', type: 'string' }],
    primaryField: 'k',
  }),
  'PATCH /api/v1/metadata/dimension-tables/{dimensionId}': { name: 'hijacked' },
  'POST /api/v1/metadata/dimension-tables/{dimensionId}/upload': multipart({ filename: 'x.csv', content: 'code\nx\n' }),
};

/** Tenant-owned tables in which the victim may legitimately have no row when the replay starts. */
export const tablesWithoutVictimRows: Record<string, string> = {
  contact_change: 'an outbox row exists only until the contact reached OLAP (the drain empties it)',
  task_mutex: 'a mutex row exists only while a task holds it',
};

/** Tables without a `tenant_id` column besides `tenant` itself, with the reason they are global. */
export const globalTables: Record<string, string> = {
  ingest_partition: 'leases of the 16 inbox partitions by ingest workers; a partition holds messages of every tenant',
  process_lease: 'the analytics owner of the OLTP database (one DuckDB process per database), a lease of the whole installation',
  auth_throttle:
    'attempt counters of logins and token exchanges, keyed by hashed client address and account before any tenant is known',
};
