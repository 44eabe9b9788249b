import type { AccessClaims } from '@secure-api/shared/auth';

import type { ApiKeyCachePurge, ApiKeyStore } from './api-key-ports.js';
import { AuthProblems } from './auth-problems.js';
import { revokeEverything, type RevokeEverythingDeps } from './logout.use-case.js';
import { confirmPassword, type ConfirmPasswordDeps } from './password-confirmation.js';
import { EmailTakenError, type CredentialStore } from './ports.js';

export interface ChangeEmailDeps extends ConfirmPasswordDeps {
  credentials: Pick<CredentialStore, 'findById' | 'updateEmail'>;
}

export interface DeleteCredentialsDeps extends RevokeEverythingDeps {
  credentials: Pick<CredentialStore, 'delete'>;
  apiKeys: Pick<ApiKeyStore, 'hashesOf'>;
  apiKeyCache: ApiKeyCachePurge;
}

/**
 * user-service, on behalf of the user (their own bearer): the login email follows the profile.
 * The caller here is user-service, not the client, so the client's address is unknown and only
 * the account counts the failure (counting user-service's address would let one person's typos
 * block every email change).
 */
export async function changeEmail(
  deps: ChangeEmailDeps,
  claims: AccessClaims,
  input: { current_password: string; email: string },
): Promise<void> {
  await confirmPassword(
    deps,
    claims.sub,
    input.current_password,
    { ip: undefined },
    AuthProblems.wrongCurrentPassword,
  );
  try {
    await deps.credentials.updateEmail(claims.sub, input.email);
  } catch (error) {
    if (error instanceof EmailTakenError) throw AuthProblems.emailChangeRefused();
    throw error;
  }
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
