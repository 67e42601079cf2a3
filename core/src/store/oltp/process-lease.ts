import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import { isUniqueViolation, type OltpStore } from './oltp-store.js';

/** A lease row as stored in `process_lease`. */
export interface LeaseHolder {
  holder: string;
  host: string;
  pid: number;
  detail: string | null;
  acquiredAt: number;
  renewedAt: number;
  expiresAt: number;
}

interface LeaseRow {
  name: string;
  holder: string;
  host: string;
  pid: number | string;
  detail: string | null;
  acquired_at: number | string;
  renewed_at: number | string;
  expires_at: number | string;
}

function toHolder(row: LeaseRow): LeaseHolder {
  return {
    holder: row.holder,
    host: row.host,
    pid: Number(row.pid),
    detail: row.detail,
    acquiredAt: Number(row.acquired_at),
    renewedAt: Number(row.renewed_at),
    expiresAt: Number(row.expires_at),
  };
}

/** Whether a process with this id runs on this host (EPERM: it runs, as another user). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a holder string (`host:pid:random`, as ProcessLease, the ingest worker and the task
 * worker make them) names a process of this host that is gone: what it held can be taken over at
 * once instead of after its TTL. A live process with the same pid (reused) counts as alive.
 */
export function holderIsGone(holder: string): boolean {
  const parts = holder.split(':');
  if (parts.length < 3) return false;
  const pid = Number(parts[parts.length - 2]);
  const host = parts.slice(0, -2).join(':');
  return host === os.hostname() && Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processRuns(pid);
}

/** Another live process holds the lease; `now` is the database clock when it was seen. */
export class LeaseHeldError extends Error {
  constructor(
    readonly leaseName: string,
    readonly current: LeaseHolder,
    readonly now: number,
  ) {
    super(
      `The lease "${leaseName}" is held by ${current.host} pid ${current.pid} until ${new Date(current.expiresAt).toISOString()}`,
    );
    this.name = 'LeaseHeldError';
  }
}

export interface ProcessLeaseOptions {
  /** How long the lease lasts without a renewal (database clock). */
  ttlMs?: number;
  /** How often the holder renews it; default a third of the TTL. */
  renewEveryMs?: number;
  /** Stored with the lease and shown to a refused process (e.g. the data directory). */
  detail?: string;
  logger?: Logger;
  /** Called once when another process has taken the lease (after a database outage longer than the TTL). */
  onLost?: () => void;
}

/**
 * A named lease in the OLTP store, held by one process at a time and measured on the database
 * clock: taken with a conditional write, renewed on a timer, released on stop, and free again once
 * its holder stops renewing (dies) for a TTL. A holder on this host whose process is gone is taken
 * over at once, so a restart after a crash need not wait for the TTL.
 */
export class ProcessLease {
  readonly holder = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly ttlMs: number;
  private readonly renewEveryMs: number;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private held = false;

  private constructor(
    private readonly oltp: OltpStore,
    readonly name: string,
    private readonly options: ProcessLeaseOptions,
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.renewEveryMs = options.renewEveryMs ?? Math.max(100, Math.floor(this.ttlMs / 3));
  }

  /** Takes the lease and keeps renewing it; throws LeaseHeldError while another live process holds it. */
  static async acquire(oltp: OltpStore, name: string, options: ProcessLeaseOptions = {}): Promise<ProcessLease> {
    const lease = new ProcessLease(oltp, name, options);
    await lease.take();
    lease.timer = setInterval(() => void lease.renew(), lease.renewEveryMs);
    lease.timer.unref();
    return lease;
  }

  /** The current holder, or undefined when nobody holds the lease (or it expired). */
  static async current(oltp: OltpStore, name: string): Promise<LeaseHolder | undefined> {
    const row = await oltp.knex<LeaseRow>('process_lease').where({ name }).first();
    if (!row) return undefined;
    return Number(row.expires_at) > (await oltp.now()) ? toHolder(row) : undefined;
  }

  get isHeld(): boolean {
    return this.held;
  }

  private fields(now: number) {
    return {
      holder: this.holder,
      host: os.hostname(),
      pid: process.pid,
      detail: this.options.detail?.slice(0, 1024) ?? null,
      acquired_at: now,
      renewed_at: now,
      expires_at: now + this.ttlMs,
    };
  }

  private async take(): Promise<void> {
    const table = () => this.oltp.knex<LeaseRow>('process_lease');
    // A few rounds: a racing process may insert or take the row between our read and our write.
    for (let round = 0; round < 3; round += 1) {
      const now = await this.oltp.now();
      const row = await table().where({ name: this.name }).first();
      if (!row) {
        try {
          await table().insert({ name: this.name, ...this.fields(now) });
          this.held = true;
          return;
        } catch (error) {
          if (isUniqueViolation(error)) continue;
          throw error;
        }
      }
      const current = toHolder(row);
      const free =
        Number(row.expires_at) <= now ||
        (current.host === os.hostname() && current.pid !== process.pid && !processRuns(current.pid));
      if (!free) throw new LeaseHeldError(this.name, current, now);
      // Conditional on the row we saw: of two processes taking over a free lease, one wins.
      const updated = await table()
        .where({ name: this.name, holder: row.holder, expires_at: row.expires_at })
        .update(this.fields(now));
      if (updated === 1) {
        this.held = true;
        if (Number(row.expires_at) > now) {
          this.options.logger?.warn(
            { lease: this.name, previous: `${current.host} pid ${current.pid}` },
            'took over the lease of a process that is gone',
          );
        }
        return;
      }
    }
    const row = await table().where({ name: this.name }).first();
    throw new LeaseHeldError(this.name, toHolder(row!), await this.oltp.now());
  }

  /** Extends the lease (or takes it back if it lapsed and nobody took it); logs when it is lost. */
  async renew(): Promise<void> {
    if (this.renewing || !this.timer) return this.renewing;
    this.renewing = (async () => {
      try {
        const now = await this.oltp.now();
        const table = () => this.oltp.knex('process_lease').where({ name: this.name });
        const renewed = await table()
          .where({ holder: this.holder })
          .update({ renewed_at: now, expires_at: now + this.ttlMs });
        // Lapsed (the database was out longer than the TTL) and nobody took it: take it back.
        const updated = renewed || (await table().where('expires_at', '<=', now).update(this.fields(now)));
        if (updated === 1) {
          if (!this.held) this.options.logger?.warn({ lease: this.name }, 'lease taken back');
          this.held = true;
        } else {
          const wasHeld = this.held;
          this.held = false;
          if (wasHeld) {
            this.options.logger?.error({ lease: this.name }, 'lease lost: another process holds it now');
            this.options.onLost?.();
          }
        }
      } catch (error) {
        // The database is unreachable: try again at the next tick (the lease lasts a TTL).
        this.options.logger?.warn({ err: error, lease: this.name }, 'lease renewal failed');
      } finally {
        this.renewing = undefined;
      }
    })();
    return this.renewing;
  }

  /** Stops renewing and frees the lease (only if this process still holds it). */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.renewing;
    try {
      await this.oltp.knex('process_lease').where({ name: this.name, holder: this.holder }).delete();
    } catch (error) {
      this.options.logger?.warn({ err: error, lease: this.name }, 'lease release failed; it expires by itself');
    }
    this.held = false;
  }

  /** Stops renewing without freeing the lease, as a crashed process would (tests). */
  abandon(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
