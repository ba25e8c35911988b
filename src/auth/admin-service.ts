/**
 * Administration: users (role, disable, password reset, model access), one-time invites and the
 * sign-up policy. Disabling a user or resetting their password ends their sessions and tokens at once.
 */
import type { Clock } from '../clock.js';
import { epochSeconds } from '../clock.js';
import { ConflictError, NotFoundError } from '../domain-errors.js';
import type { Ids } from '../ids.js';
import type { AccountStore, InviteRecord, Role, Transactional, UserPatch, UserRecord } from '../store/store.js';
import type { AuthService, NewUserInput } from './auth-service.js';
import { normaliseEmail } from './auth-service.js';
import { hashPassword } from './password.js';
import { checkNewPassword } from './password-policy.js';
import { hashSecret } from './secrets.js';

export interface AdminServiceDeps {
  store: Transactional<AccountStore>;
  clock: Clock;
  ids: Ids;
  auth: AuthService;
}

export interface AdminUserPatch {
  name?: string;
  role?: Role;
  disabled?: boolean;
  modelAccess?: string[] | null;
}

export interface NewInvite {
  email?: string | null;
  role?: Role;
  expiresInHours?: number;
}

export const defaultInviteHours = 168;

export class AdminService {
  constructor(private readonly deps: AdminServiceDeps) {}

  private now(): number {
    return epochSeconds(this.deps.clock.now());
  }

  users(): Promise<UserRecord[]> {
    return this.deps.store.listUsers();
  }

  createUser(input: NewUserInput): Promise<UserRecord> {
    return this.deps.auth.createUser(input);
  }

  private async user(id: string): Promise<UserRecord> {
    const user = id.length <= 200 ? await this.deps.store.getUserById(id) : undefined;
    if (!user) throw new NotFoundError('User not found');
    return user;
  }

  /** Changes a user; the last active admin can be neither demoted nor disabled. */
  async updateUser(id: string, patch: AdminUserPatch): Promise<UserRecord> {
    const target = await this.user(id);
    const losesAdmin =
      target.role === 'admin' && !target.disabled && (patch.role === 'user' || patch.disabled === true);
    const modelAccess = patch.modelAccess && [...new Set(patch.modelAccess)];
    const change: UserPatch = { ...patch, ...(modelAccess !== undefined && { modelAccess }) };
    await this.deps.store.transaction(async (tx) => {
      if (losesAdmin) {
        const admins = (await tx.listUsers()).filter((user) => user.role === 'admin' && !user.disabled);
        if (admins.length <= 1) {
          throw new ConflictError('This is the last active administrator; make someone else an administrator first');
        }
      }
      await tx.updateUser(id, change);
      if (patch.disabled === true) await this.endEverything(tx, id);
    });
    return this.user(id);
  }

  /** Sets a new password chosen by the admin; the user's sessions and tokens end. */
  async resetPassword(id: string, password: string): Promise<void> {
    const target = await this.user(id);
    checkNewPassword(password, target.email);
    const passwordHash = await hashPassword(password);
    await this.deps.store.transaction(async (tx) => {
      await tx.updateUser(id, { passwordHash });
      await this.endEverything(tx, id);
    });
  }

  private async endEverything(store: AccountStore, userId: string): Promise<void> {
    await store.deleteUserSessions(userId);
    await store.deleteUserPersonalAccessTokens(userId);
  }

  invites(): Promise<InviteRecord[]> {
    return this.deps.store.listInvites();
  }

  /** A one-time invite; the secret (for the link) is returned once and stored hashed. */
  async createInvite(createdBy: string, input: NewInvite): Promise<{ invite: InviteRecord; token: string }> {
    const token = this.deps.ids.secret();
    const now = this.now();
    const invite: InviteRecord = {
      id: this.deps.ids.uuid(),
      tokenHash: hashSecret(token),
      email: input.email ? normaliseEmail(input.email) : null,
      role: input.role ?? 'user',
      createdBy,
      createTime: now,
      expireTime: now + (input.expiresInHours ?? defaultInviteHours) * 3600,
      usedTime: null,
      usedBy: null,
    };
    await this.deps.store.createInvite(invite);
    return { invite, token };
  }

  async revokeInvite(id: string): Promise<void> {
    if (!(await this.deps.store.deleteUnusedInvite(id))) throw new NotFoundError('Invite not found or already used');
  }
}
