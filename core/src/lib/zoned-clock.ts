const DAY_MS = 86_400_000;
/**
 * Offsets are cached per 15-minute slot: every offset and every transition instant in the current
 * tz database falls on a quarter hour, so a slot never straddles a change.
 */
const SLOT_MS = 900_000;
const MAX_CACHED_SLOTS = 200_000;

/**
 * Tenant-local calendar arithmetic in JavaScript, for values computed at load time (`event_day`).
 * It must agree with the dialect's SQL functions — a test checks both over DST changes. Intl is too
 * slow to call per event (~2 µs), hence the cache: a 90-day load touches ~8,600 slots.
 */
export class ZonedClock {
  private readonly format: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Milliseconds to add to a UTC instant to get the zone's wall clock. */
  offsetMs(epochMs: number): number {
    const slot = Math.floor(epochMs / SLOT_MS);
    let offset = this.offsets.get(slot);
    if (offset === undefined) {
      if (this.offsets.size >= MAX_CACHED_SLOTS) this.offsets.clear();
      offset = this.computeOffset(slot * SLOT_MS);
      this.offsets.set(slot, offset);
    }
    return offset;
  }

  /** Days since 1970-01-01 of the local calendar date (what a DATE column stores). */
  localDay(epochMs: number): number {
    return Math.floor((epochMs + this.offsetMs(epochMs)) / DAY_MS);
  }

  /** `YYYY-MM-DD` of the local calendar date. */
  localDate(epochMs: number): string {
    return new Date(this.localDay(epochMs) * DAY_MS).toISOString().slice(0, 10);
  }

  /**
   * The UTC instant of a local wall-clock time given as "UTC-shaped" ms (e.g. Date.UTC of the
   * local parts). In a gap (spring forward) the result is shifted forward; in an overlap the earlier
   * instant wins — the usual choice of java.time and Temporal.
   */
  fromLocal(localEpochMs: number): number {
    const first = localEpochMs - this.offsetMs(localEpochMs);
    const second = localEpochMs - this.offsetMs(first);
    const third = localEpochMs - this.offsetMs(second);
    const valid = [first, second, third].filter((instant) => instant + this.offsetMs(instant) === localEpochMs);
    // In an overlap two instants show this wall clock: the earlier wins. In a gap none does: the
    // instant computed with the offset before the change is the wall clock moved forward by the gap.
    return valid.length ? Math.min(...valid) : Math.max(first, second, third);
  }

  private computeOffset(epochMs: number): number {
    const parts: Record<string, number> = {};
    for (const part of this.format.formatToParts(new Date(epochMs))) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
    return asUtc - epochMs;
  }
}
