import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { moduleRoute } from '../../server/route.js';
import { principalOf } from '../../server/principal.js';
import { tenantSchema } from '../../server/schemas.js';
import type { HomeService } from './home.service.js';

export function homeRoutes(home: HomeService): PluginRoute[] {
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/home',
      access: { permission: 'home.view' },
      options: {
        description: '首页 / Home page (§1.2.3): version, tenant and usage numbers',
        response: {
          schema: Joi.object({
            version: Joi.string().required(),
            tenant: tenantSchema.required(),
            counts: Joi.array()
              .items(Joi.object({ key: Joi.string().required(), value: Joi.number().required() }).label('HomeCount'))
              .label('HomeCounts')
              .required(),
          }).label('HomeSummary'),
        },
      },
      handler: (request) => home.summary(principalOf(request).tenantId),
    }),
  ];
}
