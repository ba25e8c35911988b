/** Words for personal access tokens: the expiry choices, the visible prefix, when one expires. */
import { formatDate, isPast } from './relative-time.js';

/** The expiry menu of "Create token"; `days` null: never expires. */
export const tokenExpiryChoices: ReadonlyArray<{ label: string; days: number | null }> = [
  { label: '7 days', days: 7 },
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
  { label: '1 year', days: 365 },
  { label: 'Never', days: null },
];

/** `bc_pat_abcd…`: the stored prefix and an ellipsis for the part only its owner has seen. */
export function tokenPreview(prefix: string): string {
  return `${prefix}…`;
}

/** "Never", "Expired", or the date it expires. */
export function tokenExpiryText(expiresAt: string | null, now: Date): string {
  if (expiresAt === null) return 'Never';
  return isPast(expiresAt, now) ? 'Expired' : formatDate(expiresAt);
}
