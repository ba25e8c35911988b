/**
 * POST /backend-api/conversation: commits the turn, starts its answer as a job (AnswerJobs), and
 * relays the job's events as ChatGPT's Dec-2023 event stream (docs/api.md, "The conversation stream"):
 * cumulative `parts`, the final message, the completion moderation event, `[DONE]`. A model failure
 * before any text is a 502 JSON error (clients ignore in-stream errors). The limits come first: a turn
 * over a cap or the concurrent-answer limit is a 429 that writes nothing.
 *
 * Two semantics (docs/decisions/2026-12-02-resumable-answers.md): a ChatGPT client that drops the
 * request stops the answer; a request with `X-Backchat-Background: 1` leaves it running, and its
 * stream carries `id:` lines so any stream of the same user can pick it up again.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { ConversationService } from '../../conversation/conversation-service.js';
import { ServiceUnavailableError, UpstreamError } from '../../domain-errors.js';
import type { AnswerEvent, AnswerHub } from '../../generation/answer-hub.js';
import { type AnswerJobs, messageData } from '../../generation/answer-jobs.js';
import type { Limits } from '../../limits/limits-service.js';
import { conversationRequestSchema } from '../../protocol/requests.js';
import { doneData } from '../../protocol/sse.js';
import { deltasHeader } from '../../protocol/stream-deltas.js';
import { resolveFor } from '../../providers/model-access.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { MessageRecord, UserRecord } from '../../store/store.js';
import { AnswerResponse, type AnswerResponseOptions, EventGate } from '../answer-response.js';

/** Whether the server is shutting down (healthz says `draining`; new answers are refused). */
export interface Lifecycle {
  draining: boolean;
}

export interface StreamDeps {
  conversations: ConversationService;
  clock: Clock;
  limits: Limits;
  providers: ProviderRegistry;
  hub: AnswerHub;
  jobs: AnswerJobs;
  lifecycle: Lifecycle;
}

/** How long the first model output may take before the stream starts anyway (then pings keep it alive). */
const firstOutputWaitMs = 10_000;
/** The retry delay a draining server suggests. */
const drainingRetrySeconds = 5;

/** The opt-in header of background answers (docs/api.md). */
export const backgroundHeader = 'x-backchat-background';

/** Whether an opt-in header of backchat's is on (`1` or `true`). */
function optedIn(request: FastifyRequest, header: string): boolean {
  const value = request.headers[header];
  return value === '1' || value === 'true';
}

export const wantsBackground = (request: FastifyRequest): boolean => optedIn(request, backgroundHeader);

/** Whether the client asked for delta events (docs/api.md "Delta events"). */
export const wantsDeltas = (request: FastifyRequest): boolean => optedIn(request, deltasHeader);

/** Anything but the first (empty) snapshot: the model said something, or failed. */
const isFirstOutput = (event: AnswerEvent) => event.id > 1 || event.kind !== 'snapshot';

export class ConversationStream {
  constructor(private readonly deps: StreamDeps) {}

  async handle(request: FastifyRequest, reply: FastifyReply, user: UserRecord): Promise<void> {
    const startMs = this.deps.clock.monotonicMs();
    const body = conversationRequestSchema.parse(request.body);
    if (this.deps.lifecycle.draining) {
      throw new ServiceUnavailableError(
        'This server is restarting; send the message again in a moment.',
        drainingRetrySeconds,
      );
    }
    // The model the turn will use, within the user's model access (a refused model is a 403 here).
    const served = resolveFor(this.deps.providers, body.model, user.modelAccess);
    const requestId = String(request.id);
    const admission = await this.deps.limits.admitTurn(user.id, served.model.slug, requestId);
    // A turn that does not run gives its lease and its message back — both attempted whatever fails
    // (the lease's renewal stops first; a lease Redis could not delete runs out by itself).
    const giveBack = () => Promise.allSettled([admission.release(), admission.refund()]);
    const start = await this.deps.conversations
      .startTurn(user.id, body, served, { startMs, requestId })
      .catch(async (error: unknown) => {
        await giveBack();
        throw error;
      });
    const background = wantsBackground(request);
    if (start.kind === 'retry') {
      // The same request again (a dropped connection): it never counts twice.
      await giveBack();
      await this.replay(request, reply, user.id, start.conversationId, start.answer, background);
      return;
    }
    const job = await this.deps.jobs
      .create(user.id, start.turn, { onRejected: admission.refund, onSettled: admission.release })
      .catch(async (error: unknown) => {
        // The hub refused the answer (Redis unavailable: a 503): it will never run, so it is removed
        // rather than left in_progress under this process's lease.
        await start.turn.discard().catch(() => {});
        await giveBack();
        throw error;
      });
    const gate = new EventGate();
    const subscription = await this.deps.hub.subscribe(job.answerId, 0, gate.listener);
    // A ChatGPT client that leaves stops its answer; a background answer goes on without it.
    const leave = () => {
      if (!background) this.deps.jobs.stop(job.answerId);
    };
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) leave();
    });
    job.run();
    if (reply.raw.destroyed) leave();
    try {
      const first = await gate.waitFor(isFirstOutput, firstOutputWaitMs);
      if (first !== 'timeout' && first.kind === 'rejected') throw new UpstreamError(first.data);
      if (reply.raw.destroyed) {
        reply.hijack(); // the client is gone: nothing to send
        return;
      }
      const response = new AnswerResponse(reply, this.deps.clock, {
        requestId,
        conversationId: job.conversationId,
        withIds: background,
        deltas: wantsDeltas(request),
      });
      gate.forward(response);
      await response.finished;
    } finally {
      if (subscription) subscription.unsubscribe();
    }
  }

  /**
   * A retried request gets the turn it repeats: attached to the answer if it is still being written,
   * else the stored answer as a stream (message, moderation event, `[DONE]`).
   */
  private async replay(
    request: FastifyRequest,
    reply: FastifyReply,
    userId: string,
    conversationId: string,
    answer: MessageRecord,
    withIds: boolean,
  ): Promise<void> {
    const options = { requestId: String(request.id), conversationId, withIds, deltas: wantsDeltas(request) };
    // Only an answer still being written is followed in the hub: one stored final is replayed as stored
    // (the shared hub keeps a dead writer's log — its last snapshot in_progress — for a minute after the
    // sweep marked the answer interrupted).
    if (answer.status === 'in_progress' && (await attach(this.deps, reply, userId, answer.id, 0, options))) return;
    const response = new AnswerResponse(reply, this.deps.clock, options);
    let id = 0;
    response.deliver({ id: ++id, kind: 'snapshot', data: messageData(answer, conversationId) });
    if (answer.status !== 'in_progress') {
      response.deliver({ id: ++id, kind: 'event', data: this.deps.jobs.moderationData(conversationId, answer.id) });
    }
    response.deliver({ id: ++id, kind: 'done', data: doneData });
    await response.finished;
  }
}

/**
 * Streams the hub's events of `answerId` after `afterId` into `reply` until the answer ends or the
 * client leaves (leaving never stops the answer). False, with nothing written, when the hub does not
 * have the answer (any more).
 */
export async function attach(
  deps: Pick<StreamDeps, 'hub' | 'clock'>,
  reply: FastifyReply,
  userId: string,
  answerId: string,
  afterId: number,
  options: AnswerResponseOptions,
): Promise<boolean> {
  if (!(await deps.hub.get(userId, answerId))) return false;
  const gate = new EventGate();
  const subscription = await deps.hub.subscribe(answerId, afterId, gate.listener);
  if (!subscription) return false;
  const response = new AnswerResponse(reply, deps.clock, options);
  reply.raw.on('close', () => subscription.unsubscribe());
  gate.forward(response);
  await response.finished;
  subscription.unsubscribe();
  return true;
}
