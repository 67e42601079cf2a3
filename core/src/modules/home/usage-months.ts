import { ZonedClock } from '../../lib/zoned-clock.js';

/** 页面浏览: the one event that does not make a contact a tracked user (seed §1.11.5). */
export const PAGEVIEW_EVENT = '$pageview';

/** Tenant-local months: their labels (`YYYY-MM`, oldest first) and the UTC instants [from, to) they cover. */
export interface MonthWindow {
  months: string[];
  from: number;
  to: number;
}

/**
 * The last `count` months of the tenant's calendar up to and including the one `now` falls in:
 * each month starts at local midnight of its first day (DST-safe through ZonedClock).
 */
export function monthWindow(timeZone: string, now: number, count: number): MonthWindow {
  const clock = new ZonedClock(timeZone);
  const today = clock.localDate(now);
  const year = Number(today.slice(0, 4));
  const month = Number(today.slice(5, 7)) - 1;
  const months: string[] = [];
  for (let i = count - 1; i >= 0; i -= 1) months.push(new Date(Date.UTC(year, month - i, 1)).toISOString().slice(0, 7));
  return {
    months,
    from: clock.fromLocal(Date.UTC(year, month - (count - 1), 1)),
    to: clock.fromLocal(Date.UTC(year, month + 1, 1)),
  };
}
