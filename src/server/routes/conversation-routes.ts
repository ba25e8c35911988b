/** Conversation routes (PROTOCOL.md §3–§10, §14): thin — parse, call the service, format. */
import type { FastifyRequest } from 'fastify';
import type { ConversationService } from '../../conversation/conversation-service.js';
import type { FeedbackService } from '../../conversation/feedback-service.js';
import {
  conversationListQuerySchema,
  conversationPatchSchema,
  conversationsPatchSchema,
  genTitleSchema,
  messageFeedbackSchema,
} from '../../protocol/requests.js';
import type { RouteSpec } from '../route-table.js';
import { ConversationStream, type StreamDeps } from './conversation-stream.js';
import { parseQuery, parseWith, pathId } from './request-parsing.js';

export interface ConversationRouteDeps extends StreamDeps {
  conversations: ConversationService;
  feedback: FeedbackService;
}

const success = { success: true } as const;

export function conversationRoutes(deps: ConversationRouteDeps): RouteSpec[] {
  const { conversations } = deps;
  const stream = new ConversationStream(deps);
  const hide = async (request: FastifyRequest, userId: string) => {
    await conversations.patch(userId, pathId(request), { is_visible: false });
    return success;
  };
  const hideAll = async (userId: string) => {
    await conversations.hideAll(userId);
    return success;
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
        return body.is_visible === false ? hideAll(user.id) : success;
      },
    },
    {
      method: 'DELETE',
      path: '/conversations',
      mount: 'api',
      auth: 'user',
      handler: (_request, _reply, user) => hideAll(user.id),
    },
    {
      method: 'GET',
      path: '/conversation/:id',
      mount: 'api',
      auth: 'user',
      handler: (request, _reply, user) => conversations.get(user.id, pathId(request)),
    },
    {
      method: 'PATCH',
      path: '/conversation/:id',
      mount: 'api',
      auth: 'user',
      handler: async (request, _reply, user) => {
        const id = pathId(request);
        await conversations.patch(user.id, id, parseWith(conversationPatchSchema, request.body));
        return success;
      },
    },
    {
      method: 'DELETE',
      path: '/conversation/:id',
      mount: 'api',
      auth: 'user',
      handler: (request, _reply, user) => hide(request, user.id),
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
