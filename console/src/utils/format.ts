import dayjs from 'dayjs';
import relativeTime from 'dayjs/plugin/relativeTime';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';

dayjs.extend(utc);
dayjs.extend(timezone);
dayjs.extend(relativeTime);

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** Epoch milliseconds as a date-time in the tenant's time zone. */
export function formatDateTime(epochMs: number, timeZone: string): string {
  return dayjs(epochMs).tz(timeZone).format('YYYY-MM-DD HH:mm');
}

/** Epoch milliseconds as a date-time with seconds in the tenant's time zone (logs). */
export function formatDateTimeSeconds(epochMs: number, timeZone: string): string {
  return dayjs(epochMs).tz(timeZone).format('YYYY-MM-DD HH:mm:ss');
}

/** The instant a calendar day (`YYYY-MM-DD`) starts in `timeZone`, as epoch milliseconds. */
export function startOfDayIn(date: string, timeZone: string): number {
  return dayjs.tz(date, 'YYYY-MM-DD', timeZone).valueOf();
}

export function formatDate(epochMs: number, timeZone: string): string {
  return dayjs(epochMs).tz(timeZone).format('YYYY-MM-DD');
}

/** "3 分钟前" / "3 minutes ago" in the console language (dayjs follows it); time zones do not matter. */
export function formatRelativeTime(epochMs: number, now: number = Date.now()): string {
  return dayjs(epochMs).from(Math.max(now, epochMs));
}

/** A file size: "512 B", "1.2 KB", "3.4 MB" (numbers in the console language). */
export function formatFileSize(bytes: number, language: string): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const number = new Intl.NumberFormat(language, { maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value);
  return `${number} ${units[unit]}`;
}

/** A number with thousands separators in the console language. */
export function formatNumber(value: number, language: string): string {
  return new Intl.NumberFormat(language).format(value);
}

/** "UTC+08:00" for a time zone, now. */
export function utcOffset(timeZone: string): string {
  return `UTC${dayjs().tz(timeZone).format('Z')}`;
}

const FALLBACK_TIME_ZONES = [
  'Asia/Shanghai',
  'Asia/Hong_Kong',
  'Asia/Taipei',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Asia/Seoul',
  'Europe/London',
  'Europe/Berlin',
  'America/New_York',
  'America/Los_Angeles',
  'UTC',
];

/** The IANA time zones this browser knows (Asia/Shanghai first). */
export function listTimeZones(): string[] {
  let zones: string[];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = FALLBACK_TIME_ZONES;
  }
  if (!zones.includes('UTC')) zones = [...zones, 'UTC'];
  return [DEFAULT_TIME_ZONE, ...zones.filter((zone) => zone !== DEFAULT_TIME_ZONE)];
}
