import { QueryTypes, Transaction, UniqueConstraintError, type Sequelize } from 'sequelize';

import { ROLES, type Role } from '@secure-api/shared/auth';
import type { UnitOfWork } from '@secure-api/shared/outbox';

import {
  DuplicateUserError,
  type NewUser,
  type User,
  type UserChange,
  type UserCounts,
  type UserCountSource,
  type UserPage,
  type UserStore,
} from '../domain/user.js';
import type { UserModel, UserRow } from './models/user.model.js';

/** Only the public columns leave this file, as plain objects. */
function toUser(row: UserRow): User {
  const plain = row.get({ plain: true });
  return {
    id: plain.id,
    username: plain.username,
    email: plain.email,
    email_verified: plain.email_verified,
    full_name: plain.full_name,
    role: plain.role,
    is_active: plain.is_active,
    created_at: plain.created_at,
    sign_in_alerts: plain.sign_in_alerts,
  };
}

async function unique<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof UniqueConstraintError) throw new DuplicateUserError({ cause: error });
    throw error;
  }
}

export class UserRepository implements UserStore, UserCountSource {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly model: UserModel,
    /** Changes run as its units of work, so events recorded inside commit with them. */
    private readonly uow: UnitOfWork,
  ) {}

  async findById(id: string): Promise<User | undefined> {
    const row = await this.model.findByPk(id);
    return row ? toUser(row) : undefined;
  }

  async list(offset: number, limit: number): Promise<UserPage> {
    const { rows, count } = await this.model.findAndCountAll({
      order: [
        ['created_at', 'ASC'],
        ['id', 'ASC'],
      ],
      offset,
      limit,
    });
    return { users: rows.map(toUser), total: count };
  }

  async insert(user: NewUser): Promise<User> {
    return toUser(await unique(() => this.model.create(user)));
  }

  async update(id: string, decide: (current: User) => UserChange): Promise<User | undefined> {
    return unique(() =>
      this.uow.run(async () => {
        const row = await this.model.findByPk(id, { lock: Transaction.LOCK.UPDATE });
        if (!row) return undefined;
        const change = decide(toUser(row));
        await change.beforeWrite?.();
        // Written (and the unique indexes checked) before beforeCommit runs its side effects.
        await row.update(change.set);
        const updated = toUser(row);
        await change.beforeCommit?.(updated);
        return updated;
      }),
    );
  }

  async remove(id: string, beforeDelete: (current: User) => Promise<void>): Promise<boolean> {
    return this.uow.run(async () => {
      const row = await this.model.findByPk(id, { lock: Transaction.LOCK.UPDATE });
      if (!row) return false;
      await beforeDelete(toUser(row));
      await row.destroy();
      return true;
    });
  }

  async removeIfExists(id: string): Promise<boolean> {
    return (await this.model.destroy({ where: { id } })) > 0;
  }

  /** One grouped scan; every role appears, zero included. */
  async counts(): Promise<UserCounts> {
    const rows = await this.sequelize.query<{ role: Role; is_active: boolean; count: number }>(
      'SELECT role, is_active, count(*)::int AS count FROM users GROUP BY role, is_active',
      { type: QueryTypes.SELECT },
    );
    const byRole = new Map<Role, number>();
    let active = 0;
    let inactive = 0;
    for (const row of rows) {
      byRole.set(row.role, (byRole.get(row.role) ?? 0) + row.count);
      if (row.is_active) active += row.count;
      else inactive += row.count;
    }
    const by_role = Object.fromEntries(ROLES.map((role) => [role, byRole.get(role) ?? 0]));
    return { total: active + inactive, by_role: by_role as Record<Role, number>, active, inactive };
  }
}
