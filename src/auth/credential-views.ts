/** The wire shapes of backchat's own account routes (docs/api.md): sessions, tokens, users, invites. */
import type { InviteRecord, PersonalAccessTokenRecord, SessionRecord, UserRecord } from '../store/store.js';

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function isoOrNull(seconds: number | null): string | null {
  return seconds === null ? null : iso(seconds);
}

export function sessionItemView(session: SessionRecord, currentId: string | null) {
  return {
    id: session.id,
    created_at: iso(session.createTime),
    last_used_at: isoOrNull(session.lastUsedTime),
    expires_at: iso(session.expireTime),
    user_agent: session.userAgent,
    current: session.id === currentId,
  };
}

export function personalTokenView(token: PersonalAccessTokenRecord) {
  return {
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    created_at: iso(token.createTime),
    expires_at: isoOrNull(token.expireTime),
    last_used_at: isoOrNull(token.lastUsedTime),
  };
}

export function adminUserView(user: UserRecord) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    disabled: user.disabled,
    created_at: iso(user.createTime),
    model_access: user.modelAccess,
  };
}

export function inviteView(invite: InviteRecord) {
  return {
    id: invite.id,
    email: invite.email,
    role: invite.role,
    created_at: iso(invite.createTime),
    expires_at: iso(invite.expireTime),
    used_at: isoOrNull(invite.usedTime),
    used_by: invite.usedBy,
  };
}
