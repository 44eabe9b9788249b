import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { connectRedis, createRedis, type Redis } from '@secure-api/shared/redis';
import {
  captureLogger,
  eventually,
  TcpProxy,
  TestTokenIssuer,
  testUrls,
} from '@secure-api/shared/testing';

import { startServer, type RunningGateway } from '../src/api/server.js';
import {
  claimsOf,
  closedPort,
  expectProblem,
  expectUnauthorized,
  gatewayConfig,
  headerEchoUpstream,
  type Echo,
} from './helpers.js';
import {
  accessClaims,
  hmacToken,
  publicKeyMaterial,
  TrustedJwks,
  unsignedToken,
} from './tokens.js';

const PROTECTED = '/api/v1/users/me';

interface Context {
  issuer: TestTokenIssuer;
  stranger: TestTokenIssuer;
  jwks: TrustedJwks;
  publicKey: { x: string; pem: string };
}

/** Every way a bearer can be missing, malformed, forged, expired or for the wrong purpose. */
const REJECTED: [string, (c: Context) => Promise<string | undefined> | string | undefined][] = [
  ['no Authorization header', () => undefined],
  ['a bearer that is not a JWT', () => 'Bearer not-a-jwt'],
  ['a JWT-shaped bearer that does not decode', () => 'Bearer eyJ.eyJ.invalid'],
  ['an empty bearer', () => 'Bearer '],
  ['the bearer "null"', () => 'Bearer null'],
  ['a valid token without the Bearer scheme', async (c) => c.issuer.accessToken({ role: 'admin' })],
  [
    'a valid token under another scheme',
    async (c) => `Basic ${await c.issuer.accessToken({ role: 'admin' })}`,
  ],
  [
    'an expired token',
    async (c) => `Bearer ${await c.issuer.accessToken({ role: 'admin', expiresIn: -60 })}`,
  ],
  ['alg:none with an empty signature', () => `Bearer ${unsignedToken(accessClaims())}`],
  ['alg:none with a signature part', () => `Bearer ${unsignedToken(accessClaims(), 'c2ln')}`],
  [
    'HS256 keyed with the JWK x value of the real key',
    (c) => `Bearer ${hmacToken(accessClaims(), c.issuer.kid, c.publicKey.x)}`,
  ],
  [
    'HS256 keyed with the PEM of the real key',
    (c) => `Bearer ${hmacToken(accessClaims(), c.issuer.kid, c.publicKey.pem)}`,
  ],
  [
    'a token signed by a key the JWKS does not publish',
    async (c) => `Bearer ${await c.stranger.accessToken({ role: 'admin' })}`,
  ],
  [
    'a valid token whose claims were edited after signing',
    async (c) => {
      const [header, , signature] = (await c.issuer.accessToken({ role: 'viewer' })).split('.');
      const edited = Buffer.from(JSON.stringify(accessClaims())).toString('base64url');
      return `Bearer ${header!}.${edited}.${signature!}`;
    },
  ],
  [
    'a wrong issuer',
    (c) => `Bearer ${c.jwks.sign(accessClaims({ iss: 'https://evil.example.com' }))}`,
  ],
  ['a wrong audience', (c) => `Bearer ${c.jwks.sign(accessClaims({ aud: 'user-service' }))}`],
  ['a refresh-type token', (c) => `Bearer ${c.jwks.sign(accessClaims({ type: 'refresh' }))}`],
  ['a service-type token', (c) => `Bearer ${c.jwks.sign(accessClaims({ type: 'service' }))}`],
  ["auth-service's service token", async (c) => `Bearer ${await c.issuer.serviceToken()}`],
  ['a subject that is not a uuid', (c) => `Bearer ${c.jwks.sign(accessClaims({ sub: 'admin' }))}`],
  ['an unknown role', (c) => `Bearer ${c.jwks.sign(accessClaims({ role: 'root' }))}`],
  ['no expiry', (c) => `Bearer ${c.jwks.sign(accessClaims({ exp: undefined }))}`],
];

describe('bearer tokens at the gateway', () => {
  const context = {} as Context;
  let upstream: Awaited<ReturnType<typeof headerEchoUpstream>>;
  let redis: Redis;
  let gateway: RunningGateway;

  beforeAll(async () => {
    context.issuer = await TestTokenIssuer.start();
    context.stranger = await TestTokenIssuer.start();
    context.jwks = await TrustedJwks.start(context.issuer);
    context.publicKey = await publicKeyMaterial(context.issuer);
    upstream = await headerEchoUpstream();
    redis = createRedis(testUrls.redis, captureLogger('test').logger);
    await connectRedis(redis);
    gateway = await startServer(
      gatewayConfig({
        USER_SERVICE_URL: upstream.url,
        AUTH_SERVICE_URL: upstream.url,
        AUDIT_SERVICE_URL: upstream.url,
        AUTH_JWKS_URL: context.jwks.url,
      }),
      captureLogger('gateway').logger,
    );
  });

  afterAll(async () => {
    await gateway.close();
    redis.disconnect();
    await upstream.close();
    await context.jwks.close();
    await context.stranger.close();
    await context.issuer.close();
  });

  const get = (authorization?: string, path = PROTECTED) => {
    const req = request(gateway.url).get(path);
    return authorization === undefined ? req : req.set('Authorization', authorization);
  };

  it('admits a valid token from either published key', async () => {
    const fromIssuer = await get(`Bearer ${await context.issuer.accessToken({ role: 'viewer' })}`);
    // The same key signs the rejected claims below: only the claims make them fail.
    const fromSecondKey = await get(`Bearer ${context.jwks.sign(accessClaims())}`);

    expect(fromIssuer.status).toBe(200);
    expect((fromIssuer.body as Echo).url).toBe(PROTECTED);
    expect(fromSecondKey.status).toBe(200);
  });

  it.each(REJECTED)('refuses %s with the generic 401 before proxying', async (_case, make) => {
    const res = await get(await make(context));

    expectUnauthorized(res);
    expect(JSON.stringify(res.body)).not.toMatch(/jose|JWS|JWT|alg|signature|claim/i);
  });

  describe('POST /api/v1/auth/logout (cookie and/or bearer)', () => {
    const logout = (authorization?: string) => {
      const req = request(gateway.url).post('/api/v1/auth/logout');
      return authorization === undefined ? req : req.set('Authorization', authorization);
    };

    it('without a bearer, passes through for the refresh cookie to speak', async () => {
      const res = await logout().set('Cookie', 'refresh_token=abc');

      expect(res.status).toBe(200);
      expect((res.body as Echo).headers.cookie).toBe('refresh_token=abc');
    });

    it('with a valid bearer, passes through', async () => {
      const res = await logout(`Bearer ${await context.issuer.accessToken({ role: 'user' })}`);

      expect(res.status).toBe(200);
    });

    it('with a bearer that is not valid, answers the generic 401', async () => {
      expectUnauthorized(await logout('Bearer not-a-jwt'));
      expectUnauthorized(await logout(`Bearer ${unsignedToken(accessClaims())}`));
    });

    it('with the refresh cookie beside a bearer that is not valid, passes both through: the cookie ends its session', async () => {
      const expired = await context.issuer.accessToken({ role: 'user', expiresIn: -60 });

      for (const bearer of ['Bearer not-a-jwt', `Bearer ${expired}`]) {
        const res = await logout(bearer).set('Cookie', 'theme=dark; refresh_token=abc');

        expect(res.status).toBe(200);
        expect((res.body as Echo).headers.cookie).toBe('theme=dark; refresh_token=abc');
        expect((res.body as Echo).headers.authorization).toBe(bearer);
      }
      expectUnauthorized(await logout('Bearer not-a-jwt').set('Cookie', 'not_refresh_token=abc'));
    });
  });

  describe('revocation', () => {
    const mark = (key: string, value: string) => redis.set(key, value, 'EX', 120);

    it('refuses a token whose jti is revoked, and only that token', async () => {
      const sub = randomUUID();
      const revoked = await context.issuer.accessToken({ role: 'user', sub });
      const other = await context.issuer.accessToken({ role: 'user', sub });
      expect((await get(`Bearer ${revoked}`)).status).toBe(200);

      await mark(`revoked-jti:${claimsOf(revoked).jti}`, '1');

      expectUnauthorized(await get(`Bearer ${revoked}`));
      expect((await get(`Bearer ${other}`)).status).toBe(200);
    });

    it('refuses every token of a user issued before revoked-before, and none issued at it', async () => {
      const sub = randomUUID();
      const token = await context.issuer.accessToken({ role: 'user', sub });
      const { iat } = claimsOf(token);

      await mark(`revoked-before:${sub}`, String(iat));
      expect((await get(`Bearer ${token}`)).status).toBe(200);

      await mark(`revoked-before:${sub}`, String(iat + 1));
      expectUnauthorized(await get(`Bearer ${token}`));
    });

    it('refuses every token of a revoked session, and only that session', async () => {
      const sub = randomUUID();
      const [sid, otherSid] = [randomUUID(), randomUUID()];
      const token = await context.issuer.accessToken({ role: 'user', sub, sid });
      const otherSession = await context.issuer.accessToken({ role: 'user', sub, sid: otherSid });

      await mark(`revoked-sid:${sid}`, '1');

      expectUnauthorized(await get(`Bearer ${token}`));
      expect((await get(`Bearer ${otherSession}`)).status).toBe(200);
    });

    it('is checked on routes that need no permission too', async () => {
      const token = await context.issuer.accessToken({ role: 'viewer' });
      await mark(`revoked-jti:${claimsOf(token).jti}`, '1');

      expectUnauthorized(await get(`Bearer ${token}`, '/api/v1/auth/sessions'));
      expectUnauthorized(
        await request(gateway.url)
          .post('/api/v1/auth/logout-all')
          .set('Authorization', `Bearer ${token}`),
      );
    });
  });
});

describe('when Redis, which holds the revocation marks, is unreachable', () => {
  const UNAVAILABLE = 'A security dependency is unavailable, retry shortly';
  let issuer: TestTokenIssuer;
  let upstream: Awaited<ReturnType<typeof headerEchoUpstream>>;
  let redisProxy: TcpProxy;
  let gateway: RunningGateway;

  beforeAll(async () => {
    issuer = await TestTokenIssuer.start();
    upstream = await headerEchoUpstream();
    redisProxy = await TcpProxy.forUrl(testUrls.redis).start();
    gateway = await startServer(
      gatewayConfig({
        USER_SERVICE_URL: upstream.url,
        AUTH_SERVICE_URL: upstream.url,
        AUDIT_SERVICE_URL: upstream.url,
        AUTH_JWKS_URL: issuer.jwksUrl,
        REDIS_URL: redisProxy.urlFor(testUrls.redis),
      }),
      captureLogger('gateway').logger,
    );
  });

  afterAll(async () => {
    await gateway.close();
    await redisProxy.stop();
    await upstream.close();
    await issuer.close();
  });

  it('fails closed with 503 for bearer requests, serves public routes, and recovers', async () => {
    const token = `Bearer ${await issuer.accessToken({ role: 'admin' })}`;
    const me = () => request(gateway.url).get(PROTECTED).set('Authorization', token);
    expect((await me()).status).toBe(200);

    redisProxy.cut();
    const refused = await me();
    const forged = await request(gateway.url)
      .get(PROTECTED)
      .set('Authorization', `Bearer ${unsignedToken(accessClaims())}`);
    const login = await request(gateway.url).post('/api/v1/auth/login');
    const ready = await request(gateway.adminUrl).get('/health/ready');
    redisProxy.restore();

    expectProblem(refused, 503, UNAVAILABLE);
    expect(refused.headers['www-authenticate']).toBeUndefined();
    // A forged token is refused on its signature; the outage does not turn it into a 503.
    expectUnauthorized(forged);
    expect(login.status).toBe(200);
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'unavailable', checks: { redis: 'down' } });
    expect(await eventually(async () => (await me()).status === 200)).toBe(true);
  });

  it('refuses to start, naming Redis, when Redis cannot be reached', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;

    await expect(
      startServer(gatewayConfig({ REDIS_URL: url }), captureLogger('gateway').logger),
    ).rejects.toThrow(`Redis is unreachable at ${url}`);
    // ioredis arms an un-unref'd 2 s timer when disconnecting a socket that already closed.
    await new Promise((resolve) => setTimeout(resolve, 2100));
  });
});
