/**
 * The windowed form of `GET conversation/{id}` (a backchat extension, docs/api.md "Windowed
 * conversation"): the conversation's fields with only the last N nodes of one branch in `mapping`, and
 * a cursor to the next-older N. Its cost is bounded by N, not by the conversation: the branch is read
 * upward from its leaf with the (conversation_id, id) index, the same bounded path read a turn's prompt
 * uses (prompt-builder.ts `PathSource`), with the children of the window's nodes (in the same
 * statement on PostgreSQL, one more read on SQLite).
 */
import { InvalidRequestError, NotFoundError } from '../domain-errors.js';
import type { WireNode, WireWindow, WireWindowedConversation } from '../protocol/wire-types.js';
import type { ConversationRecord, MessageRecord, MessageText } from '../store/store.js';
import { JsonText } from './conversation-json.js';
import { plainWireConversation, toWireConversation, wireNodeJson, withWireExtras } from './wire-format.js';

/** The largest window one request may ask for. */
export const maxWindowSize = 500;

/** What a windowed GET asks for: the last `tail` nodes of a branch, which branch, or which older part. */
export interface WindowRequest {
  tail: number;
  /** The window is the branch ending at the newest leaf below this node (what showing a sibling shows). */
  anchor?: string;
  /** A `window.cursor` of an earlier answer: the `tail` nodes older than that window. */
  before?: string;
}

/**
 * The windowed answer. Its nodes are JSON text already (`JsonText`: the messages spliced from their
 * stored columns, nothing parsed and written again), except for a conversation sent whole.
 */
export type WindowedConversation = Omit<WireWindowedConversation, 'mapping'> & {
  mapping: Record<string, WireNode | JsonText>;
};

/** Where a window is read from (the conversation's owner-scoped store reads). */
export interface WindowSource {
  /**
   * The last `maxMessages` messages of the path root → `leafId`, root first (`PathSource.path`), with
   * their JSON columns as text, and the child ids of each of them in insertion order.
   */
  pathWithChildIds(
    leafId: string,
    maxMessages: number,
  ): Promise<{ path: MessageText[]; childIds: ReadonlyMap<string, string[]> }>;
  /** The newest leaf below `nodeId`, undefined when the conversation has no such message. */
  newestLeaf(nodeId: string): Promise<string | undefined>;
  /** Every message, for a conversation whose imported extras replace `mapping` (then it is sent whole). */
  all(): Promise<MessageRecord[]>;
}

const cursorPrefix = 'w1:';

/**
 * Cursors are opaque to clients: today the id of the node the next-older window ends at, so that a
 * cursor stays valid while the conversation grows (new messages only ever hang below it).
 */
export function encodeCursor(nodeId: string): string {
  return Buffer.from(cursorPrefix + nodeId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!text.startsWith(cursorPrefix) || text.length === cursorPrefix.length) {
    throw new InvalidRequestError('before: not a cursor of this conversation (use window.cursor of an earlier answer)');
  }
  return text.slice(cursorPrefix.length);
}

const messageNotFound = (id: string) =>
  new NotFoundError(`Message ${id} not found in this conversation`, 'message_not_found');

/** The node the window ends at: the cursor's, the newest leaf below the anchor, or the current node. */
async function windowLeaf(conversation: ConversationRecord, source: WindowSource, request: WindowRequest) {
  if (request.before !== undefined && request.anchor !== undefined) {
    throw new InvalidRequestError('before and anchor cannot be combined: the cursor already names the branch');
  }
  if (request.before !== undefined) return decodeCursor(request.before);
  if (request.anchor === undefined) return conversation.currentNode;
  const leaf = await source.newestLeaf(request.anchor);
  if (leaf === undefined) throw messageNotFound(request.anchor);
  return leaf;
}

/** The wire conversation's fields (imported extras applied, key order kept) with `mapping` replaced. */
function withMapping(conversation: ConversationRecord, mapping: Record<string, JsonText>, window: WireWindow) {
  const wire = withWireExtras(plainWireConversation(conversation, []), conversation.extras);
  const entries = Object.entries(wire).map(([key, value]) => [key, key === 'mapping' ? mapping : value]);
  return { ...Object.fromEntries(entries), window } as WindowedConversation;
}

/** Whether imported extras replace or drop `mapping` itself: then no window of it can be cut. */
function mappingIsImported(conversation: ConversationRecord): boolean {
  const plain = plainWireConversation(conversation, []);
  return withWireExtras(plain, conversation.extras).mapping !== plain.mapping;
}

/** The windowed answer (see the module comment); a `before` cursor must name a message of this conversation. */
export async function conversationWindow(
  conversation: ConversationRecord,
  source: WindowSource,
  request: WindowRequest,
): Promise<WindowedConversation> {
  const leaf = await windowLeaf(conversation, source, request);
  if (mappingIsImported(conversation)) {
    const whole = toWireConversation(conversation, await source.all());
    return { ...whole, window: { first_node: null, last_node: null, has_more: false, cursor: null } };
  }
  const { path, childIds: children } = await source.pathWithChildIds(leaf, Math.min(request.tail, maxWindowSize));
  const first = path[0];
  if (!first) {
    if (request.before !== undefined) throw messageNotFound('of the cursor');
    return withMapping(conversation, {}, { first_node: null, last_node: null, has_more: false, cursor: null });
  }
  // fromEntries defines own properties: no id (not even `__proto__`) reaches a prototype.
  const mapping: Record<string, JsonText> = Object.fromEntries(
    path.map((message) => [message.id, new JsonText(wireNodeJson(message, children.get(message.id) ?? []))]),
  );
  const older = first.parentId;
  return withMapping(conversation, mapping, {
    first_node: first.id,
    last_node: path.at(-1)?.id ?? null,
    has_more: older !== null,
    cursor: older === null ? null : encodeCursor(older),
  });
}
