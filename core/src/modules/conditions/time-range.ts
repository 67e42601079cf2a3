import { ZonedClock } from '../../lib/zoned-clock.js';
import type { TimeRange } from './condition.types.js';

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

/**
 * A time range resolved against the evaluation time: local wall-clock bounds in "UTC-shaped"
 * milliseconds (Date.UTC of the local parts), `from` inclusive and `to` exclusive; either may be
 * open. Whole-day ranges start and end at local midnights.
 */
export interface LocalBounds {
  from?: number;
  to?: number;
}

/** `YYYY-MM-DD` or `YYYY-MM-DD HH:mm:ss` as UTC-shaped local ms, or undefined when not a real date. */
export function parseLocal(value: string): { ms: number; hasTime: boolean } | undefined {
  const date = DATE.exec(value);
  const datetime = date ? undefined : DATETIME.exec(value);
  const parts = (date ?? datetime)?.slice(1).map(Number);
  if (!parts) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = parts as [number, number, number, number?, number?, number?];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  // Reject 2026-02-30 and 25:00:00 instead of letting Date roll them over.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    return undefined;
  }
  return { ms, hasTime: Boolean(datetime) };
}

/** The inclusive end of an absolute bound: the whole day for a date, the whole second for a time. */
function endOf(value: string): number {
  const parsed = parseLocal(value)!;
  return parsed.ms + (parsed.hasTime ? 1000 : DAY_MS);
}

function days(fromDay: number | undefined, toDay: number | undefined): LocalBounds {
  return {
    ...(fromDay === undefined ? {} : { from: fromDay * DAY_MS }),
    ...(toDay === undefined ? {} : { to: (toDay + 1) * DAY_MS }),
  };
}

/**
 * Resolves a §3.3 time range for evaluation at `now` (epoch ms) in `timeZone`. The calendar rules
 * live here and nowhere else: "today" is the local date of `now`; offsets count local calendar
 * days; every range is closed on whole days. Throws on values the validator would refuse.
 */
export function resolveTimeRange(range: TimeRange, now: number, timeZone: string): LocalBounds {
  const today = new ZonedClock(timeZone).localDay(now);
  switch (range.kind) {
    case 'between':
      return { from: parseLocal(range.from)!.ms, to: endOf(range.to) };
    case 'before':
      return { to: endOf(range.date) };
    case 'after':
      return { from: parseLocal(range.date)!.ms };
    case 'relativeBefore':
      return days(undefined, today + range.offset);
    case 'relativeAfter':
      return days(today + range.offset, undefined);
    case 'today':
      return days(today, today);
    case 'thisMonth': {
      const date = new Date(today * DAY_MS);
      const first = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / DAY_MS;
      const last = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0) / DAY_MS;
      return days(first, last);
    }
    case 'relativeDay':
      return days(today + range.offset, today + range.offset);
    case 'past':
      // The seed's example: on 2-10, 过去 7 天 含今天 is 2-3..2-10 and 不含今天 is 2-3..2-9.
      return days(today - range.days, range.includeToday ? today : today - 1);
    case 'next':
      return days(today, today + range.days);
    case 'relativeRange':
      return days(today + range.from, today + range.to);
  }
}

/** UTC instants of local bounds (for TIMESTAMP columns holding UTC), DST-correct. */
export function toUtcBounds(bounds: LocalBounds, timeZone: string): { from?: number; to?: number } {
  const clock = new ZonedClock(timeZone);
  return {
    ...(bounds.from === undefined ? {} : { from: clock.fromLocal(bounds.from) }),
    ...(bounds.to === undefined ? {} : { to: clock.fromLocal(bounds.to) }),
  };
}

/** `YYYY-MM-DD HH:MM:SS.mmm` of an instant, as a TIMESTAMP parameter holding UTC. */
export function timestampText(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('T', ' ').replace('Z', '');
}

/** `YYYY-MM-DD` of a local midnight (UTC-shaped ms). */
export function dateText(localMs: number): string {
  return new Date(localMs).toISOString().slice(0, 10);
}

/** The local calendar date (`YYYY-MM-DD`) of `now` in `timeZone`. */
export function localDateOf(now: number, timeZone: string): string {
  return new ZonedClock(timeZone).localDate(now);
}
