import { randomUUID } from 'node:crypto';

import { expect } from '@jest/globals';

import { eventually, mailToken, type ReceivedMail } from '@secure-api/shared/testing';

import type { AuthHarness, TestUser } from './harness.js';

export const LINK_REFUSED = 'Invalid or expired link';
export const RESET_SUBJECT = 'Reset your password';
export const VERIFY_SUBJECT = 'Confirm your email address';

export const bearer = (token: string) => `Bearer ${token}`;

export const ghostEmail = () => `ghost.${randomUUID().slice(0, 8)}@example.com`;

export const newPassword = () => `N3w-Pass-${randomUUID().slice(0, 8)}!`;

/** The type of a problem ends in its code. */
export function expectProblemType(body: unknown, code: string): void {
  const { type } = body as { type: string };
  expect(type.slice(type.lastIndexOf('/') + 1)).toBe(code);
}

/** The next reset mail to the user, and the token of its link (remembered as a secret). */
export async function resetLinkFor(
  h: AuthHarness,
  user: Pick<TestUser, 'email'>,
): Promise<{ mail: ReceivedMail; token: string }> {
  const mail = await h.mail.waitFor({ to: user.email, subject: RESET_SUBJECT });
  return { mail, token: mailToken(mail, 'reset-password') };
}

/** Asks for a reset link and returns its token once the mail arrived. */
export async function forgotAndReceive(h: AuthHarness, user: TestUser): Promise<string> {
  expect((await h.forgot(user.email)).status).toBe(202);
  return (await resetLinkFor(h, user)).token;
}

export function reset(h: AuthHarness, token: string, password: string, code?: string) {
  return h.api
    .post('/api/v1/auth/password/reset')
    .send({ token, new_password: password, ...(code ? { code } : {}) });
}

/** The payloads of the events of that type auth-service wrote to its outbox. */
export async function eventsOf(h: AuthHarness, type: string) {
  const rows = await h.sql<{ payload: { subject?: { user_id?: string }; data: object } }>(
    'SELECT payload FROM outbox_events WHERE type = :type ORDER BY created_at',
    { type },
  );
  return rows.map((r) => r.payload);
}

/** Waits until an event of that type about that user was recorded (work done in background). */
export async function waitForEvent(
  h: AuthHarness,
  type: string,
  match: (payload: { subject?: { user_id?: string }; data: object }) => boolean,
): Promise<void> {
  expect(await eventually(async () => (await eventsOf(h, type)).some(match))).toBe(true);
}

/** Every mail received so far to this address. */
export const mailTo = (h: AuthHarness, email: string) =>
  h.mail.messages.filter((m) => m.to.some((r) => r.toLowerCase() === email.toLowerCase()));

/**
 * Waits until the mail outbox is empty: every message written so far was delivered. Asserting
 * that a mail was not sent means nothing before this.
 */
export async function mailSettled(h: AuthHarness): Promise<void> {
  const waiting = async () =>
    Number((await h.sql<{ n: string }>('SELECT count(*) AS n FROM mail_outbox'))[0]?.n);
  expect(await eventually(async () => (await waiting()) === 0)).toBe(true);
}

/** Every event auth-service wrote, as one text: for asserting what no event may carry. */
export async function allEventsText(h: AuthHarness): Promise<string> {
  return JSON.stringify(await h.sql('SELECT type, payload FROM outbox_events'));
}
