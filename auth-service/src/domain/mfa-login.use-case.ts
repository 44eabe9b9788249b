import { maskEmail, Problems } from '@secure-api/shared';

import type { AuthDeps, ClientInfo } from './auth-deps.js';
import { authEvent } from './auth-events.js';
import { checkSecondFactor } from './second-factor.js';
import { startSession, type TokenPair } from './session-issuer.js';

const REFUSED = 'Invalid or expired code';

/** Second step of a login with 2FA on: a TOTP or a backup code against the mfa_token. */
export async function completeMfaLogin(
  deps: AuthDeps,
  input: { mfa_token: string; code: string },
  client: ClientInfo,
): Promise<TokenPair> {
  const userId = await deps.mfa.userOf(input.mfa_token);
  if (!userId) throw Problems.unauthorized(REFUSED);
  const refuse = async (reason: 'mfa_invalid' | 'mfa_expired' | 'inactive'): Promise<never> => {
    const credential = await deps.credentials.findById(userId);
    await deps.uow.record(
      authEvent('auth.login.failed', {
        subject: { user_id: userId },
        outcome: 'failure',
        data: { email_masked: maskEmail(credential?.email ?? 'unknown@unknown.invalid'), reason },
      }),
    );
    throw Problems.unauthorized(REFUSED);
  };
  if (!(await checkSecondFactor(deps, userId, input.code, { allowBackupCode: true }))) {
    await deps.mfa.fail(input.mfa_token);
    return refuse('mfa_invalid');
  }
  if (!(await deps.mfa.consume(input.mfa_token))) return refuse('mfa_expired');
  const profile = await deps.directory.get(userId);
  if (!profile?.is_active) return refuse('inactive');
  return deps.uow.run(async () => {
    const tokens = await startSession(deps, profile, ['pwd', 'otp'], client);
    await deps.uow.record(
      authEvent('auth.login.succeeded', {
        actorId: profile.id,
        subject: { user_id: profile.id, session_id: tokens.sessionId },
        outcome: 'success',
        data: { amr: ['pwd', 'otp'] },
      }),
    );
    return tokens;
  });
}
