import type { ApiKeyCachePurge, ApiKeyStore } from './api-key-ports.js';
import { revokeEverything, type RevokeEverythingDeps } from './logout.use-case.js';
import type { CredentialStore } from './ports.js';

export interface DeleteCredentialsDeps extends RevokeEverythingDeps {
  credentials: Pick<CredentialStore, 'delete'>;
  apiKeys: Pick<ApiKeyStore, 'hashesOf'>;
  apiKeyCache: ApiKeyCachePurge;
}

/** user-service deleting a user (the admin's bearer): credentials and sessions go, tokens die now. */
export async function deleteCredentials(
  deps: DeleteCredentialsDeps,
  userId: string,
): Promise<void> {
  // Keys go with the credential (ON DELETE CASCADE); their cached resolutions go now.
  await deps.apiKeyCache.purge(await deps.apiKeys.hashesOf(userId));
  await revokeEverything(deps, userId, 'deleted');
  await deps.credentials.delete(userId);
}
