/**
 * The search part of the Store seam: full-text search over the owner's conversations — titles and
 * message text (migration 006, docs/decisions/2026-12-02-search.md).
 */

/** Where a page of results ends: the next page starts after it. */
export interface SearchPosition {
  /** The last hit's score (higher is better; only comparable within one database). */
  score: number;
  conversationId: string;
}

export interface SearchQuery {
  /**
   * Words to find, all of them (AND), as the user typed them but made only of letters, marks and
   * digits. The store folds them as its index does, and quotes them: no search syntax reaches the
   * database.
   */
  terms: string[];
  /** Whether the last term also matches words it begins ("pyth" finds "python"). */
  prefixLast: boolean;
  limit: number;
  /** The previous page's `next`; null for the first page. */
  after: SearchPosition | null;
}

/** A conversation's best-ranked hit. */
export interface SearchHit {
  conversationId: string;
  currentNode: string;
  title: string | null;
  isArchived: boolean;
  createTime: number;
  updateTime: number;
  /** The message that matched; null when the title did. */
  messageId: string | null;
  /** That message's `parts` (empty for a title hit). */
  parts: unknown[];
  score: number;
}

export interface SearchPage {
  /** One per conversation, best first. */
  hits: SearchHit[];
  /** Where the next page starts; null when this is the last. */
  next: SearchPosition | null;
}

export interface SearchStore {
  /**
   * The owner's conversations matching every term, ranked (title hits weigh more than message hits),
   * one hit per conversation. Never conversations that are hidden (deleted) or temporary; never
   * messages being written, hidden from the conversation, or of another owner. No terms: no hits.
   */
  searchConversations(ownerId: string, query: SearchQuery): Promise<SearchPage>;
}
