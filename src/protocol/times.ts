/** Wire time formats: float epoch seconds (details, SSE, export) and ISO strings (lists). */

/** The `YYYY-MM-DDT` of the last day formatted: a list's times mostly fall on a few days. */
let cachedDay = Number.NaN;
let cachedDayPrefix = '';

const twoDigits = (value: number) => (value < 10 ? `0${value}` : String(value));

/** `YYYY-MM-DDT` of the UTC day `day` (days since the epoch), as `Date#toISOString` writes it. */
function dayPrefix(day: number): string {
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayPrefix = new Date(day * 86_400_000).toISOString().slice(0, -13);
  }
  return cachedDayPrefix;
}

/**
 * `2023-12-15T13:39:24.683876+00:00`: the Dec-2023 list format, microseconds and `+00:00`. A list
 * page formats two of these per item; the date part is formatted once per day, the rest by arithmetic.
 */
export function isoTime(epochSeconds: number): string {
  const totalMicros = Math.round(epochSeconds * 1e6);
  const seconds = Math.floor(totalMicros / 1e6);
  const micros = totalMicros - seconds * 1e6;
  const day = Math.floor(seconds / 86_400);
  const inDay = seconds - day * 86_400;
  const clock = `${twoDigits(Math.floor(inDay / 3600))}:${twoDigits(Math.floor(inDay / 60) % 60)}:${twoDigits(inDay % 60)}`;
  return `${dayPrefix(day)}${clock}.${String(micros).padStart(6, '0')}+00:00`;
}

/** Rounds to microseconds, the precision of the real server's floats. */
export function wireSeconds(epochSeconds: number): number {
  return Math.round(epochSeconds * 1e6) / 1e6;
}
