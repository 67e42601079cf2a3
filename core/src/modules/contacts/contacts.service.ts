import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { createServiceRef } from '../../kernel/extension-point.js';
import type { AnalyticsEngine } from '../../store/olap/analytics-engine.js';
import { isDeadlock, isUniqueViolation } from '../../store/oltp/oltp-store.js';
import { ConflictError, InputError, NotFoundError } from '../../server/errors.js';
import { contactChange, isIdentified } from './contact-patch.js';
import type { ContactsRepo } from './contacts.repo.js';
import {
  ANONYMOUS_ID,
  contactTraitFields,
  ERASED_CONTACT_NAME,
  EXTERNAL_ID,
  toOlapContact,
  utmKeys,
  WECHAT_OPEN_ID,
  WECHAT_UNION_ID,
  type CandidateReason,
  type CandidateStatus,
  type ChannelAccountRow,
  type ContactMergeRow,
  type MergeCandidateRow,
  type ContactPatch,
  type ContactRow,
  type ErasedAccount,
  type MergeEvidence,
  type MergeRule,
  type WeChatInfo,
} from './contacts.types.js';
import { BLOCKED_VALUE_LENGTH, BLOCKED_VALUES_MAX, BlockedValues, DEFAULT_BLOCKED_VALUES } from './identity-rules.js';
import {
  MergeContactMissingError,
  chooseSurvivor,
  mergeContacts,
  proposeCandidate,
  type MergeHook,
  type MergeOptions,
  type MergeResult,
} from './merges.js';

export const contactsServiceRef = createServiceRef<ContactsService>({ id: 'contacts.contacts' });

/** Who sent a message, as the pipeline knows it: the channel and the ids the client gave. */
export interface MessageIdentity {
  channelId: string;
  /** The externalId (Segment's `userId`). */
  userId?: string | null;
  /** The cookie / device id (Segment's `anonymousId`). */
  anonymousId?: string | null;
}

/** A user id of a given type in a channel (a connector's: `youzan.fansId`, `wechat.openId`…). */
export interface AccountIdentity {
  channelId: string;
  idType: string;
  userId: string;
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

/** Attempts of a write that lost a race (a concurrent account, a merge, a deadlock) before it gives up. */
const CONFLICT_ATTEMPTS = 8;

/** A short random wait before retrying a write that lost a race: the writers spread out instead of colliding again. */
export function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
}

/** Re-reads after an outbox load (see `syncToOlap`). */
const VERIFY_ROUNDS = 3;

const key = (channelId: string, idType: string, userId: string) => `${channelId}\u0000${idType}\u0000${userId}`;

/** How the identity step finds an official account's channel by its AppID (the channels service). */
export type WeChatChannelLookup = (tenantId: string, appId: string) => Promise<string | undefined>;

/** weChatInfo named an AppID that no official account of the tenant has (seed §2.1.1.1). */
export class WeChatAccountNotBoundError extends Error {
  constructor() {
    super('weChatInfo names an official account that is not bound');
    this.name = 'WeChatAccountNotBoundError';
  }
}

/**
 * The identity step of one load batch of one tenant, run inside the batch's OLTP transaction. It
 * resolves each message's channel account in message order and applies the merge table of
 * ARCHITECTURE §5.8: a known externalId updates its contact; an anonymous account identified
 * becomes (or merges into) the identified contact; an anonymous id already bound to another
 * *identified* contact makes a merge candidate, never a merge; weChatInfo links the official
 * account's fan; one unionId on two contacts merges them; blocked values never match. It applies
 * identifies and aggregates first seen / last active; `finish` writes the outbox rows.
 *
 * On MySQL/MariaDB every contact the batch writes is read with a lock (the latest committed row, not
 * the transaction's snapshot): a contact merged away by a concurrent batch is noticed
 * (IdentityConflictError, the batch is retried) instead of being written to after its deletion.
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
  /** Contacts this batch created or locked: current rows, safe to write to. */
  private readonly locked = new Set<string>();
  private readonly changed = new Set<string>();
  private readonly activity = new Map<string, { first: number; last: number | null }>();
  /** Whether a contact counts as identified for the merge table (cached per batch). */
  private readonly identifiedContacts = new Map<string, boolean>();
  private blocked = new BlockedValues(DEFAULT_BLOCKED_VALUES);
  /** Merges and candidates made by this batch (tests, logs). */
  readonly merges: MergeResult[] = [];
  readonly candidates: string[] = [];

  constructor(
    private readonly repo: ContactsRepo,
    readonly tenantId: string,
    private readonly now: number,
    private readonly hooks: readonly MergeHook[] = [],
    private readonly weChatChannel: WeChatChannelLookup = () => Promise.resolve(undefined),
  ) {}

  /**
   * Loads the tenant's blocked values and every account the batch names, in one query per channel and
   * id type: the messages' externalIds and anonymousIds, and `accounts` of other id types (a plugin's).
   */
  async preload(identities: readonly MessageIdentity[], accounts: readonly AccountIdentity[] = []): Promise<void> {
    this.blocked = new BlockedValues((await this.repo.blockedValues(this.tenantId)) ?? DEFAULT_BLOCKED_VALUES);
    const wanted = new Map<string, { channelId: string; idType: string; userIds: string[] }>();
    const add = (channelId: string, idType: string, given: string | null | undefined) => {
      const userId = this.blocked.usable(given);
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
    for (const account of accounts) add(account.channelId, account.idType, account.userId);
    for (const { channelId, idType, userIds } of wanted.values()) {
      for (const row of await this.repo.accounts(this.tenantId, channelId, idType, userIds))
        this.accounts.set(key(String(row.channel_id), row.id_type, row.user_id), row);
      for (const userId of userIds) {
        const k = key(channelId, idType, userId);
        if (!this.accounts.has(k)) this.absent.add(k);
      }
    }
  }

  /** A value the tenant's blocked list does not exclude (undefined when blocked or empty). */
  usable(value: string | null | undefined): string | undefined {
    return this.blocked.usable(value);
  }

  private async findAccount(channelId: string, idType: string, userId: string): Promise<ChannelAccountRow | undefined> {
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
    // The contact may have been merged away by a concurrent batch since this one read it.
    await this.lock(contactId);
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
    if (idType !== ANONYMOUS_ID) this.identifiedContacts.set(contactId, true);
    return created;
  }

  private async createContact(at: number): Promise<string> {
    const row = { identified: false, first_seen_at: at, updated_at: this.now, inserted_at: this.now };
    const id = await this.repo.insertContact(this.tenantId, row);
    this.locked.add(id);
    this.contactRows.set(id, { ...emptyContact(id, this.tenantId), ...row });
    this.identifiedContacts.set(id, false);
    this.changed.add(id);
    return id;
  }

  /** Locks the contacts' current rows (once per batch); a missing one means a concurrent merge: retry. */
  private async lock(...ids: string[]): Promise<void> {
    const wanted = ids.filter((id) => !this.locked.has(id));
    if (wanted.length === 0) return;
    const rows = await this.repo.lockContacts(this.tenantId, wanted);
    if (rows.length !== new Set(wanted).size) throw new IdentityConflictError();
    for (const row of rows) {
      this.locked.add(String(row.id));
      this.contactRows.set(String(row.id), row);
    }
  }

  private async contact(contactId: string): Promise<ContactRow> {
    await this.lock(contactId);
    return this.contactRows.get(contactId)!;
  }

  /**
   * Whether a contact is someone known, for the merge table: identified by its values, or holding
   * an id other than an anonymous one (an externalId, an openId…). An anonymous id of such a
   * contact seen with another person's id is a merge candidate, never a merge.
   */
  private async isKnownPerson(contactId: string): Promise<boolean> {
    let known = this.identifiedContacts.get(contactId);
    if (known === undefined) {
      const row = await this.contact(contactId);
      known =
        Boolean(row.identified) ||
        (await this.repo.accountsOfContact(this.tenantId, contactId)).some((account) => account.id_type !== ANONYMOUS_ID);
      this.identifiedContacts.set(contactId, known);
    }
    return known;
  }

  /**
   * Merges two contacts within the batch (ARCHITECTURE §5.7) and keeps the batch's view of accounts,
   * rows and activity on the survivor. Returns the survivor's id.
   */
  async merge(a: string, b: string, options: MergeOptions): Promise<string> {
    if (a === b) return a;
    await this.lock(a, b);
    const result = await mergeContacts(this.repo, this.hooks, this.tenantId, [a, b], options, this.now);
    if (!result) return a;
    const { survivorId, mergedId } = result;
    this.merges.push(result);
    for (const account of this.accounts.values()) if (String(account.contact_id) === mergedId) account.contact_id = survivorId;
    this.contactRows.delete(mergedId);
    this.locked.delete(mergedId);
    this.contactRows.set(survivorId, result.survivor);
    // Known when either was; unknown when either was never looked at (read again when asked):
    // caching "not known" for a survivor nobody checked would let a later message of the batch
    // merge a known person silently.
    const [survivorKnown, mergedKnown] = [this.identifiedContacts.get(survivorId), this.identifiedContacts.get(mergedId)];
    if (survivorKnown === true || mergedKnown === true) this.identifiedContacts.set(survivorId, true);
    else if (survivorKnown === false && mergedKnown === false) this.identifiedContacts.set(survivorId, false);
    else this.identifiedContacts.delete(survivorId);
    this.identifiedContacts.delete(mergedId);
    // The merge wrote the outbox rows of both; activity of the merged contact counts for the survivor.
    this.changed.delete(mergedId);
    const seen = this.activity.get(mergedId);
    if (seen) {
      this.activity.delete(mergedId);
      this.touch(survivorId, seen.first);
      if (seen.last !== null) this.active(survivorId, seen.last);
    }
    return survivorId;
  }

  /** Records a merge candidate for operators (once per pair; a dismissed pair stays dismissed). */
  private async propose(a: string, b: string, reason: CandidateReason, evidence: MergeEvidence): Promise<void> {
    const { id, created } = await proposeCandidate(this.repo, this.tenantId, [a, b], reason, evidence, this.now);
    if (created) this.candidates.push(id);
  }

  /**
   * The message's channel account and contact, created when unknown; undefined when every id it
   * carries is blocked. `at` is the message's time. `adopt`: an existing contact new accounts join
   * instead of a new contact being made (the fan a weChatInfo names).
   */
  async resolve(identity: MessageIdentity, at: number, adopt?: string): Promise<ResolvedAccount | undefined> {
    const { channelId } = identity;
    const userId = this.blocked.usable(identity.userId);
    const anonymousId = this.blocked.usable(identity.anonymousId);
    if (!userId && !anonymousId) return undefined;
    const external = userId ? await this.findAccount(channelId, EXTERNAL_ID, userId) : undefined;
    const anonymous = anonymousId ? await this.findAccount(channelId, ANONYMOUS_ID, anonymousId) : undefined;
    const evidence = { channelId, idType: ANONYMOUS_ID, userId: anonymousId };

    if (external) {
      let contactId = String(external.contact_id);
      if (anonymousId && !anonymous) await this.createAccount(channelId, ANONYMOUS_ID, anonymousId, contactId, at);
      else if (anonymous && String(anonymous.contact_id) !== contactId) {
        const other = String(anonymous.contact_id);
        // The cookie's earlier visits were this person's — unless the cookie belongs to someone known.
        if (await this.isKnownPerson(other)) await this.propose(contactId, other, 'shared_anonymous_id', evidence);
        else contactId = await this.merge(contactId, other, { rule: 'anonymous_identified', evidence });
      }
      this.touch(contactId, at);
      return { contactId, accountId: String(external.id) };
    }
    if (userId) {
      let contactId: string;
      if (anonymous && !(await this.isKnownPerson(String(anonymous.contact_id)))) {
        // The anonymous (cookie) account identified by an externalId becomes that contact…
        contactId = String(anonymous.contact_id);
        if (adopt && adopt !== contactId) contactId = await this.merge(contactId, adopt, { rule: 'wechat_info', evidence });
      } else {
        contactId = adopt ?? (await this.createContact(at));
        if (anonymousId && !anonymous) await this.createAccount(channelId, ANONYMOUS_ID, anonymousId, contactId, at);
        // …unless it is a known person's cookie: a new person, and a candidate for operators.
        else if (anonymous && String(anonymous.contact_id) !== contactId)
          await this.propose(contactId, String(anonymous.contact_id), 'shared_anonymous_id', evidence);
      }
      const account = await this.createAccount(channelId, EXTERNAL_ID, userId, contactId, at);
      this.touch(contactId, at);
      return { contactId, accountId: String(account.id) };
    }
    if (anonymous) {
      this.touch(anonymous.contact_id, at);
      return { contactId: String(anonymous.contact_id), accountId: String(anonymous.id) };
    }
    const contactId = adopt ?? (await this.createContact(at));
    const account = await this.createAccount(channelId, ANONYMOUS_ID, anonymousId!, contactId, at);
    this.touch(contactId, at);
    return { contactId, accountId: String(account.id) };
  }

  /**
   * A Segment `alias` (docs/decisions/0026): `previousId` (an anonymousId or an earlier userId of
   * this channel) and the message's `userId` are one person. The userId's account is found or
   * created as for a track; then each account `previousId` names in the channel (as an anonymousId,
   * as an externalId) is looked at: an anonymous contact (not a known person) merges into the
   * userId's contact, exactly as an identify with both ids would (`anonymous_identified`); a known
   * person's contact (identified, or holding a non-anonymous id) becomes a merge candidate
   * (`segment_alias`), never a merge. An unknown or blocked previousId changes nothing else.
   * Segment's server-side rename: a userId with no account yet in the channel whose previousId is
   * an earlier userId (externalId) of a contact gets its account on that contact — no new contact,
   * no candidate: the person changed login id, nobody else was named.
   * Undefined when every id of the message is blocked.
   */
  async alias(identity: MessageIdentity, previousId: string, at: number): Promise<ResolvedAccount | undefined> {
    const previous = this.blocked.usable(previousId);
    const userId = this.blocked.usable(identity.userId);
    if (previous && userId && previous !== userId && !(await this.findAccount(identity.channelId, EXTERNAL_ID, userId))) {
      const earlier = await this.findAccount(identity.channelId, EXTERNAL_ID, previous);
      // The new id joins the earlier one's contact; resolve then finds it there (and treats the
      // message's anonymousId, if any, as an identify of that person would).
      if (earlier) await this.createAccount(identity.channelId, EXTERNAL_ID, userId, String(earlier.contact_id), at);
    }
    let ids = identity;
    if (previous && !this.blocked.usable(identity.anonymousId)) {
      // An anonymous previousId is the identify-with-both-ids case itself: the cookie's contact
      // becomes (or merges into) the userId's.
      const anonymous = await this.findAccount(identity.channelId, ANONYMOUS_ID, previous);
      if (anonymous && !(await this.isKnownPerson(String(anonymous.contact_id)))) ids = { ...identity, anonymousId: previous };
    }
    const resolved = await this.resolve(ids, at);
    if (!resolved) return undefined;
    if (!previous) return resolved;
    let { contactId } = resolved;
    for (const idType of [ANONYMOUS_ID, EXTERNAL_ID]) {
      // Read after each merge: a merge moves the batch's accounts to the survivor.
      const account = await this.findAccount(identity.channelId, idType, previous);
      if (!account || String(account.contact_id) === contactId) continue;
      const other = String(account.contact_id);
      const evidence = { channelId: identity.channelId, idType, userId: previous };
      if (await this.isKnownPerson(other)) await this.propose(contactId, other, 'segment_alias', evidence);
      else contactId = await this.merge(contactId, other, { rule: 'anonymous_identified', evidence });
    }
    return { contactId, accountId: resolved.accountId };
  }

  /**
   * The contact of a connector's channel account (a fan of an official account synced by the WeChat
   * connector), created with a new contact when unknown. A unionId links across channels.
   */
  async account(channelId: string, idType: string, userId: string, at: number, adopt?: string): Promise<ResolvedAccount> {
    const existing = await this.findAccount(channelId, idType, userId);
    if (existing) {
      this.touch(existing.contact_id, at);
      return { contactId: String(existing.contact_id), accountId: String(existing.id) };
    }
    // `adopt`: the contact a new account joins instead of a new one (the fan a weChatInfo names).
    const contactId = adopt ?? (await this.createContact(at));
    const account = await this.createAccount(channelId, idType, userId, contactId, at);
    this.touch(contactId, at);
    return { contactId, accountId: String(account.id) };
  }

  /** The official account channel of a weChatInfo's AppID (throws WeChatAccountNotBoundError). */
  async weChatChannelOf(appId: string): Promise<string> {
    const channelId = await this.weChatChannel(this.tenantId, appId);
    if (!channelId) throw new WeChatAccountNotBoundError();
    return channelId;
  }

  /** The contact a weChatInfo names already (its openId's fan, else its unionId's), if any. */
  async weChatContact(channelId: string, info: WeChatInfo): Promise<string | undefined> {
    const openId = this.blocked.usable(info.openId);
    if (openId) {
      const fan = await this.findAccount(channelId, WECHAT_OPEN_ID, openId);
      if (fan) return String(fan.contact_id);
    }
    const unionId = this.blocked.usable(info.unionId);
    if (unionId) {
      const [first] = await this.repo.accountsById(this.tenantId, WECHAT_UNION_ID, unionId);
      if (first) return String(first.contact_id);
    }
    return undefined;
  }

  /**
   * Merges `contactId` with every contact of `others` (each with its rule and evidence) as one merge
   * of many (§5.7): the most recently updated of them all survives and the gaps are filled from the
   * others newest first — pairwise merges in that order (each merge makes the survivor the newest).
   */
  private async mergeAll(contactId: string, others: Map<string, MergeOptions>): Promise<string> {
    others.delete(contactId);
    if (others.size === 0) return contactId;
    await this.lock(contactId, ...others.keys());
    const ordered = [contactId, ...others.keys()]
      .map((id) => this.contactRows.get(id)!)
      .sort((a, b) => (chooseSurvivor(a, b)[0] === a ? -1 : 1));
    const newest = String(ordered[0]!.id);
    let survivor = newest;
    for (const row of ordered.slice(1)) {
      const id = String(row.id);
      // The identify's own contact merged into a newer one: that one's rule says why.
      survivor = await this.merge(survivor, id, others.get(id) ?? others.get(newest)!);
    }
    return survivor;
  }

  /**
   * Links a weChatInfo to the contact (seed §2.1.1.1): the fan's contact and the contact become one
   * (`wechat_info`), every contact holding the unionId too (`wechat_union_id`) — one merge of many,
   * gaps filled newest first; the openId and unionId accounts are created in the official account's
   * channel when missing. Returns the survivor.
   */
  async linkWeChat(contactId: string, channelId: string, info: WeChatInfo, at: number): Promise<string> {
    const openId = this.blocked.usable(info.openId);
    const unionId = this.blocked.usable(info.unionId);
    const others = new Map<string, MergeOptions>();
    const fan = openId ? await this.findAccount(channelId, WECHAT_OPEN_ID, openId) : undefined;
    if (fan)
      others.set(String(fan.contact_id), {
        rule: 'wechat_info',
        evidence: { channelId, idType: WECHAT_OPEN_ID, userId: openId, appId: info.appId },
      });
    const holders = unionId ? await this.unionIdHolders(unionId, others) : [];
    const survivor = await this.mergeAll(contactId, others);
    if (openId && !fan) await this.createAccount(channelId, WECHAT_OPEN_ID, openId, survivor, at);
    if (unionId) await this.ensureUnionIdAccount(channelId, unionId, holders, survivor, at);
    return survivor;
  }

  /**
   * A unionId is one person across the official accounts (and mini-programs) of an open platform:
   * every contact holding it in any channel merges with this one (`wechat_union_id`), and the
   * channel gets its unionId account when missing.
   */
  async linkUnionId(contactId: string, channelId: string, unionId: string, at: number): Promise<string> {
    const others = new Map<string, MergeOptions>();
    const holders = await this.unionIdHolders(unionId, others);
    const survivor = await this.mergeAll(contactId, others);
    await this.ensureUnionIdAccount(channelId, unionId, holders, survivor, at);
    return survivor;
  }

  /** The unionId's accounts in every channel (locked on MySQL); their contacts join `others`. */
  private async unionIdHolders(unionId: string, others: Map<string, MergeOptions>): Promise<ChannelAccountRow[]> {
    const holders = await this.repo.accountsById(this.tenantId, WECHAT_UNION_ID, unionId);
    for (const holder of holders)
      if (!others.has(String(holder.contact_id)))
        others.set(String(holder.contact_id), {
          rule: 'wechat_union_id',
          evidence: { channelId: String(holder.channel_id), idType: WECHAT_UNION_ID, userId: unionId },
        });
    return holders;
  }

  private async ensureUnionIdAccount(
    channelId: string,
    unionId: string,
    holders: readonly ChannelAccountRow[],
    survivor: string,
    at: number,
  ): Promise<void> {
    if (holders.some((holder) => String(holder.channel_id) === channelId)) return;
    if (await this.findAccount(channelId, WECHAT_UNION_ID, unionId)) return;
    await this.createAccount(channelId, WECHAT_UNION_ID, unionId, survivor, at);
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
    if (change.identified) this.identifiedContacts.set(contactId, true);
    this.changed.add(contactId);
  }

  /** Writes first seen / last active and the outbox rows of every changed contact; returns their ids. */
  async finish(): Promise<string[]> {
    const ids = [...this.activity.keys()];
    // Current rows (locked on MySQL): a contact merged away meanwhile by another batch → retry.
    await this.lock(...ids);
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
    return [...new Set([...changed, ...this.merges.map((m) => m.survivorId)])];
  }
}

function toMerge(row: ContactMergeRow): ContactMerge {
  return {
    id: String(row.id),
    survivorId: String(row.survivor_id),
    mergedId: String(row.merged_id),
    rule: row.rule,
    actorStaffId: row.actor_staff_id === null ? null : String(row.actor_staff_id),
    candidateId: row.candidate_id === null ? null : String(row.candidate_id),
    evidence: row.evidence ? (JSON.parse(row.evidence) as MergeEvidence) : null,
    before: JSON.parse(row.before) as ContactMerge['before'],
    mergedAt: Number(row.merged_at),
  };
}

/** A contact row with nothing but its id (a contact this batch created; the rest is filled in). */
function emptyContact(id: string, tenantId: string): ContactRow {
  const row: Record<string, unknown> = { id, tenant_id: tenantId, attributes: null };
  for (const field of contactTraitFields) row[field.column] = null;
  for (const utm of utmKeys) row[`utm_${utm}`] = null;
  Object.assign(row, { first_seen_at: null, last_active_at: null, created_at: null });
  return row as unknown as ContactRow;
}

/** A contact as merge candidates and history show it (who: values and accounts). */
export interface ContactSummary {
  id: string;
  /** False when the contact no longer exists (deleted); a merged-away id shows its survivor. */
  exists: boolean;
  identified: boolean;
  name: string | null;
  mobile: string | null;
  email: string | null;
  nickname: string | null;
  updatedAt: number | null;
  accounts: { id: string; channelId: string; idType: string; userId: string }[];
}

export interface MergeCandidate {
  id: string;
  reason: CandidateReason;
  evidence: MergeEvidence;
  status: CandidateStatus;
  /** The two contacts as they are now (a merged-away id is followed to its survivor). */
  contacts: [ContactSummary, ContactSummary];
  /** The pair became one contact meanwhile (another merge): nothing left to decide. */
  sameContact: boolean;
  createdAt: number;
  decidedAt: number | null;
  decidedBy: string | null;
}

export interface ContactMerge {
  id: string;
  survivorId: string;
  mergedId: string;
  rule: string;
  /** The staff member who merged by hand; null for automatic merges. */
  actorStaffId: string | null;
  candidateId: string | null;
  evidence: MergeEvidence | null;
  /** Both contacts' values before the merge and the accounts that moved. */
  before: { survivor: Record<string, unknown>; merged: Record<string, unknown>; movedAccountIds: string[] };
  mergedAt: number;
}

export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * The contacts master (OLTP) and its way into OLAP: the identity step the ingestion pipeline calls,
 * merges (automatic and by operators) with their history and candidates, the identity settings, and
 * the contact-change outbox drained into the analytics store (ARCHITECTURE §5.6–§5.8).
 */
export class ContactsService {
  private readonly mergeHooks: MergeHook[] = [];

  constructor(
    private readonly repo: ContactsRepo,
    private readonly olap: AnalyticsEngine,
    private readonly logger?: Logger,
    private readonly weChatChannel?: WeChatChannelLookup,
    private readonly mobileLimit?: (tenantId: string) => Promise<number>,
  ) {}

  /**
   * The longest mobile the tenant's contacts take (the masking module's setting): a plain number's
   * 64 characters, or an RSA ciphertext's 1,024 while encrypted mobiles are on (§1.11.4.7.6).
   */
  async mobileMax(tenantId: string): Promise<number | undefined> {
    return this.mobileLimit?.(tenantId);
  }

  /**
   * Told of every merge inside its transaction — the groups module unions the merged contact's
   * static group memberships into the survivor's (§5.7). A hook that throws undoes the merge.
   */
  onMerge(hook: MergeHook): void {
    this.mergeHooks.push(hook);
  }

  /** The identity step of one batch (call inside the batch's transaction); `accounts`: ids of other types it names. */
  async identityBatch(
    tenantId: string,
    identities: readonly MessageIdentity[],
    now: number,
    accounts: readonly AccountIdentity[] = [],
  ): Promise<IdentityBatch> {
    const batch = new IdentityBatch(this.repo, tenantId, now, this.mergeHooks, this.weChatChannel);
    await batch.preload(identities, accounts);
    return batch;
  }

  /**
   * Records a connector's channel account (the WeChat connector's fan sync; the plugin write path
   * builds on it): found or created with its contact; a unionId merges every contact holding it
   * (§5.8 "same unionId seen from two channels"). Returns the contact's id.
   */
  async recordAccount(
    tenantId: string,
    input: { channelId: string; idType: string; userId: string; unionId?: string },
    at = Date.now(),
  ): Promise<string> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.repo.transaction(async () => {
          const batch = await this.identityBatch(tenantId, [], Date.now());
          let { contactId } = await batch.account(input.channelId, input.idType, input.userId, at);
          const unionId = batch.usable(input.unionId);
          if (unionId) contactId = await batch.linkUnionId(contactId, input.channelId, unionId, at);
          await batch.finish();
          return contactId;
        });
      } catch (error) {
        // Another writer created the account or merged the contact meanwhile (or MySQL chose this
        // transaction as a deadlock victim): again, finding it.
        if (!(error instanceof IdentityConflictError || isDeadlock(error)) || attempt >= CONFLICT_ATTEMPTS) throw error;
        await backoff(attempt);
      }
    }
  }

  /** The current id of a contact: itself, or the final survivor it was merged into. */
  async currentId(tenantId: string, contactId: string): Promise<string> {
    return (await this.repo.survivors(tenantId, [contactId])).get(contactId) ?? contactId;
  }

  // ---- merges -------------------------------------------------------------------------------------

  private async summaries(tenantId: string, ids: readonly string[]): Promise<Map<string, ContactSummary>> {
    const rows = new Map((await this.repo.contacts(tenantId, ids)).map((row) => [String(row.id), row]));
    const accounts = await this.repo.accountsOfContacts(tenantId, [...rows.keys()]);
    const out = new Map<string, ContactSummary>();
    for (const id of ids) {
      const row = rows.get(id);
      out.set(id, {
        id,
        exists: Boolean(row),
        identified: Boolean(row?.identified),
        name: row?.name ?? null,
        mobile: row?.mobile ?? null,
        email: row?.email ?? null,
        nickname: row?.nickname ?? null,
        updatedAt: row ? Number(row.updated_at) : null,
        accounts: accounts
          .filter((a) => String(a.contact_id) === id)
          .map((a) => ({ id: String(a.id), channelId: String(a.channel_id), idType: a.id_type, userId: a.user_id })),
      });
    }
    return out;
  }

  /** Merge candidates, newest first (keyset on id). */
  async candidates(
    tenantId: string,
    query: { status?: CandidateStatus; cursor?: string; limit: number },
  ): Promise<CursorPage<MergeCandidate> & { pending: number }> {
    const rows = await this.repo.candidates(tenantId, { status: query.status, beforeId: query.cursor, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    const items = await this.toCandidates(tenantId, page);
    return {
      items,
      nextCursor: rows.length > query.limit ? String(page[page.length - 1]!.id) : null,
      pending: await this.repo.countCandidates(tenantId, 'pending'),
    };
  }

  private async toCandidates(tenantId: string, rows: readonly MergeCandidateRow[]): Promise<MergeCandidate[]> {
    const original = rows.flatMap((row) => [String(row.contact_a), String(row.contact_b)]);
    const survivors = await this.repo.survivors(tenantId, original);
    const current = (id: string) => survivors.get(id) ?? id;
    const summaries = await this.summaries(tenantId, [...new Set(original.map(current))]);
    return rows.map((row) => {
      const a = current(String(row.contact_a));
      const b = current(String(row.contact_b));
      return {
        id: String(row.id),
        reason: row.reason as CandidateReason,
        evidence: row.evidence ? (JSON.parse(row.evidence) as MergeEvidence) : {},
        status: row.status,
        contacts: [summaries.get(a)!, summaries.get(b)!],
        sameContact: a === b,
        createdAt: Number(row.created_at),
        decidedAt: row.decided_at === null ? null : Number(row.decided_at),
        decidedBy: row.decided_by === null ? null : String(row.decided_by),
      };
    });
  }

  async candidate(tenantId: string, candidateId: string): Promise<MergeCandidate> {
    const row = await this.repo.candidate(tenantId, candidateId);
    if (!row) throw new NotFoundError('merge_candidate_not_found');
    return (await this.toCandidates(tenantId, [row]))[0]!;
  }

  /**
   * An operator merges a candidate's two contacts (rule `candidate_accepted`, survivor by §5.7). A
   * pair already one contact (merged meanwhile) is marked accepted without a merge.
   */
  async acceptCandidate(
    tenantId: string,
    candidateId: string,
    staffId: string,
  ): Promise<{ candidate: MergeCandidate; merge: ContactMerge | null }> {
    const mergeId = await this.repo.transaction(async () => {
      const row = await this.repo.candidate(tenantId, candidateId);
      if (!row) throw new NotFoundError('merge_candidate_not_found');
      if (row.status !== 'pending') throw new ConflictError('merge_candidate_decided', { status: row.status });
      const now = Date.now();
      let result: MergeResult | undefined;
      try {
        result = await mergeContacts(
          this.repo,
          this.mergeHooks,
          tenantId,
          [String(row.contact_a), String(row.contact_b)],
          {
            rule: 'candidate_accepted',
            actorStaffId: staffId,
            candidateId,
            evidence: row.evidence ? (JSON.parse(row.evidence) as MergeEvidence) : undefined,
          },
          now,
        );
      } catch (error) {
        if (error instanceof MergeContactMissingError) throw new ConflictError('merge_contact_missing');
        throw error;
      }
      await this.repo.decideCandidate(tenantId, candidateId, {
        status: 'accepted',
        decided_by: staffId,
        decided_at: now,
        updated_at: now,
      });
      return result?.mergeId;
    });
    // OLAP follows at once (the worker's loop would within a pass): lists and counts show one contact.
    if (mergeId) await this.syncSoon(tenantId);
    const merge = mergeId ? await this.repo.mergeById(tenantId, mergeId) : undefined;
    return { candidate: await this.candidate(tenantId, candidateId), merge: merge ? toMerge(merge) : null };
  }

  /**
   * Merges two contacts outside the pipeline — the hook of the rows later modules reach: an
   * operator's manual merge and the dedupe rules of §1.4.7 (contacts), CSV rows naming an openid /
   * unionid (the channel-account sync). Survivor by §5.7; merged-away ids are followed first.
   */
  async merge(
    tenantId: string,
    ids: [string, string],
    options: {
      rule: Extract<MergeRule, 'manual' | 'dedupe_rule' | 'csv_wechat'>;
      actorStaffId: string | null;
      evidence?: MergeEvidence;
    },
  ): Promise<ContactMerge | null> {
    const mergeId = await this.repo.transaction(async () => {
      try {
        return (await mergeContacts(this.repo, this.mergeHooks, tenantId, ids, options, Date.now()))?.mergeId;
      } catch (error) {
        if (error instanceof MergeContactMissingError) throw new ConflictError('merge_contact_missing');
        throw error;
      }
    });
    if (!mergeId) return null;
    await this.syncSoon(tenantId);
    const row = await this.repo.mergeById(tenantId, mergeId);
    return row ? toMerge(row) : null;
  }

  /**
   * Merges a set of contacts into one (the dedupe of §1.4.7) — only if every member is still as the
   * caller saw it: present under its own id (not merged away, not deleted) and with the same
   * `updated_at`. Otherwise nothing is merged and the members that changed are returned (`stale`).
   * The members are locked first (in id order); the most recently updated survives (§5.7, the
   * seed's "保留最近的用户") and takes the others newest first, each a merge of its own in the
   * history. Runs in the caller's transaction when there is one; `sync: false` leaves the OLAP
   * sync to the caller (`syncNow`), for a batch of sets.
   */
  async mergeGroup(
    tenantId: string,
    members: readonly { id: string; updatedAt: number }[],
    options: {
      rule: Extract<MergeRule, 'manual' | 'dedupe_rule'>;
      actorStaffId: string | null;
      evidence?: MergeEvidence;
      sync?: boolean;
    },
  ): Promise<{ survivorId: string; merges: ContactMerge[] } | { stale: string[] }> {
    if (members.length < 2) throw new InputError('merge_group_too_small');
    const outcome = await this.repo.transaction(
      async (): Promise<{ stale: string[] } | { survivorId: string; mergeIds: string[] }> => {
        const rows = new Map(
          (
            await this.repo.lockContacts(
              tenantId,
              members.map((m) => m.id),
            )
          ).map((r) => [String(r.id), r]),
        );
        const stale = members
          .filter((member) => {
            const row = rows.get(member.id);
            return !row || Number(row.updated_at) !== member.updatedAt;
          })
          .map((member) => member.id);
        if (stale.length > 0) return { stale };
        const ordered = members.map((m) => rows.get(m.id)!).sort((a, b) => (chooseSurvivor(a, b)[0] === a ? -1 : 1));
        const now = Date.now();
        let survivorId = String(ordered[0]!.id);
        const mergeIds: string[] = [];
        for (const row of ordered.slice(1)) {
          const { rule, actorStaffId, evidence } = options;
          const result = await mergeContacts(
            this.repo,
            this.mergeHooks,
            tenantId,
            [survivorId, String(row.id)],
            { rule, actorStaffId, evidence },
            now,
          );
          if (!result) continue;
          survivorId = result.survivorId;
          mergeIds.push(result.mergeId);
        }
        return { survivorId, mergeIds };
      },
    );
    if ('stale' in outcome) return outcome;
    if (options.sync !== false) await this.syncSoon(tenantId);
    const merges: ContactMerge[] = [];
    for (const id of outcome.mergeIds) {
      const row = await this.repo.mergeById(tenantId, id);
      if (row) merges.push(toMerge(row));
    }
    return { survivorId: outcome.survivorId, merges };
  }

  /**
   * Drains the tenant's contact outbox to OLAP now (after `mergeGroup` with `sync: false`, after an
   * import); a failure is left to the worker's next pass.
   */
  async syncNow(tenantId: string): Promise<void> {
    await this.syncSoon(tenantId);
  }

  /**
   * Contacts holding a mobile, ID card or email that another contact holds too (the dedupe's first
   * step, §1.4.7): see `ContactsRepo.sharedValueHolders`.
   */
  sharedValueHolders(
    tenantId: string,
    column: 'mobile' | 'email' | 'id_card',
    excluded: readonly string[],
  ): Promise<{ id: string; value: string; updatedAt: number }[]> {
    return this.repo.sharedValueHolders(tenantId, column, excluded);
  }

  /**
   * Proposes two contacts to operators (once per pair; a dismissed pair stays dismissed) — the hook
   * of the Segment `alias` between two identified contacts (the SDK issue). Returns the candidate.
   */
  async propose(
    tenantId: string,
    ids: [string, string],
    reason: CandidateReason,
    evidence: MergeEvidence,
  ): Promise<MergeCandidate | null> {
    const [a, b] = await Promise.all(ids.map((id) => this.currentId(tenantId, id)));
    if (a === b) return null;
    const { id } = await proposeCandidate(this.repo, tenantId, [a!, b!], reason, evidence, Date.now());
    return this.candidate(tenantId, id);
  }

  /** An operator says the two are different people: the pair is never proposed again. */
  async dismissCandidate(tenantId: string, candidateId: string, staffId: string): Promise<MergeCandidate> {
    await this.repo.transaction(async () => {
      const row = await this.repo.candidate(tenantId, candidateId);
      if (!row) throw new NotFoundError('merge_candidate_not_found');
      if (row.status !== 'pending') throw new ConflictError('merge_candidate_decided', { status: row.status });
      const now = Date.now();
      await this.repo.decideCandidate(tenantId, candidateId, {
        status: 'dismissed',
        decided_by: staffId,
        decided_at: now,
        updated_at: now,
      });
    });
    return this.candidate(tenantId, candidateId);
  }

  /**
   * Merge history, newest first: the tenant's, or one contact's — every merge its current survivor
   * took part in, and those of the contacts merged into it (`contactId` may be a merged-away id).
   */
  async merges(
    tenantId: string,
    query: { contactId?: string; cursor?: string; limit: number },
  ): Promise<CursorPage<ContactMerge>> {
    let contactIds: string[] | undefined;
    if (query.contactId) {
      const current = await this.currentId(tenantId, query.contactId);
      contactIds = [current, ...(await this.repo.aliasesTo(tenantId, current))];
    }
    const rows = await this.repo.merges(tenantId, { contactIds, beforeId: query.cursor, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    return { items: page.map(toMerge), nextCursor: rows.length > query.limit ? String(page[page.length - 1]!.id) : null };
  }

  // ---- identity settings --------------------------------------------------------------------------

  async identitySettings(tenantId: string): Promise<{ blockedValues: string[] }> {
    return { blockedValues: (await this.repo.blockedValues(tenantId)) ?? [...DEFAULT_BLOCKED_VALUES] };
  }

  async saveIdentitySettings(
    tenantId: string,
    input: { blockedValues: string[] },
    staffId: string | null,
  ): Promise<{ blockedValues: string[] }> {
    const values = input.blockedValues.map((value) => value.trim());
    const distinct = new Set(values.map((value) => value.toLowerCase()));
    if (
      values.length > BLOCKED_VALUES_MAX ||
      distinct.size !== values.length ||
      values.some((value) => value.length === 0 || value.length > BLOCKED_VALUE_LENGTH)
    )
      throw new InputError('identity_blocked_values_invalid', { max: BLOCKED_VALUES_MAX, length: BLOCKED_VALUE_LENGTH });
    await this.repo.transaction(() => this.repo.saveBlockedValues(tenantId, values, staffId, Date.now()));
    return { blockedValues: values };
  }

  // ---- erasure (删除用户数据 §2.2.6, 删除微信GDPR数据 §1.9.1.3.18; ADR 0037) ----------------------------

  /** Which of `userIds` an account of the channel has (of one of `idTypes`). */
  async knownUserIds(
    tenantId: string,
    channelId: string,
    idTypes: readonly string[],
    userIds: readonly string[],
  ): Promise<Set<string>> {
    const known = new Set<string>();
    for (const idType of idTypes)
      for (const row of await this.repo.accounts(tenantId, channelId, idType, userIds)) known.add(row.user_id);
    return known;
  }

  /**
   * Erases a person's data in one channel, found by an id of theirs there (an external_id; an
   * OpenID or UnionID): every channel account of that contact in the channel is deleted (its
   * accounts elsewhere stay), its properties are blanked — system fields, custom fields and created
   * utm; the id, created / first seen / last active times stay — and its name becomes 已注销
   * (updated time: now). Merge candidates naming a deleted account are deleted, and the values
   * snapshots of the contact's merge history are emptied. The contact's new row goes to the outbox.
   * Undefined when no account of the channel has the id. Joins the caller's transaction, if any.
   * The events of the returned accounts (OLAP, inbox, quarantine) are the caller's to delete.
   */
  async eraseChannelData(
    tenantId: string,
    input: { channelId: string; idTypes: readonly string[]; userId: string },
    now = Date.now(),
  ): Promise<{ contactId: string; accounts: ErasedAccount[] } | undefined> {
    return this.repo.transaction(async () => {
      const [found] = await this.repo.accountsByIdInChannel(tenantId, input.channelId, input.idTypes, input.userId);
      if (!found) return undefined;
      const contactId = String(found.contact_id);
      const [row] = await this.repo.lockContacts(tenantId, [contactId]);
      if (!row) throw new IdentityConflictError();
      const accounts = (await this.repo.accountsOfContactInChannel(tenantId, contactId, input.channelId)).map((a) => ({
        id: String(a.id),
        idType: a.id_type,
        userId: a.user_id,
      }));
      await this.repo.deleteAccounts(
        tenantId,
        accounts.map((a) => a.id),
      );
      const blank: Record<string, unknown> = { attributes: null, updated_at: now };
      for (const field of contactTraitFields) blank[field.column] = null;
      for (const utm of utmKeys) blank[`utm_${utm}`] = null;
      blank.name = ERASED_CONTACT_NAME;
      await this.repo.updateContact(tenantId, contactId, blank as Partial<ContactRow>);
      await this.repo.insertChanges(tenantId, [contactId], now);

      // Identity records that name the deleted accounts or hold the contact's values.
      const erasedIds = new Set(accounts.map((a) => a.userId));
      const namesErased = (evidence: MergeEvidence | null) =>
        Boolean(
          evidence &&
          String(evidence.channelId) === String(input.channelId) &&
          evidence.userId !== undefined &&
          erasedIds.has(evidence.userId),
        );
      const parse = (text: string | null) => (text ? (JSON.parse(text) as MergeEvidence) : null);
      const people = [contactId, ...(await this.repo.aliasesTo(tenantId, contactId))];
      const candidates = (await this.repo.candidatesOf(tenantId, people)).filter((c) => namesErased(parse(c.evidence)));
      await this.repo.deleteCandidates(
        tenantId,
        candidates.map((c) => String(c.id)),
      );
      for (const merge of await this.repo.mergesOf(tenantId, people)) {
        const before = JSON.parse(merge.before) as { movedAccountIds?: string[] };
        const evidence = parse(merge.evidence);
        await this.repo.updateMerge(tenantId, String(merge.id), {
          before: JSON.stringify({ survivor: {}, merged: {}, movedAccountIds: before.movedAccountIds ?? [], erased: true }),
          evidence: evidence && namesErased(evidence) ? JSON.stringify({ ...evidence, userId: undefined }) : merge.evidence,
        });
      }
      return { contactId, accounts };
    });
  }

  // ---- imports and batch edits (contact-imports module, ADR 0033) -------------------------------------

  /**
   * 用户导入 (§1.4.3): creates one contact per patch — identified (an import row always has a name),
   * created and first seen at `at`, without channel accounts — and their outbox rows, so they reach
   * OLAP with the next drain. Run it inside the import's transaction: the contacts commit or roll
   * back with the import's commit marker. `oneByOne` after a NonConsecutiveIdsError (see the repo).
   */
  async createImported(
    tenantId: string,
    patches: readonly ContactPatch[],
    at: number,
    options: { oneByOne?: boolean } = {},
  ): Promise<string[]> {
    // Every row with the same columns (those any row sets): one statement shape for each multi-row INSERT.
    const used = contactTraitFields.filter((field) => patches.some((patch) => patch.fields[field.column] !== undefined));
    const rows = patches.map((patch) => {
      const row: Record<string, unknown> = {};
      for (const field of used) row[field.column] = patch.fields[field.column] ?? null;
      const attributes = Object.fromEntries(Object.entries(patch.attributes).filter(([, value]) => value !== null));
      row.attributes = Object.keys(attributes).length > 0 ? JSON.stringify(attributes) : null;
      const identified = isIdentified(row as Pick<ContactRow, 'name' | 'mobile' | 'email'>);
      return {
        ...row,
        identified,
        created_at: identified ? at : null,
        first_seen_at: at,
        updated_at: at,
        inserted_at: at,
      } as Partial<ContactRow>;
    });
    const ids = await this.repo.insertContacts(tenantId, rows, options);
    await this.repo.insertChanges(tenantId, ids, at);
    return ids;
  }

  /**
   * 批量编辑用户 (§1.4.6): applies each patch to its contact (a merged-away id is followed to its
   * survivor), with the identify's rule for identified / created time; the updated time moves only
   * for a contact whose values changed (§1.4.2). Returns, per patch in order, the contact it reached
   * or null when that contact does not exist (deleted, or another tenant's id). Run it inside the
   * batch edit's transaction (rows are locked on MySQL/MariaDB).
   */
  async applyEdits(
    tenantId: string,
    edits: readonly { contactId: string; patch: ContactPatch }[],
    at: number,
  ): Promise<(string | null)[]> {
    const survivors = await this.repo.survivors(
      tenantId,
      edits.map((edit) => edit.contactId),
      { latest: true },
    );
    const targets = edits.map((edit) => survivors.get(edit.contactId) ?? edit.contactId);
    const rows = new Map<string, ContactRow>();
    const distinct = [...new Set(targets)];
    for (let i = 0; i < distinct.length; i += 500)
      for (const row of await this.repo.lockContacts(tenantId, distinct.slice(i, i + 500))) rows.set(String(row.id), row);
    const changes = new Map<string, Partial<ContactRow>>();
    const reached = targets.map((id, index) => {
      const row = rows.get(id);
      if (!row) return null;
      const change = contactChange(row, edits[index]!.patch, at);
      if (change) {
        change.updated_at = at;
        rows.set(id, { ...row, ...change });
        changes.set(id, { ...changes.get(id), ...change });
      }
      return id;
    });
    await this.repo.updateContacts(
      tenantId,
      [...changes].map(([id, change]) => ({ id, change })),
    );
    if (changes.size > 0) await this.repo.insertChanges(tenantId, [...changes.keys()], at);
    return reached;
  }

  /** Which of `ids` name a contact of the tenant (itself, or the survivor it was merged into). */
  async existing(tenantId: string, ids: readonly string[]): Promise<Set<string>> {
    const survivors = await this.repo.survivors(tenantId, ids);
    const current = ids.map((id) => survivors.get(id) ?? id);
    const found = new Set((await this.repo.contacts(tenantId, current)).map((row) => String(row.id)));
    return new Set(ids.filter((_, index) => found.has(current[index]!)));
  }

  /**
   * The current id of each of `ids` that names a contact of the tenant (itself, or the survivor it
   * was merged into); ids of no contact are left out.
   */
  async currentIds(tenantId: string, ids: readonly string[]): Promise<Map<string, string>> {
    const survivors = await this.repo.survivors(tenantId, ids);
    const current = ids.map((id) => survivors.get(id) ?? id);
    const found = new Set((await this.repo.contacts(tenantId, current)).map((row) => String(row.id)));
    const out = new Map<string, string>();
    ids.forEach((id, index) => {
      if (found.has(current[index]!)) out.set(id, current[index]!);
    });
    return out;
  }

  /**
   * Moves the updated time of these contacts to `at` (§1.4.2: a group membership that changed —
   * the groups module's 冗余中 step) and sends them to OLAP through the outbox. Contacts that no
   * longer exist are skipped. Returns how many were touched.
   */
  async touchContacts(tenantId: string, contactIds: readonly string[], at = Date.now()): Promise<number> {
    if (contactIds.length === 0) return 0;
    const reached = await this.repo.transaction(async () => {
      const ids = await this.repo.touch(tenantId, contactIds, at);
      if (ids.length > 0) await this.repo.insertChanges(tenantId, ids, at);
      return ids;
    });
    if (reached.length > 0) await this.syncSoon(tenantId);
    return reached.length;
  }

  contact(tenantId: string, contactId: string): Promise<ContactRow | undefined> {
    return this.repo.contact(tenantId, contactId);
  }

  /** Rows of many contacts (those that exist; a merged-away or deleted id is absent). */
  contactRows(tenantId: string, contactIds: readonly string[]): Promise<ContactRow[]> {
    return this.repo.contacts(tenantId, contactIds);
  }

  accountsOf(tenantId: string, contactId: string): Promise<ChannelAccountRow[]> {
    return this.repo.accountsOfContact(tenantId, contactId);
  }

  /** The contacts of many accounts of one channel and user-ID type: user id → contact id. */
  async contactsOfAccounts(
    tenantId: string,
    channelId: string,
    idType: string,
    userIds: readonly string[],
  ): Promise<Map<string, string>> {
    const rows = await this.repo.accounts(tenantId, channelId, idType, userIds);
    return new Map(rows.map((row) => [row.user_id, String(row.contact_id)]));
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
    const ids = [...new Set(changes.filter((c) => c.merged_into === null).map((c) => String(c.contact_id)))];
    // Merged-away contacts: their alias and the deletion of their OLAP row go in the same load as
    // the survivors' new rows (aliases are idempotent: sending one again re-points the same way).
    const merged = changes.filter((c) => c.merged_into !== null);
    const aliases = merged.map((c) => ({ fromContactId: String(c.contact_id), toContactId: String(c.merged_into) }));
    const deletedContactIds = merged.map((c) => String(c.contact_id));
    // A fresh ledger key each time: the rows are read now, so a repeat after a crash must load them
    // again (an upsert), never be skipped as "already loaded" with older values.
    let loaded = (await this.repo.contacts(tenantId, ids)).map(toOlapContact);
    await this.olap.forTenant(tenantId).load({
      batchId: `contacts-${randomUUID()}`,
      contacts: loaded,
      ...(aliases.length > 0 ? { aliases, deletedContactIds } : {}),
    });
    // Another drainer (a second process) may have loaded newer rows of these contacts while ours was
    // in flight and then deleted their outbox rows: ours, older, would win for good. Read again after
    // loading and send whatever changed meanwhile; the last loader always ends on the current rows.
    // A contact sent here and merged away (or deleted) meanwhile by another writer whose own sync
    // already ran would come back as a ghost: it is deleted again, with its alias.
    const sentIds = new Set(loaded.map((row) => String(row.id)));
    for (let round = 0; round < VERIFY_ROUNDS; round += 1) {
      const sent = new Map(loaded.map((row) => [String(row.id), JSON.stringify(row)]));
      const current = (await this.repo.contacts(tenantId, ids)).map(toOlapContact);
      const present = new Set(current.map((row) => String(row.id)));
      const gone = [...sentIds].filter((id) => !present.has(id));
      for (const id of gone) sentIds.delete(id);
      loaded = current.filter((row) => sent.get(String(row.id)) !== JSON.stringify(row));
      if (loaded.length === 0 && gone.length === 0) break;
      const survivors = gone.length > 0 ? await this.repo.survivors(tenantId, gone) : new Map<string, string>();
      await this.olap.forTenant(tenantId).load({
        batchId: `contacts-${randomUUID()}`,
        contacts: loaded,
        ...(gone.length > 0
          ? {
              deletedContactIds: gone,
              aliases: [...survivors].map(([from, to]) => ({ fromContactId: from, toContactId: to })),
            }
          : {}),
      });
    }
    await this.repo.deleteChanges(
      tenantId,
      changes.map((c) => c.seq),
    );
    this.logger?.debug({ tenantId, contacts: ids.length }, 'contacts synced to OLAP');
    return changes.length;
  }

  /** Drains the tenant's outbox now; a failure is left to the worker's next pass (the outbox keeps it). */
  private async syncSoon(tenantId: string): Promise<void> {
    try {
      while ((await this.syncToOlap(tenantId)) > 0);
    } catch (error) {
      this.logger?.warn({ err: error, tenantId }, 'contact sync after a merge failed; the worker retries');
    }
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
export { NonConsecutiveIdsError } from './contacts.repo.js';
