/**
 * Imports a ChatGPT export into one user's history (docs/api.md, "Import and export"): conversation
 * files are streamed element by element; each conversation is checked whole, then written in one
 * transaction, so a bad one is skipped with its reason and never half-written, and never stops the
 * rest. Importing the same export again adds nothing. Ratings from `message_feedback.json` follow,
 * for the messages that exist.
 */
import type { Readable } from 'node:stream';
import { type Clock, epochSeconds } from '../../clock.js';
import type { Ids } from '../../ids.js';
import { isClientId } from '../../protocol/requests.js';
import type {
  ConversationStore,
  FeedbackStore,
  HistoryStore,
  ImportedConversation,
  Transactional,
} from '../../store/store.js';
import { type ExportFile, type ExportSource, ExportSourceError } from './export-source.js';
import {
  type ExportedConversation,
  readExportedConversation,
  toMessageRecords,
  toRecord,
} from './exported-conversation.js';
import { JsonArrayError, type JsonArrayOptions, readJsonArray } from './json-array-reader.js';

export interface SkippedConversation {
  id: string | null;
  title: string | null;
  reason: string;
}

/** The import's answer (the wire shape of `POST accounts/data_import`). */
export interface ImportSummary {
  /** Conversations seen in the export, good or bad. */
  conversations: number;
  imported: number;
  already_present: number;
  skipped: SkippedConversation[];
  feedback_imported: number;
}

export interface ImportProgress {
  file: string;
  /** Bytes of the conversation files read so far, and in all. */
  bytesDone: number;
  bytesTotal: number;
  conversations: number;
  imported: number;
  alreadyPresent: number;
  skipped: number;
}

export interface HistoryImporterDeps {
  store: Transactional<HistoryStore & ConversationStore & FeedbackStore>;
  ids: Ids;
  clock: Clock;
}

/** A checked conversation waiting to be written, and where it was in the export. */
interface Pending {
  conversation: ExportedConversation;
  where: string;
}

/** Conversations written per transaction. */
const writeBatch = 200;

/** Skipped conversations listed one by one; past this the last entry counts the rest. */
export const maxSkippedListed = 1000;

function describeTitle(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const title = (value as { title?: unknown }).title;
  return typeof title === 'string' ? title.slice(0, 200) : null;
}

function describeId(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const { id, conversation_id: conversationId } = value as { id?: unknown; conversation_id?: unknown };
  const found = id ?? conversationId;
  return typeof found === 'string' ? found.slice(0, 200) : null;
}

export class HistoryImporter {
  constructor(private readonly deps: HistoryImporterDeps) {}

  /**
   * Imports `source` into `ownerId`'s history. Throws `ExportSourceError` only when not one
   * conversation could be read (the export is not an export); otherwise every problem is in the summary.
   */
  async importExport(
    ownerId: string,
    source: ExportSource,
    onProgress: (progress: ImportProgress) => void = () => {},
    options: JsonArrayOptions = {},
  ): Promise<ImportSummary> {
    const summary: ImportSummary = {
      conversations: 0,
      imported: 0,
      already_present: 0,
      skipped: [],
      feedback_imported: 0,
    };
    let skippedCount = 0;
    const skip = (entry: SkippedConversation) => {
      skippedCount++;
      if (summary.skipped.length < maxSkippedListed) summary.skipped.push(entry);
    };
    const bytesTotal = source.conversationFiles.reduce((sum, file) => sum + file.size, 0);
    let pending: Pending[] = [];
    const flush = async () => {
      const batch = pending;
      pending = [];
      await this.writeBatch(ownerId, batch, summary, skip);
    };
    let bytesBefore = 0;
    let fatal: string | undefined;
    for (const file of source.conversationFiles) {
      let bytesDone = bytesBefore;
      const report = () =>
        onProgress({
          file: file.name,
          bytesDone,
          bytesTotal,
          conversations: summary.conversations,
          imported: summary.imported,
          alreadyPresent: summary.already_present,
          skipped: skippedCount,
        });
      const stream = await this.openFile(source, file);
      try {
        const elements = readJsonArray(stream, {
          ...options,
          onBytes: (bytes) => {
            bytesDone = bytesBefore + bytes;
          },
        });
        let lastReport = 0;
        for await (const element of elements) {
          summary.conversations++;
          const where = `${file.name}, record ${element.index + 1}`;
          if ('error' in element) {
            skip({ id: null, title: null, reason: `${where}: ${element.error}` });
            continue;
          }
          const read = this.readOne(element.text, where, skip);
          if (read) pending.push(read);
          if (pending.length >= writeBatch) await flush();
          if (summary.conversations - lastReport >= 100) {
            lastReport = summary.conversations;
            report();
          }
        }
      } catch (error) {
        if (!(error instanceof JsonArrayError)) throw error;
        const message = `${file.name}, record ${error.index + 1}: ${error.message}`;
        fatal ??= message;
        skip({ id: null, title: null, reason: `${message}; the rest of this file was not read` });
      } finally {
        stream.destroy();
      }
      await flush();
      bytesBefore += file.size;
      bytesDone = bytesBefore;
      report();
    }
    if (summary.conversations === 0 && fatal !== undefined) {
      throw new ExportSourceError(`${source.label}: ${fatal}`);
    }
    if (skippedCount > summary.skipped.length) {
      summary.skipped.push({
        id: null,
        title: null,
        reason: `…and ${skippedCount - summary.skipped.length} more skipped`,
      });
    }
    if (source.feedbackFile)
      summary.feedback_imported = await this.importFeedback(ownerId, source, source.feedbackFile);
    return summary;
  }

  private async openFile(source: ExportSource, file: ExportFile): Promise<Readable> {
    try {
      return await file.open();
    } catch (error) {
      throw new ExportSourceError(`${source.label}: ${file.name} cannot be read (${(error as Error).message})`);
    }
  }

  /** Parses and checks one element; undefined (and a skipped entry) when it cannot be imported. */
  private readOne(text: string, where: string, skip: (entry: SkippedConversation) => void): Pending | undefined {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      skip({ id: null, title: null, reason: `${where}: not valid JSON (${(error as Error).message})` });
      return undefined;
    }
    const read = readExportedConversation(value);
    if (!read.ok) {
      skip({ id: describeId(value), title: describeTitle(value), reason: `${where}: ${read.reason}` });
      return undefined;
    }
    return { conversation: read.conversation, where };
  }

  /**
   * Writes checked conversations (inside the caller's transaction) in a few statements; for each,
   * whether it was new (false: the owner already has it, from an earlier import or this batch).
   */
  private async writeAll(tx: HistoryStore, ownerId: string, batch: readonly Pending[]): Promise<boolean[]> {
    const present = await tx.findImportedConversations(
      ownerId,
      batch.map(({ conversation }) => conversation.sourceId),
    );
    // Only a UUID-shaped id can be used in the API's paths; another gets a fresh id (the source id is
    // remembered, so importing again still finds it).
    const taken = await tx.takenConversationIds(
      batch.map(({ conversation }) => conversation.sourceId).filter((id) => isClientId(id)),
    );
    const seen = new Set<string>();
    const items: ImportedConversation[] = [];
    const outcomes = batch.map(({ conversation }) => {
      if (present.has(conversation.sourceId) || seen.has(conversation.sourceId)) return false;
      seen.add(conversation.sourceId);
      const keep = isClientId(conversation.sourceId) && !taken.has(conversation.sourceId);
      const id = keep ? conversation.sourceId : this.deps.ids.uuid();
      items.push({
        conversation: toRecord(conversation, id, ownerId),
        messages: toMessageRecords(conversation, id),
        sourceId: conversation.sourceId,
      });
      return true;
    });
    await tx.insertImportedConversations(items);
    return outcomes;
  }

  /**
   * Writes checked conversations, several to a transaction (a commit and a statement each would cost
   * more than the rows). Should that transaction fail, each is written again in a transaction of its
   * own, so one that cannot be written is skipped whole and the others still go in.
   */
  private async writeBatch(
    ownerId: string,
    batch: Pending[],
    summary: ImportSummary,
    skip: (entry: SkippedConversation) => void,
  ): Promise<void> {
    if (batch.length === 0) return;
    const { store } = this.deps;
    const count = (outcomes: boolean[]) => {
      for (const isNew of outcomes) {
        if (isNew) summary.imported++;
        else summary.already_present++;
      }
    };
    if (batch.length > 1) {
      try {
        count(await store.transaction((tx) => this.writeAll(tx, ownerId, batch)));
        return;
      } catch {
        // One of them cannot be written: find which, one at a time.
      }
    }
    for (const pending of batch) {
      try {
        count(await store.transaction((tx) => this.writeAll(tx, ownerId, [pending])));
      } catch (error) {
        skip({
          id: pending.conversation.sourceId,
          title: pending.conversation.title,
          reason: `${pending.where}: could not be written (${(error as Error).message})`,
        });
      }
    }
  }

  /** Ratings whose conversation and message are in the owner's history; returns how many were new or changed. */
  private async importFeedback(ownerId: string, source: ExportSource, file: ExportFile): Promise<number> {
    const { store, ids, clock } = this.deps;
    const existing = new Map(
      (await store.listFeedback(ownerId)).map((feedback) => [
        `${feedback.conversationId}\n${feedback.messageId}`,
        JSON.stringify([feedback.rating, feedback.text, feedback.tags]),
      ]),
    );
    const conversations = new Map<string, string | undefined>();
    let imported = 0;
    const stream = await this.openFile(source, file);
    try {
      for await (const element of readJsonArray(stream)) {
        if ('error' in element) continue;
        let value: unknown;
        try {
          value = JSON.parse(element.text);
        } catch {
          continue;
        }
        const rating = readFeedback(value, epochSeconds(clock.now()));
        if (!rating) continue;
        if (!conversations.has(rating.sourceConversationId)) {
          const found = await store.findImportedConversations(ownerId, [rating.sourceConversationId]);
          conversations.set(rating.sourceConversationId, found.get(rating.sourceConversationId));
        }
        const conversationId = conversations.get(rating.sourceConversationId);
        if (conversationId === undefined) continue;
        if (!(await store.getMessage(ownerId, conversationId, rating.messageId))) continue;
        const key = `${conversationId}\n${rating.messageId}`;
        if (existing.get(key) === JSON.stringify([rating.rating, rating.text, rating.tags])) continue;
        await store.upsertFeedback({
          id: ids.uuid(),
          userId: ownerId,
          conversationId,
          messageId: rating.messageId,
          rating: rating.rating,
          text: rating.text,
          tags: rating.tags,
          createTime: rating.createTime,
        });
        existing.set(key, JSON.stringify([rating.rating, rating.text, rating.tags]));
        imported++;
      }
    } catch (error) {
      // A broken feedback file costs only the ratings after the break.
      if (!(error instanceof JsonArrayError)) throw error;
    } finally {
      stream.destroy();
    }
    return imported;
  }
}

interface ExportedFeedback {
  sourceConversationId: string;
  messageId: string;
  rating: 'thumbsUp' | 'thumbsDown';
  text: string | null;
  tags: string[];
  createTime: number;
}

const plainText = (value: unknown): value is string =>
  typeof value === 'string' &&
  value !== '' &&
  value.length <= 10_000 &&
  !value.includes('\u0000') &&
  !/\p{Cs}/u.test(value);

/**
 * One element of `message_feedback.json`. The rated message is `message_id` when present (backchat's
 * own exports), else the element's `id` (docs/decisions/2026-12-02-history-import-export.md); `content`
 * is JSON text holding the free text and tags, when it is.
 */
export function readFeedback(value: unknown, now: number): ExportedFeedback | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const item = value as Record<string, unknown>;
  const messageId = item.message_id ?? item.id;
  if (!plainText(item.conversation_id) || !plainText(messageId)) return undefined;
  const rating = typeof item.rating === 'string' ? item.rating.toLowerCase() : '';
  if (rating !== 'thumbsup' && rating !== 'thumbsdown') return undefined;
  let text: string | null = null;
  let tags: string[] = [];
  if (typeof item.content === 'string') {
    try {
      const content = JSON.parse(item.content) as { text?: unknown; tags?: unknown };
      if (plainText(content?.text)) text = content.text;
      if (Array.isArray(content?.tags)) tags = content.tags.filter(plainText).slice(0, 50);
    } catch {
      // Free text that is not JSON: keep it as the text.
      if (plainText(item.content)) text = item.content;
    }
  }
  const parsed = typeof item.create_time === 'string' ? Date.parse(item.create_time) : Number.NaN;
  const createTime =
    typeof item.create_time === 'number' && Number.isFinite(item.create_time)
      ? item.create_time
      : Number.isFinite(parsed)
        ? parsed / 1000
        : now;
  return {
    sourceConversationId: item.conversation_id,
    messageId,
    rating: rating === 'thumbsup' ? 'thumbsUp' : 'thumbsDown',
    text,
    tags,
    createTime,
  };
}
