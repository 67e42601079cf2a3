import Joi from 'joi';
import type { MfaStatus } from './mfa.service.js';

/** The keys of the login's answer when the staff member's MFA is on: a challenge instead of a session. */
export const mfaChallengeKeys = {
  mfa: Joi.string().valid('required', 'setup').label('MfaChallengeKind'),
  challenge: Joi.string(),
  // `setup` only (首次登录绑定设备): the new secret (base32), its otpauth URI and that URI as a QR PNG.
  secret: Joi.string(),
  otpauthUri: Joi.string(),
  qrDataUrl: Joi.string(),
};

/** `POST /api/v1/auth/mfa/verify` and `/bind`. */
export const mfaCodeRequestSchema: Joi.ObjectSchema<{ challenge: string; code: string }> = Joi.object({
  challenge: Joi.string().max(128).required(),
  // A 6-digit TOTP (spaces allowed) or a recovery code (xxxx-xxxx-xxxx).
  code: Joi.string().trim().min(1).max(32).required(),
}).label('MfaCodeRequest');

export const recoveryCodesSchema = Joi.array().items(Joi.string()).label('MfaRecoveryCodes');

export const mfaStatusSchema: Joi.ObjectSchema<MfaStatus> = Joi.object({
  enabled: Joi.boolean().required(),
  bound: Joi.boolean().required(),
  recoveryCodesLeft: Joi.number().integer().min(0).required(),
}).label('MfaStatus');
