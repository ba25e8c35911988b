/**
 * Answers as jobs: each answer runs in a task of its own, independent of the HTTP request that asked
 * for it, and publishes its events to the AnswerHub, where every stream (the asking request, a page
 * that reattaches, another device) subscribes. This process owns the answers it runs: it renews their
 * leases while they run, stops them when asked (locally or through the hub), and at shutdown lets them
 * finish within a grace period before stopping the rest (docs/reliability.md).
 */
import type { Clock } from '../clock.js';
import { epochSeconds } from '../clock.js';
import type { StartedTurn } from '../conversation/conversation-service.js';
import { toWireMessage } from '../conversation/wire-format.js';
import type { Ids } from '../ids.js';
import { GrowingTextJson, pythonJson } from '../protocol/python-json.js';
import { doneData } from '../protocol/sse.js';
import type { GenerationStore, MessageRecord } from '../store/store.js';
import { type AnswerEvent, type AnswerHub, isLastEvent } from './answer-hub.js';

export interface AnswerJobsDeps {
  hub: AnswerHub;
  /** Lease renewal (one statement per renewal for all of this process's answers). */
  store: Pick<GenerationStore, 'renewGenerationLeases'>;
  clock: Clock;
  ids: Ids;
  /** This server process. */
  instanceId: string;
  /** How long a lease lasts unrenewed; renewed every third of it. */
  leaseMs: number;
  /** Where problems are reported (a failed renewal, an answer that could not be saved). */
  log?: (message: string) => void;
}

/** Called by the job as the answer progresses (the limits' bookkeeping). */
export interface AnswerHooks {
  /** The model failed before any text: the answer was removed; the message should not count. */
  onRejected?(): Promise<void>;
  /** The answer's final state is stored (before `[DONE]` is published). */
  onSettled?(): Promise<void>;
}

/** The value of a message event (`{"message", "conversation_id", "error"}`). */
function messageEvent(message: MessageRecord, conversationId: string) {
  return { message: toWireMessage(message), conversation_id: conversationId, error: null };
}

/** The payload of a message event. */
export function messageData(message: MessageRecord, conversationId: string): string {
  return pythonJson(messageEvent(message, conversationId));
}

/**
 * The payloads of an answer's snapshots while it streams: the answer as planned with its text so far.
 * Rendered once; each token then costs escaping what it appended (python-json.ts, GrowingTextJson).
 */
function snapshotData(answer: MessageRecord, conversationId: string): GrowingTextJson {
  return new GrowingTextJson((text) => messageEvent({ ...answer, parts: [text] }, conversationId));
}

/** The payload of an in-stream error (`{"message": null, …, "error"}`). */
export function errorData(conversationId: string, error: string): string {
  return pythonJson({ message: null, conversation_id: conversationId, error });
}

/** What readers are told when the answer broke on our side (the log has the cause). */
const brokenAnswer =
  'Something went wrong on the server while writing the answer. Try again; if it keeps happening, check the server log.';

/** One answer being run by this process. */
export interface AnswerJob {
  readonly answerId: string;
  readonly conversationId: string;
  /** Starts the answer (call it once, after subscribing to the hub if the caller wants every event). */
  run(): void;
  /** Resolves when the answer has ended, however it ended. */
  readonly ended: Promise<void>;
}

export class AnswerJobs {
  private readonly running = new Map<string, { abort: AbortController; ended: Promise<void> }>();
  private renewal: NodeJS.Timeout | undefined;
  private unsubscribeStops: (() => void) | undefined;

  constructor(private readonly deps: AnswerJobsDeps) {}

  /** Starts listening for stop requests that other processes send through the hub. */
  async start(): Promise<void> {
    this.unsubscribeStops = await this.deps.hub.onStopRequest((answerId) => this.stop(answerId));
  }

  /** Answers this process is running now. */
  get size(): number {
    return this.running.size;
  }

  /** Registers the turn's answer in the hub; `run()` on the result starts it. */
  async create(userId: string, turn: StartedTurn, hooks: AnswerHooks = {}): Promise<AnswerJob> {
    const { plan } = turn;
    const answerId = plan.assistant.id;
    const conversationId = plan.conversation.id;
    await this.deps.hub.open({ answerId, conversationId, ownerId: userId, instanceId: this.deps.instanceId });
    const abort = new AbortController();
    let started: (() => void) | undefined;
    const go = new Promise<void>((resolve) => {
      started = resolve;
    });
    const ended = go.then(() => this.execute(turn, abort.signal, hooks));
    this.running.set(answerId, { abort, ended });
    this.keepLeases();
    return { answerId, conversationId, ended, run: () => started?.() };
  }

  /** Stops an answer this process runs (its partial text is kept, marked interrupted). */
  stop(answerId: string): boolean {
    const job = this.running.get(answerId);
    job?.abort.abort();
    return job !== undefined;
  }

  /** Waits until every running answer has ended or `graceMs` passed; returns how many still run. */
  async drain(graceMs: number): Promise<number> {
    const all = Promise.all([...this.running.values()].map((job) => job.ended));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([all, timeout]);
    clearTimeout(timer);
    return this.running.size;
  }

  /** Stops every running answer and waits until each has stored its final state. */
  async stopAll(): Promise<void> {
    const jobs = [...this.running.values()];
    for (const job of jobs) job.abort.abort();
    await Promise.all(jobs.map((job) => job.ended));
  }

  /** Stops listening; call after `stopAll`. */
  dispose(): void {
    clearInterval(this.renewal);
    this.renewal = undefined;
    this.unsubscribeStops?.();
  }

  private keepLeases(): void {
    if (this.renewal) return;
    const { store, clock, instanceId, leaseMs, log } = this.deps;
    this.renewal = setInterval(() => {
      if (this.running.size === 0) {
        clearInterval(this.renewal);
        this.renewal = undefined;
        return;
      }
      const until = epochSeconds(clock.now()) + leaseMs / 1000;
      store.renewGenerationLeases(instanceId, until).catch((error: Error) => {
        log?.(`could not renew answer leases: ${error.message}`);
      });
    }, leaseMs / 3);
    this.renewal.unref();
  }

  /** Runs the answer to its end and publishes every event; never throws. */
  private async execute(turn: StartedTurn, signal: AbortSignal, hooks: AnswerHooks): Promise<void> {
    const { hub } = this.deps;
    const answerId = turn.plan.assistant.id;
    const conversationId = turn.plan.conversation.id;
    let lastId = 0;
    let ended = false;
    const publish = async (kind: AnswerEvent['kind'], data: string) => {
      const event: AnswerEvent = { id: ++lastId, kind, data };
      await hub.publish(answerId, event);
      ended = isLastEvent(event);
    };
    let rejected = false;
    let textSent = false;
    const reject = async (reason: string) => {
      rejected = true;
      await turn.discard();
      await hooks.onRejected?.();
      await publish('rejected', reason);
    };
    const snapshots = snapshotData(turn.plan.assistant, conversationId);
    try {
      await publish('snapshot', snapshots.append(''));
      for await (const event of turn.events(signal)) {
        if (event.type === 'progress') {
          textSent = true;
          await publish('snapshot', snapshots.append(event.delta));
        } else if (event.type === 'done') {
          await publish('event', messageData(event.message, conversationId));
          await publish('event', this.moderationData(conversationId, event.message.id));
        } else if (!event.textSent) {
          await reject(event.error);
        } else {
          await publish('event', messageData(event.message, conversationId));
          await publish('event', errorData(conversationId, event.error));
        }
      }
    } catch (error) {
      this.deps.log?.(`answer ${answerId} failed: ${(error as Error).message}`);
      if (textSent) await publish('event', errorData(conversationId, brokenAnswer)).catch(() => {});
      else if (!rejected) await reject(brokenAnswer).catch(() => {});
    } finally {
      await hooks.onSettled?.().catch(() => {});
      // Every stream ends with `[DONE]` (or the rejection), whatever broke on the way.
      if (!ended) await publish('done', doneData).catch(() => {});
      await hub.end(answerId).catch(() => {});
      this.running.delete(answerId);
    }
  }

  /** ChatGPT's completion moderation event (nothing is moderated here: flagged and blocked are false). */
  moderationData(conversationId: string, messageId: string): string {
    return pythonJson({
      conversation_id: conversationId,
      message_id: messageId,
      is_completion: true,
      moderation_response: { flagged: false, blocked: false, moderation_id: `modr-${this.deps.ids.hex(24)}` },
    });
  }
}
