import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { AuthHarness, expectProblem, refreshCookieOf } from './support/harness.js';
import { codeAt, enrolTwoFactor, setUpTwoFactor } from './support/two-factor.js';

/** A six-digit code that is none of the ones accepted around now. */
const wrongCodeFor = async (secret: string) =>
  String((Number(await codeAt(secret, 1)) + 500_000) % 1_000_000).padStart(6, '0');

describe('two-factor authentication', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_2fa');
  });

  afterAll(async () => {
    await h.close();
  });

  const bearer = (token: string) => `Bearer ${token}`;

  const setUp = () => setUpTwoFactor(h);
  const enrolled = () => enrolTwoFactor(h);

  it('setup needs the password: a wrong one gets 401 and no seed', async () => {
    const user = await h.register();
    const { accessToken } = await h.loginAs(user);

    const res = await h.api
      .post('/api/v1/auth/2fa/setup')
      .set('Authorization', bearer(accessToken))
      .send({ password: 'Wrong-Pass-123!' });

    expectProblem(res, 401, 'Invalid password');
    expect(res.body).not.toHaveProperty('secret');
  });

  it('enabling refuses a wrong code with 400', async () => {
    const { accessToken, secret } = await setUp();

    const res = await h.api
      .post('/api/v1/auth/2fa/verify')
      .set('Authorization', bearer(accessToken))
      .send({ code: await wrongCodeFor(secret) });

    expectProblem(res, 400, 'Invalid code');
  });

  it('once enabled, the password alone earns only an mfa_token: no access token, no cookie', async () => {
    const { user } = await enrolled();

    const res = await h.login(user.email, user.password);

    expect(res.status).toBe(200);
    const body = res.body as { mfa_required: boolean; mfa_token: string };
    expect(Object.keys(body).sort()).toEqual(['mfa_required', 'mfa_token']);
    expect(body.mfa_required).toBe(true);
    expect(res.headers['set-cookie']).toBeUndefined();
    h.remember(body.mfa_token);
  });

  it('the second step refuses a wrong code with 401, then the right code completes the login', async () => {
    const { user, secret } = await enrolled();
    const step = await h.login(user.email, user.password);
    const mfaToken = (step.body as { mfa_token: string }).mfa_token;
    h.remember(mfaToken);
    const second = (code: string) =>
      h.api.post('/api/v1/auth/login/2fa').send({ mfa_token: mfaToken, code });

    const wrong = await second(await wrongCodeFor(secret));
    // The step after the one enrolment used: a phone a little ahead, inside the ±1 window.
    const right = await second(await codeAt(secret, 1));

    expectProblem(wrong, 401, 'Invalid or expired code');
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(right.status).toBe(200);
    const token = (right.body as { access_token: string }).access_token;
    h.remember(token, refreshCookieOf(right)?.slice('refresh_token='.length) ?? '');
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      sub: string;
      amr: string[];
    };
    expect(claims).toMatchObject({ sub: user.id, amr: ['pwd', 'otp'] });
    expect(h.leakedSecrets()).toEqual([]);
  });
});
