import { randomInt, randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { connectRedis, createRedis, type Redis } from '@secure-api/shared/redis';
import {
  captureLogger,
  MetricsScrape,
  requestDuringRedisCut,
  TcpProxy,
  TestTokenIssuer,
  testUrls,
} from '@secure-api/shared/testing';

import { startServer, type RunningGateway } from '../src/api/server.js';
import { claimsOf, gatewayConfig, headerEchoUpstream } from './helpers.js';

const octet = () => String(randomInt(1, 255));
const randomIpv4 = () => `198.${octet()}.${octet()}.${octet()}`;

/**
 * The gateway's own metrics, read from its admin listener after real requests: a token issuer's
 * JWKS, an echoing upstream, and Redis behind a proxy the test can cut.
 */
describe('gateway metrics on the admin listener', () => {
  let issuer: TestTokenIssuer;
  let upstream: Awaited<ReturnType<typeof headerEchoUpstream>>;
  let proxy: TcpProxy;
  let redis: Redis;
  let gateway: RunningGateway;

  beforeAll(async () => {
    issuer = await TestTokenIssuer.start();
    upstream = await headerEchoUpstream();
    proxy = await TcpProxy.forUrl(testUrls.redis).start();
    redis = createRedis(testUrls.redis, captureLogger('test').logger);
    await connectRedis(redis);
    gateway = await startServer(
      gatewayConfig({
        USER_SERVICE_URL: upstream.url,
        AUTH_SERVICE_URL: upstream.url,
        AUDIT_SERVICE_URL: upstream.url,
        AUTH_JWKS_URL: issuer.jwksUrl,
        REDIS_URL: proxy.urlFor(testUrls.redis),
        TRUSTED_PROXIES: '127.0.0.1/32,::1/128',
        RATE_LIMIT_PER_MINUTE: '6',
        LOGIN_RATE_LIMIT: '2/minute',
      }),
      captureLogger('gateway').logger,
    );
  });

  afterAll(async () => {
    await gateway.close();
    redis.disconnect();
    await proxy.stop();
    await upstream.close();
    await issuer.close();
  });

  const scrape = () => MetricsScrape.of(`${gateway.adminUrl}/metrics`);
  const from = (ip: string) => ({
    get: (path: string, token?: string) => {
      const req = request(gateway.url).get(path).set('X-Forwarded-For', ip);
      return token ? req.set('Authorization', `Bearer ${token}`) : req;
    },
    login: () =>
      request(gateway.url)
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', ip)
        .send({ email: 'someone@example.com', password: 'Any-Pass-123!' }),
  });

  it('counts each 429 under the name of the limit that refused it', async () => {
    const before = await scrape();
    const loginClient = from(randomIpv4());
    const busyClient = from(randomIpv4());

    const logins = [
      await loginClient.login(),
      await loginClient.login(),
      await loginClient.login(),
    ];
    const gets = [];
    for (let i = 0; i < 7; i += 1) gets.push(await busyClient.get('/api/v1/openapi.json'));

    expect(logins.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(gets.filter((r) => r.status === 429)).toHaveLength(1);
    const after = await scrape();
    const refused = (limit: string) =>
      after.count('gateway_rate_limited_total', { limit }) -
      before.count('gateway_rate_limited_total', { limit });
    expect(refused('login')).toBe(1);
    expect(refused('global')).toBe(1);
    expect(refused('register')).toBe(0);
  });

  it('counts revocation checks as active or revoked, read in the rate limit round trip', async () => {
    const token = await issuer.accessToken({ role: 'user' });
    const client = from(randomIpv4());
    const before = await scrape();

    const active = await client.get('/api/v1/users/me', token);
    await redis.set(`revoked-jti:${claimsOf(token).jti}`, '1', 'EX', 120);
    const revoked = await client.get('/api/v1/users/me', token);

    expect([active.status, revoked.status]).toEqual([200, 401]);
    const after = await scrape();
    const checks = (result: string) =>
      after.count('revocation_checks_total', { result }) -
      before.count('revocation_checks_total', { result });
    expect([checks('active'), checks('revoked'), checks('error')]).toEqual([1, 1, 0]);
  });

  it('labels request durations of proxied routes by the table pattern, never the path asked', async () => {
    const token = await issuer.accessToken({ role: 'admin' });
    const id = randomUUID();
    const before = await scrape();

    const res = await from(randomIpv4()).get(`/api/v1/users/${id}`, token);

    expect(res.status).toBe(200);
    const after = await scrape();
    const labels = { method: 'GET', route: '/api/v1/users/{id}', status: '200' };
    expect(
      after.count('http_request_duration_seconds_count', labels) -
        before.count('http_request_duration_seconds_count', labels),
    ).toBe(1);
    expect(after.text).not.toContain(id);
  });

  it('says redis_up 0 while Redis is cut off, counts the revocation check it refuses as error', async () => {
    const token = await issuer.accessToken({ role: 'user' });
    const client = from(randomIpv4());

    const { response, seen } = await requestDuringRedisCut(proxy, scrape, () =>
      client.get('/api/v1/users/me', token),
    );

    expect(response.status).toBe(503);
    expect(seen).toEqual({ redisUpBefore: 1, wentDown: true, errorChecks: 1, cameBack: true });
  });
});
