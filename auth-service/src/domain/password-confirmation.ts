import { maskEmail } from '@secure-api/shared/events';
import type { AppError } from '@secure-api/shared/http';

import { authEvent } from './auth-events.js';
import { AuthProblems } from './auth-problems.js';
import type { LoginGuard, PasswordAttempt } from './login-guard.js';
import type { PasswordHasher } from './password-hasher.js';
import type { Credential, CredentialStore, EventRecorder } from './ports.js';
import type { PolicySource } from './security-policy.js';

export interface CountFailureDeps {
  guard: Pick<LoginGuard, 'recordFailure'>;
  policies: PolicySource;
  uow: EventRecorder;
}

export interface ConfirmPasswordDeps extends CountFailureDeps {
  credentials: Pick<CredentialStore, 'findById'>;
  hasher: Pick<PasswordHasher, 'verify'>;
  guard: Pick<LoginGuard, 'check' | 'recordFailure' | 'recordSuccess'>;
}

/** Counts a wrong password; when this very failure locks the account, records the lock. */
export async function countWrongPassword(
  deps: CountFailureDeps,
  attempt: PasswordAttempt,
  userId: string | undefined,
): Promise<void> {
  const { accountLocked } = await deps.guard.recordFailure(attempt);
  if (!accountLocked) return;
  const policy = await deps.policies.current();
  await deps.uow.record(
    authEvent('auth.account.locked', {
      ...(userId ? { subject: { user_id: userId } } : {}),
      outcome: 'success',
      data: {
        email_masked: maskEmail(attempt.email),
        failed_attempts: policy.max_login_attempts,
        locked_until: new Date(Date.now() + policy.lockout_duration_minutes * 60_000).toISOString(),
      },
    }),
  );
}

/**
 * A signed-in user proving they still know their password before a sensitive change. Guarded
 * exactly like a login, so a stolen token does not buy unlimited guesses: a wrong password counts
 * toward the account lock and the address's counters, a held account or address is refused as if
 * the password were wrong (no oracle), and a blocked address gets 429. `ip` is undefined where the
 * client's address is not known (user-service asking on the user's behalf): the account still counts.
 */
export async function confirmPassword(
  deps: ConfirmPasswordDeps,
  userId: string,
  password: string,
  client: { ip: string | undefined },
  refusal: () => AppError,
): Promise<Credential> {
  const credential = await deps.credentials.findById(userId);
  if (!credential) throw AuthProblems.notAuthenticated();
  const attempt: PasswordAttempt = { email: credential.email, ip: client.ip };
  const verdict = await deps.guard.check(attempt);
  // The Argon2 work is done even when held, so timing does not tell a lock from a wrong password.
  const passwordOk = await deps.hasher.verify(credential.passwordHash, password);
  if (verdict === 'allowed' && passwordOk) {
    await deps.guard.recordSuccess(attempt);
    return credential;
  }
  if (verdict === 'allowed') await countWrongPassword(deps, attempt, userId);
  await deps.uow.record(
    authEvent('auth.login.failed', {
      actorId: userId,
      subject: { user_id: userId },
      outcome: 'failure',
      data: {
        email_masked: maskEmail(credential.email),
        reason: verdict === 'locked' ? 'locked' : 'confirmation_failed',
      },
    }),
  );
  throw refusal();
}
