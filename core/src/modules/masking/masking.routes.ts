import type { Request } from '@hapi/hapi';
import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { principalOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { epochMs } from '../../server/schemas.js';
import type { MaskingService } from './masking.service.js';
import { MASKING_MANAGE_PERMISSION, PUBLIC_KEY_PEM_MAX, type MobileEncryption } from './masking.types.js';

const tenantOf = (request: Request) => principalOf(request).tenantId;
const staffIdOf = (request: Request) => {
  const principal = principalOf(request);
  return principal.kind === 'staff' ? principal.staffId : null;
};

const localized = Joi.object({ 'zh-CN': Joi.string().required(), 'en-US': Joi.string().required() }).label('LocalizedText');

const fieldMaskSchema = Joi.object({
  key: Joi.string().required().description('mobilePhone, idCard… (identify’s names) or attr<seq> of a custom field'),
  source: Joi.string().valid('system', 'custom').label('FieldMaskSource').required(),
  name: localized.required(),
  masked: Joi.boolean().required().description('脱敏: normal staff without 联系人不脱敏 see *** instead of the value'),
  updatedAt: epochMs().allow(null).required().description('null while never set (every field starts unmasked)'),
  updatedBy: Joi.string().allow(null).required().description('the staff member who last changed it'),
}).label('FieldMask');

const fieldParams = Joi.object<{ fieldKey: string }>({
  fieldKey: Joi.string()
    .pattern(/^[A-Za-z][A-Za-z0-9]{0,63}$/)
    .required(),
});

const mobileEncryptionSchema = Joi.object({
  enabled: Joi.boolean().required().description('mobiles arrive RSA-encrypted: stored and shown as ciphertext, never matched'),
  publicKeyPem: Joi.string().allow(null).required().description('the customer’s RSA public key (SPKI PEM)'),
  keyBits: Joi.number().integer().allow(null).required(),
  fingerprint: Joi.string().allow(null).required().description('SHA-256 of the key (DER), hex'),
  updatedAt: epochMs().allow(null).required(),
  updatedBy: Joi.string().allow(null).required(),
}).label('MobileEncryption');

/**
 * 联系人字段加密 (§1.11.4.7): 设置 → 高级设置, super staff only (`masking.manage`). The masks apply
 * wherever contacts are shown (ADR 0024); these routes only configure them.
 */
export function maskingRoutes(masking: MaskingService): PluginRoute[] {
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/contact-field-masks',
      access: { permission: MASKING_MANAGE_PERMISSION },
      options: {
        description: '联系人字段加密 / Every system and custom contact field, and whether it is masked (脱敏) for normal staff',
        response: {
          schema: Joi.object({ items: Joi.array().items(fieldMaskSchema).label('FieldMaskList').required() }).label('FieldMasks'),
        },
      },
      handler: async (request) => ({ items: await masking.settings(tenantOf(request)) }),
    }),
    moduleRoute<{ fieldKey: string }, unknown, { masked: boolean }>({
      method: 'PUT',
      path: '/api/v1/contact-field-masks/{fieldKey}',
      access: { permission: MASKING_MANAGE_PERMISSION },
      options: {
        description:
          '设置字段加密 / Mask (脱敏) or unmask (不加密) one contact field; 404 masking_field_not_found for a key that is no field of the tenant',
        validate: {
          params: fieldParams,
          payload: Joi.object<{ masked: boolean }>({ masked: Joi.boolean().required() }).label('FieldMaskChange'),
        },
        response: { schema: fieldMaskSchema },
      },
      handler: (request) =>
        masking.setMasked(tenantOf(request), request.params.fieldKey, request.payload.masked, staffIdOf(request)),
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/mobile-encryption',
      access: { permission: MASKING_MANAGE_PERMISSION },
      options: {
        description: '手机号 RSA 加密 / Whether mobiles arrive RSA-encrypted, and the public key they are encrypted with',
        response: { schema: mobileEncryptionSchema },
      },
      handler: (request) => masking.mobileEncryption(tenantOf(request)),
    }),
    moduleRoute<unknown, unknown, Pick<MobileEncryption, 'enabled' | 'publicKeyPem'>>({
      method: 'PUT',
      path: '/api/v1/mobile-encryption',
      access: { permission: MASKING_MANAGE_PERMISSION },
      options: {
        description:
          '保存手机号 RSA 加密 / Turn RSA-encrypted mobiles on (a public key is required) or off; a private key is refused (400 masking_private_key_refused)',
        validate: {
          payload: Joi.object<Pick<MobileEncryption, 'enabled' | 'publicKeyPem'>>({
            enabled: Joi.boolean().required(),
            publicKeyPem: Joi.string().max(PUBLIC_KEY_PEM_MAX).allow(null, '').default(null),
          }).label('MobileEncryptionChange'),
        },
        response: { schema: mobileEncryptionSchema },
      },
      handler: (request) => masking.saveMobileEncryption(tenantOf(request), request.payload, staffIdOf(request)),
    }),
  ];
}
