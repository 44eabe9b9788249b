import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { mailSettled, mailsTo, resetLinkFor } from '../../support/auth-flows.js';
import { registerUser, startSystem, type System, type TestUser } from '../../support/system.js';

const SAMPLES = 30;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted.at(middle) ?? 0;
  return sorted.length % 2 ? upper : ((sorted.at(middle - 1) ?? 0) + upper) / 2;
};

describe('forgotten password: an unknown email cannot be told from a known one', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem('recovery_enumeration');
  });

  afterAll(async () => {
    await system.close();
  });

  const forgot = async (email: string) => {
    const started = process.hrtime.bigint();
    const res = await request(system.gateway).post('/api/v1/auth/password/forgot').send({ email });
    return { res, ms: Number(process.hrtime.bigint() - started) / 1e6 };
  };
  const ghost = () => `ghost.${randomUUID().slice(0, 8)}@example.com`;

  it('answers the same status and the same body', async () => {
    const user = await registerUser(system.gateway);

    const known = await forgot(user.email);
    const unknown = await forgot(ghost());

    for (const { res } of [known, unknown]) expect(res.status).toBe(202);
    expect(unknown.res.body).toEqual(known.res.body);
    expect(unknown.res.text).toBe(known.res.text);
    expect(unknown.res.headers['content-length']).toBe(known.res.headers['content-length']);
    await system.mail.waitFor({ to: user.email, subject: 'Reset your password' });
  });

  it('takes the same time: interleaved known and unknown requests differ by no more than noise', async () => {
    // Each known address is asked once: past 3 an hour its requests are dropped, which would
    // compare an unknown address with a throttled one instead of with a mailed reset.
    const users: TestUser[] = [];
    for (let i = 0; i < SAMPLES + 1; i += 1) users.push(await registerUser(system.gateway));
    await mailSettled(system.authDatabaseUrl);
    await forgot(users.pop()!.email); // warm-up: first-request costs belong to neither side
    await forgot(ghost());

    // Pairs, in alternating order: the work a known address starts after its answer (the link,
    // the mail) slows whichever request comes next, so neither side always comes next.
    const pairs: { known: number; unknown: number }[] = [];
    for (const [i, user] of users.entries()) {
      if (i % 2 === 0) {
        const known = (await forgot(user.email)).ms;
        pairs.push({ known, unknown: (await forgot(ghost())).ms });
      } else {
        const unknown = (await forgot(ghost())).ms;
        pairs.push({ known: (await forgot(user.email)).ms, unknown });
      }
    }

    // The median of the paired differences: a slow moment of a busy machine hits both requests
    // of a pair, and a few outliers move no median. Looking the address up before answering
    // (user-service, a token, an outbox row, a commit) was measured to add 12-20 ms here, a third
    // of the median or more; an answer that does not wait differs by a few ms either way.
    const gap = median(pairs.map((pair) => pair.known - pair.unknown));
    const bound = Math.max(6, median(pairs.map((pair) => pair.unknown)) / 3);
    expect(Math.abs(gap)).toBeLessThan(bound);
  }, 120_000);

  it('a deactivated account gets the same 202 and no link, and a link mailed before dies', async () => {
    const admin = await system.userWithRole('admin');
    const user = await registerUser(system.gateway);
    const setActive = (active: boolean) =>
      request(system.gateway)
        .patch(`/api/v1/users/${user.id}/status`)
        .set('Authorization', `Bearer ${admin.accessToken}`)
        .send({ is_active: active });
    const before = await resetLinkFor(system.gateway, system.mail, user.email);
    expect((await setActive(false)).status).toBe(200);

    const inactive = await forgot(user.email);
    const late = await request(system.gateway)
      .post('/api/v1/auth/password/reset')
      .send({ token: before, new_password: `N3w-Pass-${randomUUID().slice(0, 8)}!` });

    expect(inactive.res.status).toBe(202);
    expect(inactive.res.body).toEqual((await forgot(ghost())).res.body);
    expect(late.status).toBe(400);
    expect((late.body as { detail?: string }).detail).toBe('Invalid or expired link');
    await mailSettled(system.authDatabaseUrl);
    expect(mailsTo(system.mail, user.email, 'Reset your password')).toHaveLength(1);
  });
});
