/**
 * Bench-build instrumentation (`vite build --mode bench`, used by bench/browser-*.ts only): counts
 * React renders of message rows by key, and `?nomemo` turns memoisation off for the baseline run.
 * In the normal build `benchMode` is the constant false and all of this is removed.
 */

export const benchMode = import.meta.env.MODE === 'bench';

/** Baseline of the render benchmark: rows are not memoised and the thread re-renders on every change. */
export const memoDisabled = benchMode && new URLSearchParams(window.location.search).has('nomemo');

interface BenchGlobals {
  renders: Record<string, number>;
}

declare global {
  interface Window {
    __backchatBench?: BenchGlobals;
  }
}

export function countRender(key: string): void {
  if (!benchMode) return;
  window.__backchatBench ??= { renders: {} };
  const renders = window.__backchatBench.renders;
  renders[key] = (renders[key] ?? 0) + 1;
}
