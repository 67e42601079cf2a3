import {
  UnauthorizedError,
  verifyHmac,
  type AuthStrategyDefinition,
  type PluginChannels,
  type PluginTenantEnablement,
} from '@huiliu/core/plugin-api';
import type { ShopSettings } from '../shop/acme-api.js';
import type { ShopsRepo } from '../shop/shops.repo.js';

/** The headers Acme sends with every webhook. */
export const HANDLE_HEADER = 'x-acme-shop-handle';
export const TIMESTAMP_HEADER = 'x-acme-shop-timestamp';
/** hex HMAC-SHA256, keyed with the shop's webhook secret, of `<timestamp>.` followed by the body's exact bytes. */
export const SIGNATURE_HEADER = 'x-acme-shop-signature';

/** Older (or later) signatures are refused: a captured request cannot be replayed afterwards. */
const TOLERANCE_MS = 5 * 60_000;
const HANDLE = /^[a-z][a-z0-9-]{2,31}$/;
const header = (value: unknown) => (typeof value === 'string' ? value : '');

/**
 * Who sent a webhook (registered as `acme-shop.signature`; routes use it with
 * `permission: 'integration', auth: 'signature'`). The route has no session: this strategy is its
 * tenancy boundary (docs/plugins/routes-and-events.md §2). The handle header names the shop, the
 * shop's row names the tenant and channel, and the signature — checked with that channel's own
 * webhook secret over the exact bytes received — proves the shop sent them.
 */
export function signatureStrategy(
  shops: ShopsRepo,
  channels: PluginChannels,
  tenantPlugins: PluginTenantEnablement,
): AuthStrategyDefinition {
  return {
    name: 'signature',
    async authenticate(request, { rawBody }) {
      const handle = header(request.headers[HANDLE_HEADER]);
      const timestamp = header(request.headers[TIMESTAMP_HEADER]);
      const signature = header(request.headers[SIGNATURE_HEADER]);
      // One answer for every failure: a caller cannot tell an unknown shop from a wrong signature.
      const refuse = () => new UnauthorizedError('acme_shop_signature_invalid');
      if (!HANDLE.test(handle) || !/^\d{13}$/.test(timestamp)) throw refuse();
      if (Math.abs(Date.now() - Number(timestamp)) > TOLERANCE_MS) throw refuse();
      const shop = await shops.findByHandle(handle);
      if (!shop) throw refuse();
      const { webhookSecret } = (await channels.settings(shop.tenantId, shop.channelId)) as unknown as ShopSettings;
      const valid = verifyHmac({
        algorithm: 'sha256',
        key: webhookSecret,
        data: [`${timestamp}.`, rawBody ?? Buffer.alloc(0)],
        signature,
        encoding: 'hex',
      });
      if (!valid) throw refuse();
      // The kernel learns the tenant only here, so the plugin asks (ADR 0041): 403 plugin_disabled
      // when an operator disabled Acme Shop for this tenant — nothing is recorded for it.
      await tenantPlugins.assertEnabled(shop.tenantId);
      return { tenantId: shop.tenantId, subject: shop.handle };
    },
  };
}
