import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { mailToken } from '@secure-api/shared/testing';

import { AuthHarness, expectProblem, type TestUser } from './support/harness.js';
import {
  bearer,
  eventsOf,
  expectProblemType,
  forgotAndReceive,
  LINK_REFUSED,
  newPassword,
  reset,
  VERIFY_SUBJECT,
} from './support/recovery.js';

describe('email verification', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_verify');
  });

  afterAll(async () => {
    await h.close();
  });

  /** The token of the next verification mail to the user. */
  async function verificationToken(user: Pick<TestUser, 'email'>): Promise<string> {
    const mail = await h.mail.waitFor({ to: user.email, subject: VERIFY_SUBJECT });
    return mailToken(mail, 'verify-email');
  }

  const verify = (token: string) => h.api.post('/api/v1/auth/email/verify').send({ token });
  const resend = (accessToken: string) =>
    h.api.post('/api/v1/auth/email/verify/resend').set('Authorization', bearer(accessToken));

  it('registration mails a link; following it marks the address verified, once', async () => {
    const user = await h.register();
    const token = await verificationToken(user);
    expect(h.users.profiles.get(user.id)?.email_verified).toBe(false);

    const first = await verify(token);
    const again = await verify(token);

    expect(first.status).toBe(204);
    expect(h.users.profiles.get(user.id)).toMatchObject({
      email: user.email,
      email_verified: true,
    });
    expectProblem(again, 400, LINK_REFUSED);
    expectProblemType(again.body, 'invalid-link');
    expect(h.leakedSecrets()).toEqual([]);
  });

  it('a resend kills the earlier link and mails a working one; three an hour', async () => {
    const user = await h.register();
    const first = await verificationToken(user);
    const { accessToken } = await h.loginAs(user);

    const resent = await resend(accessToken);
    const second = await verificationToken(user);
    const more = [await resend(accessToken), await resend(accessToken)];
    const fourth = await resend(accessToken);

    expect(resent.status).toBe(202);
    expect(more.map((r) => r.status)).toEqual([202, 202]);
    expectProblem(fourth, 429, 'Too many requests, retry later');
    expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
    expectProblem(await verify(first), 400, LINK_REFUSED);
    // Two more links went out after `second`: it is dead too, only the newest works.
    await verificationToken(user);
    const newest = await verificationToken(user);
    expectProblem(await verify(second), 400, LINK_REFUSED);
    expect((await verify(newest)).status).toBe(204);
  });

  it('a resend for a verified address is refused', async () => {
    const user = await h.register();
    expect((await verify(await verificationToken(user))).status).toBe(204);
    const { accessToken } = await h.loginAs(user);

    const res = await resend(accessToken);

    expectProblem(res, 400, 'Email address is already verified');
    expectProblemType(res.body, 'email-already-verified');
  });

  it('resend needs a bearer', async () => {
    const res = await h.api.post('/api/v1/auth/email/verify/resend');

    expect(res.status).toBe(401);
  });

  it('with require_verified_email on, only the right password learns the address is unverified', async () => {
    const admin = await h.adminToken();
    const setGate = (on: boolean) =>
      h.api
        .put('/api/v1/admin/config')
        .set('Authorization', bearer(admin))
        .send({ require_verified_email: on });
    const user = await h.register();
    const token = await verificationToken(user);
    expect((await setGate(true)).status).toBe(200);
    try {
      const unverified = await h.login(user.email, user.password);
      const wrong = await h.login(user.email, 'Wrong-Pass-123!');
      expect((await verify(token)).status).toBe(204);
      const verified = await h.login(user.email, user.password);

      expectProblem(unverified, 403, 'Email address not verified');
      expectProblemType(unverified.body, 'email-not-verified');
      expect(unverified.headers['set-cookie']).toBeUndefined();
      expectProblem(wrong, 401, 'Invalid email or password');
      expect(verified.status).toBe(200);
      h.remember((verified.body as { access_token: string }).access_token);
    } finally {
      expect((await setGate(false)).status).toBe(200);
    }
    expect(h.leakedSecrets()).toEqual([]);
  });

  it('with the gate on, a user whose link expired gets in through a password reset, which proves the mailbox', async () => {
    const admin = await h.adminToken();
    const setGate = (on: boolean) =>
      h.api
        .put('/api/v1/admin/config')
        .set('Authorization', bearer(admin))
        .send({ require_verified_email: on });
    const user = await h.register();
    const token = await verificationToken(user);
    // EMAIL_VERIFICATION_TTL_HOURS is a day: age the link in the database instead.
    await h.sql(
      `UPDATE account_tokens SET expires_at = now() - interval '1 second'
        WHERE user_id = :id AND purpose = 'email_verification' RETURNING id`,
      { id: user.id },
    );
    expect((await setGate(true)).status).toBe(200);
    try {
      expectProblem(await verify(token), 400, LINK_REFUSED);
      // Locked out of the resend, which needs the bearer that the gate withholds.
      expectProblem(await h.login(user.email, user.password), 403, 'Email address not verified');
      const password = newPassword();
      h.remember(password);
      expect((await reset(h, await forgotAndReceive(h, user), password)).status).toBe(204);

      expect(h.users.profiles.get(user.id)?.email_verified).toBe(true);
      const verified = await eventsOf(h, 'auth.email.verified');
      expect(verified.filter((e) => e.subject?.user_id === user.id)).toHaveLength(1);
      expect((await h.login(user.email, password)).status).toBe(200);
    } finally {
      expect((await setGate(false)).status).toBe(200);
    }
  });
});
