import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';

dayjs.extend(utc);
dayjs.extend(timezone);

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** Epoch milliseconds as a date-time in the tenant's time zone. */
export function formatDateTime(epochMs: number, timeZone: string): string {
  return dayjs(epochMs).tz(timeZone).format('YYYY-MM-DD HH:mm');
}

export function formatDate(epochMs: number, timeZone: string): string {
  return dayjs(epochMs).tz(timeZone).format('YYYY-MM-DD');
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
