import type { LocalizedText } from '../../kernel/contributions.js';

export interface Channel {
  id: string;
  type: string;
  /** ChannelID (custom channels, `udc_…`), AppID (mini-programs, official accounts). */
  channelKey: string;
  name: string;
  status: 'active' | 'disabled';
  /**
   * False when no loaded plugin provides the channel's type (its plugin was removed or disabled), or
   * its plugin is disabled for this tenant (ADR 0041): the channel can still be listed, renamed and
   * deleted, but nothing of its type runs.
   */
  typeAvailable: boolean;
  createdAt: number;
  updatedAt: number;
}

/**
 * One channel as its detail page needs it: whether its state allows deleting it now and, if not,
 * why (its type's `checkDelete`, e.g. a custom channel whose apps are still enabled).
 */
export interface ChannelDetail extends Channel, ChannelSettingsView {
  deletable: boolean;
  deleteBlockedReason: { code: string; message: string } | null;
}

/** A channel's settings as APIs show them (ADR 0039): never a secret's value, only whether it has one. */
export interface ChannelSettingsView {
  /** The non-secret values (as validated when saved, defaults applied). */
  settings: Record<string, unknown>;
  /** The secret fields that hold a value. */
  secretsSet: string[];
}

export interface ChannelRow {
  id: number | string;
  tenant_id: number | string;
  type: string;
  channel_key: string;
  name: string;
  status: 'active' | 'disabled';
  created_by: number | string | null;
  /** JSON of the non-secret settings; null = none. */
  settings?: string | null;
  /** JSON map: secret field → its value sealed with the SecretBox (see channel-secrets.ts); null = none. */
  secret_settings?: string | null;
  created_at: number;
  updated_at: number;
}

export function toChannel(row: ChannelRow, typeAvailable: boolean): Channel {
  return {
    id: String(row.id),
    type: row.type,
    channelKey: row.channel_key,
    name: row.name,
    status: row.status,
    typeAvailable,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** A channel type as the console and the Open API see it (§2.1.4 获取 channelType 列表). */
export interface ChannelTypeInfo {
  type: string;
  name: LocalizedText;
  description: LocalizedText | null;
  userIdTypes: string[];
  customEvents: boolean;
  /** Whether operators create it by hand, and what its key is called (ChannelID, AppID). */
  manual: { keyLabel: LocalizedText; keyPattern: string; keyGenerated: boolean; keyHelp: LocalizedText | null } | null;
  /**
   * The settings form as JSON Schema (secret fields `writeOnly` + `x-secret`, labels in `title` in
   * the caller's language and in both under `x-label` / `x-description`); null without settings.
   */
  settingsSchema: Record<string, unknown> | null;
  /** Whether the type can check settings (测试连接). */
  testable: boolean;
  /** The plugin providing it; null when it is not available (see `available`). */
  pluginId: string | null;
  /**
   * False for a type this tenant still has channels of, but which no loaded plugin provides any
   * more (Medusa's "disabled provider"; its name is its id), or whose plugin is disabled for this
   * tenant (ADR 0041; listed only while channels of it remain): it cannot be created.
   */
  available: boolean;
  /** This tenant's channels of the type. */
  count: number;
}
