import type { RevocationStore } from '@secure-api/shared/auth';

import type { ApiKeyCachePurge, ApiKeyStore } from './api-key-ports.js';
import { authEvent } from './auth-events.js';
import type { UnitOfWork } from './ports.js';
import type { SessionSettings, SessionStore } from './session-ports.js';

const DAY_SECONDS = 24 * 3600;

/** What ending an account's sessions touches, and nothing more. */
export interface EndSessionsDeps {
  uow: UnitOfWork;
  sessions: Pick<SessionStore, 'revokeAllForUser'>;
  revocation: Pick<RevocationStore, 'revokeUser' | 'revokeSession'>;
  apiKeys: Pick<ApiKeyStore, 'hashesOf' | 'revokeAllOf'>;
  apiKeyCache: ApiKeyCachePurge;
  settings: Pick<SessionSettings, 'refreshFamilyMaxDays'>;
}

/**
 * user-service changing an account's status, with the acting admin's bearer, before it commits:
 * every session (refresh family) and every API key of the account ends for good, so a
 * reactivation brings none of them back; every access token dies now. Idempotent, so a retried
 * status change succeeds; a failure here (Redis down) rolls the status change back.
 */
export async function endAccountSessions(
  deps: EndSessionsDeps,
  actorId: string,
  userId: string,
): Promise<void> {
  // Keys are dead at the gateway before anything commits (see ApiKeyCache).
  await deps.apiKeyCache.purge(await deps.apiKeys.hashesOf(userId));
  await deps.uow.run(async () => {
    const ended = await deps.sessions.revokeAllForUser(userId, 'status-changed');
    const keys = await deps.apiKeys.revokeAllOf(userId);
    // A refresh racing this change mints its access token from the profile as it was, with an
    // `iat` that may equal the user's revocation mark and so survive it; the session's own mark
    // catches every token minted for that session, whenever.
    const familyLifetime = deps.settings.refreshFamilyMaxDays * DAY_SECONDS;
    await Promise.all(ended.map((sid) => deps.revocation.revokeSession(sid, familyLifetime)));
    await deps.revocation.revokeUser(userId);
    await deps.uow.record([
      authEvent('auth.sessions.revoked', {
        actorId,
        subject: { user_id: userId },
        outcome: 'success',
        data: { sessions_revoked: ended.length },
      }),
      ...keys.map((key) =>
        authEvent('auth.apikey.revoked', {
          actorId,
          subject: { user_id: userId, key_id: key.id },
          outcome: 'success',
          data: { reason: 'owner_deactivated' },
        }),
      ),
    ]);
  });
}
