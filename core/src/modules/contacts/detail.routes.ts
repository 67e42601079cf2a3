import type { Request } from '@hapi/hapi';
import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { MAX_EPOCH_MS } from '../../server/cursor.js';
import { clientIp } from '../../server/client.js';
import { principalOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { epochMs, id, idParams, localizedText } from '../../server/schemas.js';
import { contactTraitFields, utmKeys } from './contacts.types.js';
import { timelineLimits, type ContactDetailService, type ViewSettings } from './detail.service.js';

const contactParams = idParams('contactId');
const nullableString = () => Joi.string().allow(null).required();

const profileSchema = Joi.object({
  ...Object.fromEntries(contactTraitFields.map((field) => [field.key, nullableString()])),
  props: Joi.object()
    .pattern(/^attr[0-9]+$/, Joi.alternatives(Joi.string(), Joi.number()).allow(null))
    .label('ContactDetailProps')
    .required()
    .description('custom fields by key (attr1, attr2…)'),
})
  .label('ContactDetailProfile')
  .description(
    'system fields as identify names them (mobilePhone, state = 省份…) and custom fields; masked ones are *** (null in the edit form)',
  );

const accountSchema = Joi.object({
  id: id().required(),
  channelId: id().required(),
  channelName: Joi.string().allow(null).required().description('null once the channel was deleted'),
  channelType: Joi.string().allow(null).required(),
  channelKey: Joi.string().allow(null).required().description('ChannelID / AppID'),
  idType: Joi.string().required().description('externalId, anonymousId, wechat.openId, wechat.unionId…'),
  userId: Joi.string().required(),
  idTypeLabel: Joi.string().required().description('externalId_<channelId>_<channelName> for external ids (seed §1.4.11)'),
  firstSeenAt: epochMs().allow(null).required(),
  createdAt: epochMs().required(),
}).label('ContactDetailAccount');

const accountsSchema = Joi.array().items(accountSchema).label('ContactDetailAccounts');

const connectionSchema = Joi.object({
  channelId: id().required(),
  channelName: Joi.string().allow(null).required(),
  channelType: Joi.string().allow(null).required(),
  channelKey: Joi.string().allow(null).required(),
  openId: Joi.string().allow(null).required().description('WeChat: the OpenID in this official account'),
  unionId: Joi.string().allow(null).required().description('WeChat: the UnionID'),
  externalIds: Joi.array().items(Joi.string()).label('ContactDetailExternalIds').required(),
  accounts: accountsSchema.required(),
}).label('ContactDetailConnection');

const mergePageSchema = Joi.object({
  items: Joi.array()
    .items(Joi.object().unknown(true).label('ContactDetailMerge'))
    .label('ContactDetailMerges')
    .required()
    .description('as GET /api/v1/contacts/merges?contactId= answers (values before the merge masked)'),
  nextCursor: Joi.string().allow(null).required(),
}).label('ContactDetailMergePage');

const detailSchema = Joi.object({
  id: id().required(),
  redirectedFrom: id()
    .allow(null)
    .required()
    .description('the id asked for when it was merged into this contact (its survivor answers), else null'),
  identified: Joi.boolean().required(),
  profile: profileSchema.required(),
  maskedFields: Joi.array().items(Joi.string()).label('ContactDetailMaskedFields').required(),
  age: Joi.number().integer().allow(null).required().description('from the birthday, today in the tenant time zone'),
  customFields: Joi.array()
    .items(
      Joi.object({ key: Joi.string().required(), name: Joi.string().required(), type: Joi.string().required() }).label(
        'ContactDetailCustomField',
      ),
    )
    .label('ContactDetailCustomFields')
    .required(),
  system: Joi.object({
    firstSeenAt: epochMs().allow(null).required().description('首次出现时间'),
    lastActiveAt: epochMs().allow(null).required().description('最后活跃时间: the last inbound event'),
    createdAt: epochMs().allow(null).required().description('创建时间: when the contact became identified'),
    updatedAt: epochMs().required(),
    createdUtm: Joi.object(Object.fromEntries(utmKeys.map((key) => [key, nullableString()])))
      .label('ContactDetailCreatedUtm')
      .required()
      .description('创建来源/媒介/活动/内容/关键字 (source, medium, campaign, content, term)'),
  })
    .label('ContactDetailSystem')
    .required(),
  accounts: accountsSchema.required(),
  connections: Joi.array().items(connectionSchema).label('ContactDetailConnections').required(),
  groups: Joi.array()
    .items(
      Joi.object({ id: id().required(), name: Joi.string().required(), kind: Joi.string().required() }).label(
        'ContactDetailGroup',
      ),
    )
    .label('ContactDetailGroups')
    .required()
    .description('the groups the contact is in (empty until the groups module provides them)'),
  merges: mergePageSchema.required(),
}).label('ContactDetail');

const formSchema = Joi.object({
  id: id().required(),
  profile: profileSchema.required(),
  maskedFields: Joi.array().items(Joi.string()).label('ContactFormMaskedFields').required(),
}).label('ContactForm');

const timelineEventSchema = Joi.object({
  event: Joi.string().required(),
  names: localizedText().required(),
  direction: Joi.string().valid('inbound', 'outbound').label('ContactTimelineDirection').required(),
  eventTime: epochMs().required(),
  receivedAt: epochMs().allow(null).required(),
  messageId: Joi.string().required(),
  channelId: id().allow(null).required(),
  channelName: Joi.string().allow(null).required(),
  channelType: Joi.string().allow(null).required(),
  channelAccountId: id().allow(null).required(),
  journeyId: id().allow(null).required().description('the journey that sent an outbound event'),
  properties: Joi.array()
    .items(
      Joi.object({
        code: Joi.string().required(),
        names: localizedText().required(),
        type: Joi.string().allow(null).required(),
        source: Joi.string().valid('system', 'sdk', 'custom', 'undeclared').label('ContactTimelinePropertySource').required(),
        value: Joi.any(),
        label: Joi.string().allow(null).required().description('the dictionary label of the value'),
        masked: Joi.boolean().required(),
      }).label('ContactTimelineProperty'),
    )
    .label('ContactTimelineProperties')
    .required(),
}).label('ContactTimelineEvent');

const idList = (label: string) =>
  Joi.array().items(Joi.string().max(191)).max(timelineLimits.settingsItems).allow(null).label(label);

const settingsFields = {
  profileTags: idList('ContactViewProfileTags').required().description('tag ids the profile shows; null = every tag'),
  timelineOutbound: idList('ContactViewTimelineOutbound')
    .required()
    .description('outbound event codes the timeline shows; null = every outbound event, [] = none'),
};

const settingsSchema = Joi.object({
  ...settingsFields,
  outboundEventTypes: Joi.array()
    .items(Joi.object({ code: Joi.string().required(), names: localizedText().required() }).label('ContactViewOutboundEvent'))
    .label('ContactViewOutboundEvents')
    .required(),
}).label('ContactViewSettings');

const contactBody = (label: string) =>
  Joi.object({
    props: Joi.object().unknown(true).label(`${label}Props`).description('custom fields: attr1, attr2…'),
  })
    .unknown(true)
    .label(label);

interface TimelineQuery {
  from?: number;
  to?: number;
  channelId?: string;
  cursor?: string;
  limit: number;
}

/**
 * The console's contact detail, timeline, 显示设置, and creating and editing by hand (seed §1.4.1,
 * §1.4.10): staff only, masked per caller. Console routes live under /api/v1/console/contacts so they
 * never meet the Open API's app-only /api/v1/contacts routes.
 */
export function detailRoutes(detail: ContactDetailService): PluginRoute[] {
  const principal = (request: Request) => principalOf(request);
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/console/contacts/view-settings',
      access: { permission: 'contacts.view', callers: 'staff' },
      options: {
        description:
          '用户详情显示设置 / The caller’s display settings of the contact detail: profile tags and timeline outbound events',
        response: { schema: settingsSchema },
      },
      handler: (request) => detail.settingsAnswer(principal(request)),
    }),
    moduleRoute<unknown, unknown, ViewSettings>({
      method: 'PUT',
      path: '/api/v1/console/contacts/view-settings',
      access: { permission: 'contacts.view', callers: 'staff' },
      options: {
        description: '保存显示设置 / Save the caller’s display settings (null = all)',
        validate: { payload: Joi.object<ViewSettings>(settingsFields).label('ContactViewSettingsInput') },
        response: { schema: settingsSchema },
      },
      handler: (request) => detail.saveSettings(principal(request), request.payload),
    }),
    moduleRoute<unknown, unknown, Record<string, unknown>>({
      method: 'POST',
      path: '/api/v1/console/contacts',
      access: { permission: 'contacts.edit', callers: 'staff' },
      options: {
        description:
          '新建用户 / Create a contact by hand: system fields as identify names them and custom fields (props.attrN), checked as identify (400 contact_invalid with field codes); identified when it has a name, mobile or email',
        validate: { payload: contactBody('ContactCreate') },
        payload: { protoAction: 'remove' },
        response: { schema: detailSchema },
      },
      handler: async (request, h) =>
        h.response(await detail.create(principal(request), request.payload, clientIp(request))).code(201),
    }),
    moduleRoute<{ contactId: string }>({
      method: 'GET',
      path: '/api/v1/console/contacts/{contactId}',
      access: { permission: 'contacts.view', callers: 'staff' },
      options: {
        description:
          '用户详情 / A contact for the detail page: profile (masked), age, system properties, connected accounts, groups and merge history; a merged-away id answers with its survivor (redirectedFrom)',
        validate: { params: contactParams },
        response: { schema: detailSchema },
      },
      handler: (request) => detail.detail(principal(request), request.params.contactId),
    }),
    moduleRoute<{ contactId: string }>({
      method: 'GET',
      path: '/api/v1/console/contacts/{contactId}/form',
      access: { permission: 'contacts.edit', callers: 'staff' },
      options: {
        description: '编辑用户表单 / The edit form’s values: masked fields blank (null)',
        validate: { params: contactParams },
        response: { schema: formSchema },
      },
      handler: (request) => detail.form(principal(request), request.params.contactId),
    }),
    moduleRoute<{ contactId: string }, unknown, Record<string, unknown>>({
      method: 'PATCH',
      path: '/api/v1/console/contacts/{contactId}',
      access: { permission: 'contacts.edit', callers: 'staff' },
      options: {
        description:
          '编辑用户 / Edit a contact: the values sent; "" or null clears one, but a masked field sent blank (or ***) keeps its value',
        validate: { params: contactParams, payload: contactBody('ContactEdit') },
        payload: { protoAction: 'remove' },
        response: { schema: detailSchema },
      },
      handler: (request) => detail.update(principal(request), request.params.contactId, request.payload, clientIp(request)),
    }),
    moduleRoute<{ contactId: string }, TimelineQuery>({
      method: 'GET',
      path: '/api/v1/console/contacts/{contactId}/timeline',
      access: { permission: 'contacts.view', callers: 'staff' },
      options: {
        description:
          '用户时间轴 / The contact’s events newest first (keyset cursor): from / to (epoch ms, [from, to)), channelId; outbound events as the caller’s 显示设置 choose; names, labels and dictionary labels from the metadata',
        validate: {
          params: contactParams,
          query: Joi.object<TimelineQuery>({
            from: epochMs().min(0).max(MAX_EPOCH_MS),
            to: epochMs().min(0).max(MAX_EPOCH_MS),
            channelId: id(),
            cursor: Joi.string().max(1024),
            limit: Joi.number().integer().min(1).max(timelineLimits.pageMax).default(timelineLimits.pageDefault),
          }).label('ContactTimelineQuery'),
        },
        response: {
          schema: Joi.object({
            items: Joi.array().items(timelineEventSchema).label('ContactTimelineEvents').required(),
            nextCursor: Joi.string().allow(null).required(),
            timelineOutbound: Joi.array().items(Joi.string()).allow(null).label('ContactTimelineOutbound').required(),
          }).label('ContactTimelinePage'),
        },
      },
      handler: (request) => detail.timeline(principal(request), request.params.contactId, request.query),
    }),
  ];
}
