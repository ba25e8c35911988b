/** Splits text into word-ish streaming tokens of 1–4 characters, the way real models' deltas look. */

/** A word with its leading whitespace, one other character with its leading whitespace, or trailing whitespace. */
const tokenPattern = /\s*[\p{L}\p{N}]+|\s*[^\s\p{L}\p{N}]|\s+/gu;
const maxTokenChars = 4;

/**
 * Cuts `text` into pieces of 1–4 code points (never splitting a surrogate pair).
 * Invariant: `splitIntoWordTokens(text).join('') === text`.
 */
export function splitIntoWordTokens(text: string): string[] {
  const pieces: string[] = [];
  for (const match of text.matchAll(tokenPattern)) {
    const chars = Array.from(match[0]);
    for (let start = 0; start < chars.length; start += maxTokenChars) {
      pieces.push(chars.slice(start, start + maxTokenChars).join(''));
    }
  }
  return pieces;
}
