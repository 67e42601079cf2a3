import Joi from 'joi';
import type { ServerRoute } from '@hapi/hapi';
import type { DependencyContainer } from 'tsyringe';
import { defineRoute } from '../../server/route.js';
import { principalOf } from '../../server/principal.js';
import { email, shortText, staffSchema, tenantSchema } from '../../server/schemas.js';
import { SetupService } from './setup.service.js';
import { TenantService } from './tenant.service.js';
import { DEFAULT_TIME_ZONE } from './tenant.types.js';

interface SetupPayload {
  setupToken: string;
  tenantName: string;
  timeZone: string;
  name: string;
  email: string;
  password: string;
}

export function tenancyRoutes(container: DependencyContainer): ServerRoute[] {
  const setup = container.resolve(SetupService);
  const tenants = container.resolve(TenantService);
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/setup',
      access: { permission: 'public' },
      options: {
        description: 'Whether first-run setup is still needed (no tenant exists yet)',
        response: { schema: Joi.object({ needed: Joi.boolean().required() }).label('SetupStatus') },
      },
      handler: async () => ({ needed: await setup.isNeeded() }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/setup',
      access: { permission: 'public' },
      options: {
        description: 'First run: create the first tenant and its super staff (needs the setup token from the server log)',
        validate: {
          payload: Joi.object<SetupPayload>({
            setupToken: Joi.string().trim().required(),
            tenantName: shortText(64).required(),
            timeZone: Joi.string().default(DEFAULT_TIME_ZONE),
            name: shortText(64).required(),
            email: email().required(),
            password: Joi.string().max(128).required(),
          }),
        },
        response: { status: { 201: Joi.object({ tenant: tenantSchema, staff: staffSchema }).label('SetupResult') } },
      },
      handler: async (request, h) => {
        const body = request.payload as SetupPayload;
        const created = await setup.complete(body.setupToken, {
          tenantName: body.tenantName,
          timeZone: body.timeZone,
          staff: { email: body.email, name: body.name, password: body.password },
        });
        return h.response(created).code(201);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/tenant',
      access: { permission: 'tenant.view', callers: 'any' },
      options: { description: 'The caller’s tenant', response: { schema: tenantSchema } },
      handler: (request) => tenants.get(principalOf(request).tenantId),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/v1/tenant',
      access: { permission: 'tenant.edit' },
      options: {
        description: 'Rename the tenant or change its time zone (only before its first event)',
        validate: {
          payload: Joi.object({ name: shortText(64), timeZone: Joi.string().max(64) }).min(1),
        },
        response: { schema: tenantSchema },
      },
      handler: (request) =>
        tenants.update(principalOf(request).tenantId, request.payload as { name?: string; timeZone?: string }),
    }),
  ];
}
