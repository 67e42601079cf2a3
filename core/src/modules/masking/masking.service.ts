import type { ReportFieldAccess } from '../../kernel/contributions.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import { InputError, NotFoundError } from '../../server/errors.js';
import type { Principal } from '../../server/principal.js';
import { contactTraitFields } from '../contacts/contacts.types.js';
import type { MetadataService } from '../metadata/metadata.service.js';
import { ContactMasker } from './contact-masker.js';
import type { MaskingRepo } from './masking.repo.js';
import {
  CUSTOM_FIELD_KEY,
  maskKeyOfProperty,
  MOBILE_CIPHERTEXT_MAX,
  systemFieldKeys,
  seesMaskedFieldsInClear,
  systemFieldNames,
  type FieldMask,
  type MobileEncryption,
} from './masking.types.js';
import { checkPublicKey } from './mobile-encryption.js';

export const maskingServiceRef = createServiceRef<MaskingService>({ id: 'masking.service' });

/** The longest plain mobile (contacts.types.ts), kept while RSA-encrypted mobiles are off. */
const PLAIN_MOBILE_MAX = contactTraitFields.find((field) => field.key === 'mobilePhone')!.max;

const idOrNull = (value: number | string | null | undefined) => (value === null || value === undefined ? null : String(value));

/**
 * 联系人字段加密 (seed §1.11.4.7): which contact fields are masked (脱敏) for normal staff, who sees
 * clear text, and the tenant's RSA-encrypted mobiles (§1.11.4.7.6). Every contact serializer asks
 * `forPrincipal` for a `ContactMasker` and applies it (ADR 0024).
 */
export class MaskingService {
  constructor(
    private readonly repo: MaskingRepo,
    private readonly metadata: MetadataService,
  ) {}

  // ---- masked fields ----------------------------------------------------------------------------

  /** Every system field (identify's order) and every custom field (the metadata's order), masked or not. */
  async settings(tenantId: string): Promise<FieldMask[]> {
    const [rows, custom] = await Promise.all([this.repo.fieldMasks(tenantId), this.metadata.contactFields(tenantId)]);
    const byKey = new Map(rows.map((row) => [row.field_key, row]));
    const entry = (key: string, source: FieldMask['source'], name: FieldMask['name']): FieldMask => {
      const row = byKey.get(key);
      return {
        key,
        source,
        name,
        masked: Boolean(row?.masked),
        updatedAt: row ? Number(row.updated_at) : null,
        updatedBy: idOrNull(row?.updated_by),
      };
    };
    return [
      ...systemFieldKeys.map((key) => entry(key, 'system', systemFieldNames[key])),
      ...custom.map((field) => entry(field.key, 'custom', { 'zh-CN': field.name, 'en-US': field.name })),
    ];
  }

  /** 加密: 脱敏 (masked) or 不加密. A key that names no system field and no custom field of the tenant: 404. */
  async setMasked(tenantId: string, fieldKey: string, masked: boolean, staffId: string | null = null): Promise<FieldMask> {
    if (!(await this.isField(tenantId, fieldKey))) throw new NotFoundError('masking_field_not_found');
    await this.repo.saveFieldMask(tenantId, fieldKey, masked, staffId, Date.now());
    return (await this.settings(tenantId)).find((field) => field.key === fieldKey)!;
  }

  /** The keys of the contact fields the tenant masks (for whoever does not see them in clear). */
  maskedFields(tenantId: string): Promise<string[]> {
    return this.repo.maskedKeys(tenantId);
  }

  /**
   * What `principal` may see of contacts. Clear text for super staff (高级员工), for staff holding
   * 联系人不脱敏 (`contacts.unmasked`) and for Open API apps (the customer's own systems, behind its
   * app secret: masking is a console rule for operators, §1.11.4.7.2); masked fields as `***` for
   * every other staff member (`seesMaskedFieldsInClear`).
   */
  async forPrincipal(principal: Principal): Promise<ContactMasker> {
    return new ContactMasker(await this.repo.maskedKeys(principal.tenantId), seesMaskedFieldsInClear(principal));
  }

  /**
   * Which contact properties of the condition catalogue an asker sees masked (ADR 0069): none when
   * `isClear`, else those of the tenant's masked fields — a lookup (`province.$label`) and a dynamic
   * date (`dynamic:birthday`) follow their base field, as the contact list's filter maps them
   * (`maskKeyOfProperty`). The report engine plans with it; the catalogue flags with it.
   */
  async fieldAccess(tenantId: string, isClear: boolean): Promise<ReportFieldAccess> {
    const masked = isClear ? new Set<string>() : new Set(await this.repo.maskedKeys(tenantId));
    return {
      maskedField: (property) => {
        const key = maskKeyOfProperty(property);
        return masked.has(key) ? key : undefined;
      },
    };
  }

  private async isField(tenantId: string, key: string): Promise<boolean> {
    if ((systemFieldKeys as readonly string[]).includes(key)) return true;
    if (!CUSTOM_FIELD_KEY.test(key)) return false;
    return (await this.metadata.contactFields(tenantId)).some((field) => field.key === key);
  }

  // ---- RSA-encrypted mobiles --------------------------------------------------------------------

  async mobileEncryption(tenantId: string): Promise<MobileEncryption> {
    const row = await this.repo.mobileEncryption(tenantId);
    const key = row?.public_key_pem ? checkPublicKey(row.public_key_pem) : undefined;
    return {
      enabled: Boolean(row?.enabled),
      publicKeyPem: key?.pem ?? null,
      keyBits: key?.keyBits ?? null,
      fingerprint: key?.fingerprint ?? null,
      updatedAt: row ? Number(row.updated_at) : null,
      updatedBy: idOrNull(row?.updated_by),
    };
  }

  /**
   * 手机号 RSA 加密: on with the customer's public key (required), off keeping or clearing it. The key
   * is checked (RSA, 1,024–4,096 bits, never a private key) and stored as SPKI PEM.
   */
  async saveMobileEncryption(
    tenantId: string,
    input: { enabled: boolean; publicKeyPem: string | null },
    staffId: string | null = null,
  ): Promise<MobileEncryption> {
    const pem = input.publicKeyPem?.trim() ? checkPublicKey(input.publicKeyPem).pem : null;
    if (input.enabled && !pem)
      throw new InputError('masking_public_key_required', {}, [{ path: 'publicKeyPem', code: 'masking_public_key_required' }]);
    await this.repo.saveMobileEncryption(tenantId, { enabled: input.enabled, publicKeyPem: pem }, staffId, Date.now());
    return this.mobileEncryption(tenantId);
  }

  /**
   * The longest mobile the tenant's contacts take: an RSA ciphertext while encrypted mobiles are on,
   * else a plain number's 64 characters. Identify, the Open API's update and (later) imports check it.
   */
  async mobileMax(tenantId: string): Promise<number> {
    return (await this.repo.mobileEncryption(tenantId))?.enabled ? MOBILE_CIPHERTEXT_MAX : PLAIN_MOBILE_MAX;
  }
}

export { ContactMasker, type ContactJson, type MaskableColumn } from './contact-masker.js';
