import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { AuthHarness, expectProblem } from './support/harness.js';
import { expectProblemType, forgotAndReceive, newPassword, reset } from './support/recovery.js';
import { codeAt, enrolTwoFactor } from './support/two-factor.js';

describe('password reset of an account with two-factor on', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_reset_2fa');
  });

  afterAll(async () => {
    await h.close();
  });

  const enrolled = () => enrolTwoFactor(h);

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
