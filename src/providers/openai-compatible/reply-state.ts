/** What an OpenAI chat-completions stream has said so far: text length, finish reason, usage. */

/** The parts of a `chat.completion.chunk` we read; every field is optional because upstreams vary. */
export interface UpstreamChunk {
  choices?: ReadonlyArray<{ delta?: { content?: string | null } | null; finish_reason?: string | null }> | null;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

/** How the upstream said the reply ended. `content_filter` is kept apart: it is reported as an error. */
export type UpstreamFinish = 'stop' | 'max_tokens' | 'content_filter';

function mapFinishReason(reason: string): UpstreamFinish {
  if (reason === 'length') return 'max_tokens';
  if (reason === 'content_filter') return 'content_filter';
  // stop, tool_calls, function_call and server-specific reasons all mean "the model is done".
  return 'stop';
}

/** Accumulates one reply's stream; `take` returns each chunk's text. */
export class ReplyState {
  finish: UpstreamFinish | undefined;
  usage: { promptTokens: number; completionTokens: number } | undefined;
  chars = 0;

  /** Records the chunk's finish reason and usage; returns its text ('' when none). */
  take(chunk: UpstreamChunk | null | undefined): string {
    if (!chunk) return '';
    const choice = chunk.choices?.[0];
    if (choice?.finish_reason) this.finish = mapFinishReason(choice.finish_reason);
    if (chunk.usage) {
      const { prompt_tokens = 0, completion_tokens = 0 } = chunk.usage;
      this.usage = { promptTokens: prompt_tokens, completionTokens: completion_tokens };
    }
    const text = choice?.delta?.content ?? '';
    this.chars += text.length;
    return text;
  }
}
