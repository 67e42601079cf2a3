import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { moduleRoute } from '../../server/route.js';
import { clientIp } from '../../server/client.js';
import { principalOf, staffOf } from '../../server/principal.js';
import { epochMs, id, idParams, pageOf, pageQuery, shortText } from '../../server/schemas.js';
import { ACCESS_TOKEN_TTL_SECONDS, type AppsService } from './apps.service.js';

const appSchema = Joi.object({
  id: id().required(),
  name: Joi.string().required(),
  appKey: Joi.string().required(),
  status: Joi.string().valid('enabled', 'disabled').label('AppStatus').required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
  lastUsedAt: epochMs().allow(null).required(),
}).label('App');

const appWithSecret = Joi.object({ app: appSchema.required(), appSecret: Joi.string().required() }).label('AppWithSecret');
const appParams = idParams('appId');

export function appsRoutes(apps: AppsService): PluginRoute[] {
  return [
    moduleRoute({
      method: 'POST',
      path: '/api/v1/auth/token',
      access: { permission: 'public' },
      options: {
        description: `换取访问令牌 / Open API: exchange appKey + appSecret for a bearer token valid ${ACCESS_TOKEN_TTL_SECONDS} s (rate-limited per client address: 429 with Retry-After)`,
        validate: {
          payload: Joi.object<{ appKey: string; appSecret: string }>({
            appKey: Joi.string().max(64).required(),
            appSecret: Joi.string().max(128).required(),
          }).label('TokenRequest'),
        },
        response: {
          schema: Joi.object({
            accessToken: Joi.string().required(),
            tokenType: Joi.string().valid('Bearer').label('TokenType').required(),
            expiresIn: Joi.number().integer().required(),
          }).label('AccessToken'),
        },
      },
      handler: (request) => {
        const { appKey, appSecret } = request.payload;
        return apps.issueToken(appKey, appSecret, { ip: clientIp(request) });
      },
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/apps',
      access: { permission: 'settings.privateApps' },
      options: {
        description: '私有App列表 / Open API apps of the tenant',
        validate: { query: pageQuery },
        response: { schema: pageOf(appSchema, 'AppPage') },
      },
      handler: (request) => {
        const { page, pageSize } = request.query;
        return apps.list(principalOf(request).tenantId, page, pageSize);
      },
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/apps',
      access: { permission: 'settings.privateApps' },
      options: {
        description: '新建私有App / Create an Open API app; the secret is returned only this once',
        validate: { payload: Joi.object<{ name: string }>({ name: shortText(64).required() }).label('NewApp') },
        response: { status: { 201: appWithSecret } },
      },
      handler: async (request, h) => {
        const principal = staffOf(request);
        const created = await apps.create(principal.tenantId, request.payload.name, principal.staffId);
        return h.response(created).code(201);
      },
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/apps/{appId}',
      access: { permission: 'settings.privateApps' },
      options: {
        description: '私有App详情 / One Open API app',
        validate: { params: appParams },
        response: { schema: appSchema },
      },
      handler: (request) => apps.get(principalOf(request).tenantId, request.params.appId),
    }),
    moduleRoute({
      method: 'PATCH',
      path: '/api/v1/apps/{appId}',
      access: { permission: 'settings.privateApps' },
      options: {
        description: '修改私有App / Rename, enable or disable an app (disabling revokes its tokens)',
        validate: {
          params: appParams,
          payload: Joi.object<{ name?: string; status?: 'enabled' | 'disabled' }>({
            name: shortText(64),
            status: Joi.string().valid('enabled', 'disabled').label('AppStatus'),
          })
            .min(1)
            .label('AppChanges'),
        },
        response: { schema: appSchema },
      },
      handler: (request) => apps.update(principalOf(request).tenantId, request.params.appId, request.payload),
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/apps/{appId}/secret',
      access: { permission: 'settings.privateApps' },
      options: {
        description: '重置密钥 / Issue a new secret; the old secret and its tokens stop working',
        validate: { params: appParams },
        response: { schema: appWithSecret },
      },
      handler: (request) => apps.resetSecret(principalOf(request).tenantId, request.params.appId),
    }),
    moduleRoute({
      method: 'DELETE',
      path: '/api/v1/apps/{appId}',
      access: { permission: 'settings.privateApps' },
      options: { description: '删除私有App / Delete an app and revoke its tokens', validate: { params: appParams } },
      handler: async (request, h) => {
        await apps.remove(principalOf(request).tenantId, request.params.appId);
        return h.response().code(204);
      },
    }),
  ];
}
