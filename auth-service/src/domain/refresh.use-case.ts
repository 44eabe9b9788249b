import type { RevocationStore } from '@secure-api/shared/auth';

import { authEvent } from './auth-events.js';
import { AuthProblems } from './auth-problems.js';
import type { UnitOfWork, UserDirectory } from './ports.js';
import type { SecurityCounters } from './security-counters.js';
import {
  accessTokenFor,
  hashRefreshToken,
  newRefreshToken,
  refreshExpiry,
  type AccessTokenDeps,
  type TokenPair,
} from './session-issuer.js';
import type { RefreshTokenStore, SessionSettings, SessionStore } from './session-ports.js';

export interface RefreshDeps extends AccessTokenDeps {
  uow: Pick<UnitOfWork, 'record'>;
  sessions: Pick<SessionStore, 'revoke'>;
  refreshTokens: RefreshTokenStore;
  revocation: Pick<RevocationStore, 'revokeSession' | 'earliestIssueTime'>;
  directory: Pick<UserDirectory, 'get'>;
  settings: Pick<SessionSettings, 'refreshTokenDays' | 'refreshReuseGraceSeconds'>;
  counters: Pick<SecurityCounters, 'refreshReuse'>;
}

export type RefreshOutcome =
  | { kind: 'rotated'; tokens: TokenPair; userId: string; sessionId: string }
  | { kind: 'reuse'; userId: string; sessionId: string };

/**
 * Rotation with reuse detection. A token already rotated is a stolen copy, unless it is the
 * immediately previous token presented within the grace window (two tabs refreshing at once):
 * then it gets one sibling token and nothing is revoked. One only: a copy replayed many times at
 * once inside the window would otherwise become as many working tokens, so any further use is
 * reuse. Concurrent refreshes of a family are serialised on the session row, so each sees the
 * sibling the previous one recorded.
 */
export async function refresh(deps: RefreshDeps, presented: string): Promise<RefreshOutcome> {
  const graceMs = deps.settings.refreshReuseGraceSeconds * 1000;
  const outcome = await deps.refreshTokens.withTokenLocked(
    hashRefreshToken(presented),
    async (found) => {
      const now = new Date();
      if (!found) throw AuthProblems.refreshRefused();
      const { token, session } = found;
      if (session.revokedAt || session.expiresAt <= now || token.expiresAt <= now) {
        throw AuthProblems.refreshRefused();
      }
      if (token.rotatedAt) {
        const successor = token.replacedBy
          ? await deps.refreshTokens.find(token.replacedBy)
          : undefined;
        const inGrace =
          graceMs > 0 &&
          now.getTime() - token.rotatedAt.getTime() <= graceMs &&
          token.siblingId === null &&
          successor?.rotatedAt === null;
        if (!inGrace) {
          await deps.sessions.revoke(session.id, 'reuse');
          await deps.uow.record(
            authEvent('auth.token.reuse_detected', {
              subject: { user_id: session.userId, session_id: session.id },
              outcome: 'denied',
              data: { sessions_revoked: 1 },
            }),
          );
          return { kind: 'reuse' as const, session };
        }
      }
      const next = newRefreshToken();
      const refreshExpiresAt = refreshExpiry(deps.settings, session.expiresAt);
      const nextId = await deps.refreshTokens.add(session.id, {
        hash: next.hash,
        expiresAt: refreshExpiresAt,
      });
      if (!token.rotatedAt) await deps.refreshTokens.markRotated(token.id, nextId);
      else await deps.refreshTokens.markSiblingIssued(token.id, nextId);
      await deps.uow.record(
        authEvent('auth.token.refreshed', {
          actorId: session.userId,
          subject: { user_id: session.userId, session_id: session.id },
          outcome: 'success',
          data: { within_grace: token.rotatedAt !== null },
        }),
      );
      return { kind: 'rotated' as const, session, refreshToken: next.token, refreshExpiresAt };
    },
  );

  const { session } = outcome;
  if (outcome.kind === 'reuse') {
    deps.counters.refreshReuse();
    await deps.revocation.revokeSession(session.id, ttlUntil(session.expiresAt));
    return { kind: 'reuse', userId: session.userId, sessionId: session.id };
  }
  // The role is read fresh: a demoted or deactivated user's next token reflects it.
  const profile = await deps.directory.get(session.userId);
  if (!profile?.is_active) {
    await deps.sessions.revoke(session.id, 'inactive');
    throw AuthProblems.refreshRefused();
  }
  const access = await accessTokenFor(deps, profile, session.id, session.amr);
  return {
    kind: 'rotated',
    userId: session.userId,
    sessionId: session.id,
    tokens: {
      accessToken: access.token,
      expiresIn: access.expiresIn,
      refreshToken: outcome.refreshToken,
      refreshExpiresAt: outcome.refreshExpiresAt,
    },
  };
}

export function ttlUntil(date: Date): number {
  return Math.max(Math.ceil((date.getTime() - Date.now()) / 1000), 1);
}
