/**
 * A long thread in chunks of rows, mounted from the bottom up: the newest chunks (what the user sees
 * first) render at once, older ones are added above a few at a time while the browser is idle (scroll
 * anchoring keeps the view still). Chunks also bound React's work: an update inside one row revisits
 * the list of chunks and that chunk's rows, not all 2,000 rows.
 */
import { useEffect, useMemo, useState } from 'react';

export const chunkSize = 40;
const firstChunks = 2;
const chunksPerBatch = 3;

export interface KeyChunk {
  /** Stable React key: the chunk's position from the start of the branch. */
  index: number;
  keys: readonly string[];
}

type Cancel = () => void;

function whenIdle(work: () => void): Cancel {
  if (typeof window.requestIdleCallback === 'function') {
    const handle = window.requestIdleCallback(work, { timeout: 250 });
    return () => window.cancelIdleCallback(handle);
  }
  const handle = setTimeout(work, 16);
  return () => clearTimeout(handle);
}

export function splitIntoChunks(keys: readonly string[]): KeyChunk[] {
  const chunks: KeyChunk[] = [];
  for (let start = 0; start < keys.length; start += chunkSize) {
    chunks.push({ index: start / chunkSize, keys: keys.slice(start, start + chunkSize) });
  }
  return chunks;
}

/** The chunks to render now: a growing tail of the branch's chunks, all of them after a few idle moments. */
export function useProgressiveChunks(keys: readonly string[]): KeyChunk[] {
  const chunks = useMemo(() => splitIntoChunks(keys), [keys]);
  const [limit, setLimit] = useState(firstChunks);
  useEffect(() => {
    if (limit === Number.POSITIVE_INFINITY) return;
    if (limit >= chunks.length) {
      setLimit(Number.POSITIVE_INFINITY);
      return;
    }
    return whenIdle(() => setLimit((value) => value + chunksPerBatch));
  }, [limit, chunks.length]);
  return limit >= chunks.length ? chunks : chunks.slice(chunks.length - limit);
}
