/**
 * Sidebar date groups as ChatGPT shows them: Today, Yesterday, Previous 7 Days, Previous 30 Days,
 * then one group per month ("October"; "October 2023" for earlier years), newest first.
 */

export interface DateGroup<T> {
  label: string;
  items: T[];
}

const dayMs = 86_400_000;
const monthNames = new Intl.DateTimeFormat('en-US', { month: 'long' });

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** The group label of a conversation last updated at `time`, seen at `now` (local time). */
export function dateGroupLabel(time: Date, now: Date): string {
  const days = Math.floor((startOfDay(now) - startOfDay(time)) / dayMs);
  if (days <= 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days <= 7) return 'Previous 7 Days';
  if (days <= 30) return 'Previous 30 Days';
  const month = monthNames.format(time);
  return time.getFullYear() === now.getFullYear() ? month : `${month} ${time.getFullYear()}`;
}

/** Splits `items` (already newest first) into consecutive groups by `dateGroupLabel`. */
export function groupByDate<T>(items: readonly T[], timeOf: (item: T) => Date, now: Date): DateGroup<T>[] {
  const groups: DateGroup<T>[] = [];
  for (const item of items) {
    const label = dateGroupLabel(timeOf(item), now);
    const last = groups.at(-1);
    if (last?.label === label) last.items.push(item);
    else groups.push({ label, items: [item] });
  }
  return groups;
}
