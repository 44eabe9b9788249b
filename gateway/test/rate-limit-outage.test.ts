import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import {
  captureLogger,
  eventually,
  TcpProxy,
  TestTokenIssuer,
  testUrls,
} from '@secure-api/shared/testing';

import { startServer, type RunningGateway } from '../src/api/server.js';
import { gatewayConfigWithDefaultLimits, headerEchoUpstream } from './helpers.js';

const FALLBACK_WARNING = 'redis unreachable: rate limits enforced from memory, per replica';

describe('rate limits while Redis is unreachable', () => {
  let redisLine: TcpProxy;
  let issuer: TestTokenIssuer;
  let upstream: Awaited<ReturnType<typeof headerEchoUpstream>>;
  let gateway: RunningGateway;
  let bearer: string;
  const logs = captureLogger('gateway');

  beforeAll(async () => {
    redisLine = await TcpProxy.forUrl(testUrls.redis).start();
    issuer = await TestTokenIssuer.start();
    bearer = `Bearer ${await issuer.accessToken({ role: 'user' })}`;
    upstream = await headerEchoUpstream();
    gateway = await startServer(
      gatewayConfigWithDefaultLimits({
        REDIS_URL: redisLine.urlFor(testUrls.redis),
        AUTH_SERVICE_URL: upstream.url,
        USER_SERVICE_URL: upstream.url,
        AUTH_JWKS_URL: issuer.jwksUrl,
      }),
      logs.logger,
    );
  });

  afterAll(async () => {
    await gateway.close();
    await redisLine.stop();
    await upstream.close();
    await issuer.close();
  });

  const me = () => request(gateway.url).get('/api/v1/users/me').set('Authorization', bearer);
  const login = () => request(gateway.url).post('/api/v1/auth/login').send({});

  async function fallbackCount(limit: string): Promise<number> {
    const metrics = await request(gateway.adminUrl).get('/metrics');
    const line = metrics.text
      .split('\n')
      .find(
        (l) => l.startsWith('gateway_rate_limit_fallback_total{') && l.includes(`limit="${limit}"`),
      );
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  it('keeps limiting logins from memory, counts and logs it once, while bearer routes fail closed with 503', async () => {
    expect((await me()).status).toBe(200);
    expect(await fallbackCount('login')).toBe(0);

    redisLine.cut();
    expect(await eventually(async () => (await me()).status === 503)).toBe(true);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await login()).status);
    const limited = await login();

    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(limited.status).toBe(429);
    expect(limited.headers['ratelimit-limit']).toBe('5');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await fallbackCount('login')).toBe(7);
    expect(await fallbackCount('global')).toBeGreaterThanOrEqual(8);
    expect(logs.lines().filter((line) => line.msg === FALLBACK_WARNING)).toHaveLength(1);

    redisLine.restore();
    expect(await eventually(async () => (await me()).status === 200)).toBe(true);
    // Back on Redis, whose count for this address never saw the outage's logins.
    const afterwards = await login();
    expect(afterwards.status).toBe(200);
    expect(afterwards.headers['ratelimit-remaining']).toBe('4');
    expect(logs.lines().some((line) => line.msg === 'rate limits back on redis')).toBe(true);
  });
});
