import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { registerUser, startSystem, type System } from '../support/system.js';

describe('a login flood bigger than the hashing queue', () => {
  let system: System;

  beforeAll(async () => {
    // Production-strength hashing with a deliberately small queue.
    system = await startSystem('flood', {
      auth: {
        ARGON2_TIME_COST: '3',
        ARGON2_MEMORY_COST: '65536',
        ARGON2_PARALLELISM: '4',
        HASH_CONCURRENCY: '1',
        HASH_QUEUE_MAX: '3',
      },
    });
  });

  afterAll(async () => {
    await system.close();
  });

  it('sheds load with 503 problems instead of crashing or queueing without bound, and recovers', async () => {
    const user = await registerUser(system.gateway);
    // The flood's own target ends up locked by the brute-force protection: recovery is shown by
    // someone else logging in.
    const bystander = await registerUser(system.gateway);
    const rssBefore = process.memoryUsage().rss;

    const results = await Promise.all(
      Array.from({ length: 24 }, () =>
        request(system.gateway)
          .post('/api/v1/auth/login')
          .send({ email: user.email, password: 'Wrong-Pass-123!' }),
      ),
    );

    const statuses = results.map((r) => r.status);
    // One hashing at a time and three waiting: most of 24 simultaneous logins must be shed, each
    // with a 503 and Retry-After. A waiting login is refused before the gateway's upstream
    // timeout (HASH_QUEUE_MAX_WAIT_MS), so even an overloaded machine answers no 504.
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(12);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s !== 503 && s !== 401)).toEqual([]);
    for (const shed of results.filter((r) => r.status === 503)) {
      expect(shed.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(shed.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      expect(shed.body).toMatchObject({
        status: 503,
        title: 'Service Unavailable',
        detail: 'The service is busy, retry shortly',
        instance: '/api/v1/auth/login',
        type: expect.stringMatching(/\/problems\/unavailable$/),
      });
    }
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(512 * 1024 * 1024);

    const after = await request(system.gateway)
      .post('/api/v1/auth/login')
      .send({ email: bystander.email, password: bystander.password });
    expect(after.status).toBe(200);
  });
});
