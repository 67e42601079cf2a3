/** A mini-program channel's writeKey, as the console and the Open API see it. */
export interface MiniprogramWriteKey {
  channelId: string;
  writeKey: string;
  writeKeyIssuedAt: number;
}

export interface WriteKeyRow {
  id: number | string;
  tenant_id: number | string;
  channel_id: number | string;
  write_key: string;
  write_key_issued_at: number;
  created_at: number;
  updated_at: number;
}

export function toWriteKey(row: WriteKeyRow): MiniprogramWriteKey {
  return { channelId: String(row.channel_id), writeKey: row.write_key, writeKeyIssuedAt: Number(row.write_key_issued_at) };
}
