// A synthetic Huiliu tenant: contacts and events with the skew real WeChat-first tenants show —
// a few very active contacts and a long tail of dormant ones (Zipf–Mandelbrot), weekend-heavy
// days, an evening peak in China Standard Time, a mix of event types with typed properties.
// Deterministic for a given seed, generated batch by batch so 10M events never sit in memory.

const DAY_MS = 86_400_000;
const CST_OFFSET_MS = 8 * 3_600_000; // Asia/Shanghai has no DST

/** mulberry32: small, fast, seedable. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Samples ranks 1..n with weight (rank + q)^-s by binary search over the cumulative weights. */
export function zipfSampler(n, { s = 1.2, q = 200 } = {}, rand) {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k += 1) {
    total += (k + 1 + q) ** -s;
    cdf[k] = total;
  }
  return () => {
    const target = rand() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    return lo; // 0-based rank
  };
}

function pickWeighted(entries, rand) {
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  return () => {
    let r = rand() * total;
    for (const [value, weight] of entries) {
      r -= weight;
      if (r <= 0) return value;
    }
    return entries[entries.length - 1][0];
  };
}

/** Monday … Sunday. */
const WEEKDAY_WEIGHTS = [1.0, 0.98, 1.0, 1.02, 1.08, 1.22, 1.18];
/** Hour 0 … 23, local time: night trough, lunch bump, 20–22 h peak. */
const HOUR_WEIGHTS = [
  0.35, 0.2, 0.12, 0.08, 0.07, 0.1, 0.25, 0.55, 0.85, 0.95, 1.0, 1.05, 1.2, 1.05, 0.95, 0.95, 1.0, 1.05, 1.15, 1.35, 1.55, 1.6,
  1.3, 0.8,
];

const CITIES = [
  ['上海', 14],
  ['北京', 12],
  ['广州', 9],
  ['深圳', 9],
  ['杭州', 7],
  ['成都', 6],
  ['武汉', 5],
  ['南京', 5],
  ['西安', 4],
  ['重庆', 4],
  ['苏州', 4],
  ['天津', 3],
  ['长沙', 3],
  ['郑州', 3],
  ['青岛', 2],
  ['厦门', 2],
  ['昆明', 2],
  ['合肥', 2],
  ['福州', 2],
  ['沈阳', 2],
];
const PROVINCE_OF = {
  上海: '上海',
  北京: '北京',
  广州: '广东',
  深圳: '广东',
  杭州: '浙江',
  成都: '四川',
  武汉: '湖北',
  南京: '江苏',
  西安: '陕西',
  重庆: '重庆',
  苏州: '江苏',
  天津: '天津',
  长沙: '湖南',
  郑州: '河南',
  青岛: '山东',
  厦门: '福建',
  昆明: '云南',
  合肥: '安徽',
  福州: '福建',
  沈阳: '辽宁',
};

/** The tenant's OLAP declaration: 17 event properties (custom, SDK preset, system), 3 attributes, 1 dimension table. */
export function benchDeclaration() {
  return {
    timeZone: 'Asia/Shanghai',
    events: [
      { code: 'page_view', alias: 'page_view' },
      { code: 'view_product', alias: 'view_product' },
      { code: 'add_to_cart', alias: 'add_to_cart' },
      { code: 'purchase', alias: 'purchase' },
      { code: 'wechat_message', alias: 'wechat_message' },
      { code: 'subscribe', alias: 'wechat_subscribe' },
      { code: 'unsubscribe', alias: 'wechat_unsubscribe' },
      { code: 'share', alias: 'share' },
      { code: 'app_click', alias: 'app_click' },
    ],
    eventProperties: [
      { id: '1', name: '$url', type: 'string' },
      { id: '2', name: '$os', type: 'string' },
      { id: '3', name: '$city', type: 'string' },
      { id: '4', name: 'duration_ms', type: 'integer' },
      { id: '5', name: 'product_id', type: 'string' },
      { id: '6', name: 'price', type: 'number' },
      { id: '7', name: 'quantity', type: 'integer' },
      { id: '8', name: 'order_amount', type: 'number' },
      { id: '9', name: 'item_count', type: 'integer' },
      { id: '10', name: 'coupon_used', type: 'bool' },
      { id: '11', name: 'categories', type: 'string[]' },
      { id: '12', name: 's_msg_type', type: 'string' },
      { id: '13', name: 's_content_len', type: 'integer' },
      { id: '14', name: 's_scene', type: 'string' },
      { id: '15', name: 'share_channel', type: 'string' },
      { id: '16', name: 'button', type: 'string' },
      { id: '17', name: 'paid_at', type: 'datetime' },
    ],
    contactAttributes: [
      { id: '1', type: 'integer', name: 'level' },
      { id: '2', type: 'bool', name: 'vip' },
      { id: '3', type: 'string', name: 'signup_source' },
    ],
    dimensions: [
      {
        id: '1',
        fields: [
          { id: '1', type: 'string' },
          { id: '2', type: 'string' },
        ],
      },
    ],
  };
}

export const FIRST_CONTACT_ID = 10_000_001;

/** Contacts in batches of `batchSize`: ids FIRST_CONTACT_ID…, created over the two years before `end`. */
export function* contactBatches({ contacts, batchSize, end, seed = 7 }) {
  const rand = random(seed);
  const city = pickWeighted(CITIES, rand);
  const gender = pickWeighted(
    [
      ['男', 45],
      ['女', 50],
      ['未知', 5],
    ],
    rand,
  );
  const source = pickWeighted(
    [
      ['wechat', 60],
      ['miniprogram', 25],
      ['web', 10],
      ['import', 5],
    ],
    rand,
  );
  for (let start = 0; start < contacts; start += batchSize) {
    const rows = [];
    for (let i = start; i < Math.min(contacts, start + batchSize); i += 1) {
      const createdAt = end - Math.floor(rand() * 730 * DAY_MS);
      const c = city();
      const identified = rand() < 0.35;
      rows.push({
        id: String(FIRST_CONTACT_ID + i),
        identified,
        name: identified ? `用户${i}` : null,
        gender: gender(),
        country: '中国',
        province: PROVINCE_OF[c],
        city: c,
        mobile: identified && rand() < 0.6 ? `13${String(Math.floor(rand() * 1e9)).padStart(9, '0')}` : null,
        utmSource: rand() < 0.3 ? 'wechat_ad' : null,
        firstSeenAt: createdAt,
        lastActiveAt: createdAt + Math.floor(rand() * (end - createdAt)),
        createdAt,
        updatedAt: end,
        attributes: { 1: 1 + Math.floor(rand() ** 2 * 5), 2: rand() < 0.05, 3: source() },
      });
    }
    yield rows;
  }
}

/** The contact id of Zipf rank `rank` (0-based): a multiplicative permutation, so activity is not correlated with id. */
export function contactIdOfRank(rank, contacts) {
  const stride = 7_919 * 104_729; // coprime with 10^6 and most sizes we use
  return FIRST_CONTACT_ID + ((rank * stride) % contacts);
}

/**
 * Merges, as the contacts module reports them to OLAP: about `fraction` of the contacts are merged
 * away, each into a random contact that is not merged itself (so no chains). A batch carries the
 * aliases (events of `fromContactId` count for `toContactId`) and removes the merged-away contacts.
 * Yields `{ aliases, deletedContactIds }` of at most `batchSize` merges.
 */
export function* mergeBatches({ contacts, fraction = 0.01, batchSize = 1000, seed = 13 }) {
  const rand = random(seed);
  const mergedAway = new Uint8Array(contacts);
  for (let i = 0; i < contacts; i += 1) if (rand() < fraction) mergedAway[i] = 1;
  let aliases = [];
  for (let i = 0; i < contacts; i += 1) {
    if (!mergedAway[i]) continue;
    let survivor;
    do survivor = Math.floor(rand() * contacts);
    while (mergedAway[survivor]);
    aliases.push({ fromContactId: String(FIRST_CONTACT_ID + i), toContactId: String(FIRST_CONTACT_ID + survivor) });
    if (aliases.length === batchSize) {
      yield { aliases, deletedContactIds: aliases.map((a) => a.fromContactId) };
      aliases = [];
    }
  }
  if (aliases.length) yield { aliases, deletedContactIds: aliases.map((a) => a.fromContactId) };
}

/**
 * Events in time order, `batchSize` a batch, spread over the `days` days before `end` (midnight
 * CST) by weekday, hour and a slow growth trend; the contact of each event is Zipf–Mandelbrot.
 */
export function* eventBatches({ events, days, contacts, batchSize, end, seed = 11 }) {
  const rand = random(seed);
  const contactRank = zipfSampler(contacts, { s: 1.2, q: 200 }, rand);
  const idOf = (rank) => contactIdOfRank(rank, contacts);
  const eventType = pickWeighted(
    [
      ['page_view', 40],
      ['view_product', 20],
      ['add_to_cart', 8],
      ['purchase', 3],
      ['wechat_message', 12],
      ['subscribe', 2],
      // WeChat unfollows: about a third of the follows, as official accounts see.
      ['unsubscribe', 0.6],
      ['share', 5],
      ['app_click', 10],
    ],
    rand,
  );
  const os = pickWeighted(
    [
      ['iOS', 45],
      ['Android', 48],
      ['Windows', 5],
      ['Mac', 2],
    ],
    rand,
  );
  const city = pickWeighted(CITIES, rand);
  const productRank = zipfSampler(5_000, { s: 1.0, q: 10 }, rand);
  const msgType = pickWeighted(
    [
      ['text', 70],
      ['image', 20],
      ['voice', 10],
    ],
    rand,
  );
  const scene = pickWeighted(
    [
      ['qrcode', 50],
      ['search', 30],
      ['article', 20],
    ],
    rand,
  );
  const categories = ['服饰', '美妆', '食品', '数码', '家居', '母婴'];

  const firstDay = Math.floor((end + CST_OFFSET_MS) / DAY_MS) - days; // local day number
  const slots = [];
  let totalWeight = 0;
  for (let d = 0; d < days; d += 1) {
    const weekday = (firstDay + d + 3) % 7; // 1970-01-01 was a Thursday → Monday = 0
    const trend = 0.8 + (0.4 * d) / days;
    const noise = 0.9 + rand() * 0.2;
    for (let h = 0; h < 24; h += 1) {
      const weight = WEEKDAY_WEIGHTS[weekday] * trend * noise * HOUR_WEIGHTS[h];
      totalWeight += weight;
      slots.push({ start: (firstDay + d) * DAY_MS - CST_OFFSET_MS + h * 3_600_000, weight });
    }
  }

  let emitted = 0;
  let cumulative = 0;
  let batch = [];
  let sequence = 0;
  for (const slot of slots) {
    cumulative += slot.weight;
    const target = Math.round((events * cumulative) / totalWeight);
    const inSlot = target - emitted;
    const times = Array.from({ length: inSlot }, () => slot.start + Math.floor(rand() * 3_600_000)).sort((a, b) => a - b);
    for (const eventTime of times) {
      const type = eventType();
      const contactId = idOf(contactRank());
      const channel =
        type === 'wechat_message' || type === 'subscribe' || type === 'unsubscribe' ? 1 : type === 'app_click' ? 3 : 2;
      const properties = {};
      switch (type) {
        case 'page_view':
          properties.$url = `/pages/${Math.floor(rand() * 500)}`;
          properties.$os = os();
          properties.$city = city();
          properties.duration_ms = Math.floor(rand() * 120_000);
          break;
        case 'view_product':
          properties.product_id = `sku-${productRank()}`;
          properties.price = Math.round(rand() * 50_000) / 100;
          break;
        case 'add_to_cart':
          properties.product_id = `sku-${productRank()}`;
          properties.price = Math.round(rand() * 50_000) / 100;
          properties.quantity = 1 + Math.floor(rand() * 3);
          break;
        case 'purchase':
          properties.order_amount = Math.round(rand() * 200_000) / 100;
          properties.item_count = 1 + Math.floor(rand() * 5);
          properties.coupon_used = rand() < 0.3;
          properties.categories = [categories[Math.floor(rand() * 6)], categories[Math.floor(rand() * 6)]];
          properties.paid_at = eventTime + 30_000;
          break;
        case 'wechat_message':
          properties.s_msg_type = msgType();
          properties.s_content_len = Math.floor(rand() * 200);
          break;
        case 'subscribe':
          properties.s_scene = scene();
          break;
        case 'share':
          properties.share_channel = rand() < 0.7 ? 'wechat_friend' : 'moments';
          break;
        case 'app_click':
          properties.button = `btn_${Math.floor(rand() * 40)}`;
          properties.$os = os();
          break;
      }
      // A few events carry a property nobody declared: it must land in `extra`.
      if (rand() < 0.03) properties.debug_trace = `t${sequence}`;
      sequence += 1;
      batch.push({
        eventTime,
        event: type,
        contactId: String(contactId),
        messageId: `${eventTime.toString(16)}-${sequence.toString(16)}`,
        direction: 'inbound',
        channelId: String(channel),
        channelAccountId: String(contactId * 4 + channel),
        receivedAt: eventTime + 200,
        properties,
      });
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
    emitted = target;
  }
  if (batch.length) yield batch;
}
