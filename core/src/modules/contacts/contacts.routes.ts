import type { Request } from '@hapi/hapi';
import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { principalOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { epochMs, id, idParams } from '../../server/schemas.js';
import { MAX_EPOCH_MS } from '../../server/cursor.js';
import { contactApiLimits, type ContactReadsService } from './contacts.reads.js';
import { contactTraitFields, utmKeys } from './contacts.types.js';

const tenantOf = (request: Request) => principalOf(request).tenantId;

const nullableString = () => Joi.string().allow(null).required();

const channelAccountSchema = Joi.object({
  id: id().required(),
  channelId: id().required(),
  channelType: Joi.string().allow(null).required().description('custom, wechat, miniprogram…; null once the channel was deleted'),
  idType: Joi.string().required().description('externalId, anonymousId, wechat.openId, wechat.unionId…'),
  userId: Joi.string().required(),
  firstSeenAt: epochMs().allow(null).required(),
  createdAt: epochMs().required(),
}).label('ChannelAccount');

const channelAccountsSchema = Joi.array().items(channelAccountSchema).label('ChannelAccounts');

const contactSchema = Joi.object({
  id: id().required(),
  identified: Joi.boolean().required().description('true once name, mobilePhone or email has a value'),
  ...Object.fromEntries(contactTraitFields.map((field) => [field.key, nullableString()])),
  props: Joi.object()
    .pattern(/^attr[0-9]+$/, Joi.alternatives(Joi.string(), Joi.number()))
    .label('ContactProps')
    .required()
    .description('custom fields by key (attr1, attr2…), as identify takes them'),
  utm: Joi.object(Object.fromEntries(utmKeys.map((key) => [key, nullableString()])))
    .label('ContactUtm')
    .required()
    .description('the created utm, recorded when the contact became identified'),
  firstSeenAt: epochMs().allow(null).required(),
  lastActiveAt: epochMs().allow(null).required(),
  createdAt: epochMs().allow(null).required().description('when the contact became identified (null while anonymous)'),
  updatedAt: epochMs().required(),
  accounts: channelAccountsSchema.required(),
})
  .description('state is the province (省份); mobilePhone the mobile number; birthday YYYY-MM-DD')
  .label('Contact');

const contactsSchema = Joi.array().items(contactSchema).label('Contacts');
const nextCursor = Joi.string()
  .allow(null)
  .required()
  .description('pass back as cursor for the next page; null on the last page');

const idsPayload = (label: string) =>
  Joi.object<{ ids: string[] }>({
    ids: Joi.array()
      .items(id())
      .min(1)
      .max(contactApiLimits.batchIds)
      .label('ContactIds')
      .required()
      .description(`contact ids (strings), at most ${contactApiLimits.batchIds}`),
  }).label(label);

const notFound = Joi.array()
  .items(Joi.string())
  .label('ContactIdsNotFound')
  .required()
  .description('ids of no contact of this tenant');

const merged = Joi.object()
  .pattern(Joi.string(), Joi.string())
  .label('ContactIdsMerged')
  .required()
  .description('asked ids of contacts merged into another: asked id → the survivor’s id (its contact is among the items)');

const openIdsSchema = Joi.object({
  contactId: id().required(),
  openIds: Joi.array()
    .items(
      Joi.object({
        appId: Joi.string()
          .allow(null)
          .required()
          .description('the official account’s AppID (null once the channel was deleted)'),
        channelId: id().required(),
        openId: Joi.string().required(),
      }).label('ContactOpenId'),
    )
    .label('ContactOpenIdList')
    .required(),
  unionIds: Joi.array().items(Joi.string()).label('ContactUnionIds').required(),
}).label('ContactOpenIds');

const eventSchema = Joi.object({
  event: Joi.string().required().description('the event code (as tracked)'),
  eventTime: epochMs().required(),
  receivedAt: epochMs().allow(null).required(),
  messageId: Joi.string().required(),
  direction: Joi.string().valid('inbound', 'outbound').label('EventDirection').required(),
  channelId: id().allow(null).required(),
  channelAccountId: id().allow(null).required(),
  journeyId: id().allow(null).required(),
  properties: Joi.object()
    .unknown(true)
    .label('EventProperties')
    .required()
    .description('declared properties by code, typed; undeclared ones as they arrived'),
}).label('ContactEvent');

const cursor = Joi.string().max(1024).description('nextCursor of the previous page');

interface ListQuery {
  cursor?: string;
  limit: number;
  identified?: boolean;
  updatedSince?: number;
}

interface EventsQuery {
  cursor?: string;
  limit: number;
  from?: number;
  to?: number;
  event?: string;
}

const contactParams = idParams('contactId');

/**
 * The Open API's contact calls (seed §2.1.4, for apps' bearer tokens): detail, batch detail, list,
 * batch openIds, update, channel accounts and events. Console pages have their own routes (field
 * masking and department data permissions apply to staff).
 */
export function contactsRoutes(reads: ContactReadsService): PluginRoute[] {
  return [
    moduleRoute<unknown, ListQuery>({
      method: 'GET',
      path: '/api/v1/contacts',
      access: { permission: 'contacts.read', callers: 'app' },
      options: {
        description:
          '获取联系人列表 / List contacts by id ascending, a keyset page at a time (cursor); filters: identified, updatedSince (epoch ms, inclusive)',
        validate: {
          query: Joi.object<ListQuery>({
            cursor,
            limit: Joi.number().integer().min(1).max(contactApiLimits.pageMax).default(contactApiLimits.pageDefault),
            identified: Joi.boolean(),
            updatedSince: epochMs().min(0).max(MAX_EPOCH_MS),
          }),
        },
        response: { schema: Joi.object({ items: contactsSchema.required(), nextCursor }).label('ContactPage') },
      },
      handler: (request) => reads.list(tenantOf(request), request.query),
    }),
    moduleRoute<unknown, unknown, { ids: string[] }>({
      method: 'POST',
      path: '/api/v1/contacts/batch-get',
      access: { permission: 'contacts.read', callers: 'app' },
      options: {
        description: `批量获取联系人详情 / Get up to ${contactApiLimits.batchIds} contacts by id; ids of no contact come back in notFound`,
        validate: { payload: idsPayload('ContactBatchGet') },
        response: { schema: Joi.object({ items: contactsSchema.required(), notFound, merged }).label('ContactBatch') },
      },
      handler: (request) => reads.batchGet(tenantOf(request), request.payload.ids),
    }),
    moduleRoute<unknown, unknown, { ids: string[] }>({
      method: 'POST',
      path: '/api/v1/contacts/open-ids',
      access: { permission: 'contacts.read', callers: 'app' },
      options: {
        description: `批量获取联系人 open ID / The WeChat openIds (per official account AppID) and unionIds of up to ${contactApiLimits.batchIds} contacts`,
        validate: { payload: idsPayload('ContactOpenIdsRequest') },
        response: {
          schema: Joi.object({
            items: Joi.array().items(openIdsSchema).label('ContactOpenIdsItems').required(),
            notFound,
            merged,
          }).label('ContactOpenIdsBatch'),
        },
      },
      handler: (request) => reads.openIds(tenantOf(request), request.payload.ids),
    }),
    moduleRoute<{ contactId: string }>({
      method: 'GET',
      path: '/api/v1/contacts/{contactId}',
      access: { permission: 'contacts.read', callers: 'app' },
      options: {
        description:
          '查询联系人详情 / A contact: system fields, custom fields (props.attrN), created utm, times and channel accounts',
        validate: { params: contactParams },
        response: { schema: contactSchema },
      },
      handler: (request) => reads.get(tenantOf(request), request.params.contactId),
    }),
    moduleRoute<{ contactId: string }, unknown, Record<string, unknown>>({
      method: 'PATCH',
      path: '/api/v1/contacts/{contactId}',
      access: { permission: 'contacts.update', callers: 'app' },
      options: {
        description:
          '更新联系人 / Update a contact’s system fields (as identify names them) and custom fields (props.attrN); null or "" clears a value. ' +
          'Checked as identify (400 contact_invalid with field codes); birthday is not writable through the Open API. Applied at once.',
        validate: {
          params: contactParams,
          payload: Joi.object({
            utm: Joi.object()
              .unknown(true)
              .label('ContactUpdateUtm')
              .description('created utm, kept only if this update identifies the contact'),
            props: Joi.object().unknown(true).label('ContactUpdateProps').description('custom fields: attr1, attr2…'),
          })
            .unknown(true)
            .label('ContactUpdate'),
        },
        payload: { protoAction: 'remove' },
        response: { schema: contactSchema },
      },
      handler: (request) => reads.update(tenantOf(request), request.params.contactId, request.payload),
    }),
    moduleRoute<{ contactId: string }>({
      method: 'GET',
      path: '/api/v1/contacts/{contactId}/accounts',
      access: { permission: 'contacts.read', callers: 'app' },
      options: {
        description: '联系人的渠道账号 / The contact’s channel accounts (channel, id type, user id)',
        validate: { params: contactParams },
        response: { schema: Joi.object({ items: channelAccountsSchema.required() }).label('ChannelAccountList') },
      },
      handler: async (request) => ({ items: await reads.accounts(tenantOf(request), request.params.contactId) }),
    }),
    moduleRoute<{ contactId: string }, EventsQuery>({
      method: 'GET',
      path: '/api/v1/contacts/{contactId}/events',
      access: { permission: 'events.read', callers: 'app' },
      options: {
        description:
          '获取事件列表 / The contact’s events, newest first, a keyset page at a time (cursor); filters: event (code), from / to (epoch ms, [from, to))',
        validate: {
          params: contactParams,
          query: Joi.object<EventsQuery>({
            cursor,
            limit: Joi.number().integer().min(1).max(contactApiLimits.eventPageMax).default(contactApiLimits.eventPageDefault),
            from: epochMs().min(0).max(MAX_EPOCH_MS),
            to: epochMs().min(0).max(MAX_EPOCH_MS),
            event: Joi.string().max(128),
          }),
        },
        response: {
          schema: Joi.object({ items: Joi.array().items(eventSchema).label('ContactEvents').required(), nextCursor }).label(
            'ContactEventPage',
          ),
        },
      },
      handler: (request) => reads.events(tenantOf(request), request.params.contactId, request.query),
    }),
  ];
}
