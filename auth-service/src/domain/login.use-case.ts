import { AppError } from '@secure-api/shared';

import type { AuthDeps, ClientInfo } from './auth-deps.js';
import { startSession, type TokenPair } from './session-issuer.js';

export const LOGIN_REFUSED = 'Invalid email or password';

/** One body for every refusal: unknown email, wrong password, locked, inactive or missing profile. */
export function loginRefused(): AppError {
  return new AppError(401, 'invalid-credentials', LOGIN_REFUSED);
}

export type LoginOutcome =
  { kind: 'tokens'; tokens: TokenPair } | { kind: 'mfa'; mfaToken: string };

export async function login(
  deps: AuthDeps,
  input: { email: string; password: string },
  client: ClientInfo,
): Promise<LoginOutcome> {
  const ip = client.ip ?? 'unknown';
  const verdict = await deps.guard.check(input.email, ip);
  const credential = await deps.credentials.findByEmail(input.email);
  // The same Argon2 work on every path, so timing says nothing about existence or lock state.
  const passwordOk = credential
    ? await deps.hasher.verify(credential.passwordHash, input.password)
    : await deps.hasher.verifyAgainstDummy(input.password);
  if (verdict === 'locked') throw loginRefused();
  if (!credential || !passwordOk) {
    await deps.guard.recordFailure(input.email, ip);
    throw loginRefused();
  }

  const profile = await deps.directory.get(credential.userId);
  if (!profile?.is_active) throw loginRefused();

  await deps.guard.recordSuccess(input.email, ip);
  if (deps.hasher.needsRehash(credential.passwordHash)) {
    await deps.credentials.updatePasswordHash(
      credential.userId,
      await deps.hasher.hash(input.password),
      false,
    );
  }
  // With 2FA on, the password alone earns only the right to present a code.
  if ((await deps.twoFactor.find(profile.id))?.enabled) {
    return { kind: 'mfa', mfaToken: await deps.mfa.create(profile.id) };
  }
  return { kind: 'tokens', tokens: await startSession(deps, profile, ['pwd'], client) };
}
