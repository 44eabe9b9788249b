import { DuplicateUserError, type NewUser, type User, type UserStore } from './user.js';
import { UserProblems } from './user-problems.js';

export interface Provisioned {
  user: User;
  created: boolean;
}

/**
 * auth-service's registration saga: create the profile for a fresh credential, read it back, and
 * remove it again as compensation. Retries are safe: the same id, username and email is the same
 * request, anything else colliding on a unique index is a conflict.
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

  async remove(id: string): Promise<void> {
    await this.users.removeIfExists(id);
  }
}
