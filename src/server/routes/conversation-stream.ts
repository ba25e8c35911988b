/**
 * POST /backend-api/conversation: commits the turn, then relays it as ChatGPT's Dec-2023 SSE stream
 * (PROTOCOL.md §4): cumulative `parts`, final event, completion moderation event, `[DONE]`.
 * A model failure before any text is a 502 JSON error (clients ignore in-stream errors, §5.3).
 * The limits come first: a turn over a cap or the concurrent-answer limit is a 429 that writes nothing.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { ConversationService, StartedTurn } from '../../conversation/conversation-service.js';
import type { TurnEvent } from '../../conversation/turn-runner.js';
import { toWireMessage } from '../../conversation/wire-format.js';
import { UpstreamError } from '../../domain-errors.js';
import type { Ids } from '../../ids.js';
import type { Limits, TurnAdmission } from '../../limits/limits-service.js';
import { type ConversationRequest, conversationRequestSchema } from '../../protocol/requests.js';
import { sseContentType, sseData, sseDone, ssePing } from '../../protocol/sse.js';
import { resolveFor, type ServedModel } from '../../providers/model-access.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { MessageRecord, UserRecord } from '../../store/store.js';
import { commonSecurityHeaders, contentSecurityPolicy } from '../security-headers.js';

export interface StreamDeps {
  conversations: ConversationService;
  clock: Clock;
  ids: Ids;
  limits: Limits;
  providers: ProviderRegistry;
}

/** How long the first model output may take before the stream starts anyway (then pings keep it alive). */
const firstEventWaitMs = 10_000;
const pingIntervalMs = 15_000;

type Next = IteratorResult<TurnEvent, undefined>;

function raceTimeout(promise: Promise<Next>, ms: number): Promise<Next | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

class SseWriter {
  private lastWriteMs: number;
  private pending: string | undefined;
  private readonly ping: NodeJS.Timeout;

  constructor(
    private readonly reply: FastifyReply,
    private readonly clock: Clock,
    requestId: string,
  ) {
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': sseContentType,
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      'x-request-id': requestId,
      ...commonSecurityHeaders,
      'content-security-policy': contentSecurityPolicy,
    });
    reply.raw.on('drain', () => this.flushPending());
    this.lastWriteMs = clock.monotonicMs();
    this.ping = setInterval(() => this.keepAlive(), pingIntervalMs);
    this.ping.unref();
  }

  /** Writes now, or — for snapshots while the socket is backed up — keeps only the newest. */
  write(frame: string, droppable = false): void {
    if (this.reply.raw.destroyed) return;
    if (droppable && this.reply.raw.writableNeedDrain) {
      this.pending = frame;
      return;
    }
    this.flushPending();
    this.reply.raw.write(frame);
    this.lastWriteMs = this.clock.monotonicMs();
  }

  private flushPending(): void {
    const frame = this.pending;
    this.pending = undefined;
    if (frame !== undefined && !this.reply.raw.destroyed) this.reply.raw.write(frame);
  }

  private keepAlive(): void {
    if (this.clock.monotonicMs() - this.lastWriteMs >= pingIntervalMs) this.write(ssePing(this.clock.now()));
  }

  end(): void {
    clearInterval(this.ping);
    this.flushPending();
    if (!this.reply.raw.destroyed) this.reply.raw.end(sseDone);
  }
}

function messageFrame(message: MessageRecord, conversationId: string): string {
  return sseData({ message: toWireMessage(message), conversation_id: conversationId, error: null });
}

export class ConversationStream {
  constructor(private readonly deps: StreamDeps) {}

  async handle(request: FastifyRequest, reply: FastifyReply, user: UserRecord): Promise<void> {
    const startMs = this.deps.clock.monotonicMs();
    const body = conversationRequestSchema.parse(request.body);
    // The model the turn will use, within the user's model access (a refused model is a 403 here).
    const served = resolveFor(this.deps.providers, body.model, user.modelAccess);
    const admission = await this.deps.limits.admitTurn(user.id, served.model.slug, String(request.id));
    try {
      await this.answer(request, reply, user.id, body, served, admission, startMs);
    } finally {
      await admission.release();
    }
  }

  private async answer(
    request: FastifyRequest,
    reply: FastifyReply,
    userId: string,
    body: ConversationRequest,
    served: ServedModel,
    admission: TurnAdmission,
    startMs: number,
  ): Promise<void> {
    const requestId = String(request.id);
    const abort = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    const turn = await this.deps.conversations
      .startTurn(userId, body, served, { startMs, requestId })
      .catch(async (error: unknown) => {
        await admission.refund();
        throw error;
      });
    if (reply.raw.destroyed) abort.abort();
    const events = turn.events(abort.signal);
    const firstEvent = events.next();
    const first = await raceTimeout(firstEvent, firstEventWaitMs);
    if (first !== 'timeout' && first.value?.type === 'failed' && !first.value.textSent) {
      await turn.discard();
      await admission.refund();
      throw new UpstreamError(first.value.error);
    }
    const writer = new SseWriter(reply, this.deps.clock, requestId);
    writer.write(messageFrame(turn.plan.assistant, turn.plan.conversation.id));
    try {
      await this.relay(turn, writer, events, firstEvent);
    } finally {
      // Runs the runner's own clean-up if relaying stopped early, so nothing stays in_progress; the
      // lease goes back before `[DONE]`, so a client may start its next answer as soon as it reads it.
      await events.return(undefined);
      await admission.release();
      writer.end();
    }
  }

  private async relay(
    turn: StartedTurn,
    writer: SseWriter,
    events: AsyncGenerator<TurnEvent>,
    first: Promise<Next>,
  ): Promise<void> {
    const conversationId = turn.plan.conversation.id;
    for (let next = await first; !next.done; next = await events.next()) {
      const event = next.value;
      if (event.type === 'progress') writer.write(messageFrame(event.message, conversationId), true);
      else if (event.type === 'done') this.finish(writer, event.message, conversationId);
      else {
        writer.write(messageFrame(event.message, conversationId));
        writer.write(sseData({ message: null, conversation_id: conversationId, error: event.error }));
      }
    }
  }

  private finish(writer: SseWriter, message: MessageRecord, conversationId: string): void {
    writer.write(messageFrame(message, conversationId));
    writer.write(
      sseData({
        conversation_id: conversationId,
        message_id: message.id,
        is_completion: true,
        moderation_response: { flagged: false, blocked: false, moderation_id: `modr-${this.deps.ids.hex(24)}` },
      }),
    );
  }
}
