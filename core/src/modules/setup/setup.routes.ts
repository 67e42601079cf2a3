import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { moduleRoute } from '../../server/route.js';
import { email, shortText, staffSchema, tenantSchema } from '../../server/schemas.js';
import { DEFAULT_TIME_ZONE } from '../tenancy/tenant.types.js';
import type { SetupService } from './setup.service.js';

interface SetupPayload {
  setupToken: string;
  tenantName: string;
  timeZone: string;
  name: string;
  email: string;
  password: string;
}

export function setupRoutes(setup: SetupService): PluginRoute[] {
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/setup',
      access: { permission: 'public' },
      options: {
        description: '是否需要初始化 / Whether first-run setup is still needed (no tenant exists yet)',
        response: { schema: Joi.object({ needed: Joi.boolean().required() }).label('SetupStatus') },
      },
      handler: async () => ({ needed: await setup.isNeeded() }),
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/setup',
      // Like login: a page of another site must not create the first tenant.
      access: { permission: 'public', sameOrigin: true },
      options: {
        description:
          '首次使用 / First run: create the first tenant and its super staff (needs the setup token from the server log)',
        validate: {
          payload: Joi.object<SetupPayload>({
            setupToken: Joi.string().trim().required(),
            tenantName: shortText(64).required(),
            timeZone: Joi.string().default(DEFAULT_TIME_ZONE),
            name: shortText(64).required(),
            email: email().required(),
            password: Joi.string().max(128).required(),
          }).label('SetupRequest'),
        },
        response: { status: { 201: Joi.object({ tenant: tenantSchema, staff: staffSchema }).label('SetupResult') } },
      },
      handler: async (request, h) => {
        const body = request.payload;
        const created = await setup.complete(body.setupToken, {
          tenantName: body.tenantName,
          timeZone: body.timeZone,
          staff: { email: body.email, name: body.name, password: body.password },
        });
        return h.response(created).code(201);
      },
    }),
  ];
}
