/**
 * The search dialog's state: the query, debounced (150 ms) into `GET …/conversations/search`, the
 * hits so far, "load more" by cursor, and the request's error. A newer query aborts the older one,
 * so results never arrive out of order.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError, isAbortError } from '../api/api-error.js';
import { type SearchHit, searchConversations } from '../api/search-api.js';

export const searchDebounceMs = 150;

export interface SearchState {
  query: string;
  setQuery: (query: string) => void;
  /** The query the hits belong to (trimmed); '' before any search. */
  searched: string;
  hits: readonly SearchHit[];
  loading: boolean;
  error: string | null;
  hasMore: boolean;
  loadMore: () => void;
}

export function useSearch(): SearchState {
  const [query, setQuery] = useState('');
  const [searched, setSearched] = useState('');
  const [hits, setHits] = useState<readonly SearchHit[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef<AbortController | null>(null);

  const run = useCallback(async (text: string, after: string | null) => {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    setLoading(true);
    setError(null);
    try {
      const page = await searchConversations(text, after, controller.signal);
      if (controller.signal.aborted) return;
      setSearched(text);
      setHits((previous) => {
        if (after === null) return page.items;
        const known = new Set(previous.map((hit) => hit.conversation_id));
        return [...previous, ...page.items.filter((hit) => !known.has(hit.conversation_id))];
      });
      setCursor(page.cursor);
    } catch (failure) {
      if (isAbortError(failure) || controller.signal.aborted) return;
      setError(describeError(failure));
    } finally {
      if (inFlight.current === controller) {
        inFlight.current = null;
        setLoading(false);
      }
    }
  }, []);

  useEffect(() => {
    const text = query.trim();
    if (text === '') {
      inFlight.current?.abort();
      inFlight.current = null;
      setSearched('');
      setHits([]);
      setCursor(null);
      setLoading(false);
      setError(null);
      return;
    }
    const timer = setTimeout(() => void run(text, null), searchDebounceMs);
    return () => clearTimeout(timer);
  }, [query, run]);

  useEffect(() => () => inFlight.current?.abort(), []);

  const loadMore = useCallback(() => {
    if (cursor && !loading) void run(searched, cursor);
  }, [cursor, loading, run, searched]);

  return { query, setQuery, searched, hits, loading, error, hasMore: cursor !== null, loadMore };
}
