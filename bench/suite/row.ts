/**
 * One row of the performance table (docs/performance.md): a figure measured against its baseline in
 * the same run, the ratio, the target and whether it is met. Every benchmark of `npm run bench`
 * returns rows; bench/run.ts prints them as one table.
 */
export interface BenchRow {
  /** The row's id in docs/performance.md (`P1`, `P1b`, `P3`…); several rows may share one. */
  id: string;
  /** What was measured, in a few words (the database and the variant included). */
  measure: string;
  /** The figure, formatted with its unit (`1.4 ms p50 / 6.2 ms p99`). */
  figure: string;
  /** The baseline's figure, formatted the same way. */
  baseline: string;
  /** figure ÷ baseline for the compared quantity (null when the two are not comparable). */
  ratio: number | null;
  /** The target, as the issue states it (`≤ 2 ms p50, ≤ 10 ms p99`). */
  target: string;
  pass: boolean;
  /** One line on what limits it or what the figure includes, when the table alone would mislead. */
  note?: string;
}

export interface BenchOptions {
  /** A short run (fewer rounds, smaller data where the row allows): for trying the suite, not for figures. */
  quick: boolean;
}

/** A benchmark of the suite: the rows it measures, by id. */
export interface Bench {
  /** The ids of its rows; `npm run bench -- <id>` runs the benches that own it. */
  ids: string[];
  title: string;
  run(options: BenchOptions): Promise<BenchRow[]>;
}

/** The p-th quantile (0–1) of ascending `sorted` values (nearest rank). */
export function quantile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))] as number;
}

/** p50 and p99 of some durations (any order). */
export function spread(values: readonly number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? Number.NaN };
}

/** `1.23 ms p50 / 4.56 ms p99`. */
export function formatSpread(value: { p50: number; p99: number }, unit = 'ms'): string {
  return `${value.p50.toFixed(2)} ${unit} p50 / ${value.p99.toFixed(2)} ${unit} p99`;
}

/** Progress on stderr (the table goes to stdout). */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}
