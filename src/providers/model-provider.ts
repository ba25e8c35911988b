/**
 * The ModelProvider seam: a source of streamed chat completions.
 *
 * Contract (checked by test/providers/provider-contract.test.ts on every implementation):
 * - `streamChat` yields zero or more `text-delta` parts and then exactly one `finish` or `error`
 *   part, and nothing after it.
 * - It never throws for upstream failures: they arrive as an `error` part (before or after text).
 * - Aborting `signal` stops the upstream request promptly; the iterable then ends with
 *   `finish` of reason `aborted`.
 */

export interface ModelInfo {
  /** The slug clients send in `model` and see in `/backend-api/models`. Unique across providers. */
  slug: string;
  /** The model name sent to the upstream. */
  upstreamModel: string;
  /** Human title for pickers, e.g. "Llama 3.1 8B" or "Demo (no model configured)". */
  title: string;
  description: string;
  /** Context window in tokens (prompt + completion). */
  contextWindow: number;
  /** Max completion tokens requested per turn. */
  maxOutputTokens: number;
  /** The built-in demo model, never a real LLM. */
  isDemo: boolean;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  model: ModelInfo;
  messages: ChatMessage[];
  maxOutputTokens: number;
  /**
   * Why the text is wanted. `title`: the last user message asks for a short conversation title
   * (real models just follow it; the demo model derives a title from the conversation).
   */
  purpose: 'chat' | 'title';
}

export type FinishReason = 'stop' | 'max_tokens' | 'aborted';

export type StreamPart =
  | { type: 'text-delta'; text: string }
  | { type: 'finish'; reason: FinishReason; usage?: { promptTokens: number; completionTokens: number } }
  | { type: 'error'; message: string; status?: number };

export interface ModelProvider {
  readonly id: string;
  listModels(signal?: AbortSignal): Promise<ModelInfo[]>;
  streamChat(request: ChatRequest, signal: AbortSignal): AsyncIterable<StreamPart>;
}
