import type { Logger } from 'pino';
import { createServiceRef } from '../kernel/extension-point.js';
import { CronSchedule } from './cron.js';
import type { TaskQueue } from './task-queue.js';

export const SCHEDULE_TASK_KIND = 'schedule.run';
const MINUTE = 60_000;
/** After a restart, firings of the last minutes are still made (the unique index prevents doubles). */
const CATCH_UP_MINUTES = 5;

export interface ScheduleEntry {
  /** Global key: `<pluginId>:<key>` (core's are `core:<key>`). */
  key: string;
  cron: CronSchedule;
  run(input: { tenantId: string; dueAt: number }): Promise<void>;
}

/**
 * Each minute, evaluates every tenant's schedules in the tenant's time zone and inserts one task
 * per firing with UNIQUE(tenant, schedule_key, due_at): two scheduler instances, or one that
 * restarts, never fire a due schedule twice.
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
  ) {}

  entry(key: string): ScheduleEntry | undefined {
    return this.entries.find((e) => e.key === key);
  }

  /** Fires what is due in the minutes since the last tick up to the minute of `now`. Returns tasks inserted. */
  async tick(now = Date.now()): Promise<number> {
    const current = Math.floor(now / MINUTE) * MINUTE;
    const from = this.lastEvaluated === undefined ? current - (CATCH_UP_MINUTES - 1) * MINUTE : this.lastEvaluated + MINUTE;
    if (from > current || this.entries.length === 0) {
      this.lastEvaluated = current;
      return 0;
    }
    // The scheduler serves every tenant: the one place that lists them all.
    const tenants = await this.tenants.listActive();
    let inserted = 0;
    for (let minute = Math.max(from, current - 60 * MINUTE); minute <= current; minute += MINUTE) {
      for (const tenant of tenants) {
        for (const entry of this.entries) {
          if (!entry.cron.matches(minute, tenant.timeZone)) continue;
          const task = await this.queue.enqueue(
            String(tenant.id),
            SCHEDULE_TASK_KIND,
            { key: entry.key },
            { schedule: { key: entry.key, dueAt: minute } },
          );
          if (task) inserted += 1;
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
