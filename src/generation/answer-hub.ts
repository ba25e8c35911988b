/**
 * The AnswerHub seam: where answers being written publish their events and where HTTP streams
 * subscribe to them — from the start, or after the last event id they saw. Nothing crossing it is an
 * object reference: answers are named by ids, events are serialisable values, so an implementation can
 * live in another process (Redis Streams, for several instances) as well as in this one
 * (MemoryAnswerHub). The contract suite is test/generation/answer-hub-contract.ts.
 */

/** An answer being written: who owns it, where it lives, which server process writes it. */
export interface LiveAnswer {
  /** The assistant message being written (minted by the server: unique). */
  answerId: string;
  conversationId: string;
  /** The user the conversation belongs to; every lookup is scoped by it. */
  ownerId: string;
  /** The server process running the answer (stop requests go there). */
  instanceId: string;
}

/**
 * One event of an answer's stream. `data` is the text after `data: ` on the wire (already encoded).
 * - `snapshot`: the answer so far (parts are cumulative, so only the newest snapshot matters);
 * - `event`: anything else that must be delivered (the final message, an error, the moderation event);
 * - `rejected`: the model failed before any text; `data` is the reason and the answer was removed;
 * - `done`: the last event (`[DONE]`).
 */
export interface AnswerEvent {
  /** 1, 2, 3 … within one answer, in publishing order. */
  id: number;
  kind: 'snapshot' | 'event' | 'rejected' | 'done';
  data: string;
}

/** What `find` knows about a conversation's newest answer. */
export interface AnswerState {
  answer: LiveAnswer;
  /** False once the answer ended (its log is still kept for a while for late subscribers). */
  live: boolean;
  /** The id of the newest event published so far (0 before the first). */
  lastEventId: number;
}

export interface AnswerHub {
  /** Registers an answer before its first event. */
  open(answer: LiveAnswer): Promise<void>;
  /** Appends an event to the answer's log and hands it to every subscriber. */
  publish(answerId: string, event: AnswerEvent): Promise<void>;
  /** The answer's last event was published: it is no longer live; its log is kept a while (`retentionMs`). */
  end(answerId: string): Promise<void>;
  /** The newest answer of the owner's conversation, live or recently ended; undefined when none. */
  find(ownerId: string, conversationId: string): Promise<AnswerState | undefined>;
  /** The answer by its id, when its owner is `ownerId`. */
  get(ownerId: string, answerId: string): Promise<AnswerState | undefined>;
  /**
   * Delivers the answer's events after `afterId`, in order: first what the log holds (compacted: the
   * newest snapshot, and every other event), then live ones as they are published, until `done` or
   * `rejected`, or until the returned function is called. A reader already past the end of an ended
   * answer gets its last event again (so its stream ends). False when the hub does not know the answer.
   */
  subscribe(answerId: string, afterId: number, listener: (event: AnswerEvent) => void): Promise<Subscription | false>;
  /** Asks the process that runs the answer to stop it. */
  requestStop(answerId: string): Promise<void>;
  /** Calls `listener` with the id of every answer whose stop was requested; returns the unsubscribe. */
  onStopRequest(listener: (answerId: string) => void): Promise<() => void>;
  /** Releases connections and timers. */
  dispose(): Promise<void>;
}

export interface Subscription {
  /** Stops the delivery (idempotent). */
  unsubscribe(): void;
}

/** Whether the event ends a stream. */
export function isLastEvent(event: AnswerEvent): boolean {
  return event.kind === 'done' || event.kind === 'rejected';
}

/**
 * Subscribes, then gives back `ended`: a promise that settles when the answer's last event after
 * `afterId` arrives, or after `timeoutMs`; the subscription is dropped either way. Subscribing before acting
 * (a stop request) means the end cannot slip by unseen.
 */
export async function untilEnded(
  hub: AnswerHub,
  answerId: string,
  afterId: number,
  timeoutMs: number,
): Promise<{ ended: Promise<void> }> {
  let ended!: () => void;
  const done = new Promise<void>((resolve) => {
    ended = resolve;
  });
  const subscription = await hub.subscribe(answerId, afterId, (event) => {
    if (isLastEvent(event)) ended();
  });
  if (!subscription) return { ended: Promise.resolve() };
  const timer = setTimeout(ended, timeoutMs);
  const cleanUp = () => {
    clearTimeout(timer);
    subscription.unsubscribe();
  };
  return { ended: done.then(cleanUp) };
}
