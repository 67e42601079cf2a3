import { createServiceRef } from '../../kernel/extension-point.js';
import type { ModuleDatabase } from '../../store/oltp/oltp-store.js';
import { ANONYMOUS_ID } from './contacts.types.js';

export const contactUsageServiceRef = createServiceRef<ContactUsageService>({ id: 'contacts.usage' });

/** IN lists are cut to this many ids. */
const IN_CHUNK = 500;

const count = (row: unknown): number => Number((row as { n?: number | string } | undefined)?.n ?? 0);

/**
 * The contacts module's numbers for 首页 and 使用情况 (seed §1.2.3, §1.11.5; ADR 0036), from the
 * OLTP master: how many contacts, how many identified (实名), and the part of the tracked users (TU)
 * that needs no event — contacts created by hand or imported (both need a name, so they are
 * identified), identified by their values, or explicitly identified through a user id that is not
 * a cookie's `anonymousId` (identify/track with a userId, an openId…). The home module adds the
 * contacts whose only trace is an event other than 页面浏览 (OLAP).
 */
export class ContactUsageService {
  constructor(private readonly db: ModuleDatabase) {}

  /** All contacts (current ones: merged-away contacts are gone) and the identified ones. */
  async counts(tenantId: string): Promise<{ all: number; identified: number }> {
    const t = this.db.forTenant(tenantId);
    const [all, identified] = await Promise.all([
      t.from('contact').count({ n: '*' }).first(),
      t.from('contact').where('identified', true).count({ n: '*' }).first(),
    ]);
    return { all: count(all), identified: count(identified) };
  }

  /** Contacts that are tracked users whatever their events: identified, or holding a non-anonymous account. */
  async knownCount(tenantId: string): Promise<number> {
    const t = this.db.forTenant(tenantId);
    const row = await t
      .from('contact')
      .where((q) => q.where('identified', true).orWhereIn('id', this.explicitAccounts(tenantId)))
      .count({ n: '*' })
      .first();
    return count(row);
  }

  /**
   * Of `contactIds` (contacts OLAP found with an event other than 页面浏览): how many still exist,
   * and how many of those `knownCount` already counts — so the tracked users are counted once.
   */
  async classify(tenantId: string, contactIds: readonly string[]): Promise<{ existing: number; known: number }> {
    let existing = 0;
    let known = 0;
    const ids = [...new Set(contactIds)];
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const part = ids.slice(i, i + IN_CHUNK);
      const t = this.db.forTenant(tenantId);
      const [e, k] = await Promise.all([
        t.from('contact').whereIn('id', part).count({ n: '*' }).first(),
        t
          .from('contact')
          .whereIn('id', part)
          .where((q) => q.where('identified', true).orWhereIn('id', this.explicitAccounts(tenantId)))
          .count({ n: '*' })
          .first(),
      ]);
      existing += count(e);
      known += count(k);
    }
    return { existing, known };
  }

  /** The names shown for contacts (name, nickname), by id; absent ids are gone (merged or deleted). */
  async names(
    tenantId: string,
    contactIds: readonly string[],
  ): Promise<Map<string, { name: string | null; nickname: string | null }>> {
    const out = new Map<string, { name: string | null; nickname: string | null }>();
    const ids = [...new Set(contactIds)];
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const rows = await this.db
        .forTenant(tenantId)
        .from<{ id: string | number; name: string | null; nickname: string | null }>('contact')
        .whereIn('id', ids.slice(i, i + IN_CHUNK))
        .select('id', 'name', 'nickname');
      for (const row of rows) out.set(String(row.id), { name: row.name, nickname: row.nickname });
    }
    return out;
  }

  /** How many channel accounts of each of these user-ID types the tenant holds (the uninstall report, ADR 0041). */
  async accountsByIdType(tenantId: string, idTypes: readonly string[]): Promise<Map<string, number>> {
    if (idTypes.length === 0) return new Map();
    const rows = (await this.db
      .forTenant(tenantId)
      .from('channel_account')
      .whereIn('channel_account.id_type', [...idTypes])
      .groupBy('channel_account.id_type')
      .select('channel_account.id_type as idType')
      .count({ n: '*' })) as { idType: string; n: number | string }[];
    return new Map(rows.map((row) => [String(row.idType), count(row)]));
  }

  /** Contact ids holding an account that is not a cookie's anonymousId (a tenant-scoped sub-query). */
  private explicitAccounts(tenantId: string) {
    return this.db.forTenant(tenantId).from('channel_account').whereNot('id_type', ANONYMOUS_ID).select('contact_id');
  }
}
