/**
 * The demo model's reply: honest markdown built only from the request (what was asked, facts about
 * the prompt) with a deterministic choice of extras (code language, table, formula).
 */
import type { ChatMessage } from '../model-provider.js';
import { stableHash } from './stable-hash.js';
import { countPromptTokens } from './token-budget.js';

const maxQuoteChars = 280;
const wordPattern = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;

/** What the demo knows about the request it answers. */
interface PromptFacts {
  question: string;
  words: string[];
  turn: number;
  messageCount: number;
  promptTokens: number;
  hash: number;
}

function factsOf(messages: readonly ChatMessage[]): PromptFacts {
  const userMessages = messages.filter((message) => message.role === 'user');
  const question = (userMessages.at(-1)?.content ?? '').trim();
  return {
    question,
    words: question.match(wordPattern) ?? [],
    turn: userMessages.length,
    messageCount: messages.length,
    promptTokens: countPromptTokens(messages),
    hash: stableHash(question),
  };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function quoteSection(question: string): string {
  if (question === '') return 'You sent an empty message.';
  const clipped = question.length > maxQuoteChars ? `${question.slice(0, maxQuoteChars).trimEnd()}…` : question;
  const quoted = clipped
    .split('\n')
    .map((line) => `> ${line}`.trimEnd())
    .join('\n');
  return `You asked:\n\n${quoted}`;
}

function factsSection(facts: PromptFacts): string {
  return [
    'About this request:',
    '',
    `- Turn ${facts.turn} of this conversation.`,
    `- The prompt I received has ${plural(facts.messageCount, 'message')} and ${plural(facts.promptTokens, 'token')} (o200k_base).`,
    `- Your message has ${plural(facts.words.length, 'word')} and ${plural(Array.from(facts.question).length, 'character')}.`,
  ].join('\n');
}

function codeSection(facts: PromptFacts): string {
  const sample = facts.words.slice(0, 5).map((word) => JSON.stringify(word.toLowerCase()));
  const count = facts.words.length;
  const variants = [
    `\`\`\`ts\nconst firstWords = [${sample.join(', ')}];\nconsole.log(firstWords.length); // ${sample.length} of ${count}\n\`\`\``,
    `\`\`\`python\nfirst_words = [${sample.join(', ')}]\nprint(len(first_words))  # ${sample.length} of ${count}\n\`\`\``,
    `\`\`\`json\n{ "turn": ${facts.turn}, "words": ${count}, "promptTokens": ${facts.promptTokens} }\n\`\`\``,
  ];
  return `Your words as code:\n\n${variants[facts.hash % variants.length]}`;
}

function tableSection(facts: PromptFacts): string | undefined {
  if (facts.hash % 3 !== 0 || facts.words.length === 0) return undefined;
  const longest = [...new Set(facts.words)].sort((a, b) => b.length - a.length || a.localeCompare(b)).slice(0, 4);
  const rows = longest.map((word) => `| ${word} | ${Array.from(word).length} |`);
  return ['| Word | Characters |', '| --- | ---: |', ...rows].join('\n');
}

function formulaSection(facts: PromptFacts): string | undefined {
  if (facts.hash % 4 !== 1) return undefined;
  const n = facts.words.length;
  return `With \\( n = ${n} \\) words, \\( n^2 = ${n * n} \\).`;
}

const closing =
  'This is backchat’s built-in demo model, not an LLM: it only restates your message. To chat with a real ' +
  'model, set `OPENAI_BASE_URL` and `OPENAI_API_KEY` (any OpenAI-compatible server) or run Ollama on this ' +
  'machine, then restart backchat.';

/**
 * The full demo reply to `messages` (the prompt, ending with the user's message). Deterministic:
 * the same messages always give the same text.
 */
export function composeDemoReply(messages: readonly ChatMessage[]): string {
  const facts = factsOf(messages);
  const sections = [
    '**Demo reply** (no model is configured).',
    quoteSection(facts.question),
    factsSection(facts),
    codeSection(facts),
    tableSection(facts),
    formulaSection(facts),
    closing,
  ];
  return sections.filter((section) => section !== undefined).join('\n\n');
}

const foreignContinuation =
  '\n\n_(The demo model can only continue replies it wrote itself, and this one stopped somewhere else, ' +
  'so there is nothing to add.)_';

/**
 * The rest of a reply for a "continue" request (the last message is the assistant's partial text).
 * If that text is a prefix of the demo reply to the earlier messages, the continuation is exactly
 * the missing remainder; otherwise it is a fixed note saying there is nothing to add.
 */
export function continueDemoReply(messages: readonly ChatMessage[]): string {
  const partial = messages.at(-1)?.content ?? '';
  const full = composeDemoReply(messages.slice(0, -1));
  if (full.startsWith(partial)) return full.slice(partial.length);
  const trimmed = partial.trimEnd();
  if (full.startsWith(trimmed)) return full.slice(trimmed.length);
  return foreignContinuation;
}
