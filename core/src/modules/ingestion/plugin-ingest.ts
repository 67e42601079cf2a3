import type { ContributionRegistry } from '../../kernel/contribution-registry.js';
import type { PluginIdentifyInput, PluginIngest, PluginIngestIdentity, PluginTrackInput } from '../../kernel/services.js';
import {
  ForbiddenError,
  InputError,
  isDomainError,
  UnauthorizedError,
  UnavailableError,
  type ErrorDetail,
} from '../../server/errors.js';
import type { ErrorCode } from '../../server/messages.js';
import type { Channel } from '../channels/channel.types.js';
import type { ChannelsService } from '../channels/channels.service.js';
import type { ContactsService } from '../contacts/contacts.service.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import type { PluginEnablement } from '../tenant-plugins/plugin-enablement.js';
import type { IngestionService, PluginMessage } from './ingestion.service.js';
import { idOf, ingestLimits } from './message.js';

/** The longest user id an account keeps (`channel_account.user_id`). */
const USER_ID_MAX = 191;
/** Tenant, channel and contact ids are BIGINT surrogate keys, sent as strings. */
const SURROGATE_ID = /^[1-9][0-9]{0,18}$/;

/** What one call looked up already (a batch names the same tenant and channel many times). */
interface Seen {
  tenants: Set<string>;
  channels: Map<string, Channel>;
}
const fresh = (): Seen => ({ tenants: new Set(), channels: new Map() });

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Where a problem is: `userId` in a single call, `batch.3.userId` in a batch. */
type At = (field?: string) => string;
const single: At = (field) => field ?? 'input';
const inBatch =
  (index: number): At =>
  (field) =>
    field ? `batch.${index}.${field}` : `batch.${index}`;

/** A 400 naming where (`{path}` in the message, one detail) — the index of a batch item included. */
function refuse(code: ErrorCode, path: string, params: Record<string, unknown> = {}, detail: string = code): never {
  const details: ErrorDetail[] = [{ path, code: detail }];
  throw new InputError(code, { path, ...params }, details);
}

/**
 * `coreServices.ingest` for one plugin (ADR 0038): the checks made when the plugin calls — the
 * tenant is active, the channel is the tenant's and of a channel type the plugin registered, the
 * user-ID type is one of that type's, the user id and event are strings of the right size, the batch
 * within the collect API's limits — then the messages go to the inbox like the collect API's and the
 * Open API's, marked `via: 'plugin'` with their user-ID type. Everything else (undeclared event, bad
 * traits or time, blocked ids) is the worker's to judge: quarantined as for any source.
 */
export class PluginIngestService implements PluginIngest {
  constructor(
    private readonly pluginId: string,
    private readonly deps: {
      ingestion: IngestionService;
      channels: ChannelsService;
      contacts: ContactsService;
      tenants: TenantService;
      contributions: ContributionRegistry;
      /** Per-tenant plugin enablement (ADR 0041): a plugin switched off for a tenant writes nothing there. */
      enablement: Pick<PluginEnablement, 'isEnabled'>;
    },
  ) {}

  async identify(input: PluginIdentifyInput): Promise<{ messageId: string }> {
    const [messageId] = await this.accept('identify', [input], () => single);
    return { messageId: messageId! };
  }

  async track(input: PluginTrackInput): Promise<{ messageId: string }> {
    const [messageId] = await this.accept('track', [input], () => single);
    return { messageId: messageId! };
  }

  async identifyBatch(inputs: PluginIdentifyInput[]): Promise<{ messageIds: string[] }> {
    return { messageIds: await this.accept('identify', this.batchOf(inputs), inBatch) };
  }

  async trackBatch(inputs: PluginTrackInput[]): Promise<{ messageIds: string[] }> {
    return { messageIds: await this.accept('track', this.batchOf(inputs), inBatch) };
  }

  async contactOf(input: PluginIngestIdentity): Promise<string | undefined> {
    const { tenantId, channelId, userIdType, userId } = await this.identityOf(input, single, fresh());
    return this.deps.contacts.contactOfAccount(tenantId, channelId, userIdType, userId);
  }

  async userIdsOf(input: {
    tenantId: string;
    contactId: string;
    userIdType: string;
    channelId?: string;
  }): Promise<{ channelId: string; userId: string }[]> {
    if (!isRecord(input)) refuse('ingest_input_invalid', 'input', {}, 'object.base');
    const seen = fresh();
    const tenantId = await this.activeTenant(input.tenantId, single, seen);
    if (typeof input.contactId !== 'string' || !SURROGATE_ID.test(input.contactId))
      refuse('ingest_input_invalid', 'contactId', {}, 'string.base');
    if (input.channelId !== undefined) {
      const channel = await this.ownChannel(tenantId, input.channelId, single, seen);
      this.assertUserIdType(channel, input.userIdType, single);
    } else {
      // Without a channel: a user-ID type of one of the plugin's channel types.
      const owned = [...this.deps.contributions.channelTypes.values()]
        .map(({ definition }) => definition)
        .filter((definition) => this.deps.contributions.ownsChannelType(this.pluginId, definition.type));
      if (typeof input.userIdType !== 'string' || !owned.some((definition) => definition.userIdTypes.includes(input.userIdType)))
        refuse('ingest_user_id_type_invalid', 'userIdType', {
          userIdType: String(input.userIdType),
          type: owned.map((definition) => definition.type).join(', ') || '-',
        });
    }
    const channels = seen.channels;
    // A merged-away contact's ids are its survivor's: the accounts moved with the merge.
    const contactId = await this.deps.contacts.currentId(tenantId, input.contactId);
    const accounts = (await this.deps.contacts.accountsOf(tenantId, contactId)).filter(
      (account) =>
        account.id_type === input.userIdType && (input.channelId === undefined || String(account.channel_id) === input.channelId),
    );
    const out: { channelId: string; userId: string }[] = [];
    for (const account of accounts) {
      const channelId = String(account.channel_id);
      // Only the plugin's own channels: another plugin's channel type may list the same id type.
      const key = `${tenantId}:${channelId}`;
      let channel = channels.get(key);
      if (!channel) {
        // A channel deleted meanwhile has no accounts left to show.
        channel = await this.deps.channels.get(tenantId, channelId).catch((error: unknown) => {
          if (isDomainError(error) && error.code === 'channel_not_found') return undefined;
          throw error;
        });
        if (channel) channels.set(key, channel);
      }
      if (channel && this.deps.contributions.ownsChannelType(this.pluginId, channel.type))
        out.push({ channelId, userId: account.user_id });
    }
    return out.sort((a, b) => Number(a.channelId) - Number(b.channelId) || a.userId.localeCompare(b.userId));
  }

  // ---- the checks ----------------------------------------------------------------------------------

  private batchOf<T>(inputs: T[]): T[] {
    if (!Array.isArray(inputs)) refuse('ingest_input_invalid', 'batch', {}, 'array.base');
    if (inputs.length > ingestLimits.batchMessages)
      refuse('ingest_batch_too_large', 'batch', { limit: ingestLimits.batchMessages }, 'array.max');
    return inputs;
  }

  /**
   * Checks every message, then appends them all in one transaction (the inbox's). A refusal names
   * the first bad message's index (`batch.<i>.<field>`); nothing of the call is kept.
   */
  private async accept(
    type: 'identify' | 'track',
    inputs: readonly (PluginIdentifyInput | PluginTrackInput)[],
    where: (index: number) => At,
  ): Promise<string[]> {
    const seen = fresh();
    const messages: PluginMessage[] = [];
    for (const [index, input] of inputs.entries()) {
      const at = where(index);
      const { tenantId, channelId, userIdType, userId } = await this.identityOf(input, at, seen);
      const fields: Record<string, unknown> = { userId };
      const given = input as unknown as Record<string, unknown>;
      if (given.messageId !== undefined) {
        if (typeof given.messageId !== 'string' || given.messageId.trim() === '')
          refuse('ingest_message_id_invalid', at('messageId'), {}, 'string.base');
        fields.messageId = given.messageId;
      }
      if (given.timestamp !== undefined) fields.timestamp = given.timestamp;
      if (type === 'track') {
        if (typeof given.event !== 'string') refuse('ingest_event_invalid', at('event'), {}, 'string.base');
        fields.event = given.event;
        if (given.properties !== undefined) fields.properties = given.properties;
      } else if (given.traits !== undefined) fields.traits = given.traits;
      messages.push({ tenantId, channelId, pluginId: this.pluginId, userIdType, type, fields, path: at() });
    }
    return this.deps.ingestion.acceptPlugin(messages);
  }

  /** The person of one message, checked: active tenant, own channel, its user-ID type, a usable id. */
  private async identityOf(input: unknown, at: At, seen: Seen): Promise<PluginIngestIdentity> {
    if (!isRecord(input)) refuse('ingest_input_invalid', at(), {}, 'object.base');
    const tenantId = await this.activeTenant(input.tenantId, at, seen);
    const channel = await this.ownChannel(tenantId, input.channelId, at, seen);
    const userIdType = this.assertUserIdType(channel, input.userIdType, at);
    const given = input.userId;
    const userId = typeof given === 'string' ? idOf(given) : undefined;
    if (userId === undefined || userId.length > USER_ID_MAX)
      refuse(
        'ingest_user_id_invalid',
        at('userId'),
        { max: USER_ID_MAX },
        typeof given !== 'string' ? 'string.base' : userId === undefined ? 'string.empty' : 'string.max',
      );
    return { tenantId, channelId: channel.id, userIdType, userId };
  }

  /** 401 for a tenant that does not exist or is suspended, as the Open API refuses its tokens. */
  private async activeTenant(tenantId: unknown, at: At, seen: Seen): Promise<string> {
    if (typeof tenantId !== 'string' || !SURROGATE_ID.test(tenantId))
      refuse('ingest_input_invalid', at('tenantId'), {}, 'string.base');
    if (seen.tenants.has(tenantId)) return tenantId;
    if (!(await this.deps.tenants.isActive(tenantId))) throw new UnauthorizedError('ingest_tenant_inactive');
    // A plugin isolated after a failed start (ADR 0040) or switched off for the tenant (ADR 0041) writes nothing.
    if (!this.deps.contributions.isAvailable(this.pluginId))
      throw new UnavailableError('plugin_unavailable', 60, { plugin: this.pluginId });
    if (!(await this.deps.enablement.isEnabled(tenantId, this.pluginId)))
      throw new ForbiddenError('plugin_disabled', { plugin: this.pluginId });
    seen.tenants.add(tenantId);
    return tenantId;
  }

  /** The tenant's channel, of a channel type the calling plugin registered (`ownsChannelType`). */
  private async ownChannel(tenantId: string, channelId: unknown, at: At, seen: Seen): Promise<Channel> {
    const path = at('channelId');
    if (typeof channelId !== 'string' || !SURROGATE_ID.test(channelId)) refuse('channel_not_found', path);
    const key = `${tenantId}:${channelId}`;
    let channel = seen.channels.get(key);
    if (!channel) {
      try {
        channel = await this.deps.channels.get(tenantId, channelId);
      } catch (error) {
        if (isDomainError(error) && error.code === 'channel_not_found') refuse('channel_not_found', path);
        throw error;
      }
      seen.channels.set(key, channel);
    }
    if (!this.deps.contributions.ownsChannelType(this.pluginId, channel.type))
      refuse('ingest_channel_type_not_owned', path, { type: channel.type, pluginId: this.pluginId });
    return channel;
  }

  private assertUserIdType(channel: Channel, userIdType: unknown, at: At): string {
    const owned = this.deps.contributions.channelTypes.get(channel.type)?.definition.userIdTypes ?? [];
    if (typeof userIdType !== 'string' || !owned.includes(userIdType))
      refuse('ingest_user_id_type_invalid', at('userIdType'), { userIdType: String(userIdType), type: channel.type });
    return userIdType;
  }
}
