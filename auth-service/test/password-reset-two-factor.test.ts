import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generate } from 'otplib';

import { AuthHarness, expectProblem, type TestUser } from './support/harness.js';
import {
  bearer,
  expectProblemType,
  forgotAndReceive,
  newPassword,
  reset,
} from './support/recovery.js';

const STEP_MS = 30_000;

/** The code a phone shows `stepOffset` steps from now. */
const codeAt = (secret: string, stepOffset = 0) =>
  generate({ secret, epoch: Math.floor((Date.now() + stepOffset * STEP_MS) / 1000) });

describe('password reset of an account with two-factor on', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_reset_2fa');
  });

  afterAll(async () => {
    await h.close();
  });

  /** A new user with 2FA enabled (this step's code spent on it): the seed and backup codes. */
  async function enrolled(): Promise<{ user: TestUser; secret: string; backupCodes: string[] }> {
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
    const { backup_codes: backupCodes, access_token: token } = enable.body as {
      backup_codes: string[];
      access_token: string;
    };
    h.remember(token, ...backupCodes);
    return { user, secret, backupCodes };
  }

  it('an account with two-factor on also needs a code: the link alone is one factor', async () => {
    const { user, secret } = await enrolled();
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

  it('a backup code stands in for the authenticator on a reset, once', async () => {
    const { user, backupCodes } = await enrolled();
    const [backup = ''] = backupCodes;

    const first = await reset(h, await forgotAndReceive(h, user), newPassword(), backup);
    const again = await reset(h, await forgotAndReceive(h, user), newPassword(), backup);

    expect(first.status).toBe(204);
    expectProblem(again, 401, 'Invalid or expired code');
    expect(h.leakedSecrets()).toEqual([]);
  });
});
