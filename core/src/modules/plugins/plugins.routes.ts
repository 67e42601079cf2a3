import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import type { PluginInfo } from '../../kernel/kernel.js';
import { principalOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { localizedText } from '../../server/schemas.js';

const text = localizedText();
const strings = (label: string) => Joi.array().items(Joi.string()).label(label);
const named = (label: string, item: Joi.ObjectSchema) => Joi.array().items(item.label(label)).label(`${label}s`);

export function pluginsRoutes(
  kernel: { list(): PluginInfo[] },
  enablement: { disabledPlugins(tenantId: string): Promise<ReadonlySet<string>> },
): PluginRoute[] {
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/plugins',
      access: { permission: 'plugins.view' },
      options: {
        description:
          '插件列表 / Installed plugins with their versions and contributions, and whether each is enabled for this tenant (switched by the platform operator)',
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
                  state: Joi.string().valid('registered', 'started', 'stopped', 'failed').label('PluginState').required(),
                  // Why its start failed (message only, no stack): only when state is failed (ADR 0040).
                  error: Joi.string(),
                  namespace: Joi.string().allow(null).required(),
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
                  defaultEnabled: Joi.boolean()
                    .required()
                    .description('Whether a tenant has it until the platform operator switches it'),
                  enabledForTenant: Joi.boolean()
                    .required()
                    .description(
                      'Whether it is enabled for the caller’s tenant (`huiliu admin plugins enable|disable`; ADR 0041)',
                    ),
                }).label('PluginInfo'),
              )
              .label('PluginInfos')
              .required(),
          }).label('PluginList'),
        },
      },
      handler: async (request) => {
        const disabled = await enablement.disabledPlugins(principalOf(request).tenantId);
        return { items: kernel.list().map((plugin) => ({ ...plugin, enabledForTenant: !disabled.has(plugin.id) })) };
      },
    }),
  ];
}
