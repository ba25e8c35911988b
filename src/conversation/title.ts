/** Conversation titles: the prompt that asks a model for one, and the cleaning of what comes back. */
import type { ChatMessage } from '../providers/model-provider.js';

export const maxTitleChars = 80;
const excerptChars = 1500;

function excerpt(text: string): string {
  return text.length > excerptChars ? `${text.slice(0, excerptChars)}…` : text;
}

export function titlePrompt(userText: string, assistantText: string): ChatMessage[] {
  const exchange = `User: ${excerpt(userText)}${assistantText ? `\n\nAssistant: ${excerpt(assistantText)}` : ''}`;
  return [
    { role: 'system', content: 'You name conversations. You answer with a title and nothing else.' },
    {
      role: 'user',
      content: `Write a short title (at most 6 words) for this conversation, in the language it is written in. Reply with the title only: no quotes, no trailing punctuation.\n\n${exchange}`,
    },
  ];
}

/** Characters a title column cannot hold (NUL, unpaired surrogates) and other control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const unstorable = /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function capLength(text: string): string {
  const characters = Array.from(text);
  if (characters.length <= maxTitleChars) return text;
  const cut = characters.slice(0, maxTitleChars).join('');
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > 20 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}

/** First meaningful line, without "Title:", quotes, markdown emphasis or a trailing period. */
export function cleanTitle(raw: string): string {
  const line = raw
    .split('\n')
    .map((candidate) => candidate.trim())
    .find((candidate) => candidate.length > 0);
  if (!line) return '';
  const cleaned = line
    .replace(unstorable, '')
    .replace(/^(#+\s*)?(title\s*:\s*)/i, '')
    .replace(/^[\s"'“”‘’`*_#]+|[\s"'“”‘’`*_]+$/g, '')
    .replace(/[.。!！]+$/u, '')
    .replace(/\s+/g, ' ')
    .trim();
  return capLength(cleaned);
}

/** Used when the model gives nothing usable: the first words of the user's message. */
export function fallbackTitle(userText: string): string {
  const words = userText.replace(unstorable, ' ').replace(/\s+/g, ' ').trim().split(' ').slice(0, 6).join(' ');
  return capLength(words.replace(/[.?!,:;]+$/u, '')) || 'New chat';
}
