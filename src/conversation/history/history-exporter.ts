/**
 * Exports one user's history as a ChatGPT-style export zip (docs/api.md, "Import and export"):
 * `conversations.json` (every conversation not deleted and not temporary, archived ones included, as
 * the `GET conversation` object plus `id`), `user.json`, `message_feedback.json`,
 * `shared_conversations.json`, `model_comparisons.json` and `chat.html`. Conversations are read one
 * page at a time and written into the zip as they come: memory does not grow with the history.
 */
import { Readable } from 'node:stream';
import yazl from 'yazl';
import { isoTime } from '../../protocol/times.js';
import type {
  ConversationRecord,
  ConversationStore,
  ExportCursor,
  FeedbackStore,
  HistoryStore,
  ShareStore,
  UserRecord,
} from '../../store/store.js';
import { chatHtmlHead, chatHtmlTail, scriptSafeJson } from './chat-html.js';
import { toExportedObject } from './exported-conversation.js';

export type HistoryExportStore = HistoryStore & ConversationStore & FeedbackStore & Pick<ShareStore, 'listShares'>;

/** Conversations read per query. */
const pageSize = 100;

/** The owner's exportable conversations, a page at a time. */
async function* exportableConversations(
  store: HistoryExportStore,
  ownerId: string,
): AsyncGenerator<ConversationRecord> {
  let after: ExportCursor | undefined;
  for (;;) {
    const page = await store.listExportableConversations(ownerId, after, pageSize);
    yield* page;
    const last = page.at(-1);
    if (!last || page.length < pageSize) return;
    after = { createTime: last.createTime, id: last.id };
  }
}

/** The owner's exportable conversations, one at a time, as export objects. */
async function* exportedConversations(store: HistoryExportStore, ownerId: string): AsyncGenerator<object> {
  for await (const conversation of exportableConversations(store, ownerId)) {
    yield toExportedObject(conversation, await store.listMessages(ownerId, conversation.id));
  }
}

/** `[`, the elements each made text by `write`, `,` between, `]`. */
async function* jsonArray(items: AsyncIterable<object>, write: (item: object) => string): AsyncGenerator<string> {
  yield '[';
  let first = true;
  for await (const item of items) {
    yield `${first ? '' : ',\n'}${write(item)}`;
    first = false;
  }
  yield ']';
}

async function* chatHtml(store: HistoryExportStore, ownerId: string): AsyncGenerator<string> {
  yield chatHtmlHead;
  let first = true;
  for await (const conversation of exportedConversations(store, ownerId)) {
    yield `${first ? '' : ',\n'}${scriptSafeJson(conversation)}`;
    first = false;
  }
  yield chatHtmlTail;
}

async function* feedbackJson(store: HistoryExportStore, user: UserRecord): AsyncGenerator<string> {
  const items = (await store.listFeedback(user.id)).map((feedback) => ({
    id: feedback.id,
    conversation_id: feedback.conversationId,
    message_id: feedback.messageId,
    user_id: user.id,
    rating: feedback.rating,
    create_time: isoTime(feedback.createTime),
    workspace_id: null,
    content: JSON.stringify({ text: feedback.text, tags: feedback.tags }),
    storage_protocol: 'zstd::1.5.5',
  }));
  const exported = new Set<string>();
  for await (const conversation of exportableConversations(store, user.id)) exported.add(conversation.id);
  yield JSON.stringify(items.filter((item) => exported.has(item.conversation_id)));
}

async function* sharesJson(store: HistoryExportStore, ownerId: string): AsyncGenerator<string> {
  async function* shares(): AsyncGenerator<object> {
    for (let offset = 0; ; offset += pageSize) {
      const { items } = await store.listShares(ownerId, { offset, limit: pageSize });
      for (const share of items) {
        yield {
          id: share.id,
          conversation_id: share.conversationId,
          title: share.title,
          is_anonymous: share.isAnonymous,
        };
      }
      if (items.length < pageSize) return;
    }
  }
  yield* jsonArray(shares(), (item) => JSON.stringify(item));
}

/** The export's files, in the order they go into the zip. */
function exportFiles(store: HistoryExportStore, user: UserRecord): [string, () => AsyncIterable<string>][] {
  return [
    ['conversations.json', () => jsonArray(exportedConversations(store, user.id), (item) => JSON.stringify(item))],
    [
      'user.json',
      async function* () {
        yield JSON.stringify({ id: user.id, email: user.email, chatgpt_plus_user: false, phone_number: null });
      },
    ],
    ['message_feedback.json', () => feedbackJson(store, user)],
    ['shared_conversations.json', () => sharesJson(store, user.id)],
    [
      'model_comparisons.json',
      async function* () {
        yield '[]';
      },
    ],
    ['chat.html', () => chatHtml(store, user.id)],
  ];
}

/**
 * The export zip of `user`'s history as a stream. Each file is produced only when the zip reaches it;
 * a database failure midway ends the stream with that error.
 */
export function exportHistory(store: HistoryExportStore, user: UserRecord, mtime: Date): Readable {
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as unknown as Readable;
  for (const [name, produce] of exportFiles(store, user)) {
    const stream = Readable.from(produce(), { objectMode: false });
    stream.on('error', (error) => output.destroy(error));
    zip.addReadStream(stream, name, { mtime, mode: 0o100644 });
  }
  zip.end();
  return output;
}
