import { randomUUID } from 'node:crypto';

import type { Role } from '@secure-api/shared/auth';
import { maskEmail } from '@secure-api/shared/events';

import { authEvent } from './auth-events.js';
import { AuthProblems } from './auth-problems.js';
import { sendVerificationLink, type SendVerificationDeps } from './email-verification.use-case.js';
import type { PasswordHasher } from './password-hasher.js';
import { checkPassword } from './password-policy.js';
import {
  EmailTakenError,
  ProfileConflictError,
  type CredentialStore,
  type UnitOfWork,
  type UserDirectory,
  type UserProfile,
} from './ports.js';
import type { AccountTokenStore } from './recovery-ports.js';
import { passwordPolicyOf, type PolicySource } from './security-policy.js';

export interface CreateAccountDeps extends SendVerificationDeps {
  uow: UnitOfWork;
  policies: PolicySource;
  hasher: Pick<PasswordHasher, 'hash'>;
  credentials: Pick<CredentialStore, 'create'>;
  directory: Pick<UserDirectory, 'create' | 'remove'>;
  tokens: Pick<AccountTokenStore, 'issue' | 'isReserved'>;
}

export interface NewAccount {
  username: string;
  email: string;
  password: string;
  full_name?: string | null | undefined;
  role: Role;
}

/**
 * Registration saga: the credential row and the user-service profile are created together or not
 * at all. The hash is computed before any lookup so a taken email costs the same time as a free one.
 * The address is unproven until its owner follows the link mailed to it; only an account made by
 * an operator with the CLI counts as verified from the start.
 */
export async function createAccount(
  deps: CreateAccountDeps,
  account: NewAccount,
  /** Who created it: nobody (self-registration), an admin (POST /api/v1/users), or the CLI. */
  origin: { via: 'self_registration' | 'cli' } | { via: 'admin'; actorId: string } = {
    via: 'self_registration',
  },
): Promise<UserProfile> {
  const weak = checkPassword(
    account.password,
    account,
    passwordPolicyOf(await deps.policies.current()),
  );
  if (weak) throw weak;
  const passwordHash = await deps.hasher.hash(account.password);
  const userId = randomUUID();

  try {
    return await deps.uow.run(async () => {
      // An address another account may still be moved back to counts as taken.
      if (await deps.tokens.isReserved(account.email)) throw new EmailTakenError();
      await deps.credentials.create({ userId, email: account.email, passwordHash });
      const profile = await deps.directory.create({
        id: userId,
        username: account.username,
        email: account.email,
        full_name: account.full_name ?? null,
        role: account.role,
        email_verified: origin.via === 'cli',
      });
      const data = { email_masked: maskEmail(account.email), role: account.role };
      await deps.uow.record(
        origin.via === 'admin'
          ? authEvent('user.created', {
              actorId: origin.actorId,
              subject: { user_id: userId },
              outcome: 'success',
              data,
            })
          : authEvent('auth.user.registered', {
              actorId: userId,
              subject: { user_id: userId },
              outcome: 'success',
              data: { ...data, via: origin.via },
            }),
      );
      if (origin.via !== 'cli')
        await sendVerificationLink(deps, { userId, email: account.email }, 'registration');
      return profile;
    });
  } catch (error) {
    if (error instanceof EmailTakenError || error instanceof ProfileConflictError)
      throw AuthProblems.registrationRefused();
    // Anything else (user-service unreachable, a lost response, a failed commit): the profile may
    // exist without its credential, so remove it; removal is idempotent.
    await deps.directory.remove(userId).catch(() => undefined);
    throw error;
  }
}
