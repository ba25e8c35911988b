/**
 * Schema-aware fuzz requests: a VALID body for each main request schema of src/protocol/requests.ts
 * (a turn with next / variant / continue, PATCH conversation, gen_title, message_feedback, lat/r,
 * /ces/v1/b, login, setup, list queries), aimed at real conversations, with ONE field broken (a wrong
 * type, a naughty string, removed, or a polluting key next to it) — so the validators deep inside a
 * body, and the code behind them, are reached rather than the first type check.
 */
import fc from 'fast-check';
import { accountTargets } from './account-targets.js';
import { prefix, type Target, targetRequest, text } from './broken-bodies.js';
import { type FuzzRequest, printable } from './fuzz-request.js';
import { naughtyString, percentEncode } from './naughty-strings.js';

/** A conversation that exists, and the ids inside it. */
export interface SeededConversation {
  id: string;
  /** The client's `parent_message_id` of the first turn: the root node. */
  rootId: string;
  userMessageId: string;
  assistantId: string;
}

export interface SchemaContext {
  /** Conversations of the `user` identity. */
  conversations: readonly SeededConversation[];
  /** The `user` identity's sign-in, so a login body can be right. */
  email: string;
  password: string;
  /** A user the admin routes may change at will (disable, demote, new password) without harming the run. */
  expendableUserId: string;
}

function userMessage(id: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  return fc.record({
    id,
    author: fc.record({ role: fc.constant('user') }),
    content: fc.record({ content_type: fc.constant('text'), parts: fc.array(text, { minLength: 1, maxLength: 3 }) }),
    metadata: fc.constant({}),
  });
}

/** The optional fields real clients send with a turn. */
const turnExtras = {
  model: fc.constantFrom('text-davinci-002-render-sha', 'gpt-4', 'demo', 'gpt-3.5-turbo'),
  timezone_offset_min: fc.integer({ min: -1440, max: 1440 }),
  history_and_training_disabled: fc.constant(false),
  arkose_token: fc.constant(null),
  conversation_mode: fc.constant({ kind: 'primary_assistant' }),
  force_paragen: fc.boolean(),
  force_rate_limit: fc.constant(false),
  suggestions: fc.array(text, { maxLength: 3 }),
};

function turnBodies(context: SchemaContext): Array<[string, fc.Arbitrary<unknown>]> {
  const conversation = fc.constantFrom(...context.conversations);
  const next = conversation.chain((c) =>
    fc.record({
      action: fc.constant('next'),
      conversation_id: fc.constant(c.id),
      parent_message_id: fc.constant(c.assistantId),
      messages: fc.tuple(userMessage(fc.uuid())),
      ...turnExtras,
    }),
  );
  const fresh = fc.record({
    action: fc.constant('next'),
    parent_message_id: fc.uuid(),
    messages: fc.tuple(userMessage(fc.uuid())),
    ...turnExtras,
  });
  const variant = conversation.chain((c) =>
    fc.record({
      action: fc.constant('variant'),
      conversation_id: fc.constant(c.id),
      parent_message_id: fc.constant(c.rootId),
      messages: fc.tuple(userMessage(fc.constant(c.userMessageId))),
      ...turnExtras,
    }),
  );
  const cont = conversation.chain((c) =>
    fc.record({
      action: fc.constant('continue'),
      conversation_id: fc.constant(c.id),
      parent_message_id: fc.constant(c.assistantId),
      messages: fc.constant([]),
      ...turnExtras,
    }),
  );
  return [
    ['turn-next', next],
    ['turn-new', fresh],
    ['turn-variant', variant],
    ['turn-continue', cont],
  ];
}

function optionalMs(): fc.Arbitrary<number> {
  return fc.double({ min: 0, max: 86_400_000, noNaN: true });
}

function analyticsEvent(): fc.Arbitrary<unknown> {
  return fc.record(
    {
      type: fc.constantFrom('track', 'page', 'identify', 'screen', 'group', 'alias'),
      event: text,
      userId: fc.oneof(text, fc.integer()),
      anonymousId: fc.uuid(),
      messageId: fc.uuid(),
      timestamp: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
      properties: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
      context: fc.record({ page: fc.record({ path: fc.constant('/') }) }),
    },
    { requiredKeys: ['type'] },
  );
}

function conversationTargets(context: SchemaContext): Target[] {
  const conversation = fc.constantFrom(...context.conversations);
  const under = (suffix: (c: SeededConversation) => string) =>
    fc.tuple(prefix, conversation).map(([api, c]) => `${api}${suffix(c)}`);
  const turns = turnBodies(context).map(
    ([name, body]): Target => ({
      name,
      method: 'POST',
      path: prefix.map((api) => `${api}/conversation`),
      body,
      identity: 'user',
    }),
  );
  return [
    ...turns,
    {
      name: 'patch-conversation',
      method: 'PATCH',
      path: under((c) => `/conversation/${c.id}`),
      body: conversation.chain((c) =>
        fc.oneof(
          fc.record({ title: text }),
          fc.record({ is_archived: fc.boolean() }),
          fc.record({ current_node: fc.constant(c.assistantId) }),
        ),
      ),
      identity: 'user',
    },
    {
      name: 'gen-title',
      method: 'POST',
      path: under((c) => `/conversation/gen_title/${c.id}`),
      body: conversation.chain((c) =>
        fc.record({ message_id: fc.constant(c.assistantId), model: turnExtras.model }, { requiredKeys: [] }),
      ),
      identity: 'user',
    },
    {
      name: 'message-feedback',
      method: 'POST',
      path: prefix.map((api) => `${api}/conversation/message_feedback`),
      body: conversation.chain((c) =>
        fc.record(
          {
            message_id: fc.constant(c.assistantId),
            conversation_id: fc.constant(c.id),
            rating: fc.constantFrom('thumbsUp', 'thumbsDown', 'ThumbsUp'),
            text,
            tags: fc.array(fc.constantFrom('harmful', 'false', 'not-helpful'), { maxLength: 3 }),
          },
          { requiredKeys: ['message_id', 'conversation_id', 'rating'] },
        ),
      ),
      identity: 'user',
    },
  ];
}

function otherTargets(context: SchemaContext): Target[] {
  return [
    {
      name: 'latency-report',
      method: 'POST',
      path: prefix.map((api) => `${api}/lat/r`),
      body: fc.record(
        {
          server_request_id: fc.uuid(),
          model: turnExtras.model,
          preflight_time_ms: optionalMs(),
          count_tokens: fc.nat({ max: 10_000 }),
          ts_first_token_ms: optionalMs(),
          ts_total_request_ms: optionalMs(),
          ts_p95_token_without_first_ms: optionalMs(),
        },
        { requiredKeys: [] },
      ),
      identity: 'user',
    },
    {
      name: 'analytics-batch',
      method: 'POST',
      path: fc.constant('/ces/v1/b'),
      body: fc.record({
        batch: fc.array(analyticsEvent(), { maxLength: 4 }),
        sentAt: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
      }),
      identity: 'user',
    },
    {
      name: 'login',
      method: 'POST',
      path: fc.constant('/api/auth/login'),
      body: fc.record({
        email: fc.constantFrom(context.email, 'nobody@example.com'),
        password: fc.oneof({ weight: 1, arbitrary: fc.constant(context.password) }, { weight: 4, arbitrary: text }),
      }),
      identity: 'anonymous',
    },
    {
      name: 'setup',
      method: 'POST',
      path: fc.constant('/api/auth/setup'),
      body: fc.record({ name: text, email: fc.emailAddress(), password: fc.string({ minLength: 10, maxLength: 40 }) }),
      identity: 'anonymous',
    },
  ];
}

/** A query object with one value made wrong, as a query string (sometimes with the key repeated). */
function brokenQuery(valid: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const wrong = fc.oneof(
    fc.constantFrom('-1', '1e9', 'abc', '', '1.5', '0x10', 'NaN', 'Infinity', '00', ' 1'),
    naughtyString(),
  );
  return fc
    .tuple(fc.record(valid, { requiredKeys: [] }), fc.nat(), wrong, fc.boolean())
    .map(([query, pick, value, repeat]) => {
      const keys = Object.keys(valid);
      const key = keys[pick % keys.length] ?? 'limit';
      const entries = Object.entries(query);
      const pairs = [...entries.filter(([name]) => name !== key), [key, value], ...(repeat ? [[key, '1']] : [])];
      return `?${pairs.map(([name, text]) => `${percentEncode(name ?? '')}=${percentEncode(text ?? '')}`).join('&')}`;
    });
}

function queryRequests(): fc.Arbitrary<FuzzRequest> {
  const list = fc
    .tuple(
      prefix,
      brokenQuery({
        offset: fc.nat({ max: 50 }).map(String),
        limit: fc.integer({ min: 1, max: 100 }).map(String),
        order: fc.constantFrom('updated', 'created'),
        is_archived: fc.constantFrom('true', 'false'),
      }),
    )
    .map(([api, query]) => ({ url: `${api}/conversations${query}`, route: `GET ${api}/conversations` }));
  const prompts = fc
    .tuple(
      prefix,
      brokenQuery({ limit: fc.integer({ min: 1, max: 100 }).map(String), offset: fc.integer().map(String) }),
    )
    .map(([api, query]) => ({ url: `${api}/prompt_library/${query}`, route: `GET ${api}/prompt_library/` }));
  return fc
    .oneof(list, prompts)
    .map(({ url, route }) =>
      printable({ method: 'GET', url, identity: 'user', headers: {}, route, kind: 'schema:list-query' }),
    );
}

/** A mostly-valid request for one of the main request schemas, with one field broken. */
export function schemaRequest(context: SchemaContext): fc.Arbitrary<FuzzRequest> {
  const targets = [...conversationTargets(context), ...otherTargets(context), ...accountTargets(context)];
  return fc.oneof(...targets.map(targetRequest), queryRequests());
}
