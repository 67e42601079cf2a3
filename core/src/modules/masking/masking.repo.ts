import { isUniqueViolation, type ModuleDatabase, type TenantDb } from '../../store/oltp/oltp-store.js';
import type { FieldMaskRow, MobileEncryptionRow } from './masking.types.js';

/** 联系人字段加密 settings, always within one tenant: masked fields and the RSA mobile setting. */
export class MaskingRepo {
  constructor(private readonly db: ModuleDatabase) {}

  private tenant(tenantId: string): TenantDb {
    return this.db.forTenant(tenantId);
  }

  fieldMasks(tenantId: string): Promise<FieldMaskRow[]> {
    return this.tenant(tenantId).from<FieldMaskRow>('contact_field_mask').select<FieldMaskRow[]>('*');
  }

  /** The keys masked now (the one query a masker needs). */
  async maskedKeys(tenantId: string): Promise<string[]> {
    const rows = await this.tenant(tenantId)
      .from<FieldMaskRow>('contact_field_mask')
      .where('masked', true)
      .select<Pick<FieldMaskRow, 'field_key'>[]>('field_key');
    return rows.map((row) => row.field_key);
  }

  /** One row per field key: updated in place, inserted the first time (a concurrent first insert wins, then updates). */
  async saveFieldMask(tenantId: string, fieldKey: string, masked: boolean, staffId: string | null, at: number): Promise<void> {
    const db = this.tenant(tenantId);
    const patch = { masked, updated_by: staffId, updated_at: at };
    const update = () => db.from('contact_field_mask').where('field_key', fieldKey).update(patch);
    if ((await update()) > 0) return;
    try {
      await db.insert('contact_field_mask', { field_key: fieldKey, ...patch, created_at: at });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await update();
    }
  }

  mobileEncryption(tenantId: string): Promise<MobileEncryptionRow | undefined> {
    return this.tenant(tenantId).from<MobileEncryptionRow>('mobile_encryption').first();
  }

  async saveMobileEncryption(
    tenantId: string,
    setting: { enabled: boolean; publicKeyPem: string | null },
    staffId: string | null,
    at: number,
  ): Promise<void> {
    const db = this.tenant(tenantId);
    const patch = { enabled: setting.enabled, public_key_pem: setting.publicKeyPem, updated_by: staffId, updated_at: at };
    const update = () => db.from('mobile_encryption').update(patch);
    if ((await update()) > 0) return;
    try {
      await db.insert('mobile_encryption', { ...patch, created_at: at });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await update();
    }
  }
}
