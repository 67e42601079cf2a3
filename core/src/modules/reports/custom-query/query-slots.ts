import { RateLimitError } from '../../../server/errors.js';

/**
 * At most one running custom query per staff member (ADR 0062): a second one waits for the first to
 * finish — a dashboard with two custom-query cards loads both, one after the other — and when
 * `maxWaiting` already wait, the next is refused at once with 429 `report_custom_query_busy`. In
 * process memory: one API process per deployment (ARCHITECTURE), like the report cache.
 */
export class QuerySlots {
  private readonly slots = new Map<string, { waiting: (() => void)[] }>();

  constructor(private readonly maxWaiting = 3) {}

  /** Runs `work` when `key` has no other running; throws 429 when too many wait already. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const slot = this.slots.get(key);
    if (slot) {
      if (slot.waiting.length >= this.maxWaiting) throw new RateLimitError('report_custom_query_busy', {}, 1);
      // Woken by the one finishing before: the slot stays held (no gap another request could take).
      await new Promise<void>((resolve) => slot.waiting.push(resolve));
    } else {
      this.slots.set(key, { waiting: [] });
    }
    try {
      return await work();
    } finally {
      const held = this.slots.get(key)!;
      const next = held.waiting.shift();
      if (next) next();
      else this.slots.delete(key);
    }
  }

  /** How many run or wait for `key` (tests). */
  load(key: string): number {
    const slot = this.slots.get(key);
    return slot ? 1 + slot.waiting.length : 0;
  }
}
