/**
 * The latency figures of a `lat/r` report (docs/api.md, "Telemetry"), named once: the name each has in
 * backchat's records → its wire name, which is also its column in `latency_reports`. `count_tokens` is a
 * count; every other figure is in milliseconds. The request schema, the record type, the stored columns
 * and the ingest all derive from this mapping.
 */
export const latencyMetricWireNames = {
  countTokens: 'count_tokens',
  preflightTimeMs: 'preflight_time_ms',
  firstTokenMs: 'ts_first_token_ms',
  maxTokenTimeMs: 'ts_max_token_time_ms',
  meanTokenWithoutFirstMs: 'ts_mean_token_without_first_ms',
  medianTokenWithoutFirstMs: 'ts_median_token_without_first_ms',
  minTokenTimeMs: 'ts_min_token_time_ms',
  p95TokenWithoutFirstMs: 'ts_p95_token_without_first_ms',
  p99TokenWithoutFirstMs: 'ts_p99_token_without_first_ms',
  stdDevTokenMs: 'ts_std_dev_token_ms',
  totalRequestMs: 'ts_total_request_ms',
} as const;

/** A latency figure as named in records: `firstTokenMs`. */
export type LatencyMetricField = keyof typeof latencyMetricWireNames;

/** A latency figure as named on the wire and in the database: `ts_first_token_ms`. */
export type LatencyMetricWireName = (typeof latencyMetricWireNames)[LatencyMetricField];

/** The figures, in their order above. */
export const latencyMetricFields = Object.keys(latencyMetricWireNames) as LatencyMetricField[];
