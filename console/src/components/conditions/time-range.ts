import type { ConditionValueType, TimeRange, TimeRangeKind } from '@huiliu/core/conditions';

// Pure helpers of the time-range input (seed §3.3 时间类型): defaults per kind, presets and the
// conversions between date and datetime values.

export type TimeType = 'date' | 'datetime';

export const dateFormat = 'YYYY-MM-DD';
export const dateTimeFormat = 'YYYY-MM-DD HH:mm:ss';

/** Today's calendar date (`YYYY-MM-DD`) in an IANA time zone (the tenant's); the browser's if the zone is unknown. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  try {
    // en-CA formats dates as YYYY-MM-DD.
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  } catch {
    return new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  }
}

/** An absolute value in the form a time type takes: `2025-02-03` or `2025-02-03 00:00:00`. */
export function absoluteValue(value: string, timeType: TimeType, endOfDay = false): string {
  const day = value.slice(0, 10);
  if (timeType === 'date') return day;
  return value.length > 10 ? value : `${day} ${endOfDay ? '23:59:59' : '00:00:00'}`;
}

/** The range with its absolute dates in the form of `timeType` (relative kinds are unchanged). */
export function convertRangeTimeType(range: TimeRange, timeType: TimeType): TimeRange {
  switch (range.kind) {
    case 'between':
      return { kind: 'between', from: absoluteValue(range.from, timeType), to: absoluteValue(range.to, timeType, true) };
    case 'before':
      return { kind: 'before', date: absoluteValue(range.date, timeType, true) };
    case 'after':
      return { kind: 'after', date: absoluteValue(range.date, timeType) };
    default:
      return range;
  }
}

/** The range a newly chosen kind starts with (absolute ones on today, relative ones a week back). */
export function defaultRangeOfKind(kind: TimeRangeKind, timeType: TimeType, timeZone: string): TimeRange {
  const today = todayIn(timeZone);
  switch (kind) {
    case 'between':
      return { kind, from: absoluteValue(today, timeType), to: absoluteValue(today, timeType, true) };
    case 'before':
      return { kind, date: absoluteValue(today, timeType, true) };
    case 'after':
      return { kind, date: absoluteValue(today, timeType) };
    case 'relativeBefore':
    case 'relativeAfter':
    case 'relativeDay':
      return { kind, offset: -7 };
    case 'today':
    case 'thisMonth':
      return { kind };
    case 'past':
      return { kind, days: 7, includeToday: true };
    case 'next':
      return { kind, days: 7 };
    case 'relativeRange':
      return { kind, from: -7, to: 0 };
  }
}

/** An event leaf's range until the operator picks one: 过去 30 天（含今天）. */
export function defaultEventRange(): TimeRange {
  return { kind: 'past', days: 30, includeToday: true };
}

/** The range a time property's `in` starts with: today for anniversaries (生日当天), else the past 30 days. */
export function defaultRangeFor(kind: { type: ConditionValueType; dynamicDate?: boolean }): TimeRange {
  return kind.dynamicDate ? { kind: 'today' } : defaultEventRange();
}

/** The quick choices above the kinds (the §3.3 快捷相对时间 and the usual report presets). */
export const timeRangePresets = [
  { id: 'today', range: { kind: 'today' } },
  { id: 'yesterday', range: { kind: 'relativeDay', offset: -1 } },
  { id: 'thisMonth', range: { kind: 'thisMonth' } },
  { id: 'past7', range: { kind: 'past', days: 7, includeToday: true } },
  { id: 'past30', range: { kind: 'past', days: 30, includeToday: true } },
  { id: 'past90', range: { kind: 'past', days: 90, includeToday: true } },
  { id: 'next7', range: { kind: 'next', days: 7 } },
] as const satisfies readonly { id: string; range: TimeRange }[];

export type TimeRangePresetId = (typeof timeRangePresets)[number]['id'];

/** The kinds grouped as the input lists them: absolute, relative, quick. */
export const timeRangeKindGroups = [
  { id: 'absolute', kinds: ['between', 'before', 'after'] },
  { id: 'relative', kinds: ['past', 'next', 'relativeRange', 'relativeDay', 'relativeBefore', 'relativeAfter'] },
  { id: 'quick', kinds: ['today', 'thisMonth'] },
] as const satisfies readonly { id: string; kinds: readonly TimeRangeKind[] }[];

/** An offset as the input shows it: `-7` → 7 天前, `3` → 3 天后, `0` → 0 天前 (today). */
export function splitOffset(offset: number): { days: number; direction: 'ago' | 'later' } {
  return offset > 0 ? { days: offset, direction: 'later' } : { days: -offset, direction: 'ago' };
}

export function joinOffset(days: number, direction: 'ago' | 'later'): number {
  const magnitude = Math.abs(Math.trunc(days));
  // `0 天前` is today; keep it 0, not -0 (JSON has no -0 and toEqual tells them apart).
  if (magnitude === 0) return 0;
  return direction === 'later' ? magnitude : -magnitude;
}
