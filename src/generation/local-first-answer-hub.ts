/**
 * The hub of an instance among several: answers this process writes are served from memory (its own
 * readers get every token without a round trip to Redis) and mirrored to the shared hub (Redis) for
 * readers on other instances; answers other processes write come from the shared hub.
 *
 * The mirror never holds up the answer: each answer has one queue of events to copy, sent one call at
 * a time, in which a snapshot that has not gone out yet is replaced by a newer one (parts are
 * cumulative, so a slow Redis receives fewer snapshots, never stale ones, and memory stays bounded).
 * Event ids may then skip numbers in the shared copy; readers only need them to increase.
 *
 * When Redis fails, this process's own readers are unaffected; other instances' readers see the
 * answer end (the shared hub's liveness expires), and new turns fail with a 503 at `open`.
 */
import type { AnswerEvent, AnswerHub, AnswerState, LiveAnswer, Subscription } from './answer-hub.js';
import type { MemoryAnswerHub } from './memory-answer-hub.js';

interface Mirror {
  queue: AnswerEvent[];
  /** `end` was called: after the queue, end the shared copy. */
  ending: boolean;
  sending: boolean;
}

export class LocalFirstAnswerHub implements AnswerHub {
  readonly #mirrors = new Map<string, Mirror>();
  #mirrorFailures = 0;

  constructor(
    private readonly local: MemoryAnswerHub,
    private readonly shared: AnswerHub,
    private readonly log: (message: string) => void = () => {},
  ) {}

  async open(answer: LiveAnswer): Promise<void> {
    // Shared first: when Redis is down the turn is refused (503) before anything runs.
    await this.shared.open(answer);
    await this.local.open(answer);
    this.#mirrors.set(answer.answerId, { queue: [], ending: false, sending: false });
  }

  async publish(answerId: string, event: AnswerEvent): Promise<void> {
    await this.local.publish(answerId, event);
    const mirror = this.#mirrors.get(answerId);
    if (!mirror) return;
    const last = mirror.queue.at(-1);
    if (event.kind === 'snapshot' && last?.kind === 'snapshot') mirror.queue[mirror.queue.length - 1] = event;
    else mirror.queue.push(event);
    this.#pump(answerId, mirror);
  }

  async end(answerId: string): Promise<void> {
    await this.local.end(answerId);
    const mirror = this.#mirrors.get(answerId);
    if (!mirror) return;
    mirror.ending = true;
    this.#pump(answerId, mirror);
  }

  /** Sends the mirror's queue to the shared hub, one call at a time; never throws. */
  #pump(answerId: string, mirror: Mirror): void {
    if (mirror.sending) return;
    mirror.sending = true;
    const next = async (): Promise<void> => {
      for (let event = mirror.queue.shift(); event; event = mirror.queue.shift()) {
        await this.shared.publish(answerId, event).catch((error: Error) => this.#mirrorFailed(error));
      }
      if (mirror.ending) {
        this.#mirrors.delete(answerId);
        await this.shared.end(answerId).catch((error: Error) => this.#mirrorFailed(error));
      }
    };
    void next().finally(() => {
      mirror.sending = false;
      if (mirror.queue.length > 0 || (mirror.ending && this.#mirrors.has(answerId))) this.#pump(answerId, mirror);
    });
  }

  #mirrorFailed(error: Error): void {
    // One line per burst of failures, not one per token.
    if (this.#mirrorFailures++ % 1000 === 0) {
      this.log(`could not copy an answer's events to Redis (${error.message}); other instances' readers miss them`);
    }
  }

  /** The shared registry decides which answer is newest (another instance may have started one since). */
  async find(ownerId: string, conversationId: string): Promise<AnswerState | undefined> {
    const local = await this.local.find(ownerId, conversationId);
    let shared: AnswerState | undefined;
    try {
      shared = await this.shared.find(ownerId, conversationId);
    } catch (error) {
      if (local) return local;
      throw error;
    }
    return shared && local?.answer.answerId !== shared.answer.answerId ? shared : (local ?? shared);
  }

  async get(ownerId: string, answerId: string): Promise<AnswerState | undefined> {
    return (await this.local.get(ownerId, answerId)) ?? this.shared.get(ownerId, answerId);
  }

  async subscribe(
    answerId: string,
    afterId: number,
    listener: (event: AnswerEvent) => void,
  ): Promise<Subscription | false> {
    const local = await this.local.subscribe(answerId, afterId, listener);
    return local || this.shared.subscribe(answerId, afterId, listener);
  }

  async requestStop(answerId: string): Promise<void> {
    if (this.local.isLive(answerId)) await this.local.requestStop(answerId);
    else await this.shared.requestStop(answerId);
  }

  async onStopRequest(listener: (answerId: string) => void): Promise<() => void> {
    const fromLocal = await this.local.onStopRequest(listener);
    const fromShared = await this.shared.onStopRequest(listener);
    return () => {
      fromLocal();
      fromShared();
    };
  }

  async dispose(): Promise<void> {
    await Promise.all([this.local.dispose(), this.shared.dispose()]);
  }
}
