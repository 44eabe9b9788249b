import type { AccessClaims } from '@secure-api/shared/auth';

import type { ApiKey, ApiKeyCachePurge, ApiKeyStore } from './api-key-ports.js';
import { ownedLiveKey } from './api-keys.use-case.js';
import { authEvent } from './auth-events.js';
import { AuthProblems } from './auth-problems.js';
import { confirmPassword, type ConfirmPasswordDeps } from './password-confirmation.js';
import type { ClientInfo, UnitOfWork } from './ports.js';

interface RevocationDeps {
  uow: UnitOfWork;
  apiKeyCache: ApiKeyCachePurge;
}

export interface RevokeKeyDeps extends RevocationDeps {
  apiKeys: Pick<ApiKeyStore, 'findOwned' | 'revoke'>;
}

export interface RevokeKeysDeps extends RevocationDeps {
  apiKeys: Pick<ApiKeyStore, 'hashesOf' | 'revokeAllOf'>;
}

export interface RevokeAllKeysDeps extends RevokeKeysDeps, ConfirmPasswordDeps {
  uow: UnitOfWork;
}

/**
 * Marked revoked at the gateway first (see ApiKeyCache), then revoked in the database with one
 * event per key; a key the database revoked that was not marked before (created meanwhile) is
 * marked after.
 */
async function revoke(
  deps: RevocationDeps,
  by: { actorId: string; reason: 'user' | 'admin' },
  known: string[],
  find: () => Promise<ApiKey[]>,
) {
  await deps.apiKeyCache.purge(known);
  const revoked = await deps.uow.run(async () => {
    const keys = await find();
    if (keys.length === 0) return keys;
    await deps.uow.record(
      keys.map((key) =>
        authEvent('auth.apikey.revoked', {
          actorId: by.actorId,
          subject: { user_id: key.userId, key_id: key.id },
          outcome: 'success',
          data: { reason: by.reason },
        }),
      ),
    );
    return keys;
  });
  await deps.apiKeyCache.purge(
    revoked.map((key) => key.keyHash).filter((hash) => !known.includes(hash)),
  );
}

export async function revokeApiKey(deps: RevokeKeyDeps, userId: string, id: string): Promise<void> {
  const key = await ownedLiveKey(deps, userId, id);
  await revoke(deps, { actorId: userId, reason: 'user' }, [key.keyHash], async () => {
    await deps.apiKeys.revoke(key.id);
    return [key];
  });
}

/**
 * Every live key of the caller at once (a leaked laptop, a departing colleague's CI): rotated-out
 * keys still in their grace period included. Needs the password, like issuing a key.
 */
export async function revokeAllApiKeys(
  deps: RevokeAllKeysDeps,
  claims: AccessClaims,
  input: { password: string },
  client: ClientInfo,
): Promise<void> {
  await confirmPassword(deps, claims.sub, input.password, client, AuthProblems.invalidPassword);
  await revokeAllKeysOf(deps, claims.sub, { actorId: claims.sub, reason: 'user' });
}

/** Every live key of the user, by the user or by an admin ending a hijacked account's access. */
export async function revokeAllKeysOf(
  deps: RevokeKeysDeps,
  userId: string,
  by: { actorId: string; reason: 'user' | 'admin' },
): Promise<void> {
  await revoke(deps, by, await deps.apiKeys.hashesOf(userId), () =>
    deps.apiKeys.revokeAllOf(userId),
  );
}
