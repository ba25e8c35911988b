/** Store records → backend-api wire objects (conversation, list, message; docs/api.md). Key order is wire order. */
import { isoTime, wireSeconds } from '../protocol/times.js';
import {
  UNTITLED,
  type WireConversation,
  type WireConversationListItem,
  type WireMessage,
  type WireNode,
} from '../protocol/wire-types.js';
import type { ConversationRecord, MessageRecord, MessageText, WireExtras } from '../store/store.js';
import { childrenIndex } from './message-tree.js';

function optionalSeconds(value: number | null): number | null {
  return value === null ? null : wireSeconds(value);
}

/**
 * The wire object with an imported record's verbatim fields applied (docs/api.md, "Import and export"):
 * keys in `set` replace or follow the ones we write, keys in `absent` go. Records without extras — all
 * of backchat's own — come back as they were.
 */
export function withWireExtras<T extends object>(wire: T, extras: WireExtras | undefined): T {
  if (!extras) return wire;
  const set = extras.set ?? {};
  const absent = new Set(extras.absent ?? []);
  const entries = Object.entries(wire)
    .filter(([key]) => !absent.has(key))
    .map(([key, value]): [string, unknown] => [key, Object.hasOwn(set, key) ? set[key] : value]);
  for (const [key, value] of Object.entries(set)) if (!Object.hasOwn(wire, key)) entries.push([key, value]);
  // fromEntries defines own properties, so no key (not even `__proto__`) reaches a prototype.
  return Object.fromEntries(entries) as T;
}

export function toWireMessage(message: MessageRecord): WireMessage | null {
  const wire = plainWireMessage(message);
  return wire && withWireExtras(wire, message.extras);
}

/** The wire message as backchat's columns describe it, before any imported extras; null for the root. */
export function plainWireMessage(message: MessageRecord): WireMessage | null {
  if (message.role === 'root') return null;
  return {
    id: message.id,
    author: { role: message.role, name: message.authorName, metadata: {} },
    create_time: optionalSeconds(message.createTime),
    update_time: optionalSeconds(message.updateTime),
    content: { content_type: message.contentType, parts: message.parts },
    status: message.status,
    end_turn: message.endTurn,
    weight: message.weight,
    metadata: message.metadata,
    recipient: message.recipient,
  };
}

/**
 * `JSON.stringify(toWireMessage(message))` written from the stored JSON text, which is spliced in as it
 * is: the columns hold `JSON.stringify` output, and `JSON.stringify(JSON.parse(text))` gives `text` back.
 * The keys are `plainWireMessage`'s, in its order (a property test holds the two together). A message
 * with imported extras is parsed and goes the object way.
 */
export function wireMessageJson(message: MessageText): string {
  if (message.role === 'root') return 'null';
  if (message.extras !== undefined) {
    const { parts, metadata, extras } = message;
    const record = { ...message, parts: JSON.parse(parts), metadata: JSON.parse(metadata), extras: JSON.parse(extras) };
    return JSON.stringify(toWireMessage(record));
  }
  const json = JSON.stringify;
  return (
    `{"id":${json(message.id)},"author":{"role":${json(message.role)},"name":${json(message.authorName)},"metadata":{}},` +
    `"create_time":${json(optionalSeconds(message.createTime))},"update_time":${json(optionalSeconds(message.updateTime))},` +
    `"content":{"content_type":${json(message.contentType)},"parts":${message.parts}},"status":${json(message.status)},` +
    `"end_turn":${json(message.endTurn)},"weight":${json(message.weight)},"metadata":${message.metadata},` +
    `"recipient":${json(message.recipient)}}`
  );
}

/** `JSON.stringify(toWireNode(…))` of a message held as text (`wireMessageJson`), with its children's ids. */
export function wireNodeJson(message: MessageText, children: readonly string[]): string {
  const json = JSON.stringify;
  return `{"id":${json(message.id)},"message":${wireMessageJson(message)},"parent":${json(message.parentId)},"children":${json(children)}}`;
}

/** The mapping in insertion order (root, system node, then messages as added), every node with `children`. */
export function toWireMapping(messages: readonly MessageRecord[]): Record<string, WireNode> {
  const children = childrenIndex(messages);
  const mapping: Record<string, WireNode> = {};
  for (const message of messages) mapping[message.id] = toWireNode(message, children.get(message.id) ?? []);
  return mapping;
}

/** One node of the mapping: the message and its place in the tree (`children`: all of them, in insertion order). */
export function toWireNode(message: MessageRecord, children: string[]): WireNode {
  return { id: message.id, message: toWireMessage(message), parent: message.parentId, children };
}

export function toWireConversation(
  conversation: ConversationRecord,
  messages: readonly MessageRecord[],
): WireConversation {
  return withWireExtras(plainWireConversation(conversation, messages), conversation.extras);
}

/** The wire conversation as backchat's columns describe it, before any imported extras. */
export function plainWireConversation(
  conversation: ConversationRecord,
  messages: readonly MessageRecord[],
): WireConversation {
  return {
    title: conversation.title ?? UNTITLED,
    create_time: wireSeconds(conversation.createTime),
    update_time: wireSeconds(conversation.updateTime),
    mapping: toWireMapping(messages),
    moderation_results: [],
    current_node: conversation.currentNode,
    plugin_ids: null,
    conversation_id: conversation.id,
    conversation_template_id: null,
    gizmo_id: null,
    is_archived: conversation.isArchived,
    safe_urls: [],
  };
}

export function toWireListItem(conversation: ConversationRecord): WireConversationListItem {
  return {
    id: conversation.id,
    title: conversation.title ?? UNTITLED,
    create_time: isoTime(conversation.createTime),
    update_time: isoTime(conversation.updateTime),
    mapping: null,
    current_node: null,
    conversation_template_id: null,
    gizmo_id: null,
    is_archived: conversation.isArchived,
    workspace_id: null,
  };
}
