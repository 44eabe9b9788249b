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
import { preparedSelect } from './prepared-query.js';

const SELECT_BY_ID =
  'SELECT id, username, email, email_verified, full_name, role, is_active, created_at, ' +
  'sign_in_alerts FROM users WHERE id = $1';

/** Only the public columns and the owner's settings leave this file, as plain objects. */
function fromRow(row: User): User {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    email_verified: row.email_verified,
    full_name: row.full_name,
    role: row.role,
    is_active: row.is_active,
    created_at: row.created_at,
    sign_in_alerts: row.sign_in_alerts,
  };
}

function toUser(row: UserRow): User {
  return fromRow(row.get({ plain: true }));
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

  /**
   * The hot read (every GET /users/me): a prepared SELECT of exactly these columns, no model
   * instance to build and flatten again; about a third of findByPk's CPU (docs/performance.md).
   */
  async findById(id: string): Promise<User | undefined> {
    const [row] = await preparedSelect<User>(this.sequelize, 'users.by-id', SELECT_BY_ID, [id]);
    return row ? fromRow(row) : undefined;
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
