/**
 * Users, sessions and credentials: request credentials → the identity they belong to.
 * A valid bearer credential (a session-bound access token or a personal access token) authenticates;
 * otherwise a valid session cookie does (docs/decisions/2026-11-26-auth-and-temporary-chats.md).
 * Ending a session ends the access tokens minted from it; disabling a user ends everything at once.
 */
import type { Clock } from '../clock.js';
import { epochSeconds } from '../clock.js';
import { ConflictError, ForbiddenError, InvalidRequestError, UnauthorizedError } from '../domain-errors.js';
import { type Ids, newUserId } from '../ids.js';
import type {
  AccountStore,
  NewUser,
  Role,
  SessionRecord,
  SettingsStore,
  Transactional,
  UserRecord,
} from '../store/store.js';
import type { AccessTokens } from './access-token.js';
import type { Identity } from './identity.js';
import { decoyPasswordHash, hashPassword, verifyPassword } from './password.js';
import { checkNewPassword } from './password-policy.js';
import { bearerToken, hashSecret, personalTokenPrefix } from './secrets.js';

export interface AuthServiceDeps {
  store: Transactional<AccountStore & SettingsStore>;
  clock: Clock;
  ids: Ids;
  tokens: AccessTokens;
  accessTokenTtlHours: number;
  sessionTtlHours: number;
}

export interface NewUserInput {
  email: string;
  password: string;
  name?: string;
  role?: Role;
}

export interface Credentials {
  /** The raw `Authorization` header, if any. */
  authorization: string | undefined;
  /** The session cookie's value, if any. */
  sessionToken: string | undefined;
}

/** A session just opened: the cookie's secret (given to the client once) and its row. */
export interface OpenedSession {
  sessionToken: string;
  session: SessionRecord;
}

export type SignupPolicy = 'open' | 'invite' | 'closed';
export const signupPolicies: readonly SignupPolicy[] = ['open', 'invite', 'closed'];
const signupPolicyKey = 'signup_policy';
const defaultSignupPolicy: SignupPolicy = 'invite';

/** Last-used times are written at most this often (seconds), so reads do not become writes. */
const touchIntervalSeconds = 60;

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function sessionIdentity(user: UserRecord, via: 'cookie' | 'access_token', session: SessionRecord): Identity {
  return {
    user,
    via,
    sessionId: session.id,
    credential: { kind: 'session', id: session.id, lastUsedTime: session.lastUsedTime },
  };
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export class AuthService {
  constructor(private readonly deps: AuthServiceDeps) {}

  private now(): number {
    return epochSeconds(this.deps.clock.now());
  }

  async createUser(input: NewUserInput): Promise<UserRecord> {
    return this.deps.store.createUser(await this.newUserRecord(input));
  }

  /** Validates the input and hashes the password (slow: kept outside any transaction). */
  private async newUserRecord(input: NewUserInput): Promise<NewUser> {
    const email = normaliseEmail(input.email);
    if (!emailPattern.test(email) || email.length > 320)
      throw new InvalidRequestError(`"${input.email}" is not an email address`);
    checkNewPassword(input.password, email);
    if (await this.deps.store.getUserByEmail(email))
      throw new ConflictError(`A user with email ${email} already exists`);
    return {
      id: newUserId(this.deps.ids),
      email,
      name: input.name?.trim().slice(0, 100) || email.split('@')[0] || email,
      passwordHash: await hashPassword(input.password),
      role: input.role ?? 'user',
      createTime: this.now(),
    };
  }

  /** True until the first account exists: the web UI then offers "create the admin account". */
  async needsSetup(): Promise<boolean> {
    return (await this.deps.store.countUsers()) === 0;
  }

  /**
   * Creates the first account, as admin, on a fresh installation. Only one request can ever win:
   * the claim is a settings row inserted once, so two racing set-ups cannot both make an admin.
   */
  async setupFirstAdmin(input: Omit<NewUserInput, 'role'>): Promise<UserRecord> {
    const claim = this.deps.ids.uuid();
    const closed = new ForbiddenError('This server already has an account; sign in instead');
    if (!(await this.needsSetup())) throw closed;
    if ((await this.deps.store.putSettingIfAbsent('first_admin_claim', claim)) !== claim) throw closed;
    return this.createUser({ ...input, role: 'admin' });
  }

  async signupPolicy(): Promise<SignupPolicy> {
    const stored = await this.deps.store.getSetting(signupPolicyKey);
    return signupPolicies.find((policy) => policy === stored) ?? defaultSignupPolicy;
  }

  async setSignupPolicy(policy: SignupPolicy): Promise<void> {
    await this.deps.store.putSetting(signupPolicyKey, policy);
  }

  /**
   * Self-service sign-up under the admin's policy: `open` lets anyone in; `invite` needs a valid one-time
   * invite (claimed in the same transaction that creates the account, so it works exactly once).
   */
  async signup(input: Omit<NewUserInput, 'role'> & { invite?: string }): Promise<UserRecord> {
    const policy = await this.signupPolicy();
    if (!input.invite) {
      if (policy === 'open') return this.createUser(input);
      throw new ForbiddenError(
        policy === 'invite'
          ? 'Sign-up needs an invite link on this server; ask the administrator for one'
          : 'Sign-up is closed on this server; ask the administrator for an account',
      );
    }
    if (policy === 'closed')
      throw new ForbiddenError('Sign-up is closed on this server; ask the administrator for an account');
    const invite = await this.usableInvite(input.invite);
    if (!invite) throw new ForbiddenError('This invite link is not valid: it was used, revoked or has expired');
    if (invite.email && invite.email !== normaliseEmail(input.email)) {
      throw new ForbiddenError(`This invite is for ${invite.email}; sign up with that address`);
    }
    const record = await this.newUserRecord({ ...input, role: invite.role });
    return this.deps.store.transaction(async (tx) => {
      const user = await tx.createUser(record);
      if (!(await tx.markInviteUsed(invite.id, user.id, this.now()))) {
        throw new ForbiddenError('This invite link is not valid: it was used, revoked or has expired');
      }
      return user;
    });
  }

  /** The invite behind a secret, if it can still be used. */
  async usableInvite(secret: string) {
    if (secret.length > 200) return undefined;
    const invite = await this.deps.store.getInviteByHash(hashSecret(secret));
    return invite && invite.usedTime === null && invite.expireTime > this.now() ? invite : undefined;
  }

  /** Checks the password; the same error whether the email or the password is wrong. */
  async verifyCredentials(email: string, password: string): Promise<UserRecord> {
    const user = await this.deps.store.getUserByEmail(normaliseEmail(email));
    const valid = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), password);
    if (!user || !valid || user.disabled) throw new UnauthorizedError('credentials', 'Wrong email or password');
    return user;
  }

  /** A new session for the user (login, sign-up, tests). The secret goes to the client only. */
  async openSession(user: UserRecord, userAgent: string | null): Promise<OpenedSession> {
    const sessionToken = this.deps.ids.secret();
    const now = this.now();
    const session: SessionRecord = {
      tokenHash: hashSecret(sessionToken),
      id: this.deps.ids.uuid(),
      userId: user.id,
      createTime: now,
      expireTime: now + this.deps.sessionTtlHours * 3600,
      lastUsedTime: now,
      userAgent: userAgent?.slice(0, 500) ?? null,
    };
    await this.deps.store.createSession(session);
    return { sessionToken, session };
  }

  async logout(sessionToken: string | undefined): Promise<void> {
    if (sessionToken) await this.deps.store.deleteSession(hashSecret(sessionToken));
  }

  /** The user and session behind a session cookie, if both are valid. */
  async sessionUser(
    sessionToken: string | undefined,
  ): Promise<{ user: UserRecord; session: SessionRecord } | undefined> {
    if (!sessionToken || sessionToken.length > 200) return undefined;
    const found = await this.deps.store.getSessionWithUser({ tokenHash: hashSecret(sessionToken) });
    return found && this.live(found, found.user.id);
  }

  /** The user a request acts as, or UnauthorizedError with the reason (missing, invalid, expired). */
  async authenticate(credentials: Credentials): Promise<Identity> {
    const token = bearerToken(credentials.authorization);
    const bearer = token ? await this.bearerIdentity(token) : undefined;
    if (bearer && 'user' in bearer) return bearer;
    const cookie = await this.sessionUser(credentials.sessionToken);
    if (cookie) return sessionIdentity(cookie.user, 'cookie', cookie.session);
    if (bearer) throw new UnauthorizedError(bearer.failure);
    throw new UnauthorizedError(credentials.sessionToken ? 'invalid' : 'missing');
  }

  private async bearerIdentity(token: string): Promise<Identity | { failure: 'invalid' | 'expired' }> {
    if (token.startsWith(personalTokenPrefix)) return this.personalTokenIdentity(token);
    const result = await this.deps.tokens.verify(token, this.now());
    if (!result.ok) return { failure: result.failure };
    const found = await this.deps.store.getSessionWithUser({ id: result.claims.sessionId });
    const live = found && this.live(found, result.claims.userId);
    return live ? sessionIdentity(live.user, 'access_token', live.session) : { failure: 'invalid' };
  }

  private async personalTokenIdentity(token: string): Promise<Identity | { failure: 'invalid' | 'expired' }> {
    if (token.length > 200) return { failure: 'invalid' };
    const found = await this.deps.store.getPersonalAccessTokenWithUser(hashSecret(token));
    if (!found) return { failure: 'invalid' };
    const { token: record, user } = found;
    if (record.expireTime !== null && record.expireTime <= this.now()) return { failure: 'expired' };
    if (user.disabled) return { failure: 'invalid' };
    return {
      user,
      via: 'personal_token',
      sessionId: null,
      credential: { kind: 'personal_token', id: record.id, lastUsedTime: record.lastUsedTime },
    };
  }

  /** The pair if the session is unexpired, belongs to `userId` and its user is active. */
  private live<T extends { session: SessionRecord; user: UserRecord }>(found: T, userId: string): T | undefined {
    const { session, user } = found;
    return session.userId === userId && session.expireTime > this.now() && !user.disabled ? found : undefined;
  }

  /**
   * Records that the identity's credential was used (for "last active" in the sessions and token
   * lists), at most once a minute. Called once a request has passed every check, so a refused request
   * writes nothing.
   */
  async markUsed(identity: Identity): Promise<void> {
    const now = this.now();
    const { credential } = identity;
    if (credential.lastUsedTime !== null && credential.lastUsedTime >= now - touchIntervalSeconds) return;
    if (credential.kind === 'session') await this.deps.store.touchSession(credential.id, now);
    else await this.deps.store.touchPersonalAccessToken(credential.id, now);
  }

  /** A signed access token bound to `session`, valid until `expiresAt` (default: now + the TTL), never past the session. */
  async issueAccessToken(
    session: Pick<SessionRecord, 'id' | 'userId' | 'expireTime'>,
    expiresAt?: number,
  ): Promise<{ token: string; expiresAt: number }> {
    const now = this.now();
    const expiry = Math.min(
      expiresAt ?? Number.POSITIVE_INFINITY,
      session.expireTime,
      now + this.deps.accessTokenTtlHours * 3600,
    );
    return { token: await this.deps.tokens.sign(session.userId, session.id, now, expiry), expiresAt: expiry };
  }
}
