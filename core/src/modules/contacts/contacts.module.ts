import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { kernelServices } from '../../kernel/services.js';
import { ContactsRepo } from './contacts.repo.js';
import { ContactsService, contactsServiceRef } from './contacts.service.js';

/**
 * 联系人 (§1.4, §2.1.1): the contacts master in OLTP, their channel accounts, the identity step the
 * ingestion pipeline calls, and the contact-change outbox that keeps the OLAP contacts fresh
 * (ARCHITECTURE §5.6). The contact list, detail and import pages come with the contacts issue.
 */
export const contactsModule = defineModule({
  id: 'contacts',
  title: { 'zh-CN': '联系人', 'en-US': 'Contacts' },
  tables: ['contact', 'channel_account', 'contact_change'],
  provides: [
    createServiceFactory({
      service: contactsServiceRef,
      deps: { db: kernelServices.moduleDatabase, olap: kernelServices.olap, logger: kernelServices.logger },
      factory: ({ db, olap, logger }) => new ContactsService(new ContactsRepo(db), olap, logger),
    }),
  ],
  register({ registerInit }) {
    // Nothing to contribute yet: the pipeline calls the identity step; routes come with the contacts issue.
    registerInit({ deps: {}, init() {} });
  },
});
