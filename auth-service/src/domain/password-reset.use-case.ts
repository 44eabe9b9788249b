import { maskEmail } from '@secure-api/shared/events';

import { authEvent } from './auth-events.js';
import { AuthProblems } from './auth-problems.js';
import type { LoginGuard } from './login-guard.js';
import { revokeEverything, type RevokeEverythingDeps } from './logout.use-case.js';
import { MailTemplates } from './mail-templates.js';
import { mailLink, type MailLinkDeps } from './mailed-link.js';
import type { PasswordHasher } from './password-hasher.js';
import { checkPassword } from './password-policy.js';
import type { Credential, CredentialStore, UnitOfWork, UserDirectory } from './ports.js';
import type { AccountTokenStore, Mailbox } from './recovery-ports.js';
import type { RecoveryThrottle } from './recovery-throttle.js';
import { verifySecondFactor, type VerifyFactorDeps } from './second-factor.js';
import { passwordPolicyOf, type PolicySource } from './security-policy.js';

export interface SendResetLinkDeps extends MailLinkDeps {
  uow: UnitOfWork;
}

export interface RequestResetDeps extends SendResetLinkDeps {
  credentials: Pick<CredentialStore, 'findByEmail'>;
  directory: Pick<UserDirectory, 'get'>;
  recoveryThrottle: Pick<RecoveryThrottle, 'allowResetRequest'>;
}

export interface AdminResetDeps extends SendResetLinkDeps {
  credentials: Pick<CredentialStore, 'findById'>;
  directory: Pick<UserDirectory, 'get'>;
}

export interface ResetPasswordDeps extends RevokeEverythingDeps, VerifyFactorDeps {
  uow: UnitOfWork;
  tokens: Pick<AccountTokenStore, 'findLive' | 'consume' | 'revoke'>;
  credentials: Pick<CredentialStore, 'findById' | 'updatePasswordHash'>;
  directory: Pick<UserDirectory, 'get' | 'setEmail'>;
  hasher: Pick<PasswordHasher, 'hash'>;
  policies: PolicySource;
  guard: Pick<LoginGuard, 'unlock'>;
  mailbox: Mailbox;
}

/** The link, its mail and its event, committed together: no link exists that was not mailed. */
async function sendResetLink(
  deps: SendResetLinkDeps,
  credential: Pick<Credential, 'userId' | 'email'>,
  via: 'self_service' | 'admin',
  actorId: string | undefined,
): Promise<void> {
  const { userId, email } = credential;
  await deps.uow.run(async () => {
    await mailLink(deps, { userId, purpose: 'password_reset', email }, (href, minutes) =>
      MailTemplates.passwordReset(email, href, minutes),
    );
    await deps.uow.record(
      authEvent('auth.password_reset.requested', {
        actorId,
        subject: { user_id: credential.userId },
        outcome: 'success',
        data: { via, email_masked: maskEmail(credential.email) },
      }),
    );
  });
}

/**
 * POST /auth/password/forgot. The client has had its 202 before this runs (the route does not wait),
 * so neither its status, body nor timing says whether the address has an account. Unknown,
 * inactive and throttled addresses leave an audit record, and no mail.
 */
export async function requestPasswordReset(deps: RequestResetDeps, email: string): Promise<void> {
  const refused = (reason: 'unknown_account' | 'inactive' | 'throttled', userId?: string) =>
    deps.uow.record(
      authEvent('auth.password_reset.requested', {
        ...(userId ? { subject: { user_id: userId } } : {}),
        outcome: 'failure',
        data: { via: 'self_service', email_masked: maskEmail(email), reason },
      }),
    );
  if (!(await deps.recoveryThrottle.allowResetRequest(email))) return refused('throttled');
  const credential = await deps.credentials.findByEmail(email);
  if (!credential) return refused('unknown_account');
  const profile = await deps.directory.get(credential.userId);
  if (!profile?.is_active) return refused('inactive', credential.userId);
  await sendResetLink(deps, credential, 'self_service', undefined);
}

/** POST /admin/users/{id}/password-reset: the link goes to the user; the admin never sees it. */
export async function adminPasswordReset(
  deps: AdminResetDeps,
  adminId: string,
  userId: string,
): Promise<void> {
  const credential = await deps.credentials.findById(userId);
  const profile = credential && (await deps.directory.get(userId));
  if (!credential || !profile) throw AuthProblems.userNotFound();
  if (!profile.is_active) throw AuthProblems.userInactive();
  await sendResetLink(deps, credential, 'admin', adminId);
}

/**
 * POST /auth/password/reset. The link is one factor: an account with 2FA also needs a code, counted
 * against the same limits as a login's. Success kills every session, refresh family and access
 * token, every other reset link, and the account lock; the owner is told by mail.
 */
export async function resetPassword(
  deps: ResetPasswordDeps,
  input: { token: string; new_password: string; code?: string | undefined },
): Promise<void> {
  const link = await deps.tokens.findLive(input.token, 'password_reset');
  const credential = link && (await deps.credentials.findById(link.userId));
  // A link mailed before the password or the address last changed is dead.
  if (
    !link ||
    !credential ||
    credential.email !== link.email ||
    credential.passwordChangedAt > link.createdAt
  ) {
    throw AuthProblems.linkRefused();
  }
  const profile = await deps.directory.get(link.userId);
  if (!profile?.is_active) throw AuthProblems.linkRefused();
  const weak = checkPassword(
    input.new_password,
    { username: profile.username, email: credential.email },
    passwordPolicyOf(await deps.policies.current()),
  );
  if (weak) throw weak;

  const secondFactor = (await deps.twoFactor.find(link.userId))?.enabled === true;
  if (secondFactor) {
    if (!input.code) throw AuthProblems.secondFactorRequired();
    const verdict = await verifySecondFactor(deps, link.userId, input.code, {
      allowBackupCode: true,
    });
    if (verdict !== 'accepted') throw AuthProblems.mfaRefused();
  }

  const passwordHash = await deps.hasher.hash(input.new_password);
  await deps.uow.run(async () => {
    // Single use, also against a concurrent request with the same link.
    if (!(await deps.tokens.consume(link.id))) throw AuthProblems.linkRefused();
    await deps.tokens.revoke(link.userId, ['password_reset']);
    await deps.credentials.updatePasswordHash(link.userId, passwordHash, true);
    const ended = await revokeEverything(deps, link.userId, 'password-reset');
    // The link was mailed to this address and followed: that proves it as a verification link
    // would. Without this, an unverified user whose link expired is locked out for good while
    // require_verified_email is on, since asking for a new link needs a login.
    if (!profile.email_verified) {
      await deps.directory.setEmail(link.userId, credential.email, true);
      await deps.uow.record(
        authEvent('auth.email.verified', {
          actorId: link.userId,
          subject: { user_id: link.userId },
          outcome: 'success',
          data: { email_masked: maskEmail(credential.email) },
        }),
      );
    }
    await deps.mailbox.send(MailTemplates.passwordWasReset(credential.email));
    await deps.uow.record(
      authEvent('auth.password_reset.completed', {
        actorId: link.userId,
        subject: { user_id: link.userId },
        outcome: 'success',
        data: { sessions_revoked: ended, second_factor: secondFactor },
      }),
    );
  });
  // Whoever locked the account out guessed passwords; the owner just proved the mailbox.
  await deps.guard.unlock(credential.email);
}
