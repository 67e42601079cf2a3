import { createHash } from 'node:crypto';
import { ZonedClock } from '../../lib/zoned-clock.js';
import { DEMO_ARTICLE_COMMENTS, DEMO_ARTICLES, DEMO_MESSAGES, type DemoComment, type DemoCommentLabel } from './demo-comments.js';

/**
 * The demo tenant's people and what they do (`huiliu demo`, ADR 0030): generated from a fixed seed
 * and the demo's anchor day, so that every run produces the same contacts, events and messageIds.
 * Nothing here talks to a store: the demo sends it through the SDK like any integrator would.
 */

export const DEMO_CONTACTS = 5000;
export const DEMO_DAYS = 60;

/**
 * The shop's WeChat official account (registered as after the WeChat authorization): a quarter of
 * the contacts follow it, their identify links the fan (weChatInfo), and some of them comment on
 * its articles or message it — the input of a sentiment tag (ADR 0047).
 */
export const DEMO_OFFICIAL_ACCOUNT = { appId: 'wx5e6f7a8b9c0d1e2f', name: '汇流优选服务号' } as const;
const FOLLOWER_SHARE = 0.25;
/** Of the followers, who writes at all; each writer leaves 1–4 comments or messages. */
const WRITER_SHARE = 0.45;

/** mulberry32: a small, fast, well-distributed 32-bit PRNG; fine for sample data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/**
 * A UUIDv7-shaped messageId whose time is the event's and whose other bits are a hash of `key`:
 * the same message gets the same id on every run, and ids stay time-ordered like the SDKs' own.
 */
export function demoMessageId(atMs: number, key: string): string {
  const bytes = createHash('sha256').update(`huiliu-demo:${key}`).digest().subarray(0, 16);
  bytes.writeUIntBE(atMs, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;

/** Picks by weight: `[[value, weight], …]`. */
function weighted<T>(rand: () => number, list: readonly (readonly [T, number])[]): T {
  const total = list.reduce((sum, [, w]) => sum + w, 0);
  let r = rand() * total;
  for (const [value, w] of list) {
    r -= w;
    if (r < 0) return value;
  }
  return list[list.length - 1]![0];
}

// ---- people -------------------------------------------------------------------------------------

// The most common surnames in China, roughly by frequency.
const SURNAMES = [
  ['王', 72],
  ['李', 70],
  ['张', 67],
  ['刘', 53],
  ['陈', 45],
  ['杨', 31],
  ['赵', 20],
  ['黄', 20],
  ['周', 19],
  ['吴', 18],
  ['徐', 14],
  ['孙', 13],
  ['胡', 12],
  ['朱', 11],
  ['高', 11],
  ['林', 10],
  ['何', 10],
  ['郭', 10],
  ['马', 9],
  ['罗', 8],
  ['梁', 7],
  ['宋', 6],
  ['郑', 6],
  ['谢', 6],
  ['韩', 5],
  ['唐', 5],
  ['冯', 5],
  ['于', 5],
  ['董', 5],
  ['萧', 4],
  ['程', 4],
  ['曹', 4],
  ['袁', 4],
  ['邓', 4],
  ['许', 4],
  ['傅', 4],
  ['沈', 4],
  ['曾', 4],
  ['彭', 4],
  ['吕', 3],
  ['欧阳', 1],
  ['司马', 1],
] as const;
const GIVEN_MALE =
  '伟,强,磊,军,勇,杰,涛,斌,超,明,刚,平,辉,鹏,华,飞,鑫,波,宇,浩,凯,健,俊,帆,帅,旭,宁,龙,林,阳,晨,博,文,昊,天,子轩,浩然,宇航,俊杰,志强,建国,晓东,一鸣,思远,嘉豪'.split(
    ',',
  );
const GIVEN_FEMALE =
  '芳,娜,敏,静,丽,艳,娟,霞,燕,玲,婷,雪,琳,颖,倩,洁,慧,蕾,欣,悦,佳,璐,瑶,萍,红,梅,晶,丹,月,晴,雨涵,子涵,欣怡,梓涵,诗涵,思琪,雅婷,佳怡,紫萱,梦瑶'.split(
    ',',
  );

/** Provinces with their main cities and a weight (roughly online-shopping population). */
const PLACES: readonly (readonly [string, readonly string[], number])[] = [
  ['广东省', ['广州市', '深圳市', '东莞市', '佛山市', '珠海市'], 14],
  ['浙江省', ['杭州市', '宁波市', '温州市', '绍兴市', '金华市'], 9],
  ['江苏省', ['南京市', '苏州市', '无锡市', '常州市', '南通市'], 9],
  ['上海市', ['上海市'], 7],
  ['北京市', ['北京市'], 6],
  ['山东省', ['济南市', '青岛市', '烟台市', '潍坊市'], 6],
  ['四川省', ['成都市', '绵阳市', '德阳市'], 5],
  ['河南省', ['郑州市', '洛阳市', '南阳市'], 5],
  ['福建省', ['福州市', '厦门市', '泉州市'], 4],
  ['湖北省', ['武汉市', '宜昌市', '襄阳市'], 4],
  ['湖南省', ['长沙市', '株洲市', '岳阳市'], 4],
  ['河北省', ['石家庄市', '唐山市', '保定市'], 3],
  ['安徽省', ['合肥市', '芜湖市'], 3],
  ['陕西省', ['西安市', '宝鸡市'], 3],
  ['重庆市', ['重庆市'], 3],
  ['天津市', ['天津市'], 2],
  ['辽宁省', ['沈阳市', '大连市'], 2],
  ['江西省', ['南昌市', '赣州市'], 2],
  ['广西壮族自治区', ['南宁市', '桂林市'], 2],
  ['云南省', ['昆明市', '大理白族自治州'], 2],
  ['山西省', ['太原市'], 1],
  ['黑龙江省', ['哈尔滨市'], 1],
  ['吉林省', ['长春市'], 1],
  ['贵州省', ['贵阳市'], 1],
  ['海南省', ['海口市', '三亚市'], 1],
  ['新疆维吾尔自治区', ['乌鲁木齐市'], 1],
];

type Utm = { source: string; medium: string; campaign: string } | null;
const UTM_SOURCES: readonly (readonly [Utm, number])[] = [
  [{ source: 'wechat', medium: 'social', campaign: '公众号推文' }, 30],
  [{ source: 'baidu', medium: 'cpc', campaign: '品牌词' }, 18],
  [{ source: 'douyin', medium: 'video', campaign: '达人种草' }, 16],
  [{ source: 'xiaohongshu', medium: 'social', campaign: '好物笔记' }, 12],
  [null, 24],
];

export const MEMBER_LEVELS = ['普通会员', '银卡会员', '金卡会员', '钻石会员'] as const;

export type DemoSource = 'web' | 'ios' | 'miniprogram';

export interface DemoContact {
  index: number;
  /** externalId in its channel. */
  userId: string;
  /** The cookie / device id the person had before signing in. */
  anonymousId: string;
  source: DemoSource;
  traits: Record<string, unknown>;
  /** First day (0 = the first of the 60) and when the person signed up, epoch ms. */
  signupDay: number;
  signupAt: number;
  /** Visits per day while active, and the day the person stops coming (churn), exclusive. */
  activity: number;
  churnDay: number;
  memberLevel: (typeof MEMBER_LEVELS)[number];
  /** The fan's openId when the person follows the official account. */
  openId: string | null;
}

// ---- products -------------------------------------------------------------------------------------

export interface DemoProduct {
  id: string;
  name: string;
  category: string;
  price: number;
  weight: number;
}

export const DEMO_PRODUCTS: readonly DemoProduct[] = [
  { id: 'SKU-1001', name: '云朵抱枕', category: '家居', price: 59, weight: 9 },
  { id: 'SKU-1002', name: '乳胶枕（双只装）', category: '家居', price: 299, weight: 5 },
  { id: 'SKU-1003', name: '全棉四件套', category: '家居', price: 459, weight: 4 },
  { id: 'SKU-2001', name: '冷萃咖啡液 12 杯', category: '食品', price: 79, weight: 10 },
  { id: 'SKU-2002', name: '每日坚果 30 袋', category: '食品', price: 129, weight: 9 },
  { id: 'SKU-2003', name: '云南小粒咖啡豆', category: '食品', price: 98, weight: 6 },
  { id: 'SKU-3001', name: '氨基酸洁面乳', category: '美妆', price: 89, weight: 8 },
  { id: 'SKU-3002', name: '玻尿酸精华', category: '美妆', price: 269, weight: 5 },
  { id: 'SKU-3003', name: '防晒霜 SPF50', category: '美妆', price: 139, weight: 6 },
  { id: 'SKU-4001', name: '降噪蓝牙耳机', category: '数码', price: 599, weight: 4 },
  { id: 'SKU-4002', name: '氮化镓快充头', category: '数码', price: 99, weight: 6 },
  { id: 'SKU-4003', name: '机械键盘', category: '数码', price: 399, weight: 3 },
  { id: 'SKU-5001', name: '瑜伽垫', category: '运动', price: 119, weight: 5 },
  { id: 'SKU-5002', name: '速干运动 T 恤', category: '运动', price: 89, weight: 6 },
];
const PRODUCT_WEIGHTS = DEMO_PRODUCTS.map((p) => [p, p.weight] as const);
const PAY_METHODS = [
  ['微信支付', 70],
  ['支付宝', 25],
  ['银行卡', 5],
] as const;

/** The custom events of the demo's shop (declared on its custom channel). */
export const DEMO_EVENTS = [
  {
    code: 'view_product',
    name: '浏览商品',
    properties: [
      { code: 'product_id', name: '商品ID', type: 'string' },
      { code: 'product_name', name: '商品名称', type: 'string' },
      { code: 'category', name: '商品类目', type: 'string' },
      { code: 'price', name: '商品价格', type: 'number' },
    ],
  },
  {
    code: 'add_to_cart',
    name: '加入购物车',
    properties: [
      { code: 'product_id', name: '商品ID', type: 'string' },
      { code: 'product_name', name: '商品名称', type: 'string' },
      { code: 'category', name: '商品类目', type: 'string' },
      { code: 'price', name: '商品价格', type: 'number' },
      { code: 'quantity', name: '数量', type: 'integer' },
    ],
  },
  {
    code: 'submit_order',
    name: '提交订单',
    properties: [
      { code: 'order_id', name: '订单号', type: 'string' },
      { code: 'order_amount', name: '订单金额', type: 'number' },
      { code: 'item_count', name: '商品件数', type: 'integer' },
    ],
  },
  {
    code: 'pay_order',
    name: '支付订单',
    properties: [
      { code: 'order_id', name: '订单号', type: 'string' },
      { code: 'order_amount', name: '订单金额', type: 'number' },
      { code: 'pay_method', name: '支付方式', type: 'string' },
    ],
  },
] as const;

// ---- time -------------------------------------------------------------------------------------------

/** Visits by local hour: quiet at night, a lunch bump, the evening peak at 20–22. */
const HOUR_WEIGHTS = [2, 1, 1, 0.5, 0.5, 0.8, 2, 4, 6, 6, 6, 7, 9, 8, 6, 6, 6, 7, 8, 10, 13, 14, 11, 6];
const HOURS = HOUR_WEIGHTS.map((w, hour) => [hour, w] as const);

/** The demo's 60 days: the local dates before the anchor day (the day the demo tenant was made). */
export function demoDays(anchorDay: string, timeZone: string): DemoDay[] {
  const clock = new ZonedClock(timeZone);
  const anchor = Date.parse(`${anchorDay}T00:00:00Z`);
  const days: DemoDay[] = [];
  for (let i = DEMO_DAYS; i >= 1; i -= 1) {
    const local = anchor - i * 86_400_000;
    days.push({
      date: new Date(local).toISOString().slice(0, 10),
      weekday: new Date(local).getUTCDay(),
      // The instant of a wall-clock time of the day (DST-safe through the zone's clock).
      at: (msIntoDay) => clock.fromLocal(local + msIntoDay),
    });
  }
  return days;
}

export interface DemoDay {
  date: string;
  /** 0 = Sunday. */
  weekday: number;
  at(msIntoDay: number): number;
}

// ---- generation -----------------------------------------------------------------------------------

export interface DemoMessage {
  source: DemoSource;
  type: 'identify' | 'track';
  messageId: string;
  userId: string;
  anonymousId: string;
  timestamp: number;
  event?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
}

/** A fan's comment or message, recorded by the WeChat connector (`userId` is the openId). */
export interface DemoWeChatMessage {
  messageId: string;
  openId: string;
  timestamp: number;
  event: 'wechat_comment_article' | 'wechat_send_text';
  properties: Record<string, unknown>;
}

export interface DemoData {
  contacts: DemoContact[];
  /** One identify per contact, at its signup. */
  identifies: DemoMessage[];
  /** Every event, person by person, each person's in time order. */
  events: DemoMessage[];
  /** The followers' article comments and messages to the official account, in time order per fan. */
  comments: DemoWeChatMessage[];
}

function mobileOf(index: number, rand: () => number): string {
  const prefix = pick(rand, [
    '130',
    '131',
    '132',
    '135',
    '136',
    '137',
    '138',
    '139',
    '150',
    '151',
    '152',
    '157',
    '158',
    '159',
    '166',
    '176',
    '177',
    '180',
    '181',
    '186',
    '187',
    '188',
    '189',
    '199',
  ]);
  // The index makes it unique; the rest looks random.
  const tail = String(index).padStart(4, '0');
  const middle = String(Math.floor(rand() * 10_000)).padStart(4, '0');
  return `${prefix}${middle}${tail}`;
}

function contactOf(index: number, days: ReturnType<typeof demoDays>): DemoContact {
  const rand = prng(seedOf(`contact:${index}`));
  const gender = rand() < 0.52 ? 'female' : 'male';
  const surname = weighted(rand, SURNAMES);
  const name = surname + pick(rand, gender === 'female' ? GIVEN_FEMALE : GIVEN_MALE);
  const [state, cities] = weighted(
    rand,
    PLACES.map(([province, list, w]) => [[province, list] as const, w] as const),
  );
  const city = pick(rand, cities);
  const source: DemoSource = weighted(rand, [
    ['web', 55],
    ['ios', 30],
    ['miniprogram', 15],
  ]);
  // Most people arrive early in the window; a steady trickle later.
  const signupDay = Math.min(DEMO_DAYS - 1, Math.floor(Math.pow(rand(), 1.6) * DEMO_DAYS));
  const hour = weighted(rand, HOURS);
  const signupAt = days[signupDay]!.at(Math.min(hour * 3_600_000 + Math.floor(rand() * 3_600_000), 22 * 3_600_000));
  // Activity: most come now and then, a few are regulars.
  const activity = Math.min(0.9, 0.03 + Math.pow(rand(), 2.2) * 0.6);
  // A third churn: they stop coming 3–25 days after signing up.
  const churnDay = rand() < 0.35 ? signupDay + 3 + Math.floor(rand() * 23) : DEMO_DAYS;
  const utm = weighted(rand, UTM_SOURCES);
  const birthYear = 1965 + Math.floor(rand() * 40);
  const birthday = `${birthYear}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
  const memberLevel = weighted(rand, [
    [MEMBER_LEVELS[0], 60],
    [MEMBER_LEVELS[1], 25],
    [MEMBER_LEVELS[2], 12],
    [MEMBER_LEVELS[3], 3],
  ]);
  const traits: Record<string, unknown> = {
    name,
    mobilePhone: mobileOf(index, rand),
    gender,
    dateOfBirthday: birthday,
    country: '中国',
    state,
    city,
    ...(rand() < 0.4 ? { email: `user${String(index).padStart(4, '0')}@example.com` } : {}),
    ...(utm ? { utm } : {}),
  };
  const padded = String(index).padStart(5, '0');
  // Its own stream, so that adding followers changed no other generated value.
  const follows = prng(seedOf(`follower:${index}`))() < FOLLOWER_SHARE;
  return {
    index,
    userId: source === 'miniprogram' ? `mp-${padded}` : `member-${padded}`,
    anonymousId: `${source}-device-${createHash('sha256').update(`anon:${index}`).digest('hex').slice(0, 16)}`,
    source,
    traits,
    signupDay,
    signupAt,
    activity,
    churnDay,
    memberLevel,
    openId: follows ? `o${createHash('sha256').update(`openid:${index}`).digest('base64url').slice(0, 27)}` : null,
  };
}

/** Texts by label, for a writer's mood. */
const COMMENT_POOLS = {
  article: byLabel(DEMO_ARTICLE_COMMENTS),
  message: byLabel(DEMO_MESSAGES),
};
function byLabel(list: readonly DemoComment[]): Record<DemoCommentLabel, DemoComment[]> {
  const pools: Record<DemoCommentLabel, DemoComment[]> = { positive: [], neutral: [], negative: [] };
  for (const comment of list) pools[comment.label].push(comment);
  return pools;
}

/**
 * A follower's comments and messages: writers have a mood (mostly warm, some neutral, a few
 * unhappy) that most of their texts follow, on days after they signed up.
 */
function commentsOf(contact: DemoContact, days: ReturnType<typeof demoDays>): DemoWeChatMessage[] {
  if (contact.openId === null) return [];
  const rand = prng(seedOf(`comments:${contact.index}`));
  if (rand() >= WRITER_SHARE) return [];
  const mood = weighted<DemoCommentLabel>(rand, [
    ['positive', 50],
    ['neutral', 30],
    ['negative', 20],
  ]);
  const count = 1 + Math.floor(rand() * 4);
  const out: DemoWeChatMessage[] = [];
  for (let n = 0; n < count; n += 1) {
    const day = contact.signupDay + Math.floor(rand() * (DEMO_DAYS - contact.signupDay));
    const at = Math.max(
      days[day]!.at(Math.min(weighted(rand, HOURS) * 3_600_000 + Math.floor(rand() * 3_600_000), 23 * 3_600_000)),
      contact.signupAt + 60_000,
    );
    const label = rand() < 0.7 ? mood : pick(rand, ['positive', 'neutral', 'negative'] as const);
    const isArticle = rand() < 0.55;
    const comment = pick(rand, COMMENT_POOLS[isArticle ? 'article' : 'message'][label]);
    // Under the article it talks about (else any: 推文, 小编, the layout…).
    const article =
      DEMO_ARTICLES.find((candidate) => candidate.about.some((word) => comment.text.includes(word))) ?? pick(rand, DEMO_ARTICLES);
    out.push({
      messageId: demoMessageId(at, `wechat:${contact.index}:${n}`),
      openId: contact.openId,
      timestamp: at,
      event: isArticle ? 'wechat_comment_article' : 'wechat_send_text',
      properties: isArticle
        ? {
            s_content: comment.text,
            s_msgDataId: article.msgDataId,
            s_articleIndex: article.index,
            s_articleTitle: article.title,
          }
        : { s_content: comment.text },
    });
  }
  return out.sort((a, b) => a.timestamp - b.timestamp);
}

/**
 * Everything the demo sends. `anchorDay` is the demo tenant's creation date (YYYY-MM-DD in its
 * zone): all events fall on the 60 local days before it, so they are in the past on any later run.
 */
export function generateDemo(anchorDay: string, timeZone: string, count = DEMO_CONTACTS): DemoData {
  const days = demoDays(anchorDay, timeZone);
  const contacts: DemoContact[] = [];
  const identifies: DemoMessage[] = [];
  const events: DemoMessage[] = [];
  const comments: DemoWeChatMessage[] = [];
  let orders = 0;
  for (let index = 1; index <= count; index += 1) {
    const contact = contactOf(index, days);
    contacts.push(contact);
    comments.push(...commentsOf(contact, days));
    const base = { source: contact.source, userId: contact.userId, anonymousId: contact.anonymousId };
    identifies.push({
      ...base,
      type: 'identify',
      messageId: demoMessageId(contact.signupAt, `identify:${index}`),
      timestamp: contact.signupAt,
      traits: contact.traits,
    });
    const rand = prng(seedOf(`activity:${index}`));
    let sequence = 0;
    const emit = (at: number, event: string, properties: Record<string, unknown>) => {
      sequence += 1;
      events.push({
        ...base,
        type: 'track',
        messageId: demoMessageId(at, `event:${index}:${sequence}`),
        timestamp: at,
        event,
        properties,
      });
    };
    for (let day = contact.signupDay; day < Math.min(contact.churnDay, DEMO_DAYS); day += 1) {
      const { at: dayAt, weekday } = days[day]!;
      // Weekends are busier; the signup day always has a visit.
      const weekend = weekday === 0 || weekday === 6 ? 1.35 : 1;
      if (day !== contact.signupDay && rand() >= contact.activity * weekend) continue;
      const sessions = rand() < 0.25 ? 2 : 1;
      for (let s = 0; s < sessions; s += 1) {
        // On the signup day the sessions follow the signup; none starts after 23:00, so that a
        // session (a few minutes long) never runs into the next day — the anchor day may be today.
        const start =
          day === contact.signupDay
            ? contact.signupAt + 1000 + s * (3_600_000 + Math.floor(rand() * 7_200_000))
            : dayAt(weighted(rand, HOURS) * 3_600_000 + Math.floor(rand() * 3_300_000));
        let at = Math.min(start, dayAt(23 * 3_600_000));
        const step = () => (at += 5_000 + Math.floor(rand() * 90_000));
        emit(at, ...sessionStart(contact.source, rand));
        const views = 1 + Math.floor(rand() * 4);
        const cart: DemoProduct[] = [];
        for (let v = 0; v < views; v += 1) {
          const product = weighted(rand, PRODUCT_WEIGHTS);
          emit(step(), 'view_product', {
            product_id: product.id,
            product_name: product.name,
            category: product.category,
            price: product.price,
          });
          if (rand() < 0.16) {
            const quantity = rand() < 0.8 ? 1 : 2;
            cart.push(product);
            emit(step(), 'add_to_cart', {
              product_id: product.id,
              product_name: product.name,
              category: product.category,
              price: product.price,
              quantity,
            });
          }
        }
        if (cart.length === 0 || rand() >= 0.55) continue;
        orders += 1;
        const orderId = `DO${anchorDay.replaceAll('-', '')}${String(orders).padStart(7, '0')}`;
        const amount = Math.round(cart.reduce((sum, p) => sum + p.price, 0) * (rand() < 0.3 ? 0.9 : 1) * 100) / 100;
        emit(step(), 'submit_order', { order_id: orderId, order_amount: amount, item_count: cart.length });
        if (rand() < 0.82)
          emit(step(), 'pay_order', { order_id: orderId, order_amount: amount, pay_method: weighted(rand, PAY_METHODS) });
      }
    }
  }
  return { contacts, identifies, events, comments };
}

/** What a session starts with: a page view on the web, an app start on iOS, a launch in the mini-program. */
function sessionStart(source: DemoSource, rand: () => number): [string, Record<string, unknown>] {
  if (source === 'ios') return ['$AppStart', { $app_version: rand() < 0.7 ? '3.2.0' : '3.1.4', $platform: 'iOS' }];
  if (source === 'miniprogram')
    return [
      '$MPLaunch',
      {
        s_originScene: weighted(rand, [
          ['1001', 40],
          ['1047', 20],
          ['1007', 15],
          ['1089', 25],
        ]),
        s_pagePath: 'pages/index/index',
      },
    ];
  const page = weighted(rand, [
    [{ path: '/', title: '汇流优选 - 首页' }, 60],
    [{ path: '/activity/double12', title: '双12 狂欢节' }, 25],
    [{ path: '/new', title: '新品上架' }, 15],
  ]);
  return ['$pageview', { s_url: `https://shop.example.com${page.path}`, s_urlPath: page.path, s_title: page.title }];
}
