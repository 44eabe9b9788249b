import { createHash, randomBytes, randomUUID } from 'node:crypto';

import { QueryTypes, type Sequelize } from 'sequelize';

import type {
  AccountToken,
  AccountTokenPurpose,
  AccountTokenStore,
} from '../domain/recovery-ports.js';

interface AccountTokenRow {
  id: string;
  user_id: string;
  purpose: AccountTokenPurpose;
  email: string;
  created_at: Date;
  expires_at: Date;
}

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

// base64url of 32 random bytes: 43 characters, safe in a URL fragment.
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The links mailed for account recovery, kept only as SHA-256 (a stolen table opens nothing). */
export class AccountTokenRepository implements AccountTokenStore {
  constructor(private readonly sequelize: Sequelize) {}

  async issue(input: {
    userId: string;
    purpose: AccountTokenPurpose;
    email: string;
    ttlSeconds: number;
    keepEarlier?: boolean;
  }): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    if (!input.keepEarlier) await this.revoke(input.userId, [input.purpose]);
    await this.sequelize.query(
      `INSERT INTO account_tokens (id, user_id, purpose, token_hash, email, expires_at)
       VALUES (:id, :userId, :purpose, :hash, :email, now() + :ttl * interval '1 second')`,
      {
        replacements: {
          id: randomUUID(),
          userId: input.userId,
          purpose: input.purpose,
          hash: sha256(token),
          email: input.email,
          ttl: input.ttlSeconds,
        },
      },
    );
    return token;
  }

  async findLive(token: string, purpose: AccountTokenPurpose): Promise<AccountToken | undefined> {
    if (!TOKEN.test(token)) return undefined;
    const [row] = await this.sequelize.query<AccountTokenRow>(
      `SELECT id, user_id, purpose, email, created_at, expires_at FROM account_tokens
        WHERE token_hash = :hash AND purpose = :purpose AND used_at IS NULL AND expires_at > now()`,
      { type: QueryTypes.SELECT, replacements: { hash: sha256(token), purpose } },
    );
    return row
      ? {
          id: row.id,
          userId: row.user_id,
          purpose: row.purpose,
          email: row.email,
          createdAt: row.created_at,
          expiresAt: row.expires_at,
        }
      : undefined;
  }

  async consume(tokenId: string): Promise<boolean> {
    const [, affected] = await this.sequelize.query(
      `UPDATE account_tokens SET used_at = now()
        WHERE id = :tokenId AND used_at IS NULL AND expires_at > now()`,
      { type: QueryTypes.UPDATE, replacements: { tokenId } },
    );
    return affected === 1;
  }

  async isReserved(email: string, exceptUserId?: string): Promise<boolean> {
    const rows = await this.sequelize.query(
      `SELECT 1 FROM account_tokens
        WHERE purpose = 'email_change_cancel' AND email = :email
          AND used_at IS NULL AND expires_at > now() AND user_id IS DISTINCT FROM :exceptUserId`,
      { type: QueryTypes.SELECT, replacements: { email, exceptUserId: exceptUserId ?? null } },
    );
    return rows.length > 0;
  }

  async revoke(userId: string, purposes: readonly AccountTokenPurpose[]): Promise<number> {
    const [, affected] = await this.sequelize.query(
      `UPDATE account_tokens SET used_at = now()
        WHERE user_id = :userId AND purpose IN (:purposes) AND used_at IS NULL`,
      { type: QueryTypes.UPDATE, replacements: { userId, purposes: [...purposes] } },
    );
    return affected;
  }
}
