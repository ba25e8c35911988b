/**
 * The AnswerHub of one process: answers' logs in memory, subscribers called synchronously. Logs are
 * compacted as they grow — only the newest snapshot is kept beside the other events — so an answer's
 * memory is bounded by its size, not by its number of tokens. An ended answer's log is kept
 * `retentionMs` for late subscribers (a page that reloads just as the answer ends).
 */
import type { AnswerEvent, AnswerHub, AnswerState, LiveAnswer, Subscription } from './answer-hub.js';
import { isLastEvent } from './answer-hub.js';

/** How long an ended answer's log stays available by default. */
export const defaultRetentionMs = 60_000;

interface AnswerLog {
  answer: LiveAnswer;
  live: boolean;
  lastEventId: number;
  /** The newest snapshot (older ones are dropped: parts are cumulative). */
  snapshot: AnswerEvent | undefined;
  /** Every event that is not a snapshot, in order. */
  events: AnswerEvent[];
  listeners: Set<(event: AnswerEvent) => void>;
  expiry?: NodeJS.Timeout;
}

/** The events of `log` after `afterId`, compacted, in id order. */
function replay(log: AnswerLog, afterId: number): AnswerEvent[] {
  const events = log.events.filter((event) => event.id > afterId);
  const { snapshot } = log;
  if (snapshot && snapshot.id > afterId) {
    const at = events.findIndex((event) => event.id > snapshot.id);
    events.splice(at === -1 ? events.length : at, 0, snapshot);
  }
  return events;
}

export class MemoryAnswerHub implements AnswerHub {
  private readonly logs = new Map<string, AnswerLog>();
  /** `${ownerId}\n${conversationId}` → the newest answer id. */
  private readonly newest = new Map<string, string>();
  private readonly stopListeners = new Set<(answerId: string) => void>();

  constructor(private readonly retentionMs = defaultRetentionMs) {}

  /** Whether this hub has the answer's log and it is still being written. */
  isLive(answerId: string): boolean {
    return this.logs.get(answerId)?.live === true;
  }

  async open(answer: LiveAnswer): Promise<void> {
    const log: AnswerLog = {
      answer: { ...answer },
      live: true,
      lastEventId: 0,
      snapshot: undefined,
      events: [],
      listeners: new Set(),
    };
    this.logs.set(answer.answerId, log);
    this.newest.set(`${answer.ownerId}\n${answer.conversationId}`, answer.answerId);
  }

  async publish(answerId: string, event: AnswerEvent): Promise<void> {
    const log = this.logs.get(answerId);
    if (!log) return;
    const copy = { ...event };
    log.lastEventId = copy.id;
    if (copy.kind === 'snapshot') log.snapshot = copy;
    else log.events.push(copy);
    for (const listener of [...log.listeners]) listener(copy);
    if (isLastEvent(copy)) log.listeners.clear();
  }

  async end(answerId: string): Promise<void> {
    const log = this.logs.get(answerId);
    if (!log?.live) return;
    log.live = false;
    log.listeners.clear();
    log.expiry = setTimeout(() => this.forget(answerId), this.retentionMs);
    log.expiry.unref();
  }

  private forget(answerId: string): void {
    const log = this.logs.get(answerId);
    if (!log) return;
    this.logs.delete(answerId);
    const key = `${log.answer.ownerId}\n${log.answer.conversationId}`;
    if (this.newest.get(key) === answerId) this.newest.delete(key);
  }

  private state(log: AnswerLog | undefined, ownerId: string): AnswerState | undefined {
    if (!log || log.answer.ownerId !== ownerId) return undefined;
    return { answer: { ...log.answer }, live: log.live, lastEventId: log.lastEventId };
  }

  async find(ownerId: string, conversationId: string): Promise<AnswerState | undefined> {
    const answerId = this.newest.get(`${ownerId}\n${conversationId}`);
    return answerId === undefined ? undefined : this.state(this.logs.get(answerId), ownerId);
  }

  async get(ownerId: string, answerId: string): Promise<AnswerState | undefined> {
    return this.state(this.logs.get(answerId), ownerId);
  }

  async subscribe(
    answerId: string,
    afterId: number,
    listener: (event: AnswerEvent) => void,
  ): Promise<Subscription | false> {
    const log = this.logs.get(answerId);
    if (!log) return false;
    const past = replay(log, afterId);
    const last = log.events.at(-1);
    // A reader already past the end of an ended answer gets its last event again, so its stream ends.
    if (past.length === 0 && last && isLastEvent(last)) past.push(last);
    const ended = past.some(isLastEvent);
    if (!ended) log.listeners.add(listener);
    for (const event of past) listener(event);
    return { unsubscribe: () => log.listeners.delete(listener) };
  }

  async requestStop(answerId: string): Promise<void> {
    for (const listener of [...this.stopListeners]) listener(answerId);
  }

  async onStopRequest(listener: (answerId: string) => void): Promise<() => void> {
    this.stopListeners.add(listener);
    return () => this.stopListeners.delete(listener);
  }

  async dispose(): Promise<void> {
    for (const log of this.logs.values()) clearTimeout(log.expiry);
    this.logs.clear();
    this.newest.clear();
    this.stopListeners.clear();
  }
}
