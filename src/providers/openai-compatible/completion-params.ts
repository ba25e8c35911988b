/** The `/v1/chat/completions` request body for one ChatRequest. */
import type { ChatMessage, ChatRequest } from '../model-provider.js';

/** The streaming `/v1/chat/completions` request body we send (the fields of OpenAI's API we use). */
export interface CompletionParams {
  model: string;
  messages: Array<Pick<ChatMessage, 'role' | 'content'>>;
  /** OpenAI-compatible servers' output limit. */
  max_tokens?: number;
  /** api.openai.com's output limit. */
  max_completion_tokens?: number;
  stream: true;
  stream_options: { include_usage: true };
}

/**
 * api.openai.com wants `max_completion_tokens` (its reasoning models reject `max_tokens`);
 * OpenAI-compatible servers (Ollama, vLLM, llama.cpp) know only `max_tokens`.
 */
export function usesMaxCompletionTokens(baseUrl: string): boolean {
  try {
    return new URL(baseUrl).hostname === 'api.openai.com';
  } catch {
    return false;
  }
}

/** A streaming request with a usage chunk at the end. */
export function completionParams(request: ChatRequest, baseUrl: string): CompletionParams {
  const limit = usesMaxCompletionTokens(baseUrl)
    ? { max_completion_tokens: request.maxOutputTokens }
    : { max_tokens: request.maxOutputTokens };
  return {
    model: request.model.upstreamModel,
    messages: request.messages.map(({ role, content }) => ({ role, content })),
    ...limit,
    stream: true,
    stream_options: { include_usage: true },
  };
}
