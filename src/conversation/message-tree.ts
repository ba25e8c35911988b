/** Pure functions over a conversation's message rows: children, paths, leaves, the wire mapping. */
import type { MessageRecord } from '../store/store.js';

/** Child ids per parent id, each list in insertion order. */
export function childrenIndex(messages: readonly Pick<MessageRecord, 'id' | 'parentId'>[]): Map<string, string[]> {
  return addChildren(new Map(), messages);
}

/**
 * `children` (a `childrenIndex`) extended by the messages inserted after the ones it holds: an index
 * built in parts, in insertion order, is the one `childrenIndex` builds of them all.
 */
export function addChildren(
  children: Map<string, string[]>,
  messages: readonly Pick<MessageRecord, 'id' | 'parentId'>[],
): Map<string, string[]> {
  for (const message of messages) {
    if (!children.has(message.id)) children.set(message.id, []);
    if (message.parentId === null) continue;
    const siblings = children.get(message.parentId);
    if (siblings) siblings.push(message.id);
    else children.set(message.parentId, [message.id]);
  }
  return children;
}

/** Messages from the root down to `leafId` inclusive; empty if `leafId` is unknown. */
export function pathTo(messages: readonly MessageRecord[], leafId: string): MessageRecord[] {
  const byId = new Map(messages.map((message) => [message.id, message]));
  const path: MessageRecord[] = [];
  const seen = new Set<string>();
  let node = byId.get(leafId);
  while (node && !seen.has(node.id)) {
    seen.add(node.id);
    path.push(node);
    node = node.parentId === null ? undefined : byId.get(node.parentId);
  }
  return path.reverse();
}

/** The node a new child of `parentId` must hang under: the root's place is taken by the system node. */
export function effectiveParent(messages: readonly MessageRecord[], parentId: string): MessageRecord | undefined {
  const parent = messages.find((message) => message.id === parentId);
  if (parent?.role !== 'root') return parent;
  return messages.find((message) => message.parentId === parent.id && message.role === 'system') ?? parent;
}
