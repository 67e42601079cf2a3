import cron from 'node-cron';
import { ZonedClock } from '../lib/zoned-clock.js';

export interface ZonedMinute {
  minute: number;
  hour: number;
  dayOfMonth: number;
  month: number;
  /** 0 = Sunday … 6 = Saturday */
  dayOfWeek: number;
}

const clocks = new Map<string, ZonedClock>();

/** The wall-clock fields of an instant in a time zone (e.g. Asia/Shanghai). */
export function zonedMinute(instant: number, timeZone: string): ZonedMinute {
  let clock = clocks.get(timeZone);
  if (!clock) clocks.set(timeZone, (clock = new ZonedClock(timeZone)));
  const local = new Date(instant + clock.offsetMs(instant));
  return {
    minute: local.getUTCMinutes(),
    hour: local.getUTCHours(),
    dayOfMonth: local.getUTCDate(),
    month: local.getUTCMonth() + 1,
    dayOfWeek: local.getUTCDay(),
  };
}

/** A cron expression parsed once (node-cron's parser), matched against minutes in any zone. */
export class CronSchedule {
  private readonly minutes: Set<number>;
  private readonly hours: Set<number>;
  private readonly days: Set<number>;
  private readonly months: Set<number>;
  private readonly weekdays: Set<number>;
  private readonly dayRestricted: boolean;
  private readonly weekdayRestricted: boolean;

  constructor(readonly expression: string) {
    if (!cron.validate(expression)) throw new Error(`Invalid cron expression "${expression}"`);
    const fields = cron.parse(expression);
    this.minutes = new Set(fields.minute);
    this.hours = new Set(fields.hour);
    this.months = new Set(fields.month);
    const days = fields.dayOfMonth.filter((d): d is number => typeof d === 'number');
    const weekdays = fields.dayOfWeek.filter((d): d is number => typeof d === 'number').map((d) => d % 7);
    this.days = new Set(days);
    this.weekdays = new Set(weekdays);
    this.dayRestricted = this.days.size < 31;
    this.weekdayRestricted = this.weekdays.size < 7;
  }

  /** Whether the minute starting at `instant` matches, read in `timeZone` (cron's day-of-month OR day-of-week rule). */
  matches(instant: number, timeZone: string): boolean {
    const t = zonedMinute(instant, timeZone);
    if (!this.minutes.has(t.minute) || !this.hours.has(t.hour) || !this.months.has(t.month)) return false;
    const dayOk = this.days.has(t.dayOfMonth);
    const weekdayOk = this.weekdays.has(t.dayOfWeek);
    if (this.dayRestricted && this.weekdayRestricted) return dayOk || weekdayOk;
    return dayOk && weekdayOk;
  }
}
