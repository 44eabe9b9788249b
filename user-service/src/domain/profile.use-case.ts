import type { CredentialsGateway, User, UserStore } from './user.js';
import { userEvent, type EventRecorder } from './user-events.js';
import { UserProblems } from './user-problems.js';

export interface ProfileUpdate {
  full_name?: string | null;
  sign_in_alerts?: boolean;
  email?: string;
  current_password?: string;
}

export interface Caller {
  id: string;
  /** The caller's own access token, presented to auth-service on their behalf. */
  token: string;
}

export interface ProfileUpdateResult {
  user: User;
  /** A new email was handed to auth-service to confirm; `user.email` is still the old one. */
  emailChangeRequested: boolean;
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
   * A new email does not change the profile: it goes to auth-service, which checks the current
   * password, mails a confirmation link to the new address and a notice to the old one, and sets
   * the email here (PUT /internal/users/{id}/email) once the link is followed. A wrong password,
   * or any other refusal, rolls back the rest of the update too, so a request either fully happens
   * or not at all. The other fields change at once.
   */
  async update(caller: Caller, update: ProfileUpdate): Promise<ProfileUpdateResult> {
    let emailChangeRequested = false;
    const user = await this.users.update(caller.id, (current) => {
      const email = update.email !== current.email ? update.email : undefined;
      const set = {
        ...(update.full_name !== undefined ? { full_name: update.full_name } : {}),
        ...(update.sign_in_alerts !== undefined ? { sign_in_alerts: update.sign_in_alerts } : {}),
      };
      const recordChange = () => this.recordUpdate(caller.id, current, update);
      if (email === undefined) return { set, beforeCommit: recordChange };
      const { current_password: currentPassword } = update;
      if (currentPassword === undefined) throw UserProblems.currentPasswordRequired();
      return {
        set,
        beforeWrite: async () => {
          await this.credentials.changeEmail({ callerToken: caller.token, currentPassword, email });
          emailChangeRequested = true;
        },
        beforeCommit: recordChange,
      };
    });
    if (!user) throw UserProblems.notFound();
    return { user, emailChangeRequested };
  }

  /** Only what really changed; an unchanged profile leaves no event. */
  private async recordUpdate(userId: string, before: User, update: ProfileUpdate): Promise<void> {
    const fields = [
      ...(update.full_name !== undefined && update.full_name !== before.full_name
        ? (['full_name'] as const)
        : []),
      ...(update.sign_in_alerts !== undefined && update.sign_in_alerts !== before.sign_in_alerts
        ? (['sign_in_alerts'] as const)
        : []),
    ];
    if (fields.length === 0) return;
    await this.events.record(userEvent('user.updated', userId, userId, { fields }));
  }
}
