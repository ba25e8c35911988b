/**
 * Generated ChatGPT exports for the import/export tests and bench: conversations shaped like the
 * `GET conversation` object plus `id` (float-second times, a `message: null` root, a hidden system node,
 * branches, tool messages, content types other than text, missing model slugs, author metadata, keys
 * backchat does not write), written as the 2023 single `conversations.json`, the later split
 * `conversations-NNN.json` files, a zip of either, or a folder. Deterministic for a seed.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { seededRandom } from './seeded-random.js';

export interface GeneratedOptions {
  seed?: number;
  /** Extra answers under a user message (regenerations) every `branchEvery` turns (default 3). */
  branchEvery?: number;
  /** Turns per conversation (default 1..6). */
  turns?: number;
  /** Give every `bigEvery`-th conversation a 100 KB message (default never). */
  bigEvery?: number;
}

type Json = Record<string, unknown>;

const words = [
  'hello',
  'world',
  'über',
  'naïve',
  '日本語',
  'emoji 😀',
  'العربية',
  'tab\there',
  'quote "q"',
  '</script>',
  'back\\slash',
];

/** A deterministic id shaped like ChatGPT's UUIDs. */
function uuid(next: () => number): string {
  const hex = () => Math.floor(next() * 16).toString(16);
  const part = (n: number) => Array.from({ length: n }, hex).join('');
  return `${part(8)}-${part(4)}-4${part(3)}-a${part(3)}-${part(12)}`;
}

/** The id of generated conversation `n` (UUID-shaped, as the API's paths need). */
export function conversationIdOf(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

/** One exported conversation (index `n` of the export). */
export function generatedConversation(n: number, options: GeneratedOptions = {}): Json {
  const random = seededRandom((options.seed ?? 1) * 1_000_003 + n);
  const next = () => random.next();
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const sentence = (count: number) => Array.from({ length: count }, () => pick(words)).join(' ');
  const start = Math.round((1_690_000_000 + n * 97.123456) * 1e6) / 1e6;
  let time = start;
  const tick = () => {
    // Microseconds, like ChatGPT's floats.
    time = Math.round((time + next() * 5 + 0.5) * 1e6) / 1e6;
    return time;
  };
  const mapping: Record<string, Json> = {};
  const rootId = n % 2 === 0 ? 'client-created-root' : uuid(next);
  const add = (id: string, message: Json | null, parent: string | null) => {
    mapping[id] = { id, message, parent, children: [] };
    if (parent) (mapping[parent] as { children: string[] }).children.push(id);
  };
  add(rootId, null, null);
  const systemId = uuid(next);
  add(
    systemId,
    {
      id: systemId,
      author: { role: 'system', name: null, metadata: {} },
      create_time: null,
      update_time: null,
      content: { content_type: 'text', parts: [''] },
      status: 'finished_successfully',
      end_turn: true,
      weight: 0.0,
      metadata: { is_visually_hidden_from_conversation: true },
      recipient: 'all',
      channel: null,
    },
    rootId,
  );
  let parent = systemId;
  let leaf = systemId;
  const turns = options.turns ?? 1 + Math.floor(next() * 6);
  const slug = pick(['text-davinci-002-render-sha', 'gpt-4', 'gpt-4o', 'o1-preview', 'some-future-model', undefined]);
  for (let turn = 0; turn < turns; turn++) {
    const userId = uuid(next);
    const big = options.bigEvery && n % options.bigEvery === 0 && turn === 0;
    add(
      userId,
      {
        id: userId,
        author: { role: 'user', name: null, metadata: {} },
        create_time: tick(),
        update_time: null,
        content: { content_type: 'text', parts: [big ? 'x'.repeat(100 * 1024) : sentence(3 + Math.floor(next() * 8))] },
        status: 'finished_successfully',
        end_turn: null,
        weight: 1.0,
        metadata: { timestamp_: 'absolute', message_type: null },
        recipient: 'all',
      },
      parent,
    );
    const answers = turn % (options.branchEvery ?? 3) === 2 ? 2 : 1;
    let answerId = userId;
    for (let answer = 0; answer < answers; answer++) {
      answerId = uuid(next);
      const kind = (n + turn + answer) % 7;
      const content =
        kind === 5
          ? { content_type: 'code', language: 'python', text: `print(${JSON.stringify(sentence(2))})` }
          : kind === 6
            ? {
                content_type: 'multimodal_text',
                parts: [{ asset_pointer: 'file-service://file-abc', width: 10 }, sentence(2)],
              }
            : { content_type: 'text', parts: [sentence(5 + Math.floor(next() * 20))] };
      add(
        answerId,
        {
          id: answerId,
          author:
            kind === 5
              ? { role: 'tool', name: 'python', metadata: { source: 'sandbox' } }
              : { role: 'assistant', name: null, metadata: {} },
          create_time: tick(),
          update_time: kind === 4 ? tick() : null,
          content,
          status: 'finished_successfully',
          end_turn: true,
          weight: 1.0,
          metadata: {
            finish_details: { type: 'stop', stop_tokens: [100260] },
            is_complete: true,
            ...(slug !== undefined && { model_slug: slug }),
            parent_id: userId,
            timestamp_: 'absolute',
          },
          recipient: 'all',
        },
        userId,
      );
    }
    parent = answerId;
    leaf = answerId;
  }
  return {
    title: n % 11 === 3 ? `Title ${n} 😀 </script><b>` : `Conversation ${n}`,
    create_time: start,
    update_time: time,
    mapping,
    moderation_results: [],
    current_node: leaf,
    plugin_ids: null,
    conversation_id: conversationIdOf(n),
    conversation_template_id: null,
    gizmo_id: n % 5 === 0 ? 'g-abc' : null,
    is_archived: n % 4 === 1,
    safe_urls: [],
    default_model_slug: slug ?? null,
    id: conversationIdOf(n),
  };
}

/** `conversations.json` text of these conversations. */
export function conversationsJson(conversations: readonly unknown[]): string {
  return `[${conversations.map((item) => JSON.stringify(item)).join(',\n')}]`;
}

/** Streams the JSON array of conversations `from`…`to - 1` (no whole file in memory). */
function conversationStream(from: number, to: number, options: GeneratedOptions): Readable {
  return Readable.from(
    (function* () {
      yield '[';
      for (let n = from; n < to; n++)
        yield `${n === from ? '' : ',\n'}${JSON.stringify(generatedConversation(n, options))}`;
      yield ']';
    })(),
  );
}

export interface ExportLayout {
  count: number;
  /** Conversations per file: split layout (`conversations-000.json`…) when given, else one file. */
  perFile?: number;
  feedback?: unknown[];
  options?: GeneratedOptions;
}

function layoutFiles(layout: ExportLayout): [string, () => Readable][] {
  const files: [string, () => Readable][] = [];
  const options = layout.options ?? {};
  if (layout.perFile === undefined) {
    files.push(['conversations.json', () => conversationStream(0, layout.count, options)]);
  } else {
    for (let from = 0, index = 0; from < layout.count; from += layout.perFile, index++) {
      const to = Math.min(layout.count, from + layout.perFile);
      files.push([`conversations-${String(index).padStart(3, '0')}.json`, () => conversationStream(from, to, options)]);
    }
  }
  files.push(['message_feedback.json', () => Readable.from([JSON.stringify(layout.feedback ?? [])])]);
  files.push(['user.json', () => Readable.from(['{"id":"user-x","email":"x@example.com"}'])]);
  return files;
}

/** Writes the export as a folder of files. */
export async function writeExportFolder(dir: string, layout: ExportLayout): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [name, open] of layoutFiles(layout)) await pipeline(open(), createWriteStream(join(dir, name)));
  return dir;
}

/** Writes the export as a zip. */
export async function writeExportZip(path: string, layout: ExportLayout): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const [name, open] of layoutFiles(layout)) zip.addReadStream(open(), name);
  zip.end();
  await pipeline(zip.outputStream as unknown as Readable, createWriteStream(path));
  return path;
}

/** Writes `conversations.json` only. */
export async function writeConversationsFile(path: string, conversations: readonly unknown[]): Promise<string> {
  await writeFile(path, conversationsJson(conversations));
  return path;
}

/** The files of the zip backchat exports, in the order it writes them. */
export const exportZipFiles = [
  'conversations.json',
  'user.json',
  'message_feedback.json',
  'shared_conversations.json',
  'model_comparisons.json',
  'chat.html',
] as const;

/** Every file of a zip (its bytes, or a path to it) as UTF-8 text, by name, in the zip's order. */
export async function zipFiles(source: Uint8Array | string): Promise<Map<string, string>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    const opened = (error: Error | null, file: yauzl.ZipFile) => (error ? reject(error) : resolve(file));
    if (typeof source === 'string') yauzl.open(source, { lazyEntries: true }, opened);
    else yauzl.fromBuffer(Buffer.from(source), { lazyEntries: true }, opened);
  });
  const files = new Map<string, string>();
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) =>
        zip.openReadStream(entry, async (error, stream) => {
          if (error) return reject(error);
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk as Buffer);
          files.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
          zip.readEntry();
        }),
      );
      zip.on('end', () => resolve());
      zip.on('error', reject);
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return files;
}
