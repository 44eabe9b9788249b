import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { registerUser, startSystem, type System } from '../support/system.js';

const CONNECT_LIMIT_MS = 2000;

describe('a login that waits its turn in the hashing queue', () => {
  let system: System;

  beforeAll(async () => {
    // Production-strength hashing, one at a time, with room to wait: logins queue for seconds.
    system = await startSystem('hash_wait', {
      auth: {
        ARGON2_TIME_COST: '3',
        ARGON2_MEMORY_COST: '65536',
        ARGON2_PARALLELISM: '4',
        HASH_CONCURRENCY: '1',
        HASH_QUEUE_MAX: '64',
      },
      gateway: { UPSTREAM_CONNECT_TIMEOUT_MS: String(CONNECT_LIMIT_MS) },
    });
  });

  afterAll(async () => {
    await system.close();
  });

  const login = async (user: { email: string; password: string }) => {
    const started = Date.now();
    const res = await request(system.gateway)
      .post('/api/v1/auth/login')
      .send({ email: user.email, password: user.password });
    return { status: res.status, ms: Date.now() - started };
  };

  it('still gets its 200 when the wait is longer than the upstream connect limit', async () => {
    const user = await registerUser(system.gateway);
    // Enough logins at once that the last waits about 4.5 s, whatever one hash costs here.
    const single = await login(user);
    expect(single.status).toBe(200);
    const count = Math.min(Math.max(Math.ceil(4500 / Math.max(single.ms, 1)), 4), 40);

    const results = await Promise.all(Array.from({ length: count }, () => login(user)));

    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    // The test means something only if some login really outwaited the connect limit.
    expect(Math.max(...results.map((r) => r.ms))).toBeGreaterThan(CONNECT_LIMIT_MS + 500);
  }, 90_000);
});
