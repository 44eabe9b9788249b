import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { maskEmail } from '@secure-api/shared/events';
import { mailToken } from '@secure-api/shared/testing';

import { AuthHarness, expectProblem, type TestUser } from './support/harness.js';
import {
  allEventsText,
  bearer,
  LINK_REFUSED,
  mailSettled,
  mailTo,
  VERIFY_SUBJECT,
} from './support/recovery.js';

const REFUSED = 'Invalid email or password';

describe('email change: confirmed from the new address, cancellable from the old one', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_email_change');
  });

  afterAll(async () => {
    await h.close();
  });

  const newAddress = () => `moved.${randomUUID().slice(0, 8)}@example.org`;

  /** What user-service sends on PUT /users/me with a new email: the user's own bearer. */
  const requestChange = (accessToken: string, body: { current_password: string; email: string }) =>
    h.api.post('/internal/credentials/email').set('Authorization', bearer(accessToken)).send(body);

  const sessionsWith = (accessToken: string) =>
    h.api.get('/api/v1/auth/sessions').set('Authorization', bearer(accessToken));

  /** A registered user who has read the verification mail, logged in, asking to move to `email`. */
  async function changeRequested(email: string) {
    const user = await h.register();
    await h.mail.waitFor({ to: user.email, subject: VERIFY_SUBJECT });
    const session = await h.loginAs(user);
    const res = await requestChange(session.accessToken, {
      current_password: user.password,
      email,
    });
    expect(res.status).toBe(202);
    expect(res.text).toBe('');
    const confirmation = await h.mail.waitFor({
      to: email,
      subject: 'Confirm your new email address',
    });
    const notice = await h.mail.waitFor({
      to: user.email,
      subject: 'Your email address is being changed',
    });
    return {
      user,
      session,
      notice,
      confirmToken: mailToken(confirmation, 'verify-email'),
      cancelToken: mailToken(notice, 'cancel-email-change'),
    };
  }

  const verify = (token: string) => h.api.post('/api/v1/auth/email/verify').send({ token });
  const cancel = (token: string) => h.api.post('/api/v1/auth/email/change/cancel').send({ token });
  const loginStatus = async (user: Pick<TestUser, 'password'>, email: string) =>
    (await h.login(email, user.password)).status;

  it('a wrong current password is refused and mails nothing', async () => {
    const user = await h.register();
    const { accessToken } = await h.loginAs(user);
    const email = newAddress();

    const wrong = await requestChange(accessToken, { current_password: 'Wrong-Pass-123!', email });
    const right = await requestChange(accessToken, { current_password: user.password, email });
    await h.mail.waitFor({ to: email, subject: 'Confirm your new email address' });

    expectProblem(wrong, 400, 'Current password is incorrect');
    expect(right.status).toBe(202);
    // Mail leaves in the order it was written: the refused request wrote none.
    expect(mailTo(h, email)).toHaveLength(1);
  });

  it('confirms from the new address; the old one logs in until then; the notice masks the new one', async () => {
    const email = newAddress();
    const { user, notice, confirmToken } = await changeRequested(email);

    expect(notice.text).toContain(maskEmail(email));
    for (const part of [notice.text, notice.html, notice.subject])
      expect(part).not.toContain(email);
    expect(await loginStatus(user, user.email)).toBe(200);
    expect(await loginStatus(user, email)).toBe(401);

    expect((await verify(confirmToken)).status).toBe(204);

    expect(await loginStatus(user, email)).toBe(200);
    expectProblem(await h.login(user.email, user.password), 401, REFUSED);
    expect(h.users.profiles.get(user.id)).toMatchObject({ email, email_verified: true });
    expectProblem(await verify(confirmToken), 400, LINK_REFUSED);
    expect(h.leakedSecrets()).toEqual([]);
  });

  it('links mailed to the old address die once the change is confirmed', async () => {
    const email = newAddress();
    const user = await h.register();
    const verification = await h.mail.waitFor({ to: user.email, subject: VERIFY_SUBJECT });
    const session = await h.loginAs(user);
    expect((await h.forgot(user.email)).status).toBe(202);
    const resetMail = await h.mail.waitFor({ to: user.email, subject: 'Reset your password' });
    const change = await requestChange(session.accessToken, {
      current_password: user.password,
      email,
    });
    expect(change.status).toBe(202);
    const confirmation = await h.mail.waitFor({
      to: email,
      subject: 'Confirm your new email address',
    });
    expect((await verify(mailToken(confirmation, 'verify-email'))).status).toBe(204);

    const resetRes = await h.api
      .post('/api/v1/auth/password/reset')
      .send({ token: mailToken(resetMail, 'reset-password'), new_password: 'An0ther-Pass-x9!' });
    const verifyRes = await verify(mailToken(verification, 'verify-email'));

    expectProblem(resetRes, 400, LINK_REFUSED);
    expectProblem(verifyRes, 400, LINK_REFUSED);
    expect(h.users.profiles.get(user.id)).toMatchObject({ email, email_verified: true });
  });

  it('the cancel link undoes a confirmed change and ends every session', async () => {
    const email = newAddress();
    const { user, session, confirmToken, cancelToken } = await changeRequested(email);
    expect((await verify(confirmToken)).status).toBe(204);
    const afterChange = await h.loginAs({ ...user, email });

    const res = await cancel(cancelToken);

    expect(res.status).toBe(204);
    expect(h.users.profiles.get(user.id)).toMatchObject({ email: user.email });
    expect(await loginStatus(user, user.email)).toBe(200);
    expectProblem(await h.login(email, user.password), 401, REFUSED);
    for (const { accessToken } of [session, afterChange]) {
      expect((await sessionsWith(accessToken)).status).toBe(401);
    }
    expectProblem(await cancel(cancelToken), 400, LINK_REFUSED);
    const events = await allEventsText(h);
    for (const secret of [email, user.email, confirmToken, cancelToken]) {
      expect(events).not.toContain(secret);
    }
    expect(events).toContain('auth.email.change_cancelled');
    expect(h.leakedSecrets()).toEqual([]);
  });

  it('cancelled before confirmation, the confirmation link is dead and nothing moved', async () => {
    const email = newAddress();
    const { user, session, confirmToken, cancelToken } = await changeRequested(email);

    expect((await cancel(cancelToken)).status).toBe(204);

    expectProblem(await verify(confirmToken), 400, LINK_REFUSED);
    expect(h.users.profiles.get(user.id)?.email).toBe(user.email);
    expect((await sessionsWith(session.accessToken)).status).toBe(401);
    expect(await loginStatus(user, user.email)).toBe(200);
    expect(await loginStatus(user, email)).toBe(401);
  });

  it('an address another account uses is refused, and nothing is mailed to it', async () => {
    const other = await h.register();
    const { user, session } = await (async () => {
      const u = await h.register();
      return { user: u, session: await h.loginAs(u) };
    })();

    const res = await requestChange(session.accessToken, {
      current_password: user.password,
      email: other.email,
    });
    await mailSettled(h);

    expectProblem(res, 400, 'Unable to update account with provided information');
    const confirmations = mailTo(h, other.email).filter(
      (m) => m.subject === 'Confirm your new email address',
    );
    expect(confirmations).toEqual([]);
  });

  it('the address moved away from stays reserved while the cancel link lives, so the way back stays open', async () => {
    const email = newAddress();
    const { user, session, confirmToken, cancelToken } = await changeRequested(email);
    expect((await verify(confirmToken)).status).toBe(204);
    const other = await h.register();
    const otherSession = await h.loginAs(other);

    // Whoever moved the account away tries to take the freed address, to block the revert.
    const squat = await h.api.post('/api/v1/auth/register').send({
      username: `squat_${user.username.slice(5)}`,
      email: user.email,
      password: 'Squ4tter-Pass-x9!',
    });
    const moveIn = await requestChange(otherSession.accessToken, {
      current_password: other.password,
      email: user.email,
    });
    const res = await cancel(cancelToken);

    expectProblem(squat, 400, 'Unable to create account with provided information');
    expectProblem(moveIn, 400, 'Unable to update account with provided information');
    expect(res.status).toBe(204);
    expect(h.users.profiles.get(user.id)?.email).toBe(user.email);
    expect((await sessionsWith(session.accessToken)).status).toBe(401);
  });
});
