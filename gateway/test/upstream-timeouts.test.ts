import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { captureLogger, TestTokenIssuer } from '@secure-api/shared/testing';

import { UPSTREAM_IDLE_MS } from '../src/api/proxy.js';
import { startServer, type RunningGateway } from '../src/api/server.js';
import { expectProblem, gatewayConfig, slowUpstream, type TestUpstream } from './helpers.js';

describe('upstream timeouts', () => {
  let issuer: TestTokenIssuer;
  let upstream: TestUpstream & { connections(): number };
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

  it('drops an idle upstream connection before the services’ 5 s keep-alive would, so none is reused as it closes', async () => {
    // A keep-alive client, as browsers are: the gateway then keeps its upstream connection too.
    const read = () =>
      request(gateway.url)
        .get('/api/v1/users')
        .set('Authorization', bearer)
        .set('Connection', 'keep-alive');
    expect((await read()).status).toBe(200);
    expect((await read()).status).toBe(200);
    const before = upstream.connections();

    await new Promise((resolve) => setTimeout(resolve, UPSTREAM_IDLE_MS + 2500));
    const after = await read();

    expect(UPSTREAM_IDLE_MS).toBeLessThan(5000);
    expect(after.status).toBe(200);
    // The pooled connection was closed by the gateway itself: the next request opened a new one.
    expect(upstream.connections()).toBe(before + 1);
    expect((await read()).status).toBe(200);
    expect(upstream.connections()).toBe(before + 1);
  }, 20_000);
});
