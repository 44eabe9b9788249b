import { createHash, randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generate } from 'otplib';

import { AuthHarness, expectProblem } from './support/harness.js';
import {
  bearer,
  expectProblemType,
  forgotAndReceive,
  LINK_REFUSED,
  newPassword,
  reset,
} from './support/recovery.js';

const STEP_MS = 30_000;

/** The code a phone shows `stepOffset` steps from now. */
const codeAt = (secret: string, stepOffset = 0) =>
  generate({ secret, epoch: Math.floor((Date.now() + stepOffset * STEP_MS) / 1000) });

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

  it('an account with two-factor on also needs a code: the link alone is one factor', async () => {
    const user = await h.register();
    const { accessToken } = await h.loginAs(user);
    const setup = await h.api
      .post('/api/v1/auth/2fa/setup')
      .set('Authorization', bearer(accessToken))
      .send({ password: user.password });
    const secret = (setup.body as { secret: string }).secret;
    h.remember(secret);
    const enable = await h.api
      .post('/api/v1/auth/2fa/verify')
      .set('Authorization', bearer(accessToken))
      .send({ code: await codeAt(secret) });
    expect(enable.status).toBe(200);
    const token = await forgotAndReceive(h, user);
    const password = newPassword();
    h.remember(password);
    // The next step's code: enrolment spent this one. The wrong one is neither.
    const right = await codeAt(secret, 1);
    const wrong = String((Number(right) + 500_000) % 1_000_000).padStart(6, '0');

    const withoutCode = await reset(h, token, password);
    const wrongCode = await reset(h, token, password, wrong);
    const rightCode = await reset(h, token, password, right);

    expectProblem(withoutCode, 401, 'A two-factor code is required');
    expectProblemType(withoutCode.body, 'second-factor-required');
    expectProblem(wrongCode, 401, 'Invalid or expired code');
    expect(rightCode.status).toBe(204);
    const login = await h.login(user.email, password);
    expect(login.status).toBe(200);
    expect(login.body).toHaveProperty('mfa_required', true);
    expect(h.leakedSecrets()).toEqual([]);
  });
});
