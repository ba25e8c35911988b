/** Times of accounts, sessions and tokens for people: "5 minutes ago", "Dec 3, 2023", "in 30 days". */

const minuteMs = 60_000;
const hourMs = 60 * minuteMs;
const dayMs = 24 * hourMs;

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const dateFormat = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric' });

/** A Date from an ISO 8601 string, or null when it is missing or unreadable. */
export function parseTime(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "Dec 3, 2023" (— when unknown). */
export function formatDate(iso: string | null | undefined): string {
  const date = parseTime(iso);
  return date ? dateFormat.format(date) : '—';
}

/**
 * "just now", "5 minutes ago", "in 3 hours", "yesterday", "in 30 days"; beyond 30 days the date
 * itself. `now` is injected so the words are testable.
 */
export function timeFromNow(iso: string | null | undefined, now: Date): string {
  const date = parseTime(iso);
  if (!date) return '—';
  const delta = date.getTime() - now.getTime();
  const size = Math.abs(delta);
  if (size < minuteMs) return 'just now';
  if (size < hourMs) return relative.format(Math.round(delta / minuteMs), 'minute');
  if (size < dayMs) return relative.format(Math.round(delta / hourMs), 'hour');
  if (size <= 30 * dayMs) return relative.format(Math.round(delta / dayMs), 'day');
  return dateFormat.format(date);
}

/** True when `iso` is a time at or before `now`. */
export function isPast(iso: string | null | undefined, now: Date): boolean {
  const date = parseTime(iso);
  return date !== null && date.getTime() <= now.getTime();
}
