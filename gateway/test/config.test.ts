import { describe, expect, it } from '@jest/globals';

import { ConfigError } from '@secure-api/shared';

import { readConfig } from '../src/config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    readConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

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
      readConfig({ NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com' }).docsEnabled,
    ).toBe(false);
  });

  it('in production refuses a * CORS origin and enabled docs, one line each', () => {
    expect(problemsOf({ NODE_ENV: 'production', CORS_ORIGINS: '*', DOCS_ENABLED: 'true' })).toEqual(
      [
        'CORS_ORIGINS: must not contain * when NODE_ENV=production',
        'DOCS_ENABLED: must not be true when NODE_ENV=production',
      ],
    );
  });

  it('rejects an upstream URL that is not http(s)', () => {
    expect(problemsOf({ AUTH_SERVICE_URL: 'file:///etc/passwd' })).toEqual([
      expect.stringMatching(/^AUTH_SERVICE_URL: /) as unknown as string,
    ]);
  });
});
