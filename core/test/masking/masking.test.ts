import { createPublicKey, generateKeyPairSync, publicEncrypt, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contactReadsServiceRef, type ApiContact, type ContactReadsService } from '../../src/modules/contacts/contacts.reads.js';
import { isMatchableMobile } from '../../src/modules/contacts/identity-rules.js';
import { ContactMasker, maskingServiceRef, type ContactJson } from '../../src/modules/masking/masking.service.js';
import { MASKED_VALUE, systemFieldKeys } from '../../src/modules/masking/masking.types.js';
import { checkPublicKey, isMobileCiphertext } from '../../src/modules/masking/mobile-encryption.js';
import type { Principal } from '../../src/server/principal.js';
import { identify, track } from '../contacts/support.js';
import { ingestTenant } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { normalStaff } from '../support/staff.js';
import { Client, createTenant, describeEngines, type TestApp } from '../support/test-app.js';
import { roleHolder } from './support.js';

const withPlugins = { plugins: firstPartyPlugins };

/** A tenant sending data (ingestTenant) with one custom field, 会员等级 (attr1). */
async function maskingTenant(app: TestApp) {
  const t = await ingestTenant(app);
  const field = await t.staff.request('POST', '/api/v1/metadata/contact-fields', { name: '会员等级', type: 'string' });
  expect(field.statusCode).toBe(201);
  expect(field.body.key).toBe('attr1');
  const mask = async (key: string, masked = true) => {
    const res = await t.staff.request('PUT', `/api/v1/contact-field-masks/${key}`, { masked });
    expect(res.statusCode).toBe(200);
    return res.body as { key: string; masked: boolean };
  };
  return { ...t, mask, masking: app.service(maskingServiceRef), reads: app.service(contactReadsServiceRef) };
}

const staffPrincipal = (tenantId: string, permissions: string[], isSuper = false): Principal => ({
  kind: 'staff',
  tenantId,
  staffId: '1',
  isSuper,
  sessionId: 's',
  csrfToken: 'c',
  permissions: new Set(permissions),
});

const rsa = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits });
const pem = (key: KeyObject, type: 'spki' | 'pkcs1' = 'spki') => key.export({ type, format: 'pem' }).toString();
/** What the customer sends: the mobile encrypted with its public key (PKCS#1 v1.5, as JSEncrypt does). */
const encrypt = (key: KeyObject, mobile: string, encoding: 'base64' | 'hex' = 'base64') =>
  publicEncrypt({ key, padding: 1 /* RSA_PKCS1_PADDING */ }, Buffer.from(mobile)).toString(encoding);

describeEngines(
  'masking: 联系人字段加密 settings (§1.11.4.7)',
  (ctx) => {
    it('refuses normal staff (403), Open API apps (403 console_only_route) and anonymous callers (401)', async () => {
      const t = await maskingTenant(ctx.app);
      const normal = await normalStaff(ctx.app, t.tenantId);
      const anonymous = new Client(ctx.app.server);
      const calls: [string, string, object?][] = [
        ['GET', '/api/v1/contact-field-masks'],
        ['PUT', '/api/v1/contact-field-masks/mobilePhone', { masked: true }],
        ['GET', '/api/v1/mobile-encryption'],
        ['PUT', '/api/v1/mobile-encryption', { enabled: false }],
      ];
      for (const [method, url, payload] of calls) {
        expect((await normal.request(method, url, payload)).body.code, `${method} ${url}`).toBe('forbidden');
        const asApp = await t.api.request(method, url, payload);
        expect([asApp.statusCode, asApp.body.code], `${method} ${url}`).toEqual([403, 'console_only_route']);
        expect((await anonymous.request(method, url, payload)).statusCode, `${method} ${url}`).toBe(401);
      }
      // Even a role holding 联系人不脱敏 may not change the settings: they are super staff only.
      const unmasked = roleHolder(ctx.app, t.tenantId, ['contacts.view', 'contacts.unmasked']);
      expect((await unmasked.request('PUT', '/api/v1/contact-field-masks/mobilePhone', { masked: false })).statusCode).toBe(403);
      // Nothing changed.
      expect((await t.masking.maskedFields(t.tenantId)).sort()).toEqual([]);
    });

    it('answers 400 for a malformed key or body, and 404 for a key that is no field of this tenant — another tenant’s custom field included', async () => {
      const owner = await maskingTenant(ctx.app);
      const other = await ingestTenant(ctx.app);
      const put = (t: { staff: Client }, key: string, body: unknown) =>
        t.staff.request('PUT', `/api/v1/contact-field-masks/${encodeURIComponent(key)}`, body);
      expect((await put(owner, 'mobile-phone', { masked: true })).statusCode).toBe(400);
      expect((await put(owner, 'mobilePhone', { masked: 'yes' })).statusCode).toBe(400);
      expect((await put(owner, 'mobilePhone', {})).statusCode).toBe(400);
      for (const key of ['mobile', 'attr2', 'attr0', 'utm', 'id', 'createdAt']) {
        const res = await put(owner, key, { masked: true });
        expect([res.statusCode, res.body.code], key).toEqual([404, 'masking_field_not_found']);
      }
      // attr1 is the owner's 会员等级; the other tenant has no custom field.
      const foreign = await put(other, 'attr1', { masked: true });
      expect([foreign.statusCode, foreign.body.code]).toEqual([404, 'masking_field_not_found']);
      expect(await owner.masking.maskedFields(owner.tenantId)).toEqual([]);
      expect(await owner.masking.maskedFields(other.tenantId)).toEqual([]);
    });

    it('lists every system field and every custom field, all unmasked at first; a change shows in this tenant only', async () => {
      const t = await maskingTenant(ctx.app);
      const other = await maskingTenant(ctx.app);
      const list = async (client: Client) =>
        (await client.request('GET', '/api/v1/contact-field-masks')).body.items as {
          key: string;
          source: string;
          name: Record<string, string>;
          masked: boolean;
          updatedAt: number | null;
          updatedBy: string | null;
        }[];
      const before = await list(t.staff);
      expect(before.map((f) => f.key)).toEqual([...systemFieldKeys, 'attr1']);
      expect(before.every((f) => !f.masked && f.updatedAt === null)).toBe(true);
      expect(before.find((f) => f.key === 'mobilePhone')).toMatchObject({
        source: 'system',
        name: { 'zh-CN': '手机号码', 'en-US': 'Mobile phone' },
      });
      expect(before.find((f) => f.key === 'attr1')).toMatchObject({ source: 'custom', name: { 'zh-CN': '会员等级' } });

      const saved = await t.mask('mobilePhone');
      expect(saved).toMatchObject({ key: 'mobilePhone', masked: true, updatedBy: t.tenant.staffId });
      await t.mask('attr1');
      await t.mask('attr1'); // again: still one row, still masked
      await t.mask('idCard');
      await t.mask('idCard', false);
      const after = await list(t.staff);
      expect(after.filter((f) => f.masked).map((f) => f.key)).toEqual(['mobilePhone', 'attr1']);
      expect(after.find((f) => f.key === 'idCard')).toMatchObject({ masked: false, updatedAt: expect.any(Number) });
      expect((await t.masking.maskedFields(t.tenantId)).sort()).toEqual(['attr1', 'mobilePhone']);
      // The other tenant (with its own attr1) is untouched.
      expect((await list(other.staff)).filter((f) => f.masked)).toEqual([]);
    });

    it('masks for staff without 联系人不脱敏; super staff, holders of contacts.unmasked and Open API apps see clear text', async () => {
      const t = await maskingTenant(ctx.app);
      await t.mask('mobilePhone');
      const normal = await t.masking.forPrincipal(staffPrincipal(t.tenantId, ['contacts.view']));
      expect([normal.isClear, [...normal.maskedFields]]).toEqual([false, ['mobilePhone']]);
      expect(normal.value('mobilePhone', '13800000000')).toBe(MASKED_VALUE);
      for (const principal of [
        staffPrincipal(t.tenantId, [], true),
        staffPrincipal(t.tenantId, ['contacts.view', 'contacts.unmasked']),
        { kind: 'app', tenantId: t.tenantId, appId: '1', permissions: new Set(['contacts.read']) } as const,
      ]) {
        const masker = await t.masking.forPrincipal(principal);
        expect(masker.isClear, principal.kind).toBe(true);
        expect(masker.value('mobilePhone', '13800000000')).toBe('13800000000');
      }
      // Another tenant's masks never reach this tenant's staff.
      const other = await createTenant(ctx.app);
      expect([...(await t.masking.forPrincipal(staffPrincipal(other.tenantId, []))).maskedFields]).toEqual([]);
    });
  },
  withPlugins,
);

describeEngines(
  'masking: the merge history and merge candidates (合并联系人：加密的字段继续显示为加密格式)',
  (ctx) => {
    it('masks both contacts’ values before a merge for normal staff; super staff see them clear', async () => {
      const t = await maskingTenant(ctx.app);
      // Known on the phone, with a mobile, an ID card and 会员等级…
      await t.collect('batch', {
        batch: [
          identify('u-1', {
            anonymousId: 'phone',
            traits: { name: '王五', mobilePhone: '13800000001', idCard: '110101199001011234', props: { attr1: '金卡' } },
          }),
        ],
      });
      await t.drain();
      // …anonymous on a laptop with a company and a home phone, then logging in there: one merge.
      await t.collect('batch', {
        batch: [identify(undefined, { anonymousId: 'laptop', traits: { company: 'ACME', homePhone: '010-12345678' } })],
      });
      await t.drain();
      await t.collect('batch', { batch: [identify('u-1', { anonymousId: 'laptop' }), track({ userId: 'u-1' })] });
      await t.drain();
      for (const key of ['mobilePhone', 'idCard', 'attr1', 'company']) await t.mask(key);

      const [clear] = (await t.staff.request('GET', '/api/v1/contacts/merges')).body.items;
      const rows = [clear.before.survivor, clear.before.merged];
      const known = rows.find((row) => row.name === '王五');
      const laptop = rows.find((row) => row.company === 'ACME');
      expect(known).toMatchObject({ mobile: '13800000001', id_card: '110101199001011234', attributes: '{"1":"金卡"}' });
      expect(laptop).toMatchObject({ company: 'ACME', home_phone: '010-12345678' });

      const normal = await normalStaff(ctx.app, t.tenantId);
      const res = await normal.request('GET', '/api/v1/contacts/merges');
      expect(res.statusCode).toBe(200);
      const [masked] = res.body.items;
      expect(masked).toMatchObject({ id: clear.id, survivorId: clear.survivorId, mergedId: clear.mergedId, rule: clear.rule });
      const maskedRows = [masked.before.survivor, masked.before.merged];
      const maskedKnown = maskedRows.find((row) => row.name === '王五');
      const maskedLaptop = maskedRows.find((row) => row.home_phone === '010-12345678');
      // Masked: mobile, ID card, 会员等级 (inside the attributes JSON) and the company; the name and home phone are not.
      expect(maskedKnown).toMatchObject({ mobile: '***', id_card: '***', attributes: '{"1":"***"}', company: null });
      expect(maskedLaptop).toMatchObject({ company: '***', mobile: null, name: null });
      expect(JSON.stringify(res.body)).not.toMatch(/13800000001|110101199001011234|金卡|ACME/);
      // The same merge of one contact, and an empty value stays empty (null) rather than ***.
      const one = await normal.request('GET', `/api/v1/contacts/merges?contactId=${clear.mergedId}`);
      expect(one.body.items[0].before).toEqual(masked.before);
    });

    it('masks the two sides of a merge candidate and the merge its acceptance answers, unless the role grants 联系人不脱敏', async () => {
      const t = await maskingTenant(ctx.app);
      await t.collect('batch', {
        batch: [identify('alice', { anonymousId: 'shared', traits: { name: 'Alice', mobilePhone: '13900000001' } })],
      });
      await t.drain();
      await t.collect('batch', {
        batch: [identify('bob', { anonymousId: 'shared', traits: { name: 'Bob', mobilePhone: '13900000002', email: 'b@x.cn' } })],
      });
      await t.drain();
      await t.mask('mobilePhone');
      await t.mask('email');

      const merger = roleHolder(ctx.app, t.tenantId, ['contacts.view', 'contacts.merge']);
      const clearMerger = roleHolder(ctx.app, t.tenantId, ['contacts.view', 'contacts.merge', 'contacts.unmasked']);
      const sides = async (caller: { request: typeof merger.request }) => {
        const res = await caller.request('GET', '/api/v1/contacts/merge-candidates');
        expect(res.statusCode).toBe(200);
        return (res.body.items[0].contacts as { name: string; mobile: string; email: string | null }[])
          .map((c) => [c.name, c.mobile, c.email])
          .sort();
      };
      expect(await sides(merger)).toEqual([
        ['Alice', '***', null],
        ['Bob', '***', '***'],
      ]);
      expect(await sides(clearMerger)).toEqual([
        ['Alice', '13900000001', null],
        ['Bob', '13900000002', 'b@x.cn'],
      ]);
      expect(await sides(t.staff)).toEqual(await sides(clearMerger));

      const [candidate] = (await merger.request('GET', '/api/v1/contacts/merge-candidates')).body.items;
      const accepted = await merger.request('POST', `/api/v1/contacts/merge-candidates/${candidate.id}/accept`);
      expect(accepted.statusCode).toBe(200);
      expect(JSON.stringify(accepted.body)).not.toMatch(/1390000000[12]|b@x\.cn/);
      expect([accepted.body.merge.before.survivor.mobile, accepted.body.merge.before.merged.mobile]).toEqual(['***', '***']);
      const [merge] = (await clearMerger.request('GET', '/api/v1/contacts/merges')).body.items;
      expect([merge.before.survivor.mobile, merge.before.merged.mobile].sort()).toEqual(['13900000001', '13900000002']);
    });
  },
  withPlugins,
);

/**
 * The contract the contacts issue builds on, tested now on a fixture serializer over real contacts
 * (the Open API's shape, read and written through ContactReadsService): every view applies the
 * caller's masker exactly like this.
 */
function fixtureSerializer(r: ContactReadsService, masker: ContactMasker, tenantId: string) {
  return {
    list: async () => (await r.list(tenantId, { limit: 50 })).items.map((contact) => masker.mask(contact)),
    detail: async (id: string) => masker.mask(await r.get(tenantId, id)),
    /** 首页时间轴: the contact's name, else its nickname. */
    timelineName: async (id: string) => masker.maskName(await r.get(tenantId, id)),
    editForm: async (id: string) => masker.forEdit(await r.get(tenantId, id)),
    /** 编辑联系人 → 确定: the form's values, merged with what is stored, saved, answered masked. */
    save: async (id: string, form: ContactJson) => masker.mask(await r.update(tenantId, id, masker.mergeEditPatch(form))),
    /** 导出联系人: masked columns are left out. */
    exportRows: async (columns: string[]) => {
      const kept = masker.exportColumns(columns);
      const rows = (await r.list(tenantId, { limit: 50 })).items.map((contact) =>
        kept.map((column) => {
          const value = column.startsWith('props.')
            ? contact.props[column.slice('props.'.length)]
            : contact[column as keyof ApiContact];
          return value === null || value === undefined ? '' : String(value);
        }),
      );
      return [kept, ...rows];
    },
  };
}

describeEngines(
  'masking: the serializer contract (list, detail, timeline name, create, edit, export)',
  (ctx) => {
    it('shows masked fields as *** to normal staff in every view, blanks them in the edit form and keeps them out of exports', async () => {
      const t = await maskingTenant(ctx.app);
      await t.mask('mobilePhone');
      await t.mask('name');
      await t.mask('attr1');
      // 新建联系人 (here through the Open API identify): entered normally, answered masked afterwards.
      const created = await t.api.request('POST', '/api/v1/contacts/identify', {
        externalId: 'vip-1',
        channel: { channelId: t.channelKey },
        name: '赵六',
        nickname: '六六',
        mobilePhone: '13800000006',
        email: 'zhao@example.com',
        props: { attr1: '钻石卡' },
      });
      expect(created.statusCode).toBe(200);
      await t.drain();
      await t.collect('identify', { anonymousId: 'ck-9', traits: { nickname: '访客九' } });
      await t.drain();

      const normal = fixtureSerializer(
        t.reads,
        await t.masking.forPrincipal(staffPrincipal(t.tenantId, ['contacts.view'])),
        t.tenantId,
      );
      const clear = fixtureSerializer(t.reads, await t.masking.forPrincipal(staffPrincipal(t.tenantId, [], true)), t.tenantId);

      // 用户列表页 / 用户详情页.
      const list = await normal.list();
      const vip = list.find((c) => c.email === 'zhao@example.com')!;
      expect(vip).toMatchObject({ name: '***', nickname: '六六', mobilePhone: '***', props: { attr1: '***' } });
      expect(JSON.stringify(list)).not.toMatch(/赵六|13800000006|钻石卡/);
      expect(await normal.detail(vip.id)).toEqual(vip);
      expect(await clear.detail(vip.id)).toMatchObject({ name: '赵六', mobilePhone: '13800000006', props: { attr1: '钻石卡' } });
      // Everything that is no field (id, accounts, utm, times) is the same for both.
      const notFields = (c: ApiContact) => ({
        id: c.id,
        identified: c.identified,
        utm: c.utm,
        accounts: c.accounts,
        updatedAt: c.updatedAt,
      });
      expect(notFields((await clear.detail(vip.id)) as ApiContact)).toEqual(notFields(vip));

      // 首页时间轴: name masked → ***; a contact with only a nickname (not masked) shows it.
      const visitor = list.find((c) => c.nickname === '访客九')!;
      expect(await normal.timelineName(vip.id)).toBe('***');
      expect(await normal.timelineName(visitor.id)).toBe('访客九');
      expect(await clear.timelineName(vip.id)).toBe('赵六');

      // 编辑联系人: masked fields blank (the value never reaches the browser)…
      const form = await normal.editForm(vip.id);
      expect(form).toMatchObject({ name: null, mobilePhone: null, nickname: '六六', props: { attr1: null } });
      expect(JSON.stringify(form)).not.toMatch(/赵六|13800000006|钻石卡|\*\*\*/);
      // …saved untouched (blank, or *** sent back), they keep the stored values…
      const saved = await normal.save(vip.id, { name: '', mobilePhone: MASKED_VALUE, nickname: '老六', props: { attr1: null } });
      expect(saved).toMatchObject({ name: '***', mobilePhone: '***', nickname: '老六', props: { attr1: '***' } });
      expect(await clear.detail(vip.id)).toMatchObject({ name: '赵六', mobilePhone: '13800000006', props: { attr1: '钻石卡' } });
      // …and a value typed into a masked field is saved and shown masked again.
      const typed = await normal.save(vip.id, { mobilePhone: '13700000007', props: { attr1: '金卡' } });
      expect(typed).toMatchObject({ mobilePhone: '***', props: { attr1: '***' } });
      expect(await clear.detail(vip.id)).toMatchObject({ mobilePhone: '13700000007', props: { attr1: '金卡' } });
      // Clear-text staff may clear a field by blanking it.
      expect(await clear.save(visitor.id, { nickname: '' })).toMatchObject({ nickname: null });

      // 导出联系人: 加密的字段不支持导出.
      const columns = ['name', 'nickname', 'mobilePhone', 'email', 'props.attr1'];
      const [normalHeader, ...normalRows] = await normal.exportRows(columns);
      expect(normalHeader).toEqual(['nickname', 'email']);
      expect(normalRows).toContainEqual(['老六', 'zhao@example.com']);
      const [clearHeader, ...clearRows] = await clear.exportRows(columns);
      expect(clearHeader).toEqual(columns);
      expect(clearRows).toContainEqual(['赵六', '老六', '13700000007', 'zhao@example.com', '金卡']);
    });
  },
  withPlugins,
);

describeEngines(
  'masking: RSA-encrypted mobiles (手机号 RSA 加密, §1.11.4.7.6)',
  (ctx) => {
    const keys = rsa(2048);

    it('refuses a private key, a non-RSA or malformed key, a key of the wrong size, and switching on without a key', async () => {
      const t = await maskingTenant(ctx.app);
      const put = (body: object) => t.staff.request('PUT', '/api/v1/mobile-encryption', body);
      const code = async (body: object) => {
        const res = await put(body);
        return [res.statusCode, res.body.code, res.body.details?.[0]?.path];
      };
      expect(await code({ enabled: true })).toEqual([400, 'masking_public_key_required', 'publicKeyPem']);
      expect(await code({ enabled: true, publicKeyPem: '' })).toEqual([400, 'masking_public_key_required', 'publicKeyPem']);
      const privatePem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      expect(await code({ enabled: true, publicKeyPem: privatePem })).toEqual([
        400,
        'masking_private_key_refused',
        'publicKeyPem',
      ]);
      const pkcs1Private = keys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
      expect(await code({ enabled: true, publicKeyPem: pkcs1Private })).toEqual([
        400,
        'masking_private_key_refused',
        'publicKeyPem',
      ]);
      const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      expect(await code({ enabled: true, publicKeyPem: pem(ec.publicKey) })).toEqual([
        400,
        'masking_public_key_invalid',
        'publicKeyPem',
      ]);
      expect(await code({ enabled: true, publicKeyPem: 'not a key' })).toEqual([
        400,
        'masking_public_key_invalid',
        'publicKeyPem',
      ]);
      expect(await code({ enabled: true, publicKeyPem: pem(rsa(512).publicKey) })).toEqual([
        400,
        'masking_public_key_size',
        'publicKeyPem',
      ]);
      expect((await put({ enabled: 'yes' })).statusCode).toBe(400);
      expect((await t.staff.request('GET', '/api/v1/mobile-encryption')).body).toMatchObject({
        enabled: false,
        publicKeyPem: null,
      });
    });

    it('saves the public key (PKCS#1 taken, shown as SPKI with its fingerprint), per tenant; switching off keeps the key', async () => {
      const t = await maskingTenant(ctx.app);
      const other = await maskingTenant(ctx.app);
      const res = await t.staff.request('PUT', '/api/v1/mobile-encryption', {
        enabled: true,
        publicKeyPem: pem(keys.publicKey, 'pkcs1'),
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatchObject({
        enabled: true,
        publicKeyPem: pem(keys.publicKey).trim(),
        keyBits: 2048,
        fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
        updatedBy: t.tenant.staffId,
      });
      expect(checkPublicKey(pem(keys.publicKey)).fingerprint).toBe(res.body.fingerprint);
      expect((await other.staff.request('GET', '/api/v1/mobile-encryption')).body).toMatchObject({
        enabled: false,
        publicKeyPem: null,
        keyBits: null,
      });
      const off = await t.staff.request('PUT', '/api/v1/mobile-encryption', {
        enabled: false,
        publicKeyPem: res.body.publicKeyPem,
      });
      expect(off.body).toMatchObject({ enabled: false, keyBits: 2048, fingerprint: res.body.fingerprint });
    });

    it('takes ciphertext mobiles only while switched on, stores and shows them as given, and never merges them', async () => {
      const t = await maskingTenant(ctx.app);
      const plain = '13800000008';
      const cipher1 = encrypt(keys.publicKey, plain);
      const cipher2 = encrypt(keys.publicKey, plain, 'hex');
      expect(cipher1).not.toBe(encrypt(keys.publicKey, plain)); // random padding: never the same twice

      // Off: a ciphertext is longer than any mobile → quarantined (traits_invalid), as before.
      await t.collect('identify', { userId: 'c-0', traits: { mobilePhone: cipher1 } });
      await t.drain();
      const quarantine = (await t.staff.request('GET', '/api/v1/ingestion/quarantine?reason=traits_invalid')).body;
      expect(quarantine.total).toBe(1);
      expect(JSON.stringify(quarantine.items[0].problems)).toContain('contact_value_too_long');

      // On: two ciphertexts of one number and the plain number are three people, never merged or proposed.
      const on = await t.staff.request('PUT', '/api/v1/mobile-encryption', { enabled: true, publicKeyPem: pem(keys.publicKey) });
      expect(on.statusCode).toBe(200);
      await t.collect('batch', {
        batch: [
          identify('c-1', { traits: { name: '甲', mobilePhone: cipher1 } }),
          identify('c-2', { traits: { name: '乙', mobilePhone: cipher2 } }),
          identify('c-3', { traits: { name: '丙', mobilePhone: plain } }),
        ],
      });
      await t.drain();
      const contacts = (await t.reads.list(t.tenantId, { limit: 50 })).items;
      expect(contacts.map((c) => [c.name, c.mobilePhone]).sort()).toEqual([
        ['丙', plain],
        ['乙', cipher2],
        ['甲', cipher1],
      ]);
      expect((await t.staff.request('GET', '/api/v1/contacts/merges')).body.items).toEqual([]);
      expect((await t.staff.request('GET', '/api/v1/contacts/merge-candidates')).body.items).toEqual([]);
      // The Open API shows the ciphertext, and an update may set one.
      const first = contacts.find((c) => c.name === '甲')!;
      expect((await t.api.request('GET', `/api/v1/contacts/${first.id}`)).body.mobilePhone).toBe(cipher1);
      const cipher3 = encrypt(keys.publicKey, '13900000009');
      const updated = await t.api.request('PATCH', `/api/v1/contacts/${first.id}`, { mobilePhone: cipher3 });
      expect([updated.statusCode, updated.body.mobilePhone]).toEqual([200, cipher3]);
      // Open API identify checks the same limit.
      const identified = await t.api.request('POST', '/api/v1/contacts/identify', {
        externalId: 'c-4',
        channel: { channelId: t.channelKey },
        mobilePhone: encrypt(keys.publicKey, plain),
      });
      expect(identified.statusCode).toBe(200);
      // Masked like any mobile for normal staff.
      await t.mask('mobilePhone');
      const masker = await t.masking.forPrincipal(staffPrincipal(t.tenantId, ['contacts.view']));
      expect(masker.mask(first as unknown as ContactJson).mobilePhone).toBe(MASKED_VALUE);

      // Off again: ciphertexts are refused once more; the stored ones stay.
      await t.staff.request('PUT', '/api/v1/mobile-encryption', { enabled: false });
      const refused = await t.api.request('PATCH', `/api/v1/contacts/${first.id}`, { mobilePhone: cipher1 });
      expect([refused.statusCode, refused.body.details?.[0]]).toEqual([
        400,
        expect.objectContaining({ path: 'mobilePhone', code: 'contact_value_too_long' }),
      ]);
      expect((await t.api.request('GET', `/api/v1/contacts/${first.id}`)).body.mobilePhone).toBe(cipher3);
    });
  },
  withPlugins,
);

describe('masking units', () => {
  const masker = new ContactMasker(['mobilePhone', 'attr2', 'nickname'], false);
  const contact = {
    id: '7',
    name: '张三',
    nickname: '小张',
    mobilePhone: '13800000000',
    email: null,
    props: { attr1: '金卡', attr2: 300 },
    utm: { source: 'mobilePhone' },
  };

  it('masks non-empty masked values, leaves empty ones, other fields and non-fields alone, and never mutates', () => {
    expect(masker.mask(contact)).toEqual({
      ...contact,
      nickname: '***',
      mobilePhone: '***',
      props: { attr1: '金卡', attr2: '***' },
    });
    expect(masker.mask({ mobilePhone: null, props: { attr2: '' } })).toEqual({ mobilePhone: null, props: { attr2: '' } });
    expect(contact.mobilePhone).toBe('13800000000');
    expect(ContactMasker.clear.mask(contact)).toBe(contact);
    expect(new ContactMasker(['mobilePhone'], true).mask(contact)).toBe(contact);
  });

  it('maskName: the name, else the nickname, each by its own mask', () => {
    expect(masker.maskName({ name: '张三', nickname: '小张' })).toBe('张三');
    expect(masker.maskName({ name: '', nickname: '小张' })).toBe('***');
    expect(masker.maskName({ name: null, nickname: null })).toBeNull();
    expect(new ContactMasker(['name'], false).maskName({ name: '张三', nickname: '小张' })).toBe('***');
  });

  it('forEdit blanks masked fields; mergeEditPatch keeps the stored value of blank or *** masked fields', () => {
    expect(masker.forEdit(contact)).toMatchObject({ mobilePhone: null, nickname: null, name: '张三', props: { attr2: null } });
    expect(
      masker.mergeEditPatch({ mobilePhone: '', nickname: '***', name: '', email: null, props: { attr1: '', attr2: null } }),
    ).toEqual({ name: '', email: null, props: { attr1: '' } });
    expect(masker.mergeEditPatch({ mobilePhone: '13900000000', props: { attr2: 5 } })).toEqual({
      mobilePhone: '13900000000',
      props: { attr2: 5 },
    });
    expect(ContactMasker.clear.mergeEditPatch({ mobilePhone: '' })).toEqual({ mobilePhone: '' });
  });

  it('exportColumns drops masked columns (keys, props.attrN or objects with a key) unless clear', () => {
    expect(masker.exportColumns(['name', 'mobilePhone', 'props.attr2', 'attr1'])).toEqual(['name', 'attr1']);
    expect(masker.exportColumns([{ key: 'nickname', title: '昵称' }, { key: 'email' }])).toEqual([{ key: 'email' }]);
    expect(new ContactMasker(['mobilePhone'], true).exportColumns(['mobilePhone'])).toEqual(['mobilePhone']);
  });

  it('round-trips through JSON for a task that runs after its request', () => {
    const stored = JSON.parse(JSON.stringify(masker)) as { maskedFields: string[]; isClear: boolean };
    expect(stored).toEqual({ maskedFields: ['attr2', 'mobilePhone', 'nickname'], isClear: false });
    expect(ContactMasker.fromJSON(stored).mask(contact)).toEqual(masker.mask(contact));
  });

  it('RSA ciphertexts of every key size and encoding are recognised and never matchable; plain numbers are matchable', () => {
    for (const bits of [1024, 2048, 4096]) {
      const key = bits === 2048 ? createPublicKey(pem(rsa(2048).publicKey)) : rsa(bits).publicKey;
      for (const encoding of ['base64', 'hex'] as const) {
        const cipher = encrypt(key, '13800000000', encoding);
        expect(isMobileCiphertext(cipher, bits), `${bits} ${encoding}`).toBe(true);
        expect(isMatchableMobile(cipher), `${bits} ${encoding}`).toBe(false);
      }
      const urlSafe = encrypt(key, '13800000000').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      expect(isMobileCiphertext(urlSafe, bits)).toBe(true);
      expect(isMatchableMobile(urlSafe)).toBe(false);
    }
    for (const plain of ['13800000000', '+86 138-0000-0000']) {
      expect(isMatchableMobile(plain)).toBe(true);
      expect(isMobileCiphertext(plain, 1024)).toBe(false);
    }
  });
});
