import { randomUUID } from 'node:crypto';

import { Op, type Sequelize } from 'sequelize';

import type { NewSession, Session, SessionStore } from '../domain/session-ports.js';
import {
  defineSessionModels,
  type RefreshTokenModel,
  type SessionModel,
  type SessionRow,
} from './models/session.model.js';

export function toSession(row: SessionRow): Session {
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

/** Sessions (refresh families); their tokens are RefreshTokenRepository's. */
export class SessionRepository implements SessionStore {
  private readonly Session: SessionModel;
  private readonly RefreshToken: RefreshTokenModel;

  constructor(sequelize: Sequelize) {
    const models = defineSessionModels(sequelize);
    this.Session = models.Session;
    this.RefreshToken = models.RefreshToken;
  }

  async create(session: NewSession): Promise<Session> {
    const now = new Date();
    const row = await this.Session.create({
      id: randomUUID(),
      user_id: session.userId,
      user_agent: session.userAgent,
      ip: session.ip,
      amr: session.amr,
      created_at: now,
      last_used_at: now,
      expires_at: session.expiresAt,
    });
    return toSession(row);
  }

  async find(sessionId: string): Promise<Session | undefined> {
    const row = await this.Session.findByPk(sessionId);
    return row ? toSession(row) : undefined;
  }

  async findByTokenHash(tokenHash: string): Promise<Session | undefined> {
    const token = await this.RefreshToken.findOne({ where: { token_hash: tokenHash } });
    if (!token) return undefined;
    return this.find(token.session_id);
  }

  async listActive(userId: string): Promise<Session[]> {
    const rows = await this.Session.findAll({
      where: { user_id: userId, revoked_at: null, expires_at: { [Op.gt]: new Date() } },
      order: [['last_used_at', 'DESC']],
    });
    return rows.map(toSession);
  }

  async revoke(sessionId: string, reason: string): Promise<void> {
    await this.Session.update(
      { revoked_at: new Date(), revoked_reason: reason },
      { where: { id: sessionId, revoked_at: null } },
    );
  }

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
}
