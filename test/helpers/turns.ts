/** Sends one conversation turn over HTTP and reads its SSE answer. */
import assert from 'node:assert/strict';
import { type ParsedStream, readSse } from './sse.js';
import type { TestServer, TestUser } from './test-server.js';

export interface WireMessageLike {
  id: string;
  author: { role: string };
  content: { content_type: string; parts: string[] };
  status: string;
  end_turn: boolean | null;
  metadata: Record<string, unknown>;
}

export interface TurnResult {
  response: Response;
  stream: ParsedStream;
  conversationId: string;
  /** The last message event (the final assistant message). */
  final: WireMessageLike;
  messageEvents: Array<{ message: WireMessageLike; conversation_id: string; error: null }>;
}

/** A first turn's body keys, in the order ChatGPT's December-2023 web client sent them (test/fixtures/seed/). */
export const seedFirstTurnKeys = [
  'action',
  'messages',
  'parent_message_id',
  'model',
  'timezone_offset_min',
  'suggestions',
  'history_and_training_disabled',
  'arkose_token',
  'conversation_mode',
  'force_paragen',
  'force_rate_limit',
];

export function userMessage(text: string, id?: string) {
  return {
    ...(id && { id }),
    author: { role: 'user' },
    content: { content_type: 'text', parts: [text] },
    metadata: {},
  };
}

export async function sendTurn(
  server: TestServer,
  as: TestUser,
  body: unknown,
  path = '/backend-api/conversation',
): Promise<TurnResult> {
  const response = await server.request(path, { method: 'POST', as, json: body });
  assert.equal(
    response.status,
    200,
    `turn failed: ${response.status} ${response.status === 200 ? '' : await response.clone().text()}`,
  );
  const stream = await readSse(response);
  const messageEvents = stream.payloads.filter((payload) => payload.message) as unknown as TurnResult['messageEvents'];
  const last = messageEvents.at(-1);
  assert.ok(last, 'the stream carried no message event');
  return { response, stream, conversationId: last.conversation_id, final: last.message, messageEvents };
}
