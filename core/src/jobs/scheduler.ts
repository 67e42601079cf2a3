import type { Logger } from 'pino';
import { createServiceRef } from '../kernel/extension-point.js';
import { CronSchedule } from './cron.js';
import type { TaskQueue } from './task-queue.js';

export { CronSchedule };

export const SCHEDULE_TASK_KIND = 'schedule.run';
/**
 * Attempts of one firing. A firing whose worker died (crash, kill, lost lease) runs again once its
 * lease expires, and a retryable error is retried with backoff: firings are at-least-once
 * (ADR 0010), so a schedule's `run` must be safe to repeat for the same `dueAt`.
 */
export const SCHEDULE_RUN_MAX_ATTEMPTS = 3;
const MINUTE = 60_000;
/** After a restart, firings of the last minutes are still made (the unique index prevents doubles). */
const CATCH_UP_MINUTES = 5;
/** The longest window one tick looks back (a stalled event loop, a suspended VM). */
const MAX_WINDOW_MINUTES = 60;

export interface ScheduleEntry {
  /** Global key: `<pluginId>:<key>` (core's are `core:<key>`). */
  key: string;
  /** Who contributed it: a plugin's schedule does not fire for a tenant the plugin is disabled for (ADR 0041). */
  pluginId?: string;
  cron: CronSchedule;
  /** Runs one firing for one tenant; may run again for the same `dueAt` after a crash. */
  run(input: { tenantId: string; dueAt: number }): Promise<void>;
  /** False while its plugin is isolated after a failed start (ADR 0040): no firing is made. Absent = always. */
  available?(): boolean;
}

/**
 * Each minute, lists every active tenant's firings of every schedule in the tenant's time zone
 * and inserts one `schedule.run` task per firing with UNIQUE(tenant, schedule_key, due_at): two
 * scheduler instances, or one that restarts, never insert a firing twice. The worker then runs the
 * firing like any task (lease, retries), so a firing is inserted exactly once and run at least once.
 */
export class Scheduler {
  private lastEvaluated: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Tenancy's service: the tenants and their zones (the scheduler never reads their table). */
    private readonly tenants: { listActive(): Promise<{ id: string; timeZone: string }[]> },
    private readonly queue: TaskQueue,
    private readonly entries: ScheduleEntry[],
    private readonly logger: Logger,
    /** Which plugins each tenant has (ADR 0041). */
    private readonly enablement?: { disabledPlugins(tenantId: string): Promise<ReadonlySet<string>> },
  ) {}

  entry(key: string): ScheduleEntry | undefined {
    return this.entries.find((e) => e.key === key);
  }

  /**
   * Inserts the firings due in the minutes since the last tick up to the minute of `now` (the
   * last 5 minutes on the first tick, at most 60). Returns the tasks inserted.
   */
  async tick(now = Date.now()): Promise<number> {
    const current = Math.floor(now / MINUTE) * MINUTE;
    const next = this.lastEvaluated === undefined ? current - (CATCH_UP_MINUTES - 1) * MINUTE : this.lastEvaluated + MINUTE;
    const from = Math.max(next, current - (MAX_WINDOW_MINUTES - 1) * MINUTE);
    if (from > current || this.entries.length === 0) {
      this.lastEvaluated = Math.max(current, this.lastEvaluated ?? current);
      return 0;
    }
    // The scheduler serves every tenant: the one place that lists them all.
    const tenants = await this.tenants.listActive();
    const byZone = new Map<string, string[]>();
    for (const tenant of tenants) {
      const ids = byZone.get(tenant.timeZone) ?? [];
      ids.push(String(tenant.id));
      byZone.set(tenant.timeZone, ids);
    }
    // Asked once per tenant and tick: its schedules of plugins disabled for it are not fired.
    const disabled = new Map<string, Promise<ReadonlySet<string>>>();
    const skips = async (entry: ScheduleEntry, tenantId: string) => {
      if (!entry.pluginId || !this.enablement) return false;
      if (!disabled.has(tenantId)) disabled.set(tenantId, this.enablement.disabledPlugins(tenantId));
      return (await disabled.get(tenantId)!).has(entry.pluginId);
    };
    let inserted = 0;
    for (const entry of this.entries) {
      if (entry.available && !entry.available()) continue;
      for (const [timeZone, tenantIds] of byZone) {
        let firings: number[];
        try {
          // The window ends with the last millisecond of the current minute.
          firings = entry.cron.firings(from, current + MINUTE - 1, timeZone);
        } catch (error) {
          this.logger.error({ err: error, timeZone, schedule: entry.key }, 'cannot evaluate a schedule in this time zone');
          continue;
        }
        for (const dueAt of firings) {
          for (const tenantId of tenantIds) {
            if (await skips(entry, tenantId)) continue;
            const task = await this.queue.enqueue(
              tenantId,
              SCHEDULE_TASK_KIND,
              { key: entry.key },
              { schedule: { key: entry.key, dueAt }, maxAttempts: SCHEDULE_RUN_MAX_ATTEMPTS },
            );
            if (task) inserted += 1;
          }
        }
      }
    }
    this.lastEvaluated = current;
    return inserted;
  }

  start(): void {
    const loop = async () => {
      try {
        await this.tick();
      } catch (error) {
        this.logger.error({ err: error }, 'scheduler tick failed');
      }
      // Wake just after the next minute starts.
      this.timer = setTimeout(loop, MINUTE - (Date.now() % MINUTE) + 250);
    };
    this.timer = setTimeout(loop, 0);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

export const schedulerRef = createServiceRef<Scheduler>({ id: 'schedule.scheduler' });
