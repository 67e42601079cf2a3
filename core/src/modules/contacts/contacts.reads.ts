import type { Logger } from 'pino';
import type { PropertyType } from '../../kernel/contributions.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import { decodeCursor, encodeCursor } from '../../server/cursor.js';
import { InputError, isDomainError, NotFoundError, type ErrorDetail } from '../../server/errors.js';
import type { AnalyticsEngine } from '../../store/olap/analytics-engine.js';
import { propertyColumn } from '../../store/olap/physical-schema.js';
import type { ChannelsService } from '../channels/channels.service.js';
import type { MetadataService } from '../metadata/metadata.service.js';
import { contactChange } from './contact-patch.js';
import type { ContactsRepo } from './contacts.repo.js';
import {
  contactTraitFields,
  utmKeys,
  type ChannelAccountRow,
  type ContactRow,
  type ContactTraitKey,
  type UtmKey,
} from './contacts.types.js';
import { validateTraits } from './traits.js';

export const contactReadsServiceRef = createServiceRef<ContactReadsService>({ id: 'contacts.reads' });

/** The WeChat user id types (plugins/wechat): an official account's openId, the open platform's unionId. */
export const WECHAT_OPEN_ID = 'wechat.openId';
export const WECHAT_UNION_ID = 'wechat.unionId';

/** Limits of the Open API's contact calls. */
export const contactApiLimits = {
  /** Ids in one batch-get or open-ids call. */
  batchIds: 100,
  pageDefault: 50,
  pageMax: 200,
  eventPageDefault: 50,
  eventPageMax: 200,
} as const;

/** A channel account as the Open API shows it. */
export interface ApiChannelAccount {
  id: string;
  channelId: string;
  /** The channel's type (`custom`, `wechat`, `miniprogram`…); null once the channel was deleted. */
  channelType: string | null;
  idType: string;
  userId: string;
  firstSeenAt: number | null;
  createdAt: number;
}

/**
 * A contact as the Open API shows it: the system fields under the names identify takes
 * (`mobilePhone`, `state` = 省份…), custom fields under `props.attr<seq>`, the created utm, the
 * times (epoch ms) and its channel accounts.
 */
export type ApiContact = {
  id: string;
  identified: boolean;
  props: Record<string, string | number>;
  utm: Record<UtmKey, string | null>;
  firstSeenAt: number | null;
  lastActiveAt: number | null;
  createdAt: number | null;
  updatedAt: number;
  accounts: ApiChannelAccount[];
} & Record<ContactTraitKey, string | null>;

export interface ApiContactOpenIds {
  contactId: string;
  /** The contact's openIds, one per official account (the channel's AppID). */
  openIds: { appId: string | null; channelId: string; openId: string }[];
  unionIds: string[];
}

export interface ApiEvent {
  event: string;
  eventTime: number;
  receivedAt: number | null;
  messageId: string;
  direction: string;
  channelId: string | null;
  channelAccountId: string | null;
  journeyId: string | null;
  /** Declared properties by their code (typed), and undeclared ones as they arrived. */
  properties: Record<string, unknown>;
}

export interface CursorPage<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** Keys of a contact the API shows but an update may not set. */
const READ_ONLY = new Set(['id', 'identified', 'firstSeenAt', 'lastActiveAt', 'createdAt', 'updatedAt', 'accounts']);
/** Keys of identify's envelope that validateTraits passes over; in an update they name nothing. */
const NOT_VALUES = new Set(['externalId', 'channel', 'weChatInfo']);

const num = (value: number | string | null): number | null => (value === null ? null : Number(value));
const timestampText = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/**
 * The Open API's contact calls (seed §2.1.4): 查询联系人详情, 批量获取联系人详情, 获取联系人列表,
 * 批量获取联系人 open ID, 更新联系人, and a contact's events (获取事件列表). Contacts are read from the
 * OLTP master (read-your-writes: an update shows at once); events from OLAP through the logical
 * `events` relation, which already counts a merged-away contact's events for its survivor.
 */
export class ContactReadsService {
  constructor(
    private readonly repo: ContactsRepo,
    private readonly olap: AnalyticsEngine,
    private readonly metadata: MetadataService,
    private readonly channels: ChannelsService,
    private readonly logger?: Logger,
    private readonly mobileMax?: (tenantId: string) => Promise<number>,
  ) {}

  // ---- contacts ---------------------------------------------------------------------------------

  /**
   * A merged-away contact id answers for its final survivor (the answer's `id` is the survivor's):
   * ids an integrator stored before a merge keep working.
   */
  private async current(tenantId: string, contactId: string): Promise<string> {
    return (await this.repo.survivors(tenantId, [contactId])).get(contactId) ?? contactId;
  }

  /** Asked ids → current ids, and which of them were merged away (asked → survivor). */
  private async currentIds(tenantId: string, ids: readonly string[]): Promise<{ ids: string[]; merged: Record<string, string> }> {
    const unique = [...new Set(ids)];
    const survivors = await this.repo.survivors(tenantId, unique);
    return {
      ids: [...new Set(unique.map((id) => survivors.get(id) ?? id))],
      merged: Object.fromEntries(survivors),
    };
  }

  async get(tenantId: string, askedId: string): Promise<ApiContact> {
    const contactId = await this.current(tenantId, askedId);
    const row = await this.repo.contact(tenantId, contactId);
    if (!row) throw new NotFoundError('contact_not_found');
    const [contact] = await this.present(tenantId, [row]);
    return contact!;
  }

  /** The contacts of `ids` that exist in the tenant (in the order asked), and the others. */
  async batchGet(
    tenantId: string,
    ids: readonly string[],
  ): Promise<{ items: ApiContact[]; notFound: string[]; merged: Record<string, string> }> {
    const { ids: unique, merged } = await this.currentIds(tenantId, ids);
    const rows = new Map((await this.repo.contacts(tenantId, unique)).map((row) => [String(row.id), row]));
    const found = unique.flatMap((id) => (rows.has(id) ? [rows.get(id)!] : []));
    return {
      items: await this.present(tenantId, found),
      notFound: unique.filter((id) => !rows.has(id)),
      merged: Object.fromEntries(Object.entries(merged).filter(([, to]) => rows.has(to))),
    };
  }

  /** Contacts by id ascending, a keyset page at a time. */
  async list(
    tenantId: string,
    query: { cursor?: string; limit: number; identified?: boolean; updatedSince?: number },
  ): Promise<CursorPage<ApiContact>> {
    const afterId = query.cursor === undefined ? undefined : String(decodeCursor('contacts', query.cursor, ['string'])[0]);
    if (afterId !== undefined && !/^[1-9][0-9]{0,18}$/.test(afterId))
      throw new InputError('cursor_invalid', {}, [{ path: 'cursor', code: 'cursor_invalid' }]);
    const rows = await this.repo.contactsAfter(tenantId, {
      afterId,
      limit: query.limit + 1,
      identified: query.identified,
      updatedSince: query.updatedSince,
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: await this.present(tenantId, page),
      nextCursor: rows.length > query.limit && last ? encodeCursor('contacts', [String(last.id)]) : null,
    };
  }

  async accounts(tenantId: string, askedId: string): Promise<ApiChannelAccount[]> {
    const contactId = await this.current(tenantId, askedId);
    if (!(await this.repo.contact(tenantId, contactId))) throw new NotFoundError('contact_not_found');
    const rows = await this.repo.accountsOfContact(tenantId, contactId);
    const channels = await this.channelsOf(tenantId, rows);
    return rows.map((row) => this.presentAccount(row, channels));
  }

  /** Per contact: its official-account openIds (with the account's AppID) and its unionIds. */
  async openIds(
    tenantId: string,
    ids: readonly string[],
  ): Promise<{ items: ApiContactOpenIds[]; notFound: string[]; merged: Record<string, string> }> {
    const { ids: unique, merged } = await this.currentIds(tenantId, ids);
    const found = new Set((await this.repo.contacts(tenantId, unique)).map((row) => String(row.id)));
    const existing = unique.filter((id) => found.has(id));
    const rows = await this.repo.accountsOfContacts(tenantId, existing, [WECHAT_OPEN_ID, WECHAT_UNION_ID]);
    const channels = await this.channelsOf(tenantId, rows);
    const byContact = new Map<string, ApiContactOpenIds>(
      existing.map((id) => [id, { contactId: id, openIds: [], unionIds: [] }]),
    );
    for (const row of rows) {
      const entry = byContact.get(String(row.contact_id))!;
      if (row.id_type === WECHAT_OPEN_ID)
        entry.openIds.push({
          appId: channels.get(String(row.channel_id))?.channelKey ?? null,
          channelId: String(row.channel_id),
          openId: row.user_id,
        });
      else if (!entry.unionIds.includes(row.user_id)) entry.unionIds.push(row.user_id);
    }
    return {
      items: [...byContact.values()],
      notFound: unique.filter((id) => !found.has(id)),
      merged: Object.fromEntries(Object.entries(merged).filter(([, to]) => found.has(to))),
    };
  }

  /**
   * The user ids the contacts hold in one channel, per contact and id type (用户导出's OpenID /
   * UnionID columns of an official account, external_id of a custom channel): several ids of one
   * type are kept in account order.
   */
  async channelUserIds(
    tenantId: string,
    contactIds: readonly string[],
    channelId: string,
    idTypes: readonly string[],
  ): Promise<Map<string, Map<string, string[]>>> {
    const out = new Map<string, Map<string, string[]>>();
    for (const row of await this.repo.accountsInChannel(tenantId, contactIds, channelId, idTypes)) {
      const contactId = String(row.contact_id);
      let byType = out.get(contactId);
      if (!byType) out.set(contactId, (byType = new Map()));
      const ids = byType.get(row.id_type) ?? [];
      if (!ids.includes(row.user_id)) ids.push(row.user_id);
      byType.set(row.id_type, ids);
    }
    return out;
  }

  /**
   * 更新联系人: system and custom fields, checked as identify checks them (birthday is not writable
   * through the Open API), applied at once in OLTP with a `contact_change` outbox row in the same
   * transaction, so OLAP follows. Nothing changed, nothing written (`updatedAt` stays).
   */
  async update(tenantId: string, askedId: string, body: Record<string, unknown>): Promise<ApiContact> {
    const contactId = await this.current(tenantId, askedId);
    if (!(await this.repo.contact(tenantId, contactId))) throw new NotFoundError('contact_not_found');
    const fields = (await this.metadata.contactFields(tenantId)).map((f) => ({ key: f.key, type: f.type }));
    const checked = validateTraits(body, fields, { birthdayWritable: false, mobileMax: await this.mobileMax?.(tenantId) });
    const problems: ErrorDetail[] = [...checked.problems];
    for (const key of checked.unknown)
      problems.push({ path: key, code: READ_ONLY.has(key) ? 'contact_field_readonly' : 'contact_field_unknown' });
    // What identify takes besides values (validateTraits passes them over): no value of a contact.
    for (const key of Object.keys(body)) if (NOT_VALUES.has(key)) problems.push({ path: key, code: 'contact_field_unknown' });
    if (problems.length > 0) throw new InputError('contact_invalid', {}, problems);

    const changed = await this.repo.transaction(async () => {
      const row = await this.repo.contactForUpdate(tenantId, contactId);
      if (!row) throw new NotFoundError('contact_not_found');
      const now = Date.now();
      const change = contactChange(row, checked.patch, now);
      if (!change) return false;
      change.updated_at = now;
      await this.repo.updateContact(tenantId, contactId, change);
      await this.repo.insertChanges(tenantId, [contactId], now);
      return true;
    });
    if (changed) this.logger?.debug({ tenantId, contactId }, 'contact updated through the Open API');
    return this.get(tenantId, contactId);
  }

  // ---- events -----------------------------------------------------------------------------------

  /**
   * The contact's events, newest first (keyset on event time, messageId, event code), optionally of
   * one event code and within [from, to) (epoch ms).
   */
  async events(
    tenantId: string,
    askedId: string,
    query: {
      cursor?: string;
      limit: number;
      from?: number;
      to?: number;
      event?: string;
      /** Only events of this channel (the console's timeline filter). */
      channelId?: string;
      /** Outbound events only of these codes (the console's 显示设置; inbound events all stay). */
      outboundEvents?: readonly string[];
    },
  ): Promise<CursorPage<ApiEvent>> {
    const contactId = await this.current(tenantId, askedId);
    if (!(await this.repo.contact(tenantId, contactId))) throw new NotFoundError('contact_not_found');
    const after =
      query.cursor === undefined
        ? undefined
        : (decodeCursor('events', query.cursor, ['number', 'string', 'string']) as [number, string, string]);
    const analytics = this.olap.forTenant(tenantId);
    const record = await analytics.schema();
    // No schema declared yet: no event can have been loaded.
    if (!record) return { items: [], nextCursor: null };

    const d = this.olap.dialect;
    const q = (name: string) => d.quoteIdentifier(name);
    const properties = record.declaration.eventProperties.map((p) => ({ ...p, column: propertyColumn(p.id) }));
    const columns = [
      q('event'),
      `${d.epochMs('event_time')} AS ${q('event_time_ms')}`,
      `${d.epochMs('received_at')} AS ${q('received_at_ms')}`,
      q('message_id'),
      q('direction'),
      q('channel_id'),
      q('channel_account_id'),
      q('journey_id'),
      q('extra'),
      ...properties.map((p) => (p.type === 'datetime' ? `${d.epochMs(q(p.column))} AS ${q(p.column)}` : q(p.column))),
    ];
    const where = [`contact_id = ${d.bigintParam()}`];
    const params: (string | number)[] = [contactId];
    if (query.from !== undefined) {
      where.push(`event_time >= ${d.timestampParam()}`);
      params.push(timestampText(query.from));
    }
    if (query.to !== undefined) {
      where.push(`event_time < ${d.timestampParam()}`);
      params.push(timestampText(query.to));
    }
    if (query.event !== undefined) {
      where.push('event = ?');
      params.push(query.event);
    }
    if (query.channelId !== undefined) {
      where.push(`channel_id = ${d.bigintParam()}`);
      params.push(query.channelId);
    }
    if (query.outboundEvents !== undefined) {
      const shown = query.outboundEvents.map(() => '?').join(', ');
      where.push(shown ? `(direction <> 'outbound' OR event IN (${shown}))` : `direction <> 'outbound'`);
      params.push(...query.outboundEvents);
    }
    if (after) {
      const [time, messageId, event] = after;
      const at = d.timestampParam();
      where.push(`(event_time < ${at} OR (event_time = ${at} AND (message_id < ? OR (message_id = ? AND event < ?))))`);
      params.push(timestampText(time), timestampText(time), messageId, messageId, event);
    }
    const sql =
      `SELECT ${columns.join(', ')} FROM events WHERE ${where.join(' AND ')} ` +
      `ORDER BY event_time DESC, message_id DESC, event DESC LIMIT ${query.limit + 1}`;
    const result = await analytics.query<Record<string, unknown>>(sql, { params, rowMode: 'json' });
    const rows = result.rows.slice(0, query.limit);
    const items = rows.map((row) => toApiEvent(row, properties));
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        result.rows.length > query.limit && last ? encodeCursor('events', [last.eventTime, last.messageId, last.event]) : null,
    };
  }

  // ---- presenting -------------------------------------------------------------------------------

  private async present(tenantId: string, rows: readonly ContactRow[]): Promise<ApiContact[]> {
    const accounts = await this.repo.accountsOfContacts(
      tenantId,
      rows.map((row) => String(row.id)),
    );
    const channels = await this.channelsOf(tenantId, accounts);
    const byContact = new Map<string, ApiChannelAccount[]>();
    for (const account of accounts) {
      const id = String(account.contact_id);
      let list = byContact.get(id);
      if (!list) byContact.set(id, (list = []));
      list.push(this.presentAccount(account, channels));
    }
    return rows.map((row) => toApiContact(row, byContact.get(String(row.id)) ?? []));
  }

  private presentAccount(row: ChannelAccountRow, channels: Map<string, { type: string; channelKey: string }>): ApiChannelAccount {
    return {
      id: String(row.id),
      channelId: String(row.channel_id),
      channelType: channels.get(String(row.channel_id))?.type ?? null,
      idType: row.id_type,
      userId: row.user_id,
      firstSeenAt: num(row.first_seen_at),
      createdAt: Number(row.created_at),
    };
  }

  /** The channels the accounts hang on (a deleted one is absent). */
  private async channelsOf(
    tenantId: string,
    accounts: readonly ChannelAccountRow[],
  ): Promise<Map<string, { type: string; channelKey: string }>> {
    const channels = new Map<string, { type: string; channelKey: string }>();
    for (const channelId of new Set(accounts.map((row) => String(row.channel_id)))) {
      try {
        const channel = await this.channels.get(tenantId, channelId);
        channels.set(channelId, { type: channel.type, channelKey: channel.channelKey });
      } catch (error) {
        if (!isDomainError(error) || error.code !== 'channel_not_found') throw error;
      }
    }
    return channels;
  }
}

export function toApiContact(row: ContactRow, accounts: ApiChannelAccount[]): ApiContact {
  const contact: Record<string, unknown> = { id: String(row.id), identified: Boolean(row.identified) };
  for (const field of contactTraitFields) contact[field.key] = row[field.column] ?? null;
  const attributes = row.attributes ? (JSON.parse(row.attributes) as Record<string, string | number>) : {};
  contact.props = Object.fromEntries(
    Object.entries(attributes)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([seq, value]) => [`attr${seq}`, value]),
  );
  contact.utm = Object.fromEntries(utmKeys.map((key) => [key, row[`utm_${key}`] ?? null]));
  contact.firstSeenAt = num(row.first_seen_at);
  contact.lastActiveAt = num(row.last_active_at);
  contact.createdAt = num(row.created_at);
  contact.updatedAt = Number(row.updated_at);
  contact.accounts = accounts;
  return contact as ApiContact;
}

/** An OLAP events row (json row mode) as the API shows it: typed columns back under their codes. */
function toApiEvent(
  row: Record<string, unknown>,
  properties: readonly { name: string; type: PropertyType; column: string }[],
): ApiEvent {
  const id = (value: unknown) => (value === null || value === undefined ? null : String(value));
  const extra = typeof row.extra === 'string' && row.extra !== '' ? (JSON.parse(row.extra) as Record<string, unknown>) : {};
  const typed: Record<string, unknown> = {};
  for (const property of properties) {
    const value = row[property.column];
    if (value === null || value === undefined) continue;
    typed[property.name] = propertyValue(property.type, value);
  }
  return {
    event: String(row.event),
    eventTime: Number(row.event_time_ms),
    receivedAt: row.received_at_ms === null || row.received_at_ms === undefined ? null : Number(row.received_at_ms),
    messageId: String(row.message_id),
    direction: String(row.direction),
    channelId: id(row.channel_id),
    channelAccountId: id(row.channel_account_id),
    journeyId: id(row.journey_id),
    // A value its declared type could not take is NULL in its column and kept raw in extra.
    properties: { ...extra, ...typed },
  };
}

/** A typed column's value (json row mode) in its JSON form: numbers, booleans, epoch ms, `YYYY-MM-DD`, arrays. */
function propertyValue(type: PropertyType, value: unknown): unknown {
  switch (type) {
    case 'integer':
    case 'datetime': {
      const n = Number(value);
      return Number.isSafeInteger(n) ? n : String(value);
    }
    case 'number':
      return typeof value === 'number' ? value : Number(value);
    case 'bool':
      return typeof value === 'boolean' ? value : value === 'true' || value === 1;
    default:
      return value;
  }
}
