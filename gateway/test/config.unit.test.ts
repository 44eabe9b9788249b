import { describe, expect, it } from '@jest/globals';

import { configProblems } from '@secure-api/shared/testing';

import { readConfig } from '../src/config.js';

const problemsOf = (env: Record<string, string | undefined>) => configProblems(readConfig, env);

const PRODUCTION_AMQP = 'amqp://gateway:s3cret@rabbitmq:5672';

describe('gateway configuration', () => {
  it('defaults to port 8080, the local services and docs on in development', () => {
    const config = readConfig({});

    expect(config.port).toBe(8080);
    expect(config.upstreams).toEqual({
      auth: 'http://127.0.0.1:8081',
      users: 'http://127.0.0.1:8082',
      audit: 'http://127.0.0.1:8083',
    });
    expect(config.bodyLimitBytes).toBe(16384);
    expect(config.docsEnabled).toBe(true);
  });

  it('verifies tokens against the auth-service JWKS and reads revocations from local Redis by default', () => {
    const config = readConfig({});

    expect(config.jwksUrl).toBe('http://127.0.0.1:8081/.well-known/jwks.json');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it('derives the JWKS URL from AUTH_SERVICE_URL unless AUTH_JWKS_URL names one', () => {
    expect(readConfig({ AUTH_SERVICE_URL: 'http://auth:8081/' }).jwksUrl).toBe(
      'http://auth:8081/.well-known/jwks.json',
    );
    expect(
      readConfig({
        AUTH_SERVICE_URL: 'http://auth:8081',
        AUTH_JWKS_URL: 'https://keys.example.com/jwks.json',
      }).jwksUrl,
    ).toBe('https://keys.example.com/jwks.json');
  });

  it('rejects a REDIS_URL that is not redis(s) and an AUTH_JWKS_URL that is not http(s)', () => {
    expect(
      problemsOf({ REDIS_URL: 'http://127.0.0.1:6379', AUTH_JWKS_URL: 'file:///etc/jwks.json' }),
    ).toEqual([
      expect.stringMatching(/^AUTH_JWKS_URL: /) as unknown as string,
      'REDIS_URL: expected a redis:// or rediss:// URL',
    ]);
  });

  it('turns docs off by default in production', () => {
    expect(
      readConfig({
        NODE_ENV: 'production',
        CORS_ORIGINS: 'https://app.example.com',
        AMQP_URL: PRODUCTION_AMQP,
      }).docsEnabled,
    ).toBe(false);
  });

  it('in production refuses a * CORS origin and enabled docs, one line each', () => {
    expect(
      problemsOf({
        NODE_ENV: 'production',
        CORS_ORIGINS: '*',
        DOCS_ENABLED: 'true',
        AMQP_URL: PRODUCTION_AMQP,
      }),
    ).toEqual([
      'CORS_ORIGINS: must not contain * when NODE_ENV=production',
      'DOCS_ENABLED: must not be true when NODE_ENV=production',
    ]);
  });

  it('publishes its security events to the local broker by default, buffering up to 10,000', () => {
    const config = readConfig({});

    expect(config.amqpUrl).toBe('amqp://guest:guest@127.0.0.1:5672');
    expect(config.eventBufferSize).toBe(10_000);
    expect(readConfig({ EVENT_BUFFER_SIZE: '2' }).eventBufferSize).toBe(2);
  });

  it('refuses an EVENT_BUFFER_SIZE that is not a positive count, and AMQP_URL that is not amqp(s)', () => {
    expect(problemsOf({ EVENT_BUFFER_SIZE: '0', AMQP_URL: 'http://broker:5672' })).toEqual([
      expect.stringMatching(/^AMQP_URL: /) as unknown as string,
      expect.stringMatching(/^EVENT_BUFFER_SIZE: /) as unknown as string,
    ]);
  });

  it('in production refuses the broker’s default guest account', () => {
    expect(problemsOf({ NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com' })).toEqual(
      ['AMQP_URL: must be set with non-default credentials when NODE_ENV=production'],
    );
  });

  it('pins the abuse-protection defaults: no trusted proxy, 60/min per IP, login 5, register 3, refresh 10 a minute, forgot-password 10 and mailed links 20 an hour, 1000 an hour per API key', () => {
    const config = readConfig({});

    expect(config.trustedProxies).toEqual([]);
    expect(config.rateLimits).toEqual({
      global: { points: 60, durationSeconds: 60 },
      login: { points: 5, durationSeconds: 60 },
      register: { points: 3, durationSeconds: 60 },
      refresh: { points: 10, durationSeconds: 60 },
      passwordForgot: { points: 10, durationSeconds: 3600 },
      accountLink: { points: 20, durationSeconds: 3600 },
      apiKey: { points: 1000, durationSeconds: 3600 },
      redisKeyPrefix: '',
    });
    expect(config.apiKeyCacheSeconds).toBe(30);
    expect(config.server).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
    });
  });

  it('reads TRUSTED_PROXIES as IPv4 and IPv6 CIDRs, a bare address being a single host', () => {
    expect(
      readConfig({ TRUSTED_PROXIES: ' 10.0.0.0/8, fd00::/8 ,192.0.2.7' }).trustedProxies,
    ).toEqual([
      { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
      { address: 'fd00::', prefix: 8, family: 'ipv6' },
      { address: '192.0.2.7', prefix: 32, family: 'ipv4' },
    ]);
  });

  it('reports every entry of TRUSTED_PROXIES that is not a CIDR on its own line', () => {
    expect(
      problemsOf({ TRUSTED_PROXIES: '10.0.0.0/8,10.0.0.0/33,fd00::/129,proxy.local,1.2.3.4/8/8' }),
    ).toEqual([
      'TRUSTED_PROXIES: "10.0.0.0/33" is not a CIDR (e.g. 10.0.0.0/8 or fd00::/8)',
      'TRUSTED_PROXIES: "fd00::/129" is not a CIDR (e.g. 10.0.0.0/8 or fd00::/8)',
      'TRUSTED_PROXIES: "proxy.local" is not a CIDR (e.g. 10.0.0.0/8 or fd00::/8)',
      'TRUSTED_PROXIES: "1.2.3.4/8/8" is not a CIDR (e.g. 10.0.0.0/8 or fd00::/8)',
    ]);
  });

  it('reads the rate limits as N/second|minute|hour|day and refuses anything else', () => {
    const config = readConfig({
      RATE_LIMIT_PER_MINUTE: '120',
      LOGIN_RATE_LIMIT: '10/hour',
      REGISTER_RATE_LIMIT: '2/second',
      REFRESH_RATE_LIMIT: '100/day',
    });
    expect(config.rateLimits).toMatchObject({
      global: { points: 120, durationSeconds: 60 },
      login: { points: 10, durationSeconds: 3600 },
      register: { points: 2, durationSeconds: 1 },
      refresh: { points: 100, durationSeconds: 86_400 },
    });

    expect(
      problemsOf({
        RATE_LIMIT_PER_MINUTE: '0',
        LOGIN_RATE_LIMIT: '5 per minute',
        REGISTER_RATE_LIMIT: '0/minute',
        REFRESH_RATE_LIMIT: '10/week',
      }),
    ).toEqual([
      expect.stringMatching(/^RATE_LIMIT_PER_MINUTE: /) as unknown as string,
      'LOGIN_RATE_LIMIT: expected N/second, N/minute, N/hour or N/day',
      'REGISTER_RATE_LIMIT: expected N/second, N/minute, N/hour or N/day',
      'REFRESH_RATE_LIMIT: expected N/second, N/minute, N/hour or N/day',
    ]);
  });

  it('takes the slow-client timeouts from the environment, headers within the request timeout', () => {
    expect(
      readConfig({
        HEADERS_TIMEOUT_MS: '2000',
        REQUEST_TIMEOUT_MS: '5000',
        KEEP_ALIVE_TIMEOUT_MS: '1000',
      }).server,
    ).toEqual({ headersTimeoutMs: 2000, requestTimeoutMs: 5000, keepAliveTimeoutMs: 1000 });
    expect(problemsOf({ HEADERS_TIMEOUT_MS: '20000', REQUEST_TIMEOUT_MS: '5000' })).toEqual([
      'HEADERS_TIMEOUT_MS: must not exceed REQUEST_TIMEOUT_MS',
    ]);
  });

  it('rejects a REDIS_KEY_PREFIX that could break out of its namespace', () => {
    expect(problemsOf({ REDIS_KEY_PREFIX: 'a b*' })).toEqual([
      'REDIS_KEY_PREFIX: letters, digits, _ : - only',
    ]);
  });

  it('rejects an upstream URL that is not http(s)', () => {
    expect(problemsOf({ AUTH_SERVICE_URL: 'file:///etc/passwd' })).toEqual([
      expect.stringMatching(/^AUTH_SERVICE_URL: /) as unknown as string,
    ]);
  });
});
