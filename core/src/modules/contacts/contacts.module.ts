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
import { ContactUsageService, contactUsageServiceRef } from './usage.js';
import { dimensionsServiceRef } from '../metadata/dimensions.service.js';
import { tenantServiceRef } from '../tenancy/tenant.service.js';
import { ContactViewSettingsRepo } from './detail.repo.js';
import { detailRoutes } from './detail.routes.js';
import { ContactDetailService, contactDetailServiceRef } from './detail.service.js';
import { conditionsServiceRef } from '../conditions/conditions.service.js';
import { ContactListRepo } from './list.repo.js';
import { contactListRoutes } from './list.routes.js';
import { ContactListService, contactListServiceRef } from './list.service.js';

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
    'contact_view_setting',
    'contact_list_column',
  ],
  // The Open API's update checks custom fields (metadata); accounts show their channel's type and AppID;
  // contacts' values are masked for the caller and mobiles may be RSA ciphertexts (masking); merges by
  // staff go to the operation log (audit).
  // The detail page's age counts in the tenant's time zone (tenancy); the list (所有用户) compiles its
  // filters with the condition engine (conditions).
  dependencies: ['metadata', 'channels', 'masking', 'audit', 'tenancy', 'conditions'],
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
    // 首页 and 使用情况: contact counts and the event-free part of the tracked users (ADR 0036).
    createServiceFactory({
      service: contactUsageServiceRef,
      deps: { db: kernelServices.moduleDatabase },
      factory: ({ db }) => new ContactUsageService(db),
    }),
    createServiceFactory({
      service: contactDetailServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        logger: kernelServices.logger,
        contacts: contactsServiceRef,
        reads: contactReadsServiceRef,
        metadata: metadataServiceRef,
        dimensions: dimensionsServiceRef,
        channels: channelsServiceRef,
        masking: maskingServiceRef,
        tenants: tenantServiceRef,
        log: operationLogServiceRef,
      },
      factory: ({ db, logger, contacts, reads, metadata, dimensions, channels, masking, tenants, log }) =>
        new ContactDetailService(
          new ContactsRepo(db),
          new ContactViewSettingsRepo(db),
          contacts,
          reads,
          metadata,
          dimensions,
          channels,
          masking,
          tenants,
          log,
          logger,
        ),
    }),
    createServiceFactory({
      service: contactListServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        olap: kernelServices.olap,
        conditions: conditionsServiceRef,
        masking: maskingServiceRef,
        metadata: metadataServiceRef,
        channels: channelsServiceRef,
      },
      factory: ({ db, olap, conditions, masking, metadata, channels }) =>
        new ContactListService(new ContactListRepo(db), olap, conditions, masking, metadata, channels),
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
        detail: contactDetailServiceRef,
        list: contactListServiceRef,
      },
      init({ http, permissions, contacts, reads, masking, log, detail, list }) {
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
        http.addRoutes(detailRoutes(detail));
        http.addRoutes(contactListRoutes(list));
      },
    });
  },
});
