/**
 * A summary of one streamed answer's timing, in the fields ChatGPT's web app reports to `lat/r`
 * (docs/web-ui.md): first-token time, and statistics of the gaps between chunks after the first one.
 * Percentiles interpolate linearly between closest ranks (numpy's default). All values in ms.
 */

export interface TokenTimingStats {
  ts_first_token_ms: number;
  ts_max_token_time_ms: number;
  ts_mean_token_without_first_ms: number;
  ts_median_token_without_first_ms: number;
  ts_min_token_time_ms: number;
  ts_p95_token_without_first_ms: number;
  ts_p99_token_without_first_ms: number;
  ts_std_dev_token_ms: number;
}

/** The `fraction` (0–1) percentile of ascending `sorted` values, linearly interpolated; 0 when empty. */
export function interpolatedPercentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = (sorted.length - 1) * fraction;
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low] ?? 0;
  const highValue = sorted[high] ?? lowValue;
  return lowValue + (highValue - lowValue) * (rank - low);
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Population standard deviation; 0 for fewer than two values. */
function standardDeviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const average = mean(values);
  return Math.sqrt(mean(values.map((value) => (value - average) ** 2)));
}

/** Gaps between consecutive arrival times (ms): the "token times" without the first token. */
export function interArrivalGaps(arrivals: readonly number[]): number[] {
  return arrivals.slice(1).map((time, index) => time - (arrivals[index] ?? time));
}

/**
 * Statistics of chunk `arrivals` (ms since the request started, ascending). The first arrival is the
 * first-token time; every other figure describes the gaps after it.
 */
export function tokenTimingStats(arrivals: readonly number[]): TokenTimingStats {
  const gaps = interArrivalGaps(arrivals);
  const sorted = [...gaps].sort((a, b) => a - b);
  return {
    ts_first_token_ms: arrivals[0] ?? 0,
    ts_max_token_time_ms: sorted.at(-1) ?? 0,
    ts_mean_token_without_first_ms: mean(gaps),
    ts_median_token_without_first_ms: interpolatedPercentile(sorted, 0.5),
    ts_min_token_time_ms: sorted[0] ?? 0,
    ts_p95_token_without_first_ms: interpolatedPercentile(sorted, 0.95),
    ts_p99_token_without_first_ms: interpolatedPercentile(sorted, 0.99),
    ts_std_dev_token_ms: standardDeviation(gaps),
  };
}

/** A token count estimate for text the client cannot tokenize: about four characters per token. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.round(text.length / 4));
}
