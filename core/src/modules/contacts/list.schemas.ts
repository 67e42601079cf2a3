import Joi from 'joi';
import { epochMs, id } from '../../server/schemas.js';
import { contactListKinds, contactListLimits } from './list.types.js';

/** The contact list's page and query keys (所有用户, and the groups module's group detail). */
const localized = Joi.object({ 'zh-CN': Joi.string().required(), 'en-US': Joi.string().required() }).label(
  'ContactListColumnName',
);

const columnSchema = Joi.object({
  key: Joi.string().required().description('name, mobilePhone, state…, attr<seq>, createdAt, utm.source…'),
  source: Joi.string().valid('system', 'custom', 'property').label('ContactListColumnSource').required(),
  name: localized.required(),
  type: Joi.string().valid('string', 'number', 'date', 'datetime', 'bool').label('ContactListColumnType').required(),
  masked: Joi.boolean().required().description('the caller sees this column as ***'),
}).label('ContactListColumn');

export const columnsSchema = Joi.array().items(columnSchema).label('ContactListColumns');

const rowSchema = Joi.object({
  id: id().required(),
  identified: Joi.boolean().required(),
  updatedAt: epochMs().required(),
  values: Joi.object()
    .pattern(Joi.string(), Joi.alternatives(Joi.string(), Joi.number(), Joi.boolean()).allow(null))
    .label('ContactListValues')
    .required()
    .description('by column key; dates YYYY-MM-DD, times epoch ms; masked values ***'),
}).label('ContactListRow');

export const contactListPageSchema = Joi.object({
  columns: columnsSchema.required(),
  items: Joi.array().items(rowSchema).label('ContactListRows').required(),
  nextCursor: Joi.string().allow(null).required().description('pass back as cursor for the next page; null on the last page'),
  total: Joi.number()
    .integer()
    .allow(null)
    .required()
    .description('exact count of matching contacts, with the first page only (null when a cursor was given)'),
}).label('ContactListPage');

export const contactListQueryKeys = {
  kind: Joi.string()
    .valid(...contactListKinds)
    .default('all')
    .label('ContactListKind')
    .description('all (所有用户), identified (实名用户), anonymous (匿名用户)'),
  keyword: Joi.string()
    .allow('')
    .trim()
    .max(contactListLimits.keywordMax)
    .description('普通搜索: a contact id, or part of the name, mobile or email'),
  cursor: Joi.string().max(1024).description('nextCursor of the previous page'),
  limit: Joi.number().integer().min(1).max(contactListLimits.pageMax).default(contactListLimits.pageDefault),
};
