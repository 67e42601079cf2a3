import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { clientIp, requestOrigin } from '../../server/client.js';
import { moduleRoute } from '../../server/route.js';
import { email } from '../../server/schemas.js';
import type { PasswordResetService } from './password-reset.service.js';

/** The one answer to every accepted request, whatever the email. */
const ACCEPTED = { accepted: true } as const;

export function passwordResetRoutes(resets: PasswordResetService): PluginRoute[] {
  return [
    moduleRoute({
      method: 'POST',
      path: '/api/v1/auth/password-reset',
      // Public like login: JSON from the console's own pages only.
      access: { permission: 'public', sameOrigin: true },
      options: {
        description:
          '忘记密码 / Ask for a password reset mail: always 202 with the same body (registered or not); a link valid 30 minutes goes to an enabled staff member’s email',
        payload: { allow: 'application/json' },
        validate: {
          payload: Joi.object<{ email: string }>({ email: email().required() }).label('PasswordResetRequest'),
        },
        response: {
          status: { 202: Joi.object({ accepted: Joi.boolean().valid(true).required() }).label('PasswordResetAccepted') },
        },
      },
      handler: async (request, h) => {
        await resets.request(request.payload.email, { ip: clientIp(request), origin: requestOrigin(request) });
        return h.response(ACCEPTED).code(202);
      },
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/auth/password-reset/confirm',
      access: { permission: 'public', sameOrigin: true },
      options: {
        description:
          '重置密码 / Set a new password with the token of a reset mail (once; every session of the staff member ends)',
        payload: { allow: 'application/json' },
        validate: {
          payload: Joi.object<{ token: string; newPassword: string }>({
            token: Joi.string().max(128).required(),
            newPassword: Joi.string().max(128).required(),
          }).label('PasswordResetConfirm'),
        },
      },
      handler: async (request, h) => {
        await resets.confirm(request.payload.token, request.payload.newPassword);
        return h.response().code(204);
      },
    }),
  ];
}
