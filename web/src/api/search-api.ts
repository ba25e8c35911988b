/** Full-text search over the user's conversations (`GET /backend-api/conversations/search`, docs/api.md). */
import type { WireSearchItem, WireSearchPage } from '../../../src/protocol/search-types.js';
import { requestJson } from './http-client.js';

export type SearchHit = WireSearchItem;
export type SearchPage = WireSearchPage;

export const searchPageSize = 20;

export function searchConversations(query: string, cursor: string | null, signal?: AbortSignal): Promise<SearchPage> {
  const params = new URLSearchParams({ query, limit: String(searchPageSize) });
  if (cursor) params.set('cursor', cursor);
  return requestJson(`/backend-api/conversations/search?${params}`, signal ? { signal } : {});
}

export interface SnippetPart {
  text: string;
  match: boolean;
}

/**
 * The snippet cut at its highlights: plain and matched runs in order. Ranges out of bounds,
 * reversed or overlapping an earlier one are clipped or skipped, so a bad range never hides text.
 */
export function snippetParts(snippet: string, highlights: ReadonlyArray<readonly [number, number]>): SnippetPart[] {
  const parts: SnippetPart[] = [];
  const ranges = [...highlights]
    .filter((range) => Array.isArray(range) && Number.isInteger(range[0]) && Number.isInteger(range[1]))
    .sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [rawStart, rawEnd] of ranges) {
    const start = Math.max(at, Math.min(rawStart, snippet.length));
    const end = Math.min(rawEnd, snippet.length);
    if (end <= start) continue;
    if (start > at) parts.push({ text: snippet.slice(at, start), match: false });
    parts.push({ text: snippet.slice(start, end), match: true });
    at = end;
  }
  if (at < snippet.length) parts.push({ text: snippet.slice(at), match: false });
  return parts;
}
