import type { ChannelTypeDefinition, Refusal } from '../../kernel/contributions.js';
import type { ContributionRegistry } from '../../kernel/contribution-registry.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import { ConflictError, InputError, NotFoundError } from '../../server/errors.js';
import { isUniqueViolation, type Page } from '../../store/oltp/oltp-store.js';
import type { ChannelsRepo } from './channels.repo.js';
import { toChannel, type Channel, type ChannelRow, type ChannelTypeInfo } from './channel.types.js';

export interface NewChannel {
  type: string;
  name: string;
  /** Blank = generated when the type can generate keys. */
  channelKey?: string;
}

/** Attempts at a generated key before giving up (a collision needs the same random key twice). */
const GENERATE_ATTEMPTS = 5;

/**
 * Channels (连接): a tenant's connections of the channel types plugins contribute. The type's
 * definition decides how a channel is created by hand and whether it may be deleted now.
 */
export class ChannelsService {
  constructor(
    private readonly repo: ChannelsRepo,
    private readonly contributions: ContributionRegistry,
  ) {}

  private definition(type: string): { pluginId: string; definition: ChannelTypeDefinition } {
    const owned = this.contributions.channelTypes.get(type);
    if (!owned) throw new InputError('channel_type_unknown', { type }, [{ path: 'type', code: 'channel_type_unknown' }]);
    return owned;
  }

  /** Whether a loaded plugin provides channels of `type`. */
  private available(type: string): boolean {
    return this.contributions.channelTypes.has(type);
  }

  private toChannel = (row: ChannelRow): Channel => toChannel(row, this.available(row.type));

  async types(tenantId: string): Promise<ChannelTypeInfo[]> {
    const counts = await this.countsByType(tenantId);
    const registered = [...this.contributions.channelTypes.values()].map(({ pluginId, definition }) => ({
      type: definition.type,
      name: definition.name,
      description: definition.description ?? null,
      userIdTypes: definition.userIdTypes,
      customEvents: definition.customEvents,
      manual: definition.manual
        ? {
            keyLabel: definition.manual.key.label,
            keyPattern: definition.manual.key.pattern.source,
            keyGenerated: typeof definition.manual.key.generate === 'function',
            keyHelp: definition.manual.key.help ?? null,
          }
        : null,
      pluginId,
      available: true,
      count: counts.get(definition.type) ?? 0,
    }));
    // Types whose plugin is gone but whose channels remain: listed so they can be found and deleted.
    const orphaned = [...counts.entries()]
      .filter(([type]) => !this.available(type))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, count]): ChannelTypeInfo => ({
        type,
        name: { 'zh-CN': type, 'en-US': type },
        description: null,
        userIdTypes: [],
        customEvents: false,
        manual: null,
        pluginId: null,
        available: false,
        count,
      }));
    return [...registered, ...orphaned];
  }

  countsByType(tenantId: string): Promise<Map<string, number>> {
    return this.repo.countsByType(tenantId);
  }

  count(tenantId: string): Promise<number> {
    return this.repo.count(tenantId);
  }

  list(tenantId: string, query: { type?: string; page: number; pageSize: number }): Promise<Page<Channel>> {
    return this.repo.page(tenantId, query, this.toChannel);
  }

  async get(tenantId: string, channelId: string, type?: string): Promise<Channel> {
    const row = await this.repo.find(tenantId, channelId, type);
    if (!row) throw new NotFoundError('channel_not_found');
    return this.toChannel(row);
  }

  /**
   * The channel an integrator names by its ChannelID (`udc_…`) or AppID, as the Open API's
   * `channel.channelId` does; undefined when the tenant has none.
   */
  async findByKey(tenantId: string, channelKey: string): Promise<Channel | undefined> {
    const [row] = await this.repo.byKey(tenantId, channelKey);
    return row ? this.toChannel(row) : undefined;
  }

  async create(tenantId: string, input: NewChannel, createdBy: string | null): Promise<Channel> {
    const { definition } = this.definition(input.type);
    const manual = definition.manual;
    if (!manual)
      throw new InputError('channel_type_not_manual', { type: input.type }, [{ path: 'type', code: 'channel_type_not_manual' }]);
    const label = manual.key.label['en-US'];
    const given = input.channelKey?.trim() ?? '';
    if (!given && !manual.key.generate) {
      throw new InputError('channel_key_required', { label }, [{ path: 'channelKey', code: 'channel_key_required' }]);
    }
    if (given && !manual.key.pattern.test(given)) {
      throw new InputError(manual.key.invalidCode, { key: given }, [{ path: 'channelKey', code: manual.key.invalidCode }]);
    }
    for (let attempt = 1; ; attempt += 1) {
      const channelKey = given || manual.key.generate!();
      try {
        const channel = await this.insert(tenantId, definition.type, channelKey, input.name, createdBy);
        await definition.handlers?.connect?.({ tenantId, channelId: channel.id, settings: {} });
        return channel;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        if (given || attempt >= GENERATE_ATTEMPTS) {
          throw new ConflictError('channel_key_taken', { label, key: channelKey });
        }
      }
    }
  }

  /**
   * A channel its connector creates (types without manual creation: an official account after the
   * WeChat authorization, seed §1.8): the key is the connector's (the AppID) and must be given.
   */
  async register(tenantId: string, input: Required<NewChannel>, createdBy: string | null): Promise<Channel> {
    const { definition } = this.definition(input.type);
    const channelKey = input.channelKey.trim();
    if (!channelKey)
      throw new InputError('channel_key_required', { label: 'key' }, [{ path: 'channelKey', code: 'channel_key_required' }]);
    try {
      return await this.insert(tenantId, definition.type, channelKey, input.name, createdBy);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('channel_key_taken', { label: 'key', key: channelKey });
      throw error;
    }
  }

  private async insert(
    tenantId: string,
    type: string,
    channelKey: string,
    name: string,
    createdBy: string | null,
  ): Promise<Channel> {
    const now = Date.now();
    const id = await this.repo.insert(tenantId, {
      type,
      channel_key: channelKey,
      name: name.trim(),
      status: 'active',
      created_by: createdBy,
      created_at: now,
      updated_at: now,
    });
    return this.get(tenantId, id);
  }

  async rename(tenantId: string, channelId: string, name: string): Promise<Channel> {
    await this.get(tenantId, channelId);
    await this.repo.rename(tenantId, channelId, name.trim());
    return this.get(tenantId, channelId);
  }

  /**
   * Why the channel's type refuses to delete it now (e.g. apps still sending data), or null. A
   * channel whose type's plugin was removed is simply deletable: nothing is left to ask.
   */
  async deleteRefusal(tenantId: string, channel: Channel): Promise<Refusal | null> {
    if (!channel.typeAvailable) return null;
    const { definition } = this.definition(channel.type);
    return (await definition.handlers?.checkDelete?.({ tenantId, channelId: channel.id })) ?? null;
  }

  /**
   * Deletes a channel unless its type says why not. A channel whose type's plugin was removed is
   * simply deleted (the plugin's own rows go with it through their foreign keys).
   */
  async remove(tenantId: string, channelId: string): Promise<void> {
    const channel = await this.get(tenantId, channelId);
    const definition = channel.typeAvailable ? this.definition(channel.type).definition : undefined;
    const refusal = await this.deleteRefusal(tenantId, channel);
    if (refusal) throw new ConflictError(refusal.code, refusal.params);
    await this.repo.remove(tenantId, channelId);
    await definition?.handlers?.disconnect?.({ tenantId, channelId });
  }
}

export const channelsServiceRef = createServiceRef<ChannelsService>({ id: 'channels.channels' });
