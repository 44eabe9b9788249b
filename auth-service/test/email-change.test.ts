import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { maskEmail } from '@secure-api/shared/events';
import { mailToken } from '@secure-api/shared/testing';

import { emailChangeSteps } from './support/email-change.js';
import { AuthHarness, expectProblem } from './support/harness.js';
import { LINK_REFUSED, mailSettled, mailTo, VERIFY_SUBJECT } from './support/recovery.js';

const REFUSED = 'Invalid email or password';

describe('email change: nothing moves until the new address confirms', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_email_change');
  });

  afterAll(async () => {
    await h.close();
  });

  const { newAddress, requestChange, changeRequested, verify, loginStatus } = emailChangeSteps(
    () => h,
  );

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
});
