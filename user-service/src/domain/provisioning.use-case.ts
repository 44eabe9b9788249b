import { DuplicateUserError, type NewUser, type User, type UserStore } from './user.js';
import { UserProblems } from './user-problems.js';

export interface Provisioned {
  user: User;
  created: boolean;
}

/**
 * What auth-service does to profiles. Its registration saga creates the profile for a fresh
 * credential, reads it back, and removes it again as compensation; retries are safe: the same id,
 * username and email is the same request, anything else colliding on a unique index is a conflict.
 * And it sets the address it has verified (or an email change it has confirmed or cancelled).
 */
export class ProvisioningUseCases {
  constructor(private readonly users: UserStore) {}

  async create(input: NewUser): Promise<Provisioned> {
    try {
      return { user: await this.users.insert(input), created: true };
    } catch (error) {
      if (!(error instanceof DuplicateUserError)) throw error;
      const existing = await this.users.findById(input.id);
      if (existing?.username === input.username && existing.email === input.email) {
        return { user: existing, created: false };
      }
      throw UserProblems.conflict();
    }
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw UserProblems.notFound();
    return user;
  }

  /**
   * No event here: auth-service records the `auth.email.*` event of the step that led to it. The
   * unique index, not a look-up first, decides whether another profile holds the address, so two
   * confirmations racing for one address cannot both win.
   */
  async setEmail(id: string, email: string, emailVerified: boolean): Promise<User> {
    try {
      const user = await this.users.update(id, () => ({
        set: { email, email_verified: emailVerified },
      }));
      if (!user) throw UserProblems.notFound();
      return user;
    } catch (error) {
      if (error instanceof DuplicateUserError) throw UserProblems.emailConflict();
      throw error;
    }
  }

  async remove(id: string): Promise<void> {
    await this.users.removeIfExists(id);
  }
}
