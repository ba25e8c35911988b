/** Wire time formats: float epoch seconds (details, SSE, export) and ISO strings (lists). */

/** `2023-12-15T13:39:24.683876+00:00`: the Dec-2023 list format, microseconds and `+00:00`. */
export function isoTime(epochSeconds: number): string {
  const totalMicros = Math.round(epochSeconds * 1e6);
  const seconds = Math.floor(totalMicros / 1e6);
  const micros = totalMicros - seconds * 1e6;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return `${base}.${String(micros).padStart(6, '0')}+00:00`;
}

/** Rounds to microseconds, the precision of the real server's floats. */
export function wireSeconds(epochSeconds: number): number {
  return Math.round(epochSeconds * 1e6) / 1e6;
}
