import { maskEmail } from '@secure-api/shared/events';

import { authEvent } from './auth-events.js';
import { AuthProblems } from './auth-problems.js';
import type { LoginGuard, PasswordAttempt } from './login-guard.js';
import { finishLogin, type FinishLoginDeps, type LoginSuccess } from './login-success.js';
import { countWrongPassword, type CountFailureDeps } from './password-confirmation.js';
import type { PasswordHasher } from './password-hasher.js';
import type { LoginResult } from './security-counters.js';
import type {
  CredentialStore,
  EventRecorder,
  LoginClient,
  UnitOfWork,
  UserDirectory,
} from './ports.js';
import type { MfaChallenges, TwoFactorStore } from './two-factor-ports.js';

export interface LoginDeps extends FinishLoginDeps, CountFailureDeps {
  uow: UnitOfWork;
  credentials: Pick<CredentialStore, 'findByEmail' | 'updatePasswordHash' | 'recordLogin'>;
  guard: Pick<LoginGuard, 'check' | 'recordFailure' | 'recordSuccess'>;
  hasher: Pick<
    PasswordHasher,
    'assertCapacity' | 'verify' | 'verifyAgainstDummy' | 'needsRehash' | 'hash'
  >;
  directory: Pick<UserDirectory, 'get'>;
  twoFactor: Pick<TwoFactorStore, 'find'>;
  mfa: Pick<MfaChallenges, 'create'>;
}

type FailureReason =
  | 'unknown_account'
  | 'wrong_password'
  | 'inactive'
  | 'locked'
  | 'device_locked'
  | 'email_unverified';

const COUNTED_AS = new Map<FailureReason, LoginResult>([
  ['unknown_account', 'unknown_account'],
  ['wrong_password', 'wrong_password'],
  ['inactive', 'locked'],
  ['locked', 'locked'],
  ['device_locked', 'locked'],
  ['email_unverified', 'email_unverified'],
]);

/**
 * One body for every refusal (unknown email, wrong password, locked, inactive or missing profile);
 * the audit record says what really happened.
 */
async function refuse(
  deps: { uow: EventRecorder; counters: FinishLoginDeps['counters'] },
  email: string,
  reason: FailureReason,
  userId?: string,
): Promise<never> {
  deps.counters.login(COUNTED_AS.get(reason) ?? 'locked');
  await deps.uow.record(
    authEvent('auth.login.failed', {
      ...(userId ? { subject: { user_id: userId } } : {}),
      outcome: 'failure',
      data: { email_masked: maskEmail(email), reason },
    }),
  );
  // Only the right password learns that the address is unverified; nothing else is told apart.
  throw reason === 'email_unverified'
    ? AuthProblems.emailNotVerified()
    : AuthProblems.loginRefused();
}

export type LoginOutcome = ({ kind: 'tokens' } & LoginSuccess) | { kind: 'mfa'; mfaToken: string };

export async function login(
  deps: LoginDeps,
  input: { email: string; password: string },
  client: LoginClient,
): Promise<LoginOutcome> {
  // Refused before anything is looked up: the same 503 for every address, and cheap under a flood.
  deps.hasher.assertCapacity();
  const credential = await deps.credentials.findByEmail(input.email);
  // A browser that completed a login to this account before answers only to its own counter.
  const trusted = credential && (await deps.policies.current()).device_trust;
  const attempt: PasswordAttempt = {
    email: input.email,
    ip: client.ip ?? 'unknown',
    device: trusted ? deps.devices.recognise(credential.userId, client.deviceCookies) : undefined,
  };
  const verdict = await deps.guard.check(attempt);
  // The same Argon2 work on every path, so timing says nothing about existence or lock state.
  const passwordOk = credential
    ? await deps.hasher.verify(credential.passwordHash, input.password)
    : await deps.hasher.verifyAgainstDummy(input.password);
  if (verdict === 'locked') {
    return refuse(
      deps,
      input.email,
      attempt.device ? 'device_locked' : 'locked',
      credential?.userId,
    );
  }
  if (!credential || !passwordOk) {
    await countWrongPassword(deps, attempt, credential?.userId);
    return refuse(
      deps,
      input.email,
      credential ? 'wrong_password' : 'unknown_account',
      credential?.userId,
    );
  }

  const profile = await deps.directory.get(credential.userId);
  if (!profile?.is_active) return refuse(deps, input.email, 'inactive', credential.userId);

  await deps.guard.recordSuccess(attempt);
  if ((await deps.policies.current()).require_verified_email && !profile.email_verified)
    return refuse(deps, input.email, 'email_unverified', credential.userId);
  if (deps.hasher.needsRehash(credential.passwordHash)) {
    await deps.credentials.updatePasswordHash(
      credential.userId,
      await deps.hasher.hash(input.password),
      false,
    );
  }
  // With 2FA on, the password alone earns only the right to present a code.
  if ((await deps.twoFactor.find(profile.id))?.enabled) {
    deps.counters.login('mfa_required');
    return { kind: 'mfa', mfaToken: await deps.mfa.create(profile.id) };
  }
  return { kind: 'tokens', ...(await finishLogin(deps, profile, ['pwd'], client)) };
}
