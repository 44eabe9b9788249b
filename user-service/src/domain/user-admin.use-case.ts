import { canManageRole, type Role } from '@secure-api/shared/auth';

import type { Caller } from './profile.use-case.js';
import type { CredentialsGateway, TokenRevoker, User, UserStore } from './user.js';
import { userEvent, type EventRecorder } from './user-events.js';
import { UserProblems } from './user-problems.js';

/** An authenticated caller acting on someone else's account. */
export interface Actor extends Caller {
  role: Role;
}

export interface PageRequest {
  page: number;
  perPage: number;
}

export interface UserListing {
  users: User[];
  total: number;
  page: number;
  per_page: number;
  pages: number;
}

/**
 * Administration of other accounts. The rules live here once: nobody acts on their own account,
 * non-admins only on `user`/`viewer` accounts, and every change that reduces what an account may
 * do kills its existing tokens before it commits (a revocation failure rolls the change back) and
 * once more after, past that first mark: a refresh or API-key resolution racing the change reads
 * the profile as it was and mints a token whose `iat` is the first mark, which it lets through.
 * Each change records its security event inside its own transaction; a refusal throws before
 * anything is written and records nothing (the gateway reports the refusals it makes).
 */
export class UserAdminUseCases {
  constructor(
    private readonly users: UserStore,
    private readonly revocations: TokenRevoker,
    private readonly credentials: CredentialsGateway,
    private readonly events: EventRecorder,
  ) {}

  async list({ page, perPage }: PageRequest): Promise<UserListing> {
    const { users, total } = await this.users.list((page - 1) * perPage, perPage);
    return { users, total, page, per_page: perPage, pages: Math.ceil(total / perPage) };
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw UserProblems.notFound();
    return user;
  }

  async changeRole(actor: Actor, targetId: string, role: Role): Promise<User> {
    if (actor.id === targetId) throw UserProblems.cannotActOnSelf('role');
    const user = await this.users.update(targetId, (current) => {
      // admin:write already implies admin today; kept so the rule survives a matrix change.
      if (!canManageRole(actor.role, current.role) || !canManageRole(actor.role, role)) {
        throw UserProblems.insufficientPermissions();
      }
      return {
        set: { role },
        beforeCommit: async () => {
          if (current.role !== role) {
            const data = { from: current.role, to: role };
            await this.events.record(userEvent('user.role_changed', actor.id, targetId, data));
          }
          await this.revoke(targetId);
        },
      };
    });
    if (!user) throw UserProblems.notFound();
    // Once more after the commit: a token minted from the state before it carries the first
    // mark as its iat; every revocation goes past the last one.
    await this.revoke(targetId);
    return user;
  }

  /**
   * Sessions end in auth-service on deactivation, for good, so a reactivation revives nothing; and
   * again on reactivation, for a login that raced the deactivation (it read the profile still
   * active) and opened a session after the first ending.
   */
  async changeStatus(actor: Actor, targetId: string, isActive: boolean): Promise<User> {
    if (actor.id === targetId) throw UserProblems.cannotActOnSelf('status');
    const user = await this.users.update(targetId, (current) => {
      if (!canManageRole(actor.role, current.role)) throw UserProblems.insufficientPermissions();
      return {
        set: { is_active: isActive },
        beforeCommit: async () => {
          if (current.is_active !== isActive) {
            const data = { is_active: isActive };
            await this.events.record(userEvent('user.status_changed', actor.id, targetId, data));
          }
          if (!isActive || !current.is_active) {
            await this.credentials.endSessions({ callerToken: actor.token, userId: targetId });
          }
          if (!isActive) await this.revoke(targetId);
        },
      };
    });
    if (!user) throw UserProblems.notFound();
    if (!isActive) await this.revoke(targetId);
    return user;
  }

  /**
   * Credentials, sessions and keys go first (auth-service, idempotent), then the tokens, then the
   * profile. If auth-service cannot be reached the profile stays, and a retry finishes the job.
   */
  async delete(actor: Actor, targetId: string): Promise<void> {
    if (actor.id === targetId) throw UserProblems.cannotActOnSelf('account');
    const removed = await this.users.remove(targetId, async (current) => {
      if (!canManageRole(actor.role, current.role)) throw UserProblems.insufficientPermissions();
      const data = { role: current.role };
      await this.events.record(userEvent('user.deleted', actor.id, targetId, data));
      await this.credentials.deleteCredentials({ callerToken: actor.token, userId: targetId });
      await this.revoke(targetId);
    });
    if (!removed) throw UserProblems.notFound();
    // Once more after the commit, as for a role change.
    await this.revoke(targetId);
  }

  private async revoke(userId: string): Promise<void> {
    await this.revocations.revokeUser(userId);
  }
}
