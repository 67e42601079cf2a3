import { ConflictError, type PluginDatabase } from '@huiliu/core/plugin-api';
import { BACKFILL_RUN_TABLE, SHOP_TABLE } from '../migrations/0001-shops.migration.js';

/** A connected Acme shop: one channel (连接) of one tenant. */
export interface Shop {
  tenantId: string;
  channelId: string;
  /** The shop's handle at Acme (the channel's key), e.g. `flagship`. */
  handle: string;
}

/** One firing of the nightly backfill. */
export interface BackfillRun {
  dueAt: number;
  orders: number;
  updatedAt: number;
}

interface ShopRow {
  tenant_id: string | number;
  channel_id: string | number;
  handle: string;
}

const toShop = (row: ShopRow): Shop => ({
  tenantId: String(row.tenant_id),
  channelId: String(row.channel_id),
  handle: row.handle,
});

/**
 * The plugin's rows. Every query is confined to one tenant (`forTenant`), except `findByHandle`:
 * a webhook tells the shop, and the shop tells the tenant.
 */
export class ShopsRepo {
  constructor(private readonly database: PluginDatabase) {}

  /** Records a newly connected shop; 409 `acme_shop_shop_taken` when another channel has it. */
  async add(shop: Shop): Promise<void> {
    if (await this.findByHandle(shop.handle)) throw new ConflictError('acme_shop_shop_taken', { handle: shop.handle });
    const now = Date.now();
    await this.database
      .forTenant(shop.tenantId)
      .insert(SHOP_TABLE, { channel_id: shop.channelId, handle: shop.handle, created_at: now, updated_at: now });
  }

  /** The shop of a handle, in whichever tenant connected it (the one query across tenants). */
  async findByHandle(handle: string): Promise<Shop | undefined> {
    const row = await this.database.findAcrossTenants<ShopRow>(SHOP_TABLE, { handle });
    return row ? toShop(row) : undefined;
  }

  /** The tenant's shop of a handle. */
  async get(tenantId: string, handle: string): Promise<Shop | undefined> {
    const row = (await this.database
      .forTenant(tenantId)
      .from(SHOP_TABLE)
      .where(`${SHOP_TABLE}.handle`, handle)
      .first(`${SHOP_TABLE}.tenant_id`, `${SHOP_TABLE}.channel_id`, `${SHOP_TABLE}.handle`)) as ShopRow | undefined;
    return row ? toShop(row) : undefined;
  }

  /** The tenant's shops, oldest first. */
  async ofTenant(tenantId: string): Promise<Shop[]> {
    const rows = (await this.database
      .forTenant(tenantId)
      .from(SHOP_TABLE)
      .orderBy(`${SHOP_TABLE}.id`)
      .select(`${SHOP_TABLE}.tenant_id`, `${SHOP_TABLE}.channel_id`, `${SHOP_TABLE}.handle`)) as ShopRow[];
    return rows.map(toShop);
  }

  /** Records how many orders a backfill firing read; a repeated firing rewrites its row. */
  async saveBackfillRun(tenantId: string, dueAt: number, orders: number): Promise<void> {
    const now = Date.now();
    await this.database.forTenant(tenantId).transaction(async (tx) => {
      const updated = await tx
        .from(BACKFILL_RUN_TABLE)
        .where(`${BACKFILL_RUN_TABLE}.due_at`, dueAt)
        .update({ orders, updated_at: now });
      if (updated === 0) await tx.insert(BACKFILL_RUN_TABLE, { due_at: dueAt, orders, created_at: now, updated_at: now });
    });
  }

  /** The latest backfill runs, newest first. */
  async backfillRuns(tenantId: string, limit = 20): Promise<BackfillRun[]> {
    const rows = (await this.database
      .forTenant(tenantId)
      .from(BACKFILL_RUN_TABLE)
      .orderBy(`${BACKFILL_RUN_TABLE}.due_at`, 'desc')
      .limit(limit)
      .select(`${BACKFILL_RUN_TABLE}.due_at`, `${BACKFILL_RUN_TABLE}.orders`, `${BACKFILL_RUN_TABLE}.updated_at`)) as {
      due_at: number | string;
      orders: number | string;
      updated_at: number | string;
    }[];
    return rows.map((row) => ({ dueAt: Number(row.due_at), orders: Number(row.orders), updatedAt: Number(row.updated_at) }));
  }
}
