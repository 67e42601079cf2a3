import { Joi, principalOf, type PluginRoute } from '@huiliu/core/plugin-api';
import type { WriteKeyService } from './write-key.service.js';

const id = () => Joi.string().pattern(/^[1-9][0-9]{0,18}$/, 'id');

const writeKeySchema = Joi.object({
  channelId: id().required(),
  writeKey: Joi.string().required(),
  writeKeyIssuedAt: Joi.number().integer().required(),
}).label('MiniprogramWriteKey');

const params = Joi.object({ channelId: id().required() });

/** Routes under /api/v1/p/miniprogram: the writeKey of a mini-program channel. */
export function writeKeyRoutes(writeKeys: WriteKeyService): PluginRoute[] {
  return [
    {
      method: 'GET',
      path: '/channels/{channelId}/write-key',
      permission: 'connections.edit',
      callers: 'any',
      description: '小程序的 writeKey / The writeKey of a mini-program channel (the mini-program SDK sends it)',
      validate: { params },
      response: { schema: writeKeySchema },
      handler: (request) => writeKeys.get(principalOf(request).tenantId, request.params.channelId as string),
    },
    {
      method: 'POST',
      path: '/channels/{channelId}/write-key',
      permission: 'connections.edit',
      callers: 'any',
      description: '重新生成 writeKey / Issue a new writeKey for a mini-program channel; the old one is revoked at once',
      validate: { params },
      response: { schema: writeKeySchema },
      handler: (request) => writeKeys.regenerate(principalOf(request).tenantId, request.params.channelId as string),
    },
  ];
}
