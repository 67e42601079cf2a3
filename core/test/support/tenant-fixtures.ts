import ExcelJS from 'exceljs';
import { generateKeyPairSync } from 'node:crypto';
import { generate } from 'otplib';
import type { HuiliuApp } from '../../src/app.js';
import { hashToken } from '../../src/lib/tokens.js';
import { demoServiceRef } from '../../src/modules/demo/demo.service.js';
import { ingestWorkerRef } from '../../src/modules/ingestion/ingestion.module.js';
import { mfaServiceRef } from '../../src/modules/staff/mfa.service.js';
import { pluginEnablementRef } from '../../src/modules/tenant-plugins/plugin-enablement.js';
import { reportQuotasServiceRef } from '../../src/modules/reports/report-quotas.service.js';
import type { StaffRow } from '../../src/modules/staff/staff.types.js';
import { LUMEN_SHOP_VALID_SECRET } from '../fixtures/lumen-shop.plugin.js';
import { sampleDeclaration } from '../olap/support.js';
import { staffMember } from './staff.js';
import { Client, type Multipart, multipart, type TenantFixture } from './test-app.js';

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

/**
 * A contacts xlsx in the shared format (ADR 0033) with one 姓名 column: the import template's marker,
 * or an export's (with its 用户ID column) for a batch edit.
 */
async function contactsXlsx(names: string[], kind: 'template' | 'export' = 'template'): Promise<Multipart> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('用户');
  const meta = workbook.addWorksheet('_huiliu', { state: 'veryHidden' });
  if (kind === 'template') {
    sheet.addRow(['姓名']);
    for (const name of names) sheet.addRow([name]);
    meta.getCell('A1').value = 'huiliu:contacts-template:v1';
    meta.getCell('A2').value = 'name';
  } else {
    sheet.addRow(['用户ID', '姓名']);
    for (const name of names) sheet.addRow(['999999999', name]);
    meta.getCell('A1').value = 'huiliu:contacts-export:v1';
    meta.getCell('A2').value = 'contactId';
    meta.getCell('A3').value = 'name';
  }
  const content = Buffer.from(await workbook.xlsx.writeBuffer());
  return multipart({
    filename: 'contacts.xlsx',
    content,
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  });
}

/** Ends the caller's own import still queued (another example's), so the next upload is not import_running. */
async function cancelOwnImports(caller: Client): Promise<void> {
  const list = await caller.request('GET', '/api/v1/console/contact-imports?limit=5');
  for (const item of (list.body?.items ?? []) as { taskId: string; status: string }[])
    if (item.status === 'queued') await caller.request('POST', `/api/v1/tasks/${item.taskId}/cancel`);
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
  // A channel with settings and sealed secrets (a Lumen shop, the settings fixture plugin, ADR 0039).
  channelId: async ({ client, marker }) => {
    const res = await client.request('POST', '/api/v1/channels', {
      type: 'lumen',
      name: `channel-${marker}`,
      channelKey: 'victimshop',
      settings: {
        shopUrl: 'https://victim.lumen.example',
        apiKey: 'victim_key',
        apiSecret: LUMEN_SHOP_VALID_SECRET,
        webhookSigningKey: 'victim-webhook-signing-key',
      },
    });
    if (res.statusCode !== 201) throw new Error(`channel refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
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
  // A 删除用户数据 request of the victim, run (its request and item rows).
  erasureId: async ({ app, client, marker }) => {
    const channel = await client.request('POST', '/api/v1/channels', { type: 'custom', name: `erase-${marker}` });
    const res = await client.request('POST', '/api/v1/console/contact-erasures', {
      channelId: channel.body.id,
      userId: `victim-${marker}`,
    });
    if (res.statusCode !== 202) throw new Error(`erasure refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
    while ((await app.jobs.worker.poll()) > 0);
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
  // The victim's contact export (contact_export, and its file with the contacts.export permission),
  // written by its task: after contactId (an identified contact to export).
  exportId: async ({ app, client }) => {
    const res = await client.request('POST', '/api/v1/console/contact-exports', { fields: ['name'] });
    if (res.statusCode !== 202) throw new Error(`contact export refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
    while ((await app.jobs.worker.poll()) > 0);
    return res.body.exportId as string;
  },
  // The victim's groups (用户群组, §1.5): a folder, a static group in it holding the victim's contact
  // (its OLTP membership), and a dynamic group computed by its task (a version row).
  folderId: async ({ client, marker }) => {
    const res = await client.request('POST', '/api/v1/console/group-folders', { name: `folder-${marker}` });
    if (res.statusCode !== 201) throw new Error(`group folder refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  },
  groupId: async ({ app, client, marker }) => {
    const folders = await client.request('GET', '/api/v1/console/group-folders');
    const contacts = await client.request('POST', '/api/v1/console/contacts/search', { kind: 'identified', limit: 1 });
    const created = await client.request('POST', '/api/v1/console/groups/static', {
      name: `static-${marker}`,
      folderId: folders.body.items[0].id,
    });
    if (created.statusCode !== 201)
      throw new Error(`static group refused: ${created.statusCode} ${JSON.stringify(created.body)}`);
    const added = await client.request('POST', `/api/v1/console/groups/${created.body.id}/members`, {
      contactIds: [contacts.body.items[0].id],
    });
    if (added.body.added !== 1) throw new Error(`static group member refused: ${JSON.stringify(added.body)}`);
    const dynamic = await client.request('POST', '/api/v1/console/groups/dynamic', {
      name: `dynamic-${marker}`,
      updateMode: 'daily',
      condition: { type: 'and', conditions: [{ type: 'property', property: 'name', operator: 'notEmpty' }] },
    });
    if (dynamic.statusCode !== 201)
      throw new Error(`dynamic group refused: ${dynamic.statusCode} ${JSON.stringify(dynamic.body)}`);
    while ((await app.jobs.worker.poll()) > 0);
    return created.body.id as string;
  },
  // The victim's 互斥组 (its static and dynamic groups above, in priority order) and a temporary
  // group of its super staff (临时群组, §1.7.10; ADR 0049).
  exclusiveGroupId: async ({ client, marker }) => {
    const groups = await client.request('GET', '/api/v1/console/groups');
    const res = await client.request('POST', '/api/v1/console/exclusive-groups', {
      name: `exclusive-${marker}`,
      groupIds: groups.body.items.map((group: { id: string }) => group.id).slice(0, 2),
    });
    if (res.statusCode !== 201) throw new Error(`exclusive group refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  },
  temporaryGroupId: async ({ client, marker }) => {
    const res = await client.request('POST', '/api/v1/console/temporary-groups', {
      name: `temporary-${marker}`,
      condition: { type: 'and', conditions: [{ type: 'property', property: 'name', operator: 'notEmpty' }] },
    });
    if (res.statusCode !== 201) throw new Error(`temporary group refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  },
  // The victim's dedupe (合并用户, §1.4.7): its saved rules, two contacts sharing an email, a run
  // (the worker runs its task) with their set.
  runId: async ({ app, client, marker }) => {
    const channel = await client.request('POST', '/api/v1/channels', { type: 'custom', name: `dedupe-${marker}` });
    const web = await client.request('POST', `/api/v1/p/custom-channel/channels/${channel.body.id}/apps`, {
      platform: 'web',
      name: `dedupe-${marker}`,
      domain: 'dedupe.example.com',
    });
    const auth = { authorization: `Basic ${Buffer.from(`${web.body.writeKey as string}:`).toString('base64')}` };
    const sent = await new Client(app.server).request(
      'POST',
      '/api/v1/collect/batch',
      {
        batch: [
          { type: 'identify', userId: 'dup-1', traits: { name: 'Dup', email: `dup-${marker}@example.com` } },
          { type: 'identify', userId: 'dup-2', traits: { name: 'Dup', email: `DUP-${marker}@example.com` } },
        ],
      },
      auth,
    );
    if (sent.statusCode !== 200) throw new Error(`collect refused: ${sent.statusCode} ${JSON.stringify(sent.body)}`);
    await app.service(ingestWorkerRef).drain();
    const rules = { fields: ['email'], mode: 'any', excludedValues: ['null', `x-${marker}`], autoMerge: false };
    const saved = await client.request('PUT', '/api/v1/console/contacts/dedupe/settings', rules);
    if (saved.statusCode !== 200) throw new Error(`dedupe rules refused: ${saved.statusCode} ${JSON.stringify(saved.body)}`);
    const run = await client.request('POST', '/api/v1/console/contacts/dedupe/runs');
    if (run.statusCode !== 201) throw new Error(`dedupe run refused: ${run.statusCode} ${JSON.stringify(run.body)}`);
    while ((await app.jobs.worker.poll()) > 0);
    const sets = await client.request('GET', `/api/v1/console/contacts/dedupe/runs/${run.body.id}/sets`);
    if (sets.body.items?.length !== 1) throw new Error(`expected one duplicate set: ${JSON.stringify(sets.body)}`);
    return run.body.id as string;
  },
  // 用户标签 (ADR 0045): the victim's tag folder, and a layered tag in it computed once (its tag,
  // tag_calc rows and OLAP values). After runId: its contacts are in OLAP by then.
  tagFolderId: async ({ client, marker }) => {
    const res = await client.request('POST', '/api/v1/tag-folders', { name: `folder-${marker}` });
    if (res.statusCode !== 201) throw new Error(`tag folder refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  },
  tagId: async ({ app, client, marker }) => {
    const folders = await client.request('GET', '/api/v1/tag-folders');
    const res = await client.request('POST', '/api/v1/tags', {
      code: 'tag_victim',
      name: `tag-${marker}`,
      kind: 'layered',
      updateMode: 'daily',
      folderId: folders.body.items[0].id,
      rule: { layers: [{ value: `value-${marker}`, condition: { type: 'and', conditions: [] } }] },
    });
    if (res.statusCode !== 201) throw new Error(`tag refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
    const computed = await client.request('POST', `/api/v1/tags/${res.body.id}/compute`);
    if (computed.statusCode !== 202)
      throw new Error(`tag compute refused: ${computed.statusCode} ${JSON.stringify(computed.body)}`);
    while ((await app.jobs.worker.poll()) > 0);
    return res.body.id as string;
  },
  // 用户导入: the victim's import of a template with a good and a bad row, run (its contact_import
  // row, its contacts, a failure file and a notification).
  importId: async ({ app, client, marker }) => {
    const res = await client.request(
      'POST',
      '/api/v1/console/contact-imports',
      await contactsXlsx([`name${marker.replace(/\W/g, '')}`, '坏 行']),
    );
    if (res.statusCode !== 202) throw new Error(`import refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
    while ((await app.jobs.worker.poll()) > 0);
    return res.body.id as string;
  },
  // 报表分析 and 仪表盘 (ADR 0053): a saved report of the victim (a model of the acme-crm fixture), a
  // dashboard folder, a dashboard in it, and a card of the report on it.
  reportId: async ({ client, marker }) => {
    const res = await client.request('POST', '/api/v1/console/reports', {
      name: `report-${marker}`,
      model: 'acme.leadsByPipeline',
      query: { pipeline: 'enterprise' },
    });
    if (res.statusCode !== 201) throw new Error(`saved report refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  },
  dashboardFolderId: async ({ client, marker }) => {
    const res = await client.request('POST', '/api/v1/console/dashboard-folders', { name: `dfolder-${marker}` });
    if (res.statusCode !== 201) throw new Error(`dashboard folder refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  },
  dashboardId: async ({ client, marker }) => {
    const folders = await client.request('GET', '/api/v1/console/dashboard-folders');
    const res = await client.request('POST', '/api/v1/console/dashboards', {
      name: `dashboard-${marker}`,
      folderId: folders.body.items[0].id,
    });
    if (res.statusCode !== 201) throw new Error(`dashboard refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  },
  cardId: async ({ client }) => {
    const reports = await client.request('GET', '/api/v1/console/reports');
    const dashboards = await client.request('GET', '/api/v1/console/dashboards');
    const res = await client.request('POST', `/api/v1/console/dashboards/${dashboards.body.items[0].id}/cards`, {
      reportId: reports.body.items[0].id,
    });
    if (res.statusCode !== 201) throw new Error(`dashboard card refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
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
  // A platform operator's quotas for the victim (report_quota, ADR 0053).
  async ({ app, tenant }) => {
    await app.service(reportQuotasServiceRef).set(tenant.tenantId, { cards: 12 }, 'ops');
  },
  // 用户画像's snapshot of the victim's contacts (report_profile, ADR 0061): stored by a first view.
  async ({ client }) => {
    const res = await client.request('POST', '/api/v1/console/report-runs', {
      model: 'profile',
      query: { group: { type: 'all' } },
    });
    if (res.statusCode !== 200) throw new Error(`profile refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
  },
  // The victim's scaled-mode OLAP state and a held StarRocks write lease (olap_tenant_state, olap_write_lease,
  // ADR 0064): written only by the StarRocks engine, so set here as that engine would.
  async ({ app, tenant }) => {
    const db = app.oltp.forTenant(tenant.tenantId);
    const now = Date.now();
    await db.insert('olap_tenant_state', {
      data_revision: 7,
      operator_secret: null,
      reconciled_fingerprint: 'f'.repeat(64),
      updated_at: now,
    });
    await db.insert('olap_write_lease', { name: 'group:1', owner: 'fixture', expires_at: now + 3_600_000 });
  },
  // The victim's OLAP schema declaration (its olap_schema rows).
  async ({ app, tenant }) => {
    await app.olap.forTenant(tenant.tenantId).declare(sampleDeclaration());
  },
  // A platform operator's switch of a plugin for the victim (tenant_plugin; enabled: nothing else changes).
  async ({ app, tenant }) => {
    await app.service(pluginEnablementRef).setEnabled(tenant.tenantId, 'acme-crm', true, 'ops');
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
  // The victim's 首页显示设置 (its home_display_setting row): an outbound event shown on its timeline.
  async ({ client }) => {
    const res = await client.request('PUT', '/api/v1/home/display-settings', { outboundEvents: ['wechat_template_sent'] });
    if (res.statusCode !== 200) throw new Error(`display settings refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
  },
  // The victim's display settings of the contact detail (contact_view_setting).
  async ({ client }) => {
    const res = await client.request('PUT', '/api/v1/console/contacts/view-settings', {
      profileTags: null,
      timelineOutbound: ['victim_event'],
    });
    if (res.statusCode !== 200) throw new Error(`view settings refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
  },
  // The victim's 定制显示列 (its contact_list_column row).
  async ({ client }) => {
    const res = await client.request('PUT', '/api/v1/console/contacts/list-columns', { columns: ['name', 'email'] });
    if (res.statusCode !== 200) throw new Error(`list columns refused: ${res.statusCode} ${JSON.stringify(res.body)}`);
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
  // 用户导入 and 批量编辑用户 (uploads processed by a task in the caller's tenant).
  'POST /api/v1/console/contact-imports': async (caller: Client) => {
    await cancelOwnImports(caller);
    return contactsXlsx(['attacker']);
  },
  'POST /api/v1/console/contact-imports/batch-edits': async (caller: Client) => {
    await cancelOwnImports(caller);
    return contactsXlsx(['attacker'], 'export');
  },
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
  'PUT /api/v1/console/contacts/dedupe/settings': {
    fields: ['email'],
    mode: 'all',
    excludedValues: ['hijacked'],
    autoMerge: true,
  },
  // A set id of no set: the victim's run answers 404 first; the attacker's own runs have none.
  'POST /api/v1/console/contacts/dedupe/runs/{runId}/merge': { sets: [{ setId: '999999999999999' }] },
  // 用户群组: the attacker's own groups and folders; victim ids answer 404 after a valid payload.
  'POST /api/v1/console/group-folders': { name: 'attacker-folder' },
  'PATCH /api/v1/console/group-folders/{folderId}': { name: 'hijacked' },
  'POST /api/v1/console/groups/static': { name: 'attacker-static' },
  'POST /api/v1/console/groups/dynamic': {
    name: 'attacker-dynamic',
    updateMode: 'manual',
    condition: { type: 'and', conditions: [{ type: 'property', property: 'name', operator: 'notEmpty' }] },
  },
  'POST /api/v1/console/groups/estimate': {
    condition: { type: 'and', conditions: [{ type: 'property', property: 'name', operator: 'notEmpty' }] },
  },
  'PATCH /api/v1/console/groups/{groupId}': { name: 'hijacked' },
  'POST /api/v1/console/groups/{groupId}/save-as': { name: 'hijacked-copy' },
  'PUT /api/v1/console/groups/{groupId}/folder': { folderId: null },
  'POST /api/v1/console/groups/{groupId}/members': { contactIds: ['999999999999999'] },
  'POST /api/v1/console/groups/{groupId}/members/remove': { contactIds: ['999999999999999'] },
  'POST /api/v1/console/groups/{groupId}/wechat-link': { wechatChannelId: '999999999999999' },
  'POST /api/v1/console/groups/{groupId}/contacts/search': { kind: 'all' },
  'POST /api/v1/console/groups/{groupId}/contacts/export': { fields: ['name'] },
  'POST /api/v1/console/groups/{groupId}/members/import': multipart({
    filename: 'ids.xlsx',
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    content: 'not read: the victim’s group answers 404 first',
  }),
  'POST /api/v1/groups': { name: 'attacker-api-group' },
  'POST /api/v1/groups/{groupId}/contacts': { contactIds: ['999999999999999'] },
  'POST /api/v1/groups/{groupId}/contacts/remove': { contactIds: ['999999999999999'] },
  // 互斥组 / 临时群组: the attacker's own groups; victim ids answer 404 after a valid payload.
  'POST /api/v1/console/exclusive-groups': async (caller: Client) => {
    const ids: string[] = [];
    for (const name of ['attacker-first', 'attacker-second']) {
      const res = await caller.request('POST', '/api/v1/console/groups/static', { name: `${name}-${Date.now()}` });
      ids.push(res.body.id as string);
    }
    return { name: 'attacker-exclusive', groupIds: ids };
  },
  'PATCH /api/v1/console/exclusive-groups/{exclusiveGroupId}': { name: 'hijacked' },
  'POST /api/v1/console/temporary-groups': {
    name: 'attacker-temporary',
    condition: { type: 'and', conditions: [{ type: 'property', property: 'name', operator: 'notEmpty' }] },
  },
  'PATCH /api/v1/console/temporary-groups/{temporaryGroupId}': { name: 'hijacked' },
  // A report over the attacker's own events and own group (a victim's group id would answer 404).
  'POST /api/v1/console/report-runs': async (caller: Client) => ({
    model: 'event',
    query: {
      metrics: [{ id: 'A', kind: 'event', event: '$pageview', aggregate: 'count' }],
      groups: [
        {
          type: 'group',
          groupId: (await caller.request('POST', '/api/v1/console/groups/static', { name: `attacker-report-${Date.now()}` })).body
            .id,
        },
      ],
      timeRange: { kind: 'past', days: 7, includeToday: true },
      granularity: 'day',
      chart: 'table',
    },
  }),
  'POST /api/v1/console/report-exports': {
    model: 'event',
    query: {
      metrics: [{ id: 'A', kind: 'event', event: '$pageview', aggregate: 'users' }],
      timeRange: { kind: 'past', days: 7, includeToday: true },
      granularity: 'total',
      chart: 'table',
    },
    format: 'csv',
  },
  // 保存为群组 (ADR 0063): a funnel step of the attacker's own events, as a group of its own.
  'POST /api/v1/console/report-cell-groups': async () => ({
    model: 'funnel',
    query: {
      steps: [{ event: '$pageview' }, { event: '$pageview' }],
      timeRange: { kind: 'past', days: 7, includeToday: true },
    },
    cell: { step: 1 },
    name: `attacker-cell-${(attackerSeq += 1)}`,
  }),
  'POST /api/v1/console/group-selections/count': async (caller: Client) => {
    const res = await caller.request('POST', '/api/v1/console/groups/static', { name: `attacker-count-${Date.now()}` });
    return { selections: [{ type: 'group', groupId: res.body.id as string }] };
  },
  // 用户标签: the attacker's own folder and tag (IDs are per tenant); a victim's tag answers 404.
  'POST /api/v1/tag-folders': async () => ({ name: `attacker-folder-${(attackerSeq += 1)}` }),
  'PATCH /api/v1/tag-folders/{tagFolderId}': { name: 'hijacked' },
  'POST /api/v1/tags': async () => ({
    code: `tag_attacker_${(attackerSeq += 1)}`,
    name: 'attacker-tag',
    kind: 'layered',
    updateMode: 'manual',
    rule: { layers: [{ value: 'x', condition: { type: 'and', conditions: [] } }] },
  }),
  'PUT /api/v1/tags/{tagId}': {
    name: 'hijacked',
    kind: 'layered',
    updateMode: 'manual',
    rule: { layers: [{ value: 'hijacked', condition: { type: 'and', conditions: [] } }] },
  },
  'POST /api/v1/tags/files': new WithQuery(
    { valueType: 'string' },
    multipart({ filename: 'tags.csv', content: '用户ID,value\nvictim,x\n' }),
  ),
  'PUT /api/v1/contact-field-masks/{fieldKey}': { masked: false },
  'PUT /api/v1/mobile-encryption': { enabled: false },
  // Ids of no contact: a victim's id would come back in notFound, which is only the caller's own input.
  'POST /api/v1/contacts/batch-get': { ids: ['999999999999999'] },
  'POST /api/v1/contacts/open-ids': { ids: ['999999999999999'] },
  'PATCH /api/v1/contacts/{contactId}': { name: 'hijacked', props: {} },
  // The console's contact create (runs: a contact of the attacker's own), edit and display settings.
  'POST /api/v1/console/contacts': { name: 'attacker-contact' },
  'PATCH /api/v1/console/contacts/{contactId}': { name: 'hijacked', props: {} },
  'PUT /api/v1/console/contacts/view-settings': { profileTags: null, timelineOutbound: [] },
  // The contact list: the attacker's own contacts, filtered by the victim's marker and by a keyword.
  'POST /api/v1/console/contacts/search': {
    kind: 'all',
    filter: { type: 'and', conditions: [{ type: 'property', property: 'name', operator: 'notEmpty' }] },
  },
  'GET /api/v1/console/contacts/wechat-ids': new WithQuery({ value: 'victim-open-id' }, undefined),
  'PUT /api/v1/console/contacts/list-columns': { columns: ['name', 'mobilePhone'] },
  'POST /api/v1/channels': { type: 'custom', name: 'attacker-channel' },
  'PATCH /api/v1/channels/{channelId}': { name: 'hijacked' },
  // Connection settings (ADR 0039): a victim's channel answers 404; a test before creation runs in the caller's tenant.
  'PATCH /api/v1/channels/{channelId}/settings': { settings: { apiSecret: 'attacker-secret-123' } },
  'POST /api/v1/channels/{channelId}/test': { settings: { apiSecret: 'attacker-secret-123' } },
  'POST /api/v1/channels/test': {
    type: 'lumen',
    settings: { shopUrl: 'https://attacker.lumen.example', apiKey: 'attacker_key', apiSecret: 'attacker-secret-123' },
  },
  'PATCH /api/v1/tenant': { name: 'attacker-renamed' },
  'PUT /api/v1/home/display-settings': { outboundEvents: ['wechat_template_sent'] },
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
  'POST /api/v1/console/contact-exports': { fields: ['name'] },
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
  // The attacker's own custom channel (a victim's channel answers 404, tested in contacts/erasure).
  'POST /api/v1/console/contact-erasures': async (caller: Client) => {
    attackerSeq += 1;
    const channel = await caller.request('POST', '/api/v1/channels', { type: 'custom', name: `attacker-erase-${attackerSeq}` });
    return { channelId: channel.body.id, userId: 'victim-user' };
  },
  'POST /api/v1/console/contact-erasures/file': async (caller: Client) => {
    attackerSeq += 1;
    const channel = await caller.request('POST', '/api/v1/channels', { type: 'custom', name: `attacker-erase-${attackerSeq}` });
    return new WithQuery({ channelId: String(channel.body.id) }, multipart({ filename: 'ids.txt', content: 'victim-user\n' }));
  },
  'POST /api/v1/metadata/dimension-tables/{dimensionId}/upload': multipart({ filename: 'x.csv', content: 'code\nx\n' }),
  // 报表分析 / 仪表盘 (ADR 0053): the attacker's own reports, folders and dashboards; victim ids answer 404.
  'POST /api/v1/console/reports': { name: 'attacker-report', model: 'acme.leadsByPipeline', query: {} },
  'PATCH /api/v1/console/reports/{reportId}': { name: 'hijacked' },
  'POST /api/v1/console/reports/{reportId}/save-as': { name: 'hijacked-copy' },
  'PUT /api/v1/console/reports/{reportId}/department': { departmentId: '999999999999999' },
  'POST /api/v1/console/reports/{reportId}/run': { force: true },
  'POST /api/v1/console/reports/{reportId}/export': { format: 'csv' },
  'POST /api/v1/console/reports/batch-delete': async (caller: Client) => {
    const res = await caller.request('POST', '/api/v1/console/reports', {
      name: 'attacker-doomed',
      model: 'acme.leadsByPipeline',
      query: {},
    });
    return { ids: [res.body.id as string] };
  },
  'POST /api/v1/console/dashboard-folders': async () => ({ name: `attacker-folder-${(attackerSeq += 1)}` }),
  'PATCH /api/v1/console/dashboard-folders/{dashboardFolderId}': { name: 'hijacked' },
  'POST /api/v1/console/dashboard-folders/{dashboardFolderId}/position': { direction: 'top' },
  'PUT /api/v1/console/dashboard-folders/{dashboardFolderId}/department': { departmentId: '999999999999999' },
  'POST /api/v1/console/dashboards': { name: 'attacker-dashboard' },
  'PATCH /api/v1/console/dashboards/{dashboardId}': { name: 'hijacked' },
  'POST /api/v1/console/dashboards/{dashboardId}/position': { direction: 'top' },
  'PUT /api/v1/console/dashboards/{dashboardId}/department': { departmentId: '999999999999999' },
  'POST /api/v1/console/dashboards/{dashboardId}/cards': { reportId: '999999999999999' },
  'PUT /api/v1/console/dashboards/{dashboardId}/cards/order': { cardIds: [] },
  'PATCH /api/v1/console/dashboards/{dashboardId}/cards/{cardId}': { size: 'L' },
  'POST /api/v1/console/dashboards/{dashboardId}/cards/{cardId}/run': { force: true },
  // A preset of the acme-crm fixture into the attacker's own folder.
  'POST /api/v1/console/dashboard-presets/install': async (caller: Client) => {
    const folder = await caller.request('POST', '/api/v1/console/dashboard-folders', {
      name: `attacker-preset-${(attackerSeq += 1)}`,
    });
    return { presetId: 'acme.overview', folderId: folder.body.id as string };
  },
};

/** Tenant-owned tables in which the victim may legitimately have no row when the replay starts. */
export const tablesWithoutVictimRows: Record<string, string> = {
  contact_change: 'an outbox row exists only until the contact reached OLAP (the drain empties it)',
  task_mutex: 'a mutex row exists only while a task holds it',
};

/** Tables without a `tenant_id` column besides `tenant` itself, with the reason they are global. */
export const globalTables: Record<string, string> = {
  ingest_partition: 'leases of the 16 inbox partitions by ingest workers; a partition holds messages of every tenant',
  ingest_worker: 'heartbeats of ingest worker processes (fair partition shares, ADR 0067); a process serves every tenant',
  process_lease: 'the analytics owner of the OLTP database (one DuckDB process per database), a lease of the whole installation',
  auth_throttle:
    'attempt counters of logins and token exchanges, keyed by hashed client address and account before any tenant is known',
};
