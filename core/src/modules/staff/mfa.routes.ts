import Joi from 'joi';
import type { Request, ResponseToolkit } from '@hapi/hapi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { clientIp } from '../../server/client.js';
import { staffOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { idParams, staffSchema } from '../../server/schemas.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import type { OperationLogService } from '../audit/operation-log.service.js';
import type { AuthService } from './auth.service.js';
import { mfaCodeRequestSchema, mfaStatusSchema, recoveryCodesSchema } from './mfa.schemas.js';
import type { ChallengeStep, MfaService } from './mfa.service.js';
import { sessionBody, sessionSchema, startSession, type SessionPlugins } from './staff.routes.js';
import type { StaffService } from './staff.service.js';

/**
 * 多因素验证 (seed §1.11.4.5.4): the login's second step, the staff member's own view, and the super
 * staff switches (docs/decisions/0022-mfa-totp.md).
 */
export function mfaRoutes({
  auth,
  mfa,
  staff: staffService,
  tenants,
  log,
  enablement,
}: {
  auth: AuthService;
  mfa: MfaService;
  staff: StaffService;
  tenants: TenantService;
  log: OperationLogService;
  enablement: SessionPlugins;
}): PluginRoute[] {
  const session = sessionBody(tenants, enablement);
  /** 操作日志: a super staff member switched or reset someone's MFA (员工 · 编辑). */
  const recordEdit = (request: Request, staffId: string, change: string) =>
    log.record(staffOf(request), {
      objectType: 'staff',
      operation: 'edit',
      objectId: staffId,
      detail: { change },
      ip: clientIp(request),
    });

  /** The login's second step: like the login, public, JSON only and same origin; opens the session. */
  const challengeRoute = (step: ChallengeStep, description: string, response: Joi.ObjectSchema) =>
    moduleRoute({
      method: 'POST',
      path: `/api/v1/auth/mfa/${step}`,
      access: { permission: 'public', sameOrigin: true },
      options: {
        description,
        payload: { allow: 'application/json' },
        validate: { payload: mfaCodeRequestSchema },
        response: { schema: response },
      },
      handler: async (request, h: ResponseToolkit) => {
        const { challenge, code } = request.payload;
        const result = await auth.completeMfa(step, challenge, code, {
          ip: clientIp(request),
          userAgent: request.headers['user-agent'] as string | undefined,
        });
        await startSession(request, auth, result.sessionToken);
        const body = await session(result.staff, result.csrfToken, result.permissions);
        return h.response(result.recoveryCodes ? { ...body, recoveryCodes: result.recoveryCodes } : body);
      },
    });

  /** A super staff member changing their own MFA keeps the session they do it from. */
  const keepOwnSession = (request: Request, staffId: string): string | undefined => {
    const principal = staffOf(request);
    return principal.staffId === staffId ? principal.sessionId : undefined;
  };

  return [
    challengeRoute(
      'verify',
      '多因素验证登录 / Second login step: the code of the authenticator app (or a recovery code) for the login’s challenge; sets the session cookie',
      sessionSchema,
    ),
    challengeRoute(
      'bind',
      '绑定多因素验证设备 / First login with MFA on: the first code of the new secret binds the device; sets the session cookie and returns the 10 recovery codes once',
      sessionSchema.keys({ recoveryCodes: recoveryCodesSchema.required() }).label('MfaBoundSession'),
    ),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/auth/mfa',
      access: { permission: 'authenticated' },
      options: {
        description: '我的多因素验证 / The signed-in staff member’s MFA: on, bound, recovery codes left',
        response: { schema: mfaStatusSchema },
      },
      handler: (request) => {
        const principal = staffOf(request);
        return mfa.status(principal.tenantId, principal.staffId);
      },
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/auth/mfa/recovery-codes',
      access: { permission: 'authenticated' },
      options: {
        description:
          '重新生成恢复码 / New recovery codes (the old ones stop working); needs a current code of the authenticator app',
        validate: {
          payload: Joi.object<{ code: string }>({ code: Joi.string().trim().max(32).required() }).label(
            'MfaRecoveryCodesRequest',
          ),
        },
        response: {
          schema: Joi.object({ recoveryCodes: recoveryCodesSchema.required() }).label('MfaRecoveryCodesResult'),
        },
      },
      handler: async (request) => {
        const principal = staffOf(request);
        return {
          recoveryCodes: await mfa.regenerateRecoveryCodes(principal.tenantId, principal.staffId, request.payload.code),
        };
      },
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/staff/{staffId}/mfa',
      access: { permission: 'staff.manage' },
      options: {
        description:
          '开启或关闭多因素验证 / Switch a staff member’s MFA on (bound at their next login) or off (clears the binding); a change ends their sessions',
        validate: {
          params: idParams('staffId'),
          payload: Joi.object<{ enabled: boolean }>({ enabled: Joi.boolean().required() }).label('StaffMfaSwitch'),
        },
        response: { schema: staffSchema },
      },
      handler: async (request) => {
        const { tenantId } = staffOf(request);
        const { staffId } = request.params;
        await staffService.get(tenantId, staffId);
        await mfa.setEnabled(tenantId, staffId, request.payload.enabled, keepOwnSession(request, staffId));
        await recordEdit(request, staffId, request.payload.enabled ? 'mfaOn' : 'mfaOff');
        return staffService.get(tenantId, staffId);
      },
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/staff/{staffId}/mfa/reset',
      access: { permission: 'staff.manage' },
      options: {
        description:
          '重置多因素验证 / Clear a staff member’s bound device: they bind one again at their next login; ends their sessions',
        validate: { params: idParams('staffId') },
        response: { schema: staffSchema },
      },
      handler: async (request) => {
        const { tenantId } = staffOf(request);
        const { staffId } = request.params;
        await staffService.get(tenantId, staffId);
        await mfa.reset(tenantId, staffId, keepOwnSession(request, staffId));
        await recordEdit(request, staffId, 'mfaReset');
        return staffService.get(tenantId, staffId);
      },
    }),
  ];
}
