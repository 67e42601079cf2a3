import Joi from 'joi';

/** A BIGINT id as it travels in JSON and URLs. */
export const id = (): Joi.StringSchema => Joi.string().pattern(/^[1-9][0-9]{0,18}$/, 'id');

export interface PageQuery {
  page: number;
  pageSize: number;
}

export const pageQuery: Joi.ObjectSchema<PageQuery> = Joi.object<PageQuery>({
  page: Joi.number().integer().min(1).default(1),
  pageSize: Joi.number().integer().min(1).max(100).default(20),
});

export const pageOf = (item: Joi.Schema, label: string): Joi.ObjectSchema =>
  Joi.object({
    items: Joi.array().items(item).label(`${label}Items`).required(),
    total: Joi.number().integer().required(),
    page: Joi.number().integer().required(),
    pageSize: Joi.number().integer().required(),
  }).label(label);

export const epochMs = (): Joi.NumberSchema => Joi.number().integer().description('epoch milliseconds (UTC)');

export const tenantSchema = Joi.object({
  id: id().required(),
  name: Joi.string().required(),
  timeZone: Joi.string().required(),
  firstEventAt: epochMs().allow(null).required(),
  status: Joi.string().valid('active', 'suspended').label('TenantStatus').required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('Tenant');

export const staffSchema = Joi.object({
  id: id().required(),
  tenantId: id().required(),
  email: Joi.string().required(),
  name: Joi.string().required(),
  isSuper: Joi.boolean().required(),
  status: Joi.string().valid('enabled', 'disabled').label('StaffStatus').required(),
  lastLoginAt: epochMs().allow(null).required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('Staff');

export const errorSchema = Joi.object({
  statusCode: Joi.number().integer().required(),
  code: Joi.string().required(),
  message: Joi.string().required(),
  details: Joi.array().items(Joi.object({ path: Joi.string().allow(''), code: Joi.string() })),
  requestId: Joi.string().required(),
}).label('Error');

/** Names and other operator-typed short texts: trimmed, not blank. */
export const shortText = (max: number): Joi.StringSchema => Joi.string().trim().min(1).max(max);

export const email = (): Joi.StringSchema => Joi.string().trim().email({ tlds: false }).max(191);
