/**
 * Runs the model for one planned turn: provider parts → cumulative message snapshots, partial text
 * checkpointed at most once per interval, and one final persisted state whatever happens (finished,
 * cut by max tokens, stopped by the client, failed upstream). Never leaves `in_progress` behind.
 */
// Resolves in the event loop's next check phase, after the I/O callbacks already waiting.
import { setImmediate as afterWaitingIo } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import { epochSeconds } from '../clock.js';
import type { Ids } from '../ids.js';
import type {
  ChatMessage,
  ChatRequest,
  FinishReason,
  ModelInfo,
  ModelProvider,
  StreamPart,
} from '../providers/model-provider.js';
import type {
  ConversationStore,
  GenerationStore,
  LatencyReport,
  MessageRecord,
  Transactional,
} from '../store/store.js';
import { latencyMetrics } from '../telemetry/latency-stats.js';
import { countTokens } from './token-count.js';
import type { TurnPlan } from './turn-planner.js';

export type TurnEvent =
  /** More text: `delta` was appended to the answer (the plan's assistant message, `in_progress`). */
  | { type: 'progress'; delta: string }
  /** The final message as persisted (finished, max tokens, or interrupted by the client). */
  | { type: 'done'; message: MessageRecord }
  /** The upstream failed; `message` is the partial answer as persisted. */
  | { type: 'failed'; error: string; message: MessageRecord; textSent: boolean };

export interface TurnRunnerDeps {
  store: Transactional<ConversationStore & GenerationStore>;
  clock: Clock;
  ids: Ids;
  /** Minimum milliseconds between two checkpoints of the partial text. */
  checkpointIntervalMs: number;
}

/** The model's reply to a turn, asked for before the turn's rows were committed (`askEarly`). */
export interface EarlyReply {
  readonly parts: AsyncIterable<StreamPart>;
  /** Stops the request: the rows were never committed, or the answer was stopped. */
  abort(): void;
}

/** The chat request of a turn's prompt. */
export function chatRequest(model: ModelInfo, prompt: ChatMessage[]): ChatRequest {
  return { model, messages: prompt, maxOutputTokens: model.maxOutputTokens, purpose: 'chat' };
}

/**
 * Why an early reply is stopped. Given to `abort()`, which otherwise makes a DOMException (with its
 * stack) every time: every turn stops its reply once read, and that was ~50 µs of each turn's CPU.
 */
const replyNotNeeded = new Error('the turn no longer reads this reply');

/**
 * Asks the provider now, while the turn's rows are being written: the upstream has the request by the
 * time the runner starts reading (an async generator does nothing until its first `next()`, so that
 * step is taken here and its promise handed to the reader). Nothing is stored or sent to anyone before
 * the runner reads, which happens only once the rows are committed.
 */
export function askEarly(provider: ModelProvider, request: ChatRequest): EarlyReply {
  const controller = new AbortController();
  const iterator = provider.streamChat(request, controller.signal)[Symbol.asyncIterator]();
  const first = iterator.next();
  // Providers report failures as parts, never by throwing; a reply nobody reads is never unhandled.
  first.catch(() => {});
  let firstTaken = false;
  const parts: AsyncIterable<StreamPart> = {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        if (firstTaken) return iterator.next();
        firstTaken = true;
        return first;
      },
      return: async (value?: unknown) => {
        controller.abort(replyNotNeeded);
        return (await iterator.return?.(value)) ?? { done: true, value: undefined };
      },
    }),
  };
  return { parts, abort: () => controller.abort(replyNotNeeded) };
}

export interface TurnRun {
  userId: string;
  plan: TurnPlan;
  /** The model's reply, asked for while the turn's rows were written (`askEarly`). */
  reply: EarlyReply;
  /** `clock.monotonicMs()` when the request arrived. */
  startMs: number;
  /** The id the response carried in its `x-request-id` header (joins client and server latency reports). */
  requestId: string | null;
}

/** OpenAI's `<|im_end|>`-era stop token id that ChatGPT reported from Nov 2023 on. */
const stopTokens = [100260];

type Ending = { reason: FinishReason } | { reason: 'error'; error: string };

function finalFields(
  base: MessageRecord,
  text: string,
  ending: Ending,
): Pick<MessageRecord, 'parts' | 'status' | 'endTurn' | 'metadata'> {
  const { message_type, model_slug, parent_id } = base.metadata;
  const tail = { message_type, model_slug, parent_id, timestamp_: 'absolute' };
  if (ending.reason === 'stop') {
    const metadata = { finish_details: { type: 'stop', stop_tokens: stopTokens }, is_complete: true, ...tail };
    return { parts: [text], status: 'finished_successfully', endTurn: true, metadata };
  }
  if (ending.reason === 'max_tokens') {
    const metadata = { finish_details: { type: 'max_tokens' }, is_complete: true, ...tail };
    return { parts: [text], status: 'finished_successfully', endTurn: false, metadata };
  }
  const metadata = { finish_details: { type: 'interrupted' }, is_complete: false, ...tail };
  return { parts: [text], status: 'finished_partial_completion', endTurn: false, metadata };
}

export class TurnRunner {
  private text = '';
  private readonly chunkMs: number[] = [];
  private lastCheckpointMs: number;
  private settled = false;

  constructor(
    private readonly deps: TurnRunnerDeps,
    private readonly run: TurnRun,
  ) {
    this.lastCheckpointMs = run.startMs;
  }

  async *events(signal: AbortSignal): AsyncGenerator<TurnEvent> {
    const { reply } = this.run;
    if (signal.aborted) reply.abort();
    else signal.addEventListener('abort', () => reply.abort(), { once: true });
    try {
      for await (const part of reply.parts) {
        if (part.type === 'text-delta') {
          if (part.text === '') continue;
          this.text += part.text;
          this.chunkMs.push(this.deps.clock.monotonicMs());
          await this.checkpoint();
          yield { type: 'progress', delta: part.text };
        } else if (part.type === 'finish') {
          yield { type: 'done', message: await this.settle({ reason: part.reason }, part.usage?.completionTokens) };
          return;
        } else {
          const message = await this.settle({ reason: 'error', error: part.message });
          yield { type: 'failed', error: part.message, message, textSent: this.text !== '' };
          return;
        }
      }
      yield { type: 'done', message: await this.settle({ reason: signal.aborted ? 'aborted' : 'stop' }) };
    } finally {
      // The consumer left early (client gone): keep what we have, marked interrupted.
      if (!this.settled) await this.settle({ reason: 'aborted' });
    }
  }

  private async checkpoint(): Promise<void> {
    const now = this.deps.clock.monotonicMs();
    if (now - this.lastCheckpointMs < this.deps.checkpointIntervalMs) return;
    this.lastCheckpointMs = now;
    const { userId, plan } = this.run;
    // Best effort: a checkpoint that fails (the database blinked) does not end the answer; the next
    // one, or the final state, writes the whole text. If the database stays away, the final write fails
    // and the reader gets an in-stream error.
    await this.deps.store
      .updateMessage(userId, plan.conversation.id, plan.assistant.id, { parts: [this.text] })
      .catch(() => {});
  }

  /**
   * The final state and the server's latency report, in one write. `answerTokens` is the upstream's own
   * count when it sent one (its `usage`); otherwise the text is counted here.
   */
  private async settle(ending: Ending, answerTokens?: number): Promise<MessageRecord> {
    this.settled = true;
    const { userId, plan } = this.run;
    const fields = finalFields(plan.assistant, this.text, ending);
    const now = epochSeconds(this.deps.clock.now());
    const report = this.latencyReport(now, answerTokens ?? countTokens(this.text));
    // Written once the I/O already waiting has been handled: when many turns run at once, the requests,
    // model replies and first outputs of the others go ahead of the final writes of those that ended
    // (100 one-token turns at once: first output 245 → 150 ms p50, docs/performance.md). One turn
    // alone waits a few microseconds.
    await afterWaitingIo();
    await this.deps.store.finishAnswer(userId, plan.conversation.id, plan.assistant.id, fields, now, report);
    return { ...plan.assistant, ...fields };
  }

  private latencyReport(now: number, tokenCount: number): LatencyReport {
    const { userId, plan, startMs, requestId } = this.run;
    const metrics = latencyMetrics({
      startMs,
      chunkMs: this.chunkMs,
      endMs: this.deps.clock.monotonicMs(),
      tokenCount,
    });
    return {
      id: this.deps.ids.uuid(),
      userId,
      source: 'server',
      model: plan.model.slug,
      serverRequestId: requestId,
      conversationId: plan.conversation.id,
      messageId: plan.assistant.id,
      createTime: now,
      ...metrics,
    };
  }
}
