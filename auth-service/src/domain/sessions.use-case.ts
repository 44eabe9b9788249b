import { authEvent } from './auth-events.js';
import { AuthProblems } from './auth-problems.js';
import { endSession, type EndSessionDeps } from './logout.use-case.js';
import type { UnitOfWork } from './ports.js';
import type { SessionStore } from './session-ports.js';

export interface EndOwnSessionDeps extends EndSessionDeps {
  uow: UnitOfWork;
  sessions: Pick<SessionStore, 'find' | 'revoke'>;
}

export interface SessionView {
  id: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  user_agent: string | null;
  current: boolean;
}

export async function listSessions(
  deps: { sessions: Pick<SessionStore, 'listActive'> },
  userId: string,
  currentSid?: string,
): Promise<SessionView[]> {
  const sessions = await deps.sessions.listActive(userId);
  return sessions.map((s) => ({
    id: s.id,
    created_at: s.createdAt.toISOString(),
    last_used_at: s.lastUsedAt.toISOString(),
    expires_at: s.expiresAt.toISOString(),
    user_agent: s.userAgent,
    current: s.id === currentSid,
  }));
}

/** Only the owner's own sessions are visible: anyone else's id is simply not found. */
export async function endOwnSession(
  deps: EndOwnSessionDeps,
  userId: string,
  sessionId: string,
): Promise<void> {
  const session = await deps.sessions.find(sessionId);
  if (!session || session.userId !== userId || session.revokedAt) {
    throw AuthProblems.sessionNotFound();
  }
  await deps.uow.run(async () => {
    await endSession(deps, session.id, session.expiresAt, 'ended');
    await deps.uow.record(
      authEvent('auth.sessions.revoked', {
        actorId: userId,
        subject: { user_id: userId, session_id: session.id },
        outcome: 'success',
        data: { sessions_revoked: 1 },
      }),
    );
  });
}
