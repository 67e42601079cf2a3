import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import type { PluginInfo } from '../../kernel/kernel.js';
import { moduleRoute } from '../../server/route.js';
import { localizedText } from '../../server/schemas.js';

const text = localizedText();
const strings = (label: string) => Joi.array().items(Joi.string()).label(label);
const named = (label: string, item: Joi.ObjectSchema) => Joi.array().items(item.label(label)).label(`${label}s`);

export function pluginsRoutes(kernel: { list(): PluginInfo[] }): PluginRoute[] {
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/plugins',
      access: { permission: 'plugins.view' },
      options: {
        description: '插件列表 / Installed plugins with their versions and contributions',
        response: {
          schema: Joi.object({
            items: Joi.array()
              .items(
                Joi.object({
                  id: Joi.string().required(),
                  version: Joi.string().required(),
                  requires: Joi.object({ core: Joi.string().required() }).label('PluginRequires').required(),
                  dependencies: Joi.object().pattern(Joi.string(), Joi.string()).required(),
                  source: Joi.string().valid('builtin', 'explicit', 'package').label('PluginSource').required(),
                  packageName: Joi.string().allow(null).required(),
                  state: Joi.string().valid('registered', 'started', 'stopped').label('PluginState').required(),
                  contributions: Joi.object({
                    channelTypes: named(
                      'ContributedChannelType',
                      Joi.object({ type: Joi.string(), name: text, userIdTypes: strings('UserIdTypeIds') }),
                    ),
                    userIdTypes: named(
                      'ContributedUserIdType',
                      Joi.object({ id: Joi.string(), name: text, scope: Joi.string() }),
                    ),
                    eventTypes: named('ContributedEventType', Joi.object().unknown(true)),
                    triggers: named('ContributedTrigger', Joi.object({ key: Joi.string(), name: text })),
                    actions: named('ContributedAction', Joi.object({ key: Joi.string(), name: text })),
                    reportModels: named('ContributedReportModel', Joi.object({ id: Joi.string(), name: text })),
                    presetDashboards: named('ContributedDashboard', Joi.object({ id: Joi.string(), name: text })),
                    routes: named(
                      'ContributedRoute',
                      Joi.object({ method: Joi.string(), path: Joi.string(), permission: Joi.string() }),
                    ),
                    schedules: named('ContributedSchedule', Joi.object({ key: Joi.string(), cron: Joi.string() })),
                    taskKinds: named('ContributedTaskKind', Joi.object({ kind: Joi.string(), notifies: Joi.boolean() })),
                    migrations: strings('MigrationNames'),
                    olapRelations: strings('OlapRelationNames'),
                    permissions: strings('PermissionIds'),
                  })
                    .label('PluginContributions')
                    .required(),
                }).label('PluginInfo'),
              )
              .label('PluginInfos')
              .required(),
          }).label('PluginList'),
        },
      },
      handler: () => ({ items: kernel.list() }),
    }),
  ];
}
