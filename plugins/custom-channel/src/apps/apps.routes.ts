import { Joi, NotFoundError, principalOf, safeName, type PluginRoute } from '@huiliu/core/plugin-api';
import { appPlatforms } from './app.types.js';
import type { AppChanges, AppsService, NewApp } from './apps.service.js';

const id = () => Joi.string().pattern(/^[1-9][0-9]{0,18}$/, 'id');

const appSchema = Joi.object({
  id: id().required(),
  channelId: id().required(),
  platform: Joi.string()
    .valid(...appPlatforms)
    .label('CustomAppPlatform')
    .required(),
  name: Joi.string().required(),
  domain: Joi.string().allow(null).required(),
  bundleId: Joi.string().allow(null).required(),
  packageName: Joi.string().allow(null).required(),
  writeKey: Joi.string().required(),
  status: Joi.string().valid('enabled', 'disabled').label('CustomAppStatus').required(),
  writeKeyIssuedAt: Joi.number().integer().required(),
  createdAt: Joi.number().integer().required(),
  updatedAt: Joi.number().integer().required(),
}).label('CustomApp');

const name = safeName(64);
const appParams = Joi.object({ customAppId: id().required() });

/** Routes under /api/v1/p/custom-channel: the apps of a custom channel and their writeKeys. */
export function appsRoutes(apps: AppsService): PluginRoute[] {
  return [
    {
      method: 'GET',
      path: '/channels/{channelId}/apps',
      permission: 'connections.edit',
      callers: 'any',
      description: '渠道下的应用 / Apps (web / iOS / Android) of a custom channel',
      validate: { params: Joi.object({ channelId: id().required() }) },
      response: {
        schema: Joi.object({ items: Joi.array().items(appSchema).label('CustomApps').required() }).label('CustomAppList'),
      },
      handler: async (request) => ({
        items: await apps.list(principalOf(request).tenantId, request.params.channelId as string),
      }),
    },
    {
      method: 'POST',
      path: '/channels/{channelId}/apps',
      permission: 'connections.edit',
      callers: 'any',
      description:
        '添加应用 / Add a web app (name + domain), an iOS app (name + Bundle ID) or an Android app (name + package name)',
      validate: {
        params: Joi.object({ channelId: id().required() }),
        payload: Joi.object<NewApp>({
          platform: Joi.string()
            .valid(...appPlatforms)
            .label('CustomAppPlatform')
            .required(),
          name: name.required(),
          domain: Joi.string().max(253).when('platform', { is: 'web', then: Joi.required(), otherwise: Joi.forbidden() }),
          bundleId: Joi.string().max(155).when('platform', { is: 'ios', then: Joi.required(), otherwise: Joi.forbidden() }),
          packageName: Joi.string()
            .max(255)
            .when('platform', { is: 'android', then: Joi.required(), otherwise: Joi.forbidden() }),
        }).label('NewCustomApp'),
      },
      response: { status: { 201: appSchema } },
      handler: async (request, h) => {
        const principal = principalOf(request);
        const created = await apps.create(
          principal.tenantId,
          request.params.channelId as string,
          request.payload as NewApp,
          principal.kind === 'staff' ? principal.staffId : null,
        );
        return h.response(created).code(201);
      },
    },
    {
      method: 'GET',
      path: '/apps/{customAppId}',
      permission: 'connections.edit',
      callers: 'any',
      description: '应用详情 / One app with its writeKey',
      validate: { params: appParams },
      response: { schema: appSchema },
      handler: (request) => apps.get(principalOf(request).tenantId, request.params.customAppId as string),
    },
    {
      method: 'PATCH',
      path: '/apps/{customAppId}',
      permission: 'connections.edit',
      callers: 'any',
      description:
        '修改应用 / Rename, change the domain, Bundle ID or package name, enable or disable (a disabled app’s events are dropped)',
      validate: {
        params: appParams,
        payload: Joi.object<AppChanges>({
          name,
          domain: Joi.string().max(253),
          bundleId: Joi.string().max(155),
          packageName: Joi.string().max(255),
          status: Joi.string().valid('enabled', 'disabled').label('CustomAppStatus'),
        })
          .min(1)
          .label('CustomAppChanges'),
      },
      response: { schema: appSchema },
      handler: (request) =>
        apps.update(principalOf(request).tenantId, request.params.customAppId as string, request.payload as AppChanges),
    },
    {
      method: 'POST',
      path: '/apps/{customAppId}/write-key',
      permission: 'connections.edit',
      callers: 'any',
      description: '重新生成 writeKey / Issue a new writeKey; the old one is revoked at once',
      validate: { params: appParams },
      response: { schema: appSchema },
      handler: (request) => apps.regenerateWriteKey(principalOf(request).tenantId, request.params.customAppId as string),
    },
    {
      method: 'GET',
      path: '/write-keys/{writeKey}',
      permission: 'public',
      description:
        '检查 writeKey / Check a writeKey (SDK set-up): whether it is known and its app enabled. Reveals nothing else.',
      validate: { params: Joi.object({ writeKey: Joi.string().max(64).required() }) },
      response: {
        schema: Joi.object({
          writeKey: Joi.string().required(),
          platform: Joi.string()
            .valid(...appPlatforms)
            .label('CustomAppPlatform')
            .required(),
          enabled: Joi.boolean().required(),
        }).label('WriteKeyStatus'),
      },
      handler: async (request) => {
        const writeKey = request.params.writeKey as string;
        const owner = await apps.ownerOfWriteKey(writeKey);
        if (!owner) throw new NotFoundError('custom_write_key_not_found');
        return { writeKey, platform: owner.platform, enabled: owner.enabled };
      },
    },
  ];
}
