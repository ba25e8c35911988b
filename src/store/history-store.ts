/**
 * The history part of the Store seam: importing a ChatGPT export and reading an owner's history back
 * out for export (docs/api.md, "Import and export"). Every method but `conversationIdTaken` takes the
 * owner's user id first.
 */
import type { ConversationRecord, MessageRecord } from './conversation-store.js';

/** Where an export page starts: after this conversation in (create_time, id) order. */
export interface ExportCursor {
  createTime: number;
  id: string;
}

/** A conversation to import whole, and the id it had in the export. */
export interface ImportedConversation {
  conversation: ConversationRecord;
  /** Parents before children. */
  messages: readonly MessageRecord[];
  sourceId: string;
}

export interface HistoryStore {
  /**
   * For each exported conversation id the owner already has: the conversation it was imported as, or
   * the owner's own conversation of that id (exported from backchat). Ids the owner has neither of
   * are left out.
   */
  findImportedConversations(ownerId: string, sourceIds: readonly string[]): Promise<Map<string, string>>;
  /** Which of `ids` any owner has a conversation of (ids are unique across owners). */
  takenConversationIds(ids: readonly string[]): Promise<Set<string>>;
  /**
   * Writes imported conversations whole: each conversation (with its archived state, times and
   * extras), its messages in order and the source id it came from, in a few statements. The caller
   * wraps it in a transaction so a failure leaves nothing.
   */
  insertImportedConversations(items: readonly ImportedConversation[]): Promise<void>;
  /**
   * One page of the owner's exportable conversations — visible and not temporary, archived or not —
   * oldest first by (create_time, id), after `after` when given.
   */
  listExportableConversations(
    ownerId: string,
    after: ExportCursor | undefined,
    limit: number,
  ): Promise<ConversationRecord[]>;
}
