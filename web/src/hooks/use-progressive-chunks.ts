/**
 * A long thread in chunks of rows, mounted from the bottom up: the newest chunks (what the user sees
 * first) render at once, older ones are added above a few at a time while the browser is idle (scroll
 * anchoring keeps the view still). Chunks also bound React's work: an update inside one row revisits
 * the list of chunks and that chunk's rows, not all 2,000 rows.
 */
import { useEffect, useMemo, useState } from 'react';

export const chunkSize = 40;
/**
 * Rows the first render holds at least (the newest chunks until they do): a screenful. The rows above
 * come a batch per idle moment; mounting two chunks at once (up to 80 rows) made opening a long
 * conversation ~7 % slower to its last message (docs/performance.md, P8, ninth round).
 */
const firstRows = 12;
const chunksPerBatch = 3;

export interface KeyChunk {
  /**
   * Stable React key: the chunk's position counted from the branch's first loaded row. Rows loaded
   * later above it (older windows) make negative chunks, and every row already shown stays in its chunk.
   */
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

/** `keys` in chunks of `chunkSize` rows, `keys[0]` being at `firstPosition` (≤ 0) of the chunk grid. */
export function splitIntoChunks(keys: readonly string[], firstPosition = 0): KeyChunk[] {
  const chunks: KeyChunk[] = [];
  let start = 0;
  while (start < keys.length) {
    const index = Math.floor((firstPosition + start) / chunkSize);
    const end = (index + 1) * chunkSize - firstPosition;
    chunks.push({ index, keys: keys.slice(start, end) });
    start = end;
  }
  return chunks;
}

/** How many of the newest `chunks` hold at least `rows` rows (all of them when they hold fewer). */
export function newestChunksHolding(chunks: readonly KeyChunk[], rows: number): number {
  let count = 0;
  for (let held = 0; count < chunks.length && held < rows; count++)
    held += chunks[chunks.length - 1 - count]?.keys.length ?? 0;
  return Math.max(1, count);
}

/**
 * The chunks to render now: a growing tail of the branch's chunks, all of them after a few idle moments;
 * `complete` once every chunk is mounted (until then the top of the thread is not the top of what is
 * loaded, and older messages must not be fetched for it).
 */
export function useProgressiveChunks(
  keys: readonly string[],
  firstPosition = 0,
): { chunks: KeyChunk[]; complete: boolean } {
  const chunks = useMemo(() => splitIntoChunks(keys, firstPosition), [keys, firstPosition]);
  const [limit, setLimit] = useState(() => newestChunksHolding(chunks, firstRows));
  useEffect(() => {
    if (limit === Number.POSITIVE_INFINITY) return;
    if (limit >= chunks.length) {
      setLimit(Number.POSITIVE_INFINITY);
      return;
    }
    return whenIdle(() => setLimit((value) => value + chunksPerBatch));
  }, [limit, chunks.length]);
  const complete = limit >= chunks.length;
  return { chunks: complete ? chunks : chunks.slice(chunks.length - limit), complete };
}
