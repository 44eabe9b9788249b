import { maskEmail } from '@secure-api/shared/events';

import { authEvent } from './auth-events.js';
import { AuthProblems } from './auth-problems.js';
import { finishLogin, type FinishLoginDeps, type LoginSuccess } from './login-success.js';
import type { CredentialStore, LoginClient, UnitOfWork, UserDirectory } from './ports.js';
import { verifySecondFactor, type FactorVerdict, type VerifyFactorDeps } from './second-factor.js';
import type { MfaChallenges } from './two-factor-ports.js';

export interface MfaLoginDeps extends FinishLoginDeps, VerifyFactorDeps {
  uow: UnitOfWork;
  mfa: Pick<MfaChallenges, 'userOf' | 'consume' | 'reserve' | 'release'>;
  credentials: Pick<CredentialStore, 'findById' | 'recordLogin'>;
  directory: Pick<UserDirectory, 'get'>;
}

type Reason = 'mfa_invalid' | 'mfa_expired' | 'mfa_exhausted' | 'locked' | 'inactive';

const REASONS = new Map<Exclude<FactorVerdict, 'accepted'>, Reason>([
  ['wrong', 'mfa_invalid'],
  ['expired', 'mfa_expired'],
  ['exhausted', 'mfa_exhausted'],
  ['held', 'locked'],
]);

/**
 * Second step of a login with 2FA on: a TOTP or a backup code against the mfa_token. Every
 * refusal — wrong code, spent token, too many codes for the token or the account — is one 401.
 */
export async function completeMfaLogin(
  deps: MfaLoginDeps,
  input: { mfa_token: string; code: string },
  client: LoginClient,
): Promise<LoginSuccess> {
  const userId = await deps.mfa.userOf(input.mfa_token);
  if (!userId) {
    deps.counters.login('mfa_failed');
    throw AuthProblems.mfaRefused();
  }
  const refuse = async (reason: Reason): Promise<never> => {
    deps.counters.login(reason === 'locked' || reason === 'inactive' ? 'locked' : 'mfa_failed');
    const credential = await deps.credentials.findById(userId);
    await deps.uow.record(
      authEvent('auth.login.failed', {
        subject: { user_id: userId },
        outcome: 'failure',
        data: { email_masked: maskEmail(credential?.email ?? 'unknown@unknown.invalid'), reason },
      }),
    );
    throw AuthProblems.mfaRefused();
  };
  const verdict = await verifySecondFactor(deps, userId, input.code, {
    allowBackupCode: true,
    challenge: input.mfa_token,
  });
  if (verdict !== 'accepted') return refuse(REASONS.get(verdict) ?? 'mfa_invalid');
  if (!(await deps.mfa.consume(input.mfa_token))) return refuse('mfa_expired');
  const profile = await deps.directory.get(userId);
  if (!profile?.is_active) return refuse('inactive');
  return finishLogin(deps, profile, ['pwd', 'otp'], client);
}
