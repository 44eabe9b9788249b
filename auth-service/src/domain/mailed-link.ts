import { accountLink, type AccountPage } from './mail-templates.js';
import type {
  AccountTokenPurpose,
  AccountTokenStore,
  Mailbox,
  OutgoingMail,
  RecoverySettings,
} from './recovery-ports.js';

export interface MailLinkDeps {
  tokens: Pick<AccountTokenStore, 'issue'>;
  mailbox: Mailbox;
  recovery: RecoverySettings;
}

/** The page a link opens, and how long it works, by what it is for. */
function linkKind(recovery: RecoverySettings, purpose: AccountTokenPurpose) {
  switch (purpose) {
    case 'password_reset':
      return { page: 'reset-password' as AccountPage, minutes: recovery.passwordResetMinutes };
    case 'email_verification':
    case 'email_change':
      return { page: 'verify-email' as AccountPage, minutes: recovery.emailVerificationHours * 60 };
    case 'email_change_cancel':
      return {
        page: 'cancel-email-change' as AccountPage,
        minutes: recovery.emailChangeCancelHours * 60,
      };
  }
}

/**
 * A new single-use link of `purpose`, mailed to the address it is for. Call it inside a unit of
 * work: the link and its mail commit together, so no link exists that was not mailed.
 */
export async function mailLink(
  deps: MailLinkDeps,
  link: { userId: string; purpose: AccountTokenPurpose; email: string; keepEarlier?: boolean },
  compose: (href: string, minutes: number) => OutgoingMail,
): Promise<void> {
  const { page, minutes } = linkKind(deps.recovery, link.purpose);
  const token = await deps.tokens.issue({ ...link, ttlSeconds: minutes * 60 });
  await deps.mailbox.send(compose(accountLink(deps.recovery.publicBaseUrl, page, token), minutes));
}
