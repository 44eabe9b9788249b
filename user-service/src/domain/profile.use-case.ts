import { maskEmail } from '@secure-api/shared';

import { DuplicateUserError, type CredentialsGateway, type User, type UserStore } from './user.js';
import { userEvent, type EventRecorder } from './user-events.js';
import { UserProblems } from './user-problems.js';

export interface ProfileUpdate {
  full_name?: string | null;
  email?: string;
  current_password?: string;
}

export interface Caller {
  id: string;
  /** The caller's own access token, presented to auth-service on their behalf. */
  token: string;
}

/** A user reading and editing their own profile. */
export class ProfileUseCases {
  constructor(
    private readonly users: UserStore,
    private readonly credentials: CredentialsGateway,
    private readonly events: EventRecorder,
  ) {}

  async get(userId: string): Promise<User> {
    const user = await this.users.findById(userId);
    if (!user) throw UserProblems.notFound();
    return user;
  }

  /**
   * The login email lives in auth-service too. The profile row stays locked and uncommitted until
   * auth-service has accepted the same email (after checking the current password), so the two
   * never disagree: any refusal rolls the whole update back, its `user.updated` event included.
   */
  async update(caller: Caller, update: ProfileUpdate): Promise<User> {
    try {
      const user = await this.users.update(caller.id, (current) => {
        const emailChanges = update.email !== undefined && update.email !== current.email;
        const nameChanges =
          update.full_name !== undefined && update.full_name !== current.full_name;
        const set = {
          ...(update.full_name !== undefined ? { full_name: update.full_name } : {}),
          ...(emailChanges ? { email: update.email } : {}),
        };
        const recordChange = (updated: User) =>
          this.recordUpdate(caller.id, updated, { name: nameChanges, email: emailChanges });
        if (!emailChanges) return { set, beforeCommit: recordChange };
        const { current_password: currentPassword } = update;
        if (currentPassword === undefined) throw UserProblems.currentPasswordRequired();
        return {
          set,
          beforeCommit: async (updated) => {
            await recordChange(updated);
            await this.credentials.changeEmail({
              callerToken: caller.token,
              currentPassword,
              email: updated.email,
            });
          },
        };
      });
      if (!user) throw UserProblems.notFound();
      return user;
    } catch (error) {
      // Same words as auth-service's refusal: whether the email is taken is not told apart.
      if (error instanceof DuplicateUserError) throw UserProblems.updateRejected();
      throw error;
    }
  }

  /** Only what really changed; an unchanged profile leaves no event. */
  private async recordUpdate(
    userId: string,
    updated: User,
    changed: { name: boolean; email: boolean },
  ): Promise<void> {
    const fields = [
      ...(changed.name ? (['full_name'] as const) : []),
      ...(changed.email ? (['email'] as const) : []),
    ];
    if (fields.length === 0) return;
    await this.events.record(
      userEvent('user.updated', userId, userId, {
        fields,
        ...(changed.email ? { email_masked: maskEmail(updated.email) } : {}),
      }),
    );
  }
}
