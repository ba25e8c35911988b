/** Conversation routes (PROTOCOL.md §3–§10, §14): thin — parse, call the service, format. */
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ConversationService } from '../../conversation/conversation-service.js';
import type { FeedbackService } from '../../conversation/feedback-service.js';
import { InvalidRequestError } from '../../domain-errors.js';
import {
  clientIdSchema,
  conversationListQuerySchema,
  conversationPatchSchema,
  conversationsPatchSchema,
  describeZodError,
  genTitleSchema,
  messageFeedbackSchema,
} from '../../protocol/requests.js';
import type { RouteSpec } from '../route-table.js';
import { ConversationStream, type StreamDeps } from './conversation-stream.js';

export interface ConversationRouteDeps extends StreamDeps {
  conversations: ConversationService;
  feedback: FeedbackService;
}

const success = { success: true } as const;

/** The `:id` path parameter, which must look like a UUID (400 otherwise). */
export function pathId(request: FastifyRequest, name = 'id'): string {
  const value = (request.params as Record<string, string | undefined>)[name] ?? '';
  const parsed = clientIdSchema.safeParse(value);
  if (!parsed.success) throw new InvalidRequestError(`${name} in the path must be a UUID`);
  return parsed.data;
}

/** Parses with `schema` (a missing body counts as `{}`); a failure is a 400 naming the field. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value === undefined ? {} : value);
  if (!parsed.success) throw new InvalidRequestError(describeZodError(parsed.error));
  return parsed.data;
}

/** Query strings: like parseWith, and `key[]=…`-style parameters are refused by name. */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  const bracketed = Object.keys(query ?? {}).find((key) => key.includes('['));
  if (bracketed !== undefined)
    throw new InvalidRequestError(`${bracketed.split('[')[0]}: array-style query parameters are not supported`);
  return parseWith(schema, query);
}

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
  ];
}
