/**
 * 用户画像 (seed §1.7.5; SPEC §6; ADR 0061): the question, its answer and the province names. Pure
 * data and functions — the console bundles them through `@huiliu/core/reports`.
 */

/**
 * Whose profile: 全部用户, a group (static, dynamic, 前置标签组 — WeChat fans), or a segment of a
 * 互斥组. Temporary groups are left out: they belong to one staff member and are never computed, so
 * there is nothing a daily snapshot could keep.
 */
export type ProfileGroup =
  { type: 'all' } | { type: 'group'; groupId: string } | { type: 'exclusive'; exclusiveGroupId: string; position: number };

/** The tab: 时域分析 (creation time) or 地域分析 (province). */
export type ProfileView = 'time' | 'region';
export const profileViews: readonly ProfileView[] = ['time', 'region'];

/** 用户画像: the question the page edits. */
export interface ProfileQuery {
  group: ProfileGroup;
  /** What the page opens on and what an export writes (default `time`). */
  view?: ProfileView;
  /** 地域分析's search box: the export writes only the provinces whose name contains it (substring). */
  search?: string;
}

/** 周日..周六, as the seed orders them: index 0 is Sunday. */
export const profileWeekdays = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'] as const;

/** 未知: a province value that names none of the 34 divisions, or none at all (seed §1.7.5.2). */
export const UNKNOWN_PROVINCE = '未知';

/**
 * China's 34 provincial-level divisions as the China map of ECharts names them (the short forms:
 * 23 provinces with 台湾, 5 autonomous regions, 4 municipalities, 2 special administrative regions).
 */
export const chinaProvinces = [
  '北京',
  '天津',
  '河北',
  '山西',
  '内蒙古',
  '辽宁',
  '吉林',
  '黑龙江',
  '上海',
  '江苏',
  '浙江',
  '安徽',
  '福建',
  '江西',
  '山东',
  '河南',
  '湖北',
  '湖南',
  '广东',
  '广西',
  '海南',
  '重庆',
  '四川',
  '贵州',
  '云南',
  '西藏',
  '陕西',
  '甘肃',
  '青海',
  '宁夏',
  '新疆',
  '台湾',
  '香港',
  '澳门',
] as const;
export type ChinaProvince = (typeof chinaProvinces)[number];

const SHORT_NAMES = new Set<string>(chinaProvinces);

/** Names that are not the short form plus a suffix: English and pinyin forms, older spellings. */
const ALIASES: Record<string, ChinaProvince> = {
  beijing: '北京',
  tianjin: '天津',
  hebei: '河北',
  shanxi: '山西',
  'inner mongolia': '内蒙古',
  neimenggu: '内蒙古',
  'nei mongol': '内蒙古',
  liaoning: '辽宁',
  jilin: '吉林',
  heilongjiang: '黑龙江',
  shanghai: '上海',
  jiangsu: '江苏',
  zhejiang: '浙江',
  anhui: '安徽',
  fujian: '福建',
  jiangxi: '江西',
  shandong: '山东',
  henan: '河南',
  hubei: '湖北',
  hunan: '湖南',
  guangdong: '广东',
  guangxi: '广西',
  hainan: '海南',
  chongqing: '重庆',
  sichuan: '四川',
  guizhou: '贵州',
  yunnan: '云南',
  tibet: '西藏',
  xizang: '西藏',
  shaanxi: '陕西',
  gansu: '甘肃',
  qinghai: '青海',
  ningxia: '宁夏',
  xinjiang: '新疆',
  taiwan: '台湾',
  'hong kong': '香港',
  hongkong: '香港',
  macau: '澳门',
  macao: '澳门',
  臺灣: '台湾',
  台灣: '台湾',
  澳門: '澳门',
};

/** Official suffixes, longest first: 新疆维吾尔自治区 → 新疆, 上海市 → 上海, 香港特别行政区 → 香港. */
const SUFFIXES = ['维吾尔自治区', '壮族自治区', '回族自治区', '特别行政区', '自治区', '省', '市'];

/**
 * The map's name of a province however it is written — 上海 / 上海市, 广西 / 广西壮族自治区, 内蒙古自治区,
 * 中国香港, `Guangdong` — or `null` when it names none of the 34 (江东, 火星, empty): shown as 未知.
 */
export function normalizeProvince(value: string | null | undefined): ChinaProvince | null {
  if (typeof value !== 'string') return null;
  let text = value.replace(/\s+/g, ' ').trim();
  if (!text) return null;
  const alias = ALIASES[text.toLowerCase()] ?? ALIASES[text.toLowerCase().replace(/ (province|city|sar)$/, '')];
  if (alias) return alias;
  text = text.replace(/\s/g, '');
  if (text.startsWith('中国') && text.length > 2) text = text.slice(2);
  if (SHORT_NAMES.has(text)) return text as ChinaProvince;
  for (const suffix of SUFFIXES) {
    if (text.endsWith(suffix)) {
      const short = text.slice(0, -suffix.length);
      if (SHORT_NAMES.has(short)) return short as ChinaProvince;
    }
  }
  return null;
}

/**
 * 地域分析's search (seed: 输入【上】or【海】lists every province containing it; 【上海】only 上海):
 * the row's name contains the keyword, or the keyword is another form of the name (上海市 finds 上海).
 * An empty keyword matches every row.
 */
export function provinceMatches(name: string, keyword: string | undefined): boolean {
  const text = (keyword ?? '').trim();
  if (!text) return true;
  return name.includes(text) || normalizeProvince(text) === name;
}

/** 时域分析: contacts by the weekday and hour of their creation time, in the tenant's zone. */
export interface ProfileTime {
  /** `matrix[weekday][hour]`: weekday 0 = 周日 … 6 = 周六, hour 0..23. */
  matrix: number[][];
  /** Per weekday (周日..周六) and its share of the week's total (0..1; null when nobody). */
  weekdays: { count: number; share: number | null }[];
  /** Per hour (0..23) and its share of the total. */
  hours: { count: number; share: number | null }[];
  /** Members with a creation time: the heatmap's total. */
  total: number;
  /** Members without one (anonymous contacts: the creation time is when a contact is identified). */
  withoutCreatedTime: number;
}

/** 地域分析: members per province (the map's names) and 未知, most first (未知 last). */
export interface ProfileRegion {
  provinces: { name: string; count: number; share: number | null }[];
  /** Every member: the base of the shares. */
  total: number;
  /**
   * 省份 is masked for the asker (ADR 0069): no province at all (`provinces` empty), the page shows
   * 已脱敏 and the export writes no row. The time tab is unaffected (creation times are no field).
   */
  masked?: boolean;
}

/** 用户画像's answer: both tabs of one group's daily snapshot. */
export interface ProfileReportResult {
  kind: 'profile';
  model: string;
  timeZone: string;
  group: { name: string };
  view: ProfileView;
  /** The search the export applies (echoes the query). */
  search?: string;
  /** Members of the group when the snapshot was taken. */
  members: number;
  /** 最近更新时间: when the snapshot was computed (epoch ms; the same as `computedAt`). */
  updatedAt: number;
  time: ProfileTime;
  region: ProfileRegion;
  groupCount: number;
  truncated: boolean;
  computedAt: number;
  cached: boolean;
}

/**
 * The export's table (the console's, unpaged): 时域分析 — one row per weekday with its 24 hours, total
 * and share, then the hours' totals and shares; 地域分析 — one row per province (those the search keeps).
 */
export function profileTable(result: ProfileReportResult): { header: string[]; rows: (string | number | null)[][] } {
  const percent = (share: number | null) => (share === null ? null : Math.round(share * 10_000) / 100);
  if (result.view === 'region') {
    const rows = result.region.provinces
      .filter((row) => provinceMatches(row.name, result.search))
      .map((row) => [row.name, row.count, percent(row.share)]);
    return { header: ['省份', '用户数', '占比(%)'], rows };
  }
  const hours = Array.from({ length: 24 }, (_, hour) => `${hour}点`);
  const rows: (string | number | null)[][] = result.time.matrix.map((counts, day) => [
    profileWeekdays[day]!,
    ...counts,
    result.time.weekdays[day]!.count,
    percent(result.time.weekdays[day]!.share),
  ]);
  rows.push(['合计', ...result.time.hours.map((h) => h.count), result.time.total, result.time.total ? 100 : null]);
  rows.push(['占比(%)', ...result.time.hours.map((h) => percent(h.share)), null, null]);
  return { header: ['星期', ...hours, '合计', '占比(%)'], rows };
}
