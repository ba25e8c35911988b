/**
 * One reader of an answer in a shared hub (RedisAnswerHub): it gets each event once and in order although
 * events reach it two ways — read from the log (catching up) and live from a channel. Live events that
 * arrive while it catches up wait (only the newest snapshot among them: parts are cumulative), then go
 * out when newer than what it already has. An answer that will say no more ends with a `[DONE]`.
 */
import { doneData } from '../protocol/sse.js';
import type { AnswerEvent } from './answer-hub.js';
import { isLastEvent } from './answer-hub.js';

/** What a reader finds in the log after its newest event id. */
export interface CatchUp {
  /** The events after it, compacted (the newest snapshot, every other event), in id order. */
  events: AnswerEvent[];
  /** The answer's last event again, for a reader already past the end. */
  again: AnswerEvent | undefined;
  /** Still being written by a live process (false: ended, its writer died, or forgotten). */
  live: boolean;
  /** The id of the newest event published. */
  lastEventId: number;
}

export class AnswerFollower {
  /** The newest event id delivered (at first, the reader's starting point). */
  lastId: number;
  /** Reading the log: live events wait. */
  catchingUp = true;
  /** The last catch-up failed (Redis trouble): it has to be tried again. */
  behind = false;
  closed = false;
  private held: AnswerEvent[] = [];

  constructor(
    readonly answerId: string,
    afterId: number,
    private readonly listener: (event: AnswerEvent) => void,
    private readonly onClose: (follower: AnswerFollower) => void,
    private readonly onListenerError: (error: unknown) => void,
  ) {
    this.lastId = afterId;
  }

  /** A live event from the channel. */
  receive(event: AnswerEvent): void {
    if (this.closed) return;
    if (!this.catchingUp) {
      this.deliver(event);
      return;
    }
    if (event.kind === 'snapshot') this.held = this.held.filter((held) => held.kind !== 'snapshot');
    this.held.push(event);
  }

  /** Delivers what the log held, then the live events that waited; ends the reader when the answer has. */
  caughtUp(found: CatchUp): void {
    for (const event of found.events) this.deliver(event);
    if (found.again) this.call(found.again);
    this.catchingUp = false;
    this.behind = false;
    const held = this.held;
    this.held = [];
    for (const event of held) this.deliver(event);
    if (!found.live) this.deliver({ id: Math.max(found.lastEventId, this.lastId) + 1, kind: 'done', data: doneData });
  }

  /** Stops the delivery (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.held = [];
    this.onClose(this);
  }

  private deliver(event: AnswerEvent): void {
    if (this.closed || event.id <= this.lastId) return;
    this.lastId = event.id;
    this.call(event);
  }

  private call(event: AnswerEvent): void {
    try {
      this.listener({ ...event });
    } catch (error) {
      this.onListenerError(error);
    }
    if (isLastEvent(event)) this.close();
  }
}
