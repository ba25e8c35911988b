/** Conversation routes (docs/api.md): thin — parse, call the service, format. */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { conversationBytes } from '../../conversation/conversation-json.js';
import type { ConversationPatchInput, ConversationService } from '../../conversation/conversation-service.js';
import type { FeedbackService } from '../../conversation/feedback-service.js';
import { NotFoundError } from '../../domain-errors.js';
import { untilEnded } from '../../generation/answer-hub.js';
import {
  attachQuerySchema,
  conversationListQuerySchema,
  conversationPatchSchema,
  conversationsPatchSchema,
  conversationWindowQuerySchema,
  genTitleSchema,
  lastEventIdSchema,
  messageFeedbackSchema,
  resumeRequestSchema,
} from '../../protocol/requests.js';
import type { RouteSpec } from '../route-table.js';
import { attach, ConversationStream, type StreamDeps, wantsDeltas } from './conversation-stream.js';
import { parseQuery, parseWith, pathId } from './request-parsing.js';

export interface ConversationRouteDeps extends StreamDeps {
  conversations: ConversationService;
  feedback: FeedbackService;
}

const success = { success: true } as const;

/** What Fastify sends a JSON reply as, for the conversation answers written here as bytes. */
const jsonType = 'application/json; charset=utf-8';

/** How long a stop request waits for the answer to store its final state. */
const stopWaitMs = 5_000;

const noLiveAnswer = () => new NotFoundError('No answer is being written in this conversation', 'no_live_answer');

/** The event id to resume after: the `Last-Event-ID` header, else `?last_event_id=`, else 0. */
function resumePoint(request: FastifyRequest): number {
  const header = request.headers['last-event-id'];
  if (typeof header === 'string' && header !== '') return parseWith(lastEventIdSchema, header.trim());
  return parseQuery(attachQuerySchema, request.query).last_event_id ?? 0;
}

/** Whether a `GET conversation/{id}` asks for the windowed form: ChatGPT's clients never send these keys. */
function isWindowed(query: unknown): boolean {
  // `tail[]=…` counts too, so that parseQuery refuses it rather than the full form answering.
  const keys = Object.keys(query ?? {}).map((key) => key.split('[')[0]);
  return keys.some((key) => key === 'tail' || key === 'anchor' || key === 'before');
}

export function conversationRoutes(deps: ConversationRouteDeps): RouteSpec[] {
  const { conversations } = deps;
  const stream = new ConversationStream(deps);
  /**
   * After a deletion (one conversation or all of them), every answer still being written in the user's
   * deleted conversations stops, in whichever process writes it: nobody can read it any more, and the
   * model would go on costing tokens. Its text so far is kept, `interrupted`. The deletion stands either
   * way: an answer that cannot be reached now runs to its end by itself.
   */
  const stopAnswersOfDeleted = async (request: FastifyRequest, userId: string) => {
    try {
      for (const answerId of await conversations.liveAnswerIdsInHidden(userId)) await deps.hub.requestStop(answerId);
    } catch (error) {
      request.log.warn({ err: error }, 'could not stop the answers of deleted conversations');
    }
  };
  const patch = async (request: FastifyRequest, userId: string, change: ConversationPatchInput) => {
    await conversations.patch(userId, pathId(request), change);
    if (change.is_visible === false) await stopAnswersOfDeleted(request, userId);
    return success;
  };
  const hideAll = async (request: FastifyRequest, userId: string) => {
    await conversations.hideAll(userId);
    await stopAnswersOfDeleted(request, userId);
    return success;
  };
  /** Streams the conversation's live (or just ended) answer after `afterId`; 404 when there is none. */
  const resume = async (request: FastifyRequest, reply: FastifyReply, userId: string, id: string, afterId: number) => {
    await conversations.visible(userId, id);
    const state = await deps.hub.find(userId, id);
    const options = { requestId: String(request.id), conversationId: id, withIds: true, deltas: wantsDeltas(request) };
    if (!state || !(await attach(deps, reply, userId, state.answer.answerId, afterId, options))) throw noLiveAnswer();
  };
  /** Asks the answer to stop, and waits (bounded) until its final state is stored. */
  const stop = async (userId: string, id: string) => {
    await conversations.visible(userId, id);
    const state = await deps.hub.find(userId, id);
    if (!state?.live) return { ...success, stopped: false };
    const { answerId } = state.answer;
    const { ended } = await untilEnded(deps.hub, answerId, state.lastEventId, stopWaitMs);
    await deps.hub.requestStop(answerId);
    await ended;
    return { ...success, stopped: true };
  };
  return [
    {
      method: 'POST',
      path: '/conversation',
      mount: 'api',
      auth: 'user',
      handler: (request, reply, user) => stream.handle(request, reply, user),
    },
    {
      // ChatGPT's later web app asks this before opening a conversation (docs/api.md).
      method: 'GET',
      path: '/conversation/:id/stream_status',
      mount: 'api',
      auth: 'user',
      handler: async (request, _reply, user) => {
        const id = pathId(request);
        await conversations.visible(user.id, id);
        const state = await deps.hub.find(user.id, id);
        if (!state?.live) return { status: 'IS_NOT_STREAMING' };
        return { status: 'IS_STREAMING', message_id: state.answer.answerId, last_event_id: state.lastEventId };
      },
    },
    {
      // backchat's own: reattach to the answer being written (an EventSource can use it).
      method: 'GET',
      path: '/conversation/:id/stream',
      mount: 'api',
      auth: 'user',
      handler: (request, reply, user) => resume(request, reply, user.id, pathId(request), resumePoint(request)),
    },
    {
      // The shape of ChatGPT's later web app: `{conversation_id, offset}`.
      method: 'POST',
      path: '/conversation/resume',
      mount: 'api',
      auth: 'user',
      handler: async (request, reply, user) => {
        const body = parseWith(resumeRequestSchema, request.body);
        await resume(request, reply, user.id, body.conversation_id, body.offset ?? 0);
      },
    },
    {
      // backchat's own: stop the answer for every viewer (owner only, like every conversation route).
      method: 'POST',
      path: '/conversation/:id/stop',
      mount: 'api',
      auth: 'user',
      handler: (request, _reply, user) => stop(user.id, pathId(request)),
    },
    {
      method: 'GET',
      path: '/conversations',
      mount: 'api',
      auth: 'user',
      handler: async (request, _reply, user) => {
        const query = parseQuery(conversationListQuerySchema, request.query);
        return conversations.list(user.id, {
          offset: query.offset,
          limit: query.limit,
          archived: query.is_archived === 'true',
        });
      },
    },
    {
      method: 'PATCH',
      path: '/conversations',
      mount: 'api',
      auth: 'user',
      handler: async (request, _reply, user) => {
        const body = parseWith(conversationsPatchSchema, request.body);
        if (body.is_archived) await conversations.archiveAll(user.id);
        return body.is_visible === false ? hideAll(request, user.id) : success;
      },
    },
    {
      method: 'DELETE',
      path: '/conversations',
      mount: 'api',
      auth: 'user',
      handler: (request, _reply, user) => hideAll(request, user.id),
    },
    {
      method: 'GET',
      path: '/conversation/:id',
      mount: 'api',
      auth: 'user',
      handler: async (request, reply, user) => {
        const id = pathId(request);
        if (isWindowed(request.query)) {
          const { tail, anchor, before } = parseQuery(conversationWindowQuerySchema, request.query);
          const window = await conversations.readWindow(user.id, id, { tail, anchor, before });
          return reply.type(jsonType).send(conversationBytes(window));
        }
        const conversation = await conversations.read(user.id, id);
        if (!(Symbol.asyncIterator in conversation)) return reply.type(jsonType).send(conversationBytes(conversation));
        // A long conversation: its JSON a page of messages at a time, with backpressure.
        return reply.type(jsonType).send(Readable.from(conversation));
      },
    },
    {
      method: 'PATCH',
      path: '/conversation/:id',
      mount: 'api',
      auth: 'user',
      handler: (request, _reply, user) => patch(request, user.id, parseWith(conversationPatchSchema, request.body)),
    },
    {
      method: 'DELETE',
      path: '/conversation/:id',
      mount: 'api',
      auth: 'user',
      handler: (request, _reply, user) => patch(request, user.id, { is_visible: false }),
    },
    {
      method: 'POST',
      path: '/conversation/gen_title/:id',
      mount: 'api',
      auth: 'user',
      handler: async (request, _reply, user) => {
        const body = parseWith(genTitleSchema, request.body);
        return conversations.generateTitle(user.id, pathId(request), body.message_id);
      },
    },
    {
      method: 'POST',
      path: '/conversation/message_feedback',
      mount: 'api',
      auth: 'user',
      handler: (request, _reply, user) => deps.feedback.rate(user.id, parseWith(messageFeedbackSchema, request.body)),
    },
    {
      // backchat's own: the caller's thumbs in a conversation, so the web app shows them after a reload.
      method: 'GET',
      path: '/conversation/:id/feedback',
      mount: 'api',
      auth: 'user',
      handler: async (request, _reply, user) =>
        deps.feedback.ratings(await conversations.visible(user.id, pathId(request))),
    },
  ];
}
