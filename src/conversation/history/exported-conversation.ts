/**
 * One conversation of a ChatGPT export (the `GET conversation` object plus `id`) ↔ store records
 * (docs/api.md, "Import and export"). `readExportedConversation` checks the whole conversation before
 * anything is written and returns either the records to write or the first reason it cannot be taken.
 * Whatever our columns cannot hold as it was — a content object other than `{content_type, parts}`, an
 * author with metadata, a status or role we do not write, keys we do not know — is kept in the
 * records' `extras` and given back verbatim, so `export(import(x))` has the same mapping as `x`.
 */
import type { ConversationRecord, MessageRecord, MessageRole, MessageStatus, WireExtras } from '../../store/store.js';
import { plainWireConversation, plainWireMessage, toWireConversation } from '../wire-format.js';

/** A conversation read from an export, ready to be written under an id of the importer's choosing. */
export interface ExportedConversation {
  /** The conversation's id in the export. */
  sourceId: string;
  title: string | null;
  createTime: number;
  updateTime: number;
  currentNode: string;
  rootId: string;
  isArchived: boolean;
  defaultModel: string | null;
  extras: WireExtras | undefined;
  /** Parents before children, siblings in their `children` order. `conversationId` is filled in on write. */
  messages: Omit<MessageRecord, 'conversationId'>[];
}

export type ReadResult = { ok: true; conversation: ExportedConversation } | { ok: false; reason: string };

/** Longest id, title or other plain text field we take (a guard, far above anything real). */
const maxTextLength = 10_000;
/** Most nodes in one conversation (the store's path queries follow at most 100,000 parents). */
export const maxNodes = 100_000;

const nodeKeys = new Set(['id', 'message', 'parent', 'children']);
const knownRoles = new Set<MessageRole>(['system', 'user', 'assistant', 'tool']);
const finishedStatuses = new Set<MessageStatus>(['finished_successfully', 'finished_partial_completion']);
/** Conversation keys that live in columns (or are the export's own): never kept as extras. */
const columnKeys = new Set([
  'title',
  'create_time',
  'update_time',
  'mapping',
  'current_node',
  'conversation_id',
  'is_archived',
  'id',
]);

class Rejection extends Error {}

function reject(reason: string): never {
  throw new Rejection(reason);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const unpairedSurrogate = /\p{Cs}/u;

/** A string a plain text column can hold (PostgreSQL refuses U+0000 and unpaired surrogates). */
function storableText(value: string, what: string): string {
  if (value.length > maxTextLength) reject(`${what} is longer than ${maxTextLength} characters`);
  if (value.includes('\u0000') || unpairedSurrogate.test(value)) {
    reject(`${what} contains U+0000 or an unpaired surrogate`);
  }
  return value;
}

function requiredText(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') reject(`${what} is missing or not a string`);
  return storableText(value, what);
}

function short(id: string): string {
  return JSON.stringify(id.length > 60 ? `${id.slice(0, 60)}…` : id);
}

/** JSON with object keys sorted: equal for values that differ only in key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Deep equality of JSON values, key order aside (the same test as comparing `canonicalJson`, faster). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, index) => sameJson(item, b[index]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
  }
  return false;
}

/** Refuses `__proto__` keys anywhere (as the API's JSON bodies do), iteratively. */
function checkKeys(root: unknown): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'object' && item !== null) stack.push(item);
    } else if (isObject(value)) {
      for (const key of Object.keys(value)) {
        if (key === '__proto__') reject('it contains a "__proto__" key');
        const item = value[key];
        if (typeof item === 'object' && item !== null) stack.push(item);
      }
    }
  }
}

/** What differs between the wire object we would write and the exported one. */
function diffExtras(
  exported: Record<string, unknown>,
  plain: Record<string, unknown>,
  skip: ReadonlySet<string>,
): WireExtras | undefined {
  const set: [string, unknown][] = [];
  for (const [key, value] of Object.entries(exported)) {
    if (skip.has(key)) continue;
    if (!Object.hasOwn(plain, key) || !sameJson(value, plain[key])) set.push([key, value]);
  }
  const absent = Object.keys(plain).filter((key) => !skip.has(key) && !Object.hasOwn(exported, key));
  if (set.length === 0 && absent.length === 0) return undefined;
  return {
    ...(set.length > 0 && { set: Object.fromEntries(set) }),
    ...(absent.length > 0 && { absent }),
  };
}

function optionalTime(value: unknown): number | null | undefined {
  return value === null || (typeof value === 'number' && Number.isFinite(value)) ? value : undefined;
}

function readMessage(nodeId: string, parentId: string, value: unknown): Omit<MessageRecord, 'conversationId'> {
  if (!isObject(value)) reject(`node ${short(nodeId)} has no message`);
  if (value.id !== nodeId) reject(`the message of node ${short(nodeId)} has another id`);
  const author = value.author;
  if (!isObject(author)) reject(`message ${short(nodeId)} has no author`);
  const role = requiredText(author.role, `the author role of message ${short(nodeId)}`);
  const content = value.content;
  if (!isObject(content)) reject(`message ${short(nodeId)} has no content`);
  const contentType = requiredText(content.content_type, `the content type of message ${short(nodeId)}`);
  const name =
    typeof author.name === 'string' ? storableText(author.name, `the author name of ${short(nodeId)}`) : null;
  const metadata = isObject(value.metadata) ? value.metadata : {};
  const slug = metadata.model_slug;
  const createTime = optionalTime(value.create_time);
  const updateTime = optionalTime(value.update_time);
  const record: Omit<MessageRecord, 'conversationId'> = {
    id: nodeId,
    parentId,
    role: knownRoles.has(role as MessageRole) ? (role as MessageRole) : 'tool',
    authorName: name,
    contentType,
    parts: Array.isArray(content.parts) ? content.parts : [],
    // An exported answer is finished whatever it says; its own status, if another, is kept verbatim.
    status: finishedStatuses.has(value.status as MessageStatus)
      ? (value.status as MessageStatus)
      : 'finished_partial_completion',
    endTurn: typeof value.end_turn === 'boolean' ? value.end_turn : null,
    weight: typeof value.weight === 'number' && Number.isFinite(value.weight) ? value.weight : 1,
    metadata,
    recipient: typeof value.recipient === 'string' ? storableText(value.recipient, 'a recipient') : 'all',
    modelSlug: typeof slug === 'string' ? storableText(slug, `the model slug of ${short(nodeId)}`) : null,
    createTime: createTime ?? null,
    updateTime: updateTime ?? null,
  };
  const plain = plainWireMessage({ ...record, conversationId: '' }) as unknown as Record<string, unknown>;
  const extras = diffExtras(value, plain, new Set());
  return extras ? { ...record, extras } : record;
}

interface Node {
  id: string;
  message: unknown;
  parent: string | null;
  children: string[];
}

function readNodes(mapping: unknown): Map<string, Node> {
  if (!isObject(mapping)) reject('"mapping" is missing or not an object');
  const entries = Object.entries(mapping);
  if (entries.length === 0) reject('"mapping" is empty');
  if (entries.length > maxNodes) reject(`"mapping" has more than ${maxNodes} nodes`);
  const nodes = new Map<string, Node>();
  for (const [key, node] of entries) {
    storableText(key, `node id ${short(key)}`);
    if (!isObject(node)) reject(`node ${short(key)} is not an object`);
    if (node.id !== key) reject(`node ${short(key)} has another id inside`);
    for (const name of Object.keys(node))
      if (!nodeKeys.has(name)) reject(`node ${short(key)} has an unknown key ${short(name)}`);
    if (!Object.hasOwn(node, 'parent') || !Object.hasOwn(node, 'children') || !Object.hasOwn(node, 'message')) {
      reject(`node ${short(key)} lacks "parent", "children" or "message"`);
    }
    const { parent, children } = node;
    if (parent !== null && typeof parent !== 'string') reject(`node ${short(key)} has a parent that is not a string`);
    if (!Array.isArray(children) || children.some((child) => typeof child !== 'string')) {
      reject(`node ${short(key)} has "children" that are not a list of ids`);
    }
    if (new Set(children).size !== children.length) reject(`node ${short(key)} lists a child twice`);
    nodes.set(key, { id: key, message: node.message, parent, children: children as string[] });
  }
  return nodes;
}

/** The tree's nodes root first, depth first in `children` order; rejects anything that is not one tree. */
function treeOrder(nodes: Map<string, Node>): { root: Node; order: Node[] } {
  const roots = [...nodes.values()].filter((node) => node.parent === null);
  if (roots.length !== 1) reject(`the mapping has ${roots.length} root nodes (parent null), not one`);
  const root = roots[0] as Node;
  if (root.message !== null) reject(`the root node ${short(root.id)} carries a message`);
  for (const node of nodes.values()) {
    for (const child of node.children) {
      if (nodes.get(child)?.parent !== node.id)
        reject(`node ${short(node.id)} lists child ${short(child)} whose parent is another`);
    }
    if (node.parent !== null && !nodes.get(node.parent)?.children.includes(node.id)) {
      reject(`node ${short(node.id)} is not among its parent's children`);
    }
  }
  const order: Node[] = [];
  const stack: Node[] = [root];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    if (seen.has(node.id)) reject(`node ${short(node.id)} is reached twice`);
    seen.add(node.id);
    order.push(node);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(nodes.get(node.children[i] as string) as Node);
  }
  if (order.length !== nodes.size) reject('some nodes cannot be reached from the root (a cycle?)');
  return { root, order };
}

/** The model last used on the current branch, as the web app finds it. */
function lastModel(messages: readonly Omit<MessageRecord, 'conversationId'>[], currentNode: string): string | null {
  const byId = new Map(messages.map((message) => [message.id, message]));
  let node = byId.get(currentNode);
  while (node) {
    if (node.modelSlug) return node.modelSlug;
    node = node.parentId === null ? undefined : byId.get(node.parentId);
  }
  return null;
}

function readConversation(value: unknown): ExportedConversation {
  if (!isObject(value)) reject('it is not an object');
  const sourceId = requiredText(value.id ?? value.conversation_id, '"id"');
  checkKeys(value);
  const title = value.title === null || value.title === undefined ? null : value.title;
  if (title !== null && typeof title !== 'string') reject('"title" is not a string');
  if (title !== null) storableText(title, '"title"');
  const createTime = optionalTime(value.create_time);
  if (createTime === undefined || createTime === null) reject('"create_time" is missing or not a number');
  const updateTime = optionalTime(value.update_time) ?? createTime;
  const nodes = readNodes(value.mapping);
  const { root, order } = treeOrder(nodes);
  const currentNode = value.current_node;
  if (typeof currentNode !== 'string' || !nodes.has(currentNode)) reject('"current_node" is not a node of the mapping');
  const rootRecord: Omit<MessageRecord, 'conversationId'> = {
    id: root.id,
    parentId: null,
    role: 'root',
    authorName: null,
    contentType: 'text',
    parts: [],
    status: 'finished_successfully',
    endTurn: null,
    weight: 0,
    metadata: {},
    recipient: 'all',
    modelSlug: null,
    createTime: null,
    updateTime: null,
  };
  const messages = [rootRecord];
  for (const node of order.slice(1)) messages.push(readMessage(node.id, node.parent as string, node.message));
  const isArchived = value.is_archived === true;
  const defaultSlug = value.default_model_slug;
  const conversation: ExportedConversation = {
    sourceId,
    title,
    createTime,
    updateTime: Math.max(updateTime, createTime),
    currentNode,
    rootId: root.id,
    isArchived,
    defaultModel:
      typeof defaultSlug === 'string'
        ? storableText(defaultSlug, '"default_model_slug"')
        : lastModel(messages, currentNode),
    extras: undefined,
    messages,
  };
  const plain = plainWireConversation(toRecord(conversation, 'placeholder', ''), []) as unknown as Record<
    string,
    unknown
  >;
  conversation.extras = diffExtras(value, plain, columnKeys);
  return conversation;
}

/** Reads one exported conversation; `{ok: false, reason}` names the first thing that is wrong. */
export function readExportedConversation(value: unknown): ReadResult {
  try {
    return { ok: true, conversation: readConversation(value) };
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, reason: error.message };
    throw error;
  }
}

/** The conversation row of an import, under `id` in `ownerId`'s history. */
export function toRecord(conversation: ExportedConversation, id: string, ownerId: string): ConversationRecord {
  return {
    id,
    ownerId,
    title: conversation.title,
    createTime: conversation.createTime,
    updateTime: conversation.updateTime,
    currentNode: conversation.currentNode,
    rootId: conversation.rootId,
    isArchived: conversation.isArchived,
    isVisible: true,
    isTemporary: false,
    defaultModel: conversation.defaultModel,
    timezoneOffsetMin: 0,
    conversationMode: { kind: 'primary_assistant' },
    suggestions: [],
    ...(conversation.extras && { extras: conversation.extras }),
  };
}

/** The message rows of an import, in `conversationId`. */
export function toMessageRecords(conversation: ExportedConversation, conversationId: string): MessageRecord[] {
  return conversation.messages.map((message) => ({ ...message, conversationId }));
}

/** One element of an export's `conversations.json`: the `GET conversation` object plus `id`. */
export function toExportedObject(conversation: ConversationRecord, messages: readonly MessageRecord[]): object {
  return { ...toWireConversation(conversation, messages), id: conversation.id };
}
