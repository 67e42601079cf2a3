import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { conditionsExtensionPoint, httpExtensionPoint, permissionsExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { metadataServiceRef } from '../metadata/metadata.service.js';
import { MaskingRepo } from './masking.repo.js';
import { maskingRoutes } from './masking.routes.js';
import { MaskingService, maskingServiceRef } from './masking.service.js';
import { MASKING_MANAGE_PERMISSION, seesMaskedFieldsInClear } from './masking.types.js';

/**
 * 联系人字段加密 (§1.11.4.7): the masked contact fields and who sees them in clear, applied by every
 * contact serializer through `MaskingService.forPrincipal`; and RSA-encrypted mobiles (§1.11.4.7.6).
 * Its own module (ADR 0024): a policy over system fields (contacts) and custom fields (metadata),
 * asked by the modules that show contacts, and by the condition catalogue (`setFieldMaskSource`:
 * which properties a caller sees masked, ADR 0069).
 */
export const maskingModule = defineModule({
  id: 'masking',
  title: { 'zh-CN': '联系人字段加密', 'en-US': 'Contact field masking' },
  tables: ['contact_field_mask', 'mobile_encryption'],
  dependencies: ['metadata', 'conditions'],
  provides: [
    createServiceFactory({
      service: maskingServiceRef,
      deps: { db: kernelServices.moduleDatabase, metadata: metadataServiceRef },
      factory: ({ db, metadata }) => new MaskingService(new MaskingRepo(db), metadata),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        permissions: permissionsExtensionPoint,
        conditions: conditionsExtensionPoint,
        masking: maskingServiceRef,
      },
      init({ http, permissions, conditions, masking }) {
        permissions.addPermissions([
          // 设置 → 高级设置 → 联系人字段加密: only super staff (§1.11.4.7.1).
          // 用户 → 数据不脱敏 (contacts.unmasked) is a row of the permission matrix.
          {
            id: MASKING_MANAGE_PERMISSION,
            superOnly: true,
            label: { 'zh-CN': '联系人字段加密-管理', 'en-US': 'Contact field masking — manage' },
          },
        ]);
        // The condition catalogue flags the contact properties the caller sees masked (ADR 0069).
        conditions.setFieldMaskSource({
          fieldAccess: (principal) => masking.fieldAccess(principal.tenantId, seesMaskedFieldsInClear(principal)),
        });
        http.addRoutes(maskingRoutes(masking));
      },
    });
  },
});
