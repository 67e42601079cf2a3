import Joi from 'joi';
import type { ResponseToolkit } from '@hapi/hapi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { moduleRoute } from '../../server/route.js';
import { clientIp } from '../../server/client.js';
import { principalOf, staffOf } from '../../server/principal.js';
import { email, idParams, pageOf, pageQuery, staffSchema, tenantSchema } from '../../server/schemas.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import type { OperationLogService } from '../audit/operation-log.service.js';
import type { AuthService } from './auth.service.js';
import type { StaffService } from './staff.service.js';
import type { Staff } from './staff.types.js';

const sessionSchema = Joi.object({
  staff: staffSchema.required(),
  tenant: tenantSchema.required(),
  csrfToken: Joi.string().required(),
  permissions: Joi.array().items(Joi.string()).required(),
}).label('Session');

export function staffRoutes({
  auth,
  staff: staffService,
  tenants,
  log,
}: {
  auth: AuthService;
  staff: StaffService;
  tenants: TenantService;
  log: OperationLogService;
}): PluginRoute[] {
  const session = async (staff: Staff, csrfToken: string, permissions: Set<string>) => ({
    staff,
    tenant: await tenants.get(staff.tenantId),
    csrfToken,
    permissions: [...permissions].sort(),
  });

  return [
    moduleRoute({
      method: 'POST',
      path: '/api/v1/auth/login',
      // A login from another site's page (a form or script) would sign the victim's browser in to
      // the attacker's account: JSON only (a cross-site form cannot send it) and a same-origin check.
      access: { permission: 'public', sameOrigin: true },
      options: {
        description: '员工登录 / Staff login by email and password; sets the session cookie (JSON only, same origin)',
        payload: { allow: 'application/json' },
        validate: {
          payload: Joi.object<{ email: string; password: string }>({
            email: email().required(),
            password: Joi.string().max(128).required(),
          }).label('LoginRequest'),
        },
        response: { schema: sessionSchema },
      },
      handler: async (request, h: ResponseToolkit) => {
        const { email: address, password } = request.payload;
        const result = await auth.login(address, password, {
          ip: clientIp(request),
          userAgent: request.headers['user-agent'] as string | undefined,
        });
        request.cookieAuth.set({ sid: result.sessionToken });
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
  ];
}
