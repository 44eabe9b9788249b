import type { AccessClaims } from '@secure-api/shared';

import type { AuthDeps } from './auth-deps.js';
import { hashRefreshToken } from './session-issuer.js';
import { ttlUntil } from './refresh.use-case.js';

/** Ends the presented refresh family and the presented access token, whichever were given. */
export async function logout(
  deps: AuthDeps,
  input: { refreshToken?: string | undefined; claims?: AccessClaims | undefined },
): Promise<void> {
  if (input.refreshToken) {
    const session = await deps.sessions.findByTokenHash(hashRefreshToken(input.refreshToken));
    // A cookie and a bearer of two different users: end only what the bearer's owner holds.
    if (session && (!input.claims || input.claims.sub === session.userId)) {
      await endSession(deps, session.id, session.expiresAt, 'logout');
    }
  }
  if (input.claims) {
    await deps.revocation.revokeToken(input.claims.jti, input.claims.exp);
    if (input.claims.sid) {
      const session = await deps.sessions.find(input.claims.sid);
      if (session) await endSession(deps, session.id, session.expiresAt, 'logout');
    }
  }
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

/** Every session and every access token of the user, now. */
export async function logoutAll(
  deps: AuthDeps,
  userId: string,
  reason = 'logout-all',
): Promise<void> {
  await deps.sessions.revokeAllForUser(userId, reason);
  await deps.revocation.revokeUser(userId);
}
