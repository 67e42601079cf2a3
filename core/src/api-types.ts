/** Types of the API surface, for the console and SDKs (types only). */
export type { Tenant } from './modules/tenancy/tenant.types.js';
export type { Staff } from './modules/staff/staff.types.js';
export type { ApiApp } from './modules/apps/apps.types.js';
export type { HomeSummary } from './modules/home/home.service.js';
export type { ErrorCode, Locale } from './server/messages.js';
