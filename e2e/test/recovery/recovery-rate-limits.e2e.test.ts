import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { readConfig } from '@secure-api/gateway/config.js';

import { randomIp } from '../../support/auth-flows.js';
import { startSystem, type System } from '../../support/system.js';

describe('the gateway limits the recovery routes per client address', () => {
  let system: System;

  beforeAll(async () => {
    // A limit small enough to reach; the test client plays several addresses behind a trusted
    // proxy (itself), so each test's counter is its own.
    system = await startSystem('recovery_limits', {
      gateway: {
        PASSWORD_FORGOT_RATE_LIMIT: '2/hour',
        ACCOUNT_LINK_RATE_LIMIT: '2/hour',
        TRUSTED_PROXIES: '127.0.0.1/32,::1/128',
      },
    });
  });

  afterAll(async () => {
    await system.close();
  });

  const post = (path: string, body: object, ip: string) =>
    request(system.gateway).post(path).set('X-Forwarded-For', ip).send(body);
  const someone = () => `someone.${randomUUID().slice(0, 8)}@example.com`;

  it('the third forgotten-password request from one address gets 429 with Retry-After, whatever the email', async () => {
    const ip = randomIp();

    const allowed = [await post('/api/v1/auth/password/forgot', { email: someone() }, ip)];
    allowed.push(await post('/api/v1/auth/password/forgot', { email: someone() }, ip));
    const third = await post('/api/v1/auth/password/forgot', { email: someone() }, ip);
    const elsewhere = await post('/api/v1/auth/password/forgot', { email: someone() }, randomIp());

    expect(allowed.map((res) => res.status)).toEqual([202, 202]);
    expect(third.status).toBe(429);
    expect((third.body as { detail?: string }).detail).toBe('Too many requests, retry later');
    // Counted per hour: the wait is most of an hour, not a minute.
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(3000);
    expect(Number(third.headers['retry-after'])).toBeLessThanOrEqual(3600);
    expect(elsewhere.status).toBe(202);
  });

  it('guessing link tokens from one address is stopped at the account-link limit', async () => {
    const ip = randomIp();
    const guess = () => ({ token: randomUUID().replace(/-/g, '').padEnd(43, 'A') });

    const statuses = [
      (await post('/api/v1/auth/password/reset', { ...guess(), new_password: 'x' }, ip)).status,
      (await post('/api/v1/auth/email/verify', guess(), ip)).status,
    ];
    const third = await post('/api/v1/auth/email/change/cancel', guess(), ip);

    expect(statuses).toEqual([400, 400]);
    expect(third.status).toBe(429);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('pins the production defaults: 10 forgotten-password requests and 20 link actions an hour', () => {
    const limits = readConfig({}).rateLimits;

    expect(limits.passwordForgot).toEqual({ points: 10, durationSeconds: 3600 });
    expect(limits.accountLink).toEqual({ points: 20, durationSeconds: 3600 });
  });
});
