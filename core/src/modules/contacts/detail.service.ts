import type { Logger } from 'pino';
import type { LocalizedText, PropertyType } from '../../kernel/contributions.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import { InputError, isDomainError, NotFoundError, type ErrorDetail } from '../../server/errors.js';
import type { Principal } from '../../server/principal.js';
import type { OperationLogService } from '../audit/operation-log.service.js';
import type { ChannelsService } from '../channels/channels.service.js';
import type { ContactMasker, MaskingService } from '../masking/masking.service.js';
import { MASKED_VALUE, systemFieldNames } from '../masking/masking.types.js';
import type { DimensionsService } from '../metadata/dimensions.service.js';
import type { MetadataService } from '../metadata/metadata.service.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import { contactChange } from './contact-patch.js';
import { toApiContact, type ApiEvent, type ContactReadsService } from './contacts.reads.js';
import type { ContactsRepo } from './contacts.repo.js';
import type { ContactMerge, ContactsService } from './contacts.service.js';
import {
  contactTraitFields,
  EXTERNAL_ID,
  utmKeys,
  WECHAT_CHANNEL_TYPE,
  WECHAT_OPEN_ID,
  WECHAT_UNION_ID,
  type ContactRow,
  type ContactTraitKey,
  type UtmKey,
} from './contacts.types.js';
import type { ContactViewSettingsRepo } from './detail.repo.js';
import { maskMerge } from './merge-masking.js';
import { validateTraits } from './traits.js';

export const contactDetailServiceRef = createServiceRef<ContactDetailService>({ id: 'contacts.detail' });

// ---- groups: the extension point the groups issue implements --------------------------------------

/** A group a contact is in, as the detail page lists it. */
export interface ContactGroupRef {
  id: string;
  name: string;
  /** `dynamic`, `static`, `wechatFans`… (the groups module's kinds). */
  kind: string;
}

/**
 * 用户所在群组 on the contact detail page (seed §1.4.10): the groups module registers one provider with
 * `ContactDetailService.setGroupsProvider` when it exists. Until then the detail lists no group.
 * The provider answers for the contact's current id (a merged-away id is resolved before) and must
 * apply the caller's department data permissions itself.
 */
export interface ContactGroupsProvider {
  groupsOf(principal: Principal, contactId: string): Promise<ContactGroupRef[]>;
}

/** The provider used until the groups module registers its own: no groups. */
export const noContactGroups: ContactGroupsProvider = { groupsOf: () => Promise.resolve([]) };

// ---- shapes --------------------------------------------------------------------------------------

/** One channel account on the detail page (连接账号信息, §1.4.10.3). */
export interface DetailAccount {
  id: string;
  channelId: string;
  /** null once the channel was deleted. */
  channelName: string | null;
  channelType: string | null;
  /** The channel's ChannelID / AppID. */
  channelKey: string | null;
  idType: string;
  userId: string;
  /** The seed's display of the id type: `externalId_<channelId>_<channelName>` (§1.4.11), else the id type. */
  idTypeLabel: string;
  firstSeenAt: number | null;
  createdAt: number;
}

/** A connection of the contact (one icon on the page) with the ids its hover tooltip shows. */
export interface DetailConnection {
  channelId: string;
  channelName: string | null;
  channelType: string | null;
  channelKey: string | null;
  /** WeChat: the fan's OpenID in this official account and the UnionID (null when unknown). */
  openId: string | null;
  unionId: string | null;
  /** Custom channels: the external_id(s). */
  externalIds: string[];
  accounts: DetailAccount[];
}

export interface ContactDetail {
  id: string;
  /** The id asked for when it was merged away into this contact (the page redirects), else null. */
  redirectedFrom: string | null;
  identified: boolean;
  /** System fields (identify's names) and `props.attr<seq>`, masked for the caller (`***`). */
  profile: Record<string, unknown>;
  /** Field keys masked for this caller (empty for clear-text callers). */
  maskedFields: string[];
  /** Whole years since the birthday, today in the tenant's time zone; null without one or while the birthday is masked. */
  age: number | null;
  /** The custom fields of the tenant in their order (labels of `profile.props`). */
  customFields: { key: string; name: string; type: string }[];
  /** 用户属性 (§1.4.10.5). */
  system: {
    firstSeenAt: number | null;
    lastActiveAt: number | null;
    createdAt: number | null;
    updatedAt: number;
    createdUtm: Record<UtmKey, string | null>;
  };
  accounts: DetailAccount[];
  connections: DetailConnection[];
  groups: ContactGroupRef[];
  merges: { items: ContactMerge[]; nextCursor: string | null };
}

export interface TimelineProperty {
  code: string;
  names: LocalizedText;
  type: PropertyType | null;
  /** `system` (s_…), `sdk` ($…), `custom`, or `undeclared` (kept as it arrived). */
  source: 'system' | 'sdk' | 'custom' | 'undeclared';
  value: unknown;
  /** The dictionary's label of the value (字典表), else null. */
  label: string | null;
  /** The property mirrors a contact field masked for the caller: `value` is `***`. */
  masked: boolean;
}

export interface TimelineEvent {
  event: string;
  names: LocalizedText;
  direction: 'inbound' | 'outbound';
  eventTime: number;
  receivedAt: number | null;
  messageId: string;
  channelId: string | null;
  channelName: string | null;
  channelType: string | null;
  channelAccountId: string | null;
  /** The journey an outbound event was sent by (for linking to it), else null. */
  journeyId: string | null;
  properties: TimelineProperty[];
}

export interface ViewSettings {
  /** Tag ids the profile shows; null = every tag. */
  profileTags: string[] | null;
  /** Outbound event codes the timeline shows; null = every outbound event. */
  timelineOutbound: string[] | null;
}

export interface ViewSettingsAnswer extends ViewSettings {
  /** The outbound event types there are, to choose from. */
  outboundEventTypes: { code: string; names: LocalizedText }[];
}

export const timelineLimits = { pageDefault: 30, pageMax: 100, settingsItems: 500 } as const;
const MERGES_SHOWN = 20;

/** Keys a console create or edit may not set. */
const READ_ONLY = new Set(['id', 'identified', 'firstSeenAt', 'lastActiveAt', 'createdAt', 'updatedAt', 'accounts', 'utm']);
/** Keys of identify's envelope that validateTraits passes over; here they name nothing. */
const NOT_VALUES = new Set(['externalId', 'channel', 'weChatInfo']);

// ---- event properties that mirror contact fields ---------------------------------------------------

const normalize = (code: string) =>
  code
    .replace(/^(\$|s_)/i, '')
    .replace(/[_\-\s.]/g, '')
    .toLowerCase();

/** More property codes that carry a system field's value (forms, leads, WeChat). */
const FIELD_ALIASES: Partial<Record<ContactTraitKey, string[]>> = {
  name: ['realname', 'fullname', 'username', 'truename'],
  nickname: ['nick', 'nickName'],
  mobilePhone: ['mobile', 'phone', 'phonenumber', 'mobilenumber', 'cellphone', 'tel', 'telephone', 'phoneno', 'mobileno'],
  email: ['mail', 'emailaddress'],
  idCard: ['idcardno', 'idno', 'identitycard', 'idnumber'],
  birthday: ['dateofbirthday', 'dateofbirth', 'birthdate', 'dob'],
  homePhone: ['landline', 'homephone'],
  state: ['province'],
  avatar: ['headimgurl', 'avatarurl'],
};

/**
 * Which event properties mirror a masked field for the caller (ADR 0032): a property whose code
 * (ignoring `$`/`s_`, case, `_ - .`) is the field's key, its column, or a known alias (`phone` →
 * 手机号码), or whose display name is the field's name (姓名, 手机号码, a custom field's name). Such
 * a value shows as `***` in the timeline, as the field does on the profile. When in doubt it masks.
 */
export class MirrorMask {
  private readonly codes = new Set<string>();
  private readonly names = new Set<string>();

  constructor(masker: ContactMasker, customFields: readonly { key: string; name: string }[]) {
    if (masker.isClear) return;
    for (const field of contactTraitFields) {
      if (!masker.isMasked(field.key)) continue;
      for (const code of [field.key, field.column, field.olap, ...(FIELD_ALIASES[field.key] ?? [])])
        this.codes.add(normalize(code));
      for (const name of Object.values(systemFieldNames[field.key])) this.names.add(name.trim().toLowerCase());
    }
    for (const field of customFields) {
      if (!masker.isMasked(field.key)) continue;
      this.codes.add(normalize(field.key));
      this.names.add(field.name.trim().toLowerCase());
    }
  }

  get active(): boolean {
    return this.codes.size > 0;
  }

  mirrors(code: string, names: LocalizedText | undefined): boolean {
    if (this.codes.has(normalize(code))) return true;
    return names ? Object.values(names).some((name) => this.names.has(String(name).trim().toLowerCase())) : false;
  }
}

// ---- age ---------------------------------------------------------------------------------------------

/** Today's calendar date (`YYYY-MM-DD`) in a time zone. */
export function todayIn(timeZone: string, now = Date.now()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** Whole years from `birthday` to `today` (both `YYYY-MM-DD`); null for no birthday or one in the future. */
export function ageOn(birthday: string | null | undefined, today: string): number | null {
  const b = birthday ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthday) : null;
  const t = /^(\d{4})-(\d{2})-(\d{2})$/.exec(today);
  if (!b || !t) return null;
  let age = Number(t[1]) - Number(b[1]);
  if (`${t[2]}-${t[3]}` < `${b[2]}-${b[3]}`) age -= 1;
  return age < 0 ? null : age;
}

const num = (value: number | string | null) => (value === null ? null : Number(value));
const parseList = (json: string | null): string[] | null => (json === null ? null : (JSON.parse(json) as string[]));

/**
 * 用户查看 and 手动创建/编辑 (seed §1.4.1, §1.4.10): the contact detail for staff (profile with age,
 * system properties, connected accounts, groups, merge history), its timeline from OLAP with names
 * and dictionary labels from the metadata, the per-staff 显示设置, and creating and editing a
 * contact by hand — every view masked for the caller (§1.11.4.7.5).
 */
export class ContactDetailService {
  private groups: ContactGroupsProvider = noContactGroups;

  constructor(
    private readonly repo: ContactsRepo,
    private readonly settingsRepo: ContactViewSettingsRepo,
    private readonly contacts: ContactsService,
    private readonly reads: ContactReadsService,
    private readonly metadata: MetadataService,
    private readonly dimensions: DimensionsService,
    private readonly channels: ChannelsService,
    private readonly masking: MaskingService,
    private readonly tenants: TenantService,
    private readonly log: OperationLogService,
    private readonly logger?: Logger,
  ) {}

  /** The groups module's provider of the groups a contact is in (one; a later call replaces it). */
  setGroupsProvider(provider: ContactGroupsProvider): void {
    this.groups = provider;
  }

  // ---- detail ------------------------------------------------------------------------------------

  private async customFields(tenantId: string) {
    return (await this.metadata.contactFields(tenantId)).map((f) => ({ key: f.key, name: f.name, type: f.type }));
  }

  async detail(principal: Principal, askedId: string): Promise<ContactDetail> {
    const { tenantId } = principal;
    const contactId = await this.contacts.currentId(tenantId, askedId);
    const row = await this.repo.contact(tenantId, contactId);
    if (!row) throw new NotFoundError('contact_not_found');
    const [masker, customFields, tenant, accountRows, merges, groups] = await Promise.all([
      this.masking.forPrincipal(principal),
      this.customFields(tenantId),
      this.tenants.get(tenantId),
      this.repo.accountsOfContact(tenantId, contactId),
      this.contacts.merges(tenantId, { contactId, limit: MERGES_SHOWN }),
      this.groups.groupsOf(principal, contactId),
    ]);
    const profile = masker.mask(this.profileOf(row));
    const accounts = await this.presentAccounts(tenantId, accountRows);
    return {
      id: contactId,
      redirectedFrom: contactId === askedId ? null : askedId,
      identified: Boolean(row.identified),
      profile,
      maskedFields: masker.isClear ? [] : [...masker.maskedFields].sort(),
      age: masker.isMasked('birthday') ? null : ageOn(row.birthday, todayIn(tenant.timeZone)),
      customFields,
      system: {
        firstSeenAt: num(row.first_seen_at),
        lastActiveAt: num(row.last_active_at),
        createdAt: num(row.created_at),
        updatedAt: Number(row.updated_at),
        createdUtm: Object.fromEntries(utmKeys.map((key) => [key, row[`utm_${key}`] ?? null])) as Record<UtmKey, string | null>,
      },
      accounts,
      connections: connectionsOf(accounts),
      groups,
      merges: { ...merges, items: merges.items.map((merge) => maskMerge(merge, masker)) },
    };
  }

  /**
   * The edit form's values (编辑联系人): masked fields blank (null) — a masked value never reaches
   * the browser, not even as `***`.
   */
  async form(
    principal: Principal,
    askedId: string,
  ): Promise<{ id: string; profile: Record<string, unknown>; maskedFields: string[] }> {
    const { tenantId } = principal;
    const contactId = await this.contacts.currentId(tenantId, askedId);
    const row = await this.repo.contact(tenantId, contactId);
    if (!row) throw new NotFoundError('contact_not_found');
    const masker = await this.masking.forPrincipal(principal);
    return {
      id: contactId,
      profile: masker.forEdit(this.profileOf(row)),
      maskedFields: masker.isClear ? [] : [...masker.maskedFields].sort(),
    };
  }

  private profileOf(row: ContactRow): Record<string, unknown> {
    const api = toApiContact(row, []) as unknown as Record<string, unknown>;
    return Object.fromEntries([...contactTraitFields.map((field) => [field.key, api[field.key]]), ['props', api.props]]);
  }

  private async channelMap(tenantId: string, channelIds: Iterable<string>) {
    const found = new Map<string, { name: string; type: string; channelKey: string }>();
    for (const channelId of new Set(channelIds)) {
      try {
        const channel = await this.channels.get(tenantId, channelId);
        found.set(channelId, { name: channel.name, type: channel.type, channelKey: channel.channelKey });
      } catch (error) {
        if (!isDomainError(error) || error.code !== 'channel_not_found') throw error;
      }
    }
    return found;
  }

  private async presentAccounts(tenantId: string, rows: Awaited<ReturnType<ContactsRepo['accountsOfContact']>>) {
    const channels = await this.channelMap(
      tenantId,
      rows.map((row) => String(row.channel_id)),
    );
    return rows.map((row): DetailAccount => {
      const channelId = String(row.channel_id);
      const channel = channels.get(channelId);
      return {
        id: String(row.id),
        channelId,
        channelName: channel?.name ?? null,
        channelType: channel?.type ?? null,
        channelKey: channel?.channelKey ?? null,
        idType: row.id_type,
        userId: row.user_id,
        idTypeLabel: row.id_type === EXTERNAL_ID ? `${EXTERNAL_ID}_${channelId}_${channel?.name ?? ''}` : row.id_type,
        firstSeenAt: num(row.first_seen_at),
        createdAt: Number(row.created_at),
      };
    });
  }

  // ---- timeline ----------------------------------------------------------------------------------

  /**
   * 时间轴 (§1.4.10.4): the contact's events newest first (a merged-away contact's events count for
   * its survivor), filtered by time range and channel, outbound events only those of the caller's
   * 显示设置; names and property labels from the metadata, string values labelled by their
   * dictionary; properties that mirror a masked field masked.
   */
  async timeline(
    principal: Principal,
    askedId: string,
    query: { from?: number; to?: number; channelId?: string; cursor?: string; limit: number },
  ): Promise<{ items: TimelineEvent[]; nextCursor: string | null; timelineOutbound: string[] | null }> {
    const { tenantId } = principal;
    if (query.from !== undefined && query.to !== undefined && query.from >= query.to)
      throw new InputError('contact_timeline_range_invalid', {}, [{ path: 'to', code: 'contact_timeline_range_invalid' }]);
    const settings = await this.settings(principal);
    const page = await this.reads.events(tenantId, askedId, {
      cursor: query.cursor,
      limit: query.limit,
      from: query.from,
      to: query.to,
      channelId: query.channelId,
      outboundEvents: settings.timelineOutbound ?? undefined,
    });
    const [masker, customFields, eventTypes, properties] = await Promise.all([
      this.masking.forPrincipal(principal),
      this.customFields(tenantId),
      this.metadata.eventTypes(tenantId),
      this.metadata.eventProperties(tenantId),
    ]);
    const mirror = new MirrorMask(masker, customFields);
    const eventNames = new Map(eventTypes.map((e) => [e.code, e.names]));
    // A system event's own properties (plugins') carry their names; tenants' properties come from the metadata.
    const propertyInfo = new Map<string, { names: LocalizedText; type: PropertyType; source: TimelineProperty['source'] }>();
    for (const e of eventTypes)
      for (const p of e.properties)
        if (!propertyInfo.has(p.code))
          propertyInfo.set(p.code, { names: { 'zh-CN': p.name, 'en-US': p.name }, type: p.type, source: p.source });
    for (const p of properties) propertyInfo.set(p.code, { names: p.names, type: p.type, source: p.source });
    const channels = await this.channelMap(
      tenantId,
      page.items.flatMap((item) => (item.channelId ? [item.channelId] : [])),
    );
    const labels = await this.dictionaryLabels(tenantId, page.items, propertyInfo, mirror);
    const items = page.items.map((item): TimelineEvent => {
      const channel = item.channelId ? channels.get(item.channelId) : undefined;
      return {
        event: item.event,
        names: eventNames.get(item.event) ?? { 'zh-CN': item.event, 'en-US': item.event },
        direction: item.direction === 'outbound' ? 'outbound' : 'inbound',
        eventTime: item.eventTime,
        receivedAt: item.receivedAt,
        messageId: item.messageId,
        channelId: item.channelId,
        channelName: channel?.name ?? null,
        channelType: channel?.type ?? null,
        channelAccountId: item.channelAccountId,
        journeyId: item.journeyId,
        properties: Object.entries(item.properties).map(([code, value]): TimelineProperty => {
          const info = propertyInfo.get(code);
          const names = info?.names ?? { 'zh-CN': code, 'en-US': code };
          const masked = mirror.active && mirror.mirrors(code, info?.names) && value !== null && value !== '';
          return {
            code,
            names,
            type: info?.type ?? null,
            source: info?.source ?? 'undeclared',
            value: masked ? MASKED_VALUE : value,
            label: masked || typeof value !== 'string' ? null : (labels.get(code)?.get(value) ?? null),
            masked,
          };
        }),
      };
    });
    return { items, nextCursor: page.nextCursor, timelineOutbound: settings.timelineOutbound };
  }

  /** Dictionary labels of the page's string values, per property (masked ones are never looked up). */
  private async dictionaryLabels(
    tenantId: string,
    events: readonly ApiEvent[],
    info: Map<string, { names: LocalizedText; type: PropertyType }>,
    mirror: MirrorMask,
  ): Promise<Map<string, Map<string, string>>> {
    const values = new Map<string, Set<string>>();
    for (const event of events)
      for (const [code, value] of Object.entries(event.properties)) {
        if (typeof value !== 'string' || value === '' || info.get(code)?.type !== 'string') continue;
        if (mirror.active && mirror.mirrors(code, info.get(code)?.names)) continue;
        let set = values.get(code);
        if (!set) values.set(code, (set = new Set()));
        set.add(value);
      }
    const labels = new Map<string, Map<string, string>>();
    for (const [code, set] of values) {
      const found = await this.dimensions.labels(tenantId, 'event', code, [...set]);
      if (found.size > 0) labels.set(code, found);
    }
    return labels;
  }

  // ---- 显示设置 ------------------------------------------------------------------------------------

  private staffIdOf(principal: Principal): string {
    if (principal.kind !== 'staff') throw new Error('contact view settings belong to staff');
    return principal.staffId;
  }

  async settings(principal: Principal): Promise<ViewSettings> {
    const row = await this.settingsRepo.get(principal.tenantId, this.staffIdOf(principal));
    return { profileTags: parseList(row?.profile_tags ?? null), timelineOutbound: parseList(row?.timeline_outbound ?? null) };
  }

  /** The caller's settings and the outbound event types to choose from. */
  async settingsAnswer(principal: Principal): Promise<ViewSettingsAnswer> {
    const [settings, eventTypes] = await Promise.all([this.settings(principal), this.metadata.eventTypes(principal.tenantId)]);
    return {
      ...settings,
      outboundEventTypes: eventTypes.filter((e) => e.direction === 'outbound').map((e) => ({ code: e.code, names: e.names })),
    };
  }

  async saveSettings(principal: Principal, input: ViewSettings): Promise<ViewSettingsAnswer> {
    const list = (values: string[] | null) => (values === null ? null : JSON.stringify([...new Set(values)]));
    await this.settingsRepo.save(
      principal.tenantId,
      this.staffIdOf(principal),
      { profile_tags: list(input.profileTags), timeline_outbound: list(input.timelineOutbound) },
      Date.now(),
    );
    return this.settingsAnswer(principal);
  }

  // ---- create and edit by hand -------------------------------------------------------------------

  /** The body checked as identify checks traits (birthday writable), utm and other read-only keys refused. */
  private async check(tenantId: string, body: Record<string, unknown>) {
    const fields = (await this.metadata.contactFields(tenantId)).map((f) => ({ key: f.key, type: f.type }));
    const checked = validateTraits(body, fields, { birthdayWritable: true, mobileMax: await this.contacts.mobileMax(tenantId) });
    const problems: ErrorDetail[] = [...checked.problems];
    for (const key of checked.unknown)
      problems.push({
        path: key,
        code: READ_ONLY.has(key) || key.startsWith('utm.') ? 'contact_field_readonly' : 'contact_field_unknown',
      });
    for (const key of Object.keys(body)) {
      if (NOT_VALUES.has(key)) problems.push({ path: key, code: 'contact_field_unknown' });
      if (key === 'utm') problems.push({ path: key, code: 'contact_field_readonly' });
    }
    if (problems.length > 0) throw new InputError('contact_invalid', {}, problems);
    return checked.patch;
  }

  /** Field keys a patch sets (the operation log's detail: keys, never values). */
  private static fieldKeys(patch: Awaited<ReturnType<ContactDetailService['check']>>): string[] {
    const byColumn = new Map<string, string>(contactTraitFields.map((f) => [f.column, f.key]));
    return [
      ...Object.keys(patch.fields).map((column) => byColumn.get(column)!),
      ...Object.keys(patch.attributes).map((seq) => `attr${seq}`),
    ];
  }

  /**
   * 新建用户 (§1.4.1): a contact with the given values and no channel account; identified (created
   * time = now) when it has a name, mobile or email. Masked fields may be typed like any other and
   * show masked afterwards. Operation log 用户 · 新建; OLAP follows through the outbox.
   */
  async create(principal: Principal, body: Record<string, unknown>, ip: string | null): Promise<ContactDetail> {
    const { tenantId } = principal;
    const patch = await this.check(tenantId, body);
    const set = Object.values(patch.fields).some((v) => v !== null) || Object.values(patch.attributes).some((v) => v !== null);
    if (!set) throw new InputError('contact_empty');
    const contactId = await this.repo.transaction(async () => {
      const now = Date.now();
      const id = await this.repo.insertContact(tenantId, {
        identified: false,
        first_seen_at: now,
        updated_at: now,
        inserted_at: now,
      });
      const empty = { ...emptyRow(id, tenantId), first_seen_at: now, updated_at: now, inserted_at: now };
      const change = contactChange(empty, patch, now) ?? {};
      await this.repo.updateContact(tenantId, id, { ...change, updated_at: now });
      await this.repo.insertChanges(tenantId, [id], now);
      await this.log.record(principal, {
        objectType: 'contact',
        operation: 'create',
        objectId: id,
        detail: { fieldIds: ContactDetailService.fieldKeys(patch), identified: Boolean(change.identified) },
        ip,
      });
      return id;
    });
    await this.syncSoon(tenantId);
    return this.detail(principal, contactId);
  }

  /**
   * 编辑用户: the changed values; a masked field left blank (or sent back as `***`) keeps its stored
   * value, a typed one is saved (and shows masked). Nothing changed, nothing written. Operation log
   * 用户 · 编辑 with the changed field keys; OLAP follows through the outbox.
   */
  async update(principal: Principal, askedId: string, body: Record<string, unknown>, ip: string | null): Promise<ContactDetail> {
    const { tenantId } = principal;
    const masker = await this.masking.forPrincipal(principal);
    const patch = await this.check(tenantId, masker.mergeEditPatch(body));
    const contactId = await this.contacts.currentId(tenantId, askedId);
    const changed = await this.repo.transaction(async () => {
      const row = await this.repo.contactForUpdate(tenantId, contactId);
      if (!row) throw new NotFoundError('contact_not_found');
      const now = Date.now();
      const change = contactChange(row, patch, now);
      if (!change) return false;
      change.updated_at = now;
      await this.repo.updateContact(tenantId, contactId, change);
      await this.repo.insertChanges(tenantId, [contactId], now);
      const keys = [
        ...contactTraitFields.flatMap((field) => (change[field.column] !== undefined ? [field.key] : [])),
        ...(change.attributes !== undefined ? Object.keys(patch.attributes).map((seq) => `attr${seq}`) : []),
      ];
      await this.log.record(principal, {
        objectType: 'contact',
        operation: 'edit',
        objectId: contactId,
        detail: { fieldIds: keys, ...(change.identified !== undefined ? { identified: Boolean(change.identified) } : {}) },
        ip,
      });
      return true;
    });
    if (changed) await this.syncSoon(tenantId);
    return this.detail(principal, contactId);
  }

  /** Drains the tenant's outbox now; a failure is left to the sync loop (the outbox keeps the rows). */
  private async syncSoon(tenantId: string): Promise<void> {
    try {
      while ((await this.contacts.syncToOlap(tenantId)) > 0);
    } catch (error) {
      this.logger?.warn({ err: error, tenantId }, 'contact sync after a console edit failed; the loop retries');
    }
  }
}

/** Groups the accounts by channel (one icon per connection), WeChat ids and external_ids picked out. */
function connectionsOf(accounts: readonly DetailAccount[]): DetailConnection[] {
  const byChannel = new Map<string, DetailConnection>();
  for (const account of accounts) {
    let connection = byChannel.get(account.channelId);
    if (!connection)
      byChannel.set(
        account.channelId,
        (connection = {
          channelId: account.channelId,
          channelName: account.channelName,
          channelType: account.channelType,
          channelKey: account.channelKey,
          openId: null,
          unionId: null,
          externalIds: [],
          accounts: [],
        }),
      );
    connection.accounts.push(account);
    if (account.idType === WECHAT_OPEN_ID) connection.openId = account.userId;
    else if (account.idType === WECHAT_UNION_ID) connection.unionId = account.userId;
    else if (account.idType === EXTERNAL_ID) connection.externalIds.push(account.userId);
  }
  // A unionId hangs on one official account's channel; every official account of the contact shows it.
  const unionId = accounts.find((a) => a.idType === WECHAT_UNION_ID)?.userId ?? null;
  for (const connection of byChannel.values())
    if (connection.channelType === WECHAT_CHANNEL_TYPE && connection.unionId === null) connection.unionId = unionId;
  return [...byChannel.values()];
}

function emptyRow(id: string, tenantId: string): ContactRow {
  const row: Record<string, unknown> = { id, tenant_id: tenantId, identified: false, attributes: null };
  for (const field of contactTraitFields) row[field.column] = null;
  for (const key of utmKeys) row[`utm_${key}`] = null;
  Object.assign(row, { first_seen_at: null, last_active_at: null, created_at: null, updated_at: 0, inserted_at: 0 });
  return row as unknown as ContactRow;
}
