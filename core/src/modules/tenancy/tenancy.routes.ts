import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { moduleRoute } from '../../server/route.js';
import { principalOf } from '../../server/principal.js';
import { shortText, tenantSchema } from '../../server/schemas.js';
import type { TenantService } from './tenant.service.js';

export function tenancyRoutes(tenants: TenantService): PluginRoute[] {
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/tenant',
      access: { permission: 'tenant.view', callers: 'any' },
      options: { description: '当前租户 / The caller’s tenant', response: { schema: tenantSchema } },
      handler: (request) => tenants.get(principalOf(request).tenantId),
    }),
    moduleRoute({
      method: 'PATCH',
      path: '/api/v1/tenant',
      access: { permission: 'tenant.edit' },
      options: {
        description: '修改租户 / Rename the tenant or change its time zone (only before its first event)',
        validate: {
          payload: Joi.object<{ name?: string; timeZone?: string }>({ name: shortText(64), timeZone: Joi.string().max(64) })
            .min(1)
            .label('TenantChanges'),
        },
        response: { schema: tenantSchema },
      },
      handler: (request) => tenants.update(principalOf(request).tenantId, request.payload),
    }),
  ];
}
