/**
 * Ids minted by the browser. `crypto.randomUUID` exists only in secure contexts (not on plain http
 * to a LAN address), so UUIDs are built from `crypto.getRandomValues`, which works everywhere.
 */

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** A random RFC 4122 version-4 UUID, lowercase. */
export function uuidV4(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const text = hex(bytes);
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}

/** A v4 UUID whose first three hex digits are `aaa`, like the ids ChatGPT's web app mints for user messages. */
export function clientMessageId(): string {
  return `aaa${uuidV4().slice(3)}`;
}

/** `count` random lowercase hex digits. */
export function randomHex(count: number): string {
  return hex(crypto.getRandomValues(new Uint8Array(Math.ceil(count / 2)))).slice(0, count);
}
