import type { AccessClaims } from '@secure-api/shared/auth';
import { maskEmail } from '@secure-api/shared/events';
import { Problems } from '@secure-api/shared/http';

import { authEvent } from './auth-events.js';
import { AuthProblems } from './auth-problems.js';
import { confirmEmailChange, type ConfirmEmailChangeDeps } from './email-change.use-case.js';
import { MailTemplates } from './mail-templates.js';
import { mailLink, type MailLinkDeps } from './mailed-link.js';
import type { CredentialStore, UnitOfWork, UserDirectory } from './ports.js';
import type { AccountTokenStore } from './recovery-ports.js';
import type { RecoveryThrottle } from './recovery-throttle.js';

export interface SendVerificationDeps extends MailLinkDeps {
  uow: UnitOfWork;
}

export interface ResendVerificationDeps extends SendVerificationDeps {
  credentials: Pick<CredentialStore, 'findById'>;
  directory: Pick<UserDirectory, 'get'>;
  recoveryThrottle: Pick<RecoveryThrottle, 'verificationResendWait'>;
}

export interface VerifyEmailDeps extends ConfirmEmailChangeDeps {
  tokens: Pick<AccountTokenStore, 'findLive' | 'consume' | 'revoke'>;
}

/** Inside the caller's unit of work (registration): the link exists only if the account does. */
export async function sendVerificationLink(
  deps: SendVerificationDeps,
  account: { userId: string; email: string },
  via: 'registration' | 'resend',
): Promise<void> {
  const { userId, email } = account;
  await deps.uow.run(async () => {
    await mailLink(deps, { userId, purpose: 'email_verification', email }, (href, minutes) =>
      MailTemplates.verifyEmail(email, href, minutes),
    );
    await deps.uow.record(
      authEvent('auth.email.verification_sent', {
        actorId: account.userId,
        subject: { user_id: account.userId },
        outcome: 'success',
        data: { email_masked: maskEmail(account.email), via },
      }),
    );
  });
}

/** POST /auth/email/verify/resend: a new link (the old one dies), a few an hour per user. */
export async function resendVerification(
  deps: ResendVerificationDeps,
  claims: AccessClaims,
): Promise<void> {
  const [credential, profile] = await Promise.all([
    deps.credentials.findById(claims.sub),
    deps.directory.get(claims.sub),
  ]);
  if (!credential || !profile?.is_active) throw AuthProblems.notAuthenticated();
  if (profile.email_verified) throw AuthProblems.emailAlreadyVerified();
  const wait = await deps.recoveryThrottle.verificationResendWait(claims.sub);
  if (wait > 0) throw Problems.tooManyRequests(wait);
  await sendVerificationLink(deps, { userId: claims.sub, email: credential.email }, 'resend');
}

/**
 * POST /auth/email/verify. One route for both links that prove an address: the verification of
 * the current one, and the confirmation of a change to a new one.
 */
export async function verifyEmail(deps: VerifyEmailDeps, token: string): Promise<void> {
  const change = await deps.tokens.findLive(token, 'email_change');
  if (change) return confirmEmailChange(deps, change);
  const link = await deps.tokens.findLive(token, 'email_verification');
  const credential = link && (await deps.credentials.findById(link.userId));
  // A link for an address the account no longer has proves nothing about the current one.
  if (!link || !credential || credential.email !== link.email) throw AuthProblems.linkRefused();
  await deps.uow.run(async () => {
    if (!(await deps.tokens.consume(link.id))) throw AuthProblems.linkRefused();
    await deps.directory.setEmail(link.userId, link.email, true);
    await deps.uow.record(
      authEvent('auth.email.verified', {
        actorId: link.userId,
        subject: { user_id: link.userId },
        outcome: 'success',
        data: { email_masked: maskEmail(link.email) },
      }),
    );
  });
}
