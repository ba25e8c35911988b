/** A small, stable string hash (32-bit FNV-1a) for choosing the demo reply's variant. */

/** FNV-1a over the UTF-16 code units of `text`; the same text always gives the same unsigned 32-bit number. */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
