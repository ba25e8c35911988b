/** Request and response shapes of `GET /backend-api/conversations/search` (docs/api.md, "Search"). */
import { z } from 'zod';

/** Longest query accepted, in UTF-16 units (a 400 beyond). */
export const maxSearchQueryLength = 256;

/**
 * A word with its case and Latin-style accents (U+0300–U+036F after decomposition) folded:
 * "Café" → "cafe". PostgreSQL's search documents are folded the same way (migration 006).
 */
export function foldWord(word: string): string {
  return word
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .normalize('NFC');
}

export const searchQuerySchema = z.looseObject({
  query: z.string().max(maxSearchQueryLength, `query: at most ${maxSearchQueryLength} characters`).default(''),
  cursor: z.string().max(1024).optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

/** One conversation's best hit. Key order is the wire order. */
export interface WireSearchItem {
  conversation_id: string;
  current_node_id: string;
  title: string;
  is_archived: boolean;
  create_time: number;
  update_time: number;
  payload: {
    kind: 'message' | 'title';
    message_id: string | null;
    /** Plain text, never markup. */
    snippet: string;
    /** [start, end) UTF-16 offsets into `snippet` of the words that matched. */
    snippet_highlights: Array<[number, number]>;
  };
}

export interface WireSearchPage {
  items: WireSearchItem[];
  /** Opaque; pass it back as `cursor` for the next page. null on the last page. */
  cursor: string | null;
}
