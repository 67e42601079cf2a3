import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { OlapQueryTimeoutError } from '../errors.js';
import { isUniqueViolation, type OltpStore } from '../../oltp/oltp-store.js';

/**
 * Cross-process write leases (ADR 0064, amendments 2026-12-05). StarRocks gives no transaction
 * around a DELETE and the load that follows it (DELETE.md: concurrent DELETEs on a Primary Key table,
 * or a DELETE during a load, are not ACID), so two processes rewriting the same group version or tag
 * run could interleave their DELETE and their rows. A rewrite holds the OLTP row
 * `olap_write_lease(tenant, name)` while it runs (migration 0039): inserted to take it (the primary
 * key refuses a second holder), renewed while held, deleted when done; a holder that crashed loses it
 * when `expires_at` passes. Another process waits, polling, up to its write time limit.
 */
export interface WriteLeases {
  /** Runs `task` holding the lease `name` of the tenant; waits at most `waitMs` for it. */
  hold<T>(tenantId: string, name: string, waitMs: number, task: () => Promise<T>): Promise<T>;
}

export interface OltpWriteLeaseOptions {
  /** A lease not renewed for this long is free (default 60 s); renewed every third of it. */
  ttlMs?: number;
  /** Between two attempts to take a held lease (default 100 ms). */
  pollMs?: number;
  logger?: Logger;
}

export class OltpWriteLeases implements WriteLeases {
  /** Who this process is (one per engine): a lease's owner. */
  readonly owner = randomBytes(12).toString('hex');

  constructor(
    private readonly oltp: OltpStore,
    private readonly options: OltpWriteLeaseOptions = {},
  ) {}

  private get ttlMs(): number {
    return this.options.ttlMs ?? 60_000;
  }

  /** Takes the lease if free (or expired); false when another owner holds it. */
  private async tryTake(tenantId: string, name: string): Promise<boolean> {
    const table = () => this.oltp.knex('olap_write_lease');
    try {
      await table().insert({ tenant_id: tenantId, name, owner: this.owner, expires_at: Date.now() + this.ttlMs });
      return true;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    // A holder that stopped renewing (crashed) no longer holds it.
    const freed = await table().where({ tenant_id: tenantId, name }).where('expires_at', '<', Date.now()).delete();
    if (freed === 0) return false;
    this.options.logger?.warn({ tenantId, lease: name }, 'an expired OLAP write lease was taken over');
    return this.tryTake(tenantId, name);
  }

  async hold<T>(tenantId: string, name: string, waitMs: number, task: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + waitMs;
    while (!(await this.tryTake(tenantId, name))) {
      if (Date.now() >= deadline) throw new OlapQueryTimeoutError(waitMs, new Error(`OLAP write lease ${name} is held`));
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 100));
    }
    const mine = () => this.oltp.knex('olap_write_lease').where({ tenant_id: tenantId, name, owner: this.owner });
    const renew = setInterval(
      () => {
        mine()
          .update({ expires_at: Date.now() + this.ttlMs })
          .catch((error: unknown) =>
            this.options.logger?.error({ err: error, tenantId, lease: name }, 'OLAP write lease renewal failed'),
          );
      },
      Math.max(10, Math.floor(this.ttlMs / 3)),
    );
    try {
      return await task();
    } finally {
      clearInterval(renew);
      await mine()
        .delete()
        .catch((error: unknown) =>
          this.options.logger?.error({ err: error, tenantId, lease: name }, 'OLAP write lease release failed'),
        );
    }
  }
}
