import { createHash, randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { mailToken } from '@secure-api/shared/testing';

import { AuthHarness, expectProblem } from './support/harness.js';
import {
  bearer,
  expectProblemType,
  forgotAndReceive,
  LINK_REFUSED,
  newPassword,
  reset,
  VERIFY_SUBJECT,
} from './support/recovery.js';

describe('POST /api/v1/auth/password/reset: which links work', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_reset_links');
  });

  afterAll(async () => {
    await h.close();
  });

  function expectRefused(res: Awaited<ReturnType<typeof reset>>) {
    expectProblem(res, 400, LINK_REFUSED);
    expectProblemType(res.body, 'invalid-link');
  }

  it('a link works once', async () => {
    const user = await h.register();
    const token = await forgotAndReceive(h, user);
    const password = newPassword();
    h.remember(password);

    const first = await reset(h, token, password);
    const again = await reset(h, token, newPassword());

    expect(first.status).toBe(204);
    expectRefused(again);
    expect((await h.login(user.email, password)).status).toBe(200);
  });

  it('two requests racing with one link: exactly one of them resets', async () => {
    const user = await h.register();
    const token = await forgotAndReceive(h, user);
    const passwords = [newPassword(), newPassword()];
    h.remember(...passwords);

    const results = await Promise.all(passwords.map((p) => reset(h, token, p)));

    expect(results.map((r) => r.status).sort()).toEqual([204, 400]);
    const winner = passwords[results.findIndex((r) => r.status === 204)] ?? '';
    expect((await h.login(user.email, winner)).status).toBe(200);
  });

  it('a reset lifts the lock that password guessing put on the account', async () => {
    const user = await h.register();
    for (let i = 0; i < 5; i += 1) await h.login(user.email, 'Wrong-Pass-123!');
    expectProblem(await h.login(user.email, user.password), 401, 'Invalid email or password');
    const password = newPassword();
    h.remember(password);

    expect((await reset(h, await forgotAndReceive(h, user), password)).status).toBe(204);

    expect((await h.login(user.email, password)).status).toBe(200);
  });

  it('an unknown or mangled token is refused like a used one', async () => {
    const wellFormed = randomBytes(32).toString('base64url');

    for (const token of [wellFormed, 'garbage', `${wellFormed}x`, '../../etc/passwd']) {
      expectRefused(await reset(h, token, newPassword()));
    }
  });

  it('a link opens only what it was mailed for', async () => {
    const user = await h.register();
    const verification = mailToken(
      await h.mail.waitFor({ to: user.email, subject: VERIFY_SUBJECT }),
      'verify-email',
    );
    const resetToken = await forgotAndReceive(h, user);

    const verificationAsReset = await reset(h, verification, newPassword());
    const resetAsVerification = await h.api
      .post('/api/v1/auth/email/verify')
      .send({ token: resetToken });
    const resetAsCancel = await h.api
      .post('/api/v1/auth/email/change/cancel')
      .send({ token: resetToken });

    for (const res of [verificationAsReset, resetAsVerification, resetAsCancel]) expectRefused(res);
    expect(h.users.profiles.get(user.id)?.email_verified).toBe(false);
    expect((await reset(h, resetToken, newPassword())).status).toBe(204);
  });

  it('a newer link kills the earlier one', async () => {
    const user = await h.register();
    const older = await forgotAndReceive(h, user);
    const newer = await forgotAndReceive(h, user);

    expectRefused(await reset(h, older, newPassword()));
    expect((await reset(h, newer, newPassword())).status).toBe(204);
  });

  it('a password change kills a link mailed before it', async () => {
    const user = await h.register();
    const token = await forgotAndReceive(h, user);
    const { accessToken } = await h.loginAs(user);
    const changed = newPassword();
    h.remember(changed);
    const change = await h.api
      .post('/api/v1/users/me/change-password')
      .set('Authorization', bearer(accessToken))
      .send({ current_password: user.password, new_password: changed });
    expect(change.status).toBe(200);
    h.remember((change.body as { access_token: string }).access_token);

    expectRefused(await reset(h, token, newPassword()));
    expect((await h.login(user.email, changed)).status).toBe(200);
  });

  it('an expired link is refused', async () => {
    const user = await h.register();
    const token = await forgotAndReceive(h, user);
    // PASSWORD_RESET_TTL_MINUTES cannot go below 5, too long to wait for: age the link in the
    // database instead, as half an hour would.
    await h.sql(
      "UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = :hash RETURNING id",
      {
        hash: createHash('sha256').update(token).digest('hex'),
      },
    );

    expectRefused(await reset(h, token, newPassword()));
    expect((await h.login(user.email, user.password)).status).toBe(200);
  });

  it('a weak new password gets a 400 naming the rule, and the link still works', async () => {
    const user = await h.register();
    const token = await forgotAndReceive(h, user);

    const weak = await reset(h, token, 'Sh0rt!');
    const common = await reset(h, token, 'alllowercase-1');
    const strong = await reset(h, token, newPassword());

    expectProblem(weak, 400, 'Password must be at least 8 characters long');
    expectProblemType(weak.body, 'weak-password');
    expectProblem(common, 400, 'Password must contain an uppercase letter');
    expect(strong.status).toBe(204);
  });
});
