/**
 * Writes an answer's hub events to one HTTP response as ChatGPT's event stream. Per reader, buffering
 * is bounded: while the socket is backed up, only the newest snapshot waits (parts are cumulative,
 * nothing is lost); the few other events of an answer (final message, error, moderation, `[DONE]`) are
 * handed to the socket at once — so a reader that stops reading neither grows memory nor slows the
 * answer or the other readers.
 */
import type { FastifyReply } from 'fastify';
import type { Clock } from '../clock.js';
import type { AnswerEvent } from '../generation/answer-hub.js';
import { isLastEvent } from '../generation/answer-hub.js';
import { errorData } from '../generation/answer-jobs.js';
import { doneData, sseContentType, sseEvent, ssePing } from '../protocol/sse.js';
import { sseDelta, textInsertion } from '../protocol/stream-deltas.js';
import { commonSecurityHeaders, contentSecurityPolicy } from './security-headers.js';

const pingIntervalMs = 15_000;

export interface AnswerResponseOptions {
  requestId: string;
  conversationId: string;
  /** Resumable streams carry `id:` lines (background answers, reattaching); ChatGPT's stream does not. */
  withIds: boolean;
  /**
   * The client asked for delta events (`X-Backchat-Deltas: 1`, protocol/stream-deltas.ts): an event
   * that only inserts text into the one written before it is written as that insertion.
   */
  deltas?: boolean;
}

export class AnswerResponse {
  /** The newest snapshot not yet written, while the socket is backed up. */
  private pending: AnswerEvent | undefined;
  /** The payload of the last JSON event written, which a delta event is relative to (with `deltas`). */
  private lastPayload: string | undefined;
  private lastWriteMs: number;
  private readonly ping: NodeJS.Timeout;
  private finish!: () => void;
  /** Resolves once the last event is written or the client is gone. */
  readonly finished = new Promise<void>((resolve) => {
    this.finish = resolve;
  });

  constructor(
    private readonly reply: FastifyReply,
    private readonly clock: Clock,
    private readonly options: AnswerResponseOptions,
  ) {
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': sseContentType,
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      'x-request-id': options.requestId,
      ...commonSecurityHeaders,
      'content-security-policy': contentSecurityPolicy,
    });
    // A reader attaching to a quiet answer learns at once that the stream is open. (ChatGPT's stream
    // always has its first event ready: its headers go with it, as they always did.)
    if (options.withIds) reply.raw.flushHeaders();
    reply.raw.on('drain', () => this.flushPending());
    reply.raw.on('close', () => this.end());
    this.lastWriteMs = clock.monotonicMs();
    this.ping = setInterval(() => this.keepAlive(), pingIntervalMs);
    this.ping.unref();
  }

  /**
   * Takes the next event of the answer: a snapshot waits (replacing any older one) while the socket is
   * backed up; every other event — a handful per answer — is written at once, after the waiting snapshot.
   */
  deliver(event: AnswerEvent): void {
    if (this.reply.raw.destroyed) return;
    if (event.kind === 'snapshot' && this.reply.raw.writableNeedDrain) {
      this.pending = event;
      return;
    }
    this.flushPending();
    this.write(event);
  }

  private flushPending(): void {
    const event = this.pending;
    this.pending = undefined;
    if (event) this.write(event);
  }

  private write(event: AnswerEvent): void {
    if (this.reply.raw.destroyed) return;
    this.reply.raw.write(this.frame(event));
    this.lastWriteMs = this.clock.monotonicMs();
    if (isLastEvent(event)) this.end();
  }

  private frame(event: AnswerEvent): string {
    const id = this.options.withIds ? event.id : undefined;
    if (this.options.deltas && (event.kind === 'snapshot' || event.kind === 'event')) {
      const previous = this.lastPayload;
      this.lastPayload = event.data;
      const insertion = previous === undefined ? undefined : textInsertion(previous, event.data);
      if (insertion) return sseDelta(insertion, id);
    }
    if (event.kind !== 'rejected') return sseEvent(event.data, id);
    // The model failed before any text, but this stream had already started: say so, then end.
    return sseEvent(errorData(this.options.conversationId, event.data), id) + sseEvent(doneData, id);
  }

  /**
   * Hands what was written so far to the socket now. Node corks a response's socket at a write until
   * the next tick, to send the writes of one tick together; but an answer's events are made in a chain
   * of microtasks that can last as long as the whole answer when the model's chunks arrived at once
   * (its rows are committed in it too), and the first token would wait for all of it.
   */
  flush(): void {
    const socket = this.reply.raw.socket;
    if (socket && socket.writableCorked > 0 && !socket.destroyed) socket.uncork();
  }

  private keepAlive(): void {
    if (this.clock.monotonicMs() - this.lastWriteMs < pingIntervalMs) return;
    if (this.reply.raw.destroyed || this.reply.raw.writableNeedDrain) return;
    this.reply.raw.write(ssePing(this.clock.now()));
    this.lastWriteMs = this.clock.monotonicMs();
  }

  /** Ends the response (after the last event, or when the client left). */
  end(): void {
    clearInterval(this.ping);
    if (!this.reply.raw.destroyed && !this.reply.raw.writableEnded) this.reply.raw.end();
    this.finish();
  }
}

/**
 * Holds a subscription's events until the response exists (the first output may decide between a
 * stream and a 502), then forwards them.
 */
export class EventGate {
  private readonly held: AnswerEvent[] = [];
  private target: AnswerResponse | undefined;
  private waiter: ((event: AnswerEvent) => void) | undefined;

  readonly listener = (event: AnswerEvent): void => {
    if (this.target) {
      this.target.deliver(event);
      return;
    }
    this.held.push(event);
    this.waiter?.(event);
  };

  /** Resolves with the first held event that `accept` takes, or 'timeout' after `ms`. */
  waitFor(accept: (event: AnswerEvent) => boolean, ms: number): Promise<AnswerEvent | 'timeout'> {
    const found = this.held.find(accept);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve('timeout');
      }, ms);
      this.waiter = (event) => {
        if (!accept(event)) return;
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(event);
      };
    });
  }

  /** Sends what is held to `response` at once (the first output), then every later event directly. */
  forward(response: AnswerResponse): void {
    this.target = response;
    for (const event of this.held.splice(0)) response.deliver(event);
    response.flush();
  }
}
