import { expect } from '@jest/globals';
import { generate } from 'otplib';

import type { AuthHarness, TestUser } from './harness.js';
import { bearer } from './recovery.js';

const STEP_MS = 30_000;

/** The code a phone shows `stepOffset` 30-second steps from now. */
export const codeAt = (secret: string, stepOffset = 0) =>
  generate({ secret, epoch: Math.floor((Date.now() + stepOffset * STEP_MS) / 1000) });

/** A new user, logged in, with a seed set up but two-factor not yet enabled. */
export async function setUpTwoFactor(
  h: AuthHarness,
): Promise<{ user: TestUser; accessToken: string; secret: string }> {
  const user = await h.register();
  const { accessToken } = await h.loginAs(user);
  const setup = await h.api
    .post('/api/v1/auth/2fa/setup')
    .set('Authorization', bearer(accessToken))
    .send({ password: user.password });
  expect(setup.status).toBe(200);
  const secret = (setup.body as { secret: string }).secret;
  h.remember(secret);
  return { user, accessToken, secret };
}

/**
 * A new user with two-factor on (this step's code spent on enabling it): the seed and the backup
 * codes. Enrolment logs in once, a successful login counted before the test starts.
 */
export async function enrolTwoFactor(
  h: AuthHarness,
): Promise<{ user: TestUser; secret: string; backupCodes: string[] }> {
  const { user, accessToken, secret } = await setUpTwoFactor(h);
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
