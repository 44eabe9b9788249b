import type { AccessClaims } from '@secure-api/shared';

import type { AuthDeps } from './auth-deps.js';
import { authEvent } from './auth-events.js';
import { AuthProblems } from './auth-problems.js';
import { ttlUntil } from './refresh.use-case.js';
import { hashRefreshToken } from './session-issuer.js';

/**
 * Ends the presented refresh family and the presented access token, whichever were given. The
 * cookie always ends its own session, whatever bearer came with it: an expired, revoked or garbage
 * bearer (`claims` undefined) must not keep a session alive. A bearer alone must be valid.
 */
export async function logout(
  deps: AuthDeps,
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
  deps: AuthDeps,
  sessionId: string,
  expiresAt: Date,
  reason: string,
) {
  await deps.sessions.revoke(sessionId, reason);
  await deps.revocation.revokeSession(sessionId, ttlUntil(expiresAt));
}

/** Every session and every access token of the user, now; returns how many sessions ended. */
export async function revokeEverything(
  deps: AuthDeps,
  userId: string,
  reason: string,
): Promise<number> {
  const ended = await deps.sessions.revokeAllForUser(userId, reason);
  await deps.revocation.revokeUser(userId);
  return ended.length;
}

/** The user ends all their own sessions (POST /auth/logout-all). */
export async function logoutAll(deps: AuthDeps, userId: string): Promise<void> {
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
  deps: AuthDeps,
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
