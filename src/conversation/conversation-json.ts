/**
 * `GET conversation/{id}` of a long conversation as JSON text written a page of messages at a time,
 * byte for byte what `JSON.stringify(toWireConversation(…))` gives (UTF-8): the whole answer never sits
 * in memory as one object and one string, and the event loop is free between pages (a 10,000-message
 * conversation is 15 MB of JSON: built at once it held every other request for half a second).
 *
 * The pieces are UTF-8 buffers, each message encoded on its own. Joined into one string per page and
 * written as such, a page was first flattened (its text is made of ~30 small strings per message) and
 * measured for the chunk's length, then encoded by the socket: ~1 ms per 300 KB page, a fifth of the
 * GET's CPU time (docs/performance.md).
 */
// Resolves in the event loop's next check phase, after the I/O callbacks already waiting.
import { setImmediate as afterWaitingIo } from 'node:timers/promises';
import type { ConversationRecord, MessageLink, MessageText } from '../store/store.js';
import { addChildren } from './message-tree.js';
import { plainWireConversation, wireNodeJson, withWireExtras } from './wire-format.js';

/** Where the pieces come from: the tree's shape, then its messages a page at a time. */
export interface ConversationPages {
  /** The tree's links as read when the GET began (`readLinks`). */
  index: LinkIndex;
  /** Up to `limit` messages inserted after `afterSeq`, in insertion order, JSON columns as text. */
  page(afterSeq: number, limit: number): Promise<MessageText[]>;
}

/** Messages per page: about 300 KB of JSON, ~10 ms of work between two turns of the event loop. */
export const defaultPageSize = 200;

/**
 * Ids for which a JSON object's key order is not insertion order (array indexes come first, in
 * numeric order) or which an object literal cannot hold (`__proto__`): their conversations are
 * built whole, the way the one-object path does it.
 */
function keyOrderDiffers(id: string): boolean {
  return id === '__proto__' || (/^(0|[1-9]\d*)$/.test(id) && Number(id) < 2 ** 32 - 1);
}

/** Whether `conversationJson` can write this conversation in pages (else: build it whole). */
export function canWriteInPages(conversation: ConversationRecord, links: readonly MessageLink[]): boolean {
  if (links.some((link) => keyOrderDiffers(link.id))) return false;
  // Imported extras may replace or drop `mapping` itself: then the one-object path decides.
  const plain = plainWireConversation(conversation, []);
  return withWireExtras(plain, conversation.extras).mapping === plain.mapping;
}

/**
 * A value already written as JSON text (a window's node, spliced from its stored columns): written as
 * it is by `conversationBytes`, and parsed back for anyone else who serialises it, so that
 * `JSON.stringify` of an object holding it gives the same text either way.
 */
export class JsonText {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/** `"key":value` of one member, after `separator`; undefined for a value JSON.stringify leaves out. */
function member(separator: string, key: string, value: unknown): string | undefined {
  const json = value instanceof JsonText ? value.text : JSON.stringify(value);
  return json === undefined ? undefined : `${separator}${JSON.stringify(key)}:${json}`;
}

/**
 * `JSON.stringify(wire)` as UTF-8 for a conversation held whole (a short one, or a window of a long
 * one: up to ~300 KB), its `mapping` encoded a node at a time. The same text made by one
 * `JSON.stringify` is a string of many parts that is flattened into a new large string when its
 * length is measured for the response header, then encoded once more by the socket; in small pieces
 * it is cheap (a `?tail=100` window: 1.3 ms less per GET, docs/performance.md).
 */
export function conversationBytes(wire: object): Buffer {
  const pieces: Buffer[] = [];
  let separator = '{';
  for (const [key, value] of Object.entries(wire)) {
    if (key !== 'mapping' || !isPlainObject(value)) {
      const json = member(separator, key, value);
      if (json === undefined) continue;
      pieces.push(Buffer.from(json));
    } else {
      let nodeSeparator = '{';
      pieces.push(Buffer.from(`${separator}"mapping":`));
      for (const [id, node] of Object.entries(value)) {
        const json = member(nodeSeparator, id, node);
        if (json === undefined) continue;
        pieces.push(Buffer.from(json));
        nodeSeparator = ',';
      }
      pieces.push(Buffer.from(nodeSeparator === '{' ? '{}' : '}'));
    }
    separator = ',';
  }
  pieces.push(Buffer.from(separator === '{' ? '{}' : '}'));
  return Buffer.concat(pieces);
}

/** An object JSON.stringify writes member by member (not an array, no toJSON of its own). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !('toJSON' in value);
}

/**
 * A conversation's links in insertion order, with what writing its pages looks up: each message's
 * children and insertion number. Built a part at a time as the links are read (`add`), so that no
 * step holds the event loop long: built at once for 10,000 messages, the two maps were a 7 ms block
 * (docs/performance.md).
 */
export class LinkIndex {
  readonly links: MessageLink[] = [];
  /** Child ids per message id, in insertion order: `childrenIndex(links)`. */
  readonly children = new Map<string, string[]>();
  private readonly seqs = new Map<string, number>();

  /** Appends links inserted after the ones held. */
  add(part: readonly MessageLink[]): void {
    this.links.push(...part);
    addChildren(this.children, part);
    for (const link of part) this.seqs.set(link.id, link.seq);
  }

  /** The message's insertion number; undefined for one not among the links. */
  seqOf(id: string): number | undefined {
    return this.seqs.get(id);
  }
}

/** Links read per step by `readLinks`. */
const linksPerRead = 1_000;

/**
 * Every message's link, indexed, read `perRead` at a time with the event loop free between reads
 * (the ids of 10,000 messages are a 70 ms read at once on a cold cache).
 */
export async function readLinks(
  read: (afterSeq: number, limit: number) => Promise<MessageLink[]>,
  perRead = linksPerRead,
): Promise<LinkIndex> {
  const index = new LinkIndex();
  for (;;) {
    const part = await read(index.links.at(-1)?.seq ?? 0, perRead);
    index.add(part);
    if (part.length < perRead) return index;
    await afterWaitingIo();
  }
}

/**
 * The conversation's JSON in pieces (check `canWriteInPages` first). Only the messages of `index`
 * are written, with the children `index` gives them: a message added while the pieces are written is
 * left out whole, as if read a moment earlier.
 */
export async function* conversationJson(
  conversation: ConversationRecord,
  source: ConversationPages,
  pageSize = defaultPageSize,
): AsyncGenerator<Buffer> {
  const wire = withWireExtras(plainWireConversation(conversation, []), conversation.extras);
  const { index } = source;
  const { links, children } = index;
  let separator = '{';
  for (const [key, value] of Object.entries(wire)) {
    if (key !== 'mapping') {
      const json = member(separator, key, value);
      if (json === undefined) continue;
      yield Buffer.from(json);
      separator = ',';
      continue;
    }
    yield Buffer.from(`${separator}"mapping":{`);
    separator = ',';
    let first = true;
    let afterSeq = 0;
    const lastSeq = links.at(-1)?.seq ?? 0;
    while (afterSeq < lastSeq) {
      const messages = await source.page(afterSeq, pageSize);
      if (messages.length === 0) break;
      // A message missing from the index was added since: every later one was too.
      afterSeq = index.seqOf(messages.at(-1)?.id ?? '') ?? lastSeq;
      const nodes: Buffer[] = [];
      let bytes = 0;
      for (const message of messages) {
        if (index.seqOf(message.id) === undefined) continue;
        // `toWireNode`'s keys and order, the message spliced in from its stored text.
        const node = wireNodeJson(message, children.get(message.id) ?? []);
        const encoded = Buffer.from(`${first ? '' : ','}${JSON.stringify(message.id)}:${node}`);
        first = false;
        nodes.push(encoded);
        bytes += encoded.length;
      }
      if (nodes.length > 0) yield Buffer.concat(nodes, bytes);
      await afterWaitingIo();
    }
    yield Buffer.from('}');
  }
  yield Buffer.from(separator === '{' ? '{}' : '}');
}
