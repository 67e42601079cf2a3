import { Cron } from 'croner';

const MINUTE = 60_000;

/** The fields of a schedule's expression: the scheduler ticks each minute, so seconds are refused. */
const FIELDS = 'minute hour day-of-month month day-of-week';

/**
 * Why `expression` cannot be a schedule, or undefined when it can. The one check shared by the
 * kernel (a plugin's `addSchedule`) and core's own schedules:
 * - exactly five fields (`FIELDS`) or a nickname (`@hourly`, `@daily`, `@weekly`, `@monthly`,
 *   `@yearly`): the scheduler evaluates whole minutes, so a six-field expression with seconds (or a
 *   seventh year field) is refused rather than silently run once a minute;
 * - croner's syntax (ranges, steps, names, `L`, `W`, `#`; `?` reads as `*`);
 * - it must fire at least once (`0 0 31 2 *` never does).
 */
export function cronProblem(expression: string): string | undefined {
  const trimmed = expression.trim();
  const fields = trimmed.split(/\s+/).length;
  if (!trimmed.startsWith('@') && fields !== 5) {
    return (
      `"${expression}" has ${fields} fields; schedules run at minute resolution and take exactly 5 ` +
      `(${FIELDS}) — seconds are not supported`
    );
  }
  let cron: Cron;
  try {
    cron = new Cron(trimmed, { mode: '5-part', domAndDow: false, timezone: 'UTC' });
  } catch (error) {
    return `"${expression}" is not a valid cron expression: ${(error as Error).message.replace(/^CronPattern: /, '')}`;
  }
  if (!cron.nextRun(new Date(0))) return `"${expression}" never fires`;
  return undefined;
}

/** A cron expression that is not a valid schedule (see `cronProblem`). */
export class InvalidCronError extends Error {
  constructor(
    readonly expression: string,
    problem: string,
  ) {
    super(`Invalid cron expression: ${problem}`);
    this.name = 'InvalidCronError';
  }
}

/**
 * A schedule's cron expression, read in any tenant's time zone through croner (OCPS semantics:
 * day-of-month OR day-of-week when both are restricted).
 *
 * Daylight saving time follows croner's rules for fixed-time expressions (a single minute and
 * hour, e.g. `30 2 * * *`): a local time skipped by spring-forward fires once when the clock has
 * jumped (02:30 → 03:00 local), and a local time repeated by fall-back fires once, at its first
 * occurrence. Interval expressions (`*\/15 * * * *`, `0 * * * *`) skip the minutes that do not exist
 * and fire on both passes of a repeated hour, as elapsed time would. So a daily job fires exactly
 * once on every day, DST change days included (ADR 0010).
 */
export class CronSchedule {
  private readonly byZone = new Map<string, Cron>();

  constructor(readonly expression: string) {
    const problem = cronProblem(expression);
    if (problem) throw new InvalidCronError(expression, problem);
  }

  /** The instants (UTC ms, whole minutes) in `[from, to]` at which it fires, read in `timeZone`. */
  firings(from: number, to: number, timeZone: string): number[] {
    const cron = this.inZone(timeZone);
    const instants: number[] = [];
    // nextRun is strictly after its reference (whole seconds): start one second before `from`.
    let next = cron.nextRun(new Date(Math.ceil(from / 1000) * 1000 - 1000));
    while (next && next.getTime() <= to) {
      instants.push(next.getTime());
      next = cron.nextRun(next);
    }
    return instants;
  }

  /** Whether it fires in the minute starting at (or containing) `instant`, read in `timeZone`. */
  matches(instant: number, timeZone: string): boolean {
    const minute = Math.floor(instant / MINUTE) * MINUTE;
    return this.firings(minute, minute + MINUTE - 1, timeZone).length > 0;
  }

  private inZone(timeZone: string): Cron {
    let cron = this.byZone.get(timeZone);
    if (!cron) {
      cron = new Cron(this.expression.trim(), { mode: '5-part', domAndDow: false, timezone: timeZone });
      this.byZone.set(timeZone, cron);
    }
    return cron;
  }
}
