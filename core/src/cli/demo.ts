import { randomBytes, randomInt } from 'node:crypto';
import type { HuiliuApp } from '../app.js';
import { ZonedClock } from '../lib/zoned-clock.js';
import { kernelServices } from '../kernel/services.js';
import type { Channel } from '../modules/channels/channel.types.js';
import { channelsServiceRef } from '../modules/channels/channels.service.js';
import { contactsServiceRef } from '../modules/contacts/contacts.service.js';
import {
  DEMO_EVENTS,
  DEMO_OFFICIAL_ACCOUNT,
  generateDemo,
  type DemoMessage,
  type DemoSource,
  type DemoWeChatMessage,
} from '../modules/demo/demo-data.js';
import { demoServiceRef, type DemoRun } from '../modules/demo/demo.service.js';
import { ingestionServiceRef } from '../modules/ingestion/ingestion.service.js';
import { ingestWorkerRef } from '../modules/ingestion/ingestion.module.js';
import { PluginIngestService } from '../modules/ingestion/plugin-ingest.js';
import { tenantServiceRef } from '../modules/tenancy/tenant.service.js';
import { pluginEnablementRef } from '../modules/tenant-plugins/plugin-enablement.js';
import { metadataServiceRef } from '../modules/metadata/metadata.service.js';
import { setupServiceRef } from '../modules/setup/setup.service.js';
import { authServiceRef } from '../modules/staff/auth.service.js';
import type { HuiliuCredentials, Principal } from '../server/principal.js';

/**
 * `huiliu demo` (ADR 0030): a demo tenant with a shop's custom channel (a web and an iOS app), a
 * mini-program, a WeChat official account (when the wechat plugin is on: its followers' article
 * comments and messages, ADR 0047), 5,000 contacts and ~200,000 events over the last 60 days. The tenant is made
 * through the services; channels, apps and metadata through the console API (as its super staff);
 * every contact and event through the collect API with the SDK — so the demo also exercises the
 * pipeline. Idempotent: the tenant is found again, the data regenerated from the same anchor day
 * with the same messageIds, and once complete a run changes nothing.
 */

export const DEMO_TENANT_NAME = '汇流优选（演示）';
export const DEMO_EMAIL = 'demo@huiliu.example.com';
const DEMO_TIME_ZONE = 'Asia/Shanghai';
const SHOP_CHANNEL = { name: '汇流优选商城', channelKey: 'udc_huiliu_demo' };
const MINIPROGRAM_CHANNEL = { name: '汇流优选小程序', channelKey: 'wx4d7e5f6a7b8c9d0e' };

export interface DemoSummary {
  status: 'created' | 'resumed' | 'unchanged';
  tenantId: string;
  email: string;
  /** Only when this run created the super staff. */
  password?: string;
  contacts: number;
  events: number;
  anchorDay: string;
}

export interface DemoOptions {
  /** Where the SDK sends (this process's listening server). */
  baseUrl: string;
  password?: string;
  /** Contacts to generate (the demo's 5,000 by default; tests use fewer). */
  contacts?: number;
  log?: (line: string) => void;
  /** Sends the messages of one writeKey (the SDK); injected so tests can count what was sent. */
  sender?: (writeKey: string, messages: DemoMessage[]) => Promise<void>;
}

/** An in-process console API call as the demo's super staff (no cookie: the principal is given). */
class StaffCaller {
  private readonly csrf = randomBytes(16).toString('hex');

  constructor(
    private readonly app: HuiliuApp,
    private readonly principal: Principal,
  ) {}

  async request<T>(method: string, url: string, payload?: object): Promise<T> {
    const credentials: HuiliuCredentials = { principal: { ...this.principal, csrfToken: this.csrf } as Principal };
    const res = await this.app.server.inject({
      method,
      url,
      payload,
      headers: { 'x-csrf-token': this.csrf, 'accept-language': 'zh-CN' },
      auth: { strategy: 'session', credentials: credentials as unknown as Record<string, unknown> },
    });
    if (res.statusCode >= 300) throw new Error(`demo: ${method} ${url} answered ${res.statusCode}: ${res.payload}`);
    return JSON.parse(res.payload) as T;
  }
}

async function findOrCreateTenant(
  app: HuiliuApp,
  options: DemoOptions,
): Promise<{ run: DemoRun; password?: string; created: boolean }> {
  const demo = app.service(demoServiceRef);
  const existing = await demo.find();
  if (existing) return { run: existing, created: false };
  const password = options.password ?? `Demo${randomInt(1000, 10_000)}-${randomBytes(9).toString('base64url')}`;
  const anchorDay = new ZonedClock(DEMO_TIME_ZONE).localDate(Date.now());
  // The tenant and its record in one transaction: a crash between them leaves neither.
  return app.oltp.transaction(async () => {
    const { tenant, staff } = await app.service(setupServiceRef).createWithSuperStaff({
      tenantName: DEMO_TENANT_NAME,
      timeZone: DEMO_TIME_ZONE,
      staff: { email: DEMO_EMAIL, name: '演示管理员', password },
    });
    const run = await demo.record(tenant.id, staff.id, anchorDay);
    return { run, password, created: true };
  });
}

interface Writers {
  /** writeKeys by source. */
  writeKeys: Record<DemoSource, string>;
  /** The contact field key (`attr1`…) of 会员等级. */
  memberLevelKey: string;
  /** The official account, when the wechat plugin is installed and enabled for the tenant. */
  officialAccount: Channel | undefined;
}

const WECHAT_PLUGIN = 'wechat';

/**
 * The official account as the WeChat connector registers it after the authorization (no manual
 * creation for this channel type); none when the wechat plugin is not installed or not enabled.
 */
async function ensureOfficialAccount(app: HuiliuApp, run: DemoRun): Promise<Channel | undefined> {
  const contributions = app.service(kernelServices.contributions);
  if (!contributions.ownsChannelType(WECHAT_PLUGIN, 'wechat')) return undefined;
  if (!(await app.service(pluginEnablementRef).isEnabled(run.tenantId, WECHAT_PLUGIN))) return undefined;
  const channels = app.service(channelsServiceRef);
  const existing = await channels.findByKey(run.tenantId, DEMO_OFFICIAL_ACCOUNT.appId);
  return (
    existing ??
    (await channels.register(
      run.tenantId,
      { type: 'wechat', channelKey: DEMO_OFFICIAL_ACCOUNT.appId, name: DEMO_OFFICIAL_ACCOUNT.name },
      run.staffId,
    ))
  );
}

/**
 * Records the followers' comments and messages the way the WeChat connector does: through the
 * plugins' write path (`coreServices.ingest`, ADR 0038) bound to the wechat plugin, keyed by openId
 * on the official account — the fan each contact's identify linked with its weChatInfo.
 */
async function sendComments(app: HuiliuApp, tenantId: string, channel: Channel, comments: DemoWeChatMessage[]): Promise<void> {
  const ingest = new PluginIngestService(WECHAT_PLUGIN, {
    ingestion: app.service(ingestionServiceRef),
    channels: app.service(channelsServiceRef),
    contacts: app.service(contactsServiceRef),
    tenants: app.service(tenantServiceRef),
    contributions: app.service(kernelServices.contributions),
    enablement: app.service(pluginEnablementRef),
  });
  for (let start = 0; start < comments.length; start += 500) {
    await ingest.trackBatch(
      comments.slice(start, start + 500).map((comment) => ({
        tenantId,
        channelId: channel.id,
        userIdType: 'wechat.openId',
        userId: comment.openId,
        messageId: comment.messageId,
        timestamp: comment.timestamp,
        event: comment.event,
        properties: comment.properties,
      })),
    );
  }
}

/** The shop's channels, apps, contact field and custom events — each made once, found on a later run. */
async function ensureSetup(app: HuiliuApp, run: DemoRun, staff: StaffCaller): Promise<Writers> {
  const { tenantId } = run;
  const channels = app.service(channelsServiceRef);
  const metadata = app.service(metadataServiceRef);
  const channelOf = async (type: string, input: { name: string; channelKey: string }) => {
    const existing = (await channels.list(tenantId, { type, page: 1, pageSize: 100 })).items.find(
      (channel) => channel.channelKey === input.channelKey,
    );
    return existing ?? (await staff.request<{ id: string }>('POST', '/api/v1/channels', { type, ...input }));
  };
  const shop = await channelOf('custom', SHOP_CHANNEL);
  const miniprogram = await channelOf('miniprogram', MINIPROGRAM_CHANNEL);

  type App = { platform: string; writeKey: string };
  const appsUrl = `/api/v1/p/custom-channel/channels/${shop.id}/apps`;
  const apps = (await staff.request<{ items: App[] }>('GET', appsUrl)).items;
  const appOf = async (platform: 'web' | 'ios', input: Record<string, string>) =>
    apps.find((a) => a.platform === platform) ?? (await staff.request<App>('POST', appsUrl, { platform, ...input }));
  const web = await appOf('web', { name: '汇流优选官网', domain: 'shop.example.com' });
  const ios = await appOf('ios', { name: '汇流优选 iOS', bundleId: 'com.example.huiliu.shop' });
  const miniprogramKey = (
    await staff.request<{ writeKey: string }>('GET', `/api/v1/p/miniprogram/channels/${miniprogram.id}/write-key`)
  ).writeKey;

  const fields = await metadata.contactFields(tenantId);
  const memberLevel =
    fields.find((field) => field.name === '会员等级') ??
    (await staff.request<{ key: string }>('POST', '/api/v1/metadata/contact-fields', { name: '会员等级', type: 'string' }));

  const declared = new Set((await metadata.eventTypes(tenantId, { source: 'custom' })).map((event) => event.code));
  for (const event of DEMO_EVENTS) {
    if (declared.has(event.code)) continue;
    await staff.request('POST', '/api/v1/metadata/event-types', { channelId: shop.id, ...event });
  }
  return {
    writeKeys: { web: web.writeKey, ios: ios.writeKey, miniprogram: miniprogramKey },
    memberLevelKey: memberLevel.key,
    officialAccount: await ensureOfficialAccount(app, run),
  };
}

/** What the demo uses of `@huiliu/sdk-node`'s `Analytics` (loaded at run time: the SDK builds after core). */
interface SdkAnalytics {
  identify(message: Record<string, unknown>): string;
  track(message: Record<string, unknown>): string;
  drained(): Promise<void>;
  flush(): Promise<void>;
  closeAndFlush(options?: { timeout?: number }): Promise<void>;
}
type SdkAnalyticsClass = new (options: {
  writeKey: string;
  host: string;
  flushAt: number;
  flushInterval: number;
  concurrency: number;
  maxQueueSize: number;
  maxRetries: number;
  flushOnExit: boolean;
  onError: (error: Error) => void;
}) => SdkAnalytics;

const SDK_NODE = '@huiliu/sdk-node';

/**
 * Sends the messages of one writeKey with the Node SDK's server-side tracking, as an integrator's
 * backend would: batches, lanes per person (each person's messages in order), retries on network
 * errors, 5xx and 429. Resolves once every message is durable; rejects if any was refused.
 */
export async function collectSender(baseUrl: string, writeKey: string, messages: DemoMessage[]): Promise<void> {
  const { Analytics } = (await import(SDK_NODE)) as { Analytics: SdkAnalyticsClass };
  const errors: Error[] = [];
  const analytics = new Analytics({
    writeKey,
    host: baseUrl,
    flushAt: 500,
    flushInterval: 500,
    concurrency: 3,
    maxQueueSize: 50_000,
    maxRetries: 8,
    flushOnExit: false,
    onError: (error) => errors.push(error),
  });
  for (const { type, messageId, userId, anonymousId, timestamp, traits, event, properties } of messages) {
    const common = { messageId, userId, anonymousId, timestamp };
    if (type === 'identify') analytics.identify({ ...common, traits });
    else analytics.track({ ...common, event, properties });
    await analytics.drained();
  }
  await analytics.flush();
  await analytics.closeAndFlush();
  if (errors.length > 0) throw new Error(`the demo's messages were refused: ${errors[0]!.message}`);
}

/**
 * Creates (or finds) the demo tenant and sends its data. In-process: `app` is started and serves
 * `baseUrl`; the call returns once every message is loaded.
 */
export async function seedDemo(app: HuiliuApp, options: DemoOptions): Promise<DemoSummary> {
  const log = options.log ?? (() => undefined);
  const { run, password, created } = await findOrCreateTenant(app, options);
  const summary = async (status: DemoSummary['status']): Promise<DemoSummary> => ({
    status,
    tenantId: run.tenantId,
    email: DEMO_EMAIL,
    ...(password ? { password } : {}),
    contacts: await countOlap(app, run.tenantId, 'contacts'),
    events: await countOlap(app, run.tenantId, 'events'),
    anchorDay: run.anchorDay,
  });
  if (run.completedAt !== null) return summary('unchanged');

  const auth = app.service(authServiceRef);
  const staff = new StaffCaller(app, {
    kind: 'staff',
    tenantId: run.tenantId,
    staffId: run.staffId,
    isSuper: true,
    sessionId: 'huiliu-demo',
    csrfToken: '',
    permissions: await auth.permissionsOf(run.tenantId, run.staffId, true),
  });
  log(`${created ? 'Created' : 'Found'} the demo tenant ${run.tenantId}; setting up its channels, apps and events…`);
  const writers = await ensureSetup(app, run, staff);

  const data = generateDemo(run.anchorDay, DEMO_TIME_ZONE, options.contacts);
  const send = options.sender ?? ((writeKey, messages) => collectSender(options.baseUrl, writeKey, messages));
  const bySource = (messages: DemoMessage[]) => {
    const groups = new Map<DemoSource, DemoMessage[]>();
    for (const message of messages) {
      let list = groups.get(message.source);
      if (!list) groups.set(message.source, (list = []));
      list.push(message);
    }
    return groups;
  };
  const levels = new Map(data.contacts.map((contact) => [contact.userId, contact.memberLevel]));
  const openIds = new Map(data.contacts.map((contact) => [contact.userId, contact.openId]));
  const identifies = data.identifies.map((message) => {
    const openId = writers.officialAccount ? openIds.get(message.userId) : null;
    return {
      ...message,
      traits: {
        ...message.traits,
        props: { [writers.memberLevelKey]: levels.get(message.userId) },
        // A follower's member profile names its fan (seed §2.1.1.1): the comments below join it.
        ...(openId ? { weChatInfo: { appId: DEMO_OFFICIAL_ACCOUNT.appId, openId } } : {}),
      },
    };
  });
  // Everyone is identified before their events are sent: each person's messages reach the inbox in order.
  log(`Sending ${identifies.length} contacts…`);
  for (const [source, messages] of bySource(identifies)) await send(writers.writeKeys[source], messages);
  // A resumed run skips the events already loaded: the inbox dedupes a messageId for 7 days only,
  // and an interrupted demo may be resumed any day later.
  const loaded = created ? new Set<string>() : await loadedMessageIds(app, run.tenantId);
  const events = data.events.filter((event) => !loaded.has(event.messageId));
  log(`Sending ${events.length} events of the last 60 days${loaded.size > 0 ? ` (${loaded.size} were loaded before)` : ''}…`);
  for (const [source, messages] of bySource(events)) await send(writers.writeKeys[source], messages);
  log('Waiting for the pipeline to load them…');
  await app.service(ingestWorkerRef).drain();
  if (writers.officialAccount) {
    // After the identifies are applied, so that every fan is the member its weChatInfo named.
    const comments = data.comments.filter((comment) => !loaded.has(comment.messageId));
    log(`Recording ${comments.length} article comments and messages of the official account's followers…`);
    await sendComments(app, run.tenantId, writers.officialAccount, comments);
    await app.service(ingestWorkerRef).drain();
  }
  log('Saving the demo reports and the 电商概览 dashboard…');
  await ensureReports(staff);
  await app.service(demoServiceRef).complete(run.tenantId);
  return summary(created ? 'created' : 'resumed');
}

const pastDays = (days: number) => ({ kind: 'past', days, includeToday: true });
const payOrder = (id: string, aggregate: string, extra: Record<string, unknown> = {}) => ({
  id,
  kind: 'event',
  event: 'pay_order',
  aggregate,
  ...extra,
});

/** The demo's saved 事件分析 reports (ADR 0052) and the dashboard showing them, by name: made once. */
export const DEMO_REPORTS: {
  name: string;
  size: 'S' | 'M' | 'L';
  model?: string;
  query: Record<string, unknown>;
  /**
   * The demo dashboard it is on (default 电商概览; a dashboard holds ≤ 10 reports, seed §1.3); false: a model that
   * may not go on dashboards (用户画像), saved only.
   */
  dashboard?: string | false;
}[] = [
  {
    name: '每日下单与支付',
    size: 'L',
    query: {
      metrics: [
        { id: 'A', kind: 'event', event: 'submit_order', aggregate: 'count' },
        payOrder('B', 'count'),
        { id: 'C', kind: 'formula', formula: 'B / A', name: '支付转化率', format: 'percent' },
      ],
      timeRange: pastDays(30),
      granularity: 'day',
      chart: 'line',
    },
  },
  {
    name: '支付金额（按支付方式）',
    size: 'M',
    query: {
      metrics: [payOrder('A', 'sum', { property: 'order_amount' })],
      dimensions: [{ kind: 'eventProperty', property: 'pay_method' }],
      timeRange: pastDays(30),
      granularity: 'total',
      chart: 'pie',
    },
  },
  {
    name: '支付人数（按省份）',
    size: 'M',
    query: {
      metrics: [payOrder('A', 'users'), payOrder('B', 'perUser')],
      dimensions: [{ kind: 'contactProperty', property: 'province' }],
      timeRange: pastDays(30),
      granularity: 'total',
      chart: 'table',
    },
  },
  {
    name: '加购到支付',
    size: 'S',
    query: {
      metrics: [
        { id: 'A', kind: 'event', event: 'add_to_cart', aggregate: 'users' },
        payOrder('B', 'users'),
        { id: 'C', kind: 'formula', formula: 'B / A', name: '加购用户支付率', format: 'percent' },
      ],
      timeRange: pastDays(7),
      granularity: 'total',
      chart: 'table',
    },
  },
  // One of each analysis model (issue 22): they open in their own pages and render as dashboard cards.
  {
    name: '浏览到支付漏斗',
    size: 'M',
    model: 'funnel',
    query: {
      steps: [{ event: 'view_product' }, { event: 'add_to_cart' }, { event: 'submit_order' }, { event: 'pay_order' }],
      window: { unit: 'day', value: 7 },
      timeRange: pastDays(30),
    },
  },
  {
    name: '浏览商品 7 日留存',
    size: 'L',
    model: 'retention',
    query: {
      initial: { event: 'view_product' },
      return: { event: 'view_product' },
      metric: 'retained',
      unit: 'day',
      periods: 7,
      timeRange: pastDays(14),
    },
  },
  {
    name: '用户支付金额分布',
    size: 'M',
    model: 'distribution',
    query: {
      metric: { event: 'pay_order', aggregate: 'sum', property: 'order_amount' },
      intervals: { mode: 'default' },
      timeRange: pastDays(30),
    },
  },
  {
    name: '首次浏览用户 LTV',
    size: 'L',
    model: 'ltv',
    query: {
      initial: { kind: 'event', event: 'view_product' },
      revenue: { event: 'pay_order', aggregate: 'sum', property: 'order_amount' },
      timeRange: pastDays(14),
      unit: 'day',
      periods: 7,
      metric: 'arpu',
    },
  },
  {
    name: '用户省份分布',
    dashboard: '用户洞察',
    size: 'M',
    model: 'user',
    query: {
      metrics: [{ aggregate: 'users' }],
      dimensions: [{ kind: 'contactProperty', property: 'province' }],
    },
  },
  {
    name: '支付订单归因（线性）',
    dashboard: '用户洞察',
    size: 'L',
    model: 'attribution',
    query: {
      target: { event: 'pay_order' },
      touches: [{ event: 'view_product' }, { event: 'add_to_cart' }],
      windowDays: 1,
      attributionModel: 'linear',
      directConversions: true,
      metric: { aggregate: 'sum', property: 'order_amount' },
      timeRange: pastDays(30),
    },
  },
  {
    name: '浏览商品后的路径',
    dashboard: '用户洞察',
    size: 'L',
    model: 'path',
    query: {
      events: [{ event: 'view_product' }, { event: 'add_to_cart' }, { event: 'submit_order' }, { event: 'pay_order' }],
      anchor: { kind: 'start', event: 0 },
      interval: { value: 30, unit: 'minute' },
      merge: true,
      layers: 4,
      nodes: 7,
      timeRange: pastDays(30),
    },
  },
  // 自定义查询 (ADR 0062): SQL over event_view and contact_view, a table card.
  {
    name: '各省支付用户（SQL）',
    dashboard: '用户洞察',
    size: 'M',
    model: 'customQuery',
    query: {
      sql:
        'SELECT c.province, count(DISTINCT e.contact_id) AS users, sum(e.p_order_amount) AS amount ' +
        'FROM event_view AS e JOIN contact_view AS c ON c.id = e.contact_id ' +
        "WHERE e.event = 'pay_order' AND e.event_day >= current_date - INTERVAL 30 DAY " +
        'GROUP BY c.province ORDER BY users DESC, c.province',
    },
  },
  // 用户画像 (ADR 0061) may not go on dashboards: saved only, opened from 所有报表.
  {
    name: '全部用户画像',
    size: 'M',
    model: 'profile',
    dashboard: false,
    query: { group: { type: 'all' }, view: 'region' },
  },
];
export const DEMO_DASHBOARD = { folder: '电商分析', name: '电商概览' };
/** The second demo dashboard: the user-level analyses (用户分析, 路径分析, 归因分析, 自定义查询). */
export const DEMO_INSIGHTS_DASHBOARD = { folder: '电商分析', name: '用户洞察' };
export const DEMO_DASHBOARDS = [DEMO_DASHBOARD, DEMO_INSIGHTS_DASHBOARD];
/** The demo dashboard a demo report is on. */
export const demoDashboardOf = (report: { dashboard?: string | false }) =>
  report.dashboard === false ? undefined : DEMO_DASHBOARDS.find((d) => d.name === (report.dashboard ?? DEMO_DASHBOARD.name))!;
/** The demo reports on a demo dashboard, in card order. */
export const demoReportsOn = (dashboard: { name: string }) =>
  DEMO_REPORTS.filter((report) => demoDashboardOf(report)?.name === dashboard.name);

async function ensureReports(staff: StaffCaller): Promise<void> {
  type Saved = { id: string; name: string };
  const ids = new Map<string, { id: string; size: 'S' | 'M' | 'L' }[]>();
  for (const report of DEMO_REPORTS) {
    const model = report.model ?? 'event';
    const existing = (await staff.request<{ items: Saved[] }>('GET', `/api/v1/console/reports?model=${model}&pageSize=100`))
      .items;
    const found = existing.find((item) => item.name === report.name);
    const saved =
      found ?? (await staff.request<Saved>('POST', '/api/v1/console/reports', { model, name: report.name, query: report.query }));
    if (report.dashboard === false) continue;
    const board = demoDashboardOf(report)!.name;
    ids.set(board, [...(ids.get(board) ?? []), { id: saved.id, size: report.size }]);
  }
  for (const demo of DEMO_DASHBOARDS) {
    const folders = (
      await staff.request<{ items: { id: string; name: string; parentId: string | null }[] }>(
        'GET',
        '/api/v1/console/dashboard-folders',
      )
    ).items;
    const folder =
      folders.find((f) => f.name === demo.folder && f.parentId === null) ??
      (await staff.request<{ id: string }>('POST', '/api/v1/console/dashboard-folders', { name: demo.folder }));
    const dashboards = (
      await staff.request<{ items: { id: string; name: string }[] }>('GET', `/api/v1/console/dashboards?folderId=${folder.id}`)
    ).items;
    if (dashboards.some((d) => d.name === demo.name)) continue;
    const dashboard = await staff.request<{ id: string }>('POST', '/api/v1/console/dashboards', {
      name: demo.name,
      folderId: folder.id,
    });
    for (const card of ids.get(demo.name) ?? [])
      await staff.request('POST', `/api/v1/console/dashboards/${dashboard.id}/cards`, { reportId: card.id, size: card.size });
  }
}

async function loadedMessageIds(app: HuiliuApp, tenantId: string): Promise<Set<string>> {
  const { rows } = await app.olap.forTenant(tenantId).query('SELECT message_id FROM events', { rowMode: 'json' });
  return new Set(rows.map((row) => String((row as { message_id: string }).message_id)));
}

async function countOlap(app: HuiliuApp, tenantId: string, relation: 'contacts' | 'events'): Promise<number> {
  const { rows } = await app.olap.forTenant(tenantId).query(`SELECT count(*) AS n FROM ${relation}`, { rowMode: 'json' });
  return Number((rows[0] as { n: number | bigint }).n);
}
