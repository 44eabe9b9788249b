import { AppError, type AccessClaims } from '@secure-api/shared';

import { EmailTakenError } from '../data/credential.repository.js';
import type { AuthDeps } from './auth-deps.js';
import { WRONG_CURRENT_PASSWORD } from './change-password.use-case.js';
import { revokeEverything } from './logout.use-case.js';

/** user-service, on behalf of the user (their own bearer): the login email follows the profile. */
export async function changeEmail(
  deps: AuthDeps,
  claims: AccessClaims,
  input: { current_password: string; email: string },
): Promise<void> {
  const credential = await deps.credentials.findById(claims.sub);
  if (!credential || !(await deps.hasher.verify(credential.passwordHash, input.current_password))) {
    throw new AppError(400, 'wrong-password', WRONG_CURRENT_PASSWORD);
  }
  try {
    await deps.credentials.updateEmail(claims.sub, input.email);
  } catch (error) {
    if (error instanceof EmailTakenError) {
      throw new AppError(
        400,
        'update-refused',
        'Unable to update account with provided information',
      );
    }
    throw error;
  }
}

/** user-service deleting a user (the admin's bearer): credentials and sessions go, tokens die now. */
export async function deleteCredentials(deps: AuthDeps, userId: string): Promise<void> {
  // Keys go with the credential (ON DELETE CASCADE); their cached resolutions go now.
  await deps.apiKeyCache.purge(await deps.apiKeys.hashesOf(userId));
  await revokeEverything(deps, userId, 'deleted');
  await deps.credentials.delete(userId);
}
