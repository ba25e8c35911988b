/** Where an invite stands: used (someone signed up with it), expired, or still pending. */
import { isPast } from './relative-time.js';

export type InviteStatus = 'used' | 'expired' | 'pending';

export function inviteStatus(invite: { used_at: string | null; expires_at: string }, now: Date): InviteStatus {
  if (invite.used_at !== null) return 'used';
  return isPast(invite.expires_at, now) ? 'expired' : 'pending';
}

/** The expiry menu of "Create invite", in hours (the server allows 1–720). */
export const inviteExpiryChoices: ReadonlyArray<{ label: string; hours: number }> = [
  { label: '1 day', hours: 24 },
  { label: '7 days', hours: 168 },
  { label: '30 days', hours: 720 },
];

/** The link to send: this server's address and `/invite/<token>`. */
export function inviteUrl(origin: string, token: string): string {
  return `${origin}/invite/${encodeURIComponent(token)}`;
}
