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
        // Room to wait past the connect limit, still short of the gateway's 10 s response limit
        // (a longer wait is refused with 503, as e2e/test/flood.e2e.test.ts shows).
        HASH_QUEUE_MAX_WAIT_MS: '9000',
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
    // Waves of logins sent at once, each twice as large, until the last of a wave has waited
    // well past the connect limit in the queue: whatever one hash costs on this machine today.
    const statuses: number[] = [];
    let longest = 0;
    for (let size = 8; size <= 64 && longest <= CONNECT_LIMIT_MS + 500; size *= 2) {
      const wave = await Promise.all(Array.from({ length: size }, () => login(user)));
      statuses.push(...wave.map((r) => r.status));
      longest = Math.max(...wave.map((r) => r.ms));
    }

    expect(statuses).toEqual(statuses.map(() => 200));
    // The test means something only if some login really outwaited the connect limit.
    expect(longest).toBeGreaterThan(CONNECT_LIMIT_MS + 500);
  }, 180_000);
});
