/** The demo model's conversation title: the first words of the conversation's first user message. */
import type { ChatMessage } from '../model-provider.js';

const maxWords = 6;
const maxTitleChars = 60;
const fallbackTitle = 'Demo Chat';
const wordPattern = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;
/** A title prompt usually embeds the exchange as "User: …" (then "Assistant: …"); title that part. */
const embeddedUserPattern = /^User: ([\s\S]*?)(?:\n\nAssistant: |$(?![\s\S]))/m;

function titleSource(messages: readonly ChatMessage[]): string {
  const first = messages.find((message) => message.role === 'user')?.content ?? '';
  return embeddedUserPattern.exec(first)?.[1] ?? first;
}

function capitalize(word: string): string {
  const [head = '', ...rest] = Array.from(word);
  return head.toUpperCase() + rest.join('');
}

/**
 * A Title Case title of at most 6 words (and 60 characters) with no quotes or trailing punctuation,
 * derived from the first user message; "Demo Chat" when that message has no words.
 */
export function demoTitle(messages: readonly ChatMessage[]): string {
  const words = (titleSource(messages).match(wordPattern) ?? []).slice(0, maxWords).map(capitalize);
  let title = '';
  for (const word of words) {
    const next = title ? `${title} ${word}` : word;
    if (Array.from(next).length > maxTitleChars) break;
    title = next;
  }
  return (
    title ||
    Array.from(words[0] ?? fallbackTitle)
      .slice(0, maxTitleChars)
      .join('')
  );
}
