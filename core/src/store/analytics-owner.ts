import type { Logger } from 'pino';
import type { OltpStore } from './oltp/oltp-store.js';
import { LeaseHeldError, ProcessLease, type LeaseHolder } from './oltp/process-lease.js';

/** The lease of the one process that has the embedded DuckDB store of an OLTP database open. */
export const ANALYTICS_OWNER_LEASE = 'analytics-owner';

/**
 * A second process would open its own embedded analytics store (DuckDB) for an OLTP database that
 * another live process already serves (ADR 0013). Its message says who holds it and what to do.
 */
export class AnalyticsOwnerBusyError extends Error {
  readonly code = 'analytics_owner_busy';

  constructor(
    readonly oltpDisplay: string,
    readonly current: LeaseHolder,
    now: number,
  ) {
    const seconds = Math.max(1, Math.ceil((current.expiresAt - now) / 1000));
    super(
      [
        `Another Huiliu process already runs with the embedded analytics store (DuckDB) for the OLTP database ${oltpDisplay}:`,
        `  host ${current.host}, pid ${current.pid}${current.detail ? `, data directory ${current.detail}` : ''}, since ${new Date(current.acquiredAt).toISOString()}.`,
        'In embedded mode one process serves a database (API, workers and scheduler together). Stop that process first —',
        `if it is already gone, its lease expires within ${seconds} s — or run the scaled mode (HUILIU_OLAP_URL, StarRocks) for several processes.`,
        'OLTP-only commands (`huiliu migrate`, `huiliu admin create`) work while it runs.',
        '另一个汇流进程正在以内置分析库（DuckDB）服务同一个业务数据库；请先停止它，或改用扩展模式（HUILIU_OLAP_URL）。',
      ].join('\n'),
    );
    this.name = 'AnalyticsOwnerBusyError';
  }
}

/**
 * Takes the analytics-owner lease of this OLTP database (renewed until `release()`), or throws
 * AnalyticsOwnerBusyError while another live process holds it.
 */
export async function acquireAnalyticsOwner(
  oltp: OltpStore,
  options: { dataDir: string; logger?: Logger; ttlMs?: number; onLost?: () => void },
): Promise<ProcessLease> {
  try {
    return await ProcessLease.acquire(oltp, ANALYTICS_OWNER_LEASE, {
      detail: options.dataDir,
      logger: options.logger?.child({ component: 'analytics-owner' }),
      ttlMs: options.ttlMs,
      onLost: options.onLost,
    });
  } catch (error) {
    if (error instanceof LeaseHeldError) throw new AnalyticsOwnerBusyError(oltp.info.display, error.current, error.now);
    throw error;
  }
}
