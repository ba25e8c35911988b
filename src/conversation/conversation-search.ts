/**
 * Conversation search (docs/api.md, "Search"; docs/decisions/2026-12-02-search.md): the user's text →
 * words the store can look up, the store's hits → the wire page with plain-text snippets and the
 * offsets of the words that matched.
 */
import { InvalidRequestError } from '../domain-errors.js';
import { foldWord, type WireSearchItem, type WireSearchPage } from '../protocol/search-types.js';
import { UNTITLED } from '../protocol/wire-types.js';
import type { SearchHit, SearchPosition, SearchQuery, SearchStore } from '../store/store.js';

/** A word: letters, combining marks and digits (the same split as the database tokenizers). */
const wordPattern = /[\p{L}\p{M}\p{N}]+/gu;

/** A last word this long or longer also matches longer words it begins ("pyth" → "python"). */
const minPrefixLength = 3;

/** Words kept from a query: the rest are ignored. */
const maxQueryTerms = 16;

/** Snippet length aimed at (UTF-16 units), and the context kept before the first match. */
const snippetLength = 200;
const leadingContext = 60;
const ellipsis = '…';

/** The user's text as store terms: its words (duplicates dropped); search syntax is never passed on. */
export function searchTerms(text: string): Pick<SearchQuery, 'terms' | 'prefixLast'> {
  const terms: string[] = [];
  const folded = new Set<string>();
  for (const [word] of text.matchAll(wordPattern)) {
    const key = foldWord(word);
    if (key === '' || folded.has(key)) continue;
    folded.add(key);
    terms.push(word);
    if (terms.length === maxQueryTerms) break;
  }
  const last = terms.at(-1);
  return { terms, prefixLast: last !== undefined && [...last].length >= minPrefixLength };
}

/** The cursor is the last hit's position, as base64url JSON: opaque to clients. */
export function encodeCursor(position: SearchPosition): string {
  return Buffer.from(JSON.stringify({ s: position.score, c: position.conversationId })).toString('base64url');
}

export function decodeCursor(cursor: string): SearchPosition {
  const invalid = () => new InvalidRequestError('cursor: not a cursor this search returned');
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof value !== 'object' || value === null) throw invalid();
  const { s, c } = value as { s?: unknown; c?: unknown };
  if (typeof s !== 'number' || !Number.isFinite(s) || typeof c !== 'string' || c.length > 200) throw invalid();
  return { score: s, conversationId: c };
}

/** The strings of a message's parts, one after another. */
function partsText(parts: unknown[]): string {
  return parts.filter((part): part is string => typeof part === 'string').join('\n');
}

interface Snippet {
  snippet: string;
  snippet_highlights: Array<[number, number]>;
}

/** Moves `index` off the second half of a surrogate pair, so a cut never splits a character. */
function charBoundary(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff && index > 0 ? index - 1 : index;
}

/**
 * A plain-text excerpt of `text` around its first matched word (whitespace collapsed, cut at spaces
 * where it can, `…` where it was cut), with the UTF-16 ranges of every matched word inside it.
 */
export function buildSnippet(text: string, query: Pick<SearchQuery, 'terms' | 'prefixLast'>): Snippet {
  const flat = text.replace(/\s+/g, ' ').trim();
  const terms = query.terms.map(foldWord);
  const last = terms.at(-1);
  const matches: Array<[number, number]> = [];
  for (const match of flat.matchAll(wordPattern)) {
    const word = foldWord(match[0]);
    const hit = terms.includes(word) || (query.prefixLast && last !== undefined && word.startsWith(last));
    if (hit) matches.push([match.index, match.index + match[0].length]);
  }
  let start = 0;
  const first = matches[0];
  if (first && first[0] > leadingContext) {
    start = first[0] - leadingContext;
    const space = flat.indexOf(' ', start);
    start = space !== -1 && space < first[0] ? space + 1 : charBoundary(flat, start);
  }
  let end = Math.min(flat.length, start + snippetLength);
  if (first) end = Math.max(end, Math.min(flat.length, first[1]));
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end);
    end = space > start && (!first || space >= first[1]) ? space : charBoundary(flat, end);
  }
  const head = start > 0 ? ellipsis : '';
  const snippet = `${head}${flat.slice(start, end)}${end < flat.length ? ellipsis : ''}`;
  const shift = head.length - start;
  const snippet_highlights = matches
    .filter(([from, to]) => from >= start && to <= end)
    .map(([from, to]): [number, number] => [from + shift, to + shift]);
  return { snippet, snippet_highlights };
}

function wireItem(hit: SearchHit, query: Pick<SearchQuery, 'terms' | 'prefixLast'>): WireSearchItem {
  const title = hit.title ?? UNTITLED;
  const text = hit.messageId === null ? title : partsText(hit.parts);
  return {
    conversation_id: hit.conversationId,
    current_node_id: hit.currentNode,
    title,
    is_archived: hit.isArchived,
    create_time: hit.createTime,
    update_time: hit.updateTime,
    payload: {
      kind: hit.messageId === null ? 'title' : 'message',
      message_id: hit.messageId,
      ...buildSnippet(text, query),
    },
  };
}

export interface SearchRequest {
  query: string;
  cursor?: string | undefined;
  limit: number;
}

/** One page of the user's conversations matching `request.query`, best first. */
export async function searchConversations(
  store: SearchStore,
  userId: string,
  request: SearchRequest,
): Promise<WireSearchPage> {
  const after = request.cursor ? decodeCursor(request.cursor) : null;
  const terms = searchTerms(request.query);
  if (terms.terms.length === 0) return { items: [], cursor: null };
  const page = await store.searchConversations(userId, { ...terms, limit: request.limit, after });
  return {
    items: page.hits.map((hit) => wireItem(hit, terms)),
    cursor: page.next ? encodeCursor(page.next) : null,
  };
}
