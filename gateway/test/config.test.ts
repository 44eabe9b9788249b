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
