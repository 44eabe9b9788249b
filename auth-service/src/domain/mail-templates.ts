import type { OutgoingMail } from './recovery-ports.js';

// The messages auth-service sends. Plain text first (the link on a line of its own, whole), and a
// simple HTML part saying the same; every value is escaped, none is trusted to be markup.

/** The pages of the web app (PUBLIC_BASE_URL) that the links open. */
export type AccountPage = 'reset-password' | 'verify-email' | 'cancel-email-change';

/** The token rides in the fragment: browsers never send it to a server, nor in a Referer. */
export function accountLink(baseUrl: string, page: AccountPage, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/account/${page}#token=${token}`;
}

const ENTITIES = new Map([
  ['&', '&amp;'],
  ['<', '&lt;'],
  ['>', '&gt;'],
  ['"', '&quot;'],
  ["'", '&#39;'],
]);
const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => ENTITIES.get(c) ?? c);

interface Body {
  paragraphs: string[];
  link?: { href: string; label: string; expires: string };
  closing?: string;
}

function message(to: string, subject: string, body: Body): OutgoingMail {
  const { paragraphs, link, closing } = body;
  const text = [
    ...paragraphs,
    ...(link
      ? [`${link.label}:\n${link.href}`, `This link works once and expires ${link.expires}.`]
      : []),
    ...(closing ? [closing] : []),
    '— Secure API',
  ].join('\n\n');
  const html = [
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(link
      ? [
          `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>`,
          `<p>This link works once and expires ${escapeHtml(link.expires)}.</p>`,
        ]
      : []),
    ...(closing ? [`<p>${escapeHtml(closing)}</p>`] : []),
    '<p>— Secure API</p>',
  ].join('\n');
  return {
    to,
    subject,
    text: `${text}\n`,
    html: `<!doctype html>\n<html><body>\n${html}\n</body></html>\n`,
  };
}

const within = (minutes: number) =>
  minutes % 60 === 0
    ? `in ${minutes / 60} hour${minutes === 60 ? '' : 's'}`
    : `in ${minutes} minutes`;

const NOT_YOU =
  'If this was not you, you can ignore this message: nothing changes until the link is followed.';

export const MailTemplates = {
  passwordReset: (to: string, href: string, minutes: number) =>
    message(to, 'Reset your password', {
      paragraphs: ['Someone asked to reset the password of your Secure API account.'],
      link: { href, label: 'Choose a new password', expires: within(minutes) },
      closing: NOT_YOU,
    }),

  passwordWasReset: (to: string) =>
    message(to, 'Your password was reset', {
      paragraphs: [
        'The password of your Secure API account was just reset with a link sent to this address, and every session was signed out.',
        'If this was not you, reset your password again at once and contact your administrator.',
      ],
    }),

  verifyEmail: (to: string, href: string, minutes: number) =>
    message(to, 'Confirm your email address', {
      paragraphs: ['Confirm that this address belongs to your Secure API account.'],
      link: { href, label: 'Confirm this address', expires: within(minutes) },
      closing: NOT_YOU,
    }),

  confirmEmailChange: (to: string, href: string, minutes: number) =>
    message(to, 'Confirm your new email address', {
      paragraphs: ['Your Secure API account asked to use this address from now on.'],
      link: { href, label: 'Confirm the change', expires: within(minutes) },
      closing: NOT_YOU,
    }),

  emailChangeRequested: (to: string, newEmailMasked: string, href: string, minutes: number) =>
    message(to, 'Your email address is being changed', {
      paragraphs: [
        `Someone signed in to your Secure API account asked to change its email address to ${newEmailMasked}.`,
        'If this was you, there is nothing to do. If not, cancel it: the change is stopped (or undone, if it was already confirmed) and every session is signed out. Then reset your password: whoever asked knew it.',
      ],
      link: { href, label: 'Cancel the change', expires: within(minutes) },
    }),

  newDevice: (
    to: string,
    seen: { at: Date; ip: string | undefined; userAgent: string | undefined },
  ) =>
    message(to, 'New sign-in to your account', {
      paragraphs: [
        'Your Secure API account was just signed in to from a browser or device we have not seen before.',
        `When: ${seen.at.toISOString()}`,
        `Address: ${seen.ip ?? 'unknown'}`,
        `Device: ${(seen.userAgent ?? 'unknown').slice(0, 200)}`,
        'If this was you, there is nothing to do. If not, reset your password and sign out everywhere.',
        'You can turn these alerts off in your profile.',
      ],
    }),
};
