import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { codeAt, enrolTwoFactor, mfaTokenFor, outboxEvents } from '../../support/auth-flows.js';
import {
  loginAs,
  registerUser,
  startSystem,
  type System,
  type TestUser,
} from '../../support/system.js';

const REFUSED = 'Invalid or expired code';

/** Six digits that are not the code of any step near now (the chance of a clash is negligible). */
function wrongCode(secret: string, i: number): Promise<string> {
  return Promise.all([-1, 0, 1].map((offset) => codeAt(secret, offset))).then((near) => {
    let code = String((123_456 + i * 7_919) % 1_000_000).padStart(6, '0');
    while (near.includes(code)) code = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    return code;
  });
}

describe('second-factor guessing: at most 10 wrong codes per account per 15 minutes', () => {
  let system: System;

  beforeAll(async () => {
    // Production defaults: 5 codes per mfa_token, 10 wrong codes per account per 15 minutes.
    system = await startSystem('attack_mfa');
  });

  afterAll(async () => {
    await system.close();
  });

  const secondStep = (mfaToken: string, code: string) =>
    request(system.gateway).post('/api/v1/auth/login/2fa').send({ mfa_token: mfaToken, code });

  async function enrolled(): Promise<{ user: TestUser; secret: string; token: string }> {
    const user = await registerUser(system.gateway);
    const session = await loginAs(system.gateway, user);
    const { secret, token } = await enrolTwoFactor(system.gateway, user, session.accessToken);
    return { user, secret, token };
  }

  it('twelve wrong codes sent at once over three mfa_tokens lock the second factor: the right code on a fresh mfa_token gets the same 401, and auth.mfa.locked is recorded once', async () => {
    const { user, secret } = await enrolled();
    const tokens = [
      await mfaTokenFor(system.gateway, user),
      await mfaTokenFor(system.gateway, user),
      await mfaTokenFor(system.gateway, user),
    ];
    const guesses = await Promise.all(
      Array.from({ length: 12 }, async (_, i) =>
        secondStep(tokens[i % 3] ?? '', await wrongCode(secret, i)),
      ),
    );

    const fresh = await mfaTokenFor(system.gateway, user);
    const rightCode = await codeAt(secret, 1);
    const right = await secondStep(fresh, rightCode);

    for (const res of [...guesses, right]) {
      expect(res.status).toBe(401);
      expect((res.body as { detail: string }).detail).toBe(REFUSED);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect(JSON.stringify(right.body)).not.toContain(rightCode);
    expect(await outboxEvents(system.authDatabaseUrl, 'auth.mfa.locked', user.id)).toHaveLength(1);
  });

  it('19 wrong codes and the right one sent at once on one mfa_token: at most 5 codes are checked', async () => {
    const { user, secret } = await enrolled();
    const mfaToken = await mfaTokenFor(system.gateway, user);
    const codes = await Promise.all(Array.from({ length: 19 }, (_, i) => wrongCode(secret, i)));
    codes.splice(9, 0, await codeAt(secret, 1));

    const answers = await Promise.all(codes.map((code) => secondStep(mfaToken, code)));

    const statuses = answers.map((res) => res.status);
    const successes = statuses.filter((status) => status === 200).length;
    const checkedWrong = (
      await outboxEvents(system.authDatabaseUrl, 'auth.login.failed', user.id)
    ).filter((event) => event.data.reason === 'mfa_invalid').length;
    expect(statuses.every((status) => status === 200 || status === 401)).toBe(true);
    expect(successes).toBeLessThanOrEqual(1);
    expect(checkedWrong + successes).toBeLessThanOrEqual(5);
  });

  it('wrong codes at backup-code regeneration and at 2FA disable count toward the same cap', async () => {
    const { user, secret, token } = await enrolled();
    const asOwner = `Bearer ${token}`;

    const bearerSide = [];
    for (let i = 0; i < 5; i += 1) {
      bearerSide.push(
        await request(system.gateway)
          .post('/api/v1/auth/2fa/backup-codes')
          .set('Authorization', asOwner)
          .send({ password: user.password, code: await wrongCode(secret, i) }),
      );
      bearerSide.push(
        await request(system.gateway)
          .post('/api/v1/auth/2fa/disable')
          .set('Authorization', asOwner)
          .send({ password: user.password, code: await wrongCode(secret, i + 5) }),
      );
    }
    const right = await secondStep(
      await mfaTokenFor(system.gateway, user),
      await codeAt(secret, 1),
    );

    for (const res of bearerSide) {
      expect(res.status).toBe(400);
      expect((res.body as { detail: string }).detail).toBe('Invalid code');
    }
    expect(right.status).toBe(401);
    expect((right.body as { detail: string }).detail).toBe(REFUSED);
  });
});
