import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { staffOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { id } from '../../server/schemas.js';
import { conditionTreeSchema } from '../conditions/condition.schema.js';
import { conditionLimits } from '../conditions/condition.types.js';
import { columnsSchema, contactListPageSchema, contactListQueryKeys } from './list.schemas.js';
import type { ContactListService } from './list.service.js';
import { contactListLimits, type ContactListQuery } from './list.types.js';

const settingSchema = Joi.object({
  columns: Joi.array().items(Joi.string()).label('ContactListColumnKeys').required(),
  isDefault: Joi.boolean().required().description('no columns saved yet: the defaults'),
  available: columnsSchema.required(),
}).label('ContactListColumnSetting');

const weChatMatchSchema = Joi.object({
  contactId: id().required(),
  idType: Joi.string().valid('wechat.openId', 'wechat.unionId').label('WeChatIdType').required(),
  channelId: id().required(),
  channelName: Joi.string().allow(null).required(),
  name: Joi.string().allow(null).required().description('name, else nickname; masked for the caller'),
  identified: Joi.boolean().required(),
}).label('WeChatIdMatch');

/** The console's contact list (所有用户, seed §1.4): staff routes under /api/v1/console/contacts. */
export function contactListRoutes(list: ContactListService): PluginRoute[] {
  return [
    moduleRoute<unknown, Omit<ContactListQuery, 'filter'>>({
      method: 'GET',
      path: '/api/v1/console/contacts',
      access: { permission: 'contacts.view' },
      options: {
        description:
          '所有用户 / The contact list, newest updated first (keyset pages): kind, 普通搜索 keyword; the staff member’s columns, masked',
        validate: { query: Joi.object(contactListQueryKeys) },
        response: { schema: contactListPageSchema },
      },
      handler: (request) => list.search(staffOf(request), request.query),
    }),
    moduleRoute<unknown, unknown, ContactListQuery>({
      method: 'POST',
      path: '/api/v1/console/contacts/search',
      access: { permission: 'contacts.view' },
      options: {
        description:
          '筛选用户 / The contact list with a filter (高级搜索): contact-property leaves of the condition engine, and the keyword (普通搜索)',
        validate: {
          payload: Joi.object({ ...contactListQueryKeys, filter: conditionTreeSchema }).label('ContactListSearch'),
        },
        payload: { maxBytes: conditionLimits.requestBytes },
        response: { schema: contactListPageSchema },
      },
      handler: (request) => list.search(staffOf(request), request.payload),
    }),
    moduleRoute<unknown, { value: string }>({
      method: 'GET',
      path: '/api/v1/console/contacts/wechat-ids',
      access: { permission: 'contacts.view' },
      options: {
        description: '搜索微信 ID / The contacts holding a WeChat OpenID (any official account) or UnionID, exactly',
        validate: {
          query: Joi.object({
            value: Joi.string().trim().min(1).max(contactListLimits.weChatIdMax).required().description('an OpenID or UnionID'),
          }),
        },
        response: {
          schema: Joi.object({ items: Joi.array().items(weChatMatchSchema).label('WeChatIdMatches').required() }).label(
            'WeChatIdSearch',
          ),
        },
      },
      handler: (request) => list.findByWeChatId(staffOf(request), request.query.value),
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/console/contacts/list-columns',
      access: { permission: 'contacts.view' },
      options: {
        description:
          '定制显示列 / The caller’s columns of the contact list (the defaults until saved) and every column available',
        response: { schema: settingSchema },
      },
      handler: (request) => list.columnSetting(staffOf(request)),
    }),
    moduleRoute<unknown, unknown, { columns: string[] }>({
      method: 'PUT',
      path: '/api/v1/console/contacts/list-columns',
      access: { permission: 'contacts.edit' },
      options: {
        description: '定制显示列 / Save the caller’s columns of the contact list, in order',
        validate: {
          payload: Joi.object({
            columns: Joi.array()
              .items(Joi.string().max(64))
              .min(1)
              .max(contactListLimits.columnsMax)
              .required()
              .description('column keys in order'),
          }).label('ContactListColumnsInput'),
        },
        response: { schema: settingSchema },
      },
      handler: (request) => list.saveColumns(staffOf(request), request.payload.columns),
    }),
  ];
}
