import type { AccessClaims, RevocationStore } from '@secure-api/shared/auth';

import { authEvent } from './auth-events.js';
import { AuthProblems } from './auth-problems.js';
import type { UnitOfWork } from './ports.js';
import { ttlUntil } from './refresh.use-case.js';
import { hashRefreshToken } from './session-issuer.js';
import type { SessionStore } from './session-ports.js';

export interface EndSessionDeps {
  sessions: Pick<SessionStore, 'revoke'>;
  revocation: Pick<RevocationStore, 'revokeSession'>;
}

export interface RevokeEverythingDeps {
  sessions: Pick<SessionStore, 'revokeAllForUser'>;
  revocation: Pick<RevocationStore, 'revokeUser'>;
}

export interface LogoutDeps extends EndSessionDeps {
  uow: UnitOfWork;
  sessions: Pick<SessionStore, 'revoke' | 'find' | 'findByTokenHash'>;
  revocation: Pick<RevocationStore, 'revokeSession' | 'revokeToken'>;
}

export interface LogoutAllDeps extends RevokeEverythingDeps {
  uow: UnitOfWork;
}

/**
 * Ends the presented refresh family and the presented access token, whichever were given. The
 * cookie always ends its own session, whatever bearer came with it: an expired, revoked or garbage
 * bearer (`claims` undefined) must not keep a session alive. A bearer alone must be valid.
 */
export async function logout(
  deps: LogoutDeps,
  input: { refreshToken?: string | undefined; claims?: AccessClaims | undefined },
): Promise<void> {
  if (!input.refreshToken && !input.claims) throw AuthProblems.notAuthenticated();
  await deps.uow.run(async () => {
    let userId = input.claims?.sub;
    let ended = 0;
    if (input.refreshToken) {
      const session = await deps.sessions.findByTokenHash(hashRefreshToken(input.refreshToken));
      // A cookie and a bearer of two different users: end only what the bearer's owner holds.
      if (session && !session.revokedAt && (!input.claims || input.claims.sub === session.userId)) {
        await endSession(deps, session.id, session.expiresAt, 'logout');
        userId = session.userId;
        ended += 1;
      }
    }
    if (input.claims) {
      await deps.revocation.revokeToken(input.claims.jti, input.claims.exp);
      const session = input.claims.sid ? await deps.sessions.find(input.claims.sid) : undefined;
      if (session && !session.revokedAt) {
        await endSession(deps, session.id, session.expiresAt, 'logout');
        ended += 1;
      }
    }
    if (!userId) return;
    await deps.uow.record(
      authEvent('auth.logout', {
        actorId: userId,
        subject: { user_id: userId },
        outcome: 'success',
        data: { sessions_revoked: ended, access_token_revoked: input.claims !== undefined },
      }),
    );
  });
}

export async function endSession(
  deps: EndSessionDeps,
  sessionId: string,
  expiresAt: Date,
  reason: string,
) {
  await deps.sessions.revoke(sessionId, reason);
  await deps.revocation.revokeSession(sessionId, ttlUntil(expiresAt));
}

/** Every session and every access token of the user, now; returns how many sessions ended. */
export async function revokeEverything(
  deps: RevokeEverythingDeps,
  userId: string,
  reason: string,
): Promise<number> {
  const ended = await deps.sessions.revokeAllForUser(userId, reason);
  await deps.revocation.revokeUser(userId);
  return ended.length;
}

/** The user ends all their own sessions (POST /auth/logout-all). */
export async function logoutAll(deps: LogoutAllDeps, userId: string): Promise<void> {
  await deps.uow.run(async () => {
    const ended = await revokeEverything(deps, userId, 'logout-all');
    await deps.uow.record(
      authEvent('auth.logout_all', {
        actorId: userId,
        subject: { user_id: userId },
        outcome: 'success',
        data: { sessions_revoked: ended },
      }),
    );
  });
}

/** An admin ends every session of a user (DELETE /admin/users/{id}/sessions). */
export async function revokeUserSessions(
  deps: LogoutAllDeps,
  adminId: string,
  userId: string,
): Promise<void> {
  await deps.uow.run(async () => {
    const ended = await revokeEverything(deps, userId, 'admin');
    await deps.uow.record(
      authEvent('auth.sessions.revoked', {
        actorId: adminId,
        subject: { user_id: userId },
        outcome: 'success',
        data: { sessions_revoked: ended },
      }),
    );
  });
}
