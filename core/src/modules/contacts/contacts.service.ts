import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { createServiceRef } from '../../kernel/extension-point.js';
import type { AnalyticsEngine } from '../../store/olap/analytics-engine.js';
import { isUniqueViolation } from '../../store/oltp/oltp-store.js';
import { contactChange } from './contact-patch.js';
import type { ContactsRepo } from './contacts.repo.js';
import {
  ANONYMOUS_ID,
  EXTERNAL_ID,
  toOlapContact,
  type ChannelAccountRow,
  type ContactPatch,
  type ContactRow,
} from './contacts.types.js';

export const contactsServiceRef = createServiceRef<ContactsService>({ id: 'contacts.contacts' });

/** Who sent a message, as the pipeline knows it: the channel and the ids the client gave. */
export interface MessageIdentity {
  channelId: string;
  /** The externalId (Segment's `userId`). */
  userId?: string | null;
  /** The cookie / device id (Segment's `anonymousId`). */
  anonymousId?: string | null;
}

export interface ResolvedAccount {
  contactId: string;
  /** The channel account the message hangs on (the externalId's when both ids were given). */
  accountId: string;
}

/**
 * Two writers created the same channel account at once (two processes, or an identify and a track
 * of one person in two partitions): the batch is retried from the start in a new transaction, where
 * the account is found.
 */
export class IdentityConflictError extends Error {
  constructor() {
    super('a channel account was created concurrently; retry the batch');
    this.name = 'IdentityConflictError';
  }
}

/** Re-reads after an outbox load (see `syncToOlap`). */
const VERIFY_ROUNDS = 3;

const key = (channelId: string, idType: string, userId: string) => `${channelId}\u0000${idType}\u0000${userId}`;

/**
 * The identity step of one load batch of one tenant, run inside the batch's OLTP transaction. It
 * resolves each message's channel account in message order (ARCHITECTURE §5.8, the rows the
 * pipeline reaches now: a known externalId updates its contact; an anonymous cookie account
 * identified by an externalId becomes that contact; else a new account and contact), applies
 * identifies, and aggregates first seen / last active; `finish` writes the outbox rows.
 */
export class IdentityBatch {
  private readonly accounts = new Map<string, ChannelAccountRow>();
  /**
   * Accounts the preload looked up and did not find: not asked for again one by one. One created
   * by this batch is in `accounts`; one created concurrently by another writer makes this batch's
   * insert fail on the unique key (IdentityConflictError: the batch is retried and finds it).
   */
  private readonly absent = new Set<string>();
  private readonly contactRows = new Map<string, ContactRow>();
  private readonly changed = new Set<string>();
  private readonly activity = new Map<string, { first: number; last: number | null }>();

  constructor(
    private readonly repo: ContactsRepo,
    readonly tenantId: string,
    private readonly now: number,
  ) {}

  /** Loads every account the batch names, in one query per channel and id type. */
  async preload(identities: readonly MessageIdentity[]): Promise<void> {
    const wanted = new Map<string, { channelId: string; idType: string; userIds: string[] }>();
    const add = (channelId: string, idType: string, userId: string | null | undefined) => {
      if (!userId) return;
      const group = `${channelId}\u0000${idType}`;
      let entry = wanted.get(group);
      if (!entry) wanted.set(group, (entry = { channelId, idType, userIds: [] }));
      entry.userIds.push(userId);
    };
    for (const identity of identities) {
      add(identity.channelId, EXTERNAL_ID, identity.userId);
      add(identity.channelId, ANONYMOUS_ID, identity.anonymousId);
    }
    for (const { channelId, idType, userIds } of wanted.values()) {
      for (const row of await this.repo.accounts(this.tenantId, channelId, idType, userIds))
        this.accounts.set(key(String(row.channel_id), row.id_type, row.user_id), row);
      for (const userId of userIds) {
        const k = key(channelId, idType, userId);
        if (!this.accounts.has(k)) this.absent.add(k);
      }
    }
  }

  private async account(channelId: string, idType: string, userId: string): Promise<ChannelAccountRow | undefined> {
    const k = key(channelId, idType, userId);
    if (!this.accounts.has(k) && !this.absent.has(k)) {
      const [row] = await this.repo.accounts(this.tenantId, channelId, idType, [userId]);
      if (row) this.accounts.set(k, row);
    }
    return this.accounts.get(k);
  }

  private async createAccount(
    channelId: string,
    idType: string,
    userId: string,
    contactId: string,
    at: number,
  ): Promise<ChannelAccountRow> {
    const row = {
      channel_id: channelId,
      id_type: idType,
      user_id: userId,
      contact_id: contactId,
      first_seen_at: at,
      created_at: this.now,
      updated_at: this.now,
    };
    let id: string;
    try {
      id = await this.repo.insertAccount(this.tenantId, row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new IdentityConflictError();
      throw error;
    }
    const created: ChannelAccountRow = { ...row, id, tenant_id: this.tenantId };
    this.accounts.set(key(channelId, idType, userId), created);
    return created;
  }

  private async createContact(at: number): Promise<string> {
    const id = await this.repo.insertContact(this.tenantId, {
      identified: false,
      first_seen_at: at,
      updated_at: this.now,
      inserted_at: this.now,
    });
    this.changed.add(id);
    return id;
  }

  private async contact(contactId: string): Promise<ContactRow> {
    let row = this.contactRows.get(contactId);
    if (!row) {
      row = await this.repo.contact(this.tenantId, contactId);
      if (!row) throw new Error(`contact ${contactId} of tenant ${this.tenantId} is missing`);
      this.contactRows.set(contactId, row);
    }
    return row;
  }

  /** Whether the contact already has an externalId in this channel (then a new externalId is someone else). */
  private async hasExternalId(contactId: string, channelId: string): Promise<boolean> {
    for (const row of this.accounts.values())
      if (String(row.contact_id) === contactId && String(row.channel_id) === channelId && row.id_type === EXTERNAL_ID)
        return true;
    const rows = await this.repo.accountsOfContact(this.tenantId, contactId);
    return rows.some((row) => String(row.channel_id) === channelId && row.id_type === EXTERNAL_ID);
  }

  /** The message's channel account and contact, created when unknown. `at` is the message's time. */
  async resolve(identity: MessageIdentity, at: number): Promise<ResolvedAccount> {
    const { channelId } = identity;
    const userId = identity.userId || undefined;
    const anonymousId = identity.anonymousId || undefined;
    if (!userId && !anonymousId) throw new Error('a message needs a userId or an anonymousId');
    const external = userId ? await this.account(channelId, EXTERNAL_ID, userId) : undefined;
    const anonymous = anonymousId ? await this.account(channelId, ANONYMOUS_ID, anonymousId) : undefined;

    if (external) {
      const contactId = String(external.contact_id);
      // The cookie now known to belong to this person. A cookie already bound to another contact is
      // a merge or a merge candidate — the identity step of the merges issue decides; not here.
      if (anonymousId && !anonymous) await this.createAccount(channelId, ANONYMOUS_ID, anonymousId, contactId, at);
      this.touch(contactId, at);
      return { contactId, accountId: String(external.id) };
    }
    if (userId) {
      let contactId: string;
      if (anonymous && !(await this.hasExternalId(String(anonymous.contact_id), channelId))) {
        // The anonymous (cookie) account identified by an externalId becomes that contact.
        contactId = String(anonymous.contact_id);
      } else {
        contactId = await this.createContact(at);
        if (anonymousId && !anonymous) await this.createAccount(channelId, ANONYMOUS_ID, anonymousId, contactId, at);
      }
      const account = await this.createAccount(channelId, EXTERNAL_ID, userId, contactId, at);
      this.touch(contactId, at);
      return { contactId, accountId: String(account.id) };
    }
    if (anonymous) {
      this.touch(anonymous.contact_id, at);
      return { contactId: String(anonymous.contact_id), accountId: String(anonymous.id) };
    }
    const contactId = await this.createContact(at);
    const account = await this.createAccount(channelId, ANONYMOUS_ID, anonymousId!, contactId, at);
    this.touch(contactId, at);
    return { contactId, accountId: String(account.id) };
  }

  private touch(contactId: string | number, at: number): void {
    const id = String(contactId);
    const seen = this.activity.get(id);
    if (!seen) this.activity.set(id, { first: at, last: null });
    else if (at < seen.first) seen.first = at;
  }

  /** An inbound event of the contact at `at` (≤ its receipt): last active (ARCHITECTURE §5.5). */
  active(contactId: string, at: number): void {
    this.touch(contactId, at);
    const seen = this.activity.get(contactId)!;
    if (seen.last === null || at > seen.last) seen.last = at;
  }

  /**
   * Applies an identify's values. The contact is identified once name, mobile or email has a value;
   * at that moment its created time (`at`) and created utm are recorded (§1.4.10.5). The updated
   * time moves only when a value changed (§1.4.2).
   */
  async identify(contactId: string, patch: ContactPatch, at: number): Promise<void> {
    const row = await this.contact(contactId);
    const change = contactChange(row, patch, at);
    if (!change) return;
    change.updated_at = this.now;
    await this.repo.updateContact(this.tenantId, contactId, change);
    this.contactRows.set(contactId, { ...row, ...change });
    this.changed.add(contactId);
  }

  /** Writes first seen / last active and the outbox rows of every changed contact; returns their ids. */
  async finish(): Promise<string[]> {
    const ids = [...this.activity.keys()];
    const missing = ids.filter((id) => !this.contactRows.has(id));
    for (const row of await this.repo.contacts(this.tenantId, missing)) this.contactRows.set(String(row.id), row);
    const updates: { id: string; first_seen_at?: number; last_active_at?: number }[] = [];
    for (const [id, seen] of this.activity) {
      const row = this.contactRows.get(id);
      if (!row) continue;
      const change: Partial<ContactRow> = {};
      const first = row.first_seen_at === null ? null : Number(row.first_seen_at);
      const last = row.last_active_at === null ? null : Number(row.last_active_at);
      if (first === null || seen.first < first) change.first_seen_at = seen.first;
      if (seen.last !== null && (last === null || seen.last > last)) change.last_active_at = seen.last;
      if (Object.keys(change).length === 0) continue;
      updates.push({ id, ...(change as { first_seen_at?: number; last_active_at?: number }) });
      this.contactRows.set(id, { ...row, ...change });
      this.changed.add(id);
    }
    await this.repo.updateActivity(this.tenantId, updates);
    const changed = [...this.changed];
    if (changed.length > 0) await this.repo.insertChanges(this.tenantId, changed, this.now);
    return changed;
  }
}

/**
 * The contacts master (OLTP) and its way into OLAP: the identity step the ingestion pipeline calls,
 * and the contact-change outbox drained into the analytics store (ARCHITECTURE §5.6).
 */
export class ContactsService {
  constructor(
    private readonly repo: ContactsRepo,
    private readonly olap: AnalyticsEngine,
    private readonly logger?: Logger,
  ) {}

  /** The identity step of one batch (call inside the batch's transaction). */
  async identityBatch(tenantId: string, identities: readonly MessageIdentity[], now: number): Promise<IdentityBatch> {
    const batch = new IdentityBatch(this.repo, tenantId, now);
    await batch.preload(identities);
    return batch;
  }

  contact(tenantId: string, contactId: string): Promise<ContactRow | undefined> {
    return this.repo.contact(tenantId, contactId);
  }

  accountsOf(tenantId: string, contactId: string): Promise<ChannelAccountRow[]> {
    return this.repo.accountsOfContact(tenantId, contactId);
  }

  /** The contact of a channel account, e.g. an externalId of a channel. */
  async contactOfAccount(tenantId: string, channelId: string, idType: string, userId: string): Promise<string | undefined> {
    const [row] = await this.repo.accounts(tenantId, channelId, idType, [userId]);
    return row ? String(row.contact_id) : undefined;
  }

  /**
   * Sends the changed contacts of a tenant to OLAP as whole rows (upserts, so sending one twice is
   * harmless), then deletes those outbox rows. Returns how many outbox rows were drained.
   */
  async syncToOlap(tenantId: string, limit = 2000): Promise<number> {
    const changes = await this.repo.changes(tenantId, limit);
    if (changes.length === 0) return 0;
    const ids = [...new Set(changes.map((c) => String(c.contact_id)))];
    // A fresh ledger key each time: the rows are read now, so a repeat after a crash must load them
    // again (an upsert), never be skipped as "already loaded" with older values.
    let loaded = (await this.repo.contacts(tenantId, ids)).map(toOlapContact);
    await this.olap.forTenant(tenantId).load({ batchId: `contacts-${randomUUID()}`, contacts: loaded });
    // Another drainer (a second process) may have loaded newer rows of these contacts while ours was
    // in flight and then deleted their outbox rows: ours, older, would win for good. Read again after
    // loading and send whatever changed meanwhile; the last loader always ends on the current rows.
    for (let round = 0; round < VERIFY_ROUNDS; round += 1) {
      const sent = new Map(loaded.map((row) => [String(row.id), JSON.stringify(row)]));
      const current = (await this.repo.contacts(tenantId, ids)).map(toOlapContact);
      loaded = current.filter((row) => sent.get(String(row.id)) !== JSON.stringify(row));
      if (loaded.length === 0) break;
      await this.olap.forTenant(tenantId).load({ batchId: `contacts-${randomUUID()}`, contacts: loaded });
    }
    await this.repo.deleteChanges(
      tenantId,
      changes.map((c) => c.seq),
    );
    this.logger?.debug({ tenantId, contacts: ids.length }, 'contacts synced to OLAP');
    return changes.length;
  }

  /** Drains the outbox of every tenant with changes (the contact sync loop). */
  async syncAll(): Promise<number> {
    let total = 0;
    for (const tenantId of await this.repo.tenantsWithChanges()) {
      let drained: number;
      do {
        drained = await this.syncToOlap(tenantId);
        total += drained;
      } while (drained > 0);
    }
    return total;
  }
}
