import { maskEmail } from '@secure-api/shared';

import type { AuthDeps, LoginClient } from './auth-deps.js';
import { authEvent } from './auth-events.js';
import { AuthProblems } from './auth-problems.js';
import { finishLogin, type LoginSuccess } from './login-success.js';
import { verifySecondFactor, type FactorVerdict } from './second-factor.js';

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
  deps: AuthDeps,
  input: { mfa_token: string; code: string },
  client: LoginClient,
): Promise<LoginSuccess> {
  const userId = await deps.mfa.userOf(input.mfa_token);
  if (!userId) throw AuthProblems.mfaRefused();
  const refuse = async (reason: Reason): Promise<never> => {
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
