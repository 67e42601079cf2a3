import type { LocalizedText } from '../../kernel/contributions.js';
import { contactTraitFields, type ContactTraitKey } from '../contacts/contacts.types.js';

/** What a masked value shows instead of itself (seed §1.11.4.6: 即不显示“***”). */
export const MASKED_VALUE = '***';

/** 联系人不脱敏 (§1.11.4.6): a role permission; super staff hold it like every other. */
export const UNMASKED_PERMISSION = 'contacts.unmasked';

/** 联系人字段加密 settings (§1.11.4.7): super staff only. */
export const MASKING_MANAGE_PERMISSION = 'masking.manage';

/** A caller as far as masking cares: a principal, or a module's viewer made from one. */
export type MaskingAsker = { permissions?: ReadonlySet<string> } & (
  | { kind: 'staff'; isSuper: boolean }
  | { kind: 'app' }
  // A plugin's integration caller (a signed webhook, ADR 0042) holds no permission: masked.
  | { kind: 'integration' }
);

/**
 * Whether `asker` sees masked contact fields in clear (ADR 0024 §3): Open API apps (the customer's
 * own systems, behind its app secret), super staff (高级员工) and staff holding 联系人不脱敏
 * (`contacts.unmasked`). Everyone else sees them masked. The one place of the rule: the contact
 * serializers (`MaskingService.forPrincipal`), the report engine's askers (`actorOf`) and the
 * condition catalogue's `masked` flags (ADR 0069) all ask it.
 */
export function seesMaskedFieldsInClear(asker: MaskingAsker): boolean {
  return (
    asker.kind === 'app' || (asker.kind === 'staff' && asker.isSuper) || (asker.permissions?.has(UNMASKED_PERMISSION) ?? false)
  );
}

/**
 * The system fields of a contact, as identify names them (seed §2.1.3) — the same keys the Open
 * API, the contact serializers and the masks use — with the names the console shows.
 */
export const systemFieldNames: Record<ContactTraitKey, LocalizedText> = {
  name: { 'zh-CN': '姓名', 'en-US': 'Name' },
  nickname: { 'zh-CN': '昵称', 'en-US': 'Nickname' },
  gender: { 'zh-CN': '性别', 'en-US': 'Gender' },
  birthday: { 'zh-CN': '生日', 'en-US': 'Birthday' },
  mobilePhone: { 'zh-CN': '手机号码', 'en-US': 'Mobile phone' },
  email: { 'zh-CN': '邮箱', 'en-US': 'Email' },
  avatar: { 'zh-CN': '头像', 'en-US': 'Avatar' },
  company: { 'zh-CN': '公司', 'en-US': 'Company' },
  department: { 'zh-CN': '部门', 'en-US': 'Department' },
  title: { 'zh-CN': '职位', 'en-US': 'Job title' },
  industry: { 'zh-CN': '行业', 'en-US': 'Industry' },
  homePhone: { 'zh-CN': '座机', 'en-US': 'Home phone' },
  idCard: { 'zh-CN': '身份证号码', 'en-US': 'ID card number' },
  postalCode: { 'zh-CN': '邮政编码', 'en-US': 'Postal code' },
  country: { 'zh-CN': '国家', 'en-US': 'Country' },
  state: { 'zh-CN': '省份', 'en-US': 'Province' },
  city: { 'zh-CN': '城市', 'en-US': 'City' },
  street: { 'zh-CN': '街道', 'en-US': 'Street' },
  website: { 'zh-CN': '网站', 'en-US': 'Website' },
  comment: { 'zh-CN': '备注', 'en-US': 'Comment' },
};

/** The system field keys in the seed's order of the contact (姓名, 昵称, 性别 …). */
export const systemFieldKeys: readonly ContactTraitKey[] = contactTraitFields.map((field) => field.key);

/**
 * The field key masks name for a condition leaf's property (`mobile` → `mobilePhone`, `province` →
 * `state`, `dynamic:birthday` → `birthday`, `attr3.$label` → `attr3`). Properties that are no
 * person's field (times, utm, identified) come back unchanged and are never masked.
 */
export function maskKeyOfProperty(property: string): string {
  const base = property.startsWith('dynamic:') ? property.slice('dynamic:'.length) : property.split('.')[0]!;
  const trait = contactTraitFields.find((field) => field.olap === base);
  return trait ? trait.key : base;
}

/** A custom field's key: `attr<seq>` (ADR 0016). */
export const CUSTOM_FIELD_KEY = /^attr[1-9][0-9]{0,8}$/;

/** One row of 联系人字段加密: a system or custom field and whether it is masked (脱敏) for normal staff. */
export interface FieldMask {
  /** `mobilePhone`, `idCard`… or `attr<seq>`. */
  key: string;
  source: 'system' | 'custom';
  name: LocalizedText;
  masked: boolean;
  /** When the setting last changed and by whom; null while never set (every field starts unmasked). */
  updatedAt: number | null;
  updatedBy: string | null;
}

export interface FieldMaskRow {
  id: number | string;
  tenant_id: number | string;
  field_key: string;
  masked: boolean | number;
  updated_by: number | string | null;
  created_at: number | string;
  updated_at: number | string;
}

// ---- RSA-encrypted mobiles (§1.11.4.7.6) -------------------------------------------------------------

/**
 * The longest mobile a contact may hold while the tenant sends RSA-encrypted mobiles: an RSA-4096
 * ciphertext in hex (512 bytes → 1,024 characters; base64 takes 684). Without encryption a mobile
 * stays at most 64 characters (contacts.types.ts).
 */
export const MOBILE_CIPHERTEXT_MAX = 1024;
export const RSA_KEY_BITS_MIN = 1024;
export const RSA_KEY_BITS_MAX = 4096;
export const PUBLIC_KEY_PEM_MAX = 4096;

/** The tenant's setting: whether mobiles arrive RSA-encrypted, and the public key they are encrypted with. */
export interface MobileEncryption {
  enabled: boolean;
  /** SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`) PEM; never a private key. */
  publicKeyPem: string | null;
  /** The key's modulus length: a ciphertext is exactly this many bits. */
  keyBits: number | null;
  /** SHA-256 of the key's DER (SPKI), hex: lets the customer check which key is configured. */
  fingerprint: string | null;
  updatedAt: number | null;
  updatedBy: string | null;
}

export interface MobileEncryptionRow {
  id: number | string;
  tenant_id: number | string;
  enabled: boolean | number;
  public_key_pem: string | null;
  updated_by: number | string | null;
  created_at: number | string;
  updated_at: number | string;
}
