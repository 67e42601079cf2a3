import type { LocalizedText } from '../../kernel/contributions.js';

export interface Channel {
  id: string;
  type: string;
  /** ChannelID (custom channels, `udc_…`), AppID (mini-programs, official accounts). */
  channelKey: string;
  name: string;
  status: 'active' | 'disabled';
  /**
   * False when no loaded plugin provides the channel's type (its plugin was removed or disabled):
   * the channel can still be listed, renamed and deleted, but nothing of its type runs.
   */
  typeAvailable: boolean;
  createdAt: number;
  updatedAt: number;
}

/**
 * One channel as its detail page needs it: whether its state allows deleting it now and, if not,
 * why (its type's `checkDelete`, e.g. a custom channel whose apps are still enabled).
 */
export interface ChannelDetail extends Channel {
  deletable: boolean;
  deleteBlockedReason: { code: string; message: string } | null;
}

export interface ChannelRow {
  id: number | string;
  tenant_id: number | string;
  type: string;
  channel_key: string;
  name: string;
  status: 'active' | 'disabled';
  created_by: number | string | null;
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
  /** The plugin providing it; null when it is not available (see `available`). */
  pluginId: string | null;
  /**
   * False for a type this tenant still has channels of, but which no loaded plugin provides any
   * more (Medusa's "disabled provider"): its name is its id, and it cannot be created.
   */
  available: boolean;
  /** This tenant's channels of the type. */
  count: number;
}
