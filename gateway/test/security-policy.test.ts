import { randomInt } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { connectRedis, createRedis, type Redis } from '@secure-api/shared/redis';
import {
  captureLogger,
  eventually,
  TcpProxy,
  testUrls,
  uniqueName,
} from '@secure-api/shared/testing';

import { startServer, type RunningGateway } from '../src/api/server.js';
import { SecurityPolicyRepository } from '../src/data/security-policy.repository.js';
import { gatewayConfigWithDefaultLimits, headerEchoUpstream } from './helpers.js';

const ENV_LOGIN_RATE = { points: 5, durationSeconds: 60 };
const octet = () => String(randomInt(1, 255));
const randomIpv4 = () => `198.${octet()}.${octet()}.${octet()}`;

/** The policy auth-service publishes (GET/PUT /api/v1/admin/config), with this login limit. */
function policyJson(loginRateLimit: unknown): string {
  return JSON.stringify({
    max_login_attempts: 5,
    lockout_window_minutes: 15,
    lockout_duration_minutes: 30,
    password_policy: 'composition',
    password_min_length: 8,
    login_rate_limit: loginRateLimit,
  });
}

describe('the login limit of the runtime security policy', () => {
  let redis: Redis;
  const logs = captureLogger('gateway');

  beforeAll(async () => {
    redis = createRedis(testUrls.redis, logs.logger);
    await connectRedis(redis);
  });

  afterAll(() => {
    redis.disconnect();
  });

  describe('through the gateway', () => {
    let upstream: Awaited<ReturnType<typeof headerEchoUpstream>>;
    let gateway: RunningGateway;
    const prefix = `${uniqueName('policy')}:`;

    beforeAll(async () => {
      upstream = await headerEchoUpstream('auth');
      gateway = await startServer(
        gatewayConfigWithDefaultLimits({
          AUTH_SERVICE_URL: upstream.url,
          TRUSTED_PROXIES: '127.0.0.1/32',
          REDIS_KEY_PREFIX: prefix,
        }),
        logs.logger,
      );
    });

    afterAll(async () => {
      await gateway.close();
      await upstream.close();
      await redis.del(`${prefix}security-policy`);
    });

    const login = (ip: string, path = '/api/v1/auth/login') =>
      request(gateway.url).post(path).set('X-Forwarded-For', ip).send({});

    it('an admin change in Redis applies within about 5 seconds, without a restart, to login and login/2fa', async () => {
      expect((await login(randomIpv4())).headers['ratelimit-limit']).toBe('5');

      await redis.set(`${prefix}security-policy`, policyJson({ points: 2, duration_seconds: 60 }));
      const changedAt = Date.now();
      const applied = await eventually(
        async () => (await login(randomIpv4())).headers['ratelimit-limit'] === '2',
        7000,
      );

      expect(applied).toBe(true);
      expect(Date.now() - changedAt).toBeLessThan(6500);
      const client = randomIpv4();
      const statuses = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await login(client)).status);
      expect(statuses).toEqual([200, 200, 429]);
      expect((await login(randomIpv4(), '/api/v1/auth/login/2fa')).headers['ratelimit-limit']).toBe(
        '2',
      );
      expect(logs.lines().some((line) => line.msg === 'rate limit changed')).toBe(true);
    });
  });

  describe('SecurityPolicyRepository', () => {
    const repository = (client: Redis, prefix: string, logger = logs.logger) =>
      new SecurityPolicyRepository(client, {
        keyPrefix: prefix,
        fallbackLoginRate: ENV_LOGIN_RATE,
        logger,
        refreshMs: 50,
      });
    const settle = () => new Promise((resolve) => setTimeout(resolve, 60));

    it('is LOGIN_RATE_LIMIT while the key is absent, and the policy once it is there', async () => {
      const prefix = `${uniqueName('policy')}:`;
      const policies = repository(redis, prefix);
      expect(await policies.currentLoginRate()).toEqual(ENV_LOGIN_RATE);

      await redis.set(`${prefix}security-policy`, policyJson({ points: 9, duration_seconds: 30 }));
      await settle();

      expect(await policies.currentLoginRate()).toEqual({ points: 9, durationSeconds: 30 });
      await redis.del(`${prefix}security-policy`);
    });

    it.each([
      ['not JSON', '{"login_rate_limit":'],
      ['no login_rate_limit', JSON.stringify({ max_login_attempts: 5 })],
      ['zero points', policyJson({ points: 0, duration_seconds: 60 })],
      ['a fractional window', policyJson({ points: 5, duration_seconds: 0.5 })],
      ['points as a string', policyJson({ points: '5', duration_seconds: 60 })],
    ])(
      'falls back to LOGIN_RATE_LIMIT when the policy has %s, and says so once',
      async (_case, raw) => {
        const prefix = `${uniqueName('policy')}:`;
        const own = captureLogger('gateway');
        const policies = repository(redis, prefix, own.logger);
        await redis.set(
          `${prefix}security-policy`,
          policyJson({ points: 9, duration_seconds: 30 }),
        );
        expect(await policies.currentLoginRate()).toEqual({ points: 9, durationSeconds: 30 });

        await redis.set(`${prefix}security-policy`, raw);
        await settle();
        const first = await policies.currentLoginRate();
        await settle();

        expect(first).toEqual(ENV_LOGIN_RATE);
        expect(await policies.currentLoginRate()).toEqual(ENV_LOGIN_RATE);
        // Warned once for the bad value, not on every read of it.
        expect(
          own
            .lines()
            .filter((line) => String(line.msg).startsWith('security policy in Redis has no')),
        ).toHaveLength(1);
        await redis.del(`${prefix}security-policy`);
      },
    );

    it('keeps the last value read while Redis is unreachable', async () => {
      const prefix = `${uniqueName('policy')}:`;
      const line = await TcpProxy.forUrl(testUrls.redis).start();
      const client = createRedis(line.urlFor(testUrls.redis), logs.logger);
      try {
        await connectRedis(client);
        const policies = repository(client, prefix);
        await redis.set(
          `${prefix}security-policy`,
          policyJson({ points: 9, duration_seconds: 30 }),
        );
        expect(await policies.currentLoginRate()).toEqual({ points: 9, durationSeconds: 30 });

        line.cut();
        await settle();

        expect(await policies.currentLoginRate()).toEqual({ points: 9, durationSeconds: 30 });
      } finally {
        client.disconnect();
        await line.stop();
        await redis.del(`${prefix}security-policy`);
      }
    });

    it('reads Redis at most once per refresh period, however many requests ask', async () => {
      const prefix = `${uniqueName('policy')}:`;
      const policies = new SecurityPolicyRepository(redis, {
        keyPrefix: prefix,
        fallbackLoginRate: ENV_LOGIN_RATE,
        logger: logs.logger,
      });
      await Promise.all(Array.from({ length: 20 }, () => policies.currentLoginRate()));

      await redis.set(`${prefix}security-policy`, policyJson({ points: 9, duration_seconds: 30 }));
      const soonAfter = await Promise.all(
        Array.from({ length: 20 }, () => policies.currentLoginRate()),
      );

      expect(soonAfter.every((rate) => rate.points === 5)).toBe(true);
      await redis.del(`${prefix}security-policy`);
    });
  });
});
