/**
 * Token counting for the demo model (o200k_base, the tokenizer of current OpenAI models), loaded at the
 * first use (conversation/token-count.ts).
 */
import { o200k } from '../../conversation/token-count.js';
import type { ChatMessage } from '../model-provider.js';

/** Number of o200k_base tokens in `text`. */
export function countTokens(text: string): number {
  return o200k().encode(text).length;
}

/** Tokens of every message's content (no per-message framing overhead). */
export function countPromptTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((total, message) => total + countTokens(message.content), 0);
}

function commonPrefix(a: string, b: string): string {
  let index = 0;
  while (index < a.length && index < b.length && a[index] === b[index]) index++;
  return a.slice(0, index);
}

/**
 * The longest prefix of `text` that fits in `maxTokens` tokens. The result is always a prefix of
 * `text` (a token cut inside a multibyte character drops that character), so a later "continue"
 * can pick up exactly where it stopped.
 */
export function limitToTokens(text: string, maxTokens: number): { text: string; truncated: boolean } {
  const { encode, decode } = o200k();
  const tokens = encode(text);
  if (tokens.length <= maxTokens) return { text, truncated: false };
  const decoded = maxTokens > 0 ? decode(tokens.slice(0, maxTokens)) : '';
  return { text: commonPrefix(text, decoded), truncated: true };
}
