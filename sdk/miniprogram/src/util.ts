const HEX = '0123456789abcdef';

function randomNibbles(count: number): string {
  let out = '';
  for (let i = 0; i < count; i += 1) out += HEX[Math.floor(Math.random() * 16)];
  return out;
}

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Time-ordered ids keep the
 * server's dedupe index cheap (docs/decisions/0017). Math.random is enough for message ids.
 */
let lastMs = 0;
let sequence = 0;

export function uuidv7(now: number = Date.now()): string {
  // Monotonic in one run (RFC 9562 §6.2, method 1): ids made in the same millisecond count up in
  // the 12 bits after the version, so messageId order is the order events happened.
  if (now <= lastMs) {
    sequence += 1;
    if (sequence > 0xfff) {
      lastMs += 1;
      sequence = 0;
    }
  } else {
    lastMs = now;
    sequence = Math.floor(Math.random() * 0x200);
  }
  const time = lastMs.toString(16).padStart(12, '0').slice(-12);
  const variant = HEX[8 + Math.floor(Math.random() * 4)];
  const counter = sequence.toString(16).padStart(3, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${counter}-${variant}${randomNibbles(3)}-${randomNibbles(12)}`;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 of an ASCII string (the mini-program runtime has no `btoa`). */
export function base64(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i += 3) {
    const a = text.charCodeAt(i);
    const b = i + 1 < text.length ? text.charCodeAt(i + 1) : NaN;
    const c = i + 2 < text.length ? text.charCodeAt(i + 2) : NaN;
    const n = (a << 16) | ((b || 0) << 8) | (c || 0);
    out += BASE64[(n >> 18) & 63]! + BASE64[(n >> 12) & 63]!;
    out += isNaN(b) ? '=' : BASE64[(n >> 6) & 63]!;
    out += isNaN(c) ? '=' : BASE64[n & 63]!;
  }
  return out;
}

/** `{ id: '42', from: 'share' }` → `id=42&from=share` (the page query as WeChat gives it, decoded). */
export function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  return Object.keys(query)
    .filter((key) => query[key] !== undefined && query[key] !== null)
    .map((key) => `${key}=${String(query[key])}`)
    .join('&');
}
