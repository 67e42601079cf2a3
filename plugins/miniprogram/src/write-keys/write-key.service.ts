import { generateWriteKey, type PluginChannels, type WriteKeyOwnerInfo } from '@huiliu/core/plugin-api';
import type { WriteKeyRepository } from './write-key.repo.js';
import type { MiniprogramWriteKey } from './write-key.types.js';

export const MINIPROGRAM = 'miniprogram';

/**
 * The writeKey of a mini-program channel (docs/decisions/0029): made when the channel is created,
 * or — for a channel older than this table, or whose creation hook failed — the first time it is
 * read. Regenerating revokes the old key at once.
 */
export class WriteKeyService {
  constructor(
    private readonly repo: WriteKeyRepository,
    private readonly channels: PluginChannels,
  ) {}

  /** The channel's key, made now when it has none (concurrent calls end with one key). */
  async ensure(tenantId: string, channelId: string): Promise<MiniprogramWriteKey> {
    const existing = await this.repo.get(tenantId, channelId);
    if (existing) return existing;
    try {
      await this.repo.insert(tenantId, channelId, generateWriteKey(), Date.now());
    } catch (error) {
      // channel_id is unique: a concurrent call made the key first — use that one.
      const made = await this.repo.get(tenantId, channelId);
      if (made) return made;
      throw error;
    }
    return (await this.repo.get(tenantId, channelId))!;
  }

  async get(tenantId: string, channelId: string): Promise<MiniprogramWriteKey> {
    await this.channels.get(tenantId, channelId, MINIPROGRAM);
    return this.ensure(tenantId, channelId);
  }

  /** A new writeKey; the old one stops resolving at once (data sent with it is refused, 401). */
  async regenerate(tenantId: string, channelId: string): Promise<MiniprogramWriteKey> {
    await this.get(tenantId, channelId);
    await this.repo.replace(tenantId, channelId, generateWriteKey(), Date.now());
    return (await this.repo.get(tenantId, channelId))!;
  }

  ownerOfWriteKey(writeKey: string): Promise<WriteKeyOwnerInfo | undefined> {
    return this.repo.ownerOfWriteKey(writeKey);
  }
}
