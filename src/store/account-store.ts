/**
 * The account part of the Store seam: users, their cookie sessions, personal access tokens, and the
 * invites that create users. Secrets are never stored, only their SHA-256 (`tokenHash`).
 */

export type Role = 'admin' | 'user';

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  role: Role;
  disabled: boolean;
  createTime: number;
  /** Model slugs this user may use; null = every model. */
  modelAccess: string[] | null;
}

export interface NewUser {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  role: Role;
  createTime: number;
}

/** Fields of a user that can change; absent fields are left as they are. */
export interface UserPatch {
  name?: string;
  passwordHash?: string;
  role?: Role;
  disabled?: boolean;
  /** null = every model. */
  modelAccess?: string[] | null;
}

export interface SessionRecord {
  /** SHA-256 hex of the cookie's secret; the secret itself is never stored. */
  tokenHash: string;
  /** Public id: listing, ending one session, the `sid` claim of access tokens minted from it. */
  id: string;
  userId: string;
  createTime: number;
  expireTime: number;
  lastUsedTime: number | null;
  userAgent: string | null;
}

/** A personal access token for API clients; only the SHA-256 of the secret is stored. */
export interface PersonalAccessTokenRecord {
  id: string;
  userId: string;
  name: string;
  tokenHash: string;
  /** The first characters of the token, shown in lists so people can tell tokens apart. */
  prefix: string;
  createTime: number;
  /** null = never expires. */
  expireTime: number | null;
  lastUsedTime: number | null;
}

/** A one-time sign-up invite; only the SHA-256 of its secret is stored. */
export interface InviteRecord {
  id: string;
  tokenHash: string;
  /** When set, only this address can use the invite. */
  email: string | null;
  role: Role;
  createdBy: string | null;
  createTime: number;
  expireTime: number;
  usedTime: number | null;
  usedBy: string | null;
}

export interface AccountStore {
  // users
  createUser(user: NewUser): Promise<UserRecord>;
  getUserById(id: string): Promise<UserRecord | undefined>;
  /** Email comparison is case-insensitive. */
  getUserByEmail(email: string): Promise<UserRecord | undefined>;
  countUsers(): Promise<number>;
  /** Every user, oldest first (CLI `backchat user list`). */
  listUsers(): Promise<UserRecord[]>;
  /** Changes name/password/role/disabled; false if there is no such user. */
  updateUser(id: string, patch: UserPatch): Promise<boolean>;

  // sessions
  createSession(session: SessionRecord): Promise<void>;
  /** The session (by the cookie secret's hash or by its public id) and its user, in one query. */
  getSessionWithUser(
    key: { tokenHash: string } | { id: string },
  ): Promise<{ session: SessionRecord; user: UserRecord } | undefined>;
  /** The user's sessions, newest first. */
  listSessions(userId: string): Promise<SessionRecord[]>;
  touchSession(id: string, lastUsedTime: number): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Ends one of the user's sessions by public id; false when the user has no such session. */
  deleteSessionById(userId: string, id: string): Promise<boolean>;
  /** Ends every session of the user except `keepId` (if given); returns how many. */
  deleteUserSessions(userId: string, keepId?: string): Promise<number>;
  /** Deletes sessions with `expireTime <= now`; returns how many. */
  deleteExpiredSessions(now: number): Promise<number>;

  // personal access tokens
  createPersonalAccessToken(token: PersonalAccessTokenRecord): Promise<void>;
  /** The token behind a hash with its user, in one read (authentication of every request with it). */
  getPersonalAccessTokenWithUser(
    tokenHash: string,
  ): Promise<{ token: PersonalAccessTokenRecord; user: UserRecord } | undefined>;
  /** The user's tokens, newest first. */
  listPersonalAccessTokens(userId: string): Promise<PersonalAccessTokenRecord[]>;
  touchPersonalAccessToken(id: string, lastUsedTime: number): Promise<void>;
  /** False when the user has no such token. */
  deletePersonalAccessToken(userId: string, id: string): Promise<boolean>;
  /** Revokes every token of the user; returns how many. */
  deleteUserPersonalAccessTokens(userId: string): Promise<number>;

  // invites
  createInvite(invite: InviteRecord): Promise<void>;
  getInviteByHash(tokenHash: string): Promise<InviteRecord | undefined>;
  /** Every invite, newest first. */
  listInvites(): Promise<InviteRecord[]>;
  /** Marks the invite used by `userId` unless it is already used; false when it was. */
  markInviteUsed(id: string, userId: string, usedTime: number): Promise<boolean>;
  /** Deletes an unused invite; false when there is none. */
  deleteUnusedInvite(id: string): Promise<boolean>;
}
