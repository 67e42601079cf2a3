import type { LocalizedText } from '../../kernel/contributions.js';
import type { ContributionRegistry } from '../../kernel/contribution-registry.js';
import { decodeCursor, encodeCursor } from '../../server/cursor.js';
import { InputError, type ErrorDetail } from '../../server/errors.js';
import type { AnalyticsEngine } from '../../store/olap/analytics-engine.js';
import type { SqlDialect } from '../../store/olap/dialect.js';
import type { ContactUsageService } from '../contacts/usage.js';
import type { ContactMasker } from '../masking/masking.service.js';
import type { MetadataService } from '../metadata/metadata.service.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import type { Tenant } from '../tenancy/tenant.types.js';
import type { HomeRepo } from './home.repo.js';
import { PAGEVIEW_EVENT, monthWindow, type MonthWindow } from './usage-months.js';

export interface HomeSummary {
  version: string;
  tenant: Tenant;
  /** 联系人: every current contact, and the identified (实名) ones. */
  contacts: { all: number; identified: number };
  /** Numbers modules and plugins contribute (`home.counters`): connections, journeys once they exist… */
  counts: { key: string; value: number }[];
}

/** One event of the home timeline (首页时间轴). */
export interface HomeTimelineEvent {
  event: string;
  /** The event's display name (元数据); the code itself when the event type is unknown. */
  eventNames: LocalizedText;
  eventTime: number;
  direction: 'inbound' | 'outbound';
  messageId: string;
  contactId: string;
  /** The contact's name, else nickname, masked for the caller (`***`); null when it has neither. */
  contactName: string | null;
  channelId: string | null;
}

export interface HomeTimelinePage {
  items: HomeTimelineEvent[];
  nextCursor: string | null;
}

/** 显示设置: which outbound (主动) events the staff member's home timeline shows, and the choices. */
export interface HomeDisplaySettings {
  outboundEvents: string[];
  options: { code: string; names: LocalizedText }[];
}

/** 使用情况 (seed §1.11.5). */
export interface UsageSummary {
  timeZone: string;
  /** 到期: the last day paid for (tenant-local), or null. */
  expiresOn: string | null;
  contacts: { all: number; identified: number };
  /** 追踪用户数 TU: see ADR 0036. */
  trackedUsers: number;
  /** Events per tenant-local month, the last 12 months (oldest first, the current month last). */
  events: { total: number; months: { month: string; events: number }[] };
}

export const homeLimits = { timelineDefault: 20, timelineMax: 100, displayEventsMax: 100 } as const;

const timestampText = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
const same = (text: string): LocalizedText => ({ 'zh-CN': text, 'en-US': text });

/**
 * 首页 (seed §1.2.3) and 使用情况 (§1.11.5): the version and the tenant, its contacts, the numbers
 * modules contribute, the timeline of the tenant's recent events (names masked per caller, outbound
 * events only as each staff member's 显示设置 chooses), tracked users and events per month (ADR 0036).
 */
export class HomeService {
  constructor(
    private readonly tenants: TenantService,
    private readonly contributions: ContributionRegistry,
    private readonly version: string,
    private readonly contacts: ContactUsageService,
    private readonly metadata: MetadataService,
    private readonly olap: AnalyticsEngine,
    private readonly repo: HomeRepo,
  ) {}

  async summary(tenantId: string): Promise<HomeSummary> {
    const tenant = await this.tenants.get(tenantId);
    const [contacts, counts] = await Promise.all([
      this.contacts.counts(tenantId),
      Promise.all(
        [...this.contributions.homeCounters.values()].map(async ({ definition }) => ({
          key: definition.key,
          value: await definition.count(tenantId),
        })),
      ),
    ]);
    return { version: this.version, tenant, contacts, counts };
  }

  // ---- 显示设置 ---------------------------------------------------------------------------------

  /** The tenant's outbound event types (system events of the plugins; custom events are inbound). */
  private async outboundTypes(tenantId: string): Promise<{ code: string; names: LocalizedText }[]> {
    return (await this.metadata.eventTypes(tenantId))
      .filter((type) => type.direction === 'outbound')
      .map((type) => ({ code: type.code, names: type.names }));
  }

  async displaySettings(tenantId: string, staffId: string): Promise<HomeDisplaySettings> {
    const options = await this.outboundTypes(tenantId);
    const known = new Set(options.map((o) => o.code));
    // A plugin removed since: its events are no longer offered, nor shown.
    const saved = ((await this.repo.outboundEvents(tenantId, staffId)) ?? []).filter((code) => known.has(code));
    return { outboundEvents: saved, options };
  }

  async saveDisplaySettings(tenantId: string, staffId: string, outboundEvents: readonly string[]): Promise<HomeDisplaySettings> {
    const known = new Set((await this.outboundTypes(tenantId)).map((o) => o.code));
    const problems: ErrorDetail[] = [];
    outboundEvents.forEach((code, index) => {
      if (!known.has(code)) problems.push({ path: `outboundEvents.${index}`, code: 'home_display_event_invalid' });
    });
    if (problems.length > 0) {
      const first = outboundEvents[Number(problems[0]!.path.split('.')[1])]!;
      throw new InputError('home_display_event_invalid', { event: first }, problems);
    }
    await this.repo.saveOutboundEvents(tenantId, staffId, [...new Set(outboundEvents)]);
    return this.displaySettings(tenantId, staffId);
  }

  // ---- 时间轴 -----------------------------------------------------------------------------------

  /**
   * The tenant's events, newest first (keyset on event time, messageId, event code): every inbound
   * event, and the outbound ones the staff member chose in 显示设置. Names come from the OLTP master
   * (current values), masked for the caller.
   */
  async timeline(
    tenantId: string,
    staffId: string | null,
    masker: ContactMasker,
    query: { cursor?: string; limit: number },
  ): Promise<HomeTimelinePage> {
    const after =
      query.cursor === undefined
        ? undefined
        : (decodeCursor('home-events', query.cursor, ['number', 'string', 'string']) as [number, string, string]);
    const analytics = this.olap.forTenant(tenantId);
    // No schema declared yet: no event can have been loaded.
    if (!(await analytics.schema())) return { items: [], nextCursor: null };
    const outbound = staffId === null ? [] : (await this.displaySettings(tenantId, staffId)).outboundEvents;

    const { sql, params } = homeTimelineStatement(this.olap.dialect, { outbound, after, limit: query.limit });
    const result = await analytics.query<Record<string, unknown>>(sql, { params, rowMode: 'json' });
    const rows = result.rows.slice(0, query.limit);

    const [types, names] = await Promise.all([
      this.metadata.eventTypes(tenantId),
      this.contacts.names(
        tenantId,
        rows.map((row) => String(row.contact_id)),
      ),
    ]);
    const typeNames = new Map(types.map((type) => [type.code, type.names]));
    const items = rows.map((row): HomeTimelineEvent => {
      const event = String(row.event);
      const contactId = String(row.contact_id);
      const contact = names.get(contactId);
      return {
        event,
        eventNames: typeNames.get(event) ?? same(event),
        eventTime: Number(row.event_time_ms),
        direction: row.direction === 'outbound' ? 'outbound' : 'inbound',
        messageId: String(row.message_id),
        contactId,
        contactName: contact ? masker.maskName(contact) : null,
        channelId: row.channel_id === null || row.channel_id === undefined ? null : String(row.channel_id),
      };
    });
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        result.rows.length > query.limit && last
          ? encodeCursor('home-events', [last.eventTime, last.messageId, last.event])
          : null,
    };
  }

  // ---- 使用情况 ---------------------------------------------------------------------------------

  async usage(tenantId: string, now = Date.now()): Promise<UsageSummary> {
    const tenant = await this.tenants.get(tenantId);
    const window = monthWindow(tenant.timeZone, now, 12);
    const [contacts, trackedUsers, months] = await Promise.all([
      this.contacts.counts(tenantId),
      this.trackedUsers(tenantId),
      this.eventsPerMonth(tenantId, tenant.timeZone, window),
    ]);
    return {
      timeZone: tenant.timeZone,
      expiresOn: tenant.expiresOn,
      contacts,
      trackedUsers,
      events: { total: months.reduce((sum, m) => sum + m.events, 0), months },
    };
  }

  /**
   * 追踪用户数 TU (seed §1.11.5, ADR 0036): current contacts that were created by hand, imported or
   * identified (by values or a non-anonymous user id) — counted in OLTP — plus those whose only
   * trace is an event other than 页面浏览 (OLAP), each counted once.
   */
  async trackedUsers(tenantId: string): Promise<number> {
    const known = await this.contacts.knownCount(tenantId);
    const analytics = this.olap.forTenant(tenantId);
    if (!(await analytics.schema())) return known;
    // Contacts with an event other than 页面浏览 that OLAP does not know as identified: OLTP decides
    // whether knownCount already has them (it may know more, or sooner).
    const result = await analytics.query<{ contact_id: string }>(TRACKED_USERS_SQL, {
      params: [PAGEVIEW_EVENT],
      rowMode: 'json',
    });
    const { existing, known: alreadyCounted } = await this.contacts.classify(
      tenantId,
      result.rows.map((row) => String(row.contact_id)),
    );
    return known + existing - alreadyCounted;
  }

  /** Events (inbound and outbound, every code) per tenant-local month of the window. */
  private async eventsPerMonth(
    tenantId: string,
    timeZone: string,
    window: MonthWindow,
  ): Promise<{ month: string; events: number }[]> {
    const counts = new Map<string, number>();
    const analytics = this.olap.forTenant(tenantId);
    if (await analytics.schema()) {
      const statement = eventsPerMonthStatement(this.olap.dialect, timeZone, window);
      const result = await analytics.query<{ month: string; n: string | number }>(statement.sql, {
        params: statement.params,
        rowMode: 'json',
      });
      for (const row of result.rows) counts.set(String(row.month).slice(0, 7), Number(row.n));
    }
    return window.months.map((m) => ({ month: m, events: counts.get(m) ?? 0 }));
  }
}

/** Contacts with an event other than `?` (页面浏览) that OLAP does not know as identified (追踪用户数). */
export const TRACKED_USERS_SQL =
  `SELECT DISTINCT e.contact_id AS contact_id FROM events AS e LEFT JOIN contacts AS c ON c.id = e.contact_id ` +
  `WHERE e.event <> ? AND (c.identified IS NULL OR c.identified = FALSE)`;

/**
 * 首页动态: inbound events (and the outbound codes the staff member chose), newest first, keyset-paged
 * by (event_time, message_id, event); one row more than `limit` tells there is a next page.
 */
export function homeTimelineStatement(
  d: SqlDialect,
  input: { outbound: readonly string[]; after?: readonly [number, string, string]; limit: number },
): { sql: string; params: (string | number)[] } {
  const q = (name: string) => d.quoteIdentifier(name);
  const params: (string | number)[] = [];
  const where: string[] = [];
  if (input.outbound.length > 0) {
    where.push(`(direction = 'inbound' OR event IN (${input.outbound.map(() => '?').join(', ')}))`);
    params.push(...input.outbound);
  } else where.push(`direction = 'inbound'`);
  if (input.after) {
    const [time, messageId, event] = input.after;
    const at = d.timestampParam();
    where.push(`(event_time < ${at} OR (event_time = ${at} AND (message_id < ? OR (message_id = ? AND event < ?))))`);
    params.push(timestampText(time), timestampText(time), messageId, messageId, event);
  }
  const sql =
    `SELECT ${q('event')}, ${d.epochMs('event_time')} AS ${q('event_time_ms')}, ${q('direction')}, ${q('message_id')}, ` +
    `${q('contact_id')}, ${q('channel_id')} FROM events WHERE ${where.join(' AND ')} ` +
    `ORDER BY event_time DESC, message_id DESC, event DESC LIMIT ${input.limit + 1}`;
  return { sql, params };
}

/** Events (inbound and outbound, every code) per tenant-local month of `window` (使用情况). */
export function eventsPerMonthStatement(
  d: SqlDialect,
  timeZone: string,
  window: { from: number; to: number },
): { sql: string; params: string[] } {
  const month = d.localMonthStart('event_time', timeZone);
  return {
    sql:
      `SELECT ${month} AS month, COUNT(*) AS n FROM events ` +
      `WHERE event_time >= ${d.timestampParam()} AND event_time < ${d.timestampParam()} GROUP BY ${month}`,
    params: [timestampText(window.from), timestampText(window.to)],
  };
}
