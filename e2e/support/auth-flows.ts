import { generate } from 'otplib';
import pg from 'pg';
import request from 'supertest';

import { eventually, mailToken, type MailCatcher } from '@secure-api/shared/testing';

import { rememberSecret, type TestUser } from './system.js';

const STEP_MS = 30_000;

/** A random private address, so each test's per-address counters are its own. */
export const randomIp = () =>
  `10.${String(Math.floor(Math.random() * 250))}.${String(Math.floor(Math.random() * 250))}.${String(Math.floor(Math.random() * 250) + 1)}`;

/** The code for a given time step offset, as a phone with a slightly different clock would show. */
export const codeAt = (secret: string, stepOffset = 0) =>
  generate({ secret, epoch: Math.floor((Date.now() + stepOffset * STEP_MS) / 1000) });

/** The `device_…=…` pair of a login answer, ready for a Cookie header; undefined when none. */
export function deviceCookieOf(res: request.Response): string | undefined {
  const cookies = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  const pair = cookies.find((c) => c.startsWith('device_'))?.split(';')[0];
  if (pair) rememberSecret(pair.slice(pair.indexOf('=') + 1));
  return pair;
}

/** The whole Set-Cookie line of the device cookie, attributes included. */
export function deviceCookieLine(res: request.Response): string | undefined {
  const cookies = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  return cookies.find((c) => c.startsWith('device_'));
}

/** Turns two-factor on for a logged-in user; returns the seed, the backup codes and a new token. */
export async function enrolTwoFactor(
  gateway: string,
  user: Pick<TestUser, 'password'>,
  accessToken: string,
): Promise<{ secret: string; backupCodes: string[]; token: string }> {
  const setup = await request(gateway)
    .post('/api/v1/auth/2fa/setup')
    .set('Authorization', `Bearer ${accessToken}`)
    .send({ password: user.password });
  if (setup.status !== 200) throw new Error(`2fa setup: ${String(setup.status)}`);
  const secret = (setup.body as { secret: string }).secret;
  rememberSecret(secret);
  const verify = await request(gateway)
    .post('/api/v1/auth/2fa/verify')
    .set('Authorization', `Bearer ${accessToken}`)
    .send({ code: await codeAt(secret) });
  if (verify.status !== 200) throw new Error(`2fa verify: ${String(verify.status)}`);
  const body = verify.body as { backup_codes: string[]; access_token: string };
  body.backup_codes.forEach(rememberSecret);
  rememberSecret(body.access_token);
  return { secret, backupCodes: body.backup_codes, token: body.access_token };
}

/** The password step of a login with two-factor on: the mfa_token it answers. */
export async function mfaTokenFor(
  gateway: string,
  user: Pick<TestUser, 'email' | 'password'>,
): Promise<string> {
  const res = await request(gateway)
    .post('/api/v1/auth/login')
    .send({ email: user.email, password: user.password });
  const token = (res.body as { mfa_token?: string }).mfa_token;
  if (!token) throw new Error(`expected an mfa_token, got ${String(res.status)}`);
  rememberSecret(token);
  return token;
}

export interface OutboxEvent {
  actor: { user_id?: string; ip?: string };
  data: Record<string, unknown>;
}

/** Every security event of one type about one user, oldest first, as auth-service stored it. */
export async function outboxEvents(
  databaseUrl: string,
  type: string,
  userId: string,
): Promise<OutboxEvent[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const rows = await client.query<{ payload: OutboxEvent }>(
      `SELECT payload FROM outbox_events
        WHERE type = $1 AND payload->'subject'->>'user_id' = $2
        ORDER BY payload->>'occurred_at', created_at`,
      [type, userId],
    );
    return rows.rows.map((row) => row.payload);
  } finally {
    await client.end();
  }
}

/** The pages of the web app a mailed link opens (the token rides in the fragment). */
export type LinkPage = 'reset-password' | 'verify-email' | 'cancel-email-change';

/** What a user does with a mail: waits for it, opens the link, and keeps the token it carries. */
export async function mailedToken(
  mail: MailCatcher,
  match: { to: string; subject: string },
  page: LinkPage,
  timeoutMs?: number,
): Promise<string> {
  const token = mailToken(await mail.waitFor(match, timeoutMs), page);
  rememberSecret(token);
  return token;
}

/** POST /auth/password/forgot, then the reset link the user receives. */
export async function resetLinkFor(gateway: string, mail: MailCatcher, email: string) {
  const res = await request(gateway).post('/api/v1/auth/password/forgot').send({ email });
  if (res.status !== 202) throw new Error(`forgot: ${String(res.status)}`);
  return mailedToken(mail, { to: email, subject: 'Reset your password' }, 'reset-password');
}

/** One SQL statement against a service's database (tests that look at or age what is stored). */
export async function sql<Row extends object = Record<string, unknown>>(
  databaseUrl: string,
  text: string,
  params: unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<Row>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Resolves once auth-service's mail outbox is empty: every message committed so far has reached the
 * catcher (a row is deleted only after SMTP accepted it), so a mail not there now was never sent.
 */
export async function mailSettled(authDatabaseUrl: string): Promise<void> {
  const empty = await eventually(async () => {
    const [row] = await sql<{ n: string }>(
      authDatabaseUrl,
      'SELECT count(*) AS n FROM mail_outbox',
    );
    return row?.n === '0';
  }, 20_000);
  if (!empty) throw new Error('the mail outbox did not drain within 20 s');
}

/** The mails with that subject to that address, received so far. */
export const mailsTo = (mail: MailCatcher, to: string, subject: string) =>
  mail.messages.filter((m) => m.subject === subject && m.to.includes(to));
