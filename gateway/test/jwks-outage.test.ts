import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { captureLogger, TestTokenIssuer } from '@secure-api/shared/testing';

import { startServer, type RunningGateway } from '../src/api/server.js';
import { closedPort, gatewayConfig, headerEchoUpstream } from './helpers.js';

describe('when the key set cannot be fetched', () => {
  let issuer: TestTokenIssuer;
  let upstream: Awaited<ReturnType<typeof headerEchoUpstream>>;
  let gateway: RunningGateway;

  beforeAll(async () => {
    issuer = await TestTokenIssuer.start();
    upstream = await headerEchoUpstream();
    gateway = await startServer(
      gatewayConfig({
        USER_SERVICE_URL: upstream.url,
        AUTH_JWKS_URL: `http://127.0.0.1:${await closedPort()}/.well-known/jwks.json`,
      }),
      captureLogger('gateway').logger,
    );
  });

  afterAll(async () => {
    await gateway.close();
    await upstream.close();
    await issuer.close();
  });

  it('answers 503 (an outage), not 401 (a verdict on the token) and never 200', async () => {
    const token = await issuer.accessToken({ role: 'user' });

    const res = await request(gateway.url)
      .get('/api/v1/users/me')
      .set('Authorization', `Bearer ${token}`);

    expect(res.status).toBe(503);
    expect((res.body as { detail: string }).detail).toBe(
      'A security dependency is unavailable, retry shortly',
    );
  });

  it('still refuses a malformed token with 401, without needing the key set', async () => {
    const res = await request(gateway.url)
      .get('/api/v1/users/me')
      .set('Authorization', 'Bearer eyJ.eyJ.invalid');

    expect(res.status).toBe(401);
  });
});
