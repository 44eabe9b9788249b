import type { AccessClaims } from '@secure-api/shared/auth';
import { maskEmail } from '@secure-api/shared/events';
import { Problems } from '@secure-api/shared/http';

import { authEvent } from './auth-events.js';
import { AuthProblems } from './auth-problems.js';
import { revokeEverything, type RevokeEverythingDeps } from './logout.use-case.js';
import { MailTemplates } from './mail-templates.js';
import { mailLink, type MailLinkDeps } from './mailed-link.js';
import { confirmPassword, type ConfirmPasswordDeps } from './password-confirmation.js';
import {
  EmailTakenError,
  ProfileConflictError,
  type CredentialStore,
  type UnitOfWork,
  type UserDirectory,
} from './ports.js';
import type { AccountToken, AccountTokenStore } from './recovery-ports.js';
import type { RecoveryThrottle } from './recovery-throttle.js';

export interface RequestEmailChangeDeps extends ConfirmPasswordDeps, MailLinkDeps {
  uow: UnitOfWork;
  credentials: Pick<CredentialStore, 'findById' | 'findByEmail'>;
  tokens: Pick<AccountTokenStore, 'issue' | 'isReservedFor'>;
  recoveryThrottle: Pick<RecoveryThrottle, 'emailChangeWait'>;
}

export interface ConfirmEmailChangeDeps {
  uow: UnitOfWork;
  tokens: Pick<AccountTokenStore, 'consume'>;
  credentials: Pick<CredentialStore, 'findById' | 'updateEmail'>;
  directory: Pick<UserDirectory, 'setEmail'>;
}

export interface CancelEmailChangeDeps extends ConfirmEmailChangeDeps, RevokeEverythingDeps {
  tokens: Pick<AccountTokenStore, 'findLive' | 'consume' | 'revoke'>;
}

/** The address moves in auth-service and user-service together, or the unit of work rolls back. */
async function moveEmail(
  deps: Pick<ConfirmEmailChangeDeps, 'credentials' | 'directory'>,
  userId: string,
  email: string,
): Promise<void> {
  try {
    await deps.credentials.updateEmail(userId, email);
    await deps.directory.setEmail(userId, email, true);
  } catch (error) {
    if (error instanceof EmailTakenError || error instanceof ProfileConflictError)
      throw AuthProblems.emailChangeRefused();
    throw error;
  }
}

/**
 * user-service, for PUT /users/me with a new email (the user's own bearer). Nothing changes yet:
 * the new address gets a confirmation link and the current one a notice with a cancel link, so a
 * stolen session cannot quietly move the account to an attacker's mailbox. The caller here is
 * user-service, not the client, so only the account counts a wrong password (counting
 * user-service's address would let one person's typos block every email change).
 */
export async function requestEmailChange(
  deps: RequestEmailChangeDeps,
  claims: AccessClaims,
  input: { current_password: string; email: string },
): Promise<void> {
  const credential = await confirmPassword(
    deps,
    claims.sub,
    input.current_password,
    { ip: undefined },
    AuthProblems.wrongCurrentPassword,
  );
  if (input.email === credential.email) return;
  if (
    (await deps.credentials.findByEmail(input.email)) ||
    (await deps.tokens.isReservedFor(input.email, claims.sub))
  ) {
    throw AuthProblems.emailChangeRefused();
  }
  // Each request mails an address the caller only claims: a few an hour, so no one is spammed.
  const wait = await deps.recoveryThrottle.emailChangeWait(claims.sub);
  if (wait > 0) throw Problems.tooManyRequests(wait);
  const userId = claims.sub;
  await deps.uow.run(async () => {
    await mailLink(deps, { userId, purpose: 'email_change', email: input.email }, (href, minutes) =>
      MailTemplates.confirmEmailChange(input.email, href, minutes),
    );
    // Earlier cancel links stay alive: the next request must not silence the owner's way back.
    await mailLink(
      deps,
      { userId, purpose: 'email_change_cancel', email: credential.email, keepEarlier: true },
      (href, minutes) =>
        MailTemplates.emailChangeRequested(credential.email, maskEmail(input.email), href, minutes),
    );
    await deps.uow.record(
      authEvent('auth.email.change_requested', {
        actorId: claims.sub,
        subject: { user_id: claims.sub },
        outcome: 'success',
        data: {
          email_masked: maskEmail(input.email),
          previous_email_masked: maskEmail(credential.email),
        },
      }),
    );
  });
}

/** The new address's link was followed (POST /auth/email/verify): the change happens now. */
export async function confirmEmailChange(
  deps: ConfirmEmailChangeDeps,
  link: AccountToken,
): Promise<void> {
  const credential = await deps.credentials.findById(link.userId);
  if (!credential) throw AuthProblems.linkRefused();
  await deps.uow.run(async () => {
    if (!(await deps.tokens.consume(link.id))) throw AuthProblems.linkRefused();
    await moveEmail(deps, link.userId, link.email);
    await deps.uow.record(
      authEvent('auth.email.changed', {
        actorId: link.userId,
        subject: { user_id: link.userId },
        outcome: 'success',
        data: {
          email_masked: maskEmail(link.email),
          previous_email_masked: maskEmail(credential.email),
        },
      }),
    );
  });
}

/**
 * POST /auth/email/change/cancel, from the link mailed to the previous address: pending changes
 * die, a change already confirmed is undone, every session and access token ends, and links sent
 * to the other address (resets included) die with them.
 */
export async function cancelEmailChange(deps: CancelEmailChangeDeps, token: string): Promise<void> {
  const link = await deps.tokens.findLive(token, 'email_change_cancel');
  const credential = link && (await deps.credentials.findById(link.userId));
  if (!link || !credential) throw AuthProblems.linkRefused();
  await deps.uow.run(async () => {
    if (!(await deps.tokens.consume(link.id))) throw AuthProblems.linkRefused();
    await deps.tokens.revoke(link.userId, ['email_change', 'password_reset', 'email_verification']);
    const reverted = credential.email !== link.email;
    if (reverted) await moveEmail(deps, link.userId, link.email);
    const ended = await revokeEverything(deps, link.userId, 'email-change-cancelled');
    await deps.uow.record(
      authEvent('auth.email.change_cancelled', {
        subject: { user_id: link.userId },
        outcome: 'success',
        data: { email_masked: maskEmail(link.email), reverted, sessions_revoked: ended },
      }),
    );
  });
}
