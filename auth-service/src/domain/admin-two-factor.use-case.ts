import { revokeAllKeysOf, type RevokeKeysDeps } from './api-key-revocation.use-case.js';
import { authEvent } from './auth-events.js';
import { AuthProblems } from './auth-problems.js';
import { revokeEverything, type RevokeEverythingDeps } from './logout.use-case.js';
import type { CredentialStore } from './ports.js';
import type { TwoFactorStore } from './two-factor-ports.js';

export interface ResetTwoFactorDeps extends RevokeKeysDeps, RevokeEverythingDeps {
  credentials: Pick<CredentialStore, 'findById'>;
  twoFactor: Pick<TwoFactorStore, 'find' | 'remove'>;
}

/**
 * The way back for a user whose second factor was hijacked or lost: an admin turns it off, and
 * everything anyone holds for that account (API keys, sessions, access tokens) ends with it, so
 * whoever enrolled the factor is out too. The owner then logs in with the password alone. Keys
 * go first: a retry after a failure further on finds them gone and the factor still to reset.
 */
export async function resetTwoFactor(
  deps: ResetTwoFactorDeps,
  adminId: string,
  userId: string,
): Promise<void> {
  if (!(await deps.credentials.findById(userId))) throw AuthProblems.userNotFound();
  if (!(await deps.twoFactor.find(userId))?.enabled) throw AuthProblems.userTwoFactorNotEnabled();
  await revokeAllKeysOf(deps, userId, { actorId: adminId, reason: 'admin' });
  await deps.uow.run(async () => {
    await deps.twoFactor.remove(userId);
    await revokeEverything(deps, userId, '2fa-reset');
    await deps.uow.record(
      authEvent('auth.2fa.disabled', {
        actorId: adminId,
        subject: { user_id: userId },
        outcome: 'success',
        data: { reason: 'admin' },
      }),
    );
  });
}
