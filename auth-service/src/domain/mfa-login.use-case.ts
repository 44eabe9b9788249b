import { Problems } from '@secure-api/shared';

import type { AuthDeps, ClientInfo } from './auth-deps.js';
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
  if (!(await checkSecondFactor(deps, userId, input.code, { allowBackupCode: true }))) {
    await deps.mfa.fail(input.mfa_token);
    throw Problems.unauthorized(REFUSED);
  }
  if (!(await deps.mfa.consume(input.mfa_token))) throw Problems.unauthorized(REFUSED);
  const profile = await deps.directory.get(userId);
  if (!profile?.is_active) throw Problems.unauthorized(REFUSED);
  return startSession(deps, profile, ['pwd', 'otp'], client);
}
