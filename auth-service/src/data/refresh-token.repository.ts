import { randomUUID } from 'node:crypto';

import type { Sequelize } from 'sequelize';

import type { UnitOfWork } from '@secure-api/shared/outbox';

import type {
  NewRefreshToken,
  RefreshTokenRecord,
  RefreshTokenStore,
  Session,
} from '../domain/session-ports.js';
import {
  defineSessionModels,
  type RefreshTokenModel,
  type RefreshTokenRow,
  type SessionModel,
} from './models/session.model.js';
import { toSession } from './session.repository.js';

function toToken(row: RefreshTokenRow): RefreshTokenRecord {
  return {
    id: row.id,
    sessionId: row.session_id,
    expiresAt: row.expires_at,
    rotatedAt: row.rotated_at,
    replacedBy: row.replaced_by,
    siblingId: row.sibling_id,
  };
}

/**
 * The refresh tokens of each session, stored as SHA-256 hashes. Queries join the unit of work
 * running around them by themselves (shared UnitOfWork), so none takes a transaction.
 */
export class RefreshTokenRepository implements RefreshTokenStore {
  private readonly Session: SessionModel;
  private readonly RefreshToken: RefreshTokenModel;

  constructor(
    private readonly sequelize: Sequelize,
    private readonly uow: UnitOfWork,
  ) {
    const models = defineSessionModels(sequelize);
    this.Session = models.Session;
    this.RefreshToken = models.RefreshToken;
  }

  async withTokenLocked<T>(
    tokenHash: string,
    work: (found: { token: RefreshTokenRecord; session: Session } | undefined) => Promise<T>,
  ): Promise<T> {
    const located = await this.RefreshToken.findOne({ where: { token_hash: tokenHash } });
    return this.uow.run(async () => {
      if (!located) return work(undefined);
      // FOR UPDATE: a second refresh of this family waits here until the first commits.
      const session = await this.Session.findByPk(located.session_id, { lock: true });
      const token = await this.RefreshToken.findByPk(located.id);
      return work(
        session && token ? { token: toToken(token), session: toSession(session) } : undefined,
      );
    });
  }

  async find(tokenId: string): Promise<RefreshTokenRecord | undefined> {
    const row = await this.RefreshToken.findByPk(tokenId);
    return row ? toToken(row) : undefined;
  }

  async add(sessionId: string, token: NewRefreshToken): Promise<string> {
    const id = randomUUID();
    // One statement, one round trip: the token and the session's last use together.
    await this.sequelize.query(
      `WITH token AS (
         INSERT INTO refresh_tokens (id, session_id, token_hash, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)
       )
       UPDATE sessions SET last_used_at = $4 WHERE id = $2`,
      { bind: [id, sessionId, token.hash, new Date(), token.expiresAt] },
    );
    return id;
  }

  async markRotated(tokenId: string, replacedBy: string): Promise<void> {
    await this.RefreshToken.update(
      { rotated_at: new Date(), replaced_by: replacedBy },
      { where: { id: tokenId } },
    );
  }

  async markSiblingIssued(tokenId: string, siblingId: string): Promise<void> {
    await this.RefreshToken.update({ sibling_id: siblingId }, { where: { id: tokenId } });
  }
}
