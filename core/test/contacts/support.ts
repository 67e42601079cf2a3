import { channelsServiceRef } from '../../src/modules/channels/channels.service.js';
import { contactsServiceRef } from '../../src/modules/contacts/contacts.service.js';
import type { ContactsRepo } from '../../src/modules/contacts/contacts.repo.js';
import type { ContactRow } from '../../src/modules/contacts/contacts.types.js';
import { ingestTenant } from '../ingestion/support.js';
import type { TestApp } from '../support/test-app.js';

/**
 * A tenant ready for identity tests: `ingestTenant`'s custom channel, writeKey and Open API client,
 * plus two official accounts bound with the given AppIDs (through the channels service, as the
 * WeChat connector will), and readers of the contacts master, the merge tables and OLAP.
 */
export async function identityTenant(app: TestApp, appIds: [string, string]) {
  const t = await ingestTenant(app);
  const channels = app.service(channelsServiceRef);
  const wechat = await channels.register(t.tenantId, { type: 'wechat', name: '服务号', channelKey: appIds[0] }, null);
  const wechat2 = await channels.register(t.tenantId, { type: 'wechat', name: '订阅号', channelKey: appIds[1] }, null);
  const contacts = app.service(contactsServiceRef);
  const db = () => app.oltp.forTenant(t.tenantId);
  return {
    ...t,
    wechat,
    wechat2,
    contacts,
    repo: (contacts as unknown as { repo: ContactsRepo }).repo,
    /** The contact id of an externalId (or another id type) in a channel. */
    contactOf: async (userId: string, idType = 'externalId', channelId = t.channelId) => {
      const row = (await db()
        .from('channel_account')
        .where({ channel_id: channelId, id_type: idType, user_id: userId })
        .first()) as { contact_id: number | string } | undefined;
      return row ? String(row.contact_id) : undefined;
    },
    contactRow: async (id: string) => (await db().from('contact').where('id', id).first()) as ContactRow | undefined,
    contactCount: async () => Number(((await db().from('contact').count({ n: '*' }).first()) as { n: number | string }).n),
    outbox: async () => (await db().from('contact_change').select('contact_id', 'merged_into')) as unknown[],
    aliases: async () => (await db().from('contact_alias').select('from_contact_id', 'to_contact_id')) as unknown[],
    history: async () => (await t.staff.request('GET', '/api/v1/contacts/merges')).body.items as Record<string, unknown>[],
    candidates: async (status = 'pending') =>
      (await t.staff.request('GET', `/api/v1/contacts/merge-candidates?status=${status}`)).body.items as (Record<
        string,
        unknown
      > & { id: string; status: string; sameContact: boolean; contacts: { id: string }[] })[],
    /** OLAP: the contacts' ids, and events per (survivor-resolved) contact. */
    olapContactIds: async () =>
      (
        (await app.olap.forTenant(t.tenantId).query('SELECT id FROM contacts ORDER BY id', { rowMode: 'json' })).rows as {
          id: string;
        }[]
      ).map((r) => String(r.id)),
    olapEventsBy: async () =>
      (
        await app.olap
          .forTenant(t.tenantId)
          .query('SELECT contact_id, count(*) AS n FROM events GROUP BY contact_id ORDER BY contact_id', { rowMode: 'json' })
      ).rows as { contact_id: string; n: string }[],
  };
}

/** An SDK identify message (without a userId when it is undefined). */
export const identify = (userId: string | undefined, extra: Record<string, unknown> = {}) => ({
  type: 'identify',
  ...(userId ? { userId } : {}),
  ...extra,
});

/** An SDK track of `purchase`. */
export const track = (who: Record<string, unknown>, amount = 1) => ({
  type: 'track',
  event: 'purchase',
  properties: { amount },
  ...who,
});
