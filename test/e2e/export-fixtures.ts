/**
 * Small ChatGPT "Export data" conversations for the browser tests of import, search, share and
 * unsupported content (docs/web-ui.md): built in code, in the shape of `conversations.json` (one
 * object per conversation with its full `mapping`), uploaded through the app or the API.
 */
import { inflateRawSync } from 'node:zlib';
import type { TestServer, TestUser } from '../helpers/test-server.js';

type Content = Record<string, unknown>;

interface NodeSpec {
  id: string;
  parent: string | null;
  role: 'system' | 'user' | 'assistant' | null;
  content?: Content;
  hidden?: boolean;
}

export const text = (value: string): Content => ({ content_type: 'text', parts: [value] });

let clock = 1_700_000_000.25;

/** One exported conversation from its nodes (parents before children); `current` is its current node. */
export function exportedConversation(id: string, title: string, nodes: NodeSpec[], current: string) {
  clock += 10;
  const created = clock;
  const mapping: Record<string, unknown> = {};
  for (const [index, node] of nodes.entries()) {
    mapping[node.id] = {
      id: node.id,
      message:
        node.role === null
          ? null
          : {
              id: node.id,
              author: { role: node.role, name: null, metadata: {} },
              create_time: created + index,
              update_time: null,
              content: node.content ?? text(''),
              status: 'finished_successfully',
              end_turn: node.role === 'assistant' ? true : null,
              weight: 1,
              metadata:
                node.role === 'assistant'
                  ? { model_slug: 'gpt-4', finish_details: { type: 'stop', stop_tokens: [100260] } }
                  : node.hidden
                    ? { is_visually_hidden_from_conversation: true }
                    : {},
              recipient: 'all',
            },
      parent: node.parent,
      children: nodes.filter((child) => child.parent === node.id).map((child) => child.id),
    };
  }
  return {
    title,
    create_time: created,
    update_time: created + nodes.length,
    mapping,
    moderation_results: [],
    current_node: current,
    plugin_ids: null,
    conversation_id: id,
    conversation_template_id: null,
    gizmo_id: null,
    is_archived: false,
    safe_urls: [],
    id,
  };
}

/**
 * A linear conversation under a root and a hidden system node: alternating user / assistant messages
 * (a string is text; an object is a content object kept as it is). Returns it and its message ids.
 */
export function linearConversation(title: string, contents: Array<string | Content>) {
  const id = crypto.randomUUID();
  const root = crypto.randomUUID();
  const nodes: NodeSpec[] = [
    { id: root, parent: null, role: null },
    { id: crypto.randomUUID(), parent: root, role: 'system', hidden: true },
  ];
  const messageIds: string[] = [];
  contents.forEach((value, index) => {
    const messageId = crypto.randomUUID();
    messageIds.push(messageId);
    nodes.push({
      id: messageId,
      parent: nodes.at(-1)?.id ?? null,
      role: index % 2 === 0 ? 'user' : 'assistant',
      content: typeof value === 'string' ? text(value) : value,
    });
  });
  return { id, messageIds, conversation: exportedConversation(id, title, nodes, nodes.at(-1)?.id ?? '') };
}

/** Uploads `conversations` as a conversations.json through the API; returns the summary. */
export async function importThroughApi(server: TestServer, user: TestUser, conversations: unknown[]) {
  const response = await server.request('/backend-api/accounts/data_import', {
    method: 'POST',
    as: user,
    headers: { 'content-type': 'application/json', 'x-backchat-filename': 'conversations.json' },
    body: JSON.stringify(conversations),
  });
  const body = (await response.json()) as { imported: number; detail?: unknown };
  if (!response.ok) throw new Error(`data_import ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

/** The entries of a zip file (central directory; stored or deflated), by name. */
export function readZip(zip: Buffer): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('not a zip: no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let index = 0; index < count; index++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry at ${at}`);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    entries.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + skip;
  }
  return entries;
}
