/**
 * What the thread shows: the branch from the root to the current node, one item per visible
 * message, with an answer and its "Continue generating" continuations merged into one item (they
 * are consecutive assistant nodes). Items are reused when nothing about them changed, so memoised
 * message components skip re-rendering.
 */
import type { Rating } from '../api/backend-api.js';
import {
  pathFromRoot,
  type ThreadMessage,
  type ThreadMessageStatus,
  type ThreadNodeMap,
  type UnsupportedContent,
  visibleSiblings,
} from './thread-tree.js';

export interface DisplayItem {
  /** Stable React key: the id of the item's first node. */
  key: string;
  /** The id of the item's last node: actions and `data-message-id` use it. */
  id: string;
  nodeIds: readonly string[];
  role: 'user' | 'assistant';
  text: string;
  status: ThreadMessageStatus;
  finishType: string | null;
  errorText: string | null;
  modelSlug: string | null;
  /** 1-based position among the first node's siblings (edits or regenerations), and their count. */
  siblingIndex: number;
  siblingCount: number;
  isLast: boolean;
  feedback: Rating | null;
  /** Content of the item's messages that the app does not render (shown as plain-text blocks). */
  unsupported: readonly UnsupportedContent[];
}

/**
 * Groups of node ids along the branch (`path`, root first: by default the one ending at
 * `currentNode`): consecutive assistant messages form one group.
 */
export function branchGroups(
  nodes: ThreadNodeMap,
  currentNode: string,
  path: readonly string[] = pathFromRoot(nodes, currentNode),
): string[][] {
  const groups: string[][] = [];
  let previousRole: string | null = null;
  for (const id of path) {
    const message = nodes.get(id)?.message;
    if (!message) continue;
    const last = groups.at(-1);
    if (message.role === 'assistant' && previousRole === 'assistant' && last) last.push(id);
    else groups.push([id]);
    previousRole = message.role;
  }
  return groups;
}

function messagesOf(nodes: ThreadNodeMap, ids: readonly string[]): ThreadMessage[] {
  return ids.flatMap((id) => {
    const message = nodes.get(id)?.message;
    return message ? [message] : [];
  });
}

/** Builds the item of one group of node ids. */
export function buildItem(
  nodes: ThreadNodeMap,
  ids: readonly string[],
  isLast: boolean,
  feedback: ReadonlyMap<string, Rating>,
): DisplayItem | undefined {
  const messages = messagesOf(nodes, ids);
  const first = messages[0];
  const last = messages.at(-1);
  if (!first || !last) return undefined;
  const siblings = visibleSiblings(nodes, first.id);
  return {
    key: first.id,
    id: last.id,
    nodeIds: ids,
    role: first.role,
    text: messages.map((message) => message.text).join(''),
    status: last.status,
    finishType: last.finishType,
    errorText: last.errorText,
    modelSlug: last.modelSlug,
    siblingIndex: Math.max(1, siblings.indexOf(first.id) + 1),
    siblingCount: siblings.length,
    isLast,
    feedback: feedback.get(last.id) ?? null,
    unsupported: messages.flatMap((message) => (message.unsupported ? [message.unsupported] : [])),
  };
}

const comparedFields = [
  'key',
  'id',
  'role',
  'text',
  'status',
  'finishType',
  'errorText',
  'modelSlug',
  'siblingIndex',
  'siblingCount',
  'isLast',
  'feedback',
] as const;

/** True when two items would render the same. */
export function sameItem(a: DisplayItem, b: DisplayItem): boolean {
  return (
    comparedFields.every((field) => a[field] === b[field]) &&
    a.nodeIds.join() === b.nodeIds.join() &&
    a.unsupported.length === b.unsupported.length &&
    a.unsupported.every((content, i) => content === b.unsupported[i])
  );
}

/** `next` unless `previous` renders the same, so unchanged items keep their identity. */
export function reuseItem(previous: DisplayItem | undefined, next: DisplayItem): DisplayItem {
  return previous && sameItem(previous, next) ? previous : next;
}
