import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import {
  captureLogger,
  createTestDatabase,
  eventually,
  TestTokenIssuer,
  type TestDatabase,
} from '@secure-api/shared/testing';

import {
  startServer as startUserService,
  type RunningUserService,
} from '../../user-service/src/api/server.js';
import { readConfig as readUserConfig } from '../../user-service/src/config.js';
import { startServer, type RunningGateway } from '../src/api/server.js';
import { closedPort, gatewayConfig, silentUpstream } from './helpers.js';

const ORIGIN = 'https://app.example.com';

function expectEdgeHeaders(res: request.Response) {
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['referrer-policy']).toContain('strict-origin');
  expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
  expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  expect(res.headers['permissions-policy']).toBe(
    'camera=(), microphone=(), geolocation=(), payment=()',
  );
  expect(res.headers['x-request-id']).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
  expect(res.headers.server).toBeUndefined();
  expect(res.headers['x-powered-by']).toBeUndefined();
}

function expectCleanProblem(res: request.Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.body as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual([
    'detail',
    'instance',
    'request_id',
    'status',
    'title',
    'type',
  ]);
  expect(body.status).toBe(status);
  expect(body.request_id).toBe(res.headers['x-request-id']);
  const text = JSON.stringify(body);
  for (const leak of [
    /at .*\(/,
    /\/work\//,
    /node_modules/,
    /\.ts\b/,
    /\.js\b/,
    /express|http-proxy|body-parser|sequelize|ECONN/i,
  ]) {
    expect(text).not.toMatch(leak);
  }
}

describe('gateway edge', () => {
  let db: TestDatabase;
  let issuer: TestTokenIssuer;
  let users: RunningUserService;
  let slow: Awaited<ReturnType<typeof silentUpstream>>;
  let gateway: RunningGateway;
  const logs = captureLogger('gateway');
  const userServiceLogs = captureLogger('user-service');

  beforeAll(async () => {
    db = await createTestDatabase('gateway_edge');
    issuer = await TestTokenIssuer.start();
    users = await startUserService(
      {
        ...readUserConfig({
          NODE_ENV: 'test',
          USERS_PORT: '0',
          DATABASE_URL: db.url,
          AUTH_JWKS_URL: issuer.jwksUrl,
        }),
        autoMigrate: true,
      },
      userServiceLogs.logger,
    );
    slow = await silentUpstream();
    gateway = await startServer(
      gatewayConfig({
        USER_SERVICE_URL: users.url,
        AUTH_SERVICE_URL: `http://127.0.0.1:${await closedPort()}`,
        AUDIT_SERVICE_URL: slow.url,
        AUTH_JWKS_URL: issuer.jwksUrl,
        UPSTREAM_TIMEOUT_MS: '300',
      }),
      logs.logger,
    );
  });

  afterAll(async () => {
    await gateway.close();
    await users.close();
    await slow.close();
    await issuer.close();
    await db.drop();
  });

  describe('GET /health', () => {
    it('returns status and version and nothing internal, with every edge header', async () => {
      const res = await request(gateway.url).get('/health');

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'healthy', version: '0.1.0' });
      expectEdgeHeaders(res);
      expect(res.headers['cache-control']).toBe('no-store');
    });
  });

  describe('errors at the edge', () => {
    it('an unknown route is a 404 problem that leaks no path or library', async () => {
      const res = await request(gateway.url).get('/does/not/exist');

      expectCleanProblem(res, 404);
      expectEdgeHeaders(res);
    });

    it.each([
      '/internal/users',
      '/metrics',
      '/health/ready',
      '/api/v1/users/..%2f..%2finternal/users',
      '/api/v1/users/../../internal/x',
    ])('never routes %s', async (path) => {
      const res = await request(gateway.url).get(path);

      expectCleanProblem(res, 404);
    });

    it('a body over 16 KiB is refused with 413 before it reaches a service', async () => {
      const res = await request(gateway.url)
        .post('/api/v1/auth/register')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ pad: 'x'.repeat(17 * 1024) }));

      expectCleanProblem(res, 413);
      expectEdgeHeaders(res);
    });

    it('a body that is not application/json gets 415', async () => {
      const res = await request(gateway.url)
        .post('/api/v1/auth/register')
        .set('Content-Type', 'text/plain')
        .send('hello');

      expectCleanProblem(res, 415);
      expectEdgeHeaders(res);
    });

    it('malformed JSON gets 400', async () => {
      const res = await request(gateway.url)
        .post('/api/v1/auth/register')
        .set('Content-Type', 'application/json')
        .send('{"a":');

      expectCleanProblem(res, 400);
      expect((res.body as { detail: string }).detail).toBe('Request body is not valid JSON');
      expectEdgeHeaders(res);
    });

    it('an anonymous request to a protected route is refused before its body is read', async () => {
      const res = await request(gateway.url)
        .post('/api/v1/users')
        .set('Content-Type', 'text/plain')
        .send('x'.repeat(17 * 1024));

      expectCleanProblem(res, 401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expectEdgeHeaders(res);
    });

    it('an upstream that is down gives a quick 502 problem', async () => {
      const started = Date.now();
      const res = await request(gateway.url).get('/.well-known/jwks.json');

      expectCleanProblem(res, 502);
      expectEdgeHeaders(res);
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('an upstream that does not answer in time gives a 504 problem', async () => {
      const res = await request(gateway.url)
        .get('/api/v1/admin/stats')
        .set('Authorization', `Bearer ${await issuer.accessToken({ role: 'admin' })}`);

      expectCleanProblem(res, 504);
      expectEdgeHeaders(res);
    });
  });

  describe('proxying', () => {
    it('forwards to the owning service, propagating and echoing a valid client request id', async () => {
      const res = await request(gateway.url)
        .get('/api/v1/users/me')
        .set('Authorization', `Bearer ${await issuer.accessToken({ role: 'viewer' })}`)
        .set('X-Request-ID', 'client-req-12345678');

      // The request is the gateway's, under its own id; the client's id travels beside it.
      const own = res.headers['x-request-id'];
      expect(own).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers['x-client-request-id']).toBe('client-req-12345678');
      expectEdgeHeaders(res);
      // The user-service handled it under the gateway's id, and logged the client's beside it.
      expect(
        await eventually(() =>
          Promise.resolve(
            userServiceLogs
              .lines()
              .some(
                (line) =>
                  line.msg === 'request' &&
                  line.path === '/api/v1/users/me' &&
                  line.request_id === own &&
                  line.client_request_id === 'client-req-12345678',
              ),
          ),
        ),
      ).toBe(true);
    });

    it('replaces an unsafe client request id with its own', async () => {
      const res = await request(gateway.url)
        .get('/health')
        .set('X-Request-ID', 'bad id\twith spaces');

      // A uuid of ours, not the client's text (asserted by shape: 0.7% of uuids spell "bad" in hex).
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers['x-client-request-id']).toBeUndefined();
    });
  });

  describe('CORS', () => {
    it('echoes an allowed origin with credentials', async () => {
      const res = await request(gateway.url).get('/health').set('Origin', ORIGIN);

      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(res.headers['access-control-expose-headers']).toContain('X-Request-ID');
      expect(res.headers['access-control-expose-headers']).toContain('X-Client-Request-ID');
    });

    it('gives a disallowed origin no CORS headers', async () => {
      const res = await request(gateway.url)
        .get('/health')
        .set('Origin', 'https://evil.example.com');

      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('answers a preflight for allowed methods and headers', async () => {
      const res = await request(gateway.url)
        .options('/api/v1/users/me')
        .set('Origin', ORIGIN)
        .set('Access-Control-Request-Method', 'PUT')
        .set('Access-Control-Request-Headers', 'authorization, content-type');

      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(res.headers['access-control-allow-methods']).toBe('GET,POST,PUT,PATCH,DELETE');
      expect(res.headers['access-control-allow-headers']).toBe(
        'authorization,content-type,x-api-key,x-request-id',
      );
      expectEdgeHeaders(res);
    });

    it.each([
      ['a disallowed method', 'https://app.example.com', 'TRACE', 'content-type'],
      ['a disallowed header', 'https://app.example.com', 'GET', 'x-user-id'],
      ['a disallowed origin', 'https://evil.example.com', 'GET', 'content-type'],
    ])('refuses a preflight asking for %s', async (_case, origin, method, headers) => {
      const res = await request(gateway.url)
        .options('/api/v1/users/me')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', method)
        .set('Access-Control-Request-Headers', headers);

      expectCleanProblem(res, 403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-methods']).toBeUndefined();
    });
  });

  describe('management listener', () => {
    it('serves readiness and metrics on the admin port only', async () => {
      const ready = await request(gateway.adminUrl).get('/health/ready');
      const metrics = await request(gateway.adminUrl).get('/metrics');

      expect(ready.status).toBe(200);
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain('http_request_duration_seconds');
    });
  });
});
