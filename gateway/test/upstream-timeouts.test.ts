import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { captureLogger, TestTokenIssuer } from '@secure-api/shared/testing';

import { startServer, type RunningGateway } from '../src/api/server.js';
import { expectProblem, gatewayConfig, slowUpstream, type TestUpstream } from './helpers.js';

describe('upstream timeouts', () => {
  let issuer: TestTokenIssuer;
  let upstream: TestUpstream;
  let gateway: RunningGateway;
  let bearer: string;

  beforeAll(async () => {
    issuer = await TestTokenIssuer.start();
    bearer = `Bearer ${await issuer.accessToken({ role: 'admin' })}`;
    upstream = await slowUpstream();
    gateway = await startServer(
      gatewayConfig({
        USER_SERVICE_URL: upstream.url,
        AUTH_SERVICE_URL: upstream.url,
        AUDIT_SERVICE_URL: upstream.url,
        AUTH_JWKS_URL: issuer.jwksUrl,
        // A short connect limit and a long response limit: a slow answer must wait for the second.
        UPSTREAM_CONNECT_TIMEOUT_MS: '250',
        UPSTREAM_TIMEOUT_MS: '1500',
      }),
      captureLogger('gateway').logger,
    );
  });

  afterAll(async () => {
    await gateway.close();
    await upstream.close();
    await issuer.close();
  });

  it('an answer slower than the connect limit but within the response limit is passed on', async () => {
    // Twice in a row: the first on a new upstream connection, the second on the kept-alive one.
    for (const delay of [700, 700]) {
      const res = await request(gateway.url)
        .get(`/api/v1/users?delay=${delay}`)
        .set('Authorization', bearer);

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ waited: delay });
    }
  });

  it('an upstream silent for longer than the response limit is a 504, after that limit', async () => {
    const started = Date.now();
    const res = await request(gateway.url)
      .get('/api/v1/users?delay=4000')
      .set('Authorization', bearer);

    expectProblem(res, 504, 'The upstream service did not answer in time');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });
});
