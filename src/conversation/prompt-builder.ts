/**
 * Builds the model prompt from the tree path root → parent and trims it to the model's context
 * window by token count, dropping the oldest turns first.
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

/** Keeps the newest messages that fit `contextWindow - maxOutputTokens`; system messages are kept first. */
export function trimToContext(messages: readonly ChatMessage[], model: ModelInfo): ChatMessage[] {
  const budget = model.contextWindow - model.maxOutputTokens;
  const system = messages.filter((message) => message.role === 'system');
  const turns = messages.filter((message) => message.role !== 'system');
  let used = system.reduce((sum, message) => sum + countTokens(message.content) + perMessageOverhead, 0);
  const kept: ChatMessage[] = [];
  for (let index = turns.length - 1; index >= 0; index--) {
    const message = turns[index];
    if (!message) continue;
    const cost = countTokens(message.content) + perMessageOverhead;
    if (used + cost > budget) break;
    used += cost;
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
