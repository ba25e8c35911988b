import type { MessagePatch, MessageRecord, NewConversation } from './conversation-store.js';
import type { LatencyReport } from './telemetry-store.js';

/**
 * The answer-lease part of the Store seam: which server process owns an answer being written, until
 * when. Leases make crash recovery safe with several processes on one database: only an answer whose
 * lease ran out is marked interrupted (docs/reliability.md).
 */

/** An answer being written, as recorded beside its `in_progress` message. */
export interface GenerationLease {
  conversationId: string;
  /** The assistant message being written. */
  messageId: string;
  ownerId: string;
  /** The server process writing it. */
  instanceId: string;
  startTime: number;
  /** Float epoch seconds; renewed while the answer runs. */
  leaseExpireTime: number;
}

/** A running server process, as the others see it (`instances`). */
export interface InstanceRecord {
  instanceId: string;
  /** Where it runs, for people: `host:port (pid N)`. */
  label: string;
  /** `redis` when it shares limits and live answers through Redis. */
  sharedState: 'redis' | 'none';
  startTime: number;
  /** Float epoch seconds of its latest heartbeat. */
  heartbeatTime: number;
}

/** What `startAnswer` writes: the new messages (the answer last), its lease, and the conversation's new state. */
export interface AnswerStart {
  /**
   * A conversation the turn creates, written first: with `currentNode` and `updateTime` below as its
   * own, its root and system message among `messages`. Absent, the owner's existing one is updated.
   */
  conversation?: NewConversation;
  messages: MessageRecord[];
  lease: GenerationLease;
  currentNode: string;
  updateTime: number;
}

export interface GenerationStore {
  /** Records the lease of a new answer; call it in the transaction that inserts the message. */
  insertGenerationLease(lease: GenerationLease): Promise<void>;
  /**
   * Starts an answer: creates the conversation when the turn does, inserts the turn's new messages (in
   * order, all of one conversation), records the answer's lease and moves the conversation's current
   * node — atomically, in one statement where the database allows it. False, with nothing written, when
   * the owner has no such conversation.
   */
  startAnswer(ownerId: string, start: AnswerStart): Promise<boolean>;
  /** Extends every lease `instanceId` holds to `leaseExpireTime` (one statement); returns how many. */
  renewGenerationLeases(instanceId: string, leaseExpireTime: number): Promise<number>;
  /** Ends the answer's lease (its final state is being written in the same transaction). */
  deleteGenerationLease(conversationId: string, messageId: string): Promise<void>;
  /**
   * Writes an answer's final state: the message patch, the conversation's update time, the end of its
   * lease and, when given, the server's latency report of the answer — atomically, one statement where
   * the database allows it (one commit on SQLite).
   */
  finishAnswer(
    ownerId: string,
    conversationId: string,
    messageId: string,
    patch: MessagePatch,
    updateTime: number,
    latency?: LatencyReport,
  ): Promise<void>;
  /**
   * Marks every `in_progress` answer whose lease expired before `now` (or that has no lease at all)
   * `finished_partial_completion` with `finish_details.type = "interrupted"`, and deletes those
   * leases. An answer whose lease is renewed concurrently is left alone. Returns how many it marked.
   */
  interruptExpiredAnswers(now: number): Promise<number>;
  /**
   * Inside a transaction: waits until no other transaction holds the lock `key`, then holds it until
   * this one ends — so two copies of one request sent at once are planned one after the other, and the
   * second sees the first's rows (a no-op where transactions already run one at a time).
   */
  lockTurn(key: string): Promise<void>;
  /**
   * The owner's conversation whose root id is `rootId` and that holds a message `messageId`: how a
   * retried first turn (same root and message ids, no conversation id) finds the conversation it made.
   */
  findConversationIdByRoot(ownerId: string, rootId: string, messageId: string): Promise<string | undefined>;
  /** The ids of the answers being written (their leases, by any process) in the owner's deleted conversations. */
  liveAnswerIdsInHidden(ownerId: string): Promise<string[]>;
  /** Inserts or refreshes this process's row: its heartbeat (label and heartbeat time are updated). */
  recordInstance(instance: InstanceRecord): Promise<void>;
  /** The other processes whose heartbeat is newer than `since`. */
  otherLiveInstances(instanceId: string, since: number): Promise<InstanceRecord[]>;
  /** Removes this process's row, and rows whose heartbeat is older than `staleBefore`. */
  removeInstance(instanceId: string, staleBefore: number): Promise<void>;
}
