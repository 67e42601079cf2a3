import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { httpExtensionPoint, permissionsExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { mergeRoutes } from './merges.routes.js';
import { metadataServiceRef } from '../metadata/metadata.service.js';
import { ContactReadsService, contactReadsServiceRef } from './contacts.reads.js';
import { ContactsRepo } from './contacts.repo.js';
import { contactsRoutes } from './contacts.routes.js';
import { ContactsService, contactsServiceRef } from './contacts.service.js';
import { WECHAT_CHANNEL_TYPE } from './contacts.types.js';
import { channelsServiceRef } from '../channels/channels.service.js';
import { maskingServiceRef } from '../masking/masking.service.js';
import { operationLogServiceRef } from '../audit/operation-log.service.js';

/**
 * 联系人 (§1.4, §2.1.1): the contacts master in OLTP, their channel accounts, the identity step the
 * ingestion pipeline calls, the contact-change outbox that keeps the OLAP contacts fresh
 * (ARCHITECTURE §5.6), and the Open API's contact calls (§2.1.4). The console's contact list, detail
 * and import pages come with the contacts issue; every view of contacts applies the caller's
 * masks (masking module, ADR 0024).
 */
export const contactsModule = defineModule({
  id: 'contacts',
  title: { 'zh-CN': '联系人', 'en-US': 'Contacts' },
  tables: [
    'contact',
    'channel_account',
    'contact_change',
    'contact_alias',
    'contact_merge',
    'merge_candidate',
    'identity_setting',
  ],
  // The Open API's update checks custom fields (metadata); accounts show their channel's type and AppID;
  // contacts' values are masked for the caller and mobiles may be RSA ciphertexts (masking); merges by
  // staff go to the operation log (audit).
  dependencies: ['metadata', 'channels', 'masking', 'audit'],
  provides: [
    createServiceFactory({
      service: contactsServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        olap: kernelServices.olap,
        logger: kernelServices.logger,
        channels: channelsServiceRef,
        masking: maskingServiceRef,
      },
      factory: ({ db, olap, logger, channels, masking }) =>
        new ContactsService(
          new ContactsRepo(db),
          olap,
          logger,
          async (tenantId, appId) => {
            const channel = await channels.findByKey(tenantId, appId);
            return channel && channel.type === WECHAT_CHANNEL_TYPE ? channel.id : undefined;
          },
          (tenantId) => masking.mobileMax(tenantId),
        ),
    }),
    createServiceFactory({
      service: contactReadsServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        olap: kernelServices.olap,
        metadata: metadataServiceRef,
        channels: channelsServiceRef,
        logger: kernelServices.logger,
        masking: maskingServiceRef,
      },
      factory: ({ db, olap, metadata, channels, logger, masking }) =>
        new ContactReadsService(new ContactsRepo(db), olap, metadata, channels, logger, (tenantId) =>
          masking.mobileMax(tenantId),
        ),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        permissions: permissionsExtensionPoint,
        contacts: contactsServiceRef,
        reads: contactReadsServiceRef,
        masking: maskingServiceRef,
        log: operationLogServiceRef,
      },
      init({ http, permissions, contacts, reads, masking, log }) {
        // 用户's rows of the permission matrix (contacts.view, contacts.merge …).
        permissions.addFeature({ id: 'contacts' });
        permissions.addPermissions([
          // Open API only (bearer tokens): the console's contact pages come with their own routes.
          { id: 'contacts.read', openApi: true, appOnly: true },
          { id: 'contacts.update', openApi: true, appOnly: true },
          { id: 'events.read', openApi: true, appOnly: true },
        ]);
        http.addRoutes(mergeRoutes(contacts, masking, log));
        http.addRoutes(contactsRoutes(reads));
      },
    });
  },
});
