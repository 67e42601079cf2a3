import { hashToken } from '../lib/tokens.js';
import type { OltpStore } from '../store/oltp/oltp-store.js';

/** The counted state of one key (a row of `auth_throttle`). */
export interface ThrottleState {
  /** Attempts in the current window, in flight included. */
  failures: number;
  windowStartedAt: number;
  lockedUntil: number;
  lockLevel: number;
  nextAllowedAt: number;
}

export type ThrottleDecision =
  { allowed: true; next: ThrottleState } | { allowed: false; retryAfterMs: number; next?: ThrottleState };

/** How one scope limits its keys. A policy is a pure function of the row and the clock. */
export interface ThrottlePolicy {
  decide(state: ThrottleState, now: number): ThrottleDecision;
  /** What a success does to the key: forget it (`reset`), give the attempt back (`refund`), or nothing (`keep`: a plain rate). */
  onSuccess: 'reset' | 'refund' | 'keep';
}

const freshWindow = (state: ThrottleState, now: number, windowMs: number): ThrottleState =>
  now - state.windowStartedAt >= windowMs ? { ...state, failures: 0, windowStartedAt: now } : state;

/**
 * At most `max` attempts per window; then the key is locked for `lockMs`, doubling with each lock
 * in a row up to `maxLockMs`. The count of locks is forgotten `forgetMs` after the last one ended
 * (and on success).
 */
export function lockAfter(options: {
  max: number;
  windowMs: number;
  lockMs: number;
  maxLockMs: number;
  forgetMs: number;
}): ThrottlePolicy {
  return {
    onSuccess: 'reset',
    decide(state, now) {
      if (state.lockedUntil > now) return { allowed: false, retryAfterMs: state.lockedUntil - now };
      let current = freshWindow(state, now, options.windowMs);
      if (current.lockedUntil > 0 && now - current.lockedUntil >= options.forgetMs)
        current = { ...current, lockLevel: 0, lockedUntil: 0 };
      if (current.failures >= options.max) {
        const lockMs = Math.min(options.lockMs * 2 ** current.lockLevel, options.maxLockMs);
        const next = {
          ...current,
          failures: 0,
          windowStartedAt: now,
          lockedUntil: now + lockMs,
          lockLevel: current.lockLevel + 1,
        };
        return { allowed: false, retryAfterMs: lockMs, next };
      }
      return { allowed: true, next: { ...current, failures: current.failures + 1 } };
    },
  };
}

/** At most `max` attempts per fixed window; the rest wait for the next window. */
export function limitPerWindow(options: { max: number; windowMs: number; onSuccess: 'refund' | 'keep' }): ThrottlePolicy {
  return {
    onSuccess: options.onSuccess,
    decide(state, now) {
      const current = freshWindow(state, now, options.windowMs);
      if (current.failures >= options.max)
        return { allowed: false, retryAfterMs: current.windowStartedAt + options.windowMs - now };
      return { allowed: true, next: { ...current, failures: current.failures + 1 } };
    },
  };
}

/**
 * `free` attempts per window, then one attempt per delay, the delay doubling from `baseDelayMs` up
 * to `maxDelayMs`: slows a key down without ever locking it.
 */
export function slowDownAfter(options: {
  free: number;
  windowMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}): ThrottlePolicy {
  return {
    onSuccess: 'refund',
    decide(state, now) {
      const current = freshWindow(state, now, options.windowMs);
      if (current.failures < options.free) return { allowed: true, next: { ...current, failures: current.failures + 1 } };
      if (current.nextAllowedAt > now) return { allowed: false, retryAfterMs: current.nextAllowedAt - now };
      const delay = Math.min(options.baseDelayMs * 2 ** (current.failures - options.free), options.maxDelayMs);
      return { allowed: true, next: { ...current, failures: current.failures + 1, nextAllowedAt: now + delay } };
    },
  };
}

export interface ThrottleCheck {
  scope: string;
  /** What is counted, in clear (hashed before it is stored). */
  key: string;
  policy: ThrottlePolicy;
}

/** Attempts reserved by `reserve`; `settle` tells how they ended. */
export interface ThrottleTicket {
  readonly checks: readonly (ThrottleCheck & { keyHash: string })[];
}

export class ThrottledError extends Error {
  constructor(
    readonly scope: string,
    readonly retryAfterMs: number,
  ) {
    super(`throttled: ${scope}`);
    this.name = 'ThrottledError';
  }
}

interface ThrottleRow {
  scope: string;
  key_hash: string;
  failures: number;
  window_started_at: number | string;
  locked_until: number | string;
  lock_level: number;
  next_allowed_at: number | string;
}

const TABLE = 'auth_throttle';
/** Rows untouched this long (and not locked) are swept now and then. */
const STALE_MS = 48 * 3600_000;

const toState = (row: ThrottleRow): ThrottleState => ({
  failures: Number(row.failures),
  windowStartedAt: Number(row.window_started_at),
  lockedUntil: Number(row.locked_until),
  lockLevel: Number(row.lock_level),
  nextAllowedAt: Number(row.next_allowed_at),
});

const toRow = (state: ThrottleState, now: number) => ({
  failures: state.failures,
  window_started_at: state.windowStartedAt,
  locked_until: state.lockedUntil,
  lock_level: state.lockLevel,
  next_allowed_at: state.nextAllowedAt,
  updated_at: now,
});

/**
 * Throttles kept in the OLTP store, so every process counts together and a restart forgets
 * nothing. An attempt is *reserved* (counted) before the expensive check runs, in one transaction
 * that locks the keys' rows: N parallel attempts can never get more than the limit through.
 */
export class Throttle {
  constructor(
    private readonly oltp: OltpStore,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Counts one attempt on every check, or none of them and throws ThrottledError (the longest wait). */
  async reserve(checks: ThrottleCheck[]): Promise<ThrottleTicket> {
    const now = this.clock();
    const hashed = checks
      .map((check) => ({ ...check, keyHash: hashToken(`${check.scope}\n${check.key}`) }))
      .sort((a, b) => (a.scope + a.keyHash).localeCompare(b.scope + b.keyHash));
    // Rows exist before the transaction: an insert under a transaction's locks can deadlock on MySQL.
    await this.oltp
      .knex(TABLE)
      .insert(hashed.map((c) => ({ scope: c.scope, key_hash: c.keyHash, ...toRow(emptyState(now), now) })))
      .onConflict(['scope', 'key_hash'])
      .ignore();
    const denied = await this.withRetry(() =>
      this.oltp.knex.transaction(async (trx) => {
        const decisions: { check: (typeof hashed)[number]; decision: ThrottleDecision }[] = [];
        for (const check of hashed) {
          const query = trx<ThrottleRow>(TABLE).where({ scope: check.scope, key_hash: check.keyHash });
          if (this.oltp.info.client === 'mysql') query.forUpdate();
          const row = await query.first();
          const state = row ? toState(row) : emptyState(now);
          decisions.push({ check, decision: check.policy.decide(state, now) });
        }
        const refusals = decisions.filter((d) => !d.decision.allowed);
        // Refused: nothing is counted, but a refusal may start a lock. Allowed: every key counts one.
        for (const { check, decision } of refusals.length ? refusals : decisions) {
          if (decision.next) {
            await trx(TABLE).where({ scope: check.scope, key_hash: check.keyHash }).update(toRow(decision.next, now));
          }
        }
        return refusals;
      }),
    );
    if (Math.random() < 0.01) void this.sweep(now).catch(() => undefined);
    if (denied.length) {
      const longest = denied.reduce((a, b) =>
        (a.decision as { retryAfterMs: number }).retryAfterMs >= (b.decision as { retryAfterMs: number }).retryAfterMs ? a : b,
      );
      throw new ThrottledError(longest.check.scope, (longest.decision as { retryAfterMs: number }).retryAfterMs);
    }
    return { checks: hashed };
  }

  /** A successful attempt resets or refunds its keys (per policy); a failed one stays counted. */
  async settle(ticket: ThrottleTicket, success: boolean): Promise<void> {
    if (!success) return;
    for (const check of ticket.checks) {
      const row = this.oltp.knex(TABLE).where({ scope: check.scope, key_hash: check.keyHash });
      if (check.policy.onSuccess === 'reset') await row.delete();
      else if (check.policy.onSuccess === 'refund') await row.where('failures', '>', 0).decrement('failures', 1);
    }
  }

  /** The attempts were never checked (e.g. the server was too busy): give them back. */
  async cancel(ticket: ThrottleTicket): Promise<void> {
    for (const check of ticket.checks) {
      if (check.policy.onSuccess === 'keep') continue;
      await this.oltp
        .knex(TABLE)
        .where({ scope: check.scope, key_hash: check.keyHash })
        .where('failures', '>', 0)
        .decrement('failures', 1);
    }
  }

  private async sweep(now: number): Promise<void> {
    await this.oltp
      .knex(TABLE)
      .where('updated_at', '<', now - STALE_MS)
      .where('locked_until', '<', now)
      .delete();
  }

  /** MySQL may pick a transaction as a deadlock victim: run it again (a few times). */
  private async withRetry<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt >= 3 || code !== 'ER_LOCK_DEADLOCK') throw error;
      }
    }
  }
}

function emptyState(now: number): ThrottleState {
  return { failures: 0, windowStartedAt: now, lockedUntil: 0, lockLevel: 0, nextAllowedAt: 0 };
}
