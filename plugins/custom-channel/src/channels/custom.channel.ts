import { randomBytes } from 'node:crypto';
import type { ChannelTypeDefinition, UserIdTypeDefinition } from '@huiliu/core/plugin-api';
import type { AppsRepository } from '../apps/apps.repo.js';

/** The user-ID type of self-built apps (seed §1.4.11), shown as `externalId_<channelId>_<channelName>`. */
export const externalId: UserIdTypeDefinition = {
  id: 'externalId',
  name: { 'zh-CN': '自定义连接的用户 ID（externalId）', 'en-US': 'Custom channel user ID (externalId)' },
  scope: 'channel',
};

/** A ChannelID an operator may choose: letters, digits, `_` and `-`, at most 64. */
export const CHANNEL_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `udc_` + 12 random lower-case letters and digits (≈ 62 bits). */
export function generateChannelId(): string {
  const bytes = randomBytes(12);
  return `udc_${[...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join('')}`;
}

/** 自定义渠道 (seed §1.9.2, §2.2.1): one channel holds web, iOS and Android apps with writeKeys. */
export function customChannel(apps: AppsRepository): ChannelTypeDefinition {
  return {
    type: 'custom',
    name: { 'zh-CN': '自定义渠道', 'en-US': 'Custom channel' },
    description: {
      'zh-CN': '接入自建的网站、iOS 与安卓应用、私有 App：联系人识别与事件追踪',
      'en-US': 'Your own website, iOS and Android apps and private apps: contact identification and event tracking',
    },
    userIdTypes: [externalId.id],
    customEvents: true,
    manual: {
      key: {
        label: { 'zh-CN': 'ChannelID', 'en-US': 'ChannelID' },
        pattern: CHANNEL_ID_PATTERN,
        invalidCode: 'custom_channel_id_invalid',
        generate: generateChannelId,
        help: {
          'zh-CN': 'ChannelID 是自定义渠道的唯一标识；如不维护可不填，系统会自动生成 udc_ 开头的 ChannelID',
          'en-US': 'The ChannelID identifies the custom channel; leave it blank to get a generated udc_… id',
        },
      },
    },
    handlers: {
      // Deleting a channel whose apps may still send data would silently drop their events.
      async checkDelete({ tenantId, channelId }) {
        const enabled = await apps.countEnabled(tenantId, channelId);
        return enabled > 0 ? { code: 'custom_channel_has_enabled_apps', params: { count: enabled } } : null;
      },
    },
  };
}
