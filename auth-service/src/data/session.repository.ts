import { randomUUID } from 'node:crypto';

import { Op, type Sequelize, type Transaction } from 'sequelize';

import type { UnitOfWork } from '@secure-api/shared';

import {
  defineSessionModels,
  type RefreshTokenModel,
  type RefreshTokenRow,
  type SessionModel,
  type SessionRow,
} from './models/session.model.js';

export interface Session {
  id: string;
  userId: string;
  userAgent: string | null;
  ip: string | null;
  amr: string[];
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

export interface RefreshTokenRecord {
  id: string;
  sessionId: string;
  expiresAt: Date;
  rotatedAt: Date | null;
  replacedBy: string | null;
  siblingId: string | null;
}

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    userId: row.user_id,
    userAgent: row.user_agent,
    ip: row.ip,
    amr: row.amr,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

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

export class SessionRepository {
  private readonly Session: SessionModel;
  private readonly RefreshToken: RefreshTokenModel;

  constructor(
    sequelize: Sequelize,
    private readonly uow: UnitOfWork,
  ) {
    const models = defineSessionModels(sequelize);
    this.Session = models.Session;
    this.RefreshToken = models.RefreshToken;
  }

  async create(
    session: Pick<Session, 'userId' | 'userAgent' | 'ip' | 'amr' | 'expiresAt'>,
    firstToken: { hash: string; expiresAt: Date },
  ): Promise<Session> {
    const now = new Date();
    return this.uow.run(async (transaction) => {
      const row = await this.Session.create(
        {
          id: randomUUID(),
          user_id: session.userId,
          user_agent: session.userAgent,
          ip: session.ip,
          amr: session.amr,
          created_at: now,
          last_used_at: now,
          expires_at: session.expiresAt,
        },
        { transaction },
      );
      await this.addToken(row.id, firstToken, transaction);
      return toSession(row);
    });
  }

  /**
   * Runs `work` with the token's session row locked, so concurrent refreshes of one family are
   * serialised and each sees the other's rotation.
   */
  async withTokenLocked<T>(
    tokenHash: string,
    work: (
      found: { token: RefreshTokenRecord; session: Session } | undefined,
      tx: Transaction,
    ) => Promise<T>,
  ): Promise<T> {
    const located = await this.RefreshToken.findOne({ where: { token_hash: tokenHash } });
    return this.uow.run(async (transaction) => {
      if (!located) return work(undefined, transaction);
      const session = await this.Session.findByPk(located.session_id, {
        transaction,
        lock: transaction.LOCK.UPDATE,
      });
      const token = await this.RefreshToken.findByPk(located.id, { transaction });
      return work(
        session && token ? { token: toToken(token), session: toSession(session) } : undefined,
        transaction,
      );
    });
  }

  async findToken(id: string, transaction?: Transaction): Promise<RefreshTokenRecord | undefined> {
    const row = await this.RefreshToken.findByPk(id, { transaction });
    return row ? toToken(row) : undefined;
  }

  async findByTokenHash(tokenHash: string): Promise<Session | undefined> {
    const token = await this.RefreshToken.findOne({ where: { token_hash: tokenHash } });
    if (!token) return undefined;
    const session = await this.Session.findByPk(token.session_id);
    return session ? toSession(session) : undefined;
  }

  async addToken(
    sessionId: string,
    token: { hash: string; expiresAt: Date },
    transaction: Transaction,
  ): Promise<string> {
    const id = randomUUID();
    await this.RefreshToken.create(
      {
        id,
        session_id: sessionId,
        token_hash: token.hash,
        created_at: new Date(),
        expires_at: token.expiresAt,
      },
      { transaction },
    );
    await this.Session.update(
      { last_used_at: new Date() },
      { where: { id: sessionId }, transaction },
    );
    return id;
  }

  async markRotated(tokenId: string, replacedBy: string, transaction: Transaction): Promise<void> {
    await this.RefreshToken.update(
      { rotated_at: new Date(), replaced_by: replacedBy },
      { where: { id: tokenId }, transaction },
    );
  }

  /** The rotated token's one extra successor (grace window); it yields no other. */
  async markSiblingIssued(
    tokenId: string,
    siblingId: string,
    transaction: Transaction,
  ): Promise<void> {
    await this.RefreshToken.update(
      { sibling_id: siblingId },
      { where: { id: tokenId }, transaction },
    );
  }

  async revoke(sessionId: string, reason: string, transaction?: Transaction): Promise<void> {
    await this.Session.update(
      { revoked_at: new Date(), revoked_reason: reason },
      { where: { id: sessionId, revoked_at: null }, transaction },
    );
  }

  /** Revokes every live session of the user except `keep`; returns the revoked ids. */
  async revokeAllForUser(userId: string, reason: string, keep?: string): Promise<string[]> {
    const [, rows] = await this.Session.update(
      { revoked_at: new Date(), revoked_reason: reason },
      {
        where: {
          user_id: userId,
          revoked_at: null,
          expires_at: { [Op.gt]: new Date() },
          ...(keep ? { id: { [Op.ne]: keep } } : {}),
        },
        returning: true,
      },
    );
    return rows.map((row) => row.id);
  }

  async find(sessionId: string): Promise<Session | undefined> {
    const row = await this.Session.findByPk(sessionId);
    return row ? toSession(row) : undefined;
  }

  async listActive(userId: string): Promise<Session[]> {
    const rows = await this.Session.findAll({
      where: { user_id: userId, revoked_at: null, expires_at: { [Op.gt]: new Date() } },
      order: [['last_used_at', 'DESC']],
    });
    return rows.map(toSession);
  }
}
