import { describe, expect, it } from '@jest/globals';

import { ConfigError } from '@secure-api/shared';

import { readConfig } from '../src/config.js';

describe('audit-service configuration', () => {
  it('in production refuses the default guest:guest broker credentials', () => {
    let problems: string[] = [];
    try {
      readConfig({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://audit:pw@db:5432',
        AMQP_URL: 'amqp://guest:guest@mq:5672',
      });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }

    expect(problems).toEqual([
      'AMQP_URL: must be set with non-default credentials when NODE_ENV=production',
    ]);
  });

  it('accepts explicit broker credentials in production', () => {
    const config = readConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://audit:pw@db:5432',
      AMQP_URL: 'amqp://audit:pw@mq:5672',
    });

    expect(config.databaseUrl).toBe('postgres://audit:pw@db:5432/secure_api_audit');
  });

  it('reads the revocation marks from REDIS_URL: local Redis by default, redis(s) URLs only', () => {
    let problems: string[] = [];
    try {
      readConfig({ REDIS_URL: 'http://cache:6379' });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }

    expect(readConfig({}).redisUrl).toBe('redis://127.0.0.1:6379');
    expect(readConfig({ REDIS_URL: 'rediss://:pw@cache:6380' }).redisUrl).toBe(
      'rediss://:pw@cache:6380',
    );
    expect(problems).toEqual(['REDIS_URL: expected a redis:// or rediss:// URL']);
  });
});
