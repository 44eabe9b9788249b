import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { captureLogger, TestTokenIssuer } from '@secure-api/shared/testing';

import { startServer, type RunningGateway } from '../src/api/server.js';
import { gatewayConfig, headerEchoUpstream, type Echo } from './helpers.js';

describe('what the gateway forwards', () => {
  let issuer: TestTokenIssuer;
  let upstream: Awaited<ReturnType<typeof headerEchoUpstream>>;
  let gateway: RunningGateway;
  let bearer: string;

  beforeAll(async () => {
    issuer = await TestTokenIssuer.start();
    bearer = `Bearer ${await issuer.accessToken({ role: 'user' })}`;
    upstream = await headerEchoUpstream();
    gateway = await startServer(
      gatewayConfig({
        USER_SERVICE_URL: upstream.url,
        AUTH_SERVICE_URL: upstream.url,
        AUDIT_SERVICE_URL: upstream.url,
        AUTH_JWKS_URL: issuer.jwksUrl,
      }),
      captureLogger('gateway').logger,
    );
  });

  afterAll(async () => {
    await gateway.close();
    await upstream.close();
    await issuer.close();
  });

  it('forwards the Authorization header unchanged, for the service to verify again', async () => {
    const res = await request(gateway.url).get('/api/v1/users/me').set('Authorization', bearer);

    expect(res.status).toBe(200);
    expect((res.body as Echo).headers.authorization).toBe(bearer);
  });

  it('strips client-supplied identity, internal and forwarding headers', async () => {
    const res = await request(gateway.url)
      .get('/api/v1/users/me')
      .set('Authorization', bearer)
      .set('X-User-Id', 'attacker')
      .set('X-User-Role', 'admin')
      .set('X-Internal-Token', 'forged')
      .set('X-Service-Token', 'forged')
      .set('X-Forwarded-For', '6.6.6.6')
      .set('Forwarded', 'for=6.6.6.6')
      .set('X-Real-IP', '6.6.6.6');

    const { headers } = res.body as Echo;
    expect(res.status).toBe(200);
    for (const name of [
      'x-user-id',
      'x-user-role',
      'x-internal-token',
      'x-service-token',
      'forwarded',
      'x-real-ip',
    ]) {
      expect(Object.keys(headers)).not.toContain(name);
    }
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-request-id']).toBe(res.headers['x-request-id']);
  });

  it('forwards its own X-Request-ID and the client’s as X-Client-Request-ID, never the client’s own X-Client-Request-ID', async () => {
    const chosen = await request(gateway.url)
      .get('/api/v1/users/me')
      .set('Authorization', bearer)
      .set('X-Request-ID', 'client-chosen-0001');
    const forged = await request(gateway.url)
      .get('/api/v1/users/me')
      .set('Authorization', bearer)
      .set('X-Client-Request-ID', 'forged-client-0001');

    const sent = (chosen.body as Echo).headers;
    expect(sent['x-request-id']).toBe(chosen.headers['x-request-id']);
    expect(sent['x-request-id']).not.toBe('client-chosen-0001');
    expect(sent['x-client-request-id']).toBe('client-chosen-0001');
    expect(Object.keys((forged.body as Echo).headers)).not.toContain('x-client-request-id');
    expect(forged.headers['x-client-request-id']).toBeUndefined();
  });

  it('forwards the exact body bytes and path it validated', async () => {
    const body = '{"full_name":  "Ada",\n "email":"ada@example.com"}';
    const res = await request(gateway.url)
      .put('/api/v1/users/me?x=1')
      .set('Authorization', bearer)
      .set('Content-Type', 'application/json')
      .send(body);

    const echo = res.body as Echo;
    expect(echo.url).toBe('/api/v1/users/me?x=1');
    expect(echo.headers['content-length']).toBe(String(Buffer.byteLength(body)));
  });

  it("drops the upstream's Server and X-Powered-By headers and keeps the gateway's own policy", async () => {
    const res = await request(gateway.url).get('/api/v1/users/me').set('Authorization', bearer);

    expect(res.headers.server).toBeUndefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
