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
/** Chunks per task while rows loaded above are mounted: 240 rows (fewer made reaching the top slower). */
const soonChunksPerBatch = 6;

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

/** Runs `work` in a task of its own, soon (not waiting for the browser to be idle). */
function soon(work: () => void): Cancel {
  const handle = setTimeout(work, 0);
  return () => clearTimeout(handle);
}

/**
 * How many of `chunks` hold rows at or below `position` of the chunk grid: the chunks that were there
 * before rows were put above `position` (the one holding it may have grown).
 */
export function chunksFrom(chunks: readonly KeyChunk[], position: number): number {
  const first = Math.floor(position / chunkSize);
  return chunks.filter((chunk) => chunk.index >= first).length;
}

interface Mounting {
  /** How many of the newest chunks are mounted (`Infinity`: all of them). */
  limit: number;
  /** The first loaded row's position the last render saw. */
  firstPosition: number;
  /** Whether the rest comes task after task (rows put above while reading) or in idle moments (opening). */
  soon: boolean;
}

/**
 * The chunks to render now: a growing tail of the branch's chunks, all of them after a few idle moments;
 * `complete` once every chunk is mounted (until then the top of the thread is not the top of what is
 * loaded, and older messages must not be fetched for it). Rows loaded above the mounted ones later (an
 * older window, while someone scrolls up) are mounted the same way, a batch per task: 500 rows at once
 * held the page for ~100 ms.
 */
export function useProgressiveChunks(
  keys: readonly string[],
  firstPosition = 0,
): { chunks: KeyChunk[]; complete: boolean } {
  const chunks = useMemo(() => splitIntoChunks(keys, firstPosition), [keys, firstPosition]);
  const [mounting, setMounting] = useState<Mounting>(() => ({
    limit: newestChunksHolding(chunks, firstRows),
    firstPosition,
    soon: false,
  }));
  let { limit } = mounting;
  if (firstPosition !== mounting.firstPosition) {
    // Rows put above what is mounted: mount them from the bottom up too (React renders again at once).
    const above = firstPosition < mounting.firstPosition;
    if (above && limit === Number.POSITIVE_INFINITY) limit = chunksFrom(chunks, mounting.firstPosition);
    setMounting({ limit, firstPosition, soon: above || mounting.soon });
  }
  useEffect(() => {
    if (mounting.limit === Number.POSITIVE_INFINITY) return;
    if (mounting.limit >= chunks.length) {
      setMounting((state) => ({ ...state, limit: Number.POSITIVE_INFINITY }));
      return;
    }
    return (mounting.soon ? soon : whenIdle)(() =>
      setMounting((state) => ({ ...state, limit: state.limit + (state.soon ? soonChunksPerBatch : chunksPerBatch) })),
    );
  }, [mounting, chunks.length]);
  const complete = limit >= chunks.length;
  return { chunks: complete ? chunks : chunks.slice(chunks.length - limit), complete };
}
