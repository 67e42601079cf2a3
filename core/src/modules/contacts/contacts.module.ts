import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { httpExtensionPoint, permissionsExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { mergeRoutes } from './merges.routes.js';
import { ContactsRepo } from './contacts.repo.js';
import { ContactsService, contactsServiceRef } from './contacts.service.js';
import { WECHAT_CHANNEL_TYPE } from './contacts.types.js';
import { channelsServiceRef } from '../channels/channels.service.js';

/**
 * 联系人 (§1.4, §2.1.1): the contacts master in OLTP, their channel accounts, the identity step the
 * ingestion pipeline calls, and the contact-change outbox that keeps the OLAP contacts fresh
 * (ARCHITECTURE §5.6). The contact list, detail and import pages come with the contacts issue.
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
  provides: [
    createServiceFactory({
      service: contactsServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        olap: kernelServices.olap,
        logger: kernelServices.logger,
        channels: channelsServiceRef,
      },
      factory: ({ db, olap, logger, channels }) =>
        new ContactsService(new ContactsRepo(db), olap, logger, async (tenantId, appId) => {
          const channel = await channels.findByKey(tenantId, appId);
          return channel && channel.type === WECHAT_CHANNEL_TYPE ? channel.id : undefined;
        }),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: { http: httpExtensionPoint, permissions: permissionsExtensionPoint, contacts: contactsServiceRef },
      init({ http, permissions, contacts }) {
        // 用户 → 合并用户 (§1.11.4.6): accept or dismiss candidates, change the blocked values.
        permissions.addPermissions([{ id: 'contacts.merge' }]);
        http.addRoutes(mergeRoutes(contacts));
      },
    });
  },
});
