import Joi from 'joi';
import type { Request, ResponseToolkit } from '@hapi/hapi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { moduleRoute } from '../../server/route.js';
import { SESSION_COOKIE } from '../../server/auth.js';
import { clientIp } from '../../server/client.js';
import { principalOf, staffOf } from '../../server/principal.js';
import { email, idParams, pageOf, pageQuery, shortText, staffRoleIds, staffSchema, tenantSchema } from '../../server/schemas.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import type { OperationLogService } from '../audit/operation-log.service.js';
import type { OperationDetail } from '../audit/operation-log.types.js';
import type { AuthService } from './auth.service.js';
import { mfaChallengeKeys } from './mfa.schemas.js';
import type { NewStaff, StaffPatch, StaffService } from './staff.service.js';
import type { Staff } from './staff.types.js';

export const sessionSchema = Joi.object({
  staff: staffSchema.required(),
  tenant: tenantSchema.required(),
  csrfToken: Joi.string().required(),
  permissions: Joi.array().items(Joi.string()).required(),
  disabledPlugins: Joi.array()
    .items(Joi.string())
    .required()
    .description('Plugins disabled for the tenant by the platform operator (ADR 0041): the console hides their pages'),
}).label('Session');

/**
 * The login's answer: the session, or with MFA on `{mfa, challenge}` (+ the new secret for `setup`).
 * One object whose `xor` tells them apart: hapi-swagger documents a top-level `Joi.alternatives()`
 * only through dangling `x-alt-definitions` references.
 */
const loginResponseSchema = sessionSchema
  .fork(['staff', 'tenant', 'csrfToken', 'permissions', 'disabledPlugins'], (key) => key.optional())
  .keys(mfaChallengeKeys)
  .and('staff', 'tenant', 'csrfToken', 'permissions', 'disabledPlugins')
  .and('mfa', 'challenge')
  .and('secret', 'otpauthUri', 'qrDataUrl')
  .with('secret', 'mfa')
  .xor('csrfToken', 'challenge')
  .label('LoginResponse');

/** Rotation: the session this browser held before (if any) ends, and the new one goes in the cookie. */
export async function startSession(request: Request, auth: AuthService, sessionToken: string): Promise<void> {
  const previous = (request.state as Record<string, { sid?: unknown } | undefined>)[SESSION_COOKIE]?.sid;
  await auth.endPreviousSession(typeof previous === 'string' ? previous : undefined);
  request.cookieAuth.set({ sid: sessionToken });
}

/** Which plugins a tenant does not have (the session lists them for the console's menus). */
export type SessionPlugins = { disabledPlugins(tenantId: string): Promise<ReadonlySet<string>> };

/** The session JSON of the login, the MFA steps and `GET /api/v1/auth/session`. */
export function sessionBody(tenants: TenantService, plugins: SessionPlugins) {
  return async (staff: Staff, csrfToken: string, permissions: Set<string>) => ({
    staff,
    tenant: await tenants.get(staff.tenantId),
    csrfToken,
    permissions: [...permissions].sort(),
    disabledPlugins: [...(await plugins.disabledPlugins(staff.tenantId))].sort(),
  });
}

export function staffRoutes({
  auth,
  staff: staffService,
  tenants,
  log,
  enablement,
}: {
  auth: AuthService;
  staff: StaffService;
  tenants: TenantService;
  log: OperationLogService;
  enablement: SessionPlugins;
}): PluginRoute[] {
  const session = sessionBody(tenants, enablement);
  /** 操作日志: what super staff did to a staff member (ids only). */
  const record = (request: Request, operation: string, staffId: string, detail?: OperationDetail) =>
    log.record(staffOf(request), { objectType: 'staff', operation, objectId: staffId, detail, ip: clientIp(request) });

  return [
    moduleRoute({
      method: 'POST',
      path: '/api/v1/auth/login',
      // A login from another site's page (a form or script) would sign the victim's browser in to
      // the attacker's account: JSON only (a cross-site form cannot send it) and a same-origin check.
      access: { permission: 'public', sameOrigin: true },
      options: {
        description:
          '员工登录 / Staff login by email and password; sets the session cookie (JSON only, same origin). With MFA on, answers a challenge instead (see /api/v1/auth/mfa/verify and /bind)',
        payload: { allow: 'application/json' },
        validate: {
          payload: Joi.object<{ email: string; password: string }>({
            email: email().required(),
            password: Joi.string().max(128).required(),
          }).label('LoginRequest'),
        },
        response: { schema: loginResponseSchema },
      },
      handler: async (request, h: ResponseToolkit) => {
        const { email: address, password } = request.payload;
        const result = await auth.login(address, password, {
          ip: clientIp(request),
          userAgent: request.headers['user-agent'] as string | undefined,
        });
        // MFA on: no session yet, the challenge's code opens it.
        if ('mfa' in result) return h.response(result);
        await startSession(request, auth, result.sessionToken);
        return h.response(await session(result.staff, result.csrfToken, result.permissions));
      },
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/auth/session',
      access: { permission: 'authenticated' },
      options: {
        description: '当前会话 / The signed-in staff member, tenant, CSRF token and permissions',
        response: { schema: sessionSchema },
      },
      handler: async (request) => {
        const principal = staffOf(request);
        return session(await staffService.get(principal.tenantId, principal.staffId), principal.csrfToken, principal.permissions);
      },
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/auth/logout',
      access: { permission: 'authenticated' },
      options: { description: '退出登录 / End the current session' },
      handler: async (request, h) => {
        const principal = staffOf(request);
        await auth.logout(principal.tenantId, principal.sessionId);
        request.cookieAuth.clear();
        return h.response().code(204);
      },
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/auth/password',
      access: { permission: 'authenticated' },
      options: {
        description: '修改密码 / Change one’s own password (other sessions are signed out)',
        validate: {
          payload: Joi.object<{ currentPassword: string; newPassword: string }>({
            currentPassword: Joi.string().max(128).required(),
            newPassword: Joi.string().max(128).required(),
          }).label('PasswordChange'),
        },
      },
      handler: async (request, h) => {
        const principal = staffOf(request);
        const { currentPassword, newPassword } = request.payload;
        await auth.changePassword(principal.tenantId, principal.staffId, principal.sessionId, currentPassword, newPassword);
        await log.record(principal, {
          objectType: 'staff',
          operation: 'changePassword',
          objectId: principal.staffId,
          ip: clientIp(request),
        });
        return h.response().code(204);
      },
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/staff',
      access: { permission: 'staff.view' },
      options: {
        description: '员工列表 / Staff of the tenant',
        validate: { query: pageQuery },
        response: { schema: pageOf(staffSchema, 'StaffPage') },
      },
      handler: (request) => {
        const { page, pageSize } = request.query;
        return staffService.list(principalOf(request).tenantId, page, pageSize);
      },
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/staff/{staffId}',
      access: { permission: 'staff.view' },
      options: {
        description: '员工详情 / One staff member',
        validate: { params: idParams('staffId') },
        response: { schema: staffSchema },
      },
      handler: (request) => staffService.get(principalOf(request).tenantId, request.params.staffId),
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/staff',
      access: { permission: 'staff.manage' },
      options: {
        description: '添加员工 / Add a staff member with at least one role (super staff are provisioned with the tenant)',
        validate: {
          payload: Joi.object<NewStaff>({
            email: email().required(),
            name: shortText(64).required(),
            password: Joi.string().max(128).required(),
            roleIds: staffRoleIds.required(),
          }).label('NewStaff'),
        },
        response: { schema: staffSchema },
      },
      handler: async (request, h) => {
        const created = await staffService.create(staffOf(request).tenantId, request.payload);
        await record(request, 'create', created.id, { roleIds: created.roleIds });
        return h.response(created).code(201);
      },
    }),
    moduleRoute({
      method: 'PATCH',
      path: '/api/v1/staff/{staffId}',
      access: { permission: 'staff.manage' },
      options: {
        description: '编辑员工 / Edit a staff member’s name, email or roles (a change of roles or email signs them out)',
        validate: {
          params: idParams('staffId'),
          payload: Joi.object<StaffPatch>({ email: email(), name: shortText(64), roleIds: staffRoleIds })
            .min(1)
            .label('StaffPatch'),
        },
        response: { schema: staffSchema },
      },
      handler: async (request) => {
        const { after } = await staffService.update(staffOf(request).tenantId, request.params.staffId, request.payload);
        await record(request, 'edit', after.id, {
          fields: Object.keys(request.payload).sort().join('_'),
          roleIds: after.roleIds,
        });
        return after;
      },
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/staff/{staffId}/status',
      access: { permission: 'staff.manage' },
      options: {
        description: '启用或停用员工 / Enable or disable a staff member (a disabled member is signed out at once)',
        validate: {
          params: idParams('staffId'),
          payload: Joi.object<{ status: 'enabled' | 'disabled' }>({
            status: Joi.string().valid('enabled', 'disabled').label('StaffStatus').required(),
          }).label('StaffStatusChange'),
        },
        response: { schema: staffSchema },
      },
      handler: async (request) => {
        const principal = staffOf(request);
        const changed = await staffService.setStatus(
          principal.tenantId,
          principal.staffId,
          request.params.staffId,
          request.payload.status,
        );
        await record(request, request.payload.status === 'enabled' ? 'enable' : 'disable', changed.id);
        return changed;
      },
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/staff/{staffId}/password',
      access: { permission: 'staff.manage' },
      options: {
        description: '修改员工密码 / Set a new password for a staff member (their sessions end)',
        validate: {
          params: idParams('staffId'),
          payload: Joi.object<{ password: string }>({ password: Joi.string().max(128).required() }).label('StaffPasswordReset'),
        },
      },
      handler: async (request, h) => {
        await staffService.resetPassword(staffOf(request).tenantId, request.params.staffId, request.payload.password);
        await record(request, 'changePassword', request.params.staffId);
        return h.response().code(204);
      },
    }),
    moduleRoute({
      method: 'DELETE',
      path: '/api/v1/staff/{staffId}',
      access: { permission: 'staff.manage' },
      options: {
        description: '删除员工 / Delete a staff member',
        validate: { params: idParams('staffId') },
      },
      handler: async (request, h) => {
        const principal = staffOf(request);
        await staffService.delete(principal.tenantId, principal.staffId, request.params.staffId);
        await record(request, 'delete', request.params.staffId);
        return h.response().code(204);
      },
    }),
  ];
}
