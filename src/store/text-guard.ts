/** Refuses text that PostgreSQL cannot store (U+0000, unpaired surrogates) on every dialect alike. */

import { UnsupportedTextError } from './store-errors.js';

const unpairedSurrogate = /\p{Cs}/u;

/** Throws `UnsupportedTextError` for a string containing U+0000 or an unpaired surrogate; returns it otherwise. */
export function guardText(value: unknown): unknown {
  if (typeof value === 'string' && (value.includes('\u0000') || unpairedSurrogate.test(value))) {
    throw new UnsupportedTextError();
  }
  return value;
}
