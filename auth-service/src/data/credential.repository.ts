import { UniqueConstraintError, type Sequelize } from 'sequelize';

import { EmailTakenError, type Credential, type CredentialStore } from '../domain/ports.js';
import {
  defineCredentialModel,
  type CredentialModel,
  type CredentialRow,
} from './models/credential.model.js';

function toCredential(row: CredentialRow): Credential {
  return {
    userId: row.user_id,
    email: row.email,
    passwordHash: row.password_hash,
    passwordChangedAt: row.password_changed_at,
  };
}

export class CredentialRepository implements CredentialStore {
  private readonly model: CredentialModel;

  constructor(private readonly sequelize: Sequelize) {
    this.model = defineCredentialModel(sequelize);
  }

  async findByEmail(email: string): Promise<Credential | undefined> {
    const row = await this.model.findOne({ where: { email } });
    return row ? toCredential(row) : undefined;
  }

  async findById(userId: string): Promise<Credential | undefined> {
    const row = await this.model.findByPk(userId);
    return row ? toCredential(row) : undefined;
  }

  async create(credential: Omit<Credential, 'passwordChangedAt'>): Promise<void> {
    try {
      await this.model.create({
        user_id: credential.userId,
        email: credential.email,
        password_hash: credential.passwordHash,
        password_changed_at: new Date(),
      });
    } catch (error) {
      if (error instanceof UniqueConstraintError) throw new EmailTakenError();
      throw error;
    }
  }

  async updatePasswordHash(userId: string, passwordHash: string, changed: boolean): Promise<void> {
    await this.model.update(
      { password_hash: passwordHash, ...(changed ? { password_changed_at: new Date() } : {}) },
      { where: { user_id: userId } },
    );
  }

  async updateEmail(userId: string, email: string): Promise<void> {
    try {
      await this.model.update({ email }, { where: { user_id: userId } });
    } catch (error) {
      if (error instanceof UniqueConstraintError) throw new EmailTakenError();
      throw error;
    }
  }

  async recordLogin(userId: string): Promise<boolean> {
    // The row lock orders concurrent logins: exactly one of two first logins sees none before it.
    const [rows] = await this.sequelize.query(
      `UPDATE credentials c SET last_login_at = now()
         FROM (SELECT user_id, last_login_at FROM credentials WHERE user_id = :userId FOR UPDATE) old
        WHERE c.user_id = old.user_id
        RETURNING old.last_login_at AS previous`,
      { replacements: { userId } },
    );
    const [row] = rows as { previous: Date | null }[];
    return row?.previous != null;
  }

  /** Sessions and refresh tokens go with it (ON DELETE CASCADE). */
  async delete(userId: string): Promise<boolean> {
    return (await this.model.destroy({ where: { user_id: userId } })) > 0;
  }
}
