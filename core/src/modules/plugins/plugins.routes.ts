import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import type { PluginInfo } from '../../kernel/kernel.js';
import { moduleRoute } from '../../server/route.js';

const text = Joi.object({ 'zh-CN': Joi.string().required(), 'en-US': Joi.string().required() });

export function pluginsRoutes(kernel: { list(): PluginInfo[] }): PluginRoute[] {
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/plugins',
      access: { permission: 'plugins.view' },
      options: {
        description: 'Installed plugins with their versions and contributions',
        response: {
          schema: Joi.object({
            items: Joi.array()
              .items(
                Joi.object({
                  id: Joi.string().required(),
                  version: Joi.string().required(),
                  requires: Joi.object({ core: Joi.string().required() }).required(),
                  dependencies: Joi.object().pattern(Joi.string(), Joi.string()).required(),
                  source: Joi.string().valid('builtin', 'explicit', 'package').required(),
                  packageName: Joi.string().allow(null).required(),
                  state: Joi.string().valid('registered', 'started', 'stopped').required(),
                  contributions: Joi.object({
                    channelTypes: Joi.array().items(
                      Joi.object({ type: Joi.string(), name: text, userIdTypes: Joi.array().items(Joi.string()) }),
                    ),
                    userIdTypes: Joi.array().items(Joi.object({ id: Joi.string(), name: text, scope: Joi.string() })),
                    eventTypes: Joi.array().items(Joi.object().unknown(true)),
                    triggers: Joi.array().items(Joi.object({ key: Joi.string(), name: text })),
                    actions: Joi.array().items(Joi.object({ key: Joi.string(), name: text })),
                    reportModels: Joi.array().items(Joi.object({ id: Joi.string(), name: text })),
                    presetDashboards: Joi.array().items(Joi.object({ id: Joi.string(), name: text })),
                    routes: Joi.array().items(Joi.object({ method: Joi.string(), path: Joi.string(), permission: Joi.string() })),
                    schedules: Joi.array().items(Joi.object({ key: Joi.string(), cron: Joi.string() })),
                    taskKinds: Joi.array().items(Joi.object({ kind: Joi.string(), notifies: Joi.boolean() })),
                    migrations: Joi.array().items(Joi.string()),
                    olapRelations: Joi.array().items(Joi.string()),
                    permissions: Joi.array().items(Joi.string()),
                  }).required(),
                }).label('PluginInfo'),
              )
              .required(),
          }).label('PluginList'),
        },
      },
      handler: () => ({ items: kernel.list() }),
    }),
  ];
}
