import { describe, expect, it } from '@jest/globals';

import { configProblems } from '@secure-api/shared/testing';

import { readConfig } from '../src/config.js';

const problemsOf = (env: Record<string, string | undefined>) => configProblems(readConfig, env);

describe('user-service configuration', () => {
  it('starts in development with no configuration at all, on its own database', () => {
    const config = readConfig({});

    expect(config.port).toBe(8082);
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/secure_api_users');
    expect(config.authJwksUrl).toBe('http://127.0.0.1:8081/.well-known/jwks.json');
    expect(config.authServiceTimeoutMs).toBe(5000);
    expect(config.autoMigrate).toBe(true);
  });

  it('joins paths to AUTH_SERVICE_URL without a double slash', () => {
    expect(readConfig({ AUTH_SERVICE_URL: 'http://auth:8081//' }).authServiceUrl).toBe(
      'http://auth:8081',
    );
  });

  it('in production, does not auto-migrate and refuses the development database and broker', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'AMQP_URL: must be set with non-default credentials when NODE_ENV=production',
      'DATABASE_URL: must be set explicitly when NODE_ENV=production',
    ]);
    expect(
      readConfig({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://users:pw@db:5432',
        AMQP_URL: 'amqp://users:pw@mq:5672',
      }).autoMigrate,
    ).toBe(false);
  });
});
