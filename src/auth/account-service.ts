/**
 * What a signed-in person does with their own account: see and end sessions ("sign out other
 * devices"), change the password, and manage personal access tokens for API clients.
 */
import type { Clock } from '../clock.js';
import { epochSeconds } from '../clock.js';
import { InvalidRequestError, NotFoundError } from '../domain-errors.js';
import type { Ids } from '../ids.js';
import type { AccountStore, PersonalAccessTokenRecord, SessionRecord, Transactional } from '../store/store.js';
import type { Identity } from './identity.js';
import { hashPassword, verifyPassword } from './password.js';
import { checkNewPassword } from './password-policy.js';
import { hashSecret, newPersonalToken, personalTokenDisplayPrefix } from './secrets.js';

export interface AccountServiceDeps {
  store: Transactional<AccountStore>;
  clock: Clock;
  ids: Ids;
}

/** A personal access token as its owner sees it (the secret only once, at creation). */
export interface CreatedPersonalToken {
  record: PersonalAccessTokenRecord;
  token: string;
}

const maxTokensPerUser = 100;

export class AccountService {
  constructor(private readonly deps: AccountServiceDeps) {}

  private now(): number {
    return epochSeconds(this.deps.clock.now());
  }

  /** The caller's unexpired sessions, newest first. */
  async sessions(userId: string): Promise<SessionRecord[]> {
    const now = this.now();
    return (await this.deps.store.listSessions(userId)).filter((session) => session.expireTime > now);
  }

  async endSession(userId: string, sessionId: string): Promise<void> {
    if (!(await this.deps.store.deleteSessionById(userId, sessionId))) throw new NotFoundError('Session not found');
  }

  /** Ends every session but the caller's own (all of them when the caller has none). */
  endOtherSessions(identity: Identity): Promise<number> {
    return this.deps.store.deleteUserSessions(identity.user.id, identity.sessionId ?? undefined);
  }

  /** Changes the password after checking the current one; every other session ends. */
  async changePassword(identity: Identity, currentPassword: string, newPassword: string): Promise<void> {
    const { user } = identity;
    if (!(await verifyPassword(user.passwordHash, currentPassword))) {
      // Not a 401: the caller is signed in; only the confirmation failed (a 401 would sign the web app out).
      throw new InvalidRequestError('The current password is wrong');
    }
    checkNewPassword(newPassword, user.email);
    if (newPassword === currentPassword)
      throw new InvalidRequestError('The new password is the same as the current one');
    const passwordHash = await hashPassword(newPassword);
    await this.deps.store.transaction(async (tx) => {
      await tx.updateUser(user.id, { passwordHash });
      await tx.deleteUserSessions(user.id, identity.sessionId ?? undefined);
    });
  }

  tokens(userId: string): Promise<PersonalAccessTokenRecord[]> {
    return this.deps.store.listPersonalAccessTokens(userId);
  }

  async createToken(userId: string, name: string, expiresInDays: number | null): Promise<CreatedPersonalToken> {
    if ((await this.deps.store.listPersonalAccessTokens(userId)).length >= maxTokensPerUser) {
      throw new InvalidRequestError(`You already have ${maxTokensPerUser} tokens; revoke some before creating more`);
    }
    const token = newPersonalToken();
    const now = this.now();
    const record: PersonalAccessTokenRecord = {
      id: this.deps.ids.uuid(),
      userId,
      name: name.trim(),
      tokenHash: hashSecret(token),
      prefix: personalTokenDisplayPrefix(token),
      createTime: now,
      expireTime: expiresInDays === null ? null : now + expiresInDays * 86_400,
      lastUsedTime: null,
    };
    await this.deps.store.createPersonalAccessToken(record);
    return { record, token };
  }

  async revokeToken(userId: string, tokenId: string): Promise<void> {
    if (!(await this.deps.store.deletePersonalAccessToken(userId, tokenId))) throw new NotFoundError('Token not found');
  }
}
