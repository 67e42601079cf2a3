import type { Request } from '@hapi/hapi';
import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { clientIp } from '../../server/client.js';
import { localeOf } from '../../server/error-responses.js';
import { formatMessage } from '../../server/messages.js';
import { moduleRoute } from '../../server/route.js';
import { principalOf } from '../../server/principal.js';
import { epochMs, id, idParams, localizedText, pageOf, pageQueryWith, shortText } from '../../server/schemas.js';
import type { Channel, ChannelDetail } from './channel.types.js';
import type { ChannelsService, ChannelTestOutcome, NewChannel } from './channels.service.js';
import type { OperationLogService } from '../audit/operation-log.service.js';

const text = localizedText();

export const channelSchema = Joi.object({
  id: id().required(),
  type: Joi.string().required(),
  channelKey: Joi.string().required().description('ChannelID (custom channels, udc_…) or AppID'),
  name: Joi.string().required(),
  status: Joi.string().valid('active', 'disabled').label('ChannelStatus').required(),
  typeAvailable: Joi.boolean()
    .required()
    .description(
      'False when no loaded plugin provides the type any more, or its plugin is disabled for this tenant (listed, renamed and deleted only)',
    ),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('Channel');

/** One channel (detail, create, rename): the channel and whether its state allows deleting it now. */
/** Settings as every API shows them: non-secret values only (ADR 0039). */
const settingsValuesSchema = Joi.object()
  .unknown(true)
  .label('ChannelSettingsValues')
  .description('the non-secret settings (secret fields are never returned: see secretsSet)');

export const channelDetailSchema = channelSchema
  .keys({
    settings: settingsValuesSchema.required(),
    secretsSet: Joi.array()
      .items(Joi.string())
      .label('ChannelSecretsSet')
      .required()
      .description('the secret fields of the settings that hold a value (their values are never returned)'),
    deletable: Joi.boolean().required().description('false while the channel’s type refuses to delete it (see the reason)'),
    deleteBlockedReason: Joi.object({
      code: Joi.string().required().description('the error code DELETE would answer, e.g. custom_channel_has_enabled_apps'),
      message: Joi.string().required().description('why, in the caller’s language (Accept-Language)'),
    })
      .label('DeleteBlockedReason')
      .allow(null)
      .required(),
  })
  .label('ChannelDetail');

const channelTypeSchema = Joi.object({
  type: Joi.string().required(),
  name: text.required(),
  description: text.allow(null).label('LocalizedTextOrNull').required(),
  userIdTypes: Joi.array().items(Joi.string()).label('UserIdTypeIds').required(),
  customEvents: Joi.boolean().required(),
  manual: Joi.object({
    keyLabel: text.required(),
    keyPattern: Joi.string().required(),
    keyGenerated: Joi.boolean().required(),
    keyHelp: text.allow(null).label('LocalizedTextOrNull').required(),
  })
    .label('ChannelTypeManual')
    .allow(null)
    .required(),
  settingsSchema: Joi.object()
    .unknown(true)
    .allow(null)
    .label('ChannelSettingsJsonSchema')
    .required()
    .description(
      'the settings form as JSON Schema: secret fields writeOnly + x-secret; labels in title (caller’s language) and x-label (both)',
    ),
  testable: Joi.boolean().required().description('whether the type can test settings (测试连接)'),
  pluginId: Joi.string().allow(null).required(),
  available: Joi.boolean()
    .required()
    .description('False for a type whose plugin was removed, or is disabled for this tenant, but channels of it remain'),
  count: Joi.number().integer().required(),
}).label('ChannelType');

const channelParams = idParams('channelId');

/** Settings as a form sends them (secrets in clear, checked against the type's form by the service). */
const settingsInput = () =>
  Joi.object().unknown(true).description('the type’s settings form (GET /api/v1/channel-types settingsSchema); secrets in clear');

const testResultSchema = Joi.object({
  ok: Joi.boolean().required(),
  code: Joi.string().description('why the test failed: channel_test_failed, channel_test_timeout or the connector’s own code'),
  message: Joi.string().description('the reason in the caller’s language (Accept-Language)'),
}).label('ChannelTestResult');

/** Field names the operation log can hold as ids (a settings field is named by the plugin). */
const LOGGABLE_FIELD = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;

export function channelsRoutes(channels: ChannelsService, log: OperationLogService): PluginRoute[] {
  const testAnswer = (request: Request, outcome: ChannelTestOutcome) =>
    outcome.ok
      ? { ok: true }
      : { ok: false, code: outcome.code, message: formatMessage(outcome.code, localeOf(request), outcome.params) };

  const detail = async (request: Request, channel: Channel): Promise<ChannelDetail> => {
    const refusal = await channels.deleteRefusal(principalOf(request).tenantId, channel);
    return {
      ...channel,
      ...(await channels.settingsView(principalOf(request).tenantId, channel.id)),
      deletable: refusal === null,
      deleteBlockedReason: refusal && {
        code: refusal.code,
        message: formatMessage(refusal.code, localeOf(request), refusal.params),
      },
    };
  };

  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/channel-types',
      access: { permission: 'connections.view', callers: 'any' },
      options: {
        description: '渠道类型列表 / Channel types (§2.1.4 获取 channelType 列表) with this tenant’s channel count of each',
        response: {
          schema: Joi.object({ items: Joi.array().items(channelTypeSchema).label('ChannelTypeItems').required() }).label(
            'ChannelTypeList',
          ),
        },
      },
      handler: async (request) => ({ items: await channels.types(principalOf(request).tenantId, localeOf(request)) }),
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/channels',
      access: { permission: 'connections.view', callers: 'any' },
      options: {
        description: '连接列表 / The tenant’s channels, optionally of one type',
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
        description:
          '创建连接 / Create a channel by hand (§2.1.4 创建自定义渠道: type "custom"; a blank channelKey is generated)',
        validate: {
          payload: Joi.object<NewChannel>({
            type: Joi.string().max(64).required(),
            name: shortText(64).required(),
            channelKey: Joi.string().trim().allow('').max(64),
            settings: settingsInput().label('NewChannelSettings'),
          }).label('NewChannel'),
        },
        response: { status: { 201: channelDetailSchema } },
      },
      handler: async (request, h) => {
        const principal = principalOf(request);
        const created = await channels.create(
          principal.tenantId,
          request.payload,
          principal.kind === 'staff' ? principal.staffId : null,
        );
        // Staff only: the Open API's changes are not logged (seed §1.11.4.8).
        await log.record(principal, {
          objectType: 'channel',
          operation: 'create',
          objectId: created.id,
          detail: { type: created.type },
          ip: clientIp(request),
        });
        return h.response(await detail(request, created)).code(201);
      },
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/channels/{channelId}',
      // 连接-查看 lists connections but cannot open their details (seed §1.11.4.6).
      access: { permission: 'connections.edit', callers: 'any' },
      options: {
        description: '连接详情 / One channel, with whether it may be deleted now',
        validate: { params: channelParams },
        response: { schema: channelDetailSchema },
      },
      handler: async (request) => detail(request, await channels.get(principalOf(request).tenantId, request.params.channelId)),
    }),
    moduleRoute({
      method: 'PATCH',
      path: '/api/v1/channels/{channelId}',
      access: { permission: 'connections.edit', callers: 'any' },
      options: {
        description: '重命名连接 / Rename a channel',
        validate: {
          params: channelParams,
          payload: Joi.object<{ name: string }>({ name: shortText(64).required() }).label('ChannelRename'),
        },
        response: { schema: channelDetailSchema },
      },
      handler: async (request) =>
        detail(request, await channels.rename(principalOf(request).tenantId, request.params.channelId, request.payload.name)),
    }),
    moduleRoute({
      method: 'PATCH',
      path: '/api/v1/channels/{channelId}/settings',
      access: { permission: 'connections.edit' },
      options: {
        description: '修改连接设置 / Change a channel’s settings (ADR 0039)',
        notes:
          'Per field: omitted = unchanged; a secret field’s null = unchanged and "" = cleared (refused if required); another field’s null = removed. The merged settings are validated again: 400 channel_settings_invalid with details [{path: "settings.<field>", code}]. Secrets are never returned.',
        validate: {
          params: channelParams,
          payload: Joi.object<{ settings: Record<string, unknown> }>({
            settings: settingsInput().label('ChannelSettingsPatch').required(),
          }).label('ChannelSettingsUpdate'),
        },
        response: { schema: channelDetailSchema },
      },
      handler: async (request) => {
        const principal = principalOf(request);
        const channelId = request.params.channelId;
        const updated = await channels.updateSettings(
          principal.tenantId,
          channelId,
          request.payload.settings,
          async (changed) => {
            const type = (await channels.get(principal.tenantId, channelId)).type;
            await log.record(principal, {
              objectType: 'channel',
              operation: 'editSettings',
              objectId: channelId,
              detail: {
                type,
                changedFieldIds: changed.filter((field) => LOGGABLE_FIELD.test(field)),
                changedFields: changed.length,
              },
              ip: clientIp(request),
            });
          },
        );
        return detail(request, updated);
      },
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/channels/test',
      access: { permission: 'connections.edit' },
      options: {
        description: '创建前测试连接 / Test a channel type’s settings before creating the channel',
        notes:
          'A failed test is a normal answer {ok: false, code, message}; invalid settings are 400 channel_settings_invalid; a type without a test handler 400 channel_test_unsupported.',
        validate: {
          payload: Joi.object<{ type: string; settings: Record<string, unknown> }>({
            type: Joi.string().max(64).required(),
            settings: settingsInput().label('ChannelTestSettings').default({}),
          }).label('ChannelTypeTest'),
        },
        response: { schema: testResultSchema },
      },
      handler: async (request) =>
        testAnswer(
          request,
          await channels.testNew(principalOf(request).tenantId, request.payload.type, request.payload.settings),
        ),
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/channels/{channelId}/test',
      access: { permission: 'connections.edit' },
      options: {
        description: '测试连接 / Test a channel’s settings: the stored ones, with unsaved changes applied as PATCH would',
        validate: {
          params: channelParams,
          // No body = the stored settings as they are.
          payload: Joi.object<{ settings: Record<string, unknown> } | null>({
            settings: settingsInput().label('ChannelTestPatch').default({}),
          })
            .label('ChannelTest')
            .allow(null),
        },
        response: { schema: testResultSchema },
      },
      handler: async (request) =>
        testAnswer(
          request,
          await channels.testExisting(principalOf(request).tenantId, request.params.channelId, request.payload?.settings ?? {}),
        ),
    }),
    moduleRoute({
      method: 'DELETE',
      path: '/api/v1/channels/{channelId}',
      access: { permission: 'connections.delete' },
      options: {
        description: '删除连接 / Delete a channel (refused, with the reason, while its type forbids it)',
        validate: { params: channelParams },
      },
      handler: async (request, h) => {
        const principal = principalOf(request);
        await channels.remove(principal.tenantId, request.params.channelId);
        await log.record(principal, {
          objectType: 'channel',
          operation: 'delete',
          objectId: request.params.channelId,
          ip: clientIp(request),
        });
        return h.response().code(204);
      },
    }),
  ];
}
