/**
 * Users, sessions and access tokens: request credentials → the user they belong to.
 * A valid bearer token authenticates; otherwise a valid session cookie does (PROTOCOL.md §2).
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { epochSeconds } from '../clock.js';
import { ConflictError, ForbiddenError, InvalidRequestError, UnauthorizedError } from '../domain-errors.js';
import { type Ids, newUserId } from '../ids.js';
import type { Role, Store, UserRecord } from '../store/store.js';
import type { AccessTokens } from './access-token.js';
import { decoyPasswordHash, hashPassword, minPasswordLength, verifyPassword } from './password.js';

export interface AuthServiceDeps {
  store: Store;
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

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

export class AuthService {
  constructor(private readonly deps: AuthServiceDeps) {}

  private now(): number {
    return epochSeconds(this.deps.clock.now());
  }

  async createUser(input: NewUserInput): Promise<UserRecord> {
    const email = input.email.trim().toLowerCase();
    if (!emailPattern.test(email) || email.length > 320)
      throw new InvalidRequestError(`"${input.email}" is not an email address`);
    if (input.password.length < minPasswordLength) {
      throw new InvalidRequestError(`The password must have at least ${minPasswordLength} characters`);
    }
    if (await this.deps.store.getUserByEmail(email))
      throw new ConflictError(`A user with email ${email} already exists`);
    return this.deps.store.createUser({
      id: newUserId(this.deps.ids),
      email,
      name: input.name?.trim() || email.split('@')[0] || email,
      passwordHash: await hashPassword(input.password),
      role: input.role ?? 'user',
      createTime: this.now(),
    });
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

  /** Checks the password and opens a session; the same error whether the email or the password is wrong. */
  async login(
    email: string,
    password: string,
    userAgent: string | null,
  ): Promise<{ user: UserRecord; sessionToken: string; expiresAt: number }> {
    const user = await this.deps.store.getUserByEmail(email.trim().toLowerCase());
    const valid = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), password);
    if (!user || !valid || user.disabled) throw new UnauthorizedError('credentials', 'Wrong email or password');
    const sessionToken = this.deps.ids.secret();
    const now = this.now();
    const expiresAt = now + this.deps.sessionTtlHours * 3600;
    await this.deps.store.createSession({
      tokenHash: hashSessionToken(sessionToken),
      userId: user.id,
      createTime: now,
      expireTime: expiresAt,
      userAgent: userAgent?.slice(0, 500) ?? null,
    });
    return { user, sessionToken, expiresAt };
  }

  async logout(sessionToken: string | undefined): Promise<void> {
    if (sessionToken) await this.deps.store.deleteSession(hashSessionToken(sessionToken));
  }

  /** The user and session expiry behind a session cookie, if it is valid. */
  async sessionUser(sessionToken: string | undefined): Promise<{ user: UserRecord; expiresAt: number } | undefined> {
    if (!sessionToken || sessionToken.length > 200) return undefined;
    const session = await this.deps.store.getSession(hashSessionToken(sessionToken));
    if (!session || session.expireTime <= this.now()) return undefined;
    const user = await this.deps.store.getUserById(session.userId);
    return user && !user.disabled ? { user, expiresAt: session.expireTime } : undefined;
  }

  /** The user a request acts as, or UnauthorizedError with the reason (missing, invalid, expired). */
  async authenticate(credentials: Credentials): Promise<UserRecord> {
    const token = bearerToken(credentials.authorization);
    const bearer = token ? await this.bearerUser(token) : undefined;
    if (bearer && 'user' in bearer) return bearer.user;
    const session = await this.sessionUser(credentials.sessionToken);
    if (session) return session.user;
    if (bearer) throw new UnauthorizedError(bearer.failure);
    throw new UnauthorizedError(credentials.sessionToken ? 'invalid' : 'missing');
  }

  private async bearerUser(token: string): Promise<{ user: UserRecord } | { failure: 'invalid' | 'expired' }> {
    const result = await this.deps.tokens.verify(token, this.now());
    if (!result.ok) return { failure: result.failure };
    const user = await this.deps.store.getUserById(result.claims.userId);
    return user && !user.disabled ? { user } : { failure: 'invalid' };
  }

  /** A signed access token for `userId`, valid until `expiresAt` (default: now + the configured TTL). */
  async issueAccessToken(userId: string, expiresAt?: number): Promise<{ token: string; expiresAt: number }> {
    const now = this.now();
    const expiry = Math.min(expiresAt ?? Number.POSITIVE_INFINITY, now + this.deps.accessTokenTtlHours * 3600);
    return { token: await this.deps.tokens.sign(userId, now, expiry), expiresAt: expiry };
  }
}
