/**
 * Token counting for prompt trimming and stream metrics (o200k_base, the encoding of current OpenAI models).
 *
 * The encoding's tables take ~70 MB of memory and ~0.5 s to load, so they load at the first count (the
 * first turn) rather than at start-up: a server's start and its idle footprint do not carry them. They
 * load synchronously, through the package's CommonJS build, so counting stays a plain function call.
 */
import { createRequire } from 'node:module';

export type O200kEncoding = typeof import('gpt-tokenizer/encoding/o200k_base');

const requireModule = createRequire(import.meta.url);
let encoding: O200kEncoding | undefined;

/** The o200k_base encoding, loaded at the first call. */
export function o200k(): O200kEncoding {
  encoding ??= requireModule('gpt-tokenizer/encoding/o200k_base') as O200kEncoding;
  return encoding;
}

/** Tokens of `text`; special-token look-alikes in user text are counted as plain text. */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  return o200k().countTokens(text, { allowedSpecial: 'all' });
}
