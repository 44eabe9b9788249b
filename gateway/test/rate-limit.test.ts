import { randomInt } from 'node:crypto';

import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { captureLogger, uniqueName } from '@secure-api/shared/testing';

import { startServer, type RunningGateway } from '../src/api/server.js';
import { gatewayConfigWithDefaultLimits, headerEchoUpstream, type Echo } from './helpers.js';

const ORIGIN = 'https://app.example.com';
const LOGIN = '/api/v1/auth/login';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const octet = () => String(randomInt(1, 255));
const randomIpv4 = () => `203.${octet()}.${octet()}.${octet()}`;

function expectRateLimitHeaders(res: request.Response, limit: number, remaining: number) {
  expect(res.headers['ratelimit-limit']).toBe(String(limit));
  expect(res.headers['ratelimit-remaining']).toBe(String(remaining));
  expect(Number(res.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(1);
}

/** The documented 429, exactly; Retry-After within the window. */
function expectTooManyRequests(res: request.Response, path: string, limit: number, window: number) {
  expect(res.status).toBe(429);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toEqual({
    type: 'https://secure-api.dev/problems/rate-limited',
    title: 'Too Many Requests',
    status: 429,
    detail: 'Too many requests, retry later',
    instance: path,
    request_id: res.headers['x-request-id'],
  });
  const retryAfter = res.headers['retry-after'] ?? '';
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(retryAfter)).toBeLessThanOrEqual(window);
  expect(res.headers['ratelimit-limit']).toBe(String(limit));
  expect(res.headers['ratelimit-remaining']).toBe('0');
  expect(res.headers['ratelimit-reset']).toBe(retryAfter);
}

describe('rate limits at the gateway (real Redis, production limits)', () => {
  let upstream: Awaited<ReturnType<typeof headerEchoUpstream>>;
  const running: RunningGateway[] = [];

  beforeAll(async () => {
    upstream = await headerEchoUpstream('auth');
  });

  afterEach(async () => {
    for (const gateway of running.splice(0)) await gateway.close();
  });

  afterAll(async () => {
    await upstream.close();
  });

  /** A gateway with the default limits and a Redis namespace of its own unless one is given. */
  async function startGateway(env: Record<string, string> = {}): Promise<string> {
    const gateway = await startServer(
      gatewayConfigWithDefaultLimits({
        AUTH_SERVICE_URL: upstream.url,
        USER_SERVICE_URL: upstream.url,
        AUDIT_SERVICE_URL: upstream.url,
        ...env,
      }),
      captureLogger('gateway').logger,
    );
    running.push(gateway);
    return gateway.url;
  }

  const login = (gateway: string, forwardedFor?: string) => {
    const req = request(gateway).post(LOGIN).set('Origin', ORIGIN);
    if (forwardedFor !== undefined) req.set('X-Forwarded-For', forwardedFor);
    return req.send({ email: 'ada@example.com', password: 'irrelevant-here' });
  };

  describe('POST /api/v1/auth/login', () => {
    it('at the default 5 a minute, the 6th login from one address gets the exact 429 and never reaches auth-service', async () => {
      const gateway = await startGateway();

      for (let i = 0; i < 5; i += 1) {
        const res = await login(gateway);
        expect(res.status).toBe(200);
        expect((res.body as Echo).upstream).toBe('auth');
        expectRateLimitHeaders(res, 5, 4 - i);
        expect(Number(res.headers['ratelimit-reset'])).toBeLessThanOrEqual(60);
      }
      const sixth = await login(gateway);

      expectTooManyRequests(sixth, LOGIN, 5, 60);
      expect(sixth.headers['cache-control']).toBe('no-store');
      // A browser client may read the refusal: CORS headers and the exposed limit headers.
      expect(sixth.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(sixth.headers['access-control-expose-headers']).toContain('Retry-After');
      expect(sixth.headers['access-control-expose-headers']).toContain('RateLimit-Remaining');
    });

    it('after Retry-After, the same address may log in again', async () => {
      // A 1-second window: on a busy machine six logins may not fit in one, so a burst that took
      // longer than the window is tried again on a fresh gateway (its own counters).
      let gateway = await startGateway({ LOGIN_RATE_LIMIT: '5/second' });
      let limited!: request.Response;
      for (let attempt = 0; attempt < 5; attempt += 1) {
        if (attempt > 0) gateway = await startGateway({ LOGIN_RATE_LIMIT: '5/second' });
        const started = Date.now();
        for (let i = 0; i < 5; i += 1) expect((await login(gateway)).status).toBe(200);
        limited = await login(gateway);
        if (Date.now() - started < 800) break;
      }
      expectTooManyRequests(limited, LOGIN, 5, 1);

      await sleep(Number(limited.headers['retry-after']) * 1000 + 50);
      const again = await login(gateway);

      expect(again.status).toBe(200);
      expectRateLimitHeaders(again, 5, 4);
    });

    it('counts POST /api/v1/auth/login/2fa under the login limit, in a bucket of its own', async () => {
      const gateway = await startGateway();
      for (let i = 0; i < 5; i += 1) expect((await login(gateway)).status).toBe(200);

      const res = await request(gateway).post('/api/v1/auth/login/2fa').send({ code: '123456' });

      expect(res.status).toBe(200);
      expectRateLimitHeaders(res, 5, 4);
    });
  });

  it('POST /api/v1/auth/register allows 3 a minute per address', async () => {
    const gateway = await startGateway();
    const register = () => request(gateway).post('/api/v1/auth/register').send({ username: 'x' });

    for (let i = 0; i < 3; i += 1) expectRateLimitHeaders(await register(), 3, 2 - i);

    expectTooManyRequests(await register(), '/api/v1/auth/register', 3, 60);
  });

  it('POST /api/v1/auth/refresh allows 10 a minute per address', async () => {
    const gateway = await startGateway();
    const refresh = () => request(gateway).post('/api/v1/auth/refresh');

    for (let i = 0; i < 10; i += 1) expectRateLimitHeaders(await refresh(), 10, 9 - i);

    expectTooManyRequests(await refresh(), '/api/v1/auth/refresh', 10, 60);
  });

  it('every other route shares the global 60 a minute per address, which also caps the login route; /health is never limited', async () => {
    const gateway = await startGateway();

    for (let i = 0; i < 60; i += 1) {
      const res = await request(gateway).get('/api/v1/users/me');
      expect(res.status).toBe(401);
      expectRateLimitHeaders(res, 60, 59 - i);
    }
    const refused = await request(gateway).get('/api/v1/users/me');
    const unknownRoute = await request(gateway).get('/no/such/route');
    const loginToo = await login(gateway);
    const health = await Promise.all(
      Array.from({ length: 10 }, () => request(gateway).get('/health')),
    );

    expectTooManyRequests(refused, '/api/v1/users/me', 60, 60);
    expectTooManyRequests(unknownRoute, '/no/such/route', 60, 60);
    expectTooManyRequests(loginToo, LOGIN, 60, 60);
    for (const res of health) {
      expect(res.status).toBe(200);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }
  });

  it('two gateway replicas sharing Redis enforce one limit: 3 logins through each trip the limit of 5', async () => {
    const shared = { REDIS_KEY_PREFIX: `${uniqueName('replicas')}:` };
    const [first, second] = [await startGateway(shared), await startGateway(shared)];

    const statuses: number[] = [];
    for (const gateway of [first, first, first, second, second, second]) {
      statuses.push((await login(gateway)).status);
    }

    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('without a trusted proxy, rotating X-Forwarded-For and Forwarded does not escape the limit', async () => {
    const gateway = await startGateway();

    const results: request.Response[] = [];
    for (let i = 0; i < 6; i += 1) {
      results.push(
        await request(gateway)
          .post(LOGIN)
          .set('X-Forwarded-For', randomIpv4())
          .set('Forwarded', `for=${randomIpv4()}`)
          .set('X-Real-IP', randomIpv4())
          .send({}),
      );
    }

    expect(results.map((res) => res.status)).toEqual([200, 200, 200, 200, 200, 429]);
    // The upstream is told the socket address, not the client's claim.
    expect((results[0]!.body as Echo).headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  describe('behind a trusted proxy (TRUSTED_PROXIES=127.0.0.1/32)', () => {
    it('gives distinct forwarded clients distinct buckets and tells the upstream who the client is', async () => {
      const gateway = await startGateway({ TRUSTED_PROXIES: '127.0.0.1/32' });
      const [alice, bob] = [randomIpv4(), randomIpv4()];

      for (let i = 0; i < 5; i += 1) expect((await login(gateway, alice)).status).toBe(200);
      const aliceLimited = await login(gateway, alice);
      const bobAllowed = await login(gateway, bob);

      expect(aliceLimited.status).toBe(429);
      expect(bobAllowed.status).toBe(200);
      expectRateLimitHeaders(bobAllowed, 5, 4);
      expect((bobAllowed.body as Echo).headers['x-forwarded-for']).toBe(bob);
    });

    it('a client cannot pick its bucket by prefixing the chain the proxy appends to', async () => {
      const gateway = await startGateway({ TRUSTED_PROXIES: '127.0.0.1/32' });
      const client = randomIpv4();

      const statuses: number[] = [];
      for (let i = 0; i < 6; i += 1) {
        statuses.push((await login(gateway, `${randomIpv4()}, ${client}`)).status);
      }

      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    });

    it('reads RFC 7239 Forwarded, and puts the IPv6 addresses of one /64 in one bucket', async () => {
      const gateway = await startGateway({ TRUSTED_PROXIES: '127.0.0.1/32' });
      const network = `2001:db8:${randomInt(0, 0xffff).toString(16)}:1`;

      const results: request.Response[] = [];
      for (let host = 1; host <= 6; host += 1) {
        results.push(
          await request(gateway)
            .post(LOGIN)
            .set('Forwarded', `for="[${network}::${host}]:4711";proto=https`)
            .send({}),
        );
      }

      expect(results.map((res) => res.status)).toEqual([200, 200, 200, 200, 200, 429]);
      expect((results[0]!.body as Echo).headers['x-forwarded-for']).toBe(`${network}::1`);
    });
  });
});
