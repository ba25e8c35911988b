/**
 * Builds the model prompt from the tree path root → parent and trims it to the model's context
 * window by token count, dropping the oldest turns first. The path is read only as far up as the
 * window can use (`promptPath`): a turn in a 10,000-message conversation reads its last few dozen.
 */
import { InvalidRequestError } from '../domain-errors.js';
import type { ChatMessage, ModelInfo } from '../providers/model-provider.js';
import type { MessageRecord } from '../store/store.js';
import { countTokens } from './token-count.js';

/** Tokens a chat format spends per message on role markers (OpenAI's documented estimate). */
const perMessageOverhead = 4;

export function messageText(message: MessageRecord): string {
  return message.parts.filter((part): part is string => typeof part === 'string').join('\n');
}

/** Path messages as chat messages; a continuation chain of assistant nodes becomes one message. */
export function toChatMessages(path: readonly MessageRecord[]): ChatMessage[] {
  const chat: ChatMessage[] = [];
  for (const message of path) {
    if (message.role !== 'user' && message.role !== 'assistant' && message.role !== 'system') continue;
    const content = messageText(message);
    if (message.role === 'system' && content === '') continue;
    const previous = chat.at(-1);
    if (message.role === 'assistant' && previous?.role === 'assistant') previous.content += content;
    else chat.push({ role: message.role, content });
  }
  return chat;
}

/**
 * Token counts of recent texts: a turn counts the messages of its window, and the next turn of the same
 * conversation counts most of them again (and `promptPath` and `trimToContext` count the same ones).
 * Bounded by the characters it holds; the oldest entries go first.
 */
const tokenMemo = new Map<string, number>();
const tokenMemoMaxChars = 4_000_000;
let tokenMemoChars = 0;

function tokensOf(text: string): number {
  const known = tokenMemo.get(text);
  if (known !== undefined) return known;
  const count = countTokens(text);
  tokenMemo.set(text, count);
  tokenMemoChars += text.length;
  for (const [oldest] of tokenMemo) {
    if (tokenMemoChars <= tokenMemoMaxChars) break;
    tokenMemo.delete(oldest);
    tokenMemoChars -= oldest.length;
  }
  return count;
}

function cost(message: ChatMessage): number {
  return tokensOf(message.content) + perMessageOverhead;
}

function budgetOf(model: ModelInfo): number {
  return model.contextWindow - model.maxOutputTokens;
}

/** Keeps the newest messages that fit `contextWindow - maxOutputTokens`; system messages are kept first. */
export function trimToContext(messages: readonly ChatMessage[], model: ModelInfo): ChatMessage[] {
  const budget = budgetOf(model);
  const system = messages.filter((message) => message.role === 'system');
  const turns = messages.filter((message) => message.role !== 'system');
  let used = system.reduce((sum, message) => sum + cost(message), 0);
  const kept: ChatMessage[] = [];
  for (let index = turns.length - 1; index >= 0; index--) {
    const message = turns[index];
    if (!message) continue;
    const spent = cost(message);
    if (used + spent > budget) break;
    used += spent;
    kept.unshift(message);
  }
  if (turns.length > 0 && kept.length === 0) {
    throw new InvalidRequestError(
      `The message is too long for ${model.title}: it accepts ${budget} tokens of prompt. Shorten it or choose a model with a larger context window.`,
    );
  }
  // Chat templates expect the first turn after the system prompt to be the user's.
  while (kept.length > 1 && kept[0]?.role === 'assistant') kept.shift();
  return [...system, ...kept];
}

export function buildPrompt(path: readonly MessageRecord[], model: ModelInfo): ChatMessage[] {
  return trimToContext(toChatMessages(path), model);
}

/** Where `promptPath` reads: the path up to a message (its last `maxMessages`), and the system prompt. */
export interface PathSource {
  /** The last `maxMessages` messages of the path root → `leafId`, root first (empty when `leafId` is unknown). */
  path(leafId: string, maxMessages: number): Promise<MessageRecord[]>;
  /** The conversation's system message (custom instructions) when it has one; read only when needed. */
  systemMessage(): Promise<MessageRecord | undefined>;
}

/**
 * The first read takes as many messages as the window holds at ~128 tokens each (chat turns are mostly
 * shorter), within 32–256; each further read twice as many as the last. One read usually covers the
 * window: on PostgreSQL every further read is another round trip before the model is asked.
 */
const assumedTokensPerMessage = 128;
const firstReadRange = { min: 32, max: 256 };

function firstReadMessages(budget: number): number {
  return Math.min(firstReadRange.max, Math.max(firstReadRange.min, Math.ceil(budget / assumedTokensPerMessage)));
}

/**
 * How many of the newest messages filled the window the last time a conversation's path was read for
 * a window of this size, in this process. The next turn's first read takes that many and a few more
 * (the turn before added a question and an answer) instead of the window at an assumed 128 tokens a
 * message: P4's ~1 KB messages fill gpt-3.5-turbo's window at 55, where the assumption reads 96. A
 * hint too small costs one more read, never a different prompt. Bounded; the oldest entries go first.
 */
const fitHints = new Map<string, number>();
const fitHintsMax = 10_000;
const fitHintMargin = 8;

function firstRead(budget: number, hintKey: string | undefined): number {
  const fitted = hintKey === undefined ? undefined : fitHints.get(hintKey);
  if (fitted === undefined) return firstReadMessages(budget);
  return Math.min(firstReadRange.max, fitted + fitHintMargin);
}

/** Remembers for `hintKey` how many of the newest messages of `path` fit `budget` (all of them when all do). */
function rememberFit(hintKey: string | undefined, path: readonly MessageRecord[], budget: number): void {
  if (hintKey === undefined) return;
  let spent = 0;
  let fitted = 0;
  for (let index = path.length - 1; index >= 0; index--) {
    const message = path[index];
    if (message) spent += tokensOf(messageText(message)) + perMessageOverhead;
    if (spent > budget) break;
    fitted += 1;
  }
  fitHints.delete(hintKey);
  fitHints.set(hintKey, fitted);
  if (fitHints.size > fitHintsMax) fitHints.delete(fitHints.keys().next().value as string);
}

/** Whether `messages` cost more than `budget` tokens; counted newest first, and only until it does. */
function exceeds(messages: readonly ChatMessage[], budget: number): boolean {
  let spent = 0;
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (message) spent += cost(message);
    if (spent > budget) return true;
  }
  return false;
}

/**
 * The part of the path root → `leafId` that a prompt for `model` can use, root side first, ending at
 * `leafId` (empty when it is unknown). Read upwards in growing steps until the messages read already
 * cost more tokens than the window holds — trimming stops within them, so older ones could never be
 * sent — or the root is reached. When the root is not reached the conversation's system message is
 * put first: `buildPrompt` then gives exactly what it gives for the whole path (a system message in the
 * middle of a long path, which backchat never writes, is the one difference).
 */
export async function promptPath(
  source: PathSource,
  leafId: string,
  model: ModelInfo,
  conversationId?: string,
): Promise<MessageRecord[]> {
  const budget = budgetOf(model);
  const hintKey = conversationId === undefined ? undefined : `${conversationId}\n${budget}`;
  let path: MessageRecord[] = [];
  let from = leafId;
  for (let size = firstRead(budget, hintKey); ; size = Math.max(size * 2, firstReadRange.min)) {
    const part = await source.path(from, size);
    path = [...part, ...path];
    const top = part[0];
    if (!top || top.parentId === null || part.length < size) {
      if (top) rememberFit(hintKey, path, budget);
      return path;
    }
    if (exceeds(toChatMessages(path), budget)) break;
    from = top.parentId;
  }
  rememberFit(hintKey, path, budget);
  const system = await source.systemMessage();
  return system && system.role === 'system' && !path.some((message) => message.id === system.id)
    ? [system, ...path]
    : path;
}
