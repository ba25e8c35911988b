/**
 * The canary workload's report: per operation, every received byte is scanned for `CANARY` + 32 hex
 * and each canary found is checked against the requester; non-aborted failures, acknowledged turns
 * and latencies are collected for the assertions and the diagnostics.
 */

export type OperationKind = 'list' | 'search' | 'get' | 'stream' | 'gen_title' | 'patch';

export const canaryPattern = /CANARY[0-9a-f]{32}/g;

/** One finished operation, as the tally needs it. */
export interface TalliedOperation {
  kind: OperationKind;
  /** The requesting user's index. */
  who: number;
  conversationId: string;
  abortPlanned: boolean;
}

/** What one operation received; `text` holds every byte, also of a response the client cut. */
export interface Outcome {
  status: number | undefined;
  text: string;
  error: string | undefined;
  aborted: boolean;
  firstChunk: boolean;
  ms: number;
  /** The client-minted id of a turn's user message. */
  messageId?: string;
}

export interface WorkloadReport {
  operations: number;
  byKind: Record<OperationKind, number>;
  /** Operations the client aborted (planned: abortShare) and those whose response was cut by it. */
  abortsPlanned: number;
  abortsEffective: number;
  bytesScanned: number;
  /** The requester's own canaries seen in responses (the scan has something to find). */
  ownCanaries: number;
  /** Another user's canary in a response: must stay empty. */
  leaks: string[];
  /** Non-aborted operations that failed (non-2xx, network error, timeout): must stay empty. */
  errors: string[];
  /** User messages whose stream started (acknowledged, so they must exist: T5). */
  acknowledged: Array<{ conversationId: string; messageId: string }>;
  durationMs: number;
  /** Milliseconds per non-aborted operation kind: p50, p99, max. */
  latency: Record<OperationKind, { p50: number; p99: number; max: number; count: number }>;
}

function percentile(sorted: number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;
}

/** Adds up the outcomes: counts, canaries seen (own and foreign), errors, acknowledged turns, latency. */
export class Tally {
  readonly report: WorkloadReport;
  private readonly times: Record<OperationKind, number[]> = {
    list: [],
    search: [],
    get: [],
    stream: [],
    gen_title: [],
    patch: [],
  };

  constructor(private readonly owners: Map<string, number>) {
    const zero = { p50: 0, p99: 0, max: 0, count: 0 };
    this.report = {
      operations: 0,
      byKind: { list: 0, search: 0, get: 0, stream: 0, gen_title: 0, patch: 0 },
      abortsPlanned: 0,
      abortsEffective: 0,
      bytesScanned: 0,
      ownCanaries: 0,
      leaks: [],
      errors: [],
      acknowledged: [],
      durationMs: 0,
      latency: { list: zero, search: zero, get: zero, stream: zero, gen_title: zero, patch: zero },
    };
  }

  add(operation: TalliedOperation, outcome: Outcome): void {
    const { report } = this;
    const { who } = operation;
    report.operations += 1;
    report.byKind[operation.kind] += 1;
    report.bytesScanned += Buffer.byteLength(outcome.text);
    if (operation.abortPlanned) report.abortsPlanned += 1;
    if (outcome.aborted) report.abortsEffective += 1;
    for (const [canary] of outcome.text.matchAll(canaryPattern)) {
      const owner = this.owners.get(canary);
      if (owner === who) report.ownCanaries += 1;
      else report.leaks.push(`${operation.kind} by user ${who} received ${canary} of user ${owner}`);
    }
    if (outcome.messageId && outcome.status === 200 && outcome.firstChunk) {
      report.acknowledged.push({ conversationId: operation.conversationId, messageId: outcome.messageId });
    }
    if (outcome.aborted) return;
    this.times[operation.kind].push(outcome.ms);
    if (outcome.error || outcome.status === undefined || outcome.status >= 300) {
      report.errors.push(
        `${operation.kind} by user ${who}: ${outcome.error ?? outcome.status} ${outcome.text.slice(0, 200)}`,
      );
    }
  }

  finish(durationMs: number): WorkloadReport {
    this.report.durationMs = durationMs;
    for (const kind of Object.keys(this.times) as OperationKind[]) {
      const sorted = [...this.times[kind]].sort((a, b) => a - b);
      this.report.latency[kind] = {
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99),
        max: sorted.at(-1) ?? 0,
        count: sorted.length,
      };
    }
    return this.report;
  }
}

/** One line per figure, for the test's diagnostics. */
export function describeReport(report: WorkloadReport): string[] {
  const seconds = report.durationMs / 1000;
  const kinds = Object.entries(report.byKind)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');
  const latency = Object.entries(report.latency)
    .map(([kind, l]) => `${kind} p50 ${l.p50.toFixed(1)} / p99 ${l.p99.toFixed(1)} / max ${l.max.toFixed(0)} ms`)
    .join('; ');
  return [
    `${report.operations} operations in ${seconds.toFixed(1)} s (${(report.operations / seconds).toFixed(0)}/s): ${kinds}`,
    `aborted: ${report.abortsPlanned} planned (${((100 * report.abortsPlanned) / report.operations).toFixed(1)} %), ${report.abortsEffective} cut before the end`,
    `${(report.bytesScanned / 1e6).toFixed(1)} MB scanned: ${report.ownCanaries} own canaries, ${report.leaks.length} foreign ones, ${report.errors.length} errors, ${report.acknowledged.length} acknowledged turns`,
    `latency (not aborted): ${latency}`,
  ];
}
