import { maskEmail } from '@secure-api/shared/events';

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
   * The login email lives in auth-service too, and auth-service moves first: it checks the current
   * password, then its own uniqueness, so a wrong password is the same answer whether the email is
   * taken or free. Only then is the profile row (locked all along) written, where its unique index
   * may still refuse; if anything fails after auth-service took the new email, it gets the old one
   * back, so the two never disagree.
   */
  async update(caller: Caller, update: ProfileUpdate): Promise<User> {
    let loginEmailMoved: { from: string; currentPassword: string } | undefined;
    try {
      const user = await this.users.update(caller.id, (current) => {
        const email = update.email !== current.email ? update.email : undefined;
        const nameChanges =
          update.full_name !== undefined && update.full_name !== current.full_name;
        const set = {
          ...(update.full_name !== undefined ? { full_name: update.full_name } : {}),
          ...(email !== undefined ? { email } : {}),
        };
        const recordChange = (updated: User) =>
          this.recordUpdate(caller.id, updated, { name: nameChanges, email: email !== undefined });
        if (email === undefined) return { set, beforeCommit: recordChange };
        const { current_password: currentPassword } = update;
        if (currentPassword === undefined) throw UserProblems.currentPasswordRequired();
        return {
          set,
          beforeWrite: async () => {
            await this.credentials.changeEmail({
              callerToken: caller.token,
              currentPassword,
              email,
            });
            loginEmailMoved = { from: current.email, currentPassword };
          },
          beforeCommit: recordChange,
        };
      });
      if (!user) throw UserProblems.notFound();
      return user;
    } catch (error) {
      if (loginEmailMoved) await this.restoreLoginEmail(caller, loginEmailMoved);
      // Same words as auth-service's refusal: whether the email is taken is not told apart.
      if (error instanceof DuplicateUserError) throw UserProblems.updateRejected();
      throw error;
    }
  }

  /** A failure here is the one the client gets: the two services disagree until a retry. */
  private async restoreLoginEmail(
    caller: Caller,
    moved: { from: string; currentPassword: string },
  ): Promise<void> {
    await this.credentials.changeEmail({
      callerToken: caller.token,
      currentPassword: moved.currentPassword,
      email: moved.from,
    });
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
