import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import type { AnySecurityEvent } from '@secure-api/shared/events';
import { connectRedis, createRedis, type Redis } from '@secure-api/shared/redis';
import {
  captureLogger,
  MetricsScrape,
  TestTokenIssuer,
  testUrls,
} from '@secure-api/shared/testing';

import { startServer, type RunningGateway } from '../src/api/server.js';
import {
  claimsOf,
  expectForbidden,
  expectProblem,
  expectUnauthorized,
  gatewayConfig,
  headerEchoUpstream,
} from './helpers.js';
import { EventLog } from './support/event-log.js';
import { FakeApiKeys } from './support/fake-api-keys.js';
import { accessClaims, TrustedJwks, unsignedToken } from './tokens.js';

// The gateway files every request under an id of its own.
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// The gateway trusts 127.0.0.1 as a proxy here, so the client it resolves is this address.
const CLIENT_IP = '198.51.100.23';
const USER_AGENT = 'gateway-events-test/1.0';
const KEY_REFUSED = 'Invalid or expired API key';

describe('security events of the gateway (real Redis and RabbitMQ)', () => {
  let issuer: TestTokenIssuer;
  let jwks: TrustedJwks;
  let keys: FakeApiKeys;
  let upstream: Awaited<ReturnType<typeof headerEchoUpstream>>;
  let redis: Redis;
  let gateway: RunningGateway;
  let log: EventLog;

  beforeAll(async () => {
    issuer = await TestTokenIssuer.start();
    jwks = await TrustedJwks.start(issuer);
    keys = await FakeApiKeys.start(jwks);
    upstream = await headerEchoUpstream('users');
    redis = createRedis(testUrls.redis, captureLogger('test').logger);
    await connectRedis(redis);
    log = await EventLog.start();
    gateway = await startServer(
      gatewayConfig({
        AUTH_SERVICE_URL: keys.url,
        USER_SERVICE_URL: upstream.url,
        AUDIT_SERVICE_URL: upstream.url,
        AUTH_JWKS_URL: jwks.url,
        TRUSTED_PROXIES: '127.0.0.1',
        LOGIN_RATE_LIMIT: '1/minute',
        API_KEY_RATE_LIMIT: '1/minute',
      }),
      captureLogger('gateway').logger,
    );
  });

  afterAll(async () => {
    await gateway.close();
    await log.close();
    redis.disconnect();
    await upstream.close();
    await keys.close();
    await jwks.close();
    await issuer.close();
  });

  /** A request from CLIENT_IP (through the trusted proxy) with a request id of its own. */
  const send = (method: 'GET' | 'POST' | 'DELETE', path: string, clientIp = CLIENT_IP) => {
    const requestId = `req-${randomUUID()}`;
    const agent = request(gateway.url);
    const started =
      method === 'GET'
        ? agent.get(path)
        : method === 'POST'
          ? agent.post(path)
          : agent.delete(path);
    const req = started
      .set('X-Request-ID', requestId)
      .set('X-Forwarded-For', clientIp)
      .set('User-Agent', USER_AGENT);
    return { req, requestId };
  };

  /** The one event this request caused, and nothing else, filed under the gateway's own id. */
  async function theOnlyEventOf(requestId: string): Promise<AnySecurityEvent> {
    const events = await log.forRequest(requestId);
    expect(events).toHaveLength(1);
    expect(events[0]!.request_id).toMatch(UUID_V4);
    return events[0]!;
  }

  /** The gateway's own id, and the one the test sent kept beside it. */
  const idsOf = (clientRequestId: string) => ({
    request_id: expect.stringMatching(UUID_V4),
    client_request_id: clientRequestId,
  });

  const envelope = (type: string, outcome: string, actor: Record<string, string> = {}) => ({
    id: expect.any(String),
    type,
    version: 1,
    occurred_at: expect.any(String),
    source: 'gateway',
    outcome,
    actor: { ip: CLIENT_IP, user_agent: USER_AGENT, ...actor },
  });

  describe('gateway.token_rejected: every 401, with the reason the client is not told', () => {
    const userPath = () => `/api/v1/users/${randomUUID()}`;

    type Authorization = () => Promise<string> | string | undefined;
    it.each<[string, string, Authorization]>([
      ['missing', 'no Authorization header', () => undefined],
      ['malformed', 'a bearer that is not a JWT', () => 'Bearer not-a-jwt'],
      [
        'malformed',
        'a valid token under another scheme',
        async () => `Basic ${await issuer.accessToken({ role: 'admin' })}`,
      ],
      [
        'invalid',
        'alg:none with a signature part',
        () => `Bearer ${unsignedToken(accessClaims(), 'c2ln')}`,
      ],
      [
        'invalid',
        'a genuine signature over the wrong audience',
        () => `Bearer ${jwks.sign(accessClaims({ aud: 'user-service' }))}`,
      ],
      [
        'expired',
        'an expired token',
        async () => `Bearer ${await issuer.accessToken({ role: 'admin', expiresIn: -60 })}`,
      ],
    ])('%s: %s', async (reason, _case, authorization) => {
      const { req, requestId } = send('GET', userPath());
      const header = await authorization();

      const res = await (header === undefined ? req : req.set('Authorization', header));

      expectUnauthorized(res);
      expect(await theOnlyEventOf(requestId)).toEqual({
        ...envelope('gateway.token_rejected', 'failure'),
        ...idsOf(requestId),
        data: { route: '/api/v1/users/{id}', method: 'GET', reason },
      });
    });

    it('revoked, naming the user whose token it was', async () => {
      const token = await issuer.accessToken({ role: 'admin' });
      const { sub, jti } = claimsOf(token);
      await redis.set(`revoked-jti:${jti}`, '1', 'EX', 120);
      const { req, requestId } = send('DELETE', userPath());

      expectUnauthorized(await req.set('Authorization', `Bearer ${token}`));

      expect(await theOnlyEventOf(requestId)).toEqual({
        ...envelope('gateway.token_rejected', 'failure', { user_id: sub }),
        ...idsOf(requestId),
        data: { route: '/api/v1/users/{id}', method: 'DELETE', reason: 'revoked' },
      });
    });

    it('an API key auth-service does not know: api_key_invalid', async () => {
      const unknown = keys.issue('admin', ['users:read']);
      const { req, requestId } = send('GET', '/api/v1/users/me');

      const res = await req.set('X-API-Key', `${unknown.key.slice(0, -1)}x`);

      expectProblem(res, 401, KEY_REFUSED);
      expect(await theOnlyEventOf(requestId)).toEqual({
        ...envelope('gateway.token_rejected', 'failure'),
        ...idsOf(requestId),
        data: { route: '/api/v1/users/me', method: 'GET', reason: 'api_key_invalid' },
      });
    });

    it('an API key whose owner’s tokens were revoked since: api_key_revoked, naming the key', async () => {
      const key = keys.issue('admin', ['users:read']);
      await redis.set(
        `revoked-before:${key.userId}`,
        String(Math.floor(Date.now() / 1000) + 60),
        'EX',
        120,
      );
      const { req, requestId } = send('GET', '/api/v1/users/me');

      expectProblem(await req.set('X-API-Key', key.key), 401, KEY_REFUSED);

      expect(await theOnlyEventOf(requestId)).toEqual({
        ...envelope('gateway.token_rejected', 'failure', { user_id: key.userId }),
        ...idsOf(requestId),
        subject: { key_id: key.keyId },
        data: { route: '/api/v1/users/me', method: 'GET', reason: 'api_key_revoked' },
      });
    });

    it('a public route without a token is no rejection', async () => {
      const { req, requestId } = send('POST', '/api/v1/auth/register');

      expect((await req.send({})).status).toBe(200);
      expect(await log.forRequest(requestId, 1, 500)).toEqual([]);
    });
  });

  describe('gateway.access_denied: every 403 of the permission check', () => {
    it('names the permission, the role and the user, never the raw path', async () => {
      const token = await issuer.accessToken({ role: 'user' });
      const target = randomUUID();
      const { req, requestId } = send('DELETE', `/api/v1/users/${target}`);

      expectForbidden(await req.set('Authorization', `Bearer ${token}`));

      const event = await theOnlyEventOf(requestId);
      expect(event).toEqual({
        ...envelope('gateway.access_denied', 'denied', { user_id: claimsOf(token).sub }),
        ...idsOf(requestId),
        data: {
          route: '/api/v1/users/{id}',
          method: 'DELETE',
          permission: 'users:delete',
          role: 'user',
        },
      });
      expect(JSON.stringify(event)).not.toContain(target);
    });

    it('an allowed request causes no event', async () => {
      const token = await issuer.accessToken({ role: 'admin' });
      const { req, requestId } = send('GET', `/api/v1/users/${randomUUID()}`);

      expect((await req.set('Authorization', `Bearer ${token}`)).status).toBe(200);
      expect(await log.forRequest(requestId, 1, 500)).toEqual([]);
    });
  });

  describe('gateway.rate_limited: every 429, naming the limit', () => {
    // This gateway's own counter: no other test process refuses anything on its admin listener.
    const refusalsByKey = async () =>
      (await MetricsScrape.of(`${gateway.adminUrl}/metrics`)).count('gateway_rate_limited_total', {
        limit: 'api_key',
      });

    it('the login limit, per client address', async () => {
      const clientIp = `198.51.100.${String(Math.floor(Math.random() * 200) + 30)}`;
      const first = send('POST', '/api/v1/auth/login', clientIp);
      expect((await first.req.send({})).status).toBe(200);
      const { req, requestId } = send('POST', '/api/v1/auth/login', clientIp);

      const res = await req.send({});

      expect(res.status).toBe(429);
      const event = await theOnlyEventOf(requestId);
      expect(event).toEqual({
        ...envelope('gateway.rate_limited', 'denied', { ip: clientIp }),
        ...idsOf(requestId),
        data: {
          route: '/api/v1/auth/login',
          method: 'POST',
          limit: 'login',
          retry_after_seconds: Number(res.headers['retry-after']),
        },
      });
      expect(await log.forRequest(first.requestId, 1, 200)).toEqual([]);
    });

    it('the per-key limit, naming the key and its owner, and counted as api_key', async () => {
      const key = keys.issue('admin', ['users:read']);
      const path = `/api/v1/users/${randomUUID()}`;
      const first = send('GET', path);
      expect((await first.req.set('X-API-Key', key.key)).status).toBe(200);
      const { req, requestId } = send('GET', path);
      const before = await refusalsByKey();

      const res = await req.set('X-API-Key', key.key);

      expect(res.status).toBe(429);
      expect((await refusalsByKey()) - before).toBe(1);
      const limited = (await log.forRequest(requestId, 2)).filter(
        (e) => e.type === 'gateway.rate_limited',
      );
      expect(limited).toEqual([
        {
          ...envelope('gateway.rate_limited', 'denied', { user_id: key.userId }),
          ...idsOf(requestId),
          subject: { key_id: key.keyId },
          data: {
            route: '/api/v1/users/{id}',
            method: 'GET',
            limit: 'api_key',
            retry_after_seconds: Number(res.headers['retry-after']),
          },
        },
      ]);
    });
  });

  it('gateway.rate_limited on a path outside the table names no path: /*, the global limit', async () => {
    const limited = await startServer(
      gatewayConfig({
        AUTH_SERVICE_URL: keys.url,
        USER_SERVICE_URL: upstream.url,
        AUDIT_SERVICE_URL: upstream.url,
        AUTH_JWKS_URL: jwks.url,
        RATE_LIMIT_PER_MINUTE: '1',
      }),
      captureLogger('gateway').logger,
    );
    try {
      const probe = `/wp-admin/${randomUUID()}.php?token=abc`;
      expect((await request(limited.url).get(probe)).status).toBe(404);
      const requestId = `req-${randomUUID()}`;

      const res = await request(limited.url).get(probe).set('X-Request-ID', requestId);

      expect(res.status).toBe(429);
      const event = await theOnlyEventOf(requestId);
      expect(event).toMatchObject({
        type: 'gateway.rate_limited',
        actor: { ip: '127.0.0.1' },
        data: { route: '/*', method: 'GET', limit: 'global' },
      });
      expect(JSON.stringify(event)).not.toMatch(/wp-admin|token=/);

      // A method the event schema has no word for cannot be told, but is never lost silently.
      const odd = await fetch(`${limited.url}${probe}`, { method: 'PROPFIND' });
      expect(odd.status).toBe(429);
      const metrics = await request(limited.adminUrl).get('/metrics');
      expect(metrics.text).toMatch(
        /^gateway_events_dropped_total\{[^}]*reason="invalid"[^}]*\} 1$/m,
      );
    } finally {
      await limited.close();
    }
  });

  describe('gateway.apikey.used: every keyed request, with the status the client got', () => {
    it('a request the key may make', async () => {
      const key = keys.issue('moderator', ['users:read']);
      const { req, requestId } = send('GET', `/api/v1/users/${randomUUID()}`);

      expect((await req.set('X-API-Key', key.key)).status).toBe(200);

      expect(await theOnlyEventOf(requestId)).toEqual({
        ...envelope('gateway.apikey.used', 'success', { user_id: key.userId }),
        ...idsOf(requestId),
        subject: { key_id: key.keyId },
        data: { route: '/api/v1/users/{id}', method: 'GET', status: 200 },
      });
    });

    it('a request outside the key’s scopes: 403, reported as used and as denied', async () => {
      const key = keys.issue('admin', ['users:read']);
      const { req, requestId } = send('DELETE', `/api/v1/users/${randomUUID()}`);

      expectForbidden(await req.set('X-API-Key', key.key));

      const events = await log.forRequest(requestId, 2);
      expect(events.map((e) => e.type).sort()).toEqual([
        'gateway.access_denied',
        'gateway.apikey.used',
      ]);
      expect(events.find((e) => e.type === 'gateway.apikey.used')).toMatchObject({
        outcome: 'denied',
        actor: { user_id: key.userId },
        subject: { key_id: key.keyId },
        data: { route: '/api/v1/users/{id}', method: 'DELETE', status: 403 },
      });
      expect(events.find((e) => e.type === 'gateway.access_denied')).toMatchObject({
        actor: { user_id: key.userId },
        data: { permission: 'users:delete', role: 'admin' },
      });
    });
  });
});
