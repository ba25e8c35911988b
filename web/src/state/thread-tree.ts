/**
 * The conversation tree as the thread sees it: nodes by id (adjacency list, children in insertion
 * order) built from `GET /backend-api/conversation/{id}` (its `mapping` and `current_node`, see
 * docs/api.md), and the pure queries the thread needs. Nodes are immutable: every change replaces
 * the node object.
 */
import type { WireConversation, WireMessage } from '../../../src/protocol/wire-types.js';
import { finishType } from '../api/answer-stream.js';

export type ThreadMessageStatus = 'complete' | 'streaming' | 'stopped' | 'failed';

/** A visible message: user or assistant text. */
export interface ThreadMessage {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  status: ThreadMessageStatus;
  /** `finish_details.type`: stop, max_tokens, interrupted; null while streaming or unknown. */
  finishType: string | null;
  modelSlug: string | null;
  /** Why the answer ended early (an error inside the stream or a lost connection). */
  errorText: string | null;
  /** A content type the app does not render (kept as imported): shown as a plain-text block. */
  unsupported?: UnsupportedContent;
}

export interface UnsupportedContent {
  contentType: string;
  /** The content's text, if it has any (`text`, or its string parts). */
  text: string;
}

export interface ThreadNode {
  id: string;
  parentId: string | null;
  children: readonly string[];
  /** null for nodes that are never shown: the root, the hidden system message, tool calls. */
  message: ThreadMessage | null;
}

export type ThreadNodeMap = ReadonlyMap<string, ThreadNode>;

export interface ThreadTree<Nodes extends ThreadNodeMap = ThreadNodeMap> {
  nodes: Nodes;
  rootId: string;
  currentNode: string;
}

function isHidden(message: WireMessage): boolean {
  if (message.metadata.is_visually_hidden_from_conversation === true) return true;
  if (message.author.role !== 'user' && message.author.role !== 'assistant') return true;
  return message.recipient !== 'all';
}

/** An answer still `in_progress` shows as stopped unless the page follows it (`answerBeingWritten`). */
function statusOf(message: WireMessage, finish: string | null): ThreadMessageStatus {
  if (message.status === 'in_progress') return 'stopped';
  if (finish === 'interrupted') return 'stopped';
  return 'complete';
}

/**
 * Content the app does not render, or undefined for plain text. Imported history keeps every content
 * object as it was (`code`, `multimodal_text` with image parts, …): it is shown, never dropped.
 */
export function unsupportedContent(content: unknown): UnsupportedContent | undefined {
  const object = typeof content === 'object' && content !== null ? (content as Record<string, unknown>) : {};
  const contentType = typeof object.content_type === 'string' ? object.content_type : 'unknown';
  const parts = Array.isArray(object.parts) ? object.parts : [];
  if (contentType === 'text' && parts.every((part) => typeof part === 'string')) return undefined;
  const texts = [
    ...(typeof object.text === 'string' ? [object.text] : []),
    ...parts.filter((part): part is string => typeof part === 'string'),
  ];
  return { contentType, text: texts.filter((text) => text !== '').join('\n\n') };
}

/** The UI message of a wire message, or null when it is not shown. */
export function toThreadMessage(message: WireMessage): ThreadMessage | null {
  if (isHidden(message)) return null;
  const unsupported = unsupportedContent(message.content);
  const first = unsupported ? undefined : message.content.parts[0];
  const finish = finishType(message);
  const slug = message.metadata.model_slug;
  return {
    id: message.id,
    role: message.author.role === 'user' ? 'user' : 'assistant',
    text: typeof first === 'string' ? first : '',
    status: statusOf(message, finish),
    finishType: finish,
    modelSlug: typeof slug === 'string' ? slug : null,
    errorText: null,
    ...(unsupported && { unsupported }),
  };
}

/**
 * The tree of a loaded conversation — or of a window of it (docs/api.md, "Windowed conversation"): then
 * the tree holds part of one branch, its nodes' `children` also name nodes not loaded yet, and the root
 * is unknown ('') until the window that reaches it is merged.
 */
export function treeFromWire(conversation: WireConversation): ThreadTree<Map<string, ThreadNode>> {
  const nodes = withWireNodes(new Map(), conversation);
  const rootId = rootOf(nodes);
  const currentNode = nodes.has(conversation.current_node) ? conversation.current_node : rootId;
  return { nodes, rootId, currentNode };
}

/** `nodes` with the nodes of `conversation.mapping` that it lacks (nodes it has may be newer: kept). */
export function withWireNodes(nodes: ThreadNodeMap, conversation: WireConversation): Map<string, ThreadNode> {
  const next = new Map(nodes);
  for (const node of Object.values(conversation.mapping)) {
    if (next.has(node.id)) continue;
    next.set(node.id, {
      id: node.id,
      parentId: node.parent,
      children: node.children,
      message: node.message ? toThreadMessage(node.message) : null,
    });
  }
  return next;
}

/** The id of the root node, '' while it is not loaded. */
export function rootOf(nodes: ThreadNodeMap): string {
  for (const node of nodes.values()) if (node.parentId === null) return node.id;
  return '';
}

/** Whether every node of the conversation is loaded: the root, and every node's children. */
export function isWholeTree(nodes: ThreadNodeMap): boolean {
  if (rootOf(nodes) === '') return false;
  for (const node of nodes.values()) if (!node.children.every((child) => nodes.has(child))) return false;
  return true;
}

/** The node just above what is loaded of the branch ending at `id`, or null when the branch is loaded to its root. */
export function missingAbove(nodes: ThreadNodeMap, id: string, path = pathFromRoot(nodes, id)): string | null {
  const top = nodes.get(path[0] ?? '');
  return top?.parentId != null && !nodes.has(top.parentId) ? top.parentId : null;
}

/** The id of the answer the server is still writing (the current node, `in_progress`), or null. */
export function answerBeingWritten(conversation: WireConversation): string | null {
  const message = conversation.mapping[conversation.current_node]?.message;
  if (message?.status !== 'in_progress' || message.author.role !== 'assistant') return null;
  return message.id;
}

/** True when `answerId` answers the conversation's first user message (nothing else asked before it). */
export function isFirstAnswer(nodes: ThreadNodeMap, answerId: string): boolean {
  const path = pathFromRoot(nodes, answerId);
  // A branch not loaded to its root is a window of a long conversation: far past its first answer.
  if (path.length === 0 || missingAbove(nodes, answerId) !== null) return false;
  return path.filter((id) => nodes.get(id)?.message?.role === 'user').length === 1;
}

/** Ids from the root down to `id` (inclusive). Stops on a cycle or a missing parent. */
export function pathFromRoot(nodes: ThreadNodeMap, id: string): string[] {
  const path: string[] = [];
  // A path longer than the tree has nodes went round a cycle: only then is each step checked.
  for (let current: string | null = id; current !== null && path.length <= nodes.size; ) {
    const node = nodes.get(current);
    if (!node) return path.reverse();
    path.push(current);
    current = node.parentId;
  }
  return path.length > nodes.size ? pathUntilRepeat(path).reverse() : path.reverse();
}

/** `path` up to (not including) the first id seen a second time. */
function pathUntilRepeat(path: readonly string[]): string[] {
  const seen = new Set<string>();
  const until: string[] = [];
  for (const id of path) {
    if (seen.has(id)) break;
    seen.add(id);
    until.push(id);
  }
  return until;
}

/** The leaf reached from `id` by always following the newest (last) child — as the server does. */
export function latestLeaf(nodes: ThreadNodeMap, id: string): string {
  let current = id;
  const seen = new Set<string>([id]);
  for (;;) {
    const next = nodes.get(current)?.children.at(-1);
    if (next === undefined || seen.has(next) || !nodes.has(next)) return current;
    seen.add(next);
    current = next;
  }
}

/**
 * The visible siblings of `id` with its role (itself included), in order: edits or regenerations. A
 * sibling not loaded yet (a window holds one branch) counts: a user message's siblings are edits and an
 * answer's are regenerations, so it has the same role.
 */
export function visibleSiblings(nodes: ThreadNodeMap, id: string): string[] {
  const node = nodes.get(id);
  const parent = node?.parentId ? nodes.get(node.parentId) : undefined;
  if (!node?.message || !parent) return [id];
  const role = node.message.role;
  return parent.children.filter((childId) => {
    const child = nodes.get(childId);
    return child === undefined || child.message?.role === role;
  });
}

/** A copy of `nodes` with `node` added under its parent (appended to the parent's children). */
export function withChild(nodes: ThreadNodeMap, node: ThreadNode): Map<string, ThreadNode> {
  const next = new Map(nodes);
  next.set(node.id, node);
  const parent = node.parentId ? nodes.get(node.parentId) : undefined;
  if (parent && !parent.children.includes(node.id)) {
    next.set(parent.id, { ...parent, children: [...parent.children, node.id] });
  }
  return next;
}

/** A copy of `nodes` without the leaf `id`. */
export function withoutLeaf(nodes: ThreadNodeMap, id: string): Map<string, ThreadNode> {
  const next = new Map(nodes);
  const node = nodes.get(id);
  next.delete(id);
  const parent = node?.parentId ? nodes.get(node.parentId) : undefined;
  if (parent) next.set(parent.id, { ...parent, children: parent.children.filter((child) => child !== id) });
  return next;
}

/** A copy of `nodes` where the leaf `from` is known as `to` (a placeholder gets its server id). */
export function withRenamedLeaf(nodes: ThreadNodeMap, from: string, to: string): Map<string, ThreadNode> {
  const node = nodes.get(from);
  if (!node) return new Map(nodes);
  const next = withoutLeaf(nodes, from);
  return withChild(next, { ...node, id: to, message: node.message && { ...node.message, id: to } });
}
