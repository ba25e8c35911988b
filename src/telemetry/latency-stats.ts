/** A stream's chunk arrival times → the latency figures of a `lat/r` report (docs/api.md, "Telemetry"). */
import type { LatencyMetrics } from '../store/store.js';

/** Linear-interpolated percentile of sorted values (numpy's default method). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low] ?? 0;
  const highValue = sorted[high] ?? lowValue;
  return lowValue + (highValue - lowValue) * (rank - low);
}

function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function standardDeviation(values: readonly number[]): number | null {
  const average = mean(values);
  if (average === null) return null;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - average) ** 2, 0) / values.length);
}

export interface StreamTimeline {
  /** When the request arrived (ms, any monotonic origin). */
  startMs: number;
  /** When each text chunk arrived, in order (same origin). */
  chunkMs: readonly number[];
  /** When the stream ended (same origin). */
  endMs: number;
  /** Tokens in the whole reply. */
  tokenCount: number;
  preflightMs?: number;
}

/** Inter-chunk gaps exclude the wait for the first chunk, as the wire's `*_without_first_ms` fields do. */
export function latencyMetrics(timeline: StreamTimeline): LatencyMetrics {
  const [first, ...rest] = timeline.chunkMs;
  const gaps = rest.map((time, index) => time - (timeline.chunkMs[index] ?? time));
  const sorted = [...gaps].sort((a, b) => a - b);
  return {
    countTokens: timeline.tokenCount,
    preflightTimeMs: timeline.preflightMs ?? null,
    firstTokenMs: first === undefined ? null : first - timeline.startMs,
    maxTokenTimeMs: sorted.at(-1) ?? null,
    meanTokenWithoutFirstMs: mean(gaps),
    medianTokenWithoutFirstMs: percentile(sorted, 50),
    minTokenTimeMs: sorted[0] ?? null,
    p95TokenWithoutFirstMs: percentile(sorted, 95),
    p99TokenWithoutFirstMs: percentile(sorted, 99),
    stdDevTokenMs: standardDeviation(gaps),
    totalRequestMs: timeline.endMs - timeline.startMs,
  };
}
