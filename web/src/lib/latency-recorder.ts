/**
 * Measures one turn the way ChatGPT's web app reports it to `lat/r` (docs/web-ui.md): time before
 * the request (the preflight account check), arrival of every chunk that changed the text, the total.
 */
import { estimateTokens, tokenTimingStats } from './latency-summary.js';

export class LatencyRecorder {
  private readonly startedAt = performance.now();
  private requestAt = this.startedAt;
  private readonly arrivals: number[] = [];

  /** The request is about to be sent: everything before it was preflight. */
  requestStarted(): void {
    this.requestAt = performance.now();
  }

  /** A chunk carrying new text arrived. */
  chunkArrived(): void {
    this.arrivals.push(performance.now() - this.requestAt);
  }

  get chunkCount(): number {
    return this.arrivals.length;
  }

  /** The `lat/r` body for the finished stream. */
  report(model: string, serverRequestId: string | null, text: string): Record<string, unknown> {
    const round = (value: number) => Math.round(value * 1000) / 1000;
    const stats = Object.entries(tokenTimingStats(this.arrivals)).map(([key, value]) => [key, round(value)]);
    return {
      server_request_id: serverRequestId,
      model,
      preflight_time_ms: Math.round(this.requestAt - this.startedAt),
      count_tokens: estimateTokens(text),
      ...Object.fromEntries(stats),
      ts_total_request_ms: Math.round(performance.now() - this.requestAt),
    };
  }
}
