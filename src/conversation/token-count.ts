/** Token counting for prompt trimming and stream metrics (o200k_base, the encoding of current OpenAI models). */
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';

/** Tokens of `text`; special-token look-alikes in user text are counted as plain text. */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  return countO200k(text, { allowedSpecial: 'all' });
}
