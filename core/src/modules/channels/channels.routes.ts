import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { moduleRoute } from '../../server/route.js';
import { principalOf } from '../../server/principal.js';
import { epochMs, id, idParams, pageOf, pageQueryWith, shortText } from '../../server/schemas.js';
import type { ChannelsService, NewChannel } from './channels.service.js';

const text = Joi.object({ 'zh-CN': Joi.string().required(), 'en-US': Joi.string().required() });

export const channelSchema = Joi.object({
  id: id().required(),
  type: Joi.string().required(),
  channelKey: Joi.string().required().description('ChannelID (custom channels, udc_…) or AppID'),
  name: Joi.string().required(),
  status: Joi.string().valid('active', 'disabled').required(),
  typeAvailable: Joi.boolean()
    .required()
    .description('False when no loaded plugin provides the type any more (listed, renamed and deleted only)'),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('Channel');

const channelTypeSchema = Joi.object({
  type: Joi.string().required(),
  name: text.required(),
  description: text.allow(null).required(),
  userIdTypes: Joi.array().items(Joi.string()).required(),
  customEvents: Joi.boolean().required(),
  manual: Joi.object({
    keyLabel: text.required(),
    keyPattern: Joi.string().required(),
    keyGenerated: Joi.boolean().required(),
    keyHelp: text.allow(null).required(),
  })
    .allow(null)
    .required(),
  pluginId: Joi.string().allow(null).required(),
  available: Joi.boolean().required().description('False for a type whose plugin was removed but channels of it remain'),
  count: Joi.number().integer().required(),
}).label('ChannelType');

const channelParams = idParams('channelId');

export function channelsRoutes(channels: ChannelsService): PluginRoute[] {
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/channel-types',
      access: { permission: 'connections.view', callers: 'any' },
      options: {
        description: 'Channel types (§2.1.4 获取 channelType 列表) with this tenant’s channel count of each',
        response: { schema: Joi.object({ items: Joi.array().items(channelTypeSchema).required() }).label('ChannelTypeList') },
      },
      handler: async (request) => ({ items: await channels.types(principalOf(request).tenantId) }),
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/channels',
      access: { permission: 'connections.view', callers: 'any' },
      options: {
        description: 'The tenant’s channels (连接), optionally of one type',
        validate: { query: pageQueryWith<{ type?: string }>({ type: Joi.string().max(64) }) },
        response: { schema: pageOf(channelSchema, 'ChannelPage') },
      },
      handler: (request) => channels.list(principalOf(request).tenantId, request.query),
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/channels',
      access: { permission: 'connections.edit', callers: 'any' },
      options: {
        description: 'Create a channel by hand (§2.1.4 创建自定义渠道: type "custom"; a blank channelKey is generated)',
        validate: {
          payload: Joi.object<NewChannel>({
            type: Joi.string().max(64).required(),
            name: shortText(64).required(),
            channelKey: Joi.string().trim().allow('').max(64),
          }),
        },
        response: { status: { 201: channelSchema } },
      },
      handler: async (request, h) => {
        const principal = principalOf(request);
        const created = await channels.create(
          principal.tenantId,
          request.payload,
          principal.kind === 'staff' ? principal.staffId : null,
        );
        return h.response(created).code(201);
      },
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/channels/{channelId}',
      // 连接-查看 lists connections but cannot open their details (seed §1.11.4.6).
      access: { permission: 'connections.edit', callers: 'any' },
      options: { description: 'One channel', validate: { params: channelParams }, response: { schema: channelSchema } },
      handler: (request) => channels.get(principalOf(request).tenantId, request.params.channelId),
    }),
    moduleRoute({
      method: 'PATCH',
      path: '/api/v1/channels/{channelId}',
      access: { permission: 'connections.edit', callers: 'any' },
      options: {
        description: 'Rename a channel',
        validate: { params: channelParams, payload: Joi.object<{ name: string }>({ name: shortText(64).required() }) },
        response: { schema: channelSchema },
      },
      handler: (request) => channels.rename(principalOf(request).tenantId, request.params.channelId, request.payload.name),
    }),
    moduleRoute({
      method: 'DELETE',
      path: '/api/v1/channels/{channelId}',
      access: { permission: 'connections.delete' },
      options: {
        description: 'Delete a channel (refused, with the reason, while its type forbids it)',
        validate: { params: channelParams },
      },
      handler: async (request, h) => {
        await channels.remove(principalOf(request).tenantId, request.params.channelId);
        return h.response().code(204);
      },
    }),
  ];
}
